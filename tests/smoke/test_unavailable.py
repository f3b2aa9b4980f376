"""Weights the endpoint will not hand out are "not available", never a failure: a gated repository without
a token, a disabled one, one that serves its metadata only. The real huggingface_hub client against a
replay Hub serving the tiny test model under those conditions; no worker is started for any of them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.config import SmokeConfig
from pipeline.replay_hub import ReplayData, ReplayHub, RepoVersion
from pipeline.smoke.execute import SmokeSettings, smoke_model
from pipeline.smoke.select import Candidate, fetch_listings, plan, valid_ids

GATED, DISABLED, METADATA_ONLY = "locked-org/tiny-gated", "gone-org/tiny-disabled", "meta-org/tiny-card-only"


@pytest.fixture(scope="module")
def hub(test_repos: dict[str, Path]) -> Iterator[ReplayHub]:
    data = ReplayData(models=[{"id": GATED, "gated": "manual"}, {"id": DISABLED, "disabled": True},
                              {"id": METADATA_ONLY, "tags": ["zh"]}])
    tiny = test_repos["radar-test/tiny-zh-embed"]
    for repo_id in (GATED, DISABLED):
        data.add_repo("model", repo_id, [RepoVersion.from_dir(tiny)])
    data.add_repo("model", METADATA_ONLY, [RepoVersion(None, {"README.md": b"# card\n", "config.json": b"{}"})])
    with ReplayHub(data, port=0) as replay:
        yield replay


def test_weights_the_endpoint_does_not_serve_are_not_available_not_failed(hub: ReplayHub, tmp_path: Path):
    found = [Candidate(m, ("configured",)) for m in (GATED, DISABLED, METADATA_ONLY)]
    planned = plan(found, fetch_listings(hub.url, valid_ids(found)), set(), SmokeConfig())
    recorded = {r.model_id: (r.status, r.failure_class) for r in planned.recorded}
    assert recorded == {DISABLED: ("unavailable", "disabled"), METADATA_ONLY: ("unavailable", "no_weights")}
    assert [t.model_id for t in planned.targets] == [GATED]   # its card and file list are public
    settings = SmokeSettings(endpoint=hub.url, cache_dir=tmp_path / "models", timeout_seconds=60, memory_mb=2000,
                             threads=1, batch_size=8)
    result = smoke_model(planned.targets[0], settings)
    assert (result.status, result.failure_class) == ("unavailable", "gated")
    assert result.loads_transformers is None and result.sentences_per_second is None   # no worker ran
