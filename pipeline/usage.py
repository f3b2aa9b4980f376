"""Usage mistakes: checked before any flow starts, reported in one line naming the option or variable.

A typo must not start a Prefect server, record a failed run or page the team through the failure webhook:
only real work that fails is a run. So the CLI checks every argument, option, environment variable and
path with these functions first; each raises :class:`UsageError`, which the CLI prints as one line and
exits with status 2.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

DUCKDB_MAGIC = b"DUCK"
"""DuckDB files carry this at byte 8 (after the checksum of the first block)."""


class UsageError(ValueError):
    """The command line, an environment variable or a path is wrong; the message names it, in one line."""


def warehouse_to_read(path: Path, label: str) -> Path:
    """An existing DuckDB file, for commands that only read (or extend) a warehouse."""
    if not path.exists():
        raise UsageError(f"{label}: no warehouse at {path}; run `radar demo` or `radar run` first")
    return _duckdb_file(path, label)


def warehouse_to_write(path: Path, label: str) -> Path:
    """A DuckDB file, or a place where one can be created (the writer creates missing folders)."""
    if path.exists():
        return _duckdb_file(path, label)
    folder_to_write(path.parent, label)
    return path


def folder_to_write(path: Path, label: str) -> Path:
    """A folder that exists or can be created, and can be written to."""
    if path.exists() and not path.is_dir():
        raise UsageError(f"{label}: {path} is a file, not a folder")
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not existing.is_dir():
        raise UsageError(f"{label}: cannot create {path}: {existing} is a file")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"{label}: cannot write to {existing} (permission denied)")
    return path


def _duckdb_file(path: Path, label: str) -> Path:
    if path.is_dir():
        raise UsageError(f"{label}: {path} is a folder, not a DuckDB file")
    try:
        with path.open("rb") as handle:
            head = handle.read(12)
    except OSError as exc:
        raise UsageError(f"{label}: cannot read {path}: {exc.strerror or exc}") from None
    if head and head[8:12] != DUCKDB_MAGIC:
        raise UsageError(f"{label}: {path} is not a DuckDB file")
    return path


def http_url(value: str, label: str) -> str:
    """An http(s) URL with a host, e.g. ``HF_ENDPOINT``."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{label}: expected an http(s) URL such as https://huggingface.co, got {value!r}")
    try:
        parts.port
    except ValueError:
        raise UsageError(f"{label}: invalid port in {value!r}") from None
    return value


def dask_address(value: str, label: str = "--dask-address") -> str:
    """A Dask scheduler address: ``tcp://host:port`` (or ``host:port``)."""
    parts = urlsplit(value if "://" in value else f"tcp://{value}")
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme not in ("tcp", "tls", "inproc", "ws", "wss") or not parts.hostname or port is None:
        raise UsageError(f"{label}: expected a scheduler address such as tcp://10.0.0.5:8786, got {value!r}")
    return value


def positive(value: int | None, label: str) -> int | None:
    if value is not None and value < 1:
        raise UsageError(f"{label}: expected a positive number, got {value}")
    return value


def choice(value: str | None, allowed: tuple[str, ...], label: str) -> str | None:
    if value is not None and value not in allowed:
        raise UsageError(f"{label}: expected one of {', '.join(allowed)}, got {value!r}")
    return value
