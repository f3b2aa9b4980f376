"""The replay Hub's recorded demo data: reproducible from its script, and internally consistent.

The demo and many integration tests replay ``data/demo/hub/``; if the committed files drift from
``scripts/build_demo_data.py``, or a count goes backwards where nothing documents why, every trend and
ranking computed from them is quietly wrong. These tests regenerate the files and check the invariants
the data README promises.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import math
import re
import statistics
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from huggingface_hub.hf_api import ModelInfo

from pipeline.config import DEFAULT_QUERIES, HubQuery
from pipeline.normalize import valid_model_id

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo" / "hub"
FILES = ("models.jsonl", "history.csv", "README.md")
HUB_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
EXPECTED_DATES = [date(2026, 8, 31) + timedelta(weeks=i) for i in range(13)] + [date(2026, 11, 26)]


@pytest.fixture(scope="module")
def script() -> ModuleType:
    path = ROOT / "scripts" / "build_demo_data.py"
    spec = importlib.util.spec_from_file_location("build_demo_data", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module through sys.modules
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def models() -> dict[str, dict[str, Any]]:
    with open(DEMO / "models.jsonl", encoding="utf-8") as fh:
        items = [json.loads(line) for line in fh]
    assert len({m["id"] for m in items}) == len(items), "duplicate model ids"
    return {m["id"]: m for m in items}


@pytest.fixture(scope="module")
def history() -> dict[str, dict[date, dict[str, int]]]:
    """model_id -> date -> counts."""
    series: dict[str, dict[date, dict[str, int]]] = {}
    with open(DEMO / "history.csv", encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == ["date", "model_id", "downloads", "downloads_all_time", "likes",
                                     "trending_score"]
        for row in reader:
            day = date.fromisoformat(row["date"])
            assert day not in series.get(row["model_id"], {}), f"duplicate row {row}"
            series.setdefault(row["model_id"], {})[day] = {
                k: int(row[k]) for k in ("downloads", "downloads_all_time", "likes", "trending_score")
            }
    return series


def hub_matches(item: dict[str, Any], query: HubQuery) -> bool:
    """``GET /api/models`` semantics (reference/hub-api.md §4.1): AND of tags, id substring, exact task."""
    return (
        all(f in item["tags"] for f in query.filter)
        and (query.search is None or query.search.lower() in item["id"].lower())
        and (query.pipeline_tag is None or item.get("pipeline_tag") == query.pipeline_tag)
        and (query.author is None or item["author"] == query.author)
    )


def test_committed_files_are_what_the_script_writes(script: ModuleType, tmp_path: Path) -> None:
    script.build(tmp_path)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (DEMO / name).read_bytes(), (
            f"data/demo/hub/{name} differs from the script's output: run python scripts/build_demo_data.py"
        )
    assert sum((DEMO / name).stat().st_size for name in FILES) < 5 * 1024 * 1024


def test_history_covers_the_recorded_dates_with_enough_models(history: dict) -> None:
    per_date: dict[date, int] = {}
    for series in history.values():
        for day in series:
            per_date[day] = per_date.get(day, 0) + 1
    assert sorted(per_date) == EXPECTED_DATES
    assert len(per_date) >= 12
    assert min(per_date.values()) >= 150, per_date


def test_every_model_is_a_valid_hub_payload(models: dict, history: dict) -> None:
    assert set(models) == set(history), "every model needs history rows and every row a model"
    for model_id, item in models.items():
        assert valid_model_id(model_id), model_id
        assert item["author"] == model_id.split("/")[0]
        assert re.fullmatch(r"[0-9a-f]{40}", item["sha"]), model_id
        assert re.fullmatch(r"[0-9a-f]{24}", item["_id"]), model_id
        assert HUB_TIME.match(item["createdAt"]) and HUB_TIME.match(item["lastModified"]), model_id
        assert item["lastModified"] >= item["createdAt"], model_id
        first_listed = min(history[model_id])
        assert item["lastModified"] < first_listed.isoformat(), f"{model_id}: modified after it was recorded"
        assert item["createdAt"][:10] <= first_listed.isoformat()
        assert item["gated"] in (False, "auto", "manual") and item["private"] is False
        assert isinstance(item["disabled"], bool)
        assert all(isinstance(t, str) and t for t in item["tags"]) and len(set(item["tags"])) == len(item["tags"])
        licences = [t.split(":", 1)[1] for t in item["tags"] if t.startswith("license:")]
        assert licences == ([item["cardData"]["license"]] if "license" in item["cardData"] else []), model_id
        if "safetensors" in item:
            st = item["safetensors"]
            assert st["total"] == sum(st["parameters"].values()) > 0, model_id
        info = ModelInfo(**item)  # the real client's parser accepts it
        assert info.id == model_id and info.created_at is not None and info.sha == item["sha"]


def test_real_metadata_survives_for_known_models(models: dict) -> None:
    minilm = models["sentence-transformers/all-MiniLM-L6-v2"]
    assert minilm["safetensors"]["total"] == 22_700_000
    assert "license:apache-2.0" in minilm["tags"] and "en" in minilm["tags"] and "zh" not in minilm["tags"]
    assert minilm["library_name"] == "sentence-transformers"
    assert minilm["createdAt"] == "2022-03-02T23:29:04.000Z", "pre-2022-03-02 repos carry the Hub's sentinel"
    bge = models["BAAI/bge-large-zh-v1.5"]
    assert bge["sha"] == "79e7739b6ab944e86d6171e44d24c997fc1e0116"
    assert bge["createdAt"].startswith("2023-09-12") and "license:mit" in bge["tags"]
    assert bge["safetensors"]["total"] == 335_000_000
    assert "license:cc-by-nc-4.0" in models["TencentBAC/Conan-embedding-v1"]["tags"]
    assert not any(t.startswith("license:") for t in models["moka-ai/m3e-base"]["tags"])


def test_every_chinese_model_is_found_by_a_default_query(models: dict, script: ModuleType) -> None:
    embedding = HubQuery(name="embedding", search="embedding")
    non_chinese = []
    for model_id, item in models.items():
        if "zh" in item["tags"]:
            assert any(hub_matches(item, q) for q in DEFAULT_QUERIES), f"{model_id} is found by no query"
        elif model_id != script.SMOKE_REAL:
            assert hub_matches(item, embedding), f"non-Chinese noise {model_id} must match search 'embedding'"
            non_chinese.append(model_id)
    assert len(non_chinese) >= 10
    assert sum("zh" in m["tags"] for m in models.values()) >= 100


def test_search_noise_is_present(models: dict, script: ModuleType) -> None:
    items = list(models.values())
    assert sum("gguf" in m["tags"] for m in items) >= 10
    assert sum("onnx" in m["tags"] and m["id"] in {s.model_id for s in script.SYNTHETIC} for m in items) >= 5
    assert sum(any(t.startswith("base_model:finetune:") for t in m["tags"]) for m in items) >= 10
    assert sum(any(t.startswith("base_model:quantized:") for t in m["tags"]) for m in items) >= 10
    assert {m["gated"] for m in items} == {False, "auto", "manual"}
    assert any(m["disabled"] for m in items)
    for syn in script.SYNTHETIC:
        item = models[syn.model_id]
        declared = [t for t in item["tags"] if t.startswith("base_model:")]
        assert bool(declared) == syn.declares_base
        assert syn.base in models, f"{syn.model_id}: its base must be listed too"


def test_smoke_repositories_are_listed(models: dict, script: ModuleType) -> None:
    for model_id in script.FIXTURES:
        item = models[model_id]
        assert {"zh", "sentence-transformers", "test-fixture"} <= set(item["tags"])
        assert item["pipeline_tag"] == "sentence-similarity"
        assert "Test fixture" in item["cardData"]["model_description"]
    assert "custom_code" in models["radar-test/broken-remote-code"]["tags"]
    assert "safetensors" not in models["radar-test/broken-pickle-only"]["tags"]
    assert script.SMOKE_REAL in models


def _anomalies(script: ModuleType, kind: str) -> list:
    return [a for a in script.ANOMALIES if a.kind == kind]


def test_counts_never_decrease_except_the_documented_recount(history: dict, script: ModuleType) -> None:
    recounts = {(a.model_id, a.day) for a in _anomalies(script, "recount")}
    drops = set()
    for model_id, series in history.items():
        days = sorted(series)
        for before, after in zip(days, days[1:]):
            if series[after]["downloads_all_time"] < series[before]["downloads_all_time"]:
                drops.add((model_id, after))
            assert series[after]["likes"] >= series[before]["likes"], (model_id, after)
        for counts in series.values():
            assert min(counts.values()) >= 0, model_id
    assert drops == recounts


def test_listing_is_contiguous_except_documented_gaps_and_new_models(history: dict, script: ModuleType) -> None:
    gaps = {(a.model_id, a.day) for a in _anomalies(script, "gap")}
    new = {a.model_id: a.day for a in _anomalies(script, "new")}
    missing = set()
    for model_id, series in history.items():
        first = min(series)
        assert first == new.get(model_id, EXPECTED_DATES[0]), model_id
        missing |= {(model_id, d) for d in EXPECTED_DATES if d >= first and d not in series}
    assert missing == gaps
    assert sum(day >= EXPECTED_DATES[-4] for day in new.values()) >= 2, "2-3 models new in the last weeks"


def _all_time_at(series: dict[date, dict[str, int]], day: date) -> int | None:
    """All-time count on a recorded date; 0 before the model's first listing; None inside a gap."""
    if day in series:
        return series[day]["downloads_all_time"]
    return 0 if day < min(series) else None


def test_downloads_are_a_30_day_window_of_all_time(history: dict, script: ModuleType) -> None:
    straddles = {a.model_id: a.day for a in _anomalies(script, "recount")}
    checked = 0
    for model_id, series in history.items():
        for day, counts in series.items():
            start = day - timedelta(days=30)
            all_time = counts["downloads_all_time"]
            assert counts["downloads"] <= all_time, (model_id, day)
            if start < EXPECTED_DATES[0]:
                first = _all_time_at(series, EXPECTED_DATES[0])
                assert counts["downloads"] >= all_time - first, (model_id, day)
                continue
            if model_id in straddles and start < straddles[model_id] <= day:
                continue  # the window spans the recount: computed from the counts before it
            d1 = max(d for d in EXPECTED_DATES if d <= start)
            d2 = min(d for d in EXPECTED_DATES if d >= start)
            a1, a2 = _all_time_at(series, d1), _all_time_at(series, d2)
            if a1 is None or a2 is None:
                continue
            share = (start - d1).days / (d2 - d1).days if d2 != d1 else 0.0
            assert counts["downloads"] == all_time - math.floor(a1 + (a2 - a1) * share + 0.5), (model_id, day)
            checked += 1
    assert checked > 1000


def test_documented_anomalies_are_visible_and_in_the_readme(history: dict, script: ModuleType) -> None:
    text = (DEMO / "README.md").read_text(encoding="utf-8")
    assert "synthetic" in text.lower()
    for anomaly in script.ANOMALIES:
        assert f"| {anomaly.kind} | `{anomaly.model_id}` | {anomaly.day.isoformat()} |" in text, anomaly
    for syn in script.SYNTHETIC:
        assert f"`{syn.model_id}`" in text, f"synthetic id {syn.model_id} is not listed in the README"

    (spike,) = _anomalies(script, "spike")
    series = history[spike.model_id]
    days = sorted(series)
    weekly = {after: (series[after]["downloads_all_time"] - series[before]["downloads_all_time"])
              / (after - before).days for before, after in zip(days, days[1:])}
    normal = statistics.median(v for d, v in weekly.items() if d != spike.day)
    assert weekly[spike.day] > 10 * normal
    assert series[spike.day]["trending_score"] == max(s["trending_score"] for s in series.values())

    (gap,) = _anomalies(script, "gap")
    i = EXPECTED_DATES.index(gap.day)
    assert EXPECTED_DATES[i - 1] in history[gap.model_id] and EXPECTED_DATES[i + 1] in history[gap.model_id]


def test_new_models_are_created_just_before_their_first_listing(models: dict, script: ModuleType) -> None:
    for anomaly in _anomalies(script, "new"):
        created = datetime.fromisoformat(models[anomaly.model_id]["createdAt"].replace("Z", "+00:00")).date()
        previous = EXPECTED_DATES[EXPECTED_DATES.index(anomaly.day) - 1]
        assert previous < created <= anomaly.day, anomaly
