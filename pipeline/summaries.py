"""The short tables a command prints when its work is done (never a Python dict).

Each function turns what a flow returned into rows for :func:`pipeline.output.render`: one row per field,
nested results folded into one readable line, and for smoke tests one row per model tested, read back
from the warehouse (the flow returns only counts).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.output import display
from pipeline.smoke.result import STATUSES
from warehouse import db

SMOKE_COLUMNS = ["model_id", "status", "failure_class", "sentences_per_second", "embedding_dim", "error"]
SMOKE_HEADERS = ["model", "status", "failure", "sentences/s", "dim", "error"]
"""The same columns, short enough that a model id keeps its line in a 120-column table."""
NESTED_NOISE = ("run_id", "seconds")
"""Left out of a nested result's line: ids and timings are in ``runs`` and ``--format json``."""


def brief(value: Any, depth: int = 0) -> str:
    """A nested result as one line: ``cpack2023: models 251, full_mean 18; leaderboard: ...``."""
    if isinstance(value, dict):
        items = [(k, v) for k, v in value.items() if v not in (None, {}, []) and k not in NESTED_NOISE]
        if depth == 0:
            return "; ".join(f"{k}: {brief(v, 1)}" for k, v in items)
        return ", ".join(f"{k} {brief(v, depth + 1)}" for k, v in items)
    if isinstance(value, (list, tuple)):
        return ", ".join(brief(v, depth + 1) for v in value)
    return display(value, null="-")


def result_rows(result: dict[str, Any]) -> list[list[Any]]:
    """``[field, value]`` rows of a flow's result, nested values folded by :func:`brief`."""
    return [[key, brief(value) if isinstance(value, (dict, list, tuple)) else value]
            for key, value in result.items() if value not in (None, {}, [])]


def smoke_rows(db_path: str | Path, run_id: str) -> list[list[Any]]:
    """One row per model of smoke run ``run_id`` (:data:`SMOKE_COLUMNS`), failures first."""
    with db.reader(db_path) as con:
        return [list(r) for r in con.execute(
            f"SELECT {', '.join(SMOKE_COLUMNS)} FROM smoke_results WHERE run_id = ?"
            " ORDER BY status = 'passed', status, model_id", [run_id]).fetchall()]


def demo_rows(summary: dict[str, Any]) -> list[list[Any]]:
    """What ``radar demo`` did, one row per step."""
    dates = summary["dates"]
    rows: list[list[Any]] = []
    if dates:
        models = [d["models"] for d in dates]
        rows.append(["Hub snapshots", f"{len(dates)} dates ({dates[0]['date']} to {dates[-1]['date']}), "
                                      f"{min(models)} to {max(models)} models, "
                                      f"{sum(d['issues'] for d in dates)} data issues"])
        new = sum(d["cmteb"] == "completed" for d in dates)
        problems = sum(d["cmteb_issues"] for d in dates)
        rows.append(["C-MTEB", f"{new} new snapshots, {len(dates) - new} dates unchanged; "
                               f"{problems} records with problems (see data_issues)"])
        ranked = dates[-1]["ranked"]
        rows.append(["scores", f"{len(dates)} dates; ranked on {dates[-1]['date']}: "
                               + ", ".join(f"{p} {n}" for p, n in sorted(ranked.items()))])
    smoke = summary.get("smoke") or {}
    if smoke:
        rows.append(["smoke tests", smoke_line(smoke)])
    if summary.get("reports"):
        rows.append(["report", f"{summary.get('week')}: {len(summary['reports'])} files"])
    return rows


def smoke_line(summary: dict[str, Any]) -> str:
    """``13 models as of 2026-11-26: 2 passed, 3 failed, 6 not available, 2 refused, 0 skipped (...)``: the
    counts add up to the models, and a repository the endpoint serves no weights for is never "failed"."""
    counts = ", ".join(f"{summary.get(s, 0)} {'not available' if s == 'unavailable' else s}" for s in STATUSES)
    return (f"{summary['models']} models as of {summary['snapshot_date']}: {counts}"
            f" ({summary['tested']} downloaded and run, {summary['already_tested']} already tested earlier)")
