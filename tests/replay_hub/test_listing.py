"""GET /api/models through the real HfApi client and raw HTTP: search, filters, the default order, sort and
direction, expand, limit, pagination, as-of."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx2
import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import BadRequestError

from pipeline.replay_hub import ReplayData, ReplayHub
from pipeline.replay_hub.data import parse_hub_datetime

EXPAND = ["downloads", "downloadsAllTime", "likes", "trendingScore", "createdAt", "lastModified",
          "pipeline_tag", "library_name", "tags", "author", "sha", "gated", "cardData", "safetensors"]
SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "hub_samples"
ATTRIBUTE = {"lastModified": "last_modified", "createdAt": "created_at", "trendingScore": "trending_score"}


def test_list_models_filters_search_and_sorts_over_several_pages(replay_hub: ReplayHub) -> None:
    replay_hub.page_size = 5
    models = list(HfApi().list_models(filter=["zh", "sentence-transformers"], search="EMBEDDING",
                                      sort="downloads", expand=EXPAND))
    ids = [m.id for m in models]
    assert all(m.library_name == "sentence-transformers" and "zh" in m.tags for m in models)
    assert all("embedding" in i.lower() for i in ids)
    assert "replay-test/zh-embedding-23" not in ids  # absent on the latest date
    assert "secret-org/zh-embedding-private" not in ids
    assert {"gated-org/zh-embedding-gated", "gone-org/zh-embedding-disabled"}.isdisjoint(ids)  # no ST tag
    assert [m.downloads for m in models] == sorted((m.downloads for m in models), reverse=True)
    assert len(ids) == len(set(ids)) == 12  # the even models 00..22
    pages = replay_hub.request_log.count(("GET", "/api/models"))
    assert pages == 3
    top = models[0]
    assert top.id == "replay-test/zh-embedding-22"
    assert (top.downloads, top.downloads_all_time, top.likes) == (int(22000 * 1.1**2), int(22000 * 1.1**2) * 4, 24)
    assert top.card_data["license"] == "mit" and top.safetensors.total == 23000
    assert len(top.sha) == 40 and top.created_at.year == 2024 and top.gated is False


def test_next_link_is_absolute_and_keeps_every_parameter(replay_hub: ReplayHub) -> None:
    r = httpx2.get(f"{replay_hub.url}/api/models",
                   params=[("filter", "zh"), ("sort", "likes"), ("limit", "4"), ("expand", "likes")])
    next_url = r.links["next"]["url"]
    assert next_url.startswith(f"{replay_hub.url}/api/models?filter=zh&sort=likes&limit=4&expand=likes&cursor=")
    second = httpx2.get(next_url).json()
    likes = [item["likes"] for item in r.json() + second]
    assert likes == sorted(likes, reverse=True)
    assert set(second[0]) == {"_id", "id", "likes"}
    assert not {i["id"] for i in r.json()} & {i["id"] for i in second}


@pytest.mark.parametrize("sort", ["downloads", "likes", "lastModified", "trendingScore", "createdAt"])
def test_each_sort_key_is_descending(replay_hub: ReplayHub, sort: str) -> None:
    replay_hub.page_size = 7
    attr = ATTRIBUTE.get(sort, sort)
    models = list(HfApi().list_models(filter="zh", sort=attr, expand=[sort]))
    values = [getattr(m, attr) for m in models]
    assert len(models) == 27 and values == sorted(values, reverse=True)


def test_filters_author_pipeline_tag_and_comma_lists(replay_hub: ReplayHub) -> None:
    api = HfApi()
    odd = list(api.list_models(pipeline_tag="feature-extraction", author="replay-test"))
    assert len(odd) == 11 and all(int(m.id[-2:]) % 2 for m in odd)
    comma = httpx2.get(f"{replay_hub.url}/api/models", params={"filter": "zh,sentence-transformers"}).json()
    repeated = [m.id for m in api.list_models(filter=["zh", "sentence-transformers"])]
    assert [m["id"] for m in comma] == repeated
    assert [m.id for m in api.list_models(search="E5-SMALL")] == ["intfloat/multilingual-e5-small"]


def test_default_full_carddata_and_config_key_sets(replay_hub: ReplayHub) -> None:
    url = f"{replay_hub.url}/api/models"
    default = httpx2.get(url, params={"search": "embedding-02"}).json()[0]
    assert list(default) == ["_id", "id", "likes", "trendingScore", "private", "downloads", "tags", "pipeline_tag",
                             "library_name", "createdAt", "modelId"]
    full = httpx2.get(url, params={"search": "embedding-02", "full": "True", "cardData": "1"}).json()[0]
    assert {"author", "sha", "lastModified", "gated", "siblings", "cardData"} <= set(full)
    assert full["siblings"] == [{"rfilename": "README.md"}, {"rfilename": "config.json"}]
    assert "downloadsAllTime" not in full
    models = list(HfApi().list_models(search="embedding-02", full=True, cardData=True, fetch_config=True))
    assert models[0].siblings[0].rfilename == "README.md" and models[0].card_data.license == "mit"


def test_unknown_expand_and_bad_cursor_are_400(replay_hub: ReplayHub) -> None:
    with pytest.raises(BadRequestError):
        list(HfApi().list_models(expand=["downloads", "notAField"]))
    r = httpx2.get(f"{replay_hub.url}/api/models", params={"cursor": "bm90IGEgY3Vyc29y"})
    assert r.status_code == 400 and "cursor" in r.json()["error"]
    assert httpx2.get(f"{replay_hub.url}/api/models", params={"limit": "-1"}).status_code == 400


def test_as_of_switches_listing_and_counters(replay_hub: ReplayHub) -> None:
    api = HfApi()

    def downloads() -> dict[str, int]:
        return {m.id: m.downloads for m in api.list_models(author="replay-test", expand=["downloads"])}

    replay_hub.as_of = date(2025, 1, 8)  # serves the 2025-01-06 row
    first = downloads()
    assert "replay-test/zh-embedding-00" not in first and first["replay-test/zh-embedding-23"] == 23000
    replay_hub.as_of = date(2025, 1, 13)
    second = downloads()
    assert "replay-test/zh-embedding-00" in second and second["replay-test/zh-embedding-05"] == int(5000 * 1.1)
    replay_hub.as_of = date(2024, 12, 31)  # before the first recorded date: an empty Hub
    assert downloads() == {}
    assert replay_hub.stats()["snapshot_date"] is None


# --- what the Hub does with the parameters a client controls (docs/replay-hub.md, "Listing") -------------


def test_without_sort_the_listing_is_trending_first(replay_hub: ReplayHub) -> None:
    """The Hub's default order is its "Trending" one: a live ``GET /api/models?limit=1`` starts with a
    days-old model with a huge trending score and 2 downloads (tests/fixtures/hub_samples/README.md)."""
    replay_hub.page_size = 6
    models = list(HfApi().list_models(filter="zh", expand=["trendingScore"]))
    scores = [m.trending_score for m in models]
    assert len(models) == 27 and scores == sorted(scores, reverse=True)
    raw = httpx2.get(f"{replay_hub.url}/api/models", params={"filter": "zh", "limit": "27"}).json()
    assert [m["id"] for m in raw] == [m.id for m in models]


@pytest.mark.parametrize("sort", ["downloads", "likes", "trendingScore", "lastModified"])
def test_ascending_order_is_refused_for_counters_and_last_modified(replay_hub: ReplayHub, sort: str) -> None:
    """``direction=1`` changes nothing for these keys: the answer is the descending one (PR #3630)."""
    url = f"{replay_hub.url}/api/models"
    asked = httpx2.get(url, params={"filter": "zh", "sort": sort, "direction": "1", "expand": sort}).json()
    plain = httpx2.get(url, params={"filter": "zh", "sort": sort, "expand": sort}).json()
    assert [m["id"] for m in asked] == [m["id"] for m in plain]
    values = [m[sort] for m in asked]
    assert values == sorted(values, reverse=True) and values[0] != values[-1]


def test_creation_date_can_be_read_oldest_first_across_pages(replay_hub: ReplayHub) -> None:
    url = f"{replay_hub.url}/api/models"
    params = [("filter", "zh"), ("sort", "createdAt"), ("direction", "1"), ("limit", "4"), ("expand", "createdAt")]
    r = httpx2.get(url, params=params)
    items = r.json()
    while "next" in r.links:
        assert "direction=1" in r.links["next"]["url"]
        r = httpx2.get(r.links["next"]["url"])
        items += r.json()
    created = [(m["createdAt"], m["_id"]) for m in items]
    assert len(items) == 27 and created == sorted(created)
    newest_first = httpx2.get(url, params={"filter": "zh", "sort": "createdAt", "direction": "-1",
                                           "expand": "createdAt", "limit": "27"}).json()
    ties_by_id = [(m["createdAt"], m["_id"]) for m in newest_first]
    assert ties_by_id == sorted(ties_by_id, key=lambda c: (-parse_hub_datetime(c[0]).timestamp(), c[1]))


def test_an_unknown_sort_key_is_a_400(replay_hub: ReplayHub) -> None:
    with pytest.raises(BadRequestError, match="Invalid sort parameter: size"):
        list(HfApi().list_models(sort="size"))  # type: ignore[arg-type]


def test_expand_array_syntax_empty_values_and_xet_enabled(replay_hub: ReplayHub) -> None:
    url = f"{replay_hub.url}/api/models"
    bracketed = httpx2.get(url, params={"search": "embedding-02", "expand[]": "downloads"}).json()
    repeated = httpx2.get(url, params={"search": "embedding-02", "expand": "downloads"}).json()
    assert bracketed == repeated and set(bracketed[0]) == {"_id", "id", "downloads"}
    empty = httpx2.get(url, params={"search": "embedding-02", "expand[]": ""})
    assert empty.status_code == 400 and empty.json() == {"error": '"expand[0]" is not allowed to be empty'}
    with pytest.raises(BadRequestError, match=r'"expand\[1\]" must be one of \['):
        list(HfApi().list_models(expand=["downloads", "notAField"]))  # type: ignore[list-item]
    with pytest.raises(BadRequestError, match="not allowed to be empty"):
        list(HfApi().list_models(expand=[""]))  # type: ignore[list-item]
    listed = next(iter(HfApi().list_models(search="embedding-02", expand=["xetEnabled"])))  # type: ignore[list-item]
    assert listed.xetEnabled is True  # kept by ModelInfo as an extra attribute


def test_xet_enabled_answers_in_the_shape_the_hub_recorded(replay_hub: ReplayHub) -> None:
    recorded = json.loads((SAMPLES / "real_spaces__user__tmp_test_space__revision__main_Q_expand-xetEnabled__200"
                                     ".body.txt").read_text())
    ours = httpx2.get(f"{replay_hub.url}/api/models/replay-test/tiny-repo/revision/main",
                      params={"expand": "xetEnabled"}).json()
    assert list(ours) == list(recorded) == ["_id", "id", "xetEnabled"]
    assert isinstance(ours["xetEnabled"], bool) and len(ours["_id"]) == 24


@pytest.fixture(scope="module")
def many_models_hub() -> Iterator[ReplayHub]:
    """2,100 models (counters in the records, no history), the server's default page of 1,000."""
    models = [{"id": f"bulk/zh-model-{i:04d}", "tags": ["zh"], "downloads": i, "trendingScore": i % 13}
              for i in range(2100)]
    with ReplayHub(ReplayData(models=models), port=0) as hub:
        yield hub


def test_a_limit_above_1000_is_served_1000_at_a_time(many_models_hub: ReplayHub) -> None:
    """The Hub serves at most 1,000 items a page and links the rest, so ``list_models(limit=1500)``
    (which sends ``limit=1500`` and stops after 1,500 items) still gets 1,500 (issue #2581's
    ``limit=5000`` listing paged past 2,000 items)."""
    r = httpx2.get(f"{many_models_hub.url}/api/models", params={"limit": "5000", "sort": "downloads"})
    assert len(r.json()) == 1000 and "limit=5000" in r.links["next"]["url"]
    many_models_hub.request_log.clear()
    models = list(HfApi(endpoint=many_models_hub.url).list_models(sort="downloads", limit=1500))
    assert len(models) == len({m.id for m in models}) == 1500
    assert [m.downloads for m in models] == list(range(2099, 599, -1))
    assert many_models_hub.request_log == [("GET", "/api/models")] * 2
    assert httpx2.get(f"{many_models_hub.url}/api/models", params={"limit": "abc"}).status_code == 400
