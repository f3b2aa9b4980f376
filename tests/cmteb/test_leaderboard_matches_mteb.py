"""The ``leaderboard`` protocol against mteb's own summary table, for every model, from both sources.

The oracle (tests/fixtures/mteb_reference_table.csv) is mteb 2.26.24's ``get_benchmark_result()`` for
``MTEB(cmn, v1)`` on the bundled results, written by scripts/mteb_reference_table.py.
"""

from __future__ import annotations

import math

import polars as pl
import pytest

from pipeline.cmteb.protocols import compute
from pipeline.cmteb.sources import HubResults
from pipeline.config import MtebConfig

COLUMNS = {"mean_task": "mean_task", "mean_task_type": "mean_task_type", "Retrieval": "retrieval",
           "Reranking": "reranking", "PairClassification": "pair_classification",
           "Classification": "classification", "Clustering": "clustering", "STS": "sts"}


def assert_matches_mteb(board: pl.DataFrame, reference: pl.DataFrame) -> None:
    ours = {r["model_name"]: r for r in board.iter_rows(named=True)}
    assert set(ours) == set(reference["model_name"]), "same models on the board as mteb's table"
    mismatches = []
    for ref in reference.iter_rows(named=True):
        row = ours[ref["model_name"]]
        if row["borda_rank"] != ref["borda_rank"]:
            mismatches.append((ref["model_name"], "borda_rank", row["borda_rank"], ref["borda_rank"]))
        for theirs, mine in COLUMNS.items():
            a, b = row[mine], ref[theirs]
            if (a is None) != (b is None) or (a is not None and not math.isclose(a, b, rel_tol=0, abs_tol=1e-12)):
                mismatches.append((ref["model_name"], mine, a, b))
    assert not mismatches, f"{len(mismatches)} differences from mteb, first: {mismatches[:5]}"


def test_every_mean_and_borda_rank_matches_mteb_from_a_results_checkout(checkout_snapshot, reference):
    board = compute(checkout_snapshot.scores, "leaderboard").board
    assert board.height == reference.height == 252
    assert board["mean_task"].is_not_null().sum() == 32
    assert_matches_mteb(board, reference)


def test_every_mean_and_borda_rank_matches_mteb_from_the_hf_dataset(replay_hub, mteb_dataset, reference, tmp_path):
    source = HubResults(MtebConfig(dataset=mteb_dataset), replay_hub.url, tmp_path)
    snapshot = source.load(source.version())
    assert_matches_mteb(compute(snapshot.scores, "leaderboard").board, reference)


def test_the_top_of_the_chinese_board_is_the_leaderboards(checkout_snapshot):
    board = compute(checkout_snapshot.scores, "leaderboard").board.head(3)
    assert board["model_name"].to_list() == [
        "Kingsoft-LLM/QZhou-Embedding-Zh", "tencent/Youtu-Embedding", "Kingsoft-LLM/QZhou-Embedding"]
    assert board["mean_task"].round(2).to_list() == pytest.approx([0.79, 0.78, 0.77], abs=0.006)
