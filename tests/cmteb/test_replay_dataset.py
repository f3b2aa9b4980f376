"""The ``mteb/results`` dataset the replay Hub serves: mteb's own parquet for the bundled results, dated."""

from __future__ import annotations

import importlib.util
import io
import json
from datetime import date

import pyarrow.parquet as pq

from pipeline.cmteb.replay_dataset import PARQUET_PATH, mteb_results_versions
from tests.cmteb.conftest import ROOT, SOURCES


def reference_script():
    spec = importlib.util.spec_from_file_location("mteb_reference_table", ROOT / "scripts" / "mteb_reference_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_last_version_holds_exactly_what_mteb_pushes_for_these_results(mteb_versions):
    expected = json.loads((ROOT / "tests" / "fixtures" / "mteb_results_dataset.json").read_text())
    table = pq.read_table(io.BytesIO(mteb_versions[-1].files[PARQUET_PATH]))
    got = reference_script().dataset_digest(table)
    assert got["schema"] == expected["schema"]
    assert got["features"] == expected["features"]
    assert (got["rows"], got["digest"]) == (expected["rows"], expected["digest"])


def test_four_dated_versions_that_only_add_results(mteb_versions):
    assert [v.valid_from for v in mteb_versions] == [None, date(2026, 9, 28), date(2026, 10, 26), date(2026, 11, 16)]
    rows = [pq.read_table(io.BytesIO(v.files[PARQUET_PATH])).num_rows for v in mteb_versions]
    assert rows == sorted(rows) and len(set(rows)) == 4 and rows[-1] == 6128
    first = {k for k in mteb_versions[0].files if k.startswith("results/")}
    assert first and first <= set(mteb_versions[-1].files)
    assert all("README.md" in v.files for v in mteb_versions)


def test_a_pre_1_11_reranking_file_has_no_main_score_in_the_parquet_but_its_map_in_the_tree(mteb_versions):
    files = mteb_versions[-1].files
    table = pq.read_table(io.BytesIO(files[PARQUET_PATH])).to_pylist()
    row = next(r for r in table if r["model_name"] == "BAAI/bge-large-zh-v1.5" and r["task_name"] == "T2Reranking")
    assert row["score"] is None and row["model_revision"] == "no_revision_available"
    legacy = json.loads(files["results/BAAI__bge-large-zh-v1.5/no_revision_available/T2Reranking.json"])
    assert legacy["mteb_version"] == "1.1.0" and 0 < legacy["dev"]["map"] < 1 and "scores" not in legacy


def test_the_bytes_are_deterministic(mteb_versions):
    again = mteb_results_versions(SOURCES)
    assert [dict(v.files) for v in again] == [dict(v.files) for v in mteb_versions]
