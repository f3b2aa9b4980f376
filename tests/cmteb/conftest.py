"""C-MTEB fixtures: the bundled real results, laid out as a results checkout and as the HF dataset."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pipeline.cmteb.replay_dataset import load_bundle, mteb_results_versions, results_tree
from pipeline.cmteb.sources import CheckoutResults, SourceSnapshot
from tests.cmteb.helpers import write_tree

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "data" / "sources" / "mteb"
REFERENCE = ROOT / "tests" / "fixtures" / "mteb_reference_table.csv"


@pytest.fixture(scope="session")
def bundle():
    return load_bundle(SOURCES)


@pytest.fixture(scope="session")
def checkout_dir(bundle, tmp_path_factory) -> Path:
    """The whole bundled extract as a results checkout (both file formats, every model_meta.json)."""
    return write_tree(results_tree(bundle), tmp_path_factory.mktemp("results-checkout"))


@pytest.fixture(scope="session")
def checkout_snapshot(checkout_dir) -> SourceSnapshot:
    source = CheckoutResults(checkout_dir)
    return source.load(source.version())


@pytest.fixture(scope="session")
def reference() -> pl.DataFrame:
    """mteb 2.26.24's own summary table on the same data (scripts/mteb_reference_table.py)."""
    return pl.read_csv(REFERENCE)


@pytest.fixture(scope="session")
def mteb_versions():
    return mteb_results_versions(SOURCES)


@pytest.fixture(scope="session")
def mteb_dataset(replay_data, mteb_versions) -> str:
    """Register the demo's ``mteb/results`` versions with the session replay Hub."""
    replay_data.add_repo("dataset", "mteb/results", mteb_versions)
    return "mteb/results"
