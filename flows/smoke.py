"""Smoke-test the top models: plan, one task per model (threads or Dask), one write."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from flows.common import day, recorded_run, settings, writer_slot
from flows.notify import notify_failure
from pipeline import progress
from pipeline.config import Config, SmokeConfig
from pipeline.hub import default_endpoint
from pipeline.smoke.execute import SmokeSettings, smoke_model
from pipeline.smoke.result import STATUSES, SmokeResult
from pipeline.smoke.select import Plan, Target, candidates, fetch_listings, plan, valid_ids, warehouse_state
from pipeline.stopping import note_stop
from warehouse.redact import scrubbed
from warehouse.runs import RunRecord
from warehouse.smoke import write_smoke_results

TASK_RUNNERS = ("threads", "dask")


@task(cache_policy=NO_CACHE)
@scrubbed
def plan_tests(cfg: Config, db: str, endpoint: str, models: list[str] | None, force: bool, as_of: date) -> Plan:
    """Candidates (explicit list, or ranked top N as of ``as_of`` + configured), their Hub listings, the budgets."""
    ranked, tested = warehouse_state(db, cfg.smoke.top_n, as_of)
    found = candidates([], models, why="requested") if models else candidates(ranked, cfg.smoke.models)
    return plan(found, fetch_listings(endpoint, valid_ids(found)), tested, cfg.smoke, force=force)


@task(cache_policy=NO_CACHE, task_run_name="smoke {target.model_id}")
@scrubbed
def smoke_one(target: Target, smoke_settings: SmokeSettings) -> SmokeResult:
    return smoke_model(target, smoke_settings)


@flow(name="smoke_models")
@scrubbed
def smoke_models(targets: list[Target], smoke_settings: SmokeSettings) -> list[SmokeResult]:
    """Fan the models out over the task runner chosen by the parent flow.

    On a stop request the workers still running are killed at once (:data:`~pipeline.stopping.STOPPING`):
    Prefect's task runner waits for its threads before the stop can go on, and Prefect's own SIGTERM
    handler, not ours, is in charge while a flow runs."""
    futures = [smoke_one.submit(t, smoke_settings) for t in targets]
    try:
        return [f.result() for f in progress.track(futures, "Smoke tests", detail=lambda f: f.result().model_id)]
    except BaseException as exc:
        note_stop(exc)   # a function, not STOPPING itself: Dask pickles this flow's globals, and an Event cannot be
        raise


def task_runner_for(kind: str, address: str | None, cfg: SmokeConfig) -> TaskRunner:
    """Threads on this machine, or Dask: a scheduler at ``address``, else a local cluster of worker processes."""
    if kind not in TASK_RUNNERS:
        raise ValueError(f"task_runner: must be one of {TASK_RUNNERS}, got {kind!r}")
    if kind == "threads":
        return ThreadPoolTaskRunner(max_workers=cfg.parallel)
    from prefect_dask import DaskTaskRunner

    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(cluster_kwargs={"n_workers": cfg.dask_workers, "threads_per_worker": 1,
                                          "processes": True, "dashboard_address": None})


@flow(name="smoke_tests", on_failure=[notify_failure], on_crashed=[notify_failure])
@scrubbed
def smoke_tests(config_path: str | None = None, db_path: str | None = None, models: list[str] | None = None,
                force: bool = False, task_runner: str | None = None, dask_address: str | None = None,
                snapshot_date: str | date | None = None) -> dict[str, Any]:
    """Download, load and check the selected models in isolated subprocesses; record every outcome.

    ``snapshot_date`` is the Hub snapshot the tests belong to (default today, UTC; ``radar demo`` passes the
    date it replays): the results are dated by it, beside the wall-clock ``tested_at``, and the selection
    reads the rankings as of it. ``models`` replaces the selection (top ``smoke.top_n`` per profile +
    ``smoke.models``); ``force`` retests (model, commit) pairs already tested; ``task_runner`` is
    ``threads`` (default from ``smoke.task_runner``) or ``dask``, on a local cluster or the scheduler at
    ``dask_address``.

    Returns the counts per status, which add up to ``models`` (the rows written); ``tested`` of them were
    downloaded and run, ``already_tested`` models were not retested (no rows).
    """
    cfg, db = settings(config_path, db_path)
    when = day(snapshot_date)
    endpoint = default_endpoint()
    address = dask_address or cfg.smoke.dask_address
    runner = task_runner_for(task_runner or ("dask" if dask_address else cfg.smoke.task_runner), address, cfg.smoke)
    logger = get_run_logger()
    with recorded_run(db, "smoke", when) as run_id:
        planned = plan_tests(cfg, str(db), endpoint, models, force, when)
        logger.info("smoke: %d to test, %d already tested, %d refused or skipped", len(planned.targets),
                    len(planned.already_tested), len(planned.recorded))
        smoke_settings = SmokeSettings.from_config(cfg, endpoint)
        tested = (smoke_models.with_options(task_runner=runner)(planned.targets, smoke_settings)
                  if planned.targets else [])   # no cluster to start for nothing
        results = tested + planned.recorded
        for r in results:
            logger.info("%s@%s: %s%s", r.model_id, (r.revision or "-")[:8], r.status,
                        f" ({r.failure_class}: {r.error})" if r.failure_class else "")
        counts = {s: sum(r.status == s for r in results) for s in STATUSES}
        record = RunRecord(run_id=run_id, flow="smoke", snapshot_date=when, source_version=endpoint, details={
            **counts, "already_tested": planned.already_tested, "issues": len(planned.issues),
            "task_runner": type(runner).__name__,
            "failure_classes": {r.model_id: r.failure_class for r in results if r.failure_class}})
        with writer_slot():
            write_smoke_results(db, record, results, planned.issues)
    return {"run_id": run_id, "snapshot_date": when.isoformat(), "models": len(results), **counts,
            "tested": len(tested), "already_tested": len(planned.already_tested)}
