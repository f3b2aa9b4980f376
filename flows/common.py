"""What every flow shares: resolving settings, the date it writes, and its run record."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from prefect import get_client, get_run_logger
from prefect.concurrency.sync import concurrency
from prefect.context import FlowRunContext, TaskRunContext
from prefect.exceptions import ObjectNotFound

from flows.server import tie_temporary_server_to_this_process
from pipeline.config import Config, load_config
from pipeline.dates import snapshot_date
from pipeline.issues import DataIssue
from pipeline.stopping import is_stop
from warehouse import db as warehouse_db
from warehouse.redact import error_line, install_log_redaction
from warehouse.runs import RunRecord, fail_run, finish_run, start_run

install_log_redaction()   # Prefect configured its loggers on import; see warehouse.redact
tie_temporary_server_to_this_process()

WRITER_LIMIT = "duckdb-writer"
"""The Prefect global concurrency limit (limit 1) that every warehouse write holds; see :func:`writer_slot`."""


def settings(config_path: str | None, db_path: str | None) -> tuple[Config, Path]:
    """The configuration and the warehouse path (an explicit ``db_path`` wins)."""
    cfg = load_config(config_path)
    return cfg, Path(db_path) if db_path else cfg.db


def day(value: str | date | None) -> date:
    """A snapshot date: ISO string, date, or today (UTC); refused outside the window of pipeline.dates."""
    return snapshot_date(value, "snapshot_date")


ISSUES_LISTED = 20
"""Bad records listed one by one at INFO (shown with ``--verbose``); all of them are in ``data_issues``."""


ISSUE_ACTIONS = {"kept": "{n} records kept with problems", "nulled": "{n} fields nulled",
                 "rejected": "{n} records rejected"}


def log_issues(source: str, when: date, issues: Sequence[DataIssue]) -> None:
    """One warning for a run's bad records ("C-MTEB 2026-08-31: 10 records kept with problems; see
    data_issues"), the first few records at INFO: ten identical warnings per snapshot said no more."""
    logger = get_run_logger()
    for issue in issues[:ISSUES_LISTED]:
        logger.info("bad record %s: %s %s (%s)", issue.record_id, issue.field, issue.problem, issue.action)
    if len(issues) > ISSUES_LISTED:
        logger.info("... and %d more", len(issues) - ISSUES_LISTED)
    if not issues:
        return
    actions = Counter(issue.action for issue in issues)
    parts = [ISSUE_ACTIONS.get(action, "{n} " + action).format(n=n) for action, n in sorted(actions.items())]
    logger.warning("%s %s: %s; see data_issues", source, when, ", ".join(parts))


@contextmanager
def recorded_run(db: Path, flow_name: str, snapshot_date: date | None = None) -> Iterator[str]:
    """Start a run record; if the body raises, record the failure (the data was rolled back) and re-raise.

    A stop on request (SIGTERM, Ctrl-C, a Prefect cancellation) is recorded as ``cancelled``, not failed."""
    with writer_slot():
        run_id = start_run(db, flow_name, snapshot_date)
    try:
        yield run_id
    except BaseException as exc:
        stopped = is_stop(exc)
        line = f"stopped on request ({type(exc).__name__})" if stopped else error_line(exc, 500)
        get_run_logger().error("%s %s: %s", flow_name, "cancelled" if stopped else "failed", line)
        with writer_slot():
            fail_run(db, run_id, line, status="cancelled" if stopped else "failed")
        raise


def close_run(db: Path, record: RunRecord) -> None:
    """Close a run that writes no rows of its own (the weekly pipeline's summary) in its own transaction."""
    with writer_slot(), warehouse_db.writer(db) as con:
        finish_run(con, record)


@contextmanager
def writer_slot(timeout_seconds: float = 900.0) -> Iterator[None]:
    """Hold the one warehouse-writer slot around a write: ``with writer_slot(): write_...(db, ...)``.

    DuckDB lets one process hold the file and fails a second writer at once, so writes from concurrent flow
    runs (a daily snapshot overlapping the weekly pipeline, two workers) queue on the Prefect global
    concurrency limit ``duckdb-writer`` instead. ``prefect deploy`` and ``radar serve`` create it
    (flows/deployments.py). Where no active limit exists (``radar run`` on the ephemeral server), or outside
    a flow or task run (a task's ``.fn`` called directly), the write relies on warehouse.db's bounded lock
    retry. Never nest it, never hold it around a subflow: the limit is 1.
    """
    in_a_run = FlowRunContext.get() is not None or TaskRunContext.get() is not None
    if in_a_run and _writer_limit_active():
        with concurrency(WRITER_LIMIT, occupy=1, timeout_seconds=timeout_seconds):
            yield
    else:
        yield


def _writer_limit_active() -> bool:
    """Whether the server has an active ``duckdb-writer`` limit (checked per write: it is one small GET)."""
    with get_client(sync_client=True) as client:
        try:
            limit = client.read_global_concurrency_limit_by_name(WRITER_LIMIT)
        except ObjectNotFound:
            return False
    return bool(limit.active)
