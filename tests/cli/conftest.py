"""Fixtures for the CLI tests: a demo-like warehouse (built by the report tests' independent builder) and,
from tests/flows/conftest.py, the local failure-webhook receiver (``webhook``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.flows.conftest import webhook  # noqa: F401  (a fixture: pytest finds it by name here)
from tests.report.conftest import build


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """12 weekly dates (2026-W23..W34) of snapshots, trends, criteria, rankings, boards and runs. Read only:
    tests that change a warehouse copy it first."""
    path = tmp_path_factory.mktemp("cli") / "radar.duckdb"
    build(path)
    return path
