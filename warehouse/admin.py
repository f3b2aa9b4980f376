"""Deleting one snapshot date: the way back from a snapshot dated by mistake (a typo in ``--date``, a
clock far off).

One transaction removes everything dated that day: the Hub snapshot and its data issues, the C-MTEB
snapshot (scores, boards, models, changes), the Hub snapshot's source, and the trends, facts, criteria
(values and weights) and rankings as of that day. ``models`` is recomputed from the remaining history
(``first_seen``/``last_seen``; a model seen only that day goes). The runs that wrote the day stay as
history, marked ``deleted``; the deletion itself is a run (``flow = 'delete_date'``) whose ``details`` hold
the counts. Smoke results measure a model revision, not the day, and stay; so do the configuration files
read (``model_files``, one row per commit).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa

from warehouse import db
from warehouse.hub import SNAPSHOT_SCHEMA, refresh_models
from warehouse.runs import RunRecord, finish_run

DATED: tuple[tuple[str, str], ...] = (
    ("model_snapshots", "snapshot_date"),
    ("data_issues", "snapshot_date"),
    ("cmteb_snapshots", "snapshot_date"),
    ("cmteb_scores", "snapshot_date"),
    ("cmteb_leaderboard", "snapshot_date"),
    ("cmteb_models", "snapshot_date"),
    ("cmteb_changes", "snapshot_date"),
    ("hub_snapshots", "snapshot_date"),
    ("download_trends", "as_of"),
    ("model_facts", "as_of"),
    ("criterion_values", "as_of"),
    ("profile_weights", "as_of"),
    ("rankings", "as_of"),
)
"""Every table with rows dated by a snapshot, and its date column."""

WRITERS = ("hub_snapshot", "mteb_snapshot", "scores", "weekly_pipeline")
"""Flows whose run on a date wrote (or summarised) that date's rows."""


def stored_on(con, day: date) -> dict[str, int]:
    """Rows dated ``day`` per table, the models seen on no other day, and the runs that wrote the day."""
    counts = {table: con.execute(f"SELECT count(*) FROM {table} WHERE {column} = ?", [day]).fetchone()[0]
              for table, column in DATED}
    counts["models_only_that_day"] = con.execute(
        "SELECT count(*) FROM models WHERE first_seen = ? AND last_seen = ?", [day, day]).fetchone()[0]
    counts["runs"] = con.execute(
        "SELECT count(*) FROM runs WHERE snapshot_date = ? AND list_contains(?, flow) AND status <> 'deleted'",
        [day, list(WRITERS)]).fetchone()[0]
    return counts


def later_trend_dates(con, day: date) -> int:
    """Trend dates after ``day``: their intervals were measured against its snapshot."""
    return con.execute("SELECT count(DISTINCT as_of) FROM download_trends WHERE as_of > ?", [day]).fetchone()[0]


def preview_delete(path: str | Path, day: date) -> dict[str, int]:
    """What :func:`delete_snapshot_date` would remove (read-only)."""
    with db.reader(path) as con:
        return {**stored_on(con, day), "later_trend_dates": later_trend_dates(con, day)}


def delete_snapshot_date(path: str | Path, day: date, record: RunRecord) -> dict[str, int]:
    """Remove every row dated ``day`` and close ``record`` (already started), in one transaction."""
    empty = pa.Table.from_pylist([], schema=SNAPSHOT_SCHEMA)
    with db.writer(path) as con, db.transaction(con, {"new_snapshot": empty}):
        counts = {**stored_on(con, day), "later_trend_dates": later_trend_dates(con, day)}
        con.execute("CREATE TEMP TABLE touched AS SELECT DISTINCT model_id FROM model_snapshots WHERE snapshot_date = ?",
                    [day])
        for table, column in DATED:
            con.execute(f"DELETE FROM {table} WHERE {column} = ?", [day])
        refresh_models(con)
        con.execute("DROP TABLE temp.touched")
        con.execute(
            "UPDATE runs SET status = 'deleted', error = ? WHERE snapshot_date = ? AND list_contains(?, flow)"
            " AND status <> 'deleted' AND run_id <> ?",
            [f"snapshot date deleted by run {record.run_id}", day, list(WRITERS), record.run_id])
        record.snapshot_date = day
        record.rows_written = sum(counts[table] for table, _ in DATED)
        record.details = counts
        finish_run(con, record)
    return counts
