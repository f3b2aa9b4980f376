"""Benchmark: what Prefect costs the weekly pipeline on the demo data.

Side by side in one run, each on a fresh warehouse, against one in-process replay Hub as of the last
recorded date and one configuration:
  direct        the five flows' own bodies with Prefect taken out: every task and subflow called as its plain
                function (``.fn``; submitted tasks go to a thread pool as large as the flow's), artifacts
                dropped; run records and warehouse writes exactly as in production;
  orchestrated  ``weekly_pipeline()`` against a running Prefect server: a parent and five subflow runs, task
                runs, state hooks, the writer limit, logs sent to the API; default settings (INFO logs on
                stderr, heartbeats on), as ``radar run all`` and a worker run it.
A direct warm-up run first fills what both then share (imports, the Hub cache of the smoke-test models).
The server's start-up (``prefect server start --no-ui`` on a fresh PREFECT_HOME, until /api/health answers)
is reported separately. Target (issue 7): orchestrated <= 1.3x direct.

    .venv/bin/python benchmarks/bench_prefect_overhead.py [--smoke demo|tiny] 2>/dev/null

``--smoke demo`` smoke-tests what the demo configuration lists (eight models, one of which hangs until its
60 s limit); ``tiny`` (default) only ``radar-test/tiny-zh-embed``, so the other steps are not drowned out.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WORK = Path(tempfile.mkdtemp(prefix="radar-bench-prefect-"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


HUB_PORT, API_PORT = free_port(), free_port()
os.environ.update({  # before anything imports prefect or huggingface_hub
    "HF_ENDPOINT": f"http://127.0.0.1:{HUB_PORT}",
    "HF_HOME": str(WORK / "hf-home"),
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "NO_PROXY": "127.0.0.1,localhost",
    "PREFECT_HOME": str(WORK / "prefect-home"),
    "PREFECT_API_URL": f"http://127.0.0.1:{API_PORT}/api",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
})


def start_server() -> tuple[subprocess.Popen, float]:
    """``prefect server start`` in its own session; seconds until /api/health answers."""
    started = time.perf_counter()
    log = open(WORK / "server.log", "wb")  # noqa: SIM115 (the child holds it)
    proc = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(API_PORT),
                             "--no-ui"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    while True:
        try:
            with urllib.request.urlopen(os.environ["PREFECT_API_URL"] + "/health", timeout=5) as response:
                if response.read() == b"true":
                    return proc, time.perf_counter() - started
        except OSError:
            pass
        if proc.poll() is not None or time.perf_counter() - started > 300:
            raise RuntimeError(f"prefect server did not start; see {WORK / 'server.log'}")
        time.sleep(0.25)


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)


def write_config(smoke: str) -> Path:
    """The demo configuration, every path under the benchmark's folder; ``tiny``: one smoke-test model."""
    import tomli_w

    raw = tomllib.loads((ROOT / "data" / "demo" / "radar.demo.toml").read_text(encoding="utf-8"))
    raw["paths"] = {"db": str(WORK / "unused.duckdb"), "reports_dir": str(WORK / "reports"),
                    "cache_dir": str(WORK / "cache")}
    if smoke == "tiny":
        raw["smoke"] = {**raw.get("smoke", {}), "top_n": 0, "models": ["radar-test/tiny-zh-embed"]}
    path = WORK / "radar.toml"
    path.write_bytes(tomli_w.dumps(raw).encode())
    return path


class PlainTask:
    """A task or subflow called as its function: no run, no state, no API call."""

    def __init__(self, wrapped: Any, pool: ThreadPoolExecutor) -> None:
        self.wrapped, self.pool = wrapped, pool

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.wrapped.fn(*unwrap(args), **dict(zip(kwargs, unwrap(kwargs.values()), strict=True)))

    def with_options(self, **_: Any) -> PlainTask:
        return self

    def submit(self, *args: Any, **kwargs: Any) -> Any:
        return self.pool.submit(self, *args, **kwargs)

    def map(self, *iterables: Any) -> list[Any]:
        return [self.submit(*args) for args in zip(*iterables, strict=True)]


def unwrap(values: Any) -> list[Any]:
    """Arguments as the task sees them: ``quote(x)`` and ``allow_failure(x)`` are Prefect's wrappers around x."""
    from prefect.utilities.annotations import BaseAnnotation

    return [v.unwrap() if isinstance(v, BaseAnnotation) else v for v in values]


@contextmanager
def prefect_taken_out(modules: list[Any], workers: int) -> Iterator[None]:
    """Inside: the flows' module-level tasks and subflows are their plain functions, artifacts are dropped."""
    from prefect import Flow, Task
    from prefect.logging import disable_run_logger

    with ThreadPoolExecutor(max_workers=workers) as pool, ExitStack() as stack:
        stack.enter_context(disable_run_logger())
        for module in modules:
            for name, value in list(vars(module).items()):
                if isinstance(value, (Task, Flow)):
                    stack.enter_context(mock.patch.object(module, name, PlainTask(value, pool)))
                elif name.startswith("create_") and name.endswith("_artifact"):
                    stack.enter_context(mock.patch.object(module, name, lambda *a, **k: None))
        yield


def run_direct(flows: dict[str, Any], modules: list[Any], when: str, config: Path, db: Path, workers: int) -> float:
    started = time.perf_counter()
    paths = {"config_path": str(config), "db_path": str(db)}
    with prefect_taken_out(modules, workers):
        flows["hub"].fn(snapshot_date=when, **paths)
        flows["mteb"].fn(snapshot_date=when, **paths)
        flows["scores"].fn(as_of=when, **paths)
        flows["smoke"].fn(**paths)
        flows["report"].fn(**paths)
    return time.perf_counter() - started


def run_orchestrated(when: str, config: Path, db: Path) -> tuple[float, dict[str, float]]:
    """Wall time of weekly_pipeline() and each subflow run's own duration, read back from the API."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId

    from flows.weekly_pipeline import weekly_pipeline

    started = time.perf_counter()
    state = weekly_pipeline(snapshot_date=when, config_path=str(config), db_path=str(db), return_state=True)
    wall = time.perf_counter() - started
    if not state.is_completed():
        raise RuntimeError(f"orchestrated run ended {state.name}: {state.message}")
    with get_client(sync_client=True) as client:
        children = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[state.state_details.flow_run_id])))
        names = {r.flow_id: client.read_flow(r.flow_id).name for r in children}
    children.sort(key=lambda r: r.start_time)
    return wall, {names[r.flow_id]: (r.end_time - r.start_time).total_seconds() for r in children}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", choices=("tiny", "demo"), default="tiny")
    args = parser.parse_args()
    config = write_config(args.smoke)
    server, startup = start_server()
    try:
        from flows.demo import demo_replay_data
        from pipeline.config import load_config
        from pipeline.replay_hub import ReplayHub

        import flows.hub_snapshot
        import flows.mteb_snapshot
        import flows.scores
        import flows.smoke
        import flows.weekly_report

        modules = [flows.hub_snapshot, flows.mteb_snapshot, flows.scores, flows.smoke, flows.weekly_report]
        steps = {"hub": flows.hub_snapshot.hub_snapshot, "mteb": flows.mteb_snapshot.mteb_snapshot,
                 "scores": flows.scores.compute_scores, "smoke": flows.smoke.smoke_tests,
                 "report": flows.weekly_report.weekly_report}
        workers = load_config(config).smoke.parallel
        data = demo_replay_data()
        when = data.dates[-1].isoformat()
        with ReplayHub(data, port=HUB_PORT, as_of=data.dates[-1]):
            warm = run_direct(steps, modules, when, config, WORK / "warm-up.duckdb", workers)
            orchestrated, per_flow = run_orchestrated(when, config, WORK / "orchestrated.duckdb")
            direct = run_direct(steps, modules, when, config, WORK / "direct.duckdb", workers)
    finally:
        stop(server)
    print(f"weekly pipeline on the demo data, {when}, smoke tests: {args.smoke}")
    print(f"  prefect server start-up (fresh PREFECT_HOME, --no-ui): {startup:6.1f} s  (reported separately)")
    print(f"  direct warm-up (not compared):                        {warm:6.1f} s")
    print(f"  direct:                                               {direct:6.1f} s")
    print(f"  orchestrated (weekly_pipeline + 5 subflows):          {orchestrated:6.1f} s")
    for name, seconds in per_flow.items():
        print(f"    {name:<20} {seconds:6.1f} s")
    print(f"  overhead ratio orchestrated/direct: {orchestrated / direct:.2f}x  (target <= 1.3x)")
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
