"""Fixtures of the scoring tests: an empty warehouse builder and the default configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import Config, load_config
from tests.scores.helpers import WarehouseBuilder


@pytest.fixture
def wh(tmp_path: Path) -> WarehouseBuilder:
    return WarehouseBuilder(tmp_path / "radar.duckdb")


@pytest.fixture
def cfg(tmp_path: Path) -> Config:
    """The built-in defaults (not the repository's radar.toml)."""
    empty = tmp_path / "defaults.toml"
    empty.write_text("", encoding="utf-8")
    return load_config(empty, env={})
