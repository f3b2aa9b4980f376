"""What a person at the terminal sees while work runs: quiet by default, every detail with ``--verbose``.

Quiet (the default): one progress display per long step, warnings and errors one line each without
tracebacks, Prefect's per-task state lines, INFO logs and the libraries' tqdm bars hidden. ``--verbose``:
every INFO line (Prefect's "Finished in state ..." included), tracebacks in log records, tqdm bars.
``--debug``: DEBUG logs too. Log lines pass through :func:`warehouse.redact.redact` and are printed as
text, never as rich markup, with control characters escaped.

Values from the warehouse reach rich the same way (:func:`cell`): a licence of ``[/x]`` once made
``radar top`` die with ``MarkupError``, and ``[link=...]apache-2.0[/link]`` hid its own text.

Progress goes to stderr, so ``radar run hub > result.json`` keeps stdout for the result. On a terminal it
is a live rich display; elsewhere (a pipe, a CI log) it prints a line per unit of a top-level step and one
when the step ends.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, SpinnerColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

from pipeline.output import printable
from pipeline.sanitize import visible

QUIET_ENV = {
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",   # huggingface_hub's and transformers' tqdm bars
    "TRANSFORMERS_VERBOSITY": "error",
    "TQDM_DISABLE": "1",
}
"""Set (unless the user set them) before the libraries are imported, in this process and its children."""


PREFECT_STATE_LINES = ("Finished in state", "Beginning flow run", "Beginning subflow run",
                       "Task run failed with exception", "Encountered exception during execution")
"""Prefect's per-run state messages: quiet mode drops them (at any level); the failure itself is the CLI's
last line, and the flow's own one-line error stays."""


def configure(console: Console, verbose: bool, debug: bool) -> None:
    """Route every log record to ``console`` at the chosen detail; silence tqdm unless verbose."""
    if not (verbose or debug):
        for key, value in QUIET_ENV.items():
            os.environ.setdefault(key, value)
    handler = ConsoleLog(console, detailed=verbose or debug)
    handler.setLevel(logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    logging.captureWarnings(True)


class ConsoleLog(logging.Handler):
    """Log records as text lines on the console (above a live progress display, never through it)."""

    def __init__(self, console: Console, detailed: bool) -> None:
        super().__init__()
        self.console = console
        self.detailed = detailed
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            from warehouse.redact import redact

            if self.detailed:
                text = "\n".join(printable(line) for line in redact(self.format(record)).splitlines())
            else:
                lines = record.getMessage().strip().splitlines() or [""]
                if record.name.startswith("prefect") and lines[0].startswith(PREFECT_STATE_LINES):
                    return
                text = printable(redact(f"{record.levelname.lower()}: {lines[0].strip()}"))
            style = "red" if record.levelno >= logging.ERROR else "yellow" if record.levelno >= logging.WARNING else None
            self.console.print(Text(text, style=style or ""), soft_wrap=True)
        except Exception:  # a log line must never break the work it describes
            self.handleError(record)


def listener_for(console: Console) -> RichProgress | PlainProgress:
    """A live display on a terminal, plain lines elsewhere."""
    return RichProgress(console) if console.is_terminal else PlainProgress(console)


class _Count(ProgressColumn):
    """``3/14``; for a step of unknown size, the units done so far (nothing for a plain spinner)."""

    def render(self, task: Task) -> Text:
        if task.fields.get("unknown"):
            done = int(task.fields.get("count", task.completed))
            return Text(str(done) if done else "")
        return Text(f"{int(task.completed)}/{int(task.total or 0)}")


class RichProgress:
    """One rich progress display per top-level step; nested steps are extra rows while they run.

    A nested step can end after its top-level step (a generator closed late, after an exception): its handle
    then belongs to a display already stopped, and is ignored.
    """

    def __init__(self, console: Console) -> None:
        self.console = console
        self._lock = threading.Lock()
        self._progress: Progress | None = None

    def begin(self, label: str, total: int | None) -> tuple[Progress, Any, bool, str]:
        with self._lock:
            top = self._progress is None
            if top:
                self._progress = Progress(
                    SpinnerColumn(finished_text="[green]✓[/]"), TextColumn("{task.description}", markup=False),
                    BarColumn(bar_width=24), _Count(), TextColumn("{task.fields[detail]}", markup=False),
                    TimeElapsedColumn(), console=self.console, transient=False,
                    redirect_stdout=False, redirect_stderr=False)
                self._progress.start()
            task = self._progress.add_task(printable(label), total=total, detail="", unknown=total is None)
            return self._progress, task, top, label

    def advance(self, handle: tuple[Progress, Any, bool, str], steps: int, detail: str) -> None:
        progress, task, _, _ = handle
        if progress is self._progress:
            progress.update(task, advance=steps, detail=printable(detail))

    def end(self, handle: tuple[Progress, Any, bool, str], failed: bool) -> None:
        progress, task, top, label = handle
        with self._lock:
            if progress is not self._progress:
                return
            if not top:
                progress.remove_task(task)
                return
            info = next(t for t in progress.tasks if t.id == task)
            if failed:
                progress.update(task, description=f"{printable(label)} (failed)")
            else:
                total = info.total if info.total is not None else max(int(info.completed), 1)
                progress.update(task, total=total, completed=total, detail="", count=int(info.completed))
            progress.stop()
            self._progress = None


class PlainProgress:
    """For pipes and CI logs: a line per unit of a top-level step that has a total, one line at its end."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._lock = threading.Lock()
        self._open = 0
        self._generation = 0
        """Bumped when a top-level step ends: nested handles still open then are stale (see RichProgress)."""

    def begin(self, label: str, total: int | None) -> dict[str, Any]:
        with self._lock:
            self._open += 1
            return {"label": label, "total": total, "done": 0, "top": self._open == 1,
                    "generation": self._generation, "started": time.monotonic()}

    def advance(self, handle: dict[str, Any], steps: int, detail: str) -> None:
        handle["done"] += steps
        if handle["top"] and handle["total"] is not None:
            self._say(f"  {handle['label']} {handle['done']}/{handle['total']}" + (f" {detail}" if detail else ""))

    def end(self, handle: dict[str, Any], failed: bool) -> None:
        with self._lock:
            if handle["generation"] != self._generation:
                return
            self._open -= 1
            if handle["top"]:
                self._open = 0
                self._generation += 1
        if handle["top"]:
            seconds = time.monotonic() - handle["started"]
            self._say(f"{'✗' if failed else '✓'} {handle['label']}{' failed' if failed else ''} ({seconds:.0f} s)")

    def _say(self, line: str) -> None:
        self.console.print(Text(printable(line)), soft_wrap=True)


def cell(value: Any, null: str = "NULL", keep_newlines: bool = False) -> Text:
    """One warehouse value for a rich table or line: literal text (never markup), control characters escaped."""
    return Text(null if value is None else visible(str(value), keep_newlines))
