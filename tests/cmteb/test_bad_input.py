"""Issue 3 item 7: NaN or missing scores, duplicates, renamed or unknown tasks, a score on the wrong scale,
unreadable files and a truncated parquet are detected, counted and reported with the model and task."""

from __future__ import annotations

import math

import polars as pl
import pytest

from pipeline.cmteb.quality import clean_scores
from pipeline.cmteb.sources import RAW_SCHEMA, CheckoutResults, SourceError, read_results_parquet
from tests.cmteb.helpers import cell


def clean(rows):
    return clean_scores(pl.DataFrame(rows, schema=RAW_SCHEMA))


def issue_for(issues, record_prefix):
    found = [i for i in issues if i.record_id and i.record_id.startswith(record_prefix)]
    assert found, f"no issue for {record_prefix}: {issues}"
    return found


def test_nan_and_missing_scores_are_stored_as_null_and_reported():
    scores, issues = clean([cell("org/a", "AFQMC", "validation", math.nan),
                            cell("org/b", "T2Retrieval", "dev", None)])
    assert scores["score"].is_null().all() and scores.height == 2
    (nan,) = issue_for(issues, "org/a/AFQMC")
    assert (nan.problem, nan.action, nan.field) == ("NaN score", "nulled", "score")
    (missing,) = issue_for(issues, "org/b/T2Retrieval")
    assert missing.problem == "no main score" and missing.action == "kept"


def test_a_duplicated_cell_keeps_the_highest_score_and_reports_the_rest():
    scores, issues = clean([cell("org/a", "Ocnli", "validation", 0.61), cell("org/a", "Ocnli", "validation", 0.64),
                            cell("org/a", "Ocnli", "validation", None)])
    assert scores["score"].to_list() == [0.64]
    dups = issue_for(issues, "org/a/Ocnli")
    assert [(i.problem, i.action) for i in dups if i.problem.startswith("duplicate")] == [
        ("duplicate cell; kept the highest score", "rejected")] * 2


def test_renamed_and_miscased_tasks_are_read_as_current_and_unknown_tasks_ignored():
    scores, issues = clean([cell("org/a", "CMedQAv1", "test", 0.8), cell("org/a", "t2retrieval", "dev", 0.7),
                            cell("org/a", "SomeOtherBenchmarkTask", "test", 0.5)])
    assert sorted(scores["task_name"]) == ["CMedQAv1-reranking", "T2Retrieval"]
    renamed = {i.excerpt: i.problem for i in issues}
    assert renamed == {"CMedQAv1": "former or misspelt task name; read as CMedQAv1-reranking",
                       "t2retrieval": "former or misspelt task name; read as T2Retrieval"}


def test_a_score_on_the_0_100_scale_is_rescaled_and_an_impossible_one_nulled():
    scores, issues = clean([cell("org/a", "TNews", "validation", 52.1), cell("org/b", "TNews", "validation", 520.0),
                            cell("org/c", "TNews", "validation", -0.09)])
    by_model = dict(scores.select("model_name", "score").iter_rows())
    assert by_model == {"org/a": pytest.approx(0.521), "org/b": None, "org/c": -0.09}
    assert issue_for(issues, "org/a/TNews")[0].problem == "score on the 0-100 scale; divided by 100"
    assert issue_for(issues, "org/b/TNews")[0].action == "nulled"
    assert not [i for i in issues if i.record_id.startswith("org/c")]


def test_a_row_without_a_model_name_is_rejected():
    scores, issues = clean([cell("", "TNews", "validation", 0.5), cell("org/a", "TNews", "validation", 0.5)])
    assert scores["model_name"].to_list() == ["org/a"]
    assert [(i.problem, i.action) for i in issues] == [("row without a model, task or split", "rejected")]


def test_an_unreadable_task_file_is_reported_and_the_rest_of_the_checkout_read(tmp_path):
    folder = tmp_path / "results" / "org__m" / ("a" * 40)
    folder.mkdir(parents=True)
    (folder / "Ocnli.json").write_text('{"task_name": "Ocnli", "scores": {"validation": [{"main_sc')
    (folder / "TNews.json").write_text('{"task_name": "TNews", "mteb_version": "1.38.0", "scores": {"validation":'
                                       ' [{"hf_subset": "default", "main_score": 0.5}]}}')
    snapshot = CheckoutResults(tmp_path).load("v")
    assert snapshot.scores["task_name"].to_list() == ["TNews"]
    (bad,) = snapshot.issues
    assert (bad.record_id, bad.field, bad.action) == ("org/m/Ocnli", "Ocnli.json", "rejected")


def test_a_score_that_is_not_a_number_is_nulled_and_reported(tmp_path):
    folder = tmp_path / "org__m" / ("a" * 40)
    folder.mkdir(parents=True)
    (folder / "TNews.json").write_text('{"task_name": "TNews", "mteb_version": "1.38.0", "scores": {"validation":'
                                       ' [{"hf_subset": "default", "main_score": "0.5"}]}}')
    snapshot = CheckoutResults(tmp_path).load("v")
    assert snapshot.scores["score"].to_list() == [None]
    (issue,) = snapshot.issues
    assert (issue.record_id, issue.problem, issue.action, issue.excerpt) == (
        "org/m/TNews/validation", "score is not a number", "nulled", "'0.5'")


def test_a_truncated_parquet_is_an_error_naming_the_file(tmp_path, mteb_versions):
    body = mteb_versions[-1].files["data/train-00000-of-00001.parquet"]
    path = tmp_path / "train-00000-of-00001.parquet"
    path.write_bytes(body[: len(body) // 2])
    with pytest.raises(SourceError, match="train-00000-of-00001.parquet: not a readable parquet file"):
        read_results_parquet([path])


def test_a_parquet_without_the_score_column_is_an_error(tmp_path):
    path = tmp_path / "train-00000-of-00001.parquet"
    frame = pl.DataFrame({"model_name": ["a"], "task_name": ["TNews"], "split": ["test"], "subset": ["default"]})
    frame.write_parquet(path)
    with pytest.raises(SourceError, match=r"missing column\(s\) \['score'\]"):
        read_results_parquet([path])
