"""The offline test repositories: complete, small, deterministic and cached."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pipeline.smoke.tiny_models import build_test_repos, build_tiny_model, build_vocab, gb2312_hanzi, minilm_repo


def digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_vocabulary_covers_every_gb2312_hanzi():
    hanzi = gb2312_hanzi()
    vocab = build_vocab()
    assert len(hanzi) == 6763 and hanzi[0] == "啊"
    assert len(vocab) == len(set(vocab)) == 6928 and set(hanzi) <= set(vocab)


def test_test_repos_are_complete_small_and_broken_as_documented(test_repos):
    assert sorted(test_repos) == sorted(f"radar-test/{n}" for n in (
        "tiny-zh-embed", "tiny-zh-embed-lexical", "broken-missing-weights", "broken-wrong-dim",
        "broken-remote-code", "broken-pickle-only", "broken-hangs"))
    for repo_id, path in test_repos.items():
        files = digests(path)
        assert sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) < 5 * 2**20
        assert {"config.json", "tokenizer.json", "modules.json", "1_Pooling/config.json", "README.md"} <= set(files)
        assert f"# {repo_id.split('/')[1]}\n" in (path / "README.md").read_text(encoding="utf-8")
    assert "model.safetensors" not in digests(test_repos["radar-test/broken-missing-weights"])
    pickle_only = digests(test_repos["radar-test/broken-pickle-only"])
    assert "pytorch_model.bin" in pickle_only and "model.safetensors" not in pickle_only
    pooling = json.loads((test_repos["radar-test/broken-wrong-dim"] / "1_Pooling/config.json").read_text())
    assert pooling["word_embedding_dimension"] == 64
    remote = json.loads((test_repos["radar-test/broken-remote-code"] / "config.json").read_text())
    assert remote["auto_map"]["AutoModel"] == "modeling_radar_bert.RadarBertModel"
    assert (test_repos["radar-test/tiny-zh-embed-lexical"] / "2_Normalize").is_dir()


def test_builds_are_deterministic(tmp_path):
    first = build_test_repos(tmp_path / "a")
    second = build_test_repos(tmp_path / "b")
    for repo_id in first:
        assert digests(first[repo_id]) == digests(second[repo_id]), repo_id


def test_a_build_is_reused_until_its_recipe_changes(tmp_path):
    out = build_tiny_model(tmp_path / "m", seed=0)
    weights = out / "model.safetensors"
    before = (weights.stat().st_mtime_ns, weights.read_bytes())
    build_tiny_model(tmp_path / "m", seed=0)
    assert (weights.stat().st_mtime_ns, weights.read_bytes()) == before
    build_tiny_model(tmp_path / "m", seed=1)
    assert weights.read_bytes() != before[1]
    assert not [p for p in tmp_path.iterdir() if ".building-" in p.name]


def test_minilm_is_the_packaged_real_model():
    path = minilm_repo()
    assert (path / "model.safetensors").stat().st_size == 90_868_376
    assert json.loads((path / "config.json").read_text())["hidden_size"] == 384
