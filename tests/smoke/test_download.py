"""What may be downloaded: validated ids and names, pickle and remote-code refusals, real snapshot_download."""

from __future__ import annotations

import pytest

from pipeline.smoke.download import (
    UnsafeRepoError,
    download,
    refusal,
    remote_code_reasons,
    selected_files,
    validate_file_name,
    validate_repo_id,
    weights_format,
)


@pytest.mark.parametrize("repo_id", ["BAAI/bge-small-zh-v1.5", "moka-ai/m3e-base", "a/b", "thenlper/gte_large-zh"])
def test_real_repo_ids_are_accepted(repo_id):
    assert validate_repo_id(repo_id) == repo_id


@pytest.mark.parametrize("repo_id", ["../etc/passwd", "org/..", "org/name/extra", "/abs/x", "org\\name", "bert",
                                     "org/na--me", "org/name\n", "", None, "org/-name", "o rg/name"])
def test_unsafe_repo_ids_are_rejected(repo_id):
    with pytest.raises(UnsafeRepoError):
        validate_repo_id(repo_id)


@pytest.mark.parametrize("name", ["config.json", "1_Pooling/config.json", "onnx/model_quint8.onnx", "中文说明.md"])
def test_ordinary_file_names_are_accepted(name):
    assert validate_file_name(name) == name


@pytest.mark.parametrize("name", ["../../.bashrc", "a/../../b", "/etc/passwd", "C:/x", "a\\..\\b", "a//b", "./a",
                                  "dir/", "bad\x00name", "new\nline", ""])
def test_traversal_and_control_characters_are_rejected(name):
    with pytest.raises(UnsafeRepoError):
        validate_file_name(name)


def test_weights_format_tells_safetensors_pickle_and_none_apart():
    assert weights_format(["config.json", "model.safetensors", "pytorch_model.bin"]) == "safetensors"
    assert weights_format(["config.json", "pytorch_model.bin"]) == "pickle"
    assert weights_format(["config.json", "training_args.bin"]) == "none"
    assert weights_format(["config.json"]) == "none"


def test_listing_refusals_name_the_class_and_the_way_out():
    pickle_only = [("config.json", 600), ("pytorch_model.bin", 1000)]
    failure_class, reason = refusal(pickle_only, allow_pickle=False)
    assert failure_class == "pickle_refused" and "smoke.allow_pickle" in reason
    assert refusal(pickle_only, allow_pickle=True) is None
    assert refusal([("model.safetensors", 1), ("../x", 1)], allow_pickle=True)[0] == "invalid_repo"
    assert refusal([("config.json", 1), ("onnx/model.onnx", 9)], allow_pickle=True)[0] == "no_weights"


def test_only_what_a_smoke_test_needs_is_selected():
    files = [("config.json", 1), ("1_Pooling/config.json", 1), ("vocab.txt", 1), ("model.safetensors", 10),
             ("pytorch_model.bin", 10), ("onnx/model.onnx", 10), ("onnx/config.json", 1), ("modeling_x.py", 1),
             ("sentencepiece.bpe.model", 1), ("README.md", 1), ("train.csv", 1)]
    plain = {p for p, _ in selected_files(files, allow_pickle=False, allow_remote_code=False)}
    assert plain == {"config.json", "1_Pooling/config.json", "vocab.txt", "model.safetensors",
                     "sentencepiece.bpe.model", "README.md"}
    trusted = {p for p, _ in selected_files(files, allow_pickle=True, allow_remote_code=True)}
    assert trusted - plain == {"pytorch_model.bin", "modeling_x.py"}


def test_remote_code_is_detected_from_the_configs(test_repos):
    reasons = remote_code_reasons(test_repos["radar-test/broken-remote-code"])
    assert reasons and "auto_map" in reasons[0]
    assert remote_code_reasons(test_repos["radar-test/tiny-zh-embed"]) == []


def test_custom_sentence_transformers_modules_count_as_remote_code(tmp_path):
    (tmp_path / "modules.json").write_text('[{"idx": 0, "path": "", "type": "custom_st.MyPooling"}]')
    assert remote_code_reasons(tmp_path) == ["modules.json uses custom module 'custom_st.MyPooling'"]


def test_download_fetches_the_pinned_commit_without_code_or_pickles(smoke_hub, tmp_path):
    from huggingface_hub import HfApi

    sha = HfApi(endpoint=smoke_hub.url).model_info("radar-test/broken-remote-code").sha
    folder = download("radar-test/broken-remote-code", sha, smoke_hub.url, tmp_path, allow_pickle=False,
                      allow_remote_code=False)
    assert folder.name == sha and folder.is_relative_to(tmp_path)
    assert (folder / "model.safetensors").is_file() and (folder / "1_Pooling" / "config.json").is_file()
    assert not list(folder.glob("*.py"))
    trusted = download("radar-test/broken-remote-code", sha, smoke_hub.url, tmp_path, allow_pickle=False,
                       allow_remote_code=True)
    assert sorted(p.name for p in trusted.glob("*.py")) == ["configuration_radar_bert.py", "modeling_radar_bert.py"]


def test_download_refuses_an_unsafe_id_before_any_request(tmp_path):
    with pytest.raises(UnsafeRepoError):
        download("../../x", "main", "http://127.0.0.1:9", tmp_path, allow_pickle=False, allow_remote_code=False)
