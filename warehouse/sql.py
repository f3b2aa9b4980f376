"""Read-only SQL for users (``radar sql``): one SELECT, no file access, no way to change that.

Three layers, each enough on its own for part of the threat: the statement must parse as a single
SELECT/EXPLAIN; the file is opened read-only; and DuckDB's external access is switched off and the
configuration locked, so ``COPY ... TO``, ``ATTACH``, ``INSTALL``/``LOAD`` and ``read_csv('/etc/...')``
fail even if they slipped through.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from warehouse import db

ALLOWED = {"StatementType.SELECT", "StatementType.EXPLAIN"}


class QueryRejected(ValueError):
    """The query is not a single read-only statement."""


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def check_read_only(query: str) -> None:
    """Raise :class:`QueryRejected` unless ``query`` is exactly one SELECT or EXPLAIN."""
    try:
        statements = duckdb.connect().extract_statements(query)
    except duckdb.Error as exc:
        raise QueryRejected(f"cannot parse the query: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1:
        raise QueryRejected(f"expected exactly one statement, got {len(statements)}")
    kind = str(statements[0].type)
    if kind not in ALLOWED:
        raise QueryRejected(f"only SELECT queries are allowed (got {kind.rsplit('.', 1)[-1]})")


def run_query(path: str | Path, query: str, max_rows: int | None = None) -> QueryResult:
    """Run one read-only query against the warehouse at ``path``."""
    check_read_only(query)
    with db.reader(path) as con:
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        try:
            rel = con.sql(query)
            columns = list(rel.columns)
            rows = rel.fetchmany(max_rows) if max_rows else rel.fetchall()
        except duckdb.PermissionException as exc:
            raise QueryRejected(f"file access is not allowed: {str(exc).splitlines()[0]}") from None
        except duckdb.Error as exc:
            raise QueryRejected(str(exc).splitlines()[0]) from None
    return QueryResult(columns=columns, rows=rows)


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def to_csv(result: QueryResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.columns)
    for row in result.rows:
        writer.writerow([json.dumps(_plain(v), ensure_ascii=False) if isinstance(v, (list, dict)) else _plain(v) for v in row])
    return out.getvalue()


def to_json(result: QueryResult) -> str:
    return json.dumps([dict(zip(result.columns, map(_plain, row))) for row in result.rows], ensure_ascii=False, indent=1)
