"""Daily snapshot of the Hub's Chinese embedding models into DuckDB."""

from __future__ import annotations

from datetime import date

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from flows.common import day, recorded_run, settings, writer_slot
from flows.notify import notify_failure
from pipeline.config import HubConfig
from pipeline.families import assign_families
from pipeline.hub import HubFetch, default_endpoint, fetch_models
from pipeline.normalize import normalize_all
from warehouse.hub import known_bases, write_hub_snapshot
from warehouse.redact import scrubbed
from warehouse.runs import RunRecord


@task(cache_policy=NO_CACHE)
@scrubbed
def fetch(cfg: HubConfig, endpoint: str) -> HubFetch:
    """All configured queries, retried inside (client backoff per request, restarts per query)."""
    return fetch_models(cfg, endpoint)


@task(cache_policy=NO_CACHE)
@scrubbed
def store(db: str, record: RunRecord, fetched: HubFetch) -> RunRecord:
    """Normalise, group families and write the snapshot and the run's end in one transaction."""
    rows, issues = normalize_all(fetched.items, fetched.found_by, record.snapshot_date)
    issues = fetched.issues + issues
    bases, popularity = known_bases(db)
    bases.update({r.model_id: r.base_model for r in rows})
    popularity.update({r.model_id: r.downloads_all_time for r in rows})
    families = assign_families(bases, popularity)
    record.details = {
        "models": len(rows),
        "pages": fetched.pages,
        "query_restarts": fetched.query_retries,
        "per_query": fetched.per_query,
        "issues": len(issues),
        "rejected": sum(i.action == "rejected" for i in issues),
    }
    with writer_slot():
        write_hub_snapshot(db, record, rows, families, issues)
    logger = get_run_logger()
    for issue in issues[:20]:
        logger.warning("bad record %s: %s %s (%s)", issue.record_id, issue.field, issue.problem, issue.action)
    if len(issues) > 20:
        logger.warning("... and %d more issues; see the data_issues table", len(issues) - 20)
    return record


@flow(name="hub_snapshot", on_failure=[notify_failure], on_crashed=[notify_failure])
@scrubbed
def hub_snapshot(snapshot_date: str | date | None = None, config_path: str | None = None,
                 db_path: str | None = None, endpoint: str | None = None) -> dict:
    """Snapshot the models found by the configured Hub queries for one UTC date.

    Rerunning a date replaces its rows; a failure leaves the previous state and a failed run record.
    ``endpoint`` defaults to ``$HF_ENDPOINT`` (a mirror, or the replay Hub) or huggingface.co.
    """
    cfg, db = settings(config_path, db_path)
    when = day(snapshot_date)
    endpoint = (endpoint or default_endpoint()).rstrip("/")
    with recorded_run(db, "hub_snapshot", when) as run_id:
        fetched = fetch(cfg.hub, endpoint)
        record = RunRecord(run_id=run_id, flow="hub_snapshot", snapshot_date=when, source_version=endpoint)
        # quote(): 20,000 raw items are data, not futures; Prefect need not walk them.
        record = store(str(db), record, quote(fetched))
    get_run_logger().info("hub snapshot %s: %d models, %d issues", when, record.rows_written, record.details["issues"])
    return {"run_id": record.run_id, "snapshot_date": when.isoformat(), "models": record.rows_written,
            **{k: v for k, v in record.details.items() if k != "per_query"}}
