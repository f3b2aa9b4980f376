"""Weekly snapshot of the C-MTEB results into DuckDB, rebuilt under three protocols."""

from __future__ import annotations

from datetime import date

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.common import close_run, day, log_issues, recorded_run, settings, writer_slot
from flows.notify import notify_failure
from pipeline.cmteb.snapshot import BuiltSnapshot, build_snapshot
from pipeline.cmteb.sources import ResultsSource, SourceSnapshot, open_source
from pipeline.hub import default_endpoint
from warehouse.cmteb import SnapshotInfo, hub_families, load_tables, snapshot_in_force, write_cmteb_snapshot
from warehouse.redact import scrubbed
from warehouse.runs import RunRecord


@task(cache_policy=NO_CACHE)
@scrubbed
def source_version(source: ResultsSource) -> str:
    """The source's current version (requests are retried inside on 429/5xx)."""
    return source.version()


@task(cache_policy=NO_CACHE)
@scrubbed
def read_source(source: ResultsSource, version: str) -> SourceSnapshot:
    return source.load(version)


@task(cache_policy=NO_CACHE)
@scrubbed
def build(db: str, when: date, snapshot: SourceSnapshot) -> tuple[BuiltSnapshot, date | None]:
    """Protocols, tables and the changes against the previous stored snapshot."""
    previous = snapshot_in_force(db, when, before=True)
    prev_tables = load_tables(db, previous.snapshot_date) if previous else None
    built = build_snapshot(snapshot, hub_families(db), prev_tables)
    return built, previous.snapshot_date if previous else None


@flow(name="mteb_snapshot", on_failure=[notify_failure], on_crashed=[notify_failure])
@scrubbed
def mteb_snapshot(snapshot_date: str | date | None = None, config_path: str | None = None,
                  db_path: str | None = None, force: bool = False) -> dict:
    """Snapshot the C-MTEB results for one UTC date, unless the source is unchanged (or ``force``).

    Source: ``mteb.source`` (the HF dataset ``mteb.dataset`` at ``mteb.revision`` through
    ``$HF_ENDPOINT``, or a results checkout). A failure leaves the previous state and a failed run.
    """
    cfg, db = settings(config_path, db_path)
    when = day(snapshot_date)
    logger = get_run_logger()
    with recorded_run(db, "mteb_snapshot", when) as run_id:
        source = open_source(cfg.mteb, default_endpoint(), cfg.cache_dir, cfg.hub.budget_seconds)
        version = source_version(source)
        record = RunRecord(run_id=run_id, flow="mteb_snapshot", snapshot_date=when, source_version=version)
        in_force = snapshot_in_force(db, when)
        if in_force and in_force.source_version == version and not force:
            record.status = "skipped"
            record.details = {"reason": "source unchanged", "source": source.name,
                              "snapshot_in_force": in_force.snapshot_date.isoformat()}
            close_run(db, record)
            logger.info("C-MTEB %s: %s unchanged since %s; no new rows", when, version, in_force.snapshot_date)
            return {"run_id": run_id, "snapshot_date": when.isoformat(), "status": "skipped",
                    "source_version": version, **record.details}
        snapshot = read_source(source, version)
        built, previous = build(str(db), when, snapshot)
        record.details = built.details
        info = SnapshotInfo(when, snapshot.source, version)
        with writer_slot():
            write_cmteb_snapshot(db, record, info, previous, snapshot.scores.height, built.tables, built.changes,
                                 snapshot.issues)
    log_issues("C-MTEB", when, snapshot.issues)
    logger.info("C-MTEB %s: %d models, protocols %s", when, built.details["models"], built.details["protocols"])
    return {"run_id": run_id, "snapshot_date": when.isoformat(), "status": "completed", "source_version": version,
            "rows": record.rows_written, **{k: built.details[k] for k in ("models", "protocols", "changes", "issues")}}
