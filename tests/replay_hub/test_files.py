"""File downloads as huggingface.co serves them, through the real clients: LFS files redirected (302) to a
CDN on another host, renamed repos and legacy ids redirected (307), 401 for anonymous callers and 404 for
authenticated ones, HTML error pages from the edge, and the Xet announcement the product declines."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import httpx2
import pytest
from huggingface_hub import HfApi, get_hf_file_metadata, hf_hub_download, hf_hub_url, snapshot_download
from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, RepositoryNotFoundError

from pipeline.config import HubConfig, HubQuery
from pipeline.hub import fetch_models
from pipeline.replay_hub import FaultPlan, FaultRule, ReplayData, ReplayHub
from pipeline.replay_hub.faults import LIST_PATHS

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "tests" / "fixtures" / "hub_samples"
TINY = "replay-test/tiny-repo"
WEIGHTS = bytes(range(255, -1, -1)) * 16
WEIGHTS_SHA256 = hashlib.sha256(WEIGHTS).hexdigest()


@pytest.fixture
def renames(replay_data: ReplayData) -> Iterator[None]:
    """``tiny-legacy`` (a legacy id without namespace) and ``old-org/tiny-old`` (a renamed repo) both
    lead to the tiny repo; a rename of an existing repo (``replay-test/zh-embedding-01``) is ignored."""
    table = {("model", "tiny-legacy"): TINY, ("model", "old-org/tiny-old"): TINY,
             ("model", "replay-test/zh-embedding-01"): TINY}
    for (repo_type, old), new in table.items():
        replay_data.add_rename(old, new, repo_type)
    yield
    for key in table:
        replay_data.renames.pop(key)


def test_an_lfs_file_is_a_302_to_the_cdn_with_the_headers_the_client_reads(replay_hub: ReplayHub) -> None:
    head = httpx2.head(hf_hub_url(TINY, "model.safetensors"))
    commit = HfApi().model_info(TINY).sha
    assert head.status_code == 302 and head.headers["content-type"].startswith("text/plain")
    location = urlparse(head.headers["location"])
    assert f"{location.scheme}://{location.netloc}" == replay_hub.cdn_url
    assert location.hostname != urlparse(replay_hub.url).hostname  # another host: clients do not follow a HEAD
    assert location.path.endswith(f"/{WEIGHTS_SHA256}") and "model.safetensors" in location.query
    assert head.headers["x-repo-commit"] == commit
    assert head.headers["x-linked-etag"] == f'"{WEIGHTS_SHA256}"' and head.headers["x-linked-size"] == "4096"
    meta = get_hf_file_metadata(hf_hub_url(TINY, "model.safetensors"))
    assert (meta.commit_hash, meta.etag, meta.size) == (commit, WEIGHTS_SHA256, 4096)
    assert meta.location == head.headers["location"]
    assert replay_hub.cdn_log == []  # the metadata came from the redirect itself
    regular = httpx2.head(hf_hub_url(TINY, "config.json"))
    assert regular.status_code == 200 and "location" not in regular.headers


def test_downloads_fetch_lfs_bytes_from_the_cdn_without_the_token(replay_hub: ReplayHub, tmp_path: Path) -> None:
    path = hf_hub_download(TINY, "model.safetensors", cache_dir=tmp_path, token="hf_replay_test_token")
    assert Path(path).read_bytes() == WEIGHTS
    assert Path(path).resolve().name == WEIGHTS_SHA256  # the blob is named by the linked etag
    gets = [entry for entry in replay_hub.cdn_log if entry[0] == "GET"]
    assert gets == [("GET", f"/repos/{HfApi().model_info(TINY).__dict__['_id']}/{WEIGHTS_SHA256}", False)]
    cdn = f"{replay_hub.cdn_url}/repos/x/{WEIGHTS_SHA256}"
    part = httpx2.get(cdn, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == WEIGHTS[10:20]
    assert httpx2.get(f"{replay_hub.cdn_url}/repos/x/{'0' * 64}").status_code == 403


def test_snapshot_download_goes_through_the_cdn(replay_hub: ReplayHub, tmp_path: Path) -> None:
    folder = Path(snapshot_download(TINY, cache_dir=tmp_path))
    assert (folder / "model.safetensors").read_bytes() == WEIGHTS
    assert [(m, p.rsplit("/", 1)[-1]) for m, p, _ in replay_hub.cdn_log] == [("GET", WEIGHTS_SHA256)]


def test_a_download_cut_on_its_way_from_the_cdn_is_resumed(replay_hub: ReplayHub, tmp_path: Path) -> None:
    replay_hub.faults = FaultPlan([FaultRule("drop", method="GET", path="model.safetensors", keep=0.25, times=1)])
    path = hf_hub_download(TINY, "model.safetensors", cache_dir=tmp_path)
    assert Path(path).read_bytes() == WEIGHTS
    assert replay_hub.fault_log[0]["target"].startswith(f"/repos/") and len(replay_hub.cdn_log) == 2


def test_legacy_ids_are_redirected_like_the_recorded_hub_answer(replay_hub: ReplayHub, renames: None) -> None:
    recorded = json.loads((SAMPLES / "real_models__bert-base-uncased__307.headers.json").read_text())
    body = (SAMPLES / "real_models__bert-base-uncased__307.body.txt").read_text()
    r = httpx2.get(f"{replay_hub.url}/api/models/tiny-legacy")
    assert (r.status_code, r.reason_phrase) == (recorded["status"]["code"], recorded["status"]["message"])
    assert r.headers["content-type"] == recorded["headers"]["Content-Type"][0]
    assert recorded["headers"]["Location"][0] == "/api/models/google-bert/bert-base-uncased"
    assert r.headers["location"] == f"/api/models/{TINY}"
    assert body == "Temporary Redirect. Redirecting to /api/models/google-bert/bert-base-uncased"
    assert r.text == f"Temporary Redirect. Redirecting to /api/models/{TINY}"
    assert HfApi().model_info("tiny-legacy").id == TINY
    tree = httpx2.get(f"{replay_hub.url}/api/models/tiny-legacy/tree/main", params={"recursive": "true"})
    assert tree.headers["location"] == f"/api/models/{TINY}/tree/main?recursive=true"


def test_renamed_repos_keep_working_through_the_clients(replay_hub: ReplayHub, renames: None,
                                                        tmp_path: Path) -> None:
    assert HfApi().model_info("old-org/tiny-old").id == TINY
    assert [f.path for f in HfApi().list_repo_tree("old-org/tiny-old")][0] == "1_Pooling"
    config = hf_hub_download("old-org/tiny-old", "config.json", cache_dir=tmp_path)
    assert Path(config).read_bytes() == b'{"hidden_size": 8}\n'
    weights = hf_hub_download("tiny-legacy", "model.safetensors", cache_dir=tmp_path)
    assert Path(weights).read_bytes() == WEIGHTS
    resolve = httpx2.head(hf_hub_url("old-org/tiny-old", "config.json"))
    assert resolve.status_code == 307 and resolve.headers["location"] == f"/{TINY}/resolve/main/config.json"
    assert HfApi().model_info("replay-test/zh-embedding-01").id == "replay-test/zh-embedding-01"  # exists: no redirect


def test_missing_and_private_repos_are_401_anonymously_and_404_with_a_token(replay_hub: ReplayHub,
                                                                            tmp_path: Path) -> None:
    for repo_id in ("nobody/nothing", "secret-org/zh-embedding-private"):
        with pytest.raises(RepositoryNotFoundError) as anonymous:
            HfApi().model_info(repo_id)
        assert anonymous.value.response.status_code == 401 and "Invalid username or password." in str(anonymous.value)
        with pytest.raises(RepositoryNotFoundError) as authenticated:
            HfApi(token="hf_replay_test_token").model_info(repo_id)
        assert authenticated.value.response.status_code == 404
        with pytest.raises(RepositoryNotFoundError) as download:
            hf_hub_download(repo_id, "config.json", cache_dir=tmp_path)
        assert download.value.response.status_code == 401


def test_gated_files_are_401_anonymously_and_403_with_a_token(replay_hub: ReplayHub, tmp_path: Path) -> None:
    repo_id = "gated-org/zh-embedding-gated"
    with pytest.raises(GatedRepoError) as anonymous:
        hf_hub_download(repo_id, "config.json", cache_dir=tmp_path)
    assert anonymous.value.response.status_code == 401
    with pytest.raises(GatedRepoError) as authenticated:
        hf_hub_download(repo_id, "config.json", cache_dir=tmp_path, token="hf_replay_test_token")
    assert authenticated.value.response.status_code == 403 and "not in the authorized list" in str(authenticated.value)


def test_edge_errors_are_html_pages_the_clients_read_past(replay_hub: ReplayHub) -> None:
    replay_hub.faults = FaultPlan([FaultRule("status", path=f"^/api/models/{TINY}", status=503, times=1)])
    page = httpx2.get(f"{replay_hub.url}/api/models/{TINY}")
    assert page.status_code == 503 and page.headers["content-type"] == "text/html"
    assert "The request could not be satisfied" in page.text and "Generated by cloudfront" in page.text
    replay_hub.faults = FaultPlan([FaultRule("status", path=f"^/api/models/{TINY}", status=504, times=1)])
    with pytest.raises(HfHubHTTPError) as err:
        HfApi().model_info(TINY)
    assert err.value.response.status_code == 504 and "<HTML>" not in str(err.value)  # the client drops HTML
    replay_hub.faults = FaultPlan([FaultRule("status", path=f"^/api/models/{TINY}", status=500, times=1)])
    assert httpx2.get(f"{replay_hub.url}/api/models/{TINY}").json() == {"error": "replay Hub injected a 500 error"}


def test_a_listing_survives_html_edge_errors(replay_hub: ReplayHub) -> None:
    replay_hub.page_size = 5
    replay_hub.faults = FaultPlan([FaultRule("status", path=LIST_PATHS, status=502, times=1),
                                   FaultRule("status", path="cursor=", status=504, times=1)])
    cfg = HubConfig(queries=(HubQuery(name="zh", filter=("zh",)),), page_size=5, timeout_seconds=5)
    fetched = fetch_models(cfg, replay_hub.url, sleep=lambda _: None)
    assert len(fetched.items) == 27 and replay_hub.stats()["faults"] == {"status": 2}


def test_lfs_files_are_announced_as_xet_like_on_the_hub(replay_hub: ReplayHub) -> None:
    head = httpx2.head(hf_hub_url(TINY, "model.safetensors"))
    commit = head.headers["x-repo-commit"]
    assert len(head.headers["x-xet-hash"]) == 64
    assert head.links["xet-auth"]["url"] == f"{replay_hub.url}/api/models/{TINY}/xet-read-token/{commit}"
    tree = {e["path"]: e for e in httpx2.get(f"{replay_hub.url}/api/models/{TINY}/tree/main").json()}
    assert tree["model.safetensors"]["xetHash"] == head.headers["x-xet-hash"]
    assert "xetHash" not in tree["config.json"] and "x-xet-hash" not in httpx2.head(hf_hub_url(TINY, "config.json")).headers
    assert httpx2.get(head.links["xet-auth"]["url"]).status_code == 404


XET_SCRIPT = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from huggingface_hub import hf_hub_download
    from huggingface_hub.utils._runtime import is_xet_available

    mode, endpoint, repo, revision, tmp = sys.argv[1:6]
    out = {"xet_on_at_start": is_xet_available()}
    if mode == "stock":
        try:
            path = hf_hub_download(repo, "model.safetensors", revision=revision, endpoint=endpoint, cache_dir=tmp)
            out["bytes"] = Path(path).read_bytes().hex()
        except Exception as exc:
            out["error"] = type(exc).__name__
    else:
        from pipeline.smoke.download import download
        folder = download(repo, revision, endpoint, Path(tmp), allow_pickle=False, allow_remote_code=False)
        out["bytes"] = (folder / "model.safetensors").read_bytes().hex()
    out["xet_on_at_end"] = is_xet_available()
    print(json.dumps(out))
""")


def _production_process(mode: str, hub: ReplayHub, revision: str, cache: Path) -> dict:
    """A fresh interpreter as in production: hf_xet installed, ``HF_HUB_DISABLE_XET`` unset."""
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_DISABLE_XET"}
    proc = subprocess.run([sys.executable, "-c", XET_SCRIPT, mode, hub.url, TINY, revision, str(cache)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_with_hf_xet_installed_and_enabled_the_product_still_downloads_over_http(replay_hub: ReplayHub,
                                                                                 tmp_path: Path) -> None:
    """A stock client takes the Xet path the Hub announces (which the replay Hub does not serve: it fails
    at the token request); the product's download declines it and gets the bytes from the CDN."""
    revision = HfApi().model_info(TINY).sha
    stock = _production_process("stock", replay_hub, revision, tmp_path / "stock")
    assert stock["xet_on_at_start"] is True and "bytes" not in stock
    token_requests = [p for _, p in replay_hub.request_log if "/xet-read-token/" in p]
    assert token_requests and all(p.endswith(revision) for p in token_requests)
    assert replay_hub.cdn_log == []
    replay_hub.request_log.clear()
    product = _production_process("product", replay_hub, revision, tmp_path / "product")
    assert product["xet_on_at_start"] is True and product["xet_on_at_end"] is False
    assert bytes.fromhex(product["bytes"]) == WEIGHTS
    assert not [p for _, p in replay_hub.request_log if "/xet-read-token/" in p]
    assert [(m, p.rsplit("/", 1)[-1]) for m, p, _ in replay_hub.cdn_log] == [("GET", WEIGHTS_SHA256)]


def test_smoke_test_downloads_take_the_cdn_redirect(replay_hub: ReplayHub, tmp_path: Path) -> None:
    from pipeline.smoke.download import download

    revision = HfApi().model_info(TINY).sha
    folder = download(TINY, revision, replay_hub.url, tmp_path, allow_pickle=False, allow_remote_code=False)
    assert (folder / "model.safetensors").read_bytes() == WEIGHTS
    assert ("HEAD", f"/{TINY}/resolve/{revision}/model.safetensors") in replay_hub.request_log
    assert [(m, p.rsplit("/", 1)[-1]) for m, p, _ in replay_hub.cdn_log] == [("GET", WEIGHTS_SHA256)]


def test_the_mteb_results_parquet_takes_the_cdn_redirect(replay_hub: ReplayHub, replay_data: ReplayData,
                                                         tmp_path: Path) -> None:
    from pipeline.cmteb.replay_dataset import mteb_results_versions
    from pipeline.cmteb.sources import HubResults
    from pipeline.config import MtebConfig

    replay_data.add_repo("dataset", "mteb/results", mteb_results_versions(ROOT / "data" / "sources" / "mteb"))
    source = HubResults(MtebConfig(dataset="mteb/results"), replay_hub.url, tmp_path, retry_base_seconds=0.01)
    version = source.version()
    tree = httpx2.get(f"{replay_hub.url}/api/datasets/mteb/results/tree/{version}/data").json()
    parquet = {e["lfs"]["oid"] for e in tree if e["path"].endswith(".parquet")}
    snapshot = source.load(version)
    assert parquet and snapshot.scores.height > 1000
    assert {p.rsplit("/", 1)[-1] for m, p, _ in replay_hub.cdn_log if m == "GET"} == parquet
    assert not [p for _, p in replay_hub.request_log if "/xet-read-token/" in p]
