"""A repository's configuration files: what they state, read through huggingface_hub from the replay Hub."""

from __future__ import annotations

import json

import pytest

from pipeline.model_files import MAX_FILE_BYTES, HubFiles, model_files
from pipeline.replay_hub import FaultPlan, FaultRule, RepoVersion
from pipeline.retry import TRANSPORT, RetryPolicy, kind_of


def body(obj) -> bytes:
    return json.dumps(obj).encode()


ST_MODEL = {  # the layout of a sentence-transformers repository with a dense projection (stella/Conan style)
    "README.md": b"---\nlibrary_name: sentence-transformers\n---\n",
    "config.json": body({"model_type": "bert", "hidden_size": 1024, "num_hidden_layers": 24, "vocab_size": 21128,
                         "max_position_embeddings": 512}),
    "modules.json": body([{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                          {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                          {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"}]),
    "1_Pooling/config.json": body({"word_embedding_dimension": 1024, "pooling_mode_mean_tokens": True}),
    "2_Dense/config.json": body({"in_features": 1024, "out_features": 1792, "bias": True}),
    "sentence_bert_config.json": body({"max_seq_length": 512, "do_lower_case": False}),
    "tokenizer_config.json": body({"model_max_length": 1000000000000000019884624838656}),
}


@pytest.fixture(scope="module")
def repos(replay_data):
    replay_data.add_repo("model", "files-test/st-dense", [RepoVersion(None, ST_MODEL)])
    replay_data.add_repo("model", "files-test/roberta", [RepoVersion(None, {
        "config.json": body({"model_type": "xlm-roberta", "hidden_size": 1024, "vocab_size": 250002,
                             "max_position_embeddings": 514}),
    })])
    replay_data.add_repo("model", "files-test/hostile", [RepoVersion(None, {
        "config.json": b"{" + b'"pad": "' + b"x" * MAX_FILE_BYTES + b'"}',
        "modules.json": body([{"path": "../../etc", "type": "sentence_transformers.models.Pooling"}]),
        "sentence_bert_config.json": body({"max_seq_length": -3}),
        "tokenizer_config.json": b"not json",
    })])
    return replay_data


def test_the_output_dimension_is_the_last_dense_layer_and_the_length_what_sentence_transformers_reads(
        replay_hub, repos, tmp_path):
    files = HubFiles(replay_hub.url, tmp_path).read("files-test/st-dense", None)
    assert files.error is None and files.issues == []
    assert (files.hidden_size, files.num_layers, files.vocab_size) == (1024, 24, 21128)
    assert files.output_dim == 1792  # the pooling says 1024; the dense projection makes it 1792
    assert files.max_tokens == 512  # the tokenizer's 1e30 means "no limit of its own"
    assert files.embedding_params == 21128 * 1024
    assert set(files.files) == {"config.json", "modules.json", "1_Pooling/config.json", "2_Dense/config.json",
                                "sentence_bert_config.json", "tokenizer_config.json"}


def test_roberta_positions_hold_two_fewer_tokens(replay_hub, repos, tmp_path):
    files = HubFiles(replay_hub.url, tmp_path).read("files-test/roberta", None)
    assert (files.max_position_embeddings, files.max_tokens) == (514, 512)
    assert files.output_dim is None and files.embedding_params == 250002 * 1024


def test_hostile_files_are_not_read_and_every_problem_is_reported(replay_hub, repos, tmp_path):
    files = HubFiles(replay_hub.url, tmp_path).read("files-test/hostile", None)
    problems = {(i.field, i.problem) for i in files.issues}
    assert ("config.json", "file too large to be a configuration") in problems
    assert ("tokenizer_config.json", "not valid JSON") in problems
    assert ("sentence_bert_config.max_seq_length", "not a plausible count") in problems
    assert ("modules.json", "unsafe module path") in problems
    assert files.hidden_size is None and files.output_dim is None and files.max_tokens is None
    assert "config.json" not in files.files  # never downloaded


def test_a_repository_that_cannot_be_read_is_a_result_with_its_reason(replay_hub, tmp_path):
    files = HubFiles(replay_hub.url, tmp_path).read("gated-org/zh-embedding-gated", None)
    assert files.error is not None and "Gated" in files.error and files.files == []
    missing = HubFiles(replay_hub.url, tmp_path).read("nobody/no-such-model", None)
    assert missing.error is not None and missing.files == []


def test_parsing_needs_no_network():
    listing = {name: len(data) for name, data in ST_MODEL.items()}
    files = model_files("x/y", "a" * 40, listing, lambda path: json.loads(ST_MODEL[path]))
    assert (files.output_dim, files.max_tokens, files.sha) == (1792, 512, "a" * 40)


def test_the_reason_a_repository_cannot_be_read_is_the_same_on_every_read(replay_hub, tmp_path):
    """The stored error is the answer's type and status: the message's request id changes on each read, and
    a changed text would make an unchanged repository look changed."""
    first, second = (HubFiles(replay_hub.url, tmp_path / str(i)).read("gated-org/zh-embedding-gated", None)
                     for i in range(2))
    assert first.error == second.error == "GatedRepoError: HTTP 401"


def test_a_transport_fault_is_retried_and_one_that_outlasts_the_retries_fails_the_read(replay_hub, repos, tmp_path):
    quick = RetryPolicy(attempts=3, base_seconds=0.0)
    replay_hub.faults = FaultPlan([FaultRule("truncate", path="st-dense/resolve/.*/modules.json", times=2)])
    files = HubFiles(replay_hub.url, tmp_path / "a", policy=quick).read("files-test/st-dense", None)
    assert files.error is None and files.output_dim == 1792   # the same as without faults
    replay_hub.faults = FaultPlan([FaultRule("truncate", path="st-dense/resolve/.*/modules.json")])
    with pytest.raises(Exception) as failed:   # not an error row: the snapshot fails, its rerun reads again
        HubFiles(replay_hub.url, tmp_path / "b", policy=quick).read("files-test/st-dense", None)
    assert kind_of(failed.value) == TRANSPORT
