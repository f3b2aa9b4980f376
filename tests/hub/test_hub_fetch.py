"""The Hub queries against the replay Hub with huggingface_hub's real HTTP stack: pagination, union,
faults the client and the pipeline recover from, and bad items counted instead of crashing."""

from dataclasses import replace
from datetime import date

import pytest

from pipeline.config import HubConfig, HubQuery
from pipeline.hub import HubFetchError, fetch_models, query_params, run_query
from pipeline.replay_hub import FaultPlan, FaultRule
from pipeline.replay_hub.moving import MovingHub
from tests.conftest import build_busy_data

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
    assert params == [("filter", "zh"), ("filter", "sentence-transformers"), ("sort", "createdAt"),
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
    listing, restarts = run_query(replay_hub.url, QUERIES[0], config(), sleep=no_sleep)
    created = [item["createdAt"] for item in listing.items]
    assert created == sorted(created, reverse=True) and restarts == 0
    assert listing.settled and listing.caught_up == 0 and listing.repeated == 0


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


# --- a snapshot of a Hub that moves while it is read (docs/replay-hub.md, "A moving Hub") ---------------

BUSY_QUERIES = (
    HubQuery(name="zh-embedding", filter=("zh",), search="embedding"),
    HubQuery(name="zh-st", filter=("zh", "sentence-transformers")),
)


def busy_config(**kw):
    return HubConfig(queries=BUSY_QUERIES, page_size=50, retry_base_seconds=0.01, timeout_seconds=10, **kw)


def ground_truth(hub, created_by: str | None = None) -> set[str]:
    """What the two queries select on the replay Hub's data as it stands now (after the last page), or
    among the models created up to ``created_by`` (a Hub timestamp)."""
    return {r.repo_id for r in hub.data.listed_models(hub.as_of)
            if ("embedding" in r.repo_id.lower() or "sentence-transformers" in r.record["tags"])
            and (created_by is None or r.record["createdAt"] <= created_by)}


def test_a_snapshot_of_a_moving_hub_misses_nothing_and_repeats_nothing(busy_hub):
    busy_hub.moving = MovingHub(seed=1)
    fetched = fetch_models(busy_config(), busy_hub.url, sleep=no_sleep)
    now, cut_off = ground_truth(busy_hub), ground_truth(busy_hub, fetched.complete_as_of)
    assert cut_off <= set(fetched.items) <= now and len(cut_off) > 550
    assert now - set(fetched.items) <= set(busy_hub.moving.created[-6:])  # created during the final round
    assert fetched.repeated == 0 and fetched.issues == []
    assert fetched.caught_up > 0
    assert fetched.complete_as_of > max(r["createdAt"] for r in build_busy_data().records.values())
    for model_id in cut_off:
        found_by = fetched.found_by[model_id]
        assert ("zh-embedding" in found_by) == ("embedding" in model_id)
        assert ("zh-st" in found_by) == ("sentence-transformers" in busy_hub.data.records[model_id]["tags"])


def test_one_query_is_complete_as_of_its_last_page(busy_hub):
    busy_hub.moving = MovingHub(seed=7)
    cfg = replace(busy_config(), queries=(HubQuery(name="zh", filter=("zh",)),))
    fetched = fetch_models(cfg, busy_hub.url, sleep=no_sleep)
    truth = {r.repo_id for r in busy_hub.data.listed_models(busy_hub.as_of)}
    assert set(fetched.items) == truth and fetched.repeated == 0 and fetched.caught_up > 0


@pytest.mark.parametrize("seed", [2, 3, 4])
def test_completeness_holds_for_other_seeds_and_faster_moves(busy_hub, seed):
    busy_hub.moving = MovingHub(seed=seed, share=0.3, inserts=10, swing=10)
    fetched = fetch_models(busy_config(), busy_hub.url, sleep=no_sleep)
    assert ground_truth(busy_hub, fetched.complete_as_of) <= set(fetched.items) <= ground_truth(busy_hub)
    assert fetched.repeated == 0 and fetched.issues == []


def test_a_hub_creating_models_faster_than_the_catch_up_can_read_is_reported(busy_hub, monkeypatch):
    monkeypatch.setattr("pipeline.hub.CATCH_UP_PASSES", 2)
    busy_hub.moving = MovingHub(seed=1, inserts=55)  # more new models before each page than a page holds
    cfg = replace(busy_config(), queries=(HubQuery(name="zh", filter=("zh",)),))
    fetched = fetch_models(cfg, busy_hub.url, sleep=no_sleep)
    assert [(i.source, i.record_id, i.field, i.action) for i in fetched.issues] == [("hub", "zh", "listing", "kept")]
    assert "still being created after 2 catch-up passes" in fetched.issues[0].problem
    missing = {r.repo_id for r in busy_hub.data.listed_models(busy_hub.as_of)} - set(fetched.items)
    assert missing and missing <= set(busy_hub.moving.created)  # only models created while it was read


def test_a_listing_of_one_page_is_complete_without_a_catch_up(busy_hub):
    busy_hub.moving = MovingHub(seed=1)
    cfg = replace(busy_config(), queries=(HubQuery(name="rerankers", filter=("zh",), search="reranker"),),
                  page_size=1000)
    fetched = fetch_models(cfg, busy_hub.url, sleep=no_sleep)
    assert busy_hub.request_log == [("GET", "/api/models")]
    assert set(fetched.items) == {r.repo_id for r in busy_hub.data.listed_models(busy_hub.as_of)
                                  if "reranker" in r.repo_id}
