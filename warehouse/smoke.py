"""Writes of a smoke-test run: its results, its data issues and the run's end, in one transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pipeline.issues import DataIssue
from pipeline.smoke.result import SmokeResult
from warehouse import db
from warehouse.issues import insert_issues
from warehouse.redact import redact
from warehouse.runs import RunRecord, finish_run

JSON_COLUMNS = ("checks", "backends", "versions", "hardware")


def _row(record: RunRecord, result: SmokeResult) -> dict[str, Any]:
    row = asdict(result)
    for key in JSON_COLUMNS:
        row[key] = json.dumps(row[key], ensure_ascii=False, default=str)
    row["error"] = redact(row["error"]) if row["error"] else None
    row["run_id"] = record.run_id
    row["snapshot_date"] = record.snapshot_date
    return row


def write_smoke_results(path: str | Path, record: RunRecord, results: Sequence[SmokeResult],
                        issues: Sequence[DataIssue] = ()) -> int:
    """Insert one row per result, dated by the run's ``snapshot_date`` (the Hub snapshot the tests belong
    to), and the run's data issues, and close the run, atomically."""
    if record.snapshot_date is None:
        raise ValueError("a smoke run needs the snapshot date its results belong to")
    rows = [_row(record, r) for r in results]
    with db.writer(path) as con:
        columns = [c[0] for c in con.execute("SELECT * FROM smoke_results LIMIT 0").description]
        placeholders = ", ".join("?" for _ in columns)
        with db.transaction(con):
            if rows:
                con.executemany(f"INSERT INTO smoke_results ({', '.join(columns)}) VALUES ({placeholders})",
                                [[row[c] for c in columns] for row in rows])
            insert_issues(con, record.run_id, record.snapshot_date, issues)
            record.rows_written = len(rows)
            finish_run(con, record)
    return len(rows)
