"""Repo info, tree and file downloads through the real huggingface_hub client."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import httpx2
import pytest
from huggingface_hub import HfApi, get_hf_file_metadata, hf_hub_download, hf_hub_url, snapshot_download
from huggingface_hub.errors import (
    BadRequestError,
    DisabledRepoError,
    GatedRepoError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from pipeline.replay_hub import ReplayData, ReplayHub

TINY = "replay-test/tiny-repo"


def test_model_info_of_a_listed_model_matches_the_listing(replay_hub: ReplayHub) -> None:
    api = HfApi()
    listed = next(iter(api.list_models(search="zh-embedding-04", expand=["sha", "downloads", "likes"])))
    info = api.model_info("replay-test/zh-embedding-04")
    assert (info.sha, info.downloads, info.likes) == (listed.sha, listed.downloads, listed.likes)
    assert info.card_data.license == "mit" and info.created_at.isoformat().startswith("2024-05-01")
    assert [s.rfilename for s in info.siblings] == ["README.md", "config.json"]
    readme = Path(hf_hub_download("replay-test/zh-embedding-04", "README.md")).read_text()
    assert readme.startswith("---\nlicense: mit\nlanguage:\n- zh\n---\n")
    assert [f.path for f in api.list_repo_tree("replay-test/zh-embedding-04")] == ["README.md", "config.json"]


def test_model_info_expand_blobs_and_revision(replay_hub: ReplayHub) -> None:
    api = HfApi()
    info = api.model_info(TINY, expand=["sha", "downloadsAllTime"])
    assert set(info.__dict__) >= {"sha", "downloads_all_time"} and info.downloads is None
    with pytest.raises(BadRequestError):
        api.model_info(TINY, expand=["bogus"])
    blobs = {s.rfilename: s for s in api.model_info(TINY, files_metadata=True).siblings}
    weights = blobs["model.safetensors"]
    content = bytes(range(255, -1, -1)) * 16
    assert weights.size == 4096 and weights.lfs.sha256 == hashlib.sha256(content).hexdigest()
    assert blobs["config.json"].blob_id == hashlib.sha1(b"blob 19\0" + b'{"hidden_size": 8}\n').hexdigest()
    head = api.model_info(TINY).sha
    assert api.model_info(TINY, revision=head).sha == head
    with pytest.raises(RevisionNotFoundError):
        api.model_info(TINY, revision="v9.9")


def test_tree_recursive_folders_and_missing_paths(replay_hub: ReplayHub) -> None:
    api = HfApi()
    top = {e.path: type(e).__name__ for e in api.list_repo_tree(TINY)}
    assert top == {"1_Pooling": "RepoFolder", "README.md": "RepoFile", "config.json": "RepoFile",
                   "model.safetensors": "RepoFile"}
    deep = [e.path for e in api.list_repo_tree(TINY, recursive=True)]
    assert "1_Pooling/config.json" in deep and deep.index("1_Pooling") < deep.index("1_Pooling/config.json")
    assert [e.path for e in api.list_repo_tree(TINY, path_in_repo="1_Pooling")] == ["1_Pooling/config.json"]
    expanded = list(api.list_repo_tree(TINY, expand=True))
    assert all(e.last_commit is not None for e in expanded)
    with pytest.raises(RemoteEntryNotFoundError):
        list(api.list_repo_tree(TINY, path_in_repo="additional_chat_templates"))


def test_tree_pagination_follows_the_page_size(replay_hub: ReplayHub) -> None:
    replay_hub.page_size = 2
    assert len(list(HfApi().list_repo_tree(TINY, recursive=True))) == 5
    assert replay_hub.request_log.count(("GET", f"/api/models/{TINY}/tree/main")) == 3


def test_snapshot_download_and_resolve_headers(replay_hub: ReplayHub, tmp_path: Path) -> None:
    folder = Path(snapshot_download(TINY, cache_dir=tmp_path))
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
        "1_Pooling/config.json", "README.md", "config.json", "model.safetensors"]
    assert (folder / "config.json").read_bytes() == b'{"hidden_size": 8}\n'
    sha = HfApi().model_info(TINY).sha
    assert folder.name == sha
    meta = get_hf_file_metadata(hf_hub_url(TINY, "model.safetensors"))
    assert meta.commit_hash == sha and meta.size == 4096
    assert meta.etag == hashlib.sha256(bytes(range(255, -1, -1)) * 16).hexdigest()
    head = httpx2.head(hf_hub_url(TINY, "config.json"))
    blob_sha1 = hashlib.sha1(b"blob 19\0" + b'{"hidden_size": 8}\n').hexdigest()
    assert head.headers["etag"] == f'"{blob_sha1}"' and head.headers["x-repo-commit"] == sha
    assert head.headers["content-length"] == "19" and "x-linked-etag" not in head.headers


def test_range_requests(replay_hub: ReplayHub) -> None:
    url = hf_hub_url(TINY, "model.safetensors")  # redirected to the CDN, which answers ranges too
    part = httpx2.get(url, headers={"Range": "bytes=10-19"}, follow_redirects=True)
    assert part.status_code == 206 and part.content == (bytes(range(255, -1, -1)) * 16)[10:20]
    assert part.headers["content-range"] == "bytes 10-19/4096"
    assert httpx2.get(url, headers={"Range": "bytes=-5"}, follow_redirects=True).content == bytes([4, 3, 2, 1, 0])
    assert httpx2.get(url, headers={"Range": "bytes=5000-"}, follow_redirects=True).status_code == 416
    config = httpx2.get(hf_hub_url(TINY, "config.json"), headers={"Range": "bytes=1-6"})
    assert config.status_code == 206 and config.content == b'"hidde'
    assert config.headers["content-range"] == "bytes 1-6/19"


def test_dataset_file_download(replay_hub: ReplayHub, tmp_path: Path) -> None:
    path = hf_hub_download("replay-test/results", "data/scores.csv", repo_type="dataset", cache_dir=tmp_path)
    assert Path(path).read_text().startswith("model,task,score\n")
    info = HfApi().dataset_info("replay-test/results")
    assert info.card_data.license == "cc-by-4.0" and len(info.sha) == 40
    assert [("GET", "/api/datasets/replay-test/results")] == [e for e in replay_hub.request_log if "api" in e[1]]
    with pytest.raises(RepositoryNotFoundError):
        HfApi().dataset_info("replay-test/tiny-repo")  # a model, not a dataset


def test_not_found_errors_map_to_the_client_exceptions(replay_hub: ReplayHub, tmp_path: Path) -> None:
    api = HfApi()
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("nobody/nothing")
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("secret-org/zh-embedding-private")
    with pytest.raises(RevisionNotFoundError):
        hf_hub_download(TINY, "config.json", revision="0" * 40, cache_dir=tmp_path)
    with pytest.raises(RemoteEntryNotFoundError):
        hf_hub_download(TINY, "adapter_config.json", cache_dir=tmp_path)
    no_exist = list(tmp_path.glob("models--replay-test--tiny-repo/.no_exist/*/adapter_config.json"))
    assert len(no_exist) == 1  # X-Repo-Commit on the 404 lets the client cache the miss
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download("nobody/nothing", "config.json", cache_dir=tmp_path)


def test_gated_and_disabled_repos(replay_hub: ReplayHub, tmp_path: Path) -> None:
    api = HfApi()
    assert api.model_info("gated-org/zh-embedding-gated").gated == "manual"
    assert [f.path for f in api.list_repo_tree("gated-org/zh-embedding-gated")] == ["README.md", "config.json"]
    with pytest.raises(GatedRepoError):
        hf_hub_download("gated-org/zh-embedding-gated", "config.json", cache_dir=tmp_path)
    with pytest.raises(DisabledRepoError):
        api.model_info("gone-org/zh-embedding-disabled")
    listed = {m.id: m for m in api.list_models(search="zh-embedding-", expand=["disabled", "gated"])}
    assert listed["gone-org/zh-embedding-disabled"].disabled is True
    assert listed["gated-org/zh-embedding-gated"].gated == "manual"


def test_as_of_selects_the_repo_version(replay_hub: ReplayHub, tmp_path: Path) -> None:
    api = HfApi()
    replay_hub.as_of = date(2025, 1, 14)
    old = api.model_info(TINY)
    old_config = hf_hub_download(TINY, "config.json", cache_dir=tmp_path)
    assert Path(old_config).read_bytes() == b'{"hidden_size": 4}\n'
    replay_hub.as_of = date(2025, 1, 15)
    new = api.model_info(TINY)
    assert new.sha != old.sha and new.last_modified.date() == date(2025, 1, 15)
    assert api.model_info(TINY, revision=old.sha).sha == old.sha  # older commits stay reachable
    listed = next(iter(api.list_models(search="tiny-repo", expand=["sha"])))
    assert listed.sha == new.sha
    replay_hub.as_of = date(2025, 1, 14)
    with pytest.raises(RevisionNotFoundError):
        api.model_info(TINY, revision=new.sha)  # not committed yet on that date


def test_repo_added_while_serving(replay_hub: ReplayHub, replay_data: ReplayData, tmp_path: Path) -> None:
    from pipeline.replay_hub import RepoVersion

    (tmp_path / "src" / "sub").mkdir(parents=True)
    (tmp_path / "src" / "README.md").write_text("---\ntags: [demo]\nlibrary_name: demo-lib\n---\n")
    (tmp_path / "src" / "sub" / "a.txt").write_text("a")
    replay_data.add_repo("model", "replay-test/added-later", [RepoVersion.from_dir(tmp_path / "src")])
    info = HfApi().model_info("replay-test/added-later")
    assert info.tags == ["demo-lib", "demo"] and info.library_name == "demo-lib" and info.downloads == 0
    assert "replay-test/added-later" not in {m.id for m in HfApi().list_models(author="replay-test")}


def test_auxiliary_endpoints(replay_hub: ReplayHub) -> None:
    assert httpx2.get(f"{replay_hub.url}/api/agent-harnesses").json() == {"standardEnvVars": [], "harnesses": {}}
    assert httpx2.head(f"{replay_hub.url}/api/telemetry/hf_hub/download").status_code == 200
    assert httpx2.get(f"{replay_hub.url}/api/models/{TINY}/xet-read-token/main").status_code == 404
