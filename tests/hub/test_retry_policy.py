"""The one retry policy (pipeline.retry) with the real huggingface_hub client: what is retried, for how long,
how often it is logged, and what fails at once."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from pipeline import retry
from pipeline.config import HubConfig, HubQuery
from pipeline.hub import HubFetchError, fetch_models
from pipeline.replay_hub import FaultPlan, FaultRule

CFG = HubConfig(queries=(HubQuery(name="zh", filter=("zh",)),), page_size=5, retry_base_seconds=0.01,
                timeout_seconds=5)


def closed_port() -> str:
    """An address where nothing listens: a refused connection."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_a_refused_connection_fails_at_once_with_one_clear_line(caplog):
    caplog.set_level(logging.WARNING)
    started = time.perf_counter()
    with pytest.raises(HubFetchError, match=r"cannot reach the Hub at http://127\.0\.0\.1:\d+ \(ConnectError: .*refused"):
        fetch_models(CFG, closed_port())
    assert time.perf_counter() - started < 2
    assert [r for r in caplog.records if "retry" in r.getMessage()] == []   # not retried, so nothing logged


def test_an_unknown_host_fails_at_once():
    with pytest.raises(HubFetchError, match="cannot reach the Hub at http://no-such-host.invalid"):
        fetch_models(CFG, "http://no-such-host.invalid")


def test_each_retry_is_logged_once_and_honours_retry_after(replay_hub, caplog):
    caplog.set_level(logging.DEBUG)
    replay_hub.as_of = date(2025, 1, 20)
    replay_hub.faults = FaultPlan(rules=[
        FaultRule(kind="status", status=503, path=r"^/api/models\?", times=2),
        FaultRule(kind="status", status=429, retry_after=1, path=r"^/api/models\?", times=1),
    ])
    waits: list[float] = []
    fetched = fetch_models(CFG, replay_hub.url, sleep=waits.append)
    retries = [r.getMessage() for r in caplog.records if "; retry " in r.getMessage()]
    assert len(retries) == 3 and len(replay_hub.fault_log) == 3
    assert retries[0].startswith("GET /api/models: HfHubHTTPError: Server error '503") and "retry 1 of 5" in retries[0]
    assert waits == [0.01, 0.02, 1.0]   # backoff doubles; the 429's Retry-After wins over it
    assert not [r for r in caplog.records if r.name.startswith("huggingface_hub")]   # the client's own retry lines are gone
    assert fetched.items


def test_the_step_budget_ends_retrying_with_one_line_naming_the_setting(replay_hub):
    replay_hub.faults = FaultPlan(rules=[FaultRule(kind="status", status=429, retry_after=30, path=r"^/api/models")])
    started = time.perf_counter()
    with pytest.raises(HubFetchError, match=r"gave up after \d+ s of retries \(hub.budget_seconds = 5\); "
                                            r"last error: HfHubHTTPError: .*429"):
        fetch_models(replace(CFG, budget_seconds=5), replay_hub.url)
    assert time.perf_counter() - started < 2   # a 30 s Retry-After does not fit in 5 s: no point waiting
    assert len(replay_hub.fault_log) == 1


@pytest.mark.parametrize(("error", "kind"), [
    (ConnectionRefusedError(111, "refused"), retry.UNREACHABLE),
    (socket.gaierror(-2, "Name or service not known"), retry.UNREACHABLE),
    (TimeoutError("timed out"), retry.TRANSPORT),
    (ConnectionResetError(104, "reset"), retry.TRANSPORT),
    (ValueError("Invalid filename 'results/a/../x': cannot contain a '..' path segment"), retry.RECORD),
    (OSError("Consistency check failed: file should be of size 4 but has size 2"), retry.TRANSPORT),
    (OSError(28, "No space left on device"), retry.FATAL),
    (KeyError("x"), retry.FATAL),
])
def test_failures_are_classified(error, kind):
    assert retry.kind_of(error) == kind


def test_a_wrapped_cause_decides_the_kind():
    try:
        try:
            raise ConnectionRefusedError(111, "refused")
        except OSError as refused:
            raise FileNotFoundError("cannot find the requested files in the local cache") from refused
    except FileNotFoundError as wrapped:
        assert retry.kind_of(wrapped) == retry.UNREACHABLE


def test_radar_run_hub_against_an_unreachable_hub_ends_quickly_with_the_reason(tmp_path):
    """The CLI end to end (a temporary Prefect server included) against an address where nobody listens."""
    env = {**os.environ, "HF_ENDPOINT": closed_port(), "PREFECT_HOME": str(tmp_path / "prefect"),
           "PREFECT_API_URL": ""}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pipeline.cli", "--db", str(tmp_path / "w.duckdb"), "run", "hub"],
                          capture_output=True, text=True, env=env, timeout=120, cwd=Path(__file__).parents[2])
    seconds = time.perf_counter() - started
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert len(lines) <= 5, done.stderr   # the reason, not Prefect's tracebacks or a retry per line
    assert lines[-1].startswith("error: ") and "cannot reach the Hub at http://127.0.0.1:" in lines[-1]
    assert "Retrying" not in done.stderr and "; retry " not in done.stderr
    assert seconds < 30, f"{seconds:.1f} s"
