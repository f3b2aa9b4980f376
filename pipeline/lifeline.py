"""Child processes die with the process that started them, even when it is killed with SIGKILL.

A SIGKILLed ``radar run`` cannot clean up, so its children must notice on their own: the temporary
Prefect server (a 220 MB uvicorn process) and the smoke-test workers are started through this launcher,
which watches the parent from a daemon thread and ends the child once the parent is gone (the child is
re-parented, so ``getppid()`` changes). ``PR_SET_PDEATHSIG`` is not used: it fires when the *thread*
that started the child exits, and Prefect starts its server from whichever thread first needs it.

    python -m pipeline.lifeline PARENT_PID -m module [args...]
    python -m pipeline.lifeline PARENT_PID -c code [args...]
"""

from __future__ import annotations

import os
import runpy
import signal
import sys
import threading
import time

POLL_SECONDS = 0.25
GRACE_SECONDS = 5.0


def launcher_argv(argv: list[str], parent_pid: int | None = None) -> list[str]:
    """``argv`` (``python -m ...`` or ``python -c ...``) run through the launcher, tied to ``parent_pid``."""
    if len(argv) < 3 or argv[1] not in ("-m", "-c"):
        raise ValueError(f"expected [python, -m|-c, ...], got {argv[:3]}")
    return [argv[0], "-m", __name__, str(parent_pid or os.getpid()), *argv[1:]]


def _orphaned() -> None:
    """The parent is gone: end this process (and its group, when it leads one) now, politely first."""
    if os.getpgid(0) == os.getpid():
        os.killpg(0, signal.SIGKILL)   # a session of our own (smoke worker): helpers go too, no grace
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(GRACE_SECONDS)
    os.kill(os.getpid(), signal.SIGKILL)


def watch_parent(parent_pid: int) -> threading.Thread:
    """Start a daemon thread that ends this process once ``parent_pid`` is no longer its parent."""
    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(POLL_SECONDS)
        _orphaned()

    thread = threading.Thread(target=watch, name="lifeline", daemon=True)
    thread.start()
    return thread


def main(argv: list[str]) -> None:
    parent, mode, target, *rest = argv
    watch_parent(int(parent))
    if mode == "-m":
        sys.argv = [target, *rest]
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    else:
        sys.argv = ["-c", *rest]
        exec(compile(target, "<string>", "exec"), {"__name__": "__main__"})  # noqa: S102 (our own argv)


if __name__ == "__main__":
    main(sys.argv[1:])
