"""Progress reporting: pipeline code reports steps; the CLI's listeners show them on a terminal or a log."""

from __future__ import annotations

import io
import threading

import pytest
from rich.console import Console

from pipeline import progress
from pipeline.terminal import PlainProgress, RichProgress


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple] = []

    def begin(self, label, total):
        self.events.append(("begin", label, total))
        return label

    def advance(self, handle, steps, detail):
        self.events.append(("advance", handle, steps, detail))

    def end(self, handle, failed):
        self.events.append(("end", handle, failed))


def test_without_a_listener_steps_cost_nothing_and_show_nothing():
    with progress.step("dates", total=3) as running:
        running.advance(detail="x")
    assert list(progress.track([1, 2], "pages")) == [1, 2]


def test_track_reports_each_item_and_a_failure():
    recorder = Recorder()
    with progress.listening(recorder):
        assert list(progress.track(["a", "b"], "queries", detail=str.upper)) == ["a", "b"]
        with pytest.raises(ValueError):
            with progress.step("scores"):
                raise ValueError("boom")
    assert recorder.events == [("begin", "queries", 2), ("advance", "queries", 1, "A"), ("advance", "queries", 1, "B"),
                               ("end", "queries", False), ("begin", "scores", None), ("end", "scores", True)]


def test_plain_progress_prints_a_line_per_top_level_unit_and_an_end_line():
    buffer = io.StringIO()
    with progress.listening(PlainProgress(Console(file=buffer, width=200))):
        with progress.step("Replaying dates", total=2) as dates:
            for day in ("2026-11-23", "2026-11-26"):
                list(progress.track(range(3), "Hub queries"))  # nested: silent in a log
                dates.advance(detail=day)
    lines = buffer.getvalue().splitlines()
    assert lines[:2] == ["  Replaying dates 1/2 2026-11-23", "  Replaying dates 2/2 2026-11-26"]
    assert lines[2].startswith("✓ Replaying dates (") and len(lines) == 3


def test_the_live_display_survives_nesting_threads_and_hostile_text():
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=120)
    with progress.listening(RichProgress(console)):
        with progress.step("Smoke tests", total=8) as smoke:
            workers = [threading.Thread(target=lambda i=i: smoke.advance(detail=f"[/x]\x1b[31m model {i}"))
                       for i in range(8)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
            list(progress.track(range(2), "[bold]files"))
    shown = buffer.getvalue()
    assert "8/8" in shown and "Smoke tests" in shown
    assert "\x1b[31m model" not in shown and "\\u001b[31m model" in shown


@pytest.mark.parametrize("listener", [PlainProgress, lambda c: RichProgress(Console(file=c.file, force_terminal=True, width=200))])
def test_a_nested_step_closed_after_its_parent_does_not_confuse_the_next_step(listener):
    """A ``track`` generator abandoned by an exception is closed whenever Python collects it, possibly after
    the top-level step ended: the next top-level step must still be shown as one."""
    buffer = io.StringIO()
    shown = listener(Console(file=buffer, width=200))
    with progress.listening(shown):
        abandoned = progress.track(range(3), "Hub queries")
        with pytest.raises(RuntimeError):
            with progress.step("Hub snapshot"):
                for _ in abandoned:
                    raise RuntimeError("Hub gone")
        abandoned.close()
        with progress.step("Next", total=1) as step:
            step.advance(detail="done")
    if isinstance(shown, PlainProgress):
        assert buffer.getvalue().splitlines()[-2:] == ["  Next 1/1 done", buffer.getvalue().splitlines()[-1]]
        assert buffer.getvalue().splitlines()[-1].startswith("✓ Next (")
    else:
        assert "Hub snapshot (failed)" in buffer.getvalue() and "1/1" in buffer.getvalue().rsplit("Next", 1)[1]
