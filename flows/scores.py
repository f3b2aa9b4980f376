"""Scores: download trends up to the new snapshot, then the eight criteria and the rankings of every profile."""

from __future__ import annotations

from datetime import date

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.common import day, recorded_run, settings, writer_slot
from flows.notify import notify_failure
from pipeline.config import Config
from pipeline.scoring import Scores
from pipeline.scoring import compute_scores as compute
from warehouse import db as warehouse_db
from warehouse.redact import scrubbed
from warehouse.runs import RunRecord
from warehouse.scores import write_scores


@task(cache_policy=NO_CACHE)
@scrubbed
def score(db: str, cfg: Config, as_of: date, full: bool) -> Scores:
    """Read the warehouse (read-only) and compute the pending trends, the criteria and the rankings."""
    with warehouse_db.reader(db) as con:
        return compute(con, as_of, cfg, full)


@task(cache_policy=NO_CACHE)
@scrubbed
def store(db: str, record: RunRecord, scores: Scores) -> RunRecord:
    with writer_slot():
        return write_scores(db, record, scores)


@flow(name="scores", on_failure=[notify_failure], on_crashed=[notify_failure])
@scrubbed
def compute_scores(as_of: str | date | None = None, config_path: str | None = None, db_path: str | None = None,
                   full: bool = False) -> dict:
    """Trends for the snapshot dates not yet scored (``full``: all of them), criteria and rankings for ``as_of``.

    Uses the latest Hub snapshot and C-MTEB snapshot on or before ``as_of`` (default today, UTC). Rerunning a
    date replaces its rows; a failure leaves the previous state and a failed run record.
    """
    cfg, db = settings(config_path, db_path)
    when = day(as_of)
    with recorded_run(db, "scores", when) as run_id:
        scores = score(str(db), cfg, when, full)
        record = store(str(db), RunRecord(run_id=run_id, flow="scores", snapshot_date=when), scores)
    details = record.details
    get_run_logger().info(
        "scores %s: trends %s..%s (%d rows, anomalies %s), ranked %s", when, *details["trend_dates"],
        details["trend_rows"], details["anomalies"], details["ranked"])
    return {"run_id": run_id, "as_of": when.isoformat(), "rows": record.rows_written, **details}
