"""Run the smoke-test worker in its own process under a wall-time and a memory limit, and classify the end.

A model can hang (a pathological tokenizer), crash the interpreter (a native library) or exhaust memory;
none of that may stop the flow. The worker runs in a new session (process group) so the whole tree can be
killed, with a minimal environment (no Hub token reaches untrusted code, the Hub is offline, caches point
at a scratch folder), and a watchdog samples its resident memory: real pages, not the address space, which
PyTorch reserves generously (RLIMIT_AS would kill healthy models). No ``preexec_fn``: it is unsafe in a
process with threads (the thread task runner, Dask workers); the worker turns off its own core dumps.
Every way a worker can end maps onto a failure class (see docs/smoke-tests.md).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from pipeline.lifeline import launcher_argv
from pipeline.smoke.result import PHASE_PREFIX, status_of
from pipeline.stopping import STOPPING

PROJECT_ROOT = Path(__file__).resolve().parents[2]
POLL_SECONDS = 0.1
STDERR_TAIL_LINES = 40
PASSED_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "SYSTEMROOT")
"""The only variables a worker inherits: never ``HF_TOKEN`` or other credentials."""


@dataclass(frozen=True)
class ProcessOutcome:
    """How a limited process ended. ``killed_for`` is ``timeout``, ``memory`` or ``stopped`` when the runner killed it."""

    returncode: int
    stdout: str
    stderr_tail: str
    wall_seconds: float
    peak_rss_mb: float
    killed_for: str | None
    last_phase: str | None


def _tree_rss(proc: psutil.Process) -> int:
    """Resident bytes of a process and all its children (a model may spawn helpers)."""
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


def run_limited(argv: Sequence[str], timeout_seconds: float, memory_mb: float, env: dict[str, str] | None = None,
                cwd: str | Path | None = None) -> ProcessOutcome:
    """Run ``argv`` until it exits, runs past ``timeout_seconds`` or its tree's RSS passes ``memory_mb``.

    On a limit, a stop request (:data:`~pipeline.stopping.STOPPING`) or an exception in this thread the whole
    process group is killed with SIGKILL (a hung native call ignores gentler signals); ``python -m``/``-c``
    commands run through :mod:`pipeline.lifeline`, so they also die if this process is SIGKILLed.
    stdout is returned whole; stderr only as its last lines, scanned for ``@@phase`` progress markers.
    """
    started = time.perf_counter()
    argv = list(argv)
    if len(argv) > 2 and argv[1] in ("-m", "-c"):
        argv = launcher_argv(argv)   # the worker dies with us, even if we are SIGKILLed
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd,
                            start_new_session=True)
    stdout_chunks: list[bytes] = []
    tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
    last_phase: list[str] = []

    def read_stdout() -> None:
        stdout_chunks.append(proc.stdout.read())

    def read_stderr() -> None:
        for raw in proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip()
            if line.startswith(PHASE_PREFIX):
                last_phase[:] = [line[len(PHASE_PREFIX):]]
            else:
                tail.append(line)

    readers = [threading.Thread(target=read_stdout, daemon=True), threading.Thread(target=read_stderr, daemon=True)]
    for reader in readers:
        reader.start()
    peak, killed_for = 0, None
    limit_bytes = memory_mb * 2**20
    try:
        watched = psutil.Process(proc.pid)
        while proc.poll() is None:
            if STOPPING.is_set():
                killed_for = "stopped"
            elif time.perf_counter() - started > timeout_seconds:
                killed_for = "timeout"
            else:
                try:
                    rss = _tree_rss(watched)
                except psutil.NoSuchProcess:
                    rss = 0
                peak = max(peak, rss)
                if rss > limit_bytes:
                    killed_for = "memory"
            if killed_for:
                break
            time.sleep(POLL_SECONDS)
    finally:   # a limit, a stop request, or any exception here: the worker's whole group goes
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    returncode = proc.wait()
    for reader in readers:
        reader.join(timeout=5)
    return ProcessOutcome(
        returncode=returncode,
        stdout=b"".join(stdout_chunks).decode("utf-8", "replace"),
        stderr_tail="\n".join(tail),
        wall_seconds=time.perf_counter() - started,
        peak_rss_mb=round(peak / 2**20, 1),
        killed_for=killed_for,
        last_phase=last_phase[0] if last_phase else None,
    )


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no output"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _failure(failure_class: str, error: str) -> dict[str, Any]:
    return {"status": status_of(failure_class), "failure_class": failure_class, "error": error}


def classify(outcome: ProcessOutcome, timeout_seconds: float, memory_mb: float) -> dict[str, Any]:
    """The worker's JSON result, or a failure record (status, failure_class, error) for how it died."""
    where = f" (last phase: {outcome.last_phase})" if outcome.last_phase else ""
    if outcome.killed_for == "stopped":
        return _failure("crash", f"stopped: the run was cancelled{where}")
    if outcome.killed_for == "timeout":
        return _failure("hang", f"no result within the {timeout_seconds:g} s wall-time limit{where}; killed")
    if outcome.killed_for == "memory":
        return _failure("oom", f"resident memory passed the {memory_mb:g} MB limit{where}; killed")
    if outcome.returncode == -signal.SIGKILL:
        return _failure("oom", "killed by SIGKILL from outside the runner, usually the kernel's out-of-memory "
                               f"killer{where}")
    if outcome.returncode < 0:
        return _failure("crash", f"killed by {_signal_name(-outcome.returncode)}{where}: "
                                 f"{_last_line(outcome.stderr_tail)}")
    lines = outcome.stdout.strip().splitlines()
    try:
        result = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        result = None
    if outcome.returncode != 0 or not isinstance(result, dict):
        return _failure("crash", f"exited with code {outcome.returncode} without a result{where}: "
                                 f"{_last_line(outcome.stderr_tail)}")
    return result


def worker_env(threads: int, scratch: Path) -> dict[str, str]:
    """A minimal environment: offline Hub, quiet libraries, fixed thread counts, caches in ``scratch``."""
    env = {key: os.environ[key] for key in PASSED_ENV if key in os.environ}
    env.update({
        "HOME": str(scratch),
        "HF_HOME": str(scratch / "hf"),
        "TMPDIR": str(scratch),
        "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
        "PYTHONDONTWRITEBYTECODE": "1",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "TRANSFORMERS_VERBOSITY": "error",
        "TOKENIZERS_PARALLELISM": "false",
        "OMP_NUM_THREADS": str(threads),
        "MKL_NUM_THREADS": str(threads),
    })
    return env


def run_worker(model_dir: Path, *, timeout_seconds: float, memory_mb: float, threads: int, batch_size: int,
               trust_remote_code: bool = False, semantic: bool = False) -> dict[str, Any]:
    """Smoke-test the model folder ``model_dir`` in a limited subprocess; returns the classified result.

    Besides the worker's own fields the result has ``wall_seconds``, ``last_phase`` and ``peak_rss_mb``
    (the worker's own peak, or the watchdog's when the worker died before reporting).
    """
    argv = [sys.executable, "-m", "pipeline.smoke.worker", "--model-dir", str(Path(model_dir).resolve()),
            "--threads", str(threads), "--batch-size", str(batch_size)]
    if trust_remote_code:
        argv.append("--trust-remote-code")
    if semantic:
        argv.append("--semantic")
    scratch = Path(tempfile.mkdtemp(prefix="radar-smoke-"))
    try:
        outcome = run_limited(argv, timeout_seconds, memory_mb, env=worker_env(threads, scratch), cwd=scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result = classify(outcome, timeout_seconds, memory_mb)
    result.setdefault("peak_rss_mb", outcome.peak_rss_mb)
    result.update(wall_seconds=round(outcome.wall_seconds, 3), last_phase=outcome.last_phase,
                  threads=threads, batch_size=batch_size)
    return result
