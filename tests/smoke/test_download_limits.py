"""Smoke downloads are streamed under a byte cap and a wall-time limit that abort the download itself,
through huggingface_hub's real snapshot_download against the replay Hub."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from huggingface_hub import HfApi

from pipeline.replay_hub import FaultPlan, FaultRule
from pipeline.smoke.download import DownloadLimitExceeded, download
from pipeline.smoke.execute import SmokeSettings, smoke_model
from pipeline.smoke.select import Target

REPO = "radar-test/tiny-zh-embed"   # ~1.2 MB, most of it model.safetensors


def sha(hub) -> str:
    return HfApi(endpoint=hub.url).model_info(REPO).sha


def fetched_bytes(cache: Path) -> int:
    """Bytes of complete files in the cache (an aborted download leaves at most an ``.incomplete`` part)."""
    return sum(p.stat().st_size for p in cache.rglob("*")
               if p.is_file() and not p.is_symlink() and not p.name.endswith(".incomplete"))


def test_a_download_past_its_byte_cap_is_aborted_mid_stream(smoke_hub, tmp_path):
    with pytest.raises(DownloadLimitExceeded, match=r"passed its 0\.2 MB cap") as stopped:
        download(REPO, sha(smoke_hub), smoke_hub.url, tmp_path, allow_pickle=False, allow_remote_code=False,
                 max_bytes=200_000)
    assert stopped.value.limit == "bytes"
    assert fetched_bytes(tmp_path) < 200_000
    assert not list(tmp_path.rglob("model.safetensors"))


def test_a_download_past_its_wall_time_is_aborted(smoke_hub, tmp_path):
    smoke_hub.faults = FaultPlan(rules=[FaultRule(kind="delay", seconds=2, path=r"/resolve/.*model\.safetensors",
                                                  method="GET")])
    started = time.perf_counter()
    try:
        with pytest.raises(DownloadLimitExceeded, match="still running after the 0.5 s limit") as stopped:
            download(REPO, sha(smoke_hub), smoke_hub.url, tmp_path, allow_pickle=False, allow_remote_code=False,
                     seconds=0.5)
    finally:
        smoke_hub.faults = FaultPlan(rules=[])
    assert stopped.value.limit == "time" and time.perf_counter() - started < 8
    assert not list(tmp_path.rglob("model.safetensors"))


def test_within_its_limits_a_download_is_whole(smoke_hub, tmp_path):
    folder = download(REPO, sha(smoke_hub), smoke_hub.url, tmp_path, allow_pickle=False, allow_remote_code=False,
                      max_bytes=2_000_000, seconds=60)
    assert (folder / "model.safetensors").stat().st_size > 1_000_000


def test_a_model_that_sends_more_than_its_listing_promised_is_recorded_as_too_large(smoke_hub, tmp_path):
    """The plan reserved what the listing announced; a server that sends more is cut off at that (+1 MB)."""
    target = Target(REPO, sha(smoke_hub), ("requested",), download_bytes=100_000)
    settings = SmokeSettings(endpoint=smoke_hub.url, cache_dir=tmp_path, timeout_seconds=60, memory_mb=1000,
                             threads=1, batch_size=4)
    result = smoke_model(target, settings)
    assert (result.status, result.failure_class) == ("skipped", "too_large")
    assert "cap" in result.error and "aborted" in result.error
