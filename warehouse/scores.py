"""Writes of a scoring pass: trends, criteria, rankings, data issues and the run's end in one transaction.

Rerunning replaces: the trend dates the pass computed, and the criteria and rankings of its ``as_of``.
Criteria are stored once (``criterion_values``: seven of the eight do not depend on the profile; fit is
stored per profile) beside each profile's weights (``profile_weights``); the ``criteria_scores`` view puts
them back together per profile (migration 007).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from pipeline.scoring import Scores
from warehouse import db
from warehouse.issues import insert_issues
from warehouse.runs import RunRecord, finish_run

VALUE_COLUMNS = ("profile", "model_id", "criterion", "raw_value", "unit", "score", "missing", "estimated", "source",
                 "detail")
PER_PROFILE = "fit"
"""The one criterion whose value depends on the profile (its task types and chunk size)."""
TREND_SLICE = 1_000_000
"""Trend rows inserted at a time: a full recompute's millions of rows never sit in DuckDB's buffers at once."""


def _insert_trends(con: duckdb.DuckDBPyConnection, part: pl.DataFrame, run_id: str) -> None:
    """One slice of trends, and a data issue for every negative difference in it."""
    # The enums (model ids, labels) go in as they are: DuckDB reads the dictionary once per slice, which is
    # faster than first writing out millions of strings (benchmarks/bench_scores.py, issue 15).
    con.register("new_trends", part)
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


def stored_once(criteria: pl.DataFrame, missing_policy: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Criteria rows per profile -> (values, each profile-independent one once; weights per profile).

    Every profile holds the same value of a profile-independent criterion, the missing-data stand-in
    included (the policy applies to the whole cohort), so the first profile's row speaks for all.
    """
    first = criteria["profile"].min()
    shared = criteria.filter((pl.col("criterion") != PER_PROFILE) & (pl.col("profile") == first))
    values = pl.concat([shared.with_columns(profile=pl.lit(None, pl.String)),
                        criteria.filter(pl.col("criterion") == PER_PROFILE)]).select(VALUE_COLUMNS)
    weights = (criteria.unique(["profile", "criterion"]).select("profile", "criterion", "weight")
               .with_columns(missing_policy=pl.lit(missing_policy)))
    return values, weights


def write_scores(path: str | Path, record: RunRecord, scores: Scores) -> RunRecord:
    """Store ``scores`` and close the run, atomically; ``record.rows_written`` counts the rankings rows."""
    first, last = scores.trend_dates
    values, weights = stored_once(scores.criteria, scores.details["missing_policy"])
    frames = {"new_facts": scores.facts, "new_values": values, "new_weights": weights,
              "new_rankings": scores.rankings}
    with db.writer(path) as con, db.transaction(con, frames):
        con.execute("DELETE FROM download_trends WHERE as_of BETWEEN ? AND ?", [first, last])
        con.execute("DELETE FROM data_issues WHERE source = 'scores' AND snapshot_date BETWEEN ? AND ?",
                    [first, last])
        for part in scores.trends.iter_slices(TREND_SLICE):
            _insert_trends(con, part, record.run_id)
        for table, frame in (("model_facts", "new_facts"), ("criterion_values", "new_values"),
                             ("profile_weights", "new_weights"), ("rankings", "new_rankings")):
            con.execute(f"DELETE FROM {table} WHERE as_of = ?", [scores.as_of])
            con.execute(f"INSERT INTO {table} BY NAME SELECT ? AS as_of, *, ? AS run_id FROM {frame}",
                        [scores.as_of, record.run_id])
        con.execute("DELETE FROM data_issues WHERE source = 'facts' AND snapshot_date = ?", [scores.as_of])
        insert_issues(con, record.run_id, scores.as_of, scores.issues)
        record.rows_written = scores.rankings.height
        record.details = {**record.details, **scores.details}
        finish_run(con, record)
    return record
