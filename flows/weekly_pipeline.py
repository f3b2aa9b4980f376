"""The weekly pipeline: every flow in order, each as a subflow with its own flow run and run record.

    hub ──> scores ──┬──> smoke
                     └──> report
    mteb  (independent: the scores use the latest C-MTEB snapshot there is)

A failed step stops only what depends on it; everything else still runs. The pipeline then ends Failed with
one line naming the failed step and what it held back, stored in its own ``runs`` row (``details`` has
every step) and sent to the failure webhook. ``radar run all`` calls it; ``prefect.yaml`` deploys it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from prefect import flow, get_run_logger
from prefect.states import State

from flows.common import close_run, day, recorded_run, settings
from flows.hub_snapshot import hub_snapshot
from flows.mteb_snapshot import mteb_snapshot
from flows.notify import notify_failure
from flows.scores import compute_scores
from flows.smoke import smoke_tests
from flows.weekly_report import weekly_report
from warehouse.redact import scrubbed
from warehouse.runs import RunRecord


@dataclass(frozen=True)
class Step:
    name: str
    needs: tuple[str, ...] = ()


@dataclass
class Outcome:
    status: str
    """completed | failed | skipped (a step it needs did not complete)."""
    detail: str = ""
    result: Any = None


STEPS: tuple[Step, ...] = (
    Step("hub"),
    Step("mteb"),
    Step("scores", needs=("hub",)),
    Step("smoke", needs=("scores",)),
    Step("report", needs=("scores",)),
)
"""In running order; the names are those of ``radar run``."""


class PipelineFailed(RuntimeError):
    """At least one step failed; the message names it and what it held back."""


def run_steps(steps: tuple[Step, ...], run: Callable[[str], Outcome]) -> dict[str, Outcome]:
    """Run ``steps`` in order with ``run``, skipping a step when one it needs did not complete."""
    outcomes: dict[str, Outcome] = {}
    for step in steps:
        blocked = [need for need in step.needs if outcomes[need].status != "completed"]
        if blocked:
            outcomes[step.name] = Outcome("skipped", f"needs {', '.join(blocked)}")
        else:
            outcomes[step.name] = run(step.name)
    return outcomes


def summarize(outcomes: Mapping[str, Outcome]) -> str:
    """One line: the failed steps with their errors, what they held back, what completed."""
    parts = [f"{name} failed ({o.detail})" for name, o in outcomes.items() if o.status == "failed"]
    skipped = [name for name, o in outcomes.items() if o.status == "skipped"]
    if skipped:
        parts.append(f"not run: {', '.join(skipped)}")
    completed = [name for name, o in outcomes.items() if o.status == "completed"]
    parts.append(f"completed: {', '.join(completed) or 'none'}")
    return "; ".join(parts)


def outcome_of(state: State) -> Outcome:
    """A subflow's final state as an :class:`Outcome` (its result, or its one-line error)."""
    if state.is_completed():
        return Outcome("completed", result=state.result())
    return Outcome("failed", " ".join((state.message or state.name).split()))


@flow(name="weekly_pipeline", on_failure=[notify_failure], on_crashed=[notify_failure])
@scrubbed
def weekly_pipeline(snapshot_date: str | date | None = None, config_path: str | None = None,
                    db_path: str | None = None, force: bool = False) -> dict:
    """Hub snapshot, C-MTEB snapshot, scores, smoke tests and the weekly report for one UTC date.

    ``force`` makes the C-MTEB step snapshot an unchanged source and the smoke step retest tested models.
    """
    _, db = settings(config_path, db_path)
    when = day(snapshot_date).isoformat()
    paths = {"config_path": config_path, "db_path": str(db)}
    calls: dict[str, Callable[[], State]] = {
        "hub": lambda: hub_snapshot(snapshot_date=when, **paths, return_state=True),
        "mteb": lambda: mteb_snapshot(snapshot_date=when, force=force, **paths, return_state=True),
        "scores": lambda: compute_scores(as_of=when, **paths, return_state=True),
        "smoke": lambda: smoke_tests(force=force, snapshot_date=when, **paths, return_state=True),
        "report": lambda: weekly_report(**paths, return_state=True),
    }
    with recorded_run(db, "weekly_pipeline", day(when)) as run_id:
        outcomes = run_steps(STEPS, lambda name: outcome_of(calls[name]()))
    line = summarize(outcomes)
    failed = any(o.status == "failed" for o in outcomes.values())
    close_run(db, RunRecord(
        run_id=run_id, flow="weekly_pipeline", snapshot_date=day(when),
        status="failed" if failed else "completed", error=line if failed else None,
        details={name: {"status": o.status, "detail": o.detail} for name, o in outcomes.items()},
    ))
    if failed:
        raise PipelineFailed(line)
    get_run_logger().info("weekly pipeline %s: %s", when, line)
    return {"run_id": run_id, "snapshot_date": when, **{name: o.result for name, o in outcomes.items()}}
