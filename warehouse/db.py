"""Connections to the DuckDB file: one short-lived writer, read-only readers, ordered migrations.

DuckDB lets exactly one process hold a database file: while a writer has it open even a read-only open
from another process fails at once. So writers keep their connection for one transaction's worth of
work, and both sides retry a lock conflict for a bounded time before failing with :class:`WarehouseBusy`,
a one-line "busy, retry" message instead of a stack trace.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

MIGRATIONS_PACKAGE = "warehouse.migrations"
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


class WarehouseError(RuntimeError):
    """The warehouse cannot be used as asked; the message says why in one line."""


class WarehouseBusy(WarehouseError):
    """Another process holds the DuckDB file; retrying later will work."""


class WarehouseMissing(WarehouseError):
    """There is no warehouse file yet."""


def _is_lock_conflict(exc: Exception) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


def _open(path: Path, read_only: bool, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait_seconds
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if not _is_lock_conflict(exc):
                raise WarehouseError(f"cannot open {path}: {str(exc).splitlines()[0]}") from exc
            if time.monotonic() >= deadline:
                who = "a writer" if read_only else "another process"
                raise WarehouseBusy(
                    f"warehouse {path} is busy ({who} holds it); retry in a moment"
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


@contextmanager
def writer(path: str | Path, wait_seconds: float = 120.0, migrate_schema: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse for writing (creating and migrating it if needed).

    Keep the block short: readers wait for it. Waits up to ``wait_seconds`` for another writer or
    reader to let go, then raises :class:`WarehouseBusy`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(path, read_only=False, wait_seconds=wait_seconds)
    try:
        if migrate_schema:
            migrate(con)
        yield con
    finally:
        con.close()


@contextmanager
def reader(path: str | Path, wait_seconds: float = 10.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse read-only; raises :class:`WarehouseBusy` if a writer holds it too long."""
    path = Path(path)
    if not path.is_file():
        raise WarehouseMissing(f"no warehouse at {path}; run `radar demo` or `radar run` first")
    con = _open(path, read_only=True, wait_seconds=wait_seconds)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection, frames: dict[str, Any] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run the block in one transaction with ``frames`` (Arrow tables, polars frames) registered by name.

    On any error the transaction is rolled back; a rollback that fails because the database was
    invalidated (a full disk during COMMIT) is ignored, so the caller sees the original error.
    """
    frames = frames or {}
    for name, frame in frames.items():
        con.register(name, frame)
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        with suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    finally:
        for name in frames:
            with suppress(duckdb.Error):
                con.unregister(name)


def available_migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) of every bundled migration, in order."""
    out = []
    for entry in resources.files(MIGRATIONS_PACKAGE).iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            out.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    out.sort()
    versions = [v for v, _, _ in out]
    if len(set(versions)) != len(versions):
        raise WarehouseError(f"duplicate migration numbers in {MIGRATIONS_PACKAGE}: {versions}")
    return out


def migrate(con: duckdb.DuckDBPyConnection, up_to: int | None = None) -> list[int]:
    """Apply pending migrations, each in its own transaction; returns the versions applied."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, name, sql in available_migrations():
        if version in done or (up_to is not None and version > up_to):
            continue
        with transaction(con):
            con.execute(sql)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                [version, name, datetime.now(UTC).replace(tzinfo=None)],
            )
        applied.append(version)
    return applied


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The highest applied migration, 0 for an empty file."""
    try:
        row = con.execute("SELECT max(version) FROM schema_migrations").fetchall()
    except duckdb.CatalogException:
        return 0
    return int(row[0][0] or 0)
