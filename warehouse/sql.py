"""Read-only, bounded SQL for users (``radar sql``): one SELECT, no file access, no way to change that.

Layers, each enough on its own for part of the threat:

* the statement must parse as a single SELECT, or an EXPLAIN / EXPLAIN ANALYZE whose inner statement is
  itself a single SELECT (``EXPLAIN ANALYZE`` runs what it explains: ``COPY ... TO`` or ``CREATE TEMP
  TABLE`` inside it would run too);
* the parsed query (DuckDB's own parse tree, so quoting and case do not matter) may not call the system
  functions or read the catalog views that reveal paths or settings (``duckdb_settings()``,
  ``current_setting()``, ``duckdb_databases()``, ``pg_settings`` ...), and a query string handed to
  ``query()`` / ``query_table()`` is checked the same way;
* the file is opened read-only; external access is switched off, spilling to a temporary folder too, and
  the configuration locked, so ``COPY ... TO``, ``ATTACH``, ``INSTALL``/``LOAD`` and
  ``read_csv('/etc/...')`` fail even if they slipped through;
* a time limit (the query is interrupted), a memory limit, and a row cap for the table format: a runaway
  cross join ends with one clear line instead of holding the file, and the scheduled writer, which waits
  for readers with a bounded backoff (warehouse.db), is never kept waiting longer than the time limit.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from warehouse import db

ALLOWED = {"StatementType.SELECT", "StatementType.EXPLAIN"}
DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_TABLE_ROWS = 1000
MEMORY_LIMIT = "2GB"
REFUSED_FUNCTIONS = frozenset({
    "duckdb_settings", "current_setting", "duckdb_databases", "pragma_database_list", "duckdb_extensions",
    "duckdb_temporary_files", "duckdb_secrets", "which_secret", "duckdb_secret_types", "getenv",
    "duckdb_logs", "duckdb_log_contexts", "duckdb_external_file_cache", "duckdb_variables",
})
"""System functions whose answers include absolute paths, settings or secrets."""
REFUSED_TABLES = frozenset({
    "pg_settings", "duckdb_settings", "duckdb_databases", "duckdb_extensions", "duckdb_temporary_files",
    "duckdb_secrets", "duckdb_logs", "duckdb_log_contexts",
})
"""Catalog views over those functions."""
_MAX_NESTING = 4


class QueryRejected(ValueError):
    """The query is not a single read-only statement, or it was stopped at a limit."""


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool = False
    """More rows exist than the cap that was asked for."""

    def summary(self) -> str:
        """The line under a table: the row count, or where the cap cut it."""
        if self.truncated:
            return (f"first {len(self.rows)} rows shown; the query returned more "
                    "(use --max-rows N, or --format csv/json for every row)")
        return f"{len(self.rows)} row(s)"


_SPACE_OR_COMMENT = re.compile(r"\s+|--[^\n]*(?:\n|$)")


def _skip_space(text: str, pos: int) -> int:
    """Position of the next token: whitespace, ``--`` comments and (nested) ``/* */`` comments skipped."""
    while pos < len(text):
        match = _SPACE_OR_COMMENT.match(text, pos)
        if match and match.end() > pos:
            pos = match.end()
        elif text.startswith("/*", pos):
            depth, pos = 1, pos + 2
            while depth and pos < len(text):
                if text.startswith("/*", pos):
                    depth, pos = depth + 1, pos + 2
                elif text.startswith("*/", pos):
                    depth, pos = depth - 1, pos + 2
                else:
                    pos += 1
        else:
            break
    return pos


def explained_statement(text: str) -> str:
    """The statement an ``EXPLAIN [ANALYZE | (options)]`` wraps."""
    pos = _skip_space(text, 0)
    word = re.compile(r"[A-Za-z_]+").match(text, pos)
    if not word or word.group().upper() != "EXPLAIN":
        raise QueryRejected("cannot find the statement inside EXPLAIN")
    pos = _skip_space(text, word.end())
    if text.startswith("(", pos):
        end = text.find(")", pos)
        if end < 0:
            raise QueryRejected("cannot read the EXPLAIN options")
        pos = _skip_space(text, end + 1)
    else:
        word = re.compile(r"[A-Za-z_]+").match(text, pos)
        if word and word.group().upper() in ("ANALYZE", "ANALYSE"):
            pos = _skip_space(text, word.end())
    return text[pos:]


def check_read_only(query: str, depth: int = 0) -> None:
    """Raise :class:`QueryRejected` unless ``query`` is one SELECT (possibly under EXPLAIN) that reads
    nothing but the warehouse's tables and harmless functions."""
    if depth > _MAX_NESTING:
        raise QueryRejected("queries nested too deeply inside query()")
    con = duckdb.connect()
    try:
        try:
            statements = con.extract_statements(query)
        except duckdb.Error as exc:
            raise QueryRejected(f"cannot parse the query: {str(exc).splitlines()[0]}") from None
        if len(statements) != 1:
            raise QueryRejected(f"expected exactly one statement, got {len(statements)}")
        kind = str(statements[0].type)
        if kind not in ALLOWED:
            raise QueryRejected(f"only SELECT queries are allowed (got {kind.rsplit('.', 1)[-1]})")
        if kind == "StatementType.EXPLAIN":
            inner = explained_statement(statements[0].query)
            inner_kind = [str(s.type) for s in con.extract_statements(inner)] if inner.strip() else []
            if inner_kind != ["StatementType.SELECT"]:
                shown = inner_kind[0].rsplit(".", 1)[-1] if inner_kind else "nothing"
                raise QueryRejected(f"EXPLAIN may only wrap one SELECT (got {shown})")
            query = inner
        tree = json.loads(con.execute("SELECT json_serialize_sql(?)", [query]).fetchone()[0])
    finally:
        con.close()
    if tree.get("error"):
        raise QueryRejected(f"cannot analyse the query: {tree.get('error_message', '')[:200]}")
    _check_tree(tree, depth)


def _check_tree(node: Any, depth: int) -> None:
    if isinstance(node, list):
        for item in node:
            _check_tree(item, depth)
        return
    if not isinstance(node, dict):
        return
    name = node.get("function_name")
    if isinstance(name, str):
        name = name.lower()
        if name in REFUSED_FUNCTIONS:
            raise QueryRejected(f"{name}() is not available in radar sql: it reveals paths or settings")
        if name in ("query", "query_table"):
            _check_query_argument(name, node.get("arguments") or node.get("children") or [], depth)
    if node.get("type") == "BASE_TABLE" and str(node.get("table_name", "")).lower() in REFUSED_TABLES:
        raise QueryRejected(f"{node['table_name']} is not available in radar sql: it reveals paths or settings")
    for value in node.values():
        _check_tree(value, depth)


def _check_query_argument(name: str, arguments: list[Any], depth: int) -> None:
    """``query('...')`` runs its string as SQL, ``query_table('t')`` reads the table it names: both are
    checked like the outer query, and only a literal string is accepted."""
    expressions = [a.get("expression", a) if isinstance(a, dict) else a for a in arguments]
    literal = expressions[0].get("literal") if expressions and isinstance(expressions[0], dict) else None
    text = literal.get("text") if isinstance(literal, dict) and literal.get("kind") == "STRING" else None
    if len(expressions) != 1 or text is None:
        raise QueryRejected(f"{name}() takes one literal string in radar sql")
    if name == "query":
        check_read_only(text, depth + 1)
    elif text.lower().split(".")[-1].strip('"') in REFUSED_TABLES:
        raise QueryRejected(f"{text} is not available in radar sql: it reveals paths or settings")


def run_query(path: str | Path, query: str, max_rows: int | None = None,
              timeout_seconds: float | None = DEFAULT_TIMEOUT_SECONDS) -> QueryResult:
    """Run one read-only query against the warehouse at ``path``, stopped after ``timeout_seconds``.

    ``max_rows`` caps the rows fetched (``truncated`` says whether more existed).
    """
    check_read_only(query)
    with db.reader(path) as con:
        for setting in ("SET temp_directory = ''", f"SET memory_limit = '{MEMORY_LIMIT}'",
                        "SET enable_external_access = false", "SET lock_configuration = true"):
            con.execute(setting)
        timer = threading.Timer(timeout_seconds, con.interrupt) if timeout_seconds else None
        if timer:
            timer.daemon = True
            timer.start()
        try:
            rel = con.sql(query)
            columns = list(rel.columns)
            rows = (rel.limit(max_rows + 1) if max_rows else rel).fetchall()
        except duckdb.InterruptException:
            raise QueryRejected(f"query stopped at the {timeout_seconds:g} s time limit (--timeout); "
                                "narrow it, or raise the limit") from None
        except duckdb.OutOfMemoryException:
            raise QueryRejected(f"query stopped at the {MEMORY_LIMIT} memory limit; narrow it") from None
        except duckdb.PermissionException as exc:
            raise QueryRejected(f"file access is not allowed: {str(exc).splitlines()[0]}") from None
        except duckdb.Error as exc:
            raise QueryRejected(str(exc).splitlines()[0]) from None
        finally:
            if timer:
                timer.cancel()
    truncated = bool(max_rows) and len(rows) > max_rows
    return QueryResult(columns=columns, rows=rows[:max_rows] if truncated else rows, truncated=truncated)

