"""Writes of a scoring pass: trends, criteria, rankings, data issues and the run's end in one transaction.

Rerunning replaces: the trend dates the pass computed, and the criteria and rankings of its ``as_of``.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from pipeline.scoring import Scores
from warehouse import db
from warehouse.issues import insert_issues
from warehouse.runs import RunRecord, finish_run

TREND_SLICE = 1_000_000
"""Trend rows inserted at a time: a full recompute's millions of rows never sit in DuckDB's buffers at once."""


def _insert_trends(con: duckdb.DuckDBPyConnection, part: pl.DataFrame, run_id: str) -> None:
    """One slice of trends, and a data issue for every negative difference in it."""
    # Plain strings: DuckDB ingests them faster than polars' dictionary-encoded enums.
    con.register("new_trends", part.with_columns(pl.col(pl.Enum).cast(pl.String)))
    try:
        con.execute("INSERT INTO download_trends BY NAME SELECT *, ? AS run_id FROM new_trends", [run_id])
        con.execute(
            "INSERT INTO data_issues BY NAME"
            " SELECT ? AS run_id, as_of AS snapshot_date, 'scores' AS source, model_id AS record_id,"
            " 'downloads_all_time' AS field, 'decreased since the previous snapshot' AS problem, 'kept' AS action,"
            " CAST(downloads_all_time - interval_downloads AS VARCHAR) || ' -> ' || downloads_all_time AS excerpt"
            " FROM new_trends WHERE anomaly = 'negative_diff'",
            [run_id],
        )
    finally:
        con.unregister("new_trends")


def write_scores(path: str | Path, record: RunRecord, scores: Scores) -> RunRecord:
    """Store ``scores`` and close the run, atomically; ``record.rows_written`` counts the rankings rows."""
    first, last = scores.trend_dates
    frames = {"new_facts": scores.facts, "new_criteria": scores.criteria, "new_rankings": scores.rankings}
    with db.writer(path) as con, db.transaction(con, frames):
        con.execute("DELETE FROM download_trends WHERE as_of BETWEEN ? AND ?", [first, last])
        con.execute("DELETE FROM data_issues WHERE source = 'scores' AND snapshot_date BETWEEN ? AND ?",
                    [first, last])
        for part in scores.trends.iter_slices(TREND_SLICE):
            _insert_trends(con, part, record.run_id)
        for table, frame in (("model_facts", "new_facts"), ("criteria_scores", "new_criteria"),
                             ("rankings", "new_rankings")):
            con.execute(f"DELETE FROM {table} WHERE as_of = ?", [scores.as_of])
            con.execute(f"INSERT INTO {table} BY NAME SELECT ? AS as_of, *, ? AS run_id FROM {frame}",
                        [scores.as_of, record.run_id])
        con.execute("DELETE FROM data_issues WHERE source = 'facts' AND snapshot_date = ?", [scores.as_of])
        insert_issues(con, record.run_id, scores.as_of, scores.issues)
        record.rows_written = scores.rankings.height
        record.details = {**record.details, **scores.details}
        finish_run(con, record)
    return record
