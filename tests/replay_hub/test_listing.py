"""GET /api/models through the real HfApi client: search, filters, sort, expand, pagination, as-of."""

from __future__ import annotations

from datetime import date

import httpx2
import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import BadRequestError

from pipeline.replay_hub import ReplayHub

EXPAND = ["downloads", "downloadsAllTime", "likes", "trendingScore", "createdAt", "lastModified",
          "pipeline_tag", "library_name", "tags", "author", "sha", "gated", "cardData", "safetensors"]
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
