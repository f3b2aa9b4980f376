"""The runner's limits and classification, on small real processes (no model needed)."""

from __future__ import annotations

import json
import sys

import psutil
import pytest

from pipeline.smoke.runner import ProcessOutcome, classify, run_limited, worker_env


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_a_clean_worker_result_passes_through():
    outcome = run_limited(python("import json; print('noise', file=__import__('sys').stderr);"
                                 "print(json.dumps({'status': 'passed', 'failure_class': None}))"), 30, 500)
    assert outcome.returncode == 0 and outcome.killed_for is None and "noise" in outcome.stderr_tail
    assert classify(outcome, 30, 500) == {"status": "passed", "failure_class": None}


def test_a_hang_is_killed_at_the_wall_time_limit_with_its_last_phase():
    code = ("import sys, time; print('@@phase load:x', file=sys.stderr, flush=True);"
            "print('@@phase long_input:x', file=sys.stderr, flush=True); time.sleep(60)")
    outcome = run_limited(python(code), timeout_seconds=1.5, memory_mb=500)
    assert outcome.killed_for == "timeout" and 1.5 <= outcome.wall_seconds < 10
    result = classify(outcome, 1.5, 500)
    assert result["failure_class"] == "hang"
    assert "1.5 s wall-time limit (last phase: long_input:x)" in result["error"]


def test_the_whole_process_group_is_killed():
    code = ("import subprocess, sys, time; p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']);"
            "print(p.pid, flush=True); time.sleep(60)")
    outcome = run_limited(python(code), timeout_seconds=1.5, memory_mb=500)
    child = int(outcome.stdout.split()[0])
    try:
        psutil.Process(child).wait(timeout=5)   # SIGKILL is delivered asynchronously
    except psutil.NoSuchProcess:
        pass


def test_memory_above_the_limit_is_an_oom_kill():
    code = "import time; blocks = [bytearray(50 * 2**20) for _ in range(8)]; time.sleep(30)"
    outcome = run_limited(python(code), timeout_seconds=30, memory_mb=150)
    assert outcome.killed_for == "memory" and outcome.peak_rss_mb > 150
    assert classify(outcome, 30, 150)["failure_class"] == "oom"


@pytest.mark.parametrize("code, expected", [
    ("import os, resource, signal; resource.setrlimit(resource.RLIMIT_CORE, (0, 0));"
     "os.kill(os.getpid(), signal.SIGSEGV)", "killed by SIGSEGV"),
    ("import sys; print('Traceback: boom', file=sys.stderr); sys.exit(3)", "exited with code 3 without a result"),
    ("print('not json')", "exited with code 0 without a result"),
])
def test_a_worker_that_dies_without_a_result_is_a_crash(code, expected, tmp_path):
    result = classify(run_limited(python(code), 30, 500, cwd=tmp_path), 30, 500)
    assert result["failure_class"] == "crash" and expected in result["error"]


def test_a_sigkill_from_outside_the_runner_is_taken_for_the_oom_killer():
    outcome = ProcessOutcome(returncode=-9, stdout="", stderr_tail="", wall_seconds=3.0, peak_rss_mb=900.0,
                             killed_for=None, last_phase="load:transformers")
    result = classify(outcome, 300, 4096)
    assert result["failure_class"] == "oom" and "load:transformers" in result["error"]


def test_the_worker_environment_carries_no_credentials_and_is_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_secretsecretsecret")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    env = worker_env(threads=1, scratch=tmp_path)
    outcome = run_limited(python("import json, os; print(json.dumps(dict(os.environ)))"), 30, 500, env=env)
    seen = json.loads(outcome.stdout)
    assert "HF_TOKEN" not in seen and "AWS_SECRET_ACCESS_KEY" not in seen
    assert seen["HF_HUB_OFFLINE"] == "1" and seen["OMP_NUM_THREADS"] == "1" and seen["HOME"] == str(tmp_path)
