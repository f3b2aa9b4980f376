"""Both task-file formats and model_meta.json, parsed the way mteb's own loader reads them."""

import math

import pytest

from pipeline.cmteb.results_files import ResultFileError, parse_model_meta, parse_task_file


def test_current_format_keeps_main_score_and_cosine_ap():
    body = {"task_name": "Ocnli", "mteb_version": "1.38.9", "dataset_revision": "x", "scores": {"validation": [
        {"hf_subset": "default", "languages": ["cmn-Hans"], "main_score": 0.73, "max_accuracy": 0.73,
         "cosine_ap": 0.77}]}}
    parsed = parse_task_file(body, "Ocnli")
    assert (parsed.file_format, parsed.mteb_version, parsed.task_name) == ("current", "1.38.9", "Ocnli")
    (cell,) = parsed.cells
    assert (cell.split, cell.subset, cell.languages, cell.main_score, cell.ap_score) == (
        "validation", "default", ("cmn-Hans",), 0.73, 0.77)


def test_pre_1_11_format_derives_the_main_score_from_the_current_main_metric():
    pair = {"mteb_dataset_name": "Cmnli", "mteb_version": "1.1.0", "dataset_revision": None,
            "validation": {"cos_sim": {"accuracy": 0.7, "ap": 0.8}, "max": {"accuracy": 0.72, "ap": 0.81},
                           "evaluation_time": 3.0}}
    (cell,) = parse_task_file(pair, "Cmnli").cells
    assert (cell.main_score, cell.ap_score) == (0.72, 0.8)
    sts = {"mteb_dataset_name": "STS22", "mteb_version": "1.0.2",
           "test": {"zh": {"cos_sim": {"spearman": 0.66}}, "de": {"cos_sim": {"spearman": 0.5}},
                    "evaluation_time": 9}}
    cells = {c.subset: c.main_score for c in parse_task_file(sts, "STS22").cells}
    assert cells == {"zh": 0.66, "de": 0.5}


def test_a_pre_1_11_reranking_file_has_no_main_score_but_keeps_map_under_its_current_name():
    body = {"mteb_dataset_name": "CMedQAv1", "mteb_version": "1.1.0", "test": {"map": 0.83, "mrr": 0.86}}
    parsed = parse_task_file(body, "CMedQAv1")
    assert parsed.task_name == "CMedQAv1-reranking" and parsed.file_task_name == "CMedQAv1"
    (cell,) = parsed.cells
    assert cell.main_score is None and cell.map_score == 0.83


def test_an_explicit_main_score_wins_and_nan_is_kept_for_the_quality_checks():
    body = {"mteb_dataset_name": "AFQMC", "mteb_version": "1.1.0",
            "test": {"main_score": float("nan"), "cos_sim": {"spearman": 0.1}}}
    (cell,) = parse_task_file(body, "AFQMC").cells
    assert math.isnan(cell.main_score)


@pytest.mark.parametrize("body", [[], {"task_name": "Ocnli", "scores": {"validation": {"x": 1}}},
                                  {"mteb_dataset_name": "Ocnli", "validation": 3}, {"mteb_version": "1.0"}])
def test_files_in_neither_format_are_rejected_with_a_reason(body):
    with pytest.raises(ResultFileError):
        parse_task_file(body, "Ocnli")


def test_model_meta_values_are_typed_and_bad_ones_reported():
    meta = parse_model_meta({
        "name": "org/m", "n_parameters": "lots", "embed_dim": [256, 1024], "max_tokens": float("inf"),
        "license": "apache-2.0", "open_weights": True, "public_training_data": True,
        "training_datasets": {"T2Retrieval": ["train"], "DuRetrieval": []}, "release_date": "2024-05-01",
        "framework": ["PyTorch", "Sentence Transformers"], "adapted_from": 3,
    }, "org/m", "abc")
    assert meta.n_parameters is None and meta.embed_dim == 1024 and meta.max_tokens is None
    assert meta.training_datasets == ["DuRetrieval", "T2Retrieval"] and meta.public_training_data == "true"
    assert str(meta.release_date) == "2024-05-01" and meta.open_weights is True
    problems = {(i.field, i.action) for i in meta.issues}
    assert problems == {("n_parameters", "nulled"), ("adapted_from", "nulled")}
    assert all(i.record_id == "org/m" for i in meta.issues)
