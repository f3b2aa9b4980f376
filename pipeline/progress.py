"""Progress of long steps: pipeline code says how far it is; whoever listens shows it.

Pipeline code never prints (it runs under Prefect workers, in tests and benchmarks), yet a person at a
terminal wants to see that a three-minute step is moving. Long loops therefore report through
:func:`step`, which costs nothing unless a listener is installed: the CLI installs a rich progress display
(pipeline/terminal.py). Steps nest: the demo's dates contain each date's Hub pages. The listener is
process-wide, not per thread, because Prefect runs tasks in worker threads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Listener(Protocol):
    def begin(self, label: str, total: int | None) -> Any:
        """A step started; returns the handle passed to :meth:`advance` and :meth:`end`."""

    def advance(self, handle: Any, steps: int, detail: str) -> None: ...

    def end(self, handle: Any, failed: bool) -> None: ...


class Step:
    """A running step; :meth:`advance` after each unit of work (a date, a page, a model, a file)."""

    def __init__(self, listener: Listener | None, handle: Any) -> None:
        self._listener = listener
        self._handle = handle

    def advance(self, steps: int = 1, detail: str = "") -> None:
        if self._listener is not None:
            self._listener.advance(self._handle, steps, detail)


_listener: Listener | None = None


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Show every step started inside the block through ``listener``."""
    global _listener
    previous, _listener = _listener, listener
    try:
        yield
    finally:
        _listener = previous


@contextmanager
def step(label: str, total: int | None = None) -> Iterator[Step]:
    """A long step of ``total`` units (``None``: unknown, shown as a spinner with a count)."""
    listener = _listener
    if listener is None:
        yield Step(None, None)
        return
    handle = listener.begin(label, total)
    failed = True
    try:
        yield Step(listener, handle)
        failed = False
    finally:
        listener.end(handle, failed)


def track(items: Iterable[T], label: str, total: int | None = None,
          detail: Callable[[T], str] | None = None) -> Iterator[T]:
    """``items`` one by one, as a step that advances after each (``for page in track(pages, "pages")``)."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with step(label, total) as running:
        for item in items:
            yield item
            running.advance(detail=detail(item) if detail else "")
