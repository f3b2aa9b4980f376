"""The Hub queries against the replay Hub with huggingface_hub's real HTTP stack: pagination, union,
faults the client and the pipeline recover from, and bad items counted instead of crashing."""

from dataclasses import replace
from datetime import date

import pytest

from pipeline.config import HubConfig, HubQuery
from pipeline.hub import HubFetchError, fetch_models, query_params, run_query
from pipeline.replay_hub import FaultPlan, FaultRule

DAY = date(2025, 1, 20)
QUERIES = (
    HubQuery(name="zh-embedding", filter=("zh",), search="embedding"),
    HubQuery(name="zh-st", filter=("zh", "sentence-transformers")),
)


def config(**kw):
    return HubConfig(queries=QUERIES, page_size=5, retry_base_seconds=0.01, timeout_seconds=5, **kw)


def no_sleep(_):
    return None


def test_params_are_what_list_models_sends():
    params = query_params(QUERIES[1], 100, ("downloads", "likes"))
    assert params == [("filter", "zh"), ("filter", "sentence-transformers"), ("sort", "downloads"),
                      ("limit", 100), ("expand", "downloads"), ("expand", "likes")]


def test_union_over_several_pages_records_which_queries_found_each_model(replay_hub):
    replay_hub.as_of = DAY
    fetched = fetch_models(config(), replay_hub.url, sleep=no_sleep)
    # 23 replay-test models are listed on the last date; plus e5 (zh + sentence-transformers + "embedding" in no id)
    assert fetched.pages > 5
    assert fetched.found_by["replay-test/zh-embedding-02"] == ["zh-embedding", "zh-st"]
    assert fetched.found_by["replay-test/zh-embedding-01"] == ["zh-embedding"]
    assert "replay-test/zh-embedding-23" not in fetched.items      # gone on the last date
    assert fetched.items["replay-test/zh-embedding-05"]["downloadsAllTime"] == int(1000 * 5 * 1.1 ** 2) * 4
    assert fetched.issues == [] and fetched.query_retries == 0
    first = [i["id"] for i in run_query(replay_hub.url, QUERIES[0], config(), sleep=no_sleep)[0]]
    downloads = [fetched.items[m]["downloads"] for m in first]
    assert downloads == sorted(downloads, reverse=True)


@pytest.mark.parametrize(
    "rule",
    [
        FaultRule(kind="status", status=429, retry_after=1, path=r"^/api/models\?", times=1),
        FaultRule(kind="status", status=500, path="cursor=", times=1),
        FaultRule(kind="status", status=503, path="cursor=", times=2),
        FaultRule(kind="truncate", path="cursor=", times=1),
        FaultRule(kind="drop", path="cursor=", times=1),
        FaultRule(kind="broken_cursor", path=r"^/api/models\?", after=1, times=1),
        FaultRule(kind="delay", seconds=3, path="cursor=", times=1),
    ],
    ids=["429-retry-after", "500", "503-twice", "truncated-body", "dropped-connection", "broken-cursor", "timeout"],
)
def test_faults_are_survived_with_identical_results(replay_hub, rule):
    replay_hub.as_of = DAY
    clean = fetch_models(config(), replay_hub.url, sleep=no_sleep)
    replay_hub.faults = FaultPlan(rules=[rule])
    cfg = config() if rule.kind != "delay" else replace(config(), timeout_seconds=1)
    faulty = fetch_models(cfg, replay_hub.url, sleep=no_sleep)
    assert sum(replay_hub.stats()["faults"].values()) >= 1
    assert faulty.items == clean.items and faulty.found_by == clean.found_by


def test_a_malformed_item_is_counted_not_fatal(replay_hub):
    replay_hub.as_of = DAY
    replay_hub.faults = FaultPlan(rules=[FaultRule(kind="malformed_item", variant="missing_id", path=r"^/api/models\?", times=1)])
    fetched = fetch_models(config(), replay_hub.url, sleep=no_sleep)
    assert [(i.field, i.action) for i in fetched.issues] == [("id", "rejected")]
    assert len(fetched.items) >= 20


def test_a_hub_that_keeps_failing_gives_one_clear_error(replay_hub):
    replay_hub.faults = FaultPlan(rules=[FaultRule(kind="status", status=400, path=r"^/api/models")])
    with pytest.raises(HubFetchError, match="query 'zh-embedding' failed after 2 attempts"):
        fetch_models(replace(config(), query_attempts=2), replay_hub.url, sleep=no_sleep)
