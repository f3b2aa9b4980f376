"""Hostile Hub data at scale, through the real huggingface_hub client, the replay Hub and the warehouse.

tests/hub/test_normalize.py checks one bad field at a time. Here 1,000-item pages mix every kind of bad
record a stranger can publish (wrong types, nulls, huge strings, unicode, right-to-left and HTML ids,
script in names and card data, negative or absurd counts, odd and future dates, a 10 MB model card),
plus items the replay Hub corrupts on the wire (missing ids, wrong types). Each record has a declared
expectation; the test checks that the pipeline stores what is usable, reports every problem with the
model id, and never crashes or lets control characters into the warehouse.

The replay Hub validates recorded data when it is loaded (it stands in for a sane Hub); a hostile Hub
is made by putting the records into its public ``records`` table afterwards.
"""

from __future__ import annotations

import io
import unicodedata
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from pipeline.cmteb.quality import clean_scores
from pipeline.cmteb.replay_dataset import mteb_results_versions
from pipeline.cmteb.sources import SourceError, read_results_parquet
from pipeline.config import HubConfig, HubQuery
from pipeline.families import assign_families
from pipeline.hub import fetch_models
from pipeline.issues import printable
from pipeline.normalize import normalize_all
from pipeline.replay_hub import FaultPlan, FaultRule, ReplayData, ReplayHub
from pipeline.replay_hub.data import object_id
from pipeline.replay_hub.faults import LIST_PATHS
from warehouse import db
from warehouse.hub import write_hub_snapshot
from warehouse.runs import RunRecord, start_run

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2026, 11, 23)
SHA = "0123456789abcdef0123456789abcdef01234567"
TEN_MB_CARD = "中文模型卡 " * 700_000
QUERIES = (
    HubQuery(name="hostile-a", filter=("hostile-a",)),
    HubQuery(name="hostile-b", filter=("hostile-b",)),
)
REJECTED = {("id", "rejected")}

# name -> (group, how to change the base record for item i, expected {(field, action)})
CASES = {
    "unicode id": ("a", lambda i: {"id": f"org/中文模型{i}"}, REJECTED),
    "right-to-left id": ("a", lambda i: {"id": f"org/\u202egpj{i}.exe"}, REJECTED),
    "html id": ("a", lambda i: {"id": f"org/<script>alert({i})</script>"}, REJECTED),
    "traversal id": ("a", lambda i: {"id": f"../../etc/passwd{i}"}, REJECTED),
    "huge id": ("a", lambda i: {"id": f"org/{'x' * 20_000}{i}"}, REJECTED),
    "nulls": ("a", lambda i: {"pipeline_tag": None, "library_name": None, "cardData": None,
                              "safetensors": None, "author": None, "gated": None, "sha": None}, set()),
    "missing keys": ("a", lambda i: {k: DROP for k in ("pipeline_tag", "library_name", "cardData", "safetensors",
                                                        "createdAt", "lastModified", "gated", "sha")}, set()),
    "html in names and card": ("a", lambda i: {
        "pipeline_tag": "<img src=x onerror=alert(1)>", "library_name": "<script>alert(1)</script>",
        "cardData": {"license": "<script>alert('card')</script>", "language": ["<b>zh</b>"]}}, set()),
    "author mismatch": ("a", lambda i: {"author": "<script>alert(1)</script>"}, {("author", "kept")}),
    "count as text": ("a", lambda i: {"downloads": "1e9"}, {("downloads", "nulled")}),
    "count as bool": ("a", lambda i: {"downloads": True}, {("downloads", "nulled")}),
    "count as float": ("a", lambda i: {"downloadsAllTime": 12.5}, {("downloadsAllTime", "nulled")}),
    "count as list": ("a", lambda i: {"likes": [1]}, {("likes", "nulled")}),
    "null count": ("a", lambda i: {"likes": None}, {("likes", "nulled")}),
    "negative count": ("a", lambda i: {"downloads": -1}, {("downloads", "nulled")}),
    "absurd count": ("a", lambda i: {"likes": 10**18}, {("likes", "nulled")}),
    "date in odd format": ("a", lambda i: {"createdAt": "12/09/2023"}, {("createdAt", "nulled")}),
    "date in the future": ("a", lambda i: {"createdAt": "2999-01-01T00:00:00.000Z"}, {("createdAt", "nulled")}),
    "date as number": ("a", lambda i: {"lastModified": 1_700_000_000}, {("lastModified", "nulled")}),
    "huge date": ("a", lambda i: {"lastModified": "2023-01-01" + "0" * 5000}, {("lastModified", "nulled")}),
    "impossible date": ("a", lambda i: {"createdAt": "2023-02-30T00:00:00Z"}, {("createdAt", "nulled")}),
    "odd gating": ("a", lambda i: {"gated": "sometimes"}, {("gated", "nulled")}),
    "negative params": ("a", lambda i: {"safetensors": {"total": -5}}, {("safetensors.total", "nulled")}),
    "params as text": ("a", lambda i: {"safetensors": {"total": "1B"}}, {("safetensors.total", "nulled")}),
    "tags of mixed types": ("a", lambda i: {"tags": ["hostile-a", "zh", 7, None, "t" * 500]}, {("tags", "kept")}),
    "thousands of tags": ("a", lambda i: {"tags": ["hostile-a", "zh", *(f"t{k}" for k in range(600))]},
                          {("tags", "kept")}),
    "html tags": ("a", lambda i: {"tags": ["hostile-a", "zh", "license:<script>alert(1)</script>"]}, set()),
    "pipeline tag too long": ("a", lambda i: {"pipeline_tag": "<script>" * 5000}, {("pipeline_tag", "nulled")}),
    "trending as text": ("b", lambda i: {"trendingScore": "hot"}, {("trendingScore", "nulled")}),
    "trending not finite": ("b", lambda i: {"trendingScore": float("inf")}, {("trendingScore", "nulled")}),
    "trending NaN": ("b", lambda i: {"trendingScore": float("nan")}, {("trendingScore", "nulled")}),
    "trending absurd": ("b", lambda i: {"trendingScore": 1e300}, {("trendingScore", "nulled")}),
    "trending null": ("b", lambda i: {"trendingScore": None}, set()),
}
DROP = object()
ITEMS = 1200


def base_record(group: str, i: int) -> dict:
    return {
        "id": f"hostile-{group}/model-{i}", "author": f"hostile-{group}", "downloads": i, "downloadsAllTime": 10 * i,
        "likes": i % 50, "trendingScore": i, "createdAt": "2025-06-01T00:00:00.000Z",
        "lastModified": "2025-07-01T00:00:00.000Z", "library_name": "sentence-transformers",
        "pipeline_tag": "sentence-similarity", "tags": [f"hostile-{group}", "zh", "license:mit"], "sha": SHA,
        "gated": False, "cardData": {"license": "mit", "language": ["zh"]}, "safetensors": {"total": 1000 + i},
    }


def hostile_records() -> dict[str, tuple[dict, set]]:
    """``served id -> (record, expected issues)``: the cases in turn, ITEMS in all, plus the 10 MB card."""
    names = list(CASES)
    out: dict[str, tuple[dict, set]] = {}
    for i in range(ITEMS):
        group, change, expected = CASES[names[i % len(names)]]
        record = base_record(group, i)
        for key, value in change(i).items():
            if value is DROP:
                record.pop(key, None)
            else:
                record[key] = value
        out[record["id"]] = (record, expected)
    card = base_record("a", ITEMS)
    card["cardData"] = {"license": "apache-2.0", "language": ["zh"], "description": TEN_MB_CARD}
    card["tags"] = ["hostile-a", "zh"]   # the licence must come from the card
    out[card["id"]] = (card, set())
    return out


def hostile_hub_data(records: dict[str, dict]) -> ReplayData:
    data = ReplayData()
    for served_id, record in records.items():
        data.records[served_id] = {"_id": object_id(served_id), **record}
    return data


@pytest.fixture(scope="module")
def hostile_snapshot(tmp_path_factory):
    """One snapshot of the hostile Hub, written to a real warehouse, plus what the replay Hub corrupted."""
    cases = hostile_records()
    data = hostile_hub_data({k: v[0] for k, v in cases.items()})
    cfg = HubConfig(queries=QUERIES, page_size=1000, retry_base_seconds=0.01, timeout_seconds=30)
    # The id goes missing on the second page: the first is read again by the listing's catch-up pass.
    corrupt = FaultPlan(rules=[FaultRule("malformed_item", path=LIST_PATHS, variant="missing_id", after=1, times=1),
                               FaultRule("malformed_item", path=LIST_PATHS, variant="wrong_types", times=1)], seed=7)
    with ReplayHub(data, port=0, as_of=DAY) as hub:
        hub.faults = corrupt
        fetched = fetch_models(cfg, hub.url)
        pages = hub.stats()["requests"]
    wire = {served: "missing_id" for served in set(cases) - set(fetched.items)}
    wire.update({served: "wrong_types" for served, item in fetched.items.items()
                 if item.get("downloads") == "many" and item.get("tags") == "zh"})
    rows, issues = normalize_all(fetched.items, fetched.found_by, DAY)
    issues = fetched.issues + issues
    path = tmp_path_factory.mktemp("hostile") / "w.duckdb"
    run_id = start_run(path, "hub_snapshot", DAY)
    families = assign_families({r.model_id: r.base_model for r in rows})
    write_hub_snapshot(path, RunRecord(run_id=run_id, flow="hub_snapshot", snapshot_date=DAY), rows, families, issues)
    print(f"hostile input: {len(cases)} records ({len(CASES)} kinds) on {pages} pages,"
          f" {len(wire)} corrupted on the wire; {len(rows)} stored, {len(issues)} issues reported")
    return {"cases": cases, "wire": wire, "path": path, "fetched": fetched}


def _stored(path: Path) -> tuple[set[str], dict[str | None, set]]:
    with db.reader(path) as con:
        stored = {r[0] for r in con.execute("SELECT model_id FROM model_snapshots").fetchall()}
        issues: dict[str | None, set] = {}
        for record_id, field, action in con.execute("SELECT record_id, field, action FROM data_issues").fetchall():
            issues.setdefault(record_id, set()).add((field, action))
    return stored, issues


def test_pages_of_a_thousand_items_were_served(hostile_snapshot) -> None:
    fetched = hostile_snapshot["fetched"]
    assert fetched.pages >= 3 and fetched.per_query["hostile-a"] > 1000


def test_every_hostile_record_is_stored_or_rejected_as_declared(hostile_snapshot) -> None:
    stored, issues = _stored(hostile_snapshot["path"])
    wire = hostile_snapshot["wire"]
    missing_ids = [served for served, variant in wire.items() if variant == "missing_id"]
    assert len(missing_ids) == 1 and issues[None] == {("id", "rejected")}
    checked = 0
    for served_id, (_, expected) in hostile_snapshot["cases"].items():
        if served_id in wire:
            continue
        record_id = printable(served_id, 200)
        if expected == REJECTED:
            assert served_id not in stored, served_id
        else:
            assert served_id in stored, served_id
        assert issues.get(record_id, set()) == expected, (served_id[:80], issues.get(record_id))
        checked += 1
    assert checked == len(hostile_snapshot["cases"]) - len(wire)
    (wrong_types,) = [served for served, variant in wire.items() if variant == "wrong_types"]
    on_the_wire = {("downloads", "nulled"), ("likes", "nulled"), ("tags", "nulled"), ("createdAt", "nulled")}
    if hostile_snapshot["cases"][wrong_types][1] == REJECTED:
        on_the_wire = REJECTED
    assert on_the_wire <= issues[printable(wrong_types, 200)]


def test_nothing_untrusted_reaches_the_warehouse_raw(hostile_snapshot) -> None:
    with db.reader(hostile_snapshot["path"]) as con:
        texts = con.execute("SELECT record_id, excerpt FROM data_issues").fetchall()
        ids = [r[0] for r in con.execute("SELECT model_id FROM models").fetchall()]
        card = con.execute("SELECT license FROM model_snapshots WHERE model_id = ?",
                           [f"hostile-a/model-{ITEMS}"]).fetchall()
    for value in (v for row in texts for v in row if v is not None):
        assert len(value) <= 200
        assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value), ascii(value[:80])
    assert all(i.isascii() and "<" not in i and ".." not in i for i in ids)
    assert card == [("apache-2.0",)]   # the 10 MB card was read, not stored


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"safetensors": "very big"}, "safetensors"),
        ({"cardData": "license: mit"}, "cardData"),
        ({"cardData": {"license": "x" * 1000}, "tags": ["hostile-a", "zh"]}, "license"),
    ],
    ids=["safetensors-not-an-object", "card-not-an-object", "licence-too-long"],
)
def test_wrong_shapes_that_are_dropped_are_also_reported(change: dict, field: str) -> None:
    """A value the pipeline throws away must leave a DataIssue (the team rule: never silently dropped)."""
    from pipeline.normalize import normalize_item

    row, issues = normalize_item({**base_record("a", 1), **change}, DAY)
    assert row is not None
    assert [(i.record_id, i.field) for i in issues] == [("hostile-a/model-1", field)]


# C-MTEB: the results parquet of the HF dataset ``mteb/results`` is written by strangers too.

@pytest.fixture(scope="module")
def results_parquet() -> pl.DataFrame:
    """The real ``data/train-*.parquet`` of the demo's latest ``mteb/results`` version."""
    latest = mteb_results_versions(ROOT / "data" / "sources" / "mteb")[-1]
    body = latest.files["data/train-00000-of-00001.parquet"]
    return pl.read_parquet(io.BytesIO(body if isinstance(body, bytes) else body.read_bytes()))


def _read(frame: pl.DataFrame, folder: Path) -> pl.DataFrame:
    path = folder / "train-00000-of-00001.parquet"
    frame.write_parquet(path)
    return read_results_parquet([path])[0]


def test_extra_columns_in_the_results_parquet_change_nothing(results_parquet, tmp_path) -> None:
    extra = results_parquet.with_columns(
        pl.lit("<script>alert(1)</script>").alias("notes"), pl.lit(99.0).alias("score_v2"),
        pl.lit("\u202eevil").alias("中文列"))
    assert _read(extra, tmp_path).equals(_read(results_parquet, tmp_path))


def test_missing_optional_columns_in_the_results_parquet_are_tolerated(results_parquet, tmp_path) -> None:
    full = _read(results_parquet, tmp_path)
    bare = _read(results_parquet.select("model_name", "task_name", "split", "subset", "score"), tmp_path)
    assert bare.height == full.height and bare["revision"].is_null().all()
    assert bare.drop("revision").equals(full.drop("revision"))


@pytest.mark.parametrize("column", ["model_name", "task_name", "split", "subset"])
def test_a_results_parquet_without_a_required_column_is_one_clear_error(results_parquet, tmp_path, column) -> None:
    with pytest.raises(SourceError, match=rf"missing column\(s\) \['{column}'\]"):
        _read(results_parquet.drop(column), tmp_path)


def test_hostile_rows_in_the_results_parquet_are_each_reported_with_the_model(results_parquet, tmp_path) -> None:
    template = results_parquet.filter(pl.col("task_name") == "T2Retrieval").head(1).to_dicts()[0]
    names = ["<script>alert(1)</script>", "org/\u202eevil\u202c", "org/" + "x" * 100_000, "中文/模型", "", None]
    scores = [float("nan"), 1e9, -5.0, 0.5, 0.5, 0.5]
    hostile = pl.DataFrame([{**template, "model_name": n, "score": s} for n, s in zip(names, scores)],
                           schema=results_parquet.schema)
    raw = _read(pl.concat([results_parquet, hostile]), tmp_path)
    cleaned, issues = clean_scores(raw)

    def reported(name: str) -> set:
        prefix = printable(f"{name}/T2Retrieval/", 200)[:150]
        return {(i.field, i.action) for i in issues if (i.record_id or "").startswith(prefix)}

    assert ("score", "nulled") in reported(names[0])   # NaN
    assert ("score", "nulled") in reported(names[1])   # 1e9: no scale makes it a score
    assert ("score", "kept") in reported(names[2])     # -5: read as -0.05, flagged
    assert reported(names[3]) == set()
    assert sum(1 for i in issues if i.field == "model_name" and i.action == "rejected") >= 2   # "" and None
    assert "中文/模型" in set(cleaned["model_name"].to_list())
    for issue in issues:
        for text in (issue.record_id, issue.excerpt):
            assert text is None or (len(text) <= 200 and not any(unicodedata.category(c) in ("Cc", "Cf") for c in text))


def test_one_unreadable_score_does_not_sink_the_whole_snapshot(results_parquet, tmp_path) -> None:
    """A score column written as text with one bad cell: that cell is nulled and reported, the rest is read."""
    as_text = results_parquet.with_columns(pl.col("score").cast(pl.String))
    bad = as_text.head(1).with_columns(pl.lit("n/a").alias("score"), pl.lit("org/bad-score").alias("model_name"))
    raw = _read(pl.concat([as_text, bad]), tmp_path)
    _, issues = clean_scores(raw)
    assert raw.height == _read(results_parquet, tmp_path).height + 1
    assert any(i.record_id.startswith("org/bad-score/") and i.field == "score" for i in issues)
