"""SIGTERM during `radar run smoke` (a real CLI process, its temporary Prefect server, a hanging model in a
worker): the run ends within seconds as `cancelled` and takes its worker with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil

from warehouse import db


def test_sigterm_during_a_smoke_test_kills_the_worker_and_cancels_the_run(smoke_hub, smoke_config, tmp_path):
    config = smoke_config(tmp_path / "radar.toml", tmp_path / "cache", top_n=0, timeout_seconds=300)
    with db.writer(tmp_path / "w.duckdb"):   # an empty warehouse: `radar run smoke` refuses a missing one
        pass
    env = {**os.environ, "HF_ENDPOINT": smoke_hub.url, "PREFECT_HOME": str(tmp_path / "prefect"),
           "PREFECT_API_URL": ""}   # empty: no server of the session's, radar run starts its own
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "--db", str(tmp_path / "w.duckdb"), "--config",
                             str(config), "run", "smoke", "--model", "radar-test/broken-hangs"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    deadline = time.monotonic() + 180
    while not any("pipeline.smoke.worker" in " ".join(c.cmdline())
                  for c in psutil.Process(proc.pid).children(recursive=True)):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()[1][-2000:]
        time.sleep(0.2)
    children = psutil.Process(proc.pid).children(recursive=True)
    sent = time.perf_counter()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    seconds = time.perf_counter() - sent

    assert proc.returncode == 128 + signal.SIGTERM and seconds < 10, (seconds, err[-2000:])
    gone, alive = psutil.wait_procs(children, timeout=10)
    assert alive == [], f"left behind: {[p.cmdline()[:5] for p in alive]}"
    with db.reader(tmp_path / "w.duckdb") as con:
        assert con.execute("SELECT flow, status FROM runs").fetchall() == [("smoke", "cancelled")]
        assert con.execute("SELECT count(*) FROM smoke_results").fetchone()[0] == 0
