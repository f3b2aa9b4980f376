"""Stopping on request: SIGTERM and SIGINT end a run within seconds, recorded as ``cancelled``.

``timeout``, systemd, Kubernetes and a Prefect cancellation all send SIGTERM; a person presses Ctrl-C
(SIGINT). Both become an exception in the main thread (:class:`StopRequested`, ``KeyboardInterrupt``),
so the open transaction rolls back, the run record is closed as ``cancelled`` and the process exits.
While a flow runs, Prefect's own SIGTERM handler is in charge (it raises ``TerminationSignal``, then
re-sends the signal to the handler installed here); :func:`is_stop` recognises all three.

Work that runs outside the main thread (smoke-test worker processes watched from pool threads) checks
:data:`STOPPING` and ends its child processes when it is set.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

STOPPING = threading.Event()
"""Set once a stop was requested; long waits in other threads end when they see it."""
_received: list[int] = []


class StopRequested(BaseException):
    """SIGTERM arrived: unwind everything (a ``BaseException``, so no ``except Exception`` swallows it)."""

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = signum


def _on_signal(signum: int, frame: FrameType | None) -> None:
    _received.append(signum)
    STOPPING.set()
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise StopRequested(signum)


def install_stop_handlers() -> None:
    """Make SIGTERM and SIGINT raise in the main thread (a no-op outside it)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _on_signal)


def note_stop(exc: BaseException) -> None:
    """Set :data:`STOPPING` if ``exc`` is a stop (for code that sees Prefect's ``TerminationSignal`` pass)."""
    if is_stop(exc):
        STOPPING.set()


def is_stop(exc: BaseException) -> bool:
    """Whether ``exc`` means "stop was requested" (ours, Ctrl-C, or Prefect's ``TerminationSignal``)."""
    return isinstance(exc, (StopRequested, KeyboardInterrupt)) or type(exc).__name__ == "TerminationSignal"


def received() -> int | None:
    """The first stop signal this process received, if any (a library may have swallowed the exception:
    Prefect turns Ctrl-C in a flow into a crashed run and returns)."""
    return _received[0] if _received else None
