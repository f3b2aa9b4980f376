"""Loading a model by repo id with sentence-transformers, through the replay Hub."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.replay_hub import ReplayData, ReplayHub, RepoVersion

tiny_models = pytest.importorskip("pipeline.smoke.tiny_models")
st = pytest.importorskip("sentence_transformers")

REPO_ID = "replay-test/tiny-zh-st"


def test_sentence_transformer_loads_by_repo_id(replay_hub: ReplayHub, replay_data: ReplayData,
                                               tmp_path: Path) -> None:
    source = tiny_models.build_tiny_model(tmp_path / "tiny-zh-st", lexical=True)
    replay_data.add_repo("model", REPO_ID, [RepoVersion.from_dir(source)])
    sentences = ["今天天气很好", "向量检索模型"]

    by_id = st.SentenceTransformer(REPO_ID, cache_folder=str(tmp_path / "cache"), device="cpu")
    local = st.SentenceTransformer(str(source), device="cpu")

    assert (by_id.encode(sentences) == local.encode(sentences)).all()
    log = replay_hub.request_log
    commit = replay_data.repo("model", REPO_ID, None).sha  # sentence-transformers pins the revision first
    assert log[0] == ("GET", f"/api/models/{REPO_ID}")
    assert ("GET", f"/{REPO_ID}/resolve/{commit}/model.safetensors") in log
    assert ("HEAD", f"/{REPO_ID}/resolve/{commit}/adapter_config.json") in log  # an optional file: a clean 404
    assert replay_hub.fault_log == []
