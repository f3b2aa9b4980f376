"""Backups: the whole warehouse to Parquet files and back (``radar export`` / ``radar import``).

Parquet is what other tools (polars, pandas, Spark, another DuckDB) read, and unlike the DuckDB file it
does not depend on DuckDB's storage version, so an export is both a backup and the way to share the data.

An export is one Parquet file per table (``schema_migrations`` included) plus ``manifest.json`` with the
schema version and each table's row count, written last: a folder without a manifest is an unfinished
export and is refused. Types Parquet cannot hold exactly (HUGEINT) travel as text and are cast back.

An import never touches an existing warehouse: it builds the schema by running this code's migrations up
to the export's version, loads every table in one transaction, checks the columns and row counts against
the manifest, and only then links the finished file into place (never over an existing one). A backup
folder may come from anyone, so the manifest only selects among the tables the migrations created; it
never names a path or a statement.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import duckdb

from warehouse import db

MANIFEST = "manifest.json"
FORMAT = "embedding-radar-parquet/1"
_LOSSY_IN_PARQUET = ("HUGEINT",)
"""Type names Parquet would silently turn into DOUBLE; such columns are exported as text (UHUGEINT too)."""


class BackupError(db.WarehouseError):
    """An export or import cannot be done as asked; the message says why in one line."""


def table_order(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Base tables of the main schema, parents before the tables whose foreign keys point at them."""
    names = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
        " AND schema_name = 'main' AND NOT temporary ORDER BY table_name"
    ).fetchall()]
    graph: dict[str, set[str]] = {name: set() for name in names}
    for table, parent in con.execute(
        "SELECT table_name, referenced_table FROM duckdb_constraints()"
        " WHERE database_name = current_database() AND constraint_type = 'FOREIGN KEY'"
    ).fetchall():
        if table in graph and parent in graph and parent != table:
            graph[table].add(parent)
    return list(TopologicalSorter(graph).static_order())


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _export_select(con: duckdb.DuckDBPyConnection, table: str) -> str:
    columns = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = current_database()"
        " AND schema_name = 'main' AND table_name = ? ORDER BY column_index",
        [table],
    ).fetchall()
    lossy = [name for name, kind in columns if any(t in kind.upper() for t in _LOSSY_IN_PARQUET)]
    replace = f" REPLACE ({', '.join(f'{_quote(c)}::VARCHAR AS {_quote(c)}' for c in lossy)})" if lossy else ""
    return f"SELECT *{replace} FROM {_quote(table)}"


def export_parquet(db_path: str | Path, directory: str | Path) -> dict[str, Any]:
    """Write every table of the warehouse at ``db_path`` to ``directory`` (new or empty) as Parquet.

    Reads through one read-only connection, so the export is one consistent state even if a writer
    is queued behind it. Returns ``{"tables", "rows", "schema_version", "directory"}``.
    """
    directory = Path(directory)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise BackupError(f"export target {directory} exists and is not an empty folder; choose a new one")
    with db.reader(db_path) as con:
        version = db.schema_version(con)
        if version == 0:
            raise BackupError(f"{db_path} has no schema_migrations table; it is not a radar warehouse")
        directory.mkdir(parents=True, exist_ok=True)
        tables = []
        for table in table_order(con):
            file = f"{table}.parquet"
            con.execute(
                f"COPY ({_export_select(con, table)}) TO '{_sql_path(directory / file)}'"
                " (FORMAT parquet, COMPRESSION zstd)"
            )
            rows = con.execute(f"SELECT count(*) FROM {_quote(table)}").fetchall()[0][0]
            tables.append({"name": table, "file": file, "rows": int(rows)})
    manifest = {
        "format": FORMAT,
        "schema_version": version,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "duckdb_version": duckdb.__version__,
        "tables": tables,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return {"tables": len(tables), "rows": sum(t["rows"] for t in tables), "schema_version": version,
            "directory": str(directory)}


def _sql_path(path: Path) -> str:
    return str(path.resolve()).replace("'", "''")


def read_manifest(directory: str | Path) -> dict[str, Any]:
    """The validated manifest of an export folder (a clear error for anything else)."""
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{directory} has no {MANIFEST}: not a `radar export` folder, or an unfinished one")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: unknown format (expected {FORMAT!r})")
    version, tables = manifest.get("schema_version"), manifest.get("tables")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise BackupError(f"{path}: schema_version must be a positive integer")
    if not isinstance(tables, list) or not all(
        isinstance(t, dict) and isinstance(t.get("name"), str) and t.get("file") == f"{t.get('name')}.parquet"
        and isinstance(t.get("rows"), int) and not isinstance(t.get("rows"), bool) and t["rows"] >= 0
        for t in tables
    ):
        raise BackupError(f"{path}: tables must be a list of {{name, file = <name>.parquet, rows >= 0}}")
    return manifest


def _check_columns(con: duckdb.DuckDBPyConnection, table: str, file: str) -> None:
    """A file must hold exactly the table's columns: a missing one would silently load as NULL."""
    have = {r[0] for r in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [file]).fetchall()}
    want = {r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database()"
        " AND schema_name = 'main' AND table_name = ?", [table]).fetchall()}
    if have != want:
        raise BackupError(f"{file}: columns do not match table {table} (missing {sorted(want - have) or 'none'},"
                          f" unknown {sorted(have - want) or 'none'})")


def import_parquet(directory: str | Path, db_path: str | Path) -> dict[str, Any]:
    """Create a new warehouse at ``db_path`` from a ``radar export`` folder; refuses an existing file.

    The schema comes from this code's migrations (up to the export's version), not from the folder, and
    the file appears at ``db_path`` only once every table is loaded and its row count verified.
    Returns ``{"tables", "rows", "schema_version", "path"}``.
    """
    directory, db_path = Path(directory), Path(db_path)
    if db_path.exists():
        raise BackupError(f"{db_path} already exists; import only creates a new warehouse (move it away first)")
    manifest = read_manifest(directory)
    version = manifest["schema_version"]
    latest = max(v for v, _, _ in db.available_migrations())
    if version > latest:
        raise BackupError(f"the export has schema version {version}; this version of radar knows up to {latest}")
    expected = {t["name"]: t for t in manifest["tables"]}
    for table in expected.values():
        if not (directory / table["file"]).is_file():
            raise BackupError(f"{directory / table['file']} is missing")
    partial = db_path.with_name(f".{db_path.name}.importing")
    _remove(partial)
    try:
        with db.writer(partial, migrate_schema=False) as con:
            db.migrate(con, up_to=version)
            order = table_order(con)
            if set(order) != set(expected):
                missing, extra = sorted(set(order) - set(expected)), sorted(set(expected) - set(order))
                raise BackupError(
                    f"the export does not match schema version {version}: missing {missing or 'none'},"
                    f" unknown {extra or 'none'}"
                )
            con.execute("BEGIN TRANSACTION")
            con.execute("DELETE FROM schema_migrations")
            for table in order:
                file = str(directory / expected[table]["file"])
                _check_columns(con, table, file)
                con.execute(f"INSERT INTO {_quote(table)} BY NAME SELECT * FROM read_parquet(?)", [file])
                found = con.execute(f"SELECT count(*) FROM {_quote(table)}").fetchall()[0][0]
                if found != expected[table]["rows"]:
                    raise BackupError(f"{table}: the manifest says {expected[table]['rows']} rows, the file holds {found}")
            con.execute("COMMIT")
    except BaseException as exc:
        _remove(partial)
        if isinstance(exc, duckdb.Error):
            raise BackupError(f"import failed, nothing was written: {str(exc).splitlines()[0]}") from exc
        raise
    try:
        os.link(partial, db_path)
    except FileExistsError:
        raise BackupError(f"{db_path} appeared while importing; it was left as it is") from None
    finally:
        _remove(partial)
    return {"tables": len(order), "rows": sum(t["rows"] for t in expected.values()), "schema_version": version,
            "path": str(db_path)}


def _remove(partial: Path) -> None:
    """A half-built import (and its write-ahead log) from this or an earlier, interrupted attempt."""
    for path in (partial, partial.with_name(partial.name + ".wal")):
        path.unlink(missing_ok=True)
