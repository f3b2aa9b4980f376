"""Changes between two snapshots, computed on the warehouse-shaped tables."""

import polars as pl
import pytest

from pipeline.cmteb.changes import compare
from pipeline.cmteb.protocols import compute_all
from pipeline.cmteb.tables import build_tables
from tests.cmteb.helpers import cell, full_run, scores

A, B, C = "org/model-a", "org/model-b", "org/model-c"


def tables(rows):
    df = scores(rows)
    return build_tables(compute_all(df), df, [], {A: A})


def test_the_first_snapshot_has_nothing_to_compare_with():
    assert compare(None, tables(full_run(A, 0.5))).is_empty()


def test_new_models_results_means_and_rank_moves():
    before = tables(full_run(A, 0.5) + full_run(B, 0.6, skip={("MultilingualSentiment", "test")}))
    after = tables(full_run(A, 0.5) + full_run(B, 0.6) + full_run(C, 0.7))
    changes = compare(before, after)
    kinds = changes.group_by("change_type", "protocol").len()
    counts = {(k, p): n for k, p, n in kinds.iter_rows()}
    assert counts[("new_model", None)] == 1
    assert counts[("new_result", None)] == 31  # C's whole run
    assert counts[("changed_result", None)] == 1  # B's MultilingualSentiment now averages two splits
    row = changes.filter(pl.col("change_type") == "changed_result").row(0, named=True)
    assert (row["model_name"], row["task_name"], row["detail"]) == (B, "MultilingualSentiment",
                                                                    "splits validation -> test,validation")
    gained = changes.filter(pl.col("change_type") == "mean_gained", pl.col("protocol") == "leaderboard")
    assert sorted(gained["model_name"]) == [B, C]
    moves = changes.filter(pl.col("change_type") == "rank_move", pl.col("protocol") == "leaderboard")
    assert {(r["model_name"], r["old_rank"], r["new_rank"]) for r in moves.iter_rows(named=True)} == {
        (A, 2, 3), (B, 1, 2)}
    entered = changes.filter(pl.col("change_type") == "entered", pl.col("protocol") == "leaderboard")
    assert entered.select("model_name", "new_rank").row(0) == (C, 1)
    assert entered["new_value"].item() == pytest.approx(70 + sum(range(31)) / 31 / 10)


def test_a_score_that_disappears_is_a_removed_result():
    before = tables([cell(A, "TNews", "validation", 0.5), cell(A, "IFlyTek", "validation", 0.4)])
    after = tables([cell(A, "TNews", "validation", 0.5)])
    changes = compare(before, after)
    assert changes.filter(pl.col("change_type") == "removed_result").select("task_name", "old_value").row(0) == (
        "IFlyTek", pytest.approx(40.0))
    assert changes.filter(pl.col("change_type").is_in(["new_result", "changed_result"])).is_empty()
