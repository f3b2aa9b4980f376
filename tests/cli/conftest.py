"""Fixtures for the CLI tests: a demo-like warehouse (built by the report tests' independent builder) and a
local webhook receiver."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.flows.conftest import Receiver
from tests.report.conftest import build


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """12 weekly dates (2026-W23..W34) of snapshots, trends, criteria, rankings, boards and runs. Read only:
    tests that change a warehouse copy it first."""
    path = tmp_path_factory.mktemp("cli") / "radar.duckdb"
    build(path)
    return path


@pytest.fixture
def listener() -> Iterator[Receiver]:
    receiver = Receiver()
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()
