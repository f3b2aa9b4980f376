"""The weekly pipeline's dependency handling, as plain functions: what runs after which step failed."""

from __future__ import annotations

import pytest

from flows.weekly_pipeline import STEPS, Outcome, run_steps, summarize


def run_with(failing: set[str]):
    """Run the real step table; the steps in ``failing`` fail, the others complete. Returns (ran, outcomes)."""
    ran: list[str] = []

    def run(name: str) -> Outcome:
        ran.append(name)
        if name in failing:
            return Outcome("failed", f"RuntimeError: {name} broke")
        return Outcome("completed", result={"step": name})

    return ran, run_steps(STEPS, run)


def test_everything_runs_in_order_when_nothing_fails():
    ran, outcomes = run_with(set())
    assert ran == ["hub", "mteb", "scores", "smoke", "report"]
    assert summarize(outcomes) == "completed: hub, mteb, scores, smoke, report"


def test_a_failed_hub_snapshot_stops_what_needs_it_and_the_mteb_step_still_runs():
    ran, outcomes = run_with({"hub"})
    assert ran == ["hub", "mteb"]
    assert {n: o.status for n, o in outcomes.items()} == {
        "hub": "failed", "mteb": "completed", "scores": "skipped", "smoke": "skipped", "report": "skipped"}
    assert outcomes["scores"].detail == "needs hub"
    assert outcomes["smoke"].detail == "needs scores"
    assert summarize(outcomes) == ("hub failed (RuntimeError: hub broke); not run: scores, smoke, report;"
                                   " completed: mteb")


def test_a_failed_mteb_step_holds_nothing_back():
    """The scores then use the latest C-MTEB snapshot there is."""
    ran, outcomes = run_with({"mteb"})
    assert ran == ["hub", "mteb", "scores", "smoke", "report"]
    assert summarize(outcomes).startswith("mteb failed (RuntimeError: mteb broke); completed: hub, scores")


def test_failed_smoke_tests_still_leave_a_report():
    ran, outcomes = run_with({"smoke"})
    assert ran == ["hub", "mteb", "scores", "smoke", "report"]
    assert outcomes["report"].status == "completed"


@pytest.mark.parametrize("failing", [{"scores"}, {"hub", "mteb"}])
def test_without_scores_neither_smoke_tests_nor_report_run(failing):
    ran, outcomes = run_with(failing)
    assert "smoke" not in ran and "report" not in ran
    assert outcomes["smoke"].status == outcomes["report"].status == "skipped"
    assert all(f"{name} failed" in summarize(outcomes) for name in failing)
