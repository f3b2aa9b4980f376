"""Writes of data-quality issues: every flow stores its bad records the same way."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import date

import duckdb
import pyarrow as pa

from pipeline.issues import DataIssue

ISSUE_SCHEMA = pa.schema([
    ("source", pa.string()), ("record_id", pa.string()), ("field", pa.string()),
    ("problem", pa.string()), ("action", pa.string()), ("excerpt", pa.string()),
])


def insert_issues(con: duckdb.DuckDBPyConnection, run_id: str, snapshot_date: date | None,
                  issues: Iterable[DataIssue]) -> None:
    """Append ``issues`` to ``data_issues`` inside the caller's transaction."""
    table = pa.Table.from_pylist([asdict(i) for i in issues], schema=ISSUE_SCHEMA)
    if table.num_rows == 0:
        return
    con.register("new_issues", table)
    try:
        con.execute("INSERT INTO data_issues BY NAME SELECT ? AS run_id, ? AS snapshot_date, * FROM new_issues",
                    [run_id, snapshot_date])
    finally:
        con.unregister("new_issues")
