"""Both sources with real clients: the HF dataset through huggingface_hub and the replay Hub, and a checkout."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from huggingface_hub.errors import HfHubHTTPError

from pipeline.cmteb.replay_dataset import DEMO_DATES
from pipeline.cmteb.sources import CheckoutResults, HubResults, git_head
from pipeline.config import MtebConfig
from pipeline.replay_hub import FaultPlan, FaultRule, RepoVersion
from tests.cmteb.helpers import write_tree


@pytest.fixture
def hub_source(replay_hub, mteb_dataset, tmp_path):
    return HubResults(MtebConfig(dataset=mteb_dataset), replay_hub.url, tmp_path, retry_base_seconds=0.01)


def test_the_dataset_commit_follows_the_replayed_date(replay_hub, hub_source):
    commits = []
    for day in (date(2026, 8, 31), date(2026, 9, 7), *DEMO_DATES):
        replay_hub.as_of = day
        commits.append(hub_source.version())
    assert commits[0] == commits[1] and len(set(commits)) == 4
    assert all(len(c) == 40 for c in commits)


def test_the_hub_source_reads_scores_metadata_and_the_legacy_metrics(replay_hub, hub_source, checkout_snapshot):
    snapshot = hub_source.load(hub_source.version())
    assert snapshot.source == "hub:mteb/results" and snapshot.version == hub_source.version()
    key = ["model_name", "revision", "task_name", "split", "subset"]
    cols = [*key, "score", "ap_score", "map_score"]
    hub = snapshot.scores.select(cols).sort(key)
    checkout = checkout_snapshot.scores.select(cols).sort(key)
    # every pair-classification AP and every pre-1.11 reranking map reached the Hub source too
    assert hub.filter(pl.col("ap_score").is_not_null()).height == 170
    assert hub.filter(pl.col("map_score").is_not_null()).height == 44
    assert hub.select(*key, "score").equals(checkout.select(*key, "score"))
    assert hub.filter(pl.col("ap_score").is_not_null()).equals(checkout.filter(pl.col("ap_score").is_not_null()))
    metas = {m.model_name: m for m in snapshot.metas}
    assert metas["Qwen/Qwen3-Embedding-0.6B"].n_parameters == 595776512
    assert metas["Qwen/Qwen3-Embedding-0.6B"].embed_dim == 1024
    assert snapshot.details["tree_files_found"] > 400


def test_failing_requests_are_retried_and_a_persistent_failure_raised(replay_hub, hub_source):
    replay_hub.faults = FaultPlan(rules=[FaultRule(kind="status", status=503, path=r"/api/datasets/", times=2)])
    assert len(hub_source.version()) == 40
    assert len(replay_hub.fault_log) == 2
    replay_hub.faults = FaultPlan(rules=[FaultRule(kind="status", status=500, path=r"/api/datasets/")])
    with pytest.raises(HfHubHTTPError, match="500"):
        hub_source.version()
    assert len(replay_hub.fault_log) == 2 + 4


def test_a_dataset_without_the_results_tree_still_gives_scores(replay_data, replay_hub, mteb_versions, tmp_path):
    parquet_only = {k: v for k, v in mteb_versions[-1].files.items() if not k.startswith("results/")}
    replay_data.add_repo("dataset", "radar-test/mteb-parquet-only", [RepoVersion(None, parquet_only)])
    source = HubResults(MtebConfig(dataset="radar-test/mteb-parquet-only"), replay_hub.url, tmp_path)
    snapshot = source.load(source.version())
    assert snapshot.scores.height == 5753 and snapshot.metas == []
    assert snapshot.scores["ap_score"].is_null().all()
    assert snapshot.details["tree_files_found"] == 0 and snapshot.details["tree_files_wanted"] > 400


def test_a_checkout_reads_both_formats_and_names_its_git_commit(bundle, checkout_dir, checkout_snapshot):
    formats = checkout_snapshot.scores.group_by("file_format").len()
    assert dict(formats.iter_rows()) == {"current": 5380, "pre_1.11": 373}
    assert checkout_snapshot.version.startswith("sha1:")
    git = checkout_dir / ".git"
    (git / "refs" / "heads").mkdir(parents=True, exist_ok=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "packed-refs").write_text("# pack-refs\n" + "f4cc6c8b" * 5 + " refs/heads/main\n")
    try:
        assert git_head(checkout_dir) == "f4cc6c8b" * 5
        assert CheckoutResults(checkout_dir).version() == "git:" + "f4cc6c8b" * 5
    finally:
        for path in (git / "HEAD", git / "packed-refs"):
            path.unlink()


def test_experiment_folders_are_skipped_and_counted(tmp_path):
    body = (b'{"task_name": "TNews", "mteb_version": "1.38.0", "scores": {"validation": [{"hf_subset": "default",'
            b' "main_score": 0.5}]}}')
    write_tree({"org__m/" + "a" * 40 + "/TNews.json": body,
                "org__m/" + "a" * 40 + "/experiments/big-batch/TNews.json": body}, tmp_path)
    snapshot = CheckoutResults(tmp_path).load("v")
    assert snapshot.scores.height == 1 and snapshot.details["experiment_folders_skipped"] == 1
