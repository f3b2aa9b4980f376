"""The moving-Hub mode: counters change and models are created between listing pages, seeded and undone."""

from __future__ import annotations

import httpx2
import pytest
from huggingface_hub import HfApi

from pipeline.replay_hub import ReplayHub
from pipeline.replay_hub.moving import MovingHub
from tests.conftest import BUSY_DAY


def _pages(hub: ReplayHub, sort: str = "downloads") -> list[list[tuple[str, int]]]:
    """Every page of a raw listing as (id, downloads) pairs, following the next links."""
    r = httpx2.get(f"{hub.url}/api/models", params={"filter": "zh", "sort": sort, "expand": "downloads"})
    pages = [r.json()]
    while "next" in r.links:
        r = httpx2.get(r.links["next"]["url"])
        pages.append(r.json())
    return [[(m["id"], m["downloads"]) for m in page] for page in pages]


def _state(hub: ReplayHub) -> dict[str, tuple]:
    return {r.repo_id: (r.stats, r.record["createdAt"]) for r in hub.data.listed_models(BUSY_DAY)}


def test_the_same_seed_moves_the_hub_the_same_way_and_undo_restores_it(busy_hub: ReplayHub) -> None:
    before = _state(busy_hub)
    busy_hub.moving = MovingHub(seed=11)
    first = _pages(busy_hub)
    after_first = _state(busy_hub)
    busy_hub.stop_moving()
    assert _state(busy_hub) == before
    busy_hub.moving = MovingHub(seed=11)
    assert _pages(busy_hub) == first and _state(busy_hub) == after_first
    busy_hub.stop_moving()
    busy_hub.moving = MovingHub(seed=12)
    assert _pages(busy_hub) != first
    stats = busy_hub.stats()["moving"]
    assert stats["pages"] == 13 and stats["created"] == 3 * 13 and stats["moved"] >= 13 * 30  # 5 % of 600+
    busy_hub.reset()
    assert _state(busy_hub) == before and busy_hub.moving is None


def test_counters_move_between_pages_and_new_models_are_newest(busy_hub: ReplayHub) -> None:
    before = _state(busy_hub)
    busy_hub.moving = MovingHub(seed=5, share=0.1, inserts=2)
    _pages(busy_hub)
    after = _state(busy_hub)
    created = set(after) - set(before)
    changed = {m for m in before if after[m][0] != before[m][0]}
    assert len(created) == 2 * 13 and len(changed) > 300
    newest = max(c for _, c in before.values())
    assert all(after[m][1] > newest for m in created)
    assert all("-moved-5-" in m and m.split("-moved-")[0] in {x.split("/")[0] + "/" + x.split("/")[1] for x in before}
               for m in created)


def test_a_listing_sorted_by_a_counter_skips_and_repeats_models_while_the_hub_moves(busy_hub: ReplayHub) -> None:
    """What the mode is for: the keyset cursor of a downloads-sorted listing loses models and serves
    others twice when downloads change between pages (here through the real client)."""
    busy_hub.moving = MovingHub(seed=1)
    ids = [m.id for m in HfApi(endpoint=busy_hub.url).list_models(filter="zh", sort="downloads")]
    truth = set(_state(busy_hub))
    assert len(ids) - len(set(ids)) > 0
    assert truth - set(ids)
    busy_hub.stop_moving()
    still = [m.id for m in HfApi(endpoint=busy_hub.url).list_models(filter="zh", sort="downloads")]
    assert len(still) == len(set(still)) == 600


def test_admin_endpoint_starts_and_stops_the_moving_mode(busy_hub: ReplayHub) -> None:
    admin = f"{busy_hub.url}/_replay/moving"
    before = _state(busy_hub)
    assert httpx2.post(admin, json={"seed": 4, "share": 0.2, "inserts": 1}).json()["seed"] == 4
    _pages(busy_hub)
    assert httpx2.get(f"{busy_hub.url}/_replay/stats").json()["moving"]["created"] == 13
    assert httpx2.post(admin, json={}).json() == {} and busy_hub.moving is None
    assert _state(busy_hub) == before
    assert httpx2.post(admin, json={"seed": 1, "speed": 3}).status_code == 400
    with pytest.raises(ValueError, match="share"):
        MovingHub(share=2)
