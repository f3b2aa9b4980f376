"""Daily snapshot of the Hub's Chinese embedding models into DuckDB."""

from __future__ import annotations

from datetime import date

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from flows.common import day, log_issues, recorded_run, settings, writer_slot
from flows.notify import notify_failure
from pipeline import retry
from pipeline.config import Config, HubConfig
from pipeline.families import assign_families
from pipeline.hub import HubFetch, default_endpoint, fetch_models
from pipeline.model_files import HubFiles, ModelFiles
from pipeline.normalize import SHA, normalize_all, valid_model_id
from pipeline.provenance import describe_source
from warehouse.hub import known_bases, write_hub_snapshot
from warehouse.model_files import Candidate, files_to_read
from warehouse.redact import scrubbed
from warehouse.runs import RunRecord


@task(cache_policy=NO_CACHE)
@scrubbed
def fetch(cfg: HubConfig, endpoint: str) -> HubFetch:
    """All configured queries, retried inside (client backoff per request, restarts per query)."""
    return fetch_models(cfg, endpoint)


@task(cache_policy=NO_CACHE)
@scrubbed
def read_files(db: str, cfg: Config, endpoint: str, when: date, fetched: HubFetch) -> list[ModelFiles]:
    """The configuration files of listed models whose commit was not read before (dimension, context, size)."""
    candidates = [Candidate(model_id, item.get("sha") if SHA.match(str(item.get("sha"))) else None,
                            item.get("downloads") if isinstance(item.get("downloads"), int) else None)
                  for model_id, item in fetched.items.items() if valid_model_id(model_id)]
    wanted = files_to_read(db, when, candidates, cfg.hub.files_per_run)
    policy = retry.RetryPolicy(attempts=cfg.hub.query_attempts, base_seconds=cfg.hub.retry_base_seconds,
                               budget=retry.Budget(cfg.hub.budget_seconds))
    return HubFiles(endpoint, cfg.cache_dir / "hub", policy=policy).read_many(wanted)


@task(cache_policy=NO_CACHE)
@scrubbed
def store(db: str, cfg: Config, record: RunRecord, fetched: HubFetch, files: list[ModelFiles]) -> RunRecord:
    """Normalise, group families and write the snapshot, its source, the files read and the run's end in one
    transaction."""
    rows, issues = normalize_all(fetched.items, fetched.found_by, record.snapshot_date)
    source = describe_source(record.source_version or "", fetched.announcements)
    fixtures = {r.model_id for r in rows if cfg.smoke.is_fixture(r.model_id)}
    issues = fetched.issues + issues
    bases, popularity = known_bases(db)
    bases.update({r.model_id: r.base_model for r in rows})
    popularity.update({r.model_id: r.downloads_all_time for r in rows})
    families = assign_families(bases, popularity)
    record.details = {
        "models": len(rows),
        "source": source.kind,
        "synthetic_fields": list(source.synthetic_fields),
        "fixtures": len(fixtures),
        "listing": {"pages": fetched.pages, "query_restarts": fetched.query_retries, "caught_up": fetched.caught_up,
                    "repeated": fetched.repeated, "complete_as_of": fetched.complete_as_of},
        "per_query": fetched.per_query,
        "issues": len(issues),
        "rejected": sum(i.action == "rejected" for i in issues),
        "config_files": {"read": sum(f.error is None for f in files),
                         "unreadable": sum(f.error is not None for f in files)},
    }
    with writer_slot():
        write_hub_snapshot(db, record, rows, families, issues, source, fixtures, files)
    log_issues("Hub", record.snapshot_date, [*issues, *(i for f in files for i in f.issues)])
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
        files = read_files(str(db), cfg, endpoint, when, quote(fetched))
        record = store(str(db), cfg, record, quote(fetched), quote(files))
    get_run_logger().info("hub snapshot %s: %d models, %d issues", when, record.rows_written, record.details["issues"])
    return {"run_id": record.run_id, "snapshot_date": when.isoformat(), "models": record.rows_written,
            **{k: v for k, v in record.details.items() if k != "per_query"}}
