"""Run records: every flow run leaves one row in ``runs``, whatever happens to it.

A run is inserted as ``running`` in its own committed transaction before any work starts, so a process
killed mid-write still leaves a trace; the data and the run's final status are then committed together.
A later run marks such orphans ``interrupted``.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from warehouse import db
from warehouse.redact import redact


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class RunRecord:
    """What a flow reports about itself when it finishes."""

    run_id: str
    flow: str
    snapshot_date: date | None = None
    source_version: str | None = None
    rows_written: int = 0
    status: str = "completed"
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def start_run(path: str | Path, flow: str, snapshot_date: date | None = None, run_id: str | None = None) -> str:
    """Record a run as started (committed at once) and return its id."""
    run_id = run_id or str(uuid.uuid4())
    with db.writer(path) as con:
        mark_interrupted(con, flow)
        con.execute(
            "INSERT INTO runs (run_id, flow, snapshot_date, started_at, status) VALUES (?, ?, ?, ?, 'running')",
            [run_id, flow, snapshot_date, utcnow()],
        )
    return run_id


def mark_interrupted(con: duckdb.DuckDBPyConnection, flow: str) -> int:
    """Runs of ``flow`` still marked running belong to dead processes (one writer at a time)."""
    rows = con.execute(
        "UPDATE runs SET status = 'interrupted', error = 'process ended before the run finished'"
        " WHERE flow = ? AND status = 'running' RETURNING run_id",
        [flow],
    ).fetchall()
    return len(rows)


def finish_run(con: duckdb.DuckDBPyConnection, record: RunRecord) -> None:
    """Close the run inside the caller's transaction, so data and status commit together."""
    con.execute(
        "UPDATE runs SET finished_at = ?, status = ?, rows_written = ?, source_version = ?,"
        " error = ?, details = ?, snapshot_date = coalesce(?, snapshot_date) WHERE run_id = ?",
        [
            utcnow(),
            record.status,
            record.rows_written,
            redact(record.source_version) if record.source_version else None,
            redact(record.error) if record.error else None,
            redact(json.dumps(record.details, default=str, ensure_ascii=False)),
            record.snapshot_date,
            record.run_id,
        ],
    )


def fail_run(path: str | Path, run_id: str, error: BaseException | str, details: dict[str, Any] | None = None,
             status: str = "failed") -> None:
    """Record a failure (or, with ``status="cancelled"``, a stop on request) in its own transaction; the
    failed work itself was rolled back."""
    message = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    message = " ".join(str(message).split())[:500]
    with db.writer(path) as con:
        finish_run(con, RunRecord(run_id=run_id, flow="", status=status, error=message, details=details or {}))
