"""The three protocols on hand-made cells (each rule in isolation) and on the bundled real results."""

from __future__ import annotations

import polars as pl
import pytest

from pipeline.cmteb.protocols import compute, compute_all
from tests.cmteb.helpers import cell, full_run, scores

A, B, C = "org/model-a", "org/model-b", "org/model-c"


def board_row(result, model):
    rows = result.board.filter(pl.col("model_name") == model).to_dicts()
    return rows[0] if rows else None


def value(result, model, task):
    rows = result.per_task.filter(pl.col("model_name") == model, pl.col("task_name") == task)
    return rows["value"].item() if rows.height else None


def test_a_complete_run_gets_every_mean_and_one_missing_split_nulls_them_all():
    df = scores(full_run(A, 0.5) + full_run(B, 0.6, skip={("MultilingualSentiment", "test")}))
    result = compute(df, "leaderboard")
    a, b = board_row(result, A), board_row(result, B)
    assert a["mean_task"] == pytest.approx(0.5 + sum(range(31)) / 31 / 1000)
    assert a["n_tasks"] == a["tasks_expected"] == 31
    assert a["mean_task_type"] == pytest.approx(sum(a[c] for c in (
        "retrieval", "reranking", "pair_classification", "classification", "clustering", "sts")) / 6)
    assert b["mean_task"] is None and b["mean_task_type"] is None and b["classification"] is None
    assert b["retrieval"] is not None and b["n_tasks"] == 30
    # B is better on every task it has, and its partial MultilingualSentiment still earns Borda points
    assert (b["borda_rank"], a["borda_rank"]) == (1, 2)


def test_lenient_accepts_the_two_legacy_gaps_and_flags_each():
    legacy = full_run(A, 0.5, skip={("MultilingualSentiment", "test"), ("T2Reranking", "dev")},
                      revision="no_revision_available", mteb_version="1.1.0", file_format="pre_1.11")
    legacy.append(cell(A, "T2Reranking", "dev", None, map_score=0.66, revision="no_revision_available",
                       mteb_version="1.1.0", file_format="pre_1.11"))
    results = compute_all(scores(legacy))
    assert board_row(results["leaderboard"], A)["mean_task"] is None
    lenient = board_row(results["lenient"], A)
    assert lenient["mean_task"] is not None and lenient["n_tasks"] == 31
    assert lenient["fallbacks"] == ["MultilingualSentiment:validation_only", "T2Reranking:map"]
    assert value(results["lenient"], A, "T2Reranking") == pytest.approx(0.66)
    validation = next(r["score"] for r in legacy if r["task_name"] == "MultilingualSentiment")
    assert value(results["lenient"], A, "MultilingualSentiment") == pytest.approx(validation)


def test_lenient_does_not_accept_a_missing_validation_split():
    run = full_run(A, 0.5, skip={("MultilingualSentiment", "validation")})
    assert board_row(compute(scores(run), "lenient"), A)["mean_task"] is None


def test_cpack2023_scores_pair_classification_by_ap_over_35_datasets_and_sentiment_by_validation():
    run = full_run(A, 0.5, cpack=True)
    result = compute(scores(run), "cpack2023")
    row = board_row(result, A)
    assert row["tasks_expected"] == 35 and row["n_tasks"] == 35 and row["mean_task"] is not None
    ocnli = next(r for r in run if r["task_name"] == "Ocnli")
    assert value(result, A, "Ocnli") == pytest.approx(ocnli["ap_score"])
    sentiment = next(r for r in run if r["task_name"] == "MultilingualSentiment" and r["split"] == "validation")
    assert value(result, A, "MultilingualSentiment") == pytest.approx(sentiment["score"])
    no_massive = [r for r in run if r["task_name"] != "MassiveIntentClassification"]
    assert board_row(compute(scores(no_massive), "cpack2023"), A)["mean_task"] is None


def test_cpack2023_takes_map_from_pre_1_11_reranking_files():
    run = full_run(A, 0.5, cpack=True)
    for r in run:
        if r["task_name"] == "CMedQAv1-reranking":
            r.update(score=None, map_score=0.77)
    assert value(compute(scores(run), "cpack2023"), A, "CMedQAv1-reranking") == pytest.approx(0.77)


def test_revision_choice_follows_mteb_priority():
    pinned = "5617a9f61b028005a4858fdac845db406aefb181"  # BAAI/bge-m3's revision in mteb's registry
    rows = [
        cell("BAAI/bge-m3", "T2Retrieval", "dev", 0.40, revision=pinned, mteb_version="1.12.0"),
        cell("BAAI/bge-m3", "T2Retrieval", "dev", 0.60, revision="b" * 40, mteb_version="2.1.0"),
        cell(A, "T2Retrieval", "dev", 0.90, revision="external", mteb_version=None),
        cell(A, "T2Retrieval", "dev", 0.50, revision="no_revision_available", mteb_version="1.1.0"),
        cell(B, "T2Retrieval", "dev", 0.30, revision="c" * 40, mteb_version="1.20.0"),
        cell(B, "T2Retrieval", "dev", 0.70, revision="d" * 40, mteb_version="2.3.1"),
        cell(C, "T2Retrieval", "dev", 0.20, revision="e" * 40, mteb_version="2.12.16-2.15.4"),
        cell(C, "T2Retrieval", "dev", 0.10, revision="f" * 40, mteb_version="1.11.0"),
    ]
    result = compute(scores(rows), "leaderboard")
    assert value(result, "BAAI/bge-m3", "T2Retrieval") == pytest.approx(0.40)  # pinned beats newer
    assert value(result, A, "T2Retrieval") == pytest.approx(0.50)  # a versioned file beats an external import
    assert value(result, B, "T2Retrieval") == pytest.approx(0.70)  # then the newest mteb version
    assert value(result, C, "T2Retrieval") == pytest.approx(0.10)  # a merged version range does not parse


def test_borda_ties_share_a_rank():
    rows = [cell(m, "T2Retrieval", "dev", s) for m, s in ((A, 0.5), (B, 0.5), (C, 0.4))]
    ranks = dict(compute(scores(rows), "leaderboard").board.select("model_name", "borda_rank").iter_rows())
    assert ranks == {A: 1, B: 1, C: 3}


def test_the_leaderboard_shows_registered_models_only():
    rows = full_run("voyageai/voyage-3", 0.7) + full_run(A, 0.5)
    results = compute_all(scores(rows))
    assert board_row(results["leaderboard"], "voyageai/voyage-3") is None
    assert board_row(results["lenient"], "voyageai/voyage-3")["borda_rank"] == 1


def test_on_the_bundled_results_lenient_ranks_the_popular_2023_models(checkout_snapshot):
    results = compute_all(checkout_snapshot.scores)
    full = {p: int(r.board["mean_task"].is_not_null().sum()) for p, r in results.items()}
    assert full == {"leaderboard": 32, "cpack2023": 19, "lenient": 68}
    for model in ("BAAI/bge-large-zh-v1.5", "BAAI/bge-base-zh-v1.5", "moka-ai/m3e-base",
                  "shibing624/text2vec-base-chinese"):
        assert board_row(results["leaderboard"], model)["mean_task"] is None
        lenient = board_row(results["lenient"], model)
        assert lenient["mean_task"] is not None, model
        assert "MultilingualSentiment:validation_only" in lenient["fallbacks"]
        assert any(f.endswith(":map") for f in lenient["fallbacks"])
    cpack = results["cpack2023"]
    for model in ("BAAI/bge-large-zh", "BAAI/bge-base-zh", "BAAI/bge-small-zh", "openai/text-embedding-ada-002"):
        assert board_row(cpack, model)["n_tasks"] == 35, model
    # the v1.5 run in the results repository lacks AmazonReviews and both Massive datasets
    assert board_row(cpack, "BAAI/bge-large-zh-v1.5")["n_tasks"] == 32
    cmnli = checkout_snapshot.scores.filter(pl.col("model_name") == "BAAI/bge-large-zh", pl.col("task_name") == "Cmnli")
    assert value(cpack, "BAAI/bge-large-zh", "Cmnli") == pytest.approx(cmnli["ap_score"].item())
    assert value(results["leaderboard"], "BAAI/bge-large-zh", "Cmnli") == pytest.approx(cmnli["score"].item())
