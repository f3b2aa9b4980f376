"""C-MTEB in the warehouse: one transaction per snapshot, and the reads the snapshot flow needs.

A snapshot's rows (``cmteb_snapshots``, ``cmteb_scores``, ``cmteb_leaderboard``, ``cmteb_models``,
``cmteb_changes``, its ``data_issues``) and the run's final status commit together; rerunning a date
replaces that date's rows. When the source has not changed since the snapshot in force, the flow writes
nothing but its run record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from pipeline.cmteb.tables import LEADERBOARD_SCHEMA, MODELS_SCHEMA, SCORES_SCHEMA, SnapshotTables
from pipeline.issues import DataIssue
from warehouse import db
from warehouse.issues import insert_issues
from warehouse.runs import RunRecord, finish_run

TABLES = ("cmteb_scores", "cmteb_leaderboard", "cmteb_models", "cmteb_changes", "cmteb_snapshots")


@dataclass(frozen=True)
class SnapshotInfo:
    """A stored snapshot: its date and the source version it was taken from."""

    snapshot_date: date
    source: str
    source_version: str


def snapshot_in_force(path: str | Path, on: date, before: bool = False) -> SnapshotInfo | None:
    """The latest stored snapshot dated ``on`` or earlier (strictly earlier with ``before``)."""
    path = Path(path)
    if not path.is_file():
        return None
    op = "<" if before else "<="
    with db.reader(path) as con:
        rows = con.execute(
            f"SELECT snapshot_date, source, source_version FROM cmteb_snapshots WHERE snapshot_date {op} ?"
            " ORDER BY snapshot_date DESC LIMIT 1", [on],
        ).fetchall()
    return SnapshotInfo(*rows[0]) if rows else None


def load_tables(path: str | Path, snapshot_date: date) -> SnapshotTables:
    """A stored snapshot's rows in the shape :func:`pipeline.cmteb.tables.build_tables` produces."""
    def read(con, table: str, schema: dict) -> pl.DataFrame:
        cols = ", ".join(schema)
        return con.sql(f"SELECT {cols} FROM {table} WHERE snapshot_date = ?", params=[snapshot_date]).pl().cast(schema)

    with db.reader(path) as con:
        return SnapshotTables(scores=read(con, "cmteb_scores", SCORES_SCHEMA),
                              leaderboard=read(con, "cmteb_leaderboard", LEADERBOARD_SCHEMA),
                              models=read(con, "cmteb_models", MODELS_SCHEMA))


def hub_families(path: str | Path) -> dict[str, str]:
    """Every Hub model id the warehouse has seen -> its family id (empty before the first Hub snapshot)."""
    path = Path(path)
    if not path.is_file():
        return {}
    with db.reader(path) as con:
        return dict(con.execute("SELECT model_id, family_id FROM models").fetchall())


def write_cmteb_snapshot(path: str | Path, record: RunRecord, info: SnapshotInfo, previous: date | None,
                         n_cells: int, tables: SnapshotTables, changes: pl.DataFrame,
                         issues: list[DataIssue]) -> int:
    """Replace ``info.snapshot_date``'s C-MTEB rows and close the run, atomically; returns rows written."""
    day = info.snapshot_date
    frames = {"new_scores": tables.scores, "new_board": tables.leaderboard, "new_models": tables.models,
              "new_changes": changes}
    with db.writer(path) as con, db.transaction(con, {n: f.to_arrow() for n, f in frames.items()}):
        for table in TABLES:
            con.execute(f"DELETE FROM {table} WHERE snapshot_date = ?", [day])
        con.execute("DELETE FROM data_issues WHERE source = 'mteb' AND snapshot_date = ?", [day])
        con.execute(
            "INSERT INTO cmteb_snapshots VALUES (?, ?, ?, ?, ?, ?, ?)",
            [day, record.run_id, info.source, info.source_version, previous, tables.models.height, n_cells],
        )
        con.execute("INSERT INTO cmteb_scores BY NAME SELECT ? AS snapshot_date, * FROM new_scores", [day])
        con.execute("INSERT INTO cmteb_leaderboard BY NAME SELECT ? AS snapshot_date, * FROM new_board", [day])
        con.execute("INSERT INTO cmteb_models BY NAME SELECT ? AS snapshot_date, * FROM new_models", [day])
        if previous is not None:
            con.execute(
                "INSERT INTO cmteb_changes BY NAME SELECT ? AS snapshot_date, ? AS previous_date, *"
                " FROM new_changes", [day, previous],
            )
        insert_issues(con, record.run_id, day, issues)
        record.rows_written = sum(f.height for f in frames.values()) + 1
        finish_run(con, record)
    return record.rows_written
