"""End to end on a real Prefect server: prefect.yaml deployed to a process work pool, the weekly pipeline
and a daily Hub snapshot (which triggers the scores) run by a worker against the replay Hub, then
``radar serve`` stopped, restarted and its schedules checked.

Every process is started here in its own session and stopped here by its pid: the worker gets SIGTERM, then
SIGKILL after a grace period (it can ignore SIGTERM for over 40 s), the server SIGTERM. Run with
``pytest -m e2e``; about two to four minutes on 2 cores.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
POOL = "radar-process"
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
SERVER_START_SECONDS = 180
RUN_SECONDS = 300


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Api:
    """The REST API of the server under test (no Prefect client: its settings are this process's)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
        return json.loads(text) if text else None

    def healthy(self) -> bool:
        try:
            return self.call("GET", "/health") is True
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def deployment(self, flow: str, name: str) -> dict:
        return self.call("GET", f"/deployments/name/{flow}/{name}")

    def flow_runs(self, **flow_run_filter: Any) -> list[dict]:
        return self.call("POST", "/flow_runs/filter", {"flow_runs": flow_run_filter})

    def flow_name(self, flow_id: str) -> str:
        return self.call("GET", f"/flows/{flow_id}")["name"]


class Processes:
    """The processes this module started, each in its own session, stopped by pid."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[subprocess.Popen] = []

    def start(self, name: str, args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 (closed by the child's exit)
        proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.started.append(proc)
        return proc

    def log(self, name: str, tail: int = 4000) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-tail:] if path.is_file() else ""

    @staticmethod
    def stop(proc: subprocess.Popen, grace: float = 15.0) -> None:
        """SIGTERM to its process group, SIGKILL after ``grace`` seconds."""
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(30)
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # anything it left behind in its group
        except ProcessLookupError:
            pass

    def stop_all(self) -> None:
        for proc in reversed(self.started):
            self.stop(proc)


@pytest.fixture(scope="module")
def processes(tmp_path_factory) -> Iterator[Processes]:
    procs = Processes(tmp_path_factory.mktemp("e2e-logs"))
    try:
        yield procs
    finally:
        procs.stop_all()


@pytest.fixture(scope="module")
def server(tmp_path_factory, processes) -> Iterator[tuple[Api, dict[str, str]]]:
    """``prefect server start`` on 127.0.0.1 with a fresh PREFECT_HOME; the environment to reach it."""
    port = free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path_factory.mktemp("prefect-home")),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_WORKER_QUERY_SECONDS": "2",
        "PREFECT_RUNNER_POLL_FREQUENCY": "2",
        "PREFECT_CLI_COLORS": "false",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("PREFECT_PROFILE", None)
    proc = processes.start("server", [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1",
                                      "--port", str(port), "--no-ui"], env, ROOT)
    api = Api(env["PREFECT_API_URL"])
    started = time.monotonic()
    while not api.healthy():
        assert proc.poll() is None, f"prefect server exited:\n{processes.log('server')}"
        assert time.monotonic() - started < SERVER_START_SECONDS, f"server not healthy:\n{processes.log('server')}"
        time.sleep(0.5)
    print(f"\nprefect server healthy after {time.monotonic() - started:.1f} s")
    yield api, env
    processes.stop(proc)


def prefect(env: dict[str, str], *args: str, cwd: Path = ROOT) -> str:
    result = subprocess.run([str(BIN / "prefect"), *args], env=env, cwd=cwd, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, f"prefect {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def wait_for_end(api: Api, run_id: str, processes: Processes) -> dict:
    started = time.monotonic()
    while True:
        run = api.call("GET", f"/flow_runs/{run_id}")
        if run["state_type"] in TERMINAL:
            return run
        assert time.monotonic() - started < RUN_SECONDS, f"run still {run['state_name']}:\n{processes.log('worker')}"
        time.sleep(2)


def wait_for_run_of(api: Api, deployment_id: str, processes: Processes) -> dict:
    """The first run of a deployment (created by its trigger), once it has ended."""
    started = time.monotonic()
    while not (runs := api.flow_runs(deployment_id={"any_": [deployment_id]})):
        assert time.monotonic() - started < 60, "no run was triggered"
        time.sleep(1)
    return wait_for_end(api, runs[0]["id"], processes)


def e2e_config(tmp_path: Path) -> Path:
    """The demo's configuration with a small smoke test (one tiny model) and every path in ``tmp_path``."""
    path = tmp_path / "radar.toml"
    path.write_text(
        f'[paths]\ndb = "{tmp_path / "radar.duckdb"}"\nreports_dir = "{tmp_path / "reports"}"\n'
        f'cache_dir = "{tmp_path / "cache"}"\n\n'
        '[smoke]\ntop_n = 0\nmodels = ["radar-test/tiny-zh-embed"]\ntimeout_seconds = 120\n',
        encoding="utf-8",
    )
    return path


def test_the_weekly_pipeline_deployed_from_prefect_yaml_runs_on_a_worker(server, processes, tmp_path):
    from flows.demo import demo_replay_data
    from pipeline.replay_hub import ReplayHub

    api, env = server
    data = demo_replay_data()
    when = data.dates[-1]
    config = e2e_config(tmp_path)
    db = tmp_path / "radar.duckdb"
    with ReplayHub(data, port=0, as_of=when) as hub:
        started = time.monotonic()
        prefect(env, "work-pool", "create", POOL, "--type", "process")
        prefect(env, "deploy", "--all", "--no-prompt")
        deployed = time.monotonic() - started
        worker_env = {**env, "HF_ENDPOINT": hub.url}
        worker = processes.start("worker", [str(BIN / "prefect"), "worker", "start", "--pool", POOL],
                                 worker_env, tmp_path)
        parameters = {"snapshot_date": when.isoformat(), "config_path": str(config), "db_path": str(db)}
        deployment = api.deployment("weekly_pipeline", "weekly-pipeline")
        run = api.call("POST", f"/deployments/{deployment['id']}/create_flow_run", {"parameters": parameters})
        finished = wait_for_end(api, run["id"], processes)
        ran = time.monotonic() - started - deployed
        assert finished["state_type"] == "COMPLETED", f"{finished['state']}\n{processes.log('worker')}"

        hub_daily = api.deployment("hub_snapshot", "hub-daily")
        snapshot = api.call("POST", f"/deployments/{hub_daily['id']}/create_flow_run", {"parameters": parameters})
        assert wait_for_end(api, snapshot["id"], processes)["state_type"] == "COMPLETED"
        scores = api.deployment("scores", "scores-after-snapshot")
        triggered = wait_for_run_of(api, scores["id"], processes)
        processes.stop(worker)
    print(f"deploy {deployed:.1f} s; trigger to {finished['state_name']} {ran:.1f} s")
    assert worker.poll() is not None

    subflows = api.flow_runs(parent_flow_run_id={"any_": [run["id"]]})
    assert sorted(api.flow_name(r["flow_id"]) for r in subflows) == sorted(
        ["hub_snapshot", "mteb_snapshot", "scores", "smoke_tests", "weekly_report"])
    assert {r["state_type"] for r in subflows} == {"COMPLETED"}

    with duckdb.connect(str(db), read_only=True) as con:
        runs = con.execute("select flow, status, rows_written from runs order by started_at").fetchall()
        models = con.execute("select count(*) from model_snapshots where snapshot_date = ?", [when]).fetchall()[0][0]
        ranked = con.execute("select count(*) from rankings where as_of = ?", [when]).fetchall()[0][0]
        smoke = con.execute("select model_id, status from smoke_results").fetchall()
        leader = con.execute("select model_id from rankings where as_of = ? and profile = 'balanced' order by rank"
                             " limit 1", [when]).fetchall()[0][0]
    assert [(flow, status) for flow, status, _ in runs] == [
        ("weekly_pipeline", "completed"), ("hub_snapshot", "completed"), ("mteb_snapshot", "completed"),
        ("scores", "completed"), ("smoke", "completed"), ("weekly_report", "completed"),  # the pipeline
        ("hub_snapshot", "completed"), ("scores", "completed"),  # hub-daily, then the scores it triggered
    ]
    hub_rows = [rows for flow, _, rows in runs if flow == "hub_snapshot"]
    assert models > 50 and hub_rows == [models, models]
    assert ranked > 0
    assert ("radar-test/tiny-zh-embed", "passed") in smoke
    reports = sorted((tmp_path / "reports").rglob("report.*"))
    assert {p.suffix for p in reports} >= {".md", ".html"}
    markdown = next(p for p in reports if p.suffix == ".md").read_text(encoding="utf-8")
    assert leader in markdown

    limit = api.call("GET", "/v2/concurrency_limits/duckdb-writer")
    assert (limit["active"], limit["limit"], limit["active_slots"]) == (True, 1, 0)
    assert deployment["pull_steps"] == [{"prefect.deployments.steps.set_working_directory": {"directory": str(ROOT)}}]

    assert triggered["state_type"] == "COMPLETED", triggered["state"]
    assert triggered["parameters"] == {"as_of": when.isoformat(), "config_path": str(config), "db_path": str(db)}
    assert len(api.flow_runs(deployment_id={"any_": [scores["id"]]})) == 1, "the pipeline's subflows trigger nothing"


def served(api: Api, db: Path) -> bool:
    """Whether every deployment of prefect.yaml is registered by ``radar serve`` for ``db``, and unpaused."""
    from flows.deployments import deployment_specs, load_flow

    for spec in deployment_specs():
        try:
            deployment = api.deployment(load_flow(spec["entrypoint"]).name, spec["name"])
        except urllib.error.HTTPError:
            return False
        if deployment["parameters"].get("db_path") != str(db) or deployment["paused"] is not False:
            return False
    return True


def serve_once(api: Api, processes: Processes, env: dict[str, str], db: Path) -> None:
    """Start ``radar serve``, wait until it has registered every deployment, stop it with SIGTERM."""
    proc = processes.start("serve", [str(BIN / "radar"), "--db", str(db), "serve"], env, ROOT)
    started = time.monotonic()
    while not (served(api, db) and "being served" in processes.log("serve")):
        assert proc.poll() is None, f"radar serve exited:\n{processes.log('serve')}"
        assert time.monotonic() - started < 120, processes.log("serve")
        time.sleep(1)
    time.sleep(3)  # the runner starts polling right after that message; stop it while it runs
    processes.stop(proc, grace=30)
    assert proc.returncode is not None


def test_radar_serve_keeps_schedules_active_across_restarts(server, processes, tmp_path):
    """A plain serve() pauses its deployments on shutdown, so a restarted one would schedule nothing."""
    api, env = server
    db = tmp_path / "served.duckdb"
    serve_once(api, processes, env, db)
    expected = {("hub_snapshot", "hub-daily"): True, ("weekly_report", "report-weekly"): True,
                ("weekly_pipeline", "weekly-pipeline"): False}
    for (flow, name), active in expected.items():
        deployment = api.deployment(flow, name)
        assert deployment["paused"] is False, f"{name} paused when radar serve stopped"
        schedules = [(s["active"], s["schedule"]["timezone"]) for s in deployment["schedules"]]
        assert schedules == [(active, "Asia/Shanghai")], name

    hub_daily = api.deployment("hub_snapshot", "hub-daily")["id"]
    api.call("PATCH", f"/deployments/{hub_daily}", {"paused": True})  # as a plain serve() leaves it
    serve_once(api, processes, env, db)
    assert api.deployment("hub_snapshot", "hub-daily")["paused"] is False
