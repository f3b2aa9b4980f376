"""Fault injection, as the real clients experience it (client waits are kept to about one second)."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import httpx2
import pytest
from huggingface_hub import HfApi, hf_hub_download, hf_hub_url
from huggingface_hub.errors import BadRequestError, HfHubHTTPError

from pipeline.replay_hub import FaultPlan, FaultRule, ReplayHub

TINY = "replay-test/tiny-repo"
LIST = r"^/api/models(\?|$)"


def test_429_with_retry_after_is_waited_out_by_the_client(replay_hub: ReplayHub) -> None:
    replay_hub.faults = FaultPlan([FaultRule("status", path=LIST, status=429, retry_after=0, times=1)])
    started = time.monotonic()
    models = list(HfApi().list_models(author="replay-test"))
    assert len(models) == 24 and time.monotonic() - started >= 1.0  # Retry-After 0 -> the client waits 1 s
    assert replay_hub.stats()["faults"] == {"status": 1}
    assert replay_hub.request_log.count(("GET", "/api/models")) == 2


def test_429_with_ratelimit_header_on_a_later_page(replay_hub: ReplayHub) -> None:
    replay_hub.page_size = 10
    replay_hub.faults = FaultPlan([FaultRule("status", path=r"cursor=", status=429, ratelimit_reset=0, times=1)])
    assert len(list(HfApi().list_models(author="replay-test"))) == 24
    assert replay_hub.fault_log[0]["detail"] == "status 429" and "cursor=" in replay_hub.fault_log[0]["target"]


def test_model_info_is_not_retried_and_reports_the_rate_limit(replay_hub: ReplayHub) -> None:
    replay_hub.faults = FaultPlan([FaultRule("status", status=429, ratelimit_reset=7, times=1)])
    with pytest.raises(HfHubHTTPError) as err:
        HfApi().model_info(TINY)
    assert err.value.response.status_code == 429 and "Retry after 7 seconds" in str(err.value)
    assert HfApi().model_info(TINY).sha  # budget spent: served normally again


@pytest.mark.parametrize("status", [500, 503])
def test_5xx_on_a_page_is_retried_with_backoff(replay_hub: ReplayHub, status: int) -> None:
    replay_hub.page_size = 10
    replay_hub.faults = FaultPlan([FaultRule("status", path=LIST, status=status, after=1, times=1)])
    assert len(list(HfApi().list_models(author="replay-test"))) == 24
    assert replay_hub.request_log.count(("GET", "/api/models")) == 4


def test_503_on_the_file_metadata_request_is_retried(replay_hub: ReplayHub, tmp_path: Path) -> None:
    replay_hub.faults = FaultPlan([FaultRule("status", method="HEAD", path="/resolve/", status=503, times=1)])
    path = hf_hub_download(TINY, "config.json", cache_dir=tmp_path)
    assert Path(path).read_bytes() == b'{"hidden_size": 8}\n'
    assert [m for m, p in replay_hub.request_log if "/resolve/" in p] == ["HEAD", "HEAD", "GET"]


def test_delay_beyond_the_client_timeout_is_a_timeout(replay_hub: ReplayHub) -> None:
    replay_hub.faults = FaultPlan([FaultRule("delay", path=f"/api/models/{TINY}", seconds=1.0, times=2)])
    with pytest.raises(httpx2.TimeoutException):
        HfApi().model_info(TINY, timeout=0.3)
    assert HfApi().model_info(TINY, timeout=5).sha  # the second delayed answer is slow but arrives
    assert replay_hub.stats()["faults"] == {"delay": 2}


def test_truncated_body(replay_hub: ReplayHub, tmp_path: Path) -> None:
    replay_hub.faults = FaultPlan([FaultRule("truncate", path=LIST, keep=0.5, times=1)])
    with pytest.raises(json.JSONDecodeError):
        list(HfApi().list_models(author="replay-test"))
    replay_hub.faults = FaultPlan([FaultRule("truncate", method="GET", path="model.safetensors", times=1)])
    with pytest.raises(OSError, match="Consistency check failed"):
        hf_hub_download(TINY, "model.safetensors", cache_dir=tmp_path)


def test_dropped_connection_is_resumed_with_a_range_request(replay_hub: ReplayHub, tmp_path: Path) -> None:
    replay_hub.faults = FaultPlan([FaultRule("drop", method="GET", path="config.json", keep=0.25, times=1)])
    path = hf_hub_download(TINY, "config.json", cache_dir=tmp_path)
    assert Path(path).read_bytes() == b'{"hidden_size": 8}\n'
    assert replay_hub.fault_log[0]["detail"] == "connection closed after 4 of 19 bytes"
    assert replay_hub.request_log.count(("GET", f"/{TINY}/resolve/main/config.json")) == 2


def test_dropped_list_page_is_retried(replay_hub: ReplayHub) -> None:
    replay_hub.faults = FaultPlan([FaultRule("drop", path=LIST, times=1)])
    assert len(list(HfApi().list_models(author="replay-test"))) == 24


def test_malformed_items(replay_hub: ReplayHub) -> None:
    replay_hub.faults = FaultPlan([FaultRule("malformed_item", path=LIST, variant="missing_id", times=1)])
    with pytest.raises(KeyError, match="id"):
        list(HfApi().list_models(author="replay-test"))
    replay_hub.faults = FaultPlan([FaultRule("malformed_item", path=LIST, variant="wrong_types", times=1)], seed=3)
    items = httpx2.get(f"{replay_hub.url}/api/models", params={"author": "replay-test"}).json()
    bad = [i for i in items if i.get("downloads") == "many"]
    assert len(bad) == 1 and bad[0]["tags"] == "zh" and bad[0]["id"] in replay_hub.fault_log[-1]["detail"]
    assert len(items) == 24


def test_broken_cursor_is_rejected_by_the_server(replay_hub: ReplayHub) -> None:
    replay_hub.page_size = 10
    replay_hub.faults = FaultPlan([FaultRule("broken_cursor", times=1)])
    with pytest.raises(BadRequestError, match="cursor"):
        list(HfApi().list_models(author="replay-test"))
    assert replay_hub.stats()["faults"] == {"broken_cursor": 1}


def test_faults_need_something_to_act_on(replay_hub: ReplayHub) -> None:
    """A last page has no next link, a HEAD no body: such faults do not fire and are not counted."""
    replay_hub.faults = FaultPlan([FaultRule("broken_cursor"), FaultRule("truncate", method="HEAD")])
    assert len(list(HfApi().list_models(author="replay-test"))) == 24
    assert httpx2.head(hf_hub_url(TINY, "config.json")).headers["content-length"] == "19"
    assert replay_hub.fault_log == []


def _fault_pattern(hub: ReplayHub, seed: int) -> list[str]:
    hub.fault_log.clear()
    hub.faults = FaultPlan.random(seed=seed, rate=0.3, kinds=["status", "truncate", "malformed_item"])
    with httpx2.Client() as client:
        for n in range(60):
            client.get(f"{hub.url}/api/models", params={"author": "replay-test", "limit": "5", "n": str(n)})
    return [f"{e['target'].rsplit('=', 1)[1]}:{e['kind']}:{e['detail']}" for e in hub.fault_log]


def test_random_plan_is_reproducible_for_a_seed(replay_hub: ReplayHub) -> None:
    first, again, other = (_fault_pattern(replay_hub, s) for s in (7, 7, 8))
    assert first == again and first != other
    assert 8 <= len(first) <= 30  # about 30 % of 60 requests
    assert {entry.split(":")[1] for entry in first} == {"status", "truncate", "malformed_item"}


def test_plan_round_trips_through_a_dict_and_validates() -> None:
    plan = FaultPlan.random(seed=1, rate=0.1)
    assert FaultPlan.from_dict(plan.to_dict()).to_dict() == plan.to_dict()
    with pytest.raises(ValueError, match="fault kind"):
        FaultRule("explode")
    with pytest.raises(ValueError, match="keys among"):
        FaultPlan.from_dict({"rules": [{"kind": "status", "colour": "red"}]})


def test_admin_endpoints_control_a_running_hub(replay_hub: ReplayHub) -> None:
    admin = f"{replay_hub.url}/_replay"
    stats = httpx2.post(f"{admin}/as-of", json={"date": "2025-01-13"}).json()
    assert replay_hub.as_of == date(2025, 1, 13) and stats["snapshot_date"] == "2025-01-13"
    plan = {"rules": [{"kind": "status", "status": 500, "path": "^/api/models/", "times": 1}]}
    assert httpx2.post(f"{admin}/faults", json=plan).json()["rules"][0]["status"] == 500
    assert httpx2.get(f"{replay_hub.url}/api/models/{TINY}").status_code == 500
    assert httpx2.get(f"{admin}/stats").json() == {"requests": 1, "cdn_requests": 0, "faults": {"status": 1},
                                                   "as_of": "2025-01-13", "snapshot_date": "2025-01-13",
                                                   "moving": None}
    assert httpx2.post(f"{admin}/faults", json={}).json() == {} and replay_hub.faults is None
    assert httpx2.post(f"{admin}/as-of", json={"date": None}).json()["snapshot_date"] == "2025-01-20"
    assert httpx2.post(f"{admin}/as-of", json={"date": "13/01/2025"}).status_code == 400
    assert httpx2.post(f"{admin}/faults", json={"rules": [{"kind": "nope"}]}).status_code == 400
