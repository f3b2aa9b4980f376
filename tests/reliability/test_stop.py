"""Process hygiene: SIGTERM and SIGINT stop `radar run` within seconds, recorded as `cancelled`, with the
warehouse as it was; nothing `radar run` started outlives it, even when it is SIGKILLed.

Real processes throughout: `radar run hub` against the replay Hub (whose listing is slowed down so the
run is mid-flight when the signal comes) with its temporary Prefect server, and smoke-test workers.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import psutil
import pytest

from pipeline.replay_hub import FaultPlan, FaultRule
from warehouse import db

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("models", "model_snapshots", "data_issues")


def start_radar_run(replay_hub, tmp_path: Path, path: Path, day: str) -> subprocess.Popen:
    env = {**os.environ, "HF_ENDPOINT": replay_hub.url, "PREFECT_HOME": str(tmp_path / "prefect"),
           "PREFECT_API_URL": ""}
    config = tmp_path / "radar.toml"
    config.write_text('[hub]\ntimeout_seconds = 120\n[[hub.queries]]\nname = "zh"\nfilter = ["zh"]\n',
                      encoding="utf-8")
    return subprocess.Popen([sys.executable, "-m", "pipeline.cli", "--db", str(path), "--config", str(config),
                             "run", "hub", "--date", day], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=tmp_path)


def wait_until_listing(replay_hub, proc: subprocess.Popen, seconds: float = 90) -> None:
    """Until the run has asked the Hub for its listing (its run record is written by then)."""
    deadline = time.monotonic() + seconds
    while not any(e.get("target", "").startswith("/api/models") for e in replay_hub.fault_log):
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        assert time.monotonic() < deadline, "the run never reached the Hub"
        time.sleep(0.1)


def contents(path: Path) -> dict[str, list]:
    with db.reader(path) as con:
        return {t: sorted(map(str, con.execute(f"SELECT * FROM {t}").fetchall())) for t in TABLES}


@pytest.fixture
def slow_listing(replay_hub):
    replay_hub.as_of = date(2025, 1, 20)
    replay_hub.faults = FaultPlan(rules=[FaultRule(kind="delay", seconds=60, path=r"^/api/models\?")])
    return replay_hub


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_radar_run_within_seconds_as_cancelled_with_the_warehouse_as_before(
        prefect_backend, slow_listing, tmp_path, signum) -> None:
    from flows.hub_snapshot import hub_snapshot

    path = tmp_path / "w.duckdb"
    slow_listing.faults = FaultPlan(rules=[])
    hub_snapshot(snapshot_date="2025-01-13", db_path=str(path), endpoint=slow_listing.url)   # the state before
    before = contents(path)
    slow_listing.faults = FaultPlan(rules=[FaultRule(kind="delay", seconds=60, path=r"^/api/models\?")])

    proc = start_radar_run(slow_listing, tmp_path, path, "2025-01-20")
    wait_until_listing(slow_listing, proc)
    children = psutil.Process(proc.pid).children(recursive=True)
    assert children, "no temporary Prefect server was started: the test proves less than it claims"
    sent = time.perf_counter()
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    seconds = time.perf_counter() - sent

    assert seconds < 10, f"{signal.Signals(signum).name} took {seconds:.1f} s"
    assert proc.returncode == (128 + signum if signum == signal.SIGTERM else 130), err[-2000:]
    with db.reader(path) as con:
        runs = con.execute("SELECT snapshot_date::VARCHAR, status, error FROM runs ORDER BY started_at").fetchall()
    assert [r[:2] for r in runs] == [("2025-01-13", "completed"), ("2025-01-20", "cancelled")]
    assert "stopped on request" in runs[1][2]
    assert contents(path) == before
    gone, alive = psutil.wait_procs(children, timeout=10)
    assert alive == [], f"left behind: {[p.cmdline()[:4] for p in alive]}"
    print(f"{signal.Signals(signum).name}: radar run ended {seconds:.2f} s after the signal")


def test_sigkill_of_radar_run_leaves_no_process_behind(slow_listing, tmp_path) -> None:
    proc = start_radar_run(slow_listing, tmp_path, tmp_path / "w.duckdb", "2025-01-20")
    wait_until_listing(slow_listing, proc)
    children = psutil.Process(proc.pid).children(recursive=True)
    assert any("uvicorn" in " ".join(c.cmdline()) for c in children), "no temporary Prefect server to check"
    killed = time.perf_counter()
    proc.kill()
    proc.communicate(timeout=30)
    gone, alive = psutil.wait_procs(children, timeout=15)
    assert alive == [], f"left behind: {[p.cmdline()[:6] for p in alive]}"
    print(f"SIGKILL: every child gone {time.perf_counter() - killed:.2f} s after the kill")


PARENT = """
import sys, time
from pipeline.smoke.runner import run_limited
run_limited([sys.executable, "-c", "import time; time.sleep(600)"], timeout_seconds=600, memory_mb=500)
"""


def test_a_smoke_worker_dies_with_its_parent_even_on_sigkill(tmp_path) -> None:
    parent = subprocess.Popen([sys.executable, "-c", textwrap.dedent(PARENT)], cwd=ROOT)
    deadline = time.monotonic() + 30
    while not (workers := psutil.Process(parent.pid).children(recursive=True)):
        assert time.monotonic() < deadline and parent.poll() is None
        time.sleep(0.1)
    time.sleep(0.5)   # let the worker's lifeline start watching
    parent.kill()
    parent.wait(timeout=10)
    gone, alive = psutil.wait_procs(workers, timeout=10)
    assert alive == [], f"left behind: {[p.cmdline() for p in alive]}"


def test_a_stop_request_kills_the_running_worker_at_once() -> None:
    import threading

    from pipeline.smoke.runner import run_limited
    from pipeline.stopping import STOPPING

    timer = threading.Timer(1.0, STOPPING.set)
    timer.start()
    started = time.perf_counter()
    try:
        outcome = run_limited([sys.executable, "-c", "import time; time.sleep(600)"], timeout_seconds=600,
                              memory_mb=500)
    finally:
        STOPPING.clear()
    assert outcome.killed_for == "stopped" and outcome.returncode == -signal.SIGKILL
    assert time.perf_counter() - started < 5
