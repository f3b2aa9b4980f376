"""What every flow shares: resolving settings, the date it writes, and its run record."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

from prefect import get_run_logger

from pipeline.config import Config, load_config
from warehouse.runs import fail_run, start_run


def settings(config_path: str | None, db_path: str | None) -> tuple[Config, Path]:
    """The configuration and the warehouse path (an explicit ``db_path`` wins)."""
    cfg = load_config(config_path)
    return cfg, Path(db_path) if db_path else cfg.db


def day(value: str | date | None) -> date:
    """A snapshot date: ISO string, date, or today (UTC)."""
    if value is None:
        return datetime.now(UTC).date()
    return value if isinstance(value, date) else date.fromisoformat(value)


@contextmanager
def recorded_run(db: Path, flow_name: str, snapshot_date: date | None = None) -> Iterator[str]:
    """Start a run record; if the body raises, record the failure (the data was rolled back) and re-raise."""
    run_id = start_run(db, flow_name, snapshot_date)
    try:
        yield run_id
    except BaseException as exc:
        get_run_logger().error("%s failed: %s: %s", flow_name, type(exc).__name__, exc)
        fail_run(db, run_id, exc)
        raise
