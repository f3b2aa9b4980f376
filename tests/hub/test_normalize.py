"""Normalisation of raw Hub items: every problem is reported with the model id, nothing crashes."""

from datetime import date, datetime

import pytest

from pipeline.families import assign_families, copy_base_name
from pipeline.normalize import base_of, is_permissive, license_of, normalize_all, normalize_item, valid_model_id

DAY = date(2026, 11, 23)

GOOD = {
    "_id": "64f0", "id": "BAAI/bge-large-zh-v1.5", "author": "BAAI", "downloads": 1200, "downloadsAllTime": 90000,
    "likes": 500, "trendingScore": 12, "createdAt": "2023-09-12T00:00:00.000Z",
    "lastModified": "2024-01-01T10:00:00.000Z", "library_name": "sentence-transformers",
    "pipeline_tag": "feature-extraction", "sha": "79e7739b6ab944e86d6171e44d24c997fc1e0116", "gated": False,
    "disabled": False, "tags": ["sentence-transformers", "pytorch", "safetensors", "bert", "zh", "license:mit"],
    "safetensors": {"parameters": {"F32": 335000000}, "total": 335000000},
}


def test_good_item_maps_every_column():
    row, issues = normalize_item(GOOD, DAY, ["zh-embedding"])
    assert issues == []
    assert row.model_id == "BAAI/bge-large-zh-v1.5" and row.author == "BAAI"
    assert (row.downloads_30d, row.downloads_all_time, row.likes) == (1200, 90000, 500)
    assert row.license == "mit" and row.params == 335000000 and row.languages == ["zh"]
    assert row.formats == ["pytorch", "safetensors"] and row.gated == "false" and row.found_by == ["zh-embedding"]
    assert row.created_at == datetime(2023, 9, 12) and row.last_modified == datetime(2024, 1, 1, 10)


@pytest.mark.parametrize("bad_id", [None, 42, "", "no-namespace", "../../etc/passwd", "a/b/c", "org/na me",
                                    "org/\u202etxt.exe", "org/<script>", "org/" + "x" * 200, "org/a..b", "-org/x"])
def test_unusable_ids_are_rejected_and_reported(bad_id):
    row, issues = normalize_item({**GOOD, "id": bad_id}, DAY)
    assert row is None
    assert [(i.field, i.action) for i in issues] == [("id", "rejected")]
    assert issues[0].excerpt is None or "\u202e" not in issues[0].excerpt


@pytest.mark.parametrize(
    "field,value,problem",
    [
        ("downloads", -5, "negative count"),
        ("downloads", "12", "not an integer"),
        ("downloadsAllTime", 10**15, "absurd count"),
        ("likes", None, "missing"),
        ("createdAt", "12/09/2023", "unparseable date"),
        ("lastModified", "2099-01-01T00:00:00.000Z", "date in the future"),
        ("sha", "not-a-sha", "not a 40-hex commit"),
        ("gated", "sometimes", "unknown gating value"),
        ("tags", "zh,mit", "not a list"),
        ("pipeline_tag", ["x"], "not a short string"),
    ],
)
def test_bad_fields_are_nulled_and_reported(field, value, problem):
    row, issues = normalize_item({**GOOD, field: value}, DAY)
    assert row is not None
    assert [(i.record_id, i.field, i.problem, i.action) for i in issues] == [
        ("BAAI/bge-large-zh-v1.5", field, problem, "nulled")
    ]


def test_huge_and_hostile_strings_are_truncated_in_reports():
    row, issues = normalize_item({**GOOD, "pipeline_tag": "<script>alert(1)</script>" * 10_000}, DAY)
    assert len(issues[0].excerpt) <= 200


def test_licence_base_model_and_permissiveness():
    assert license_of(["license:apache-2.0"], {"license": "mit"}) == "apache-2.0"
    assert license_of([], {"license": ["cc-by-nc-4.0"]}) == "cc-by-nc-4.0"
    assert license_of([], "not a dict") is None
    assert base_of(["base_model:BAAI/bge-m3", "base_model:quantized:BAAI/bge-m3"]) == ("BAAI/bge-m3", "quantized")
    assert base_of(["base_model:BAAI/bge-m3"]) == ("BAAI/bge-m3", "base")
    assert base_of(["base_model:../x"]) == (None, None)
    assert (is_permissive("MIT"), is_permissive("cc-by-nc-4.0"), is_permissive(None), is_permissive("other")) == (True, False, None, None)


def test_valid_model_id_rejects_traversal():
    assert valid_model_id("moka-ai/m3e-base")
    assert not valid_model_id("moka-ai/..")
    assert not valid_model_id("moka-ai/m3e--base")


def test_families_follow_bases_and_name_copies():
    bases = {
        "BAAI/bge-large-zh-v1.5": None,
        "someone/bge-large-zh-v1.5-GGUF": None,
        "other/bge-large-zh-v1.5-onnx-int8": None,
        "fine/tuned-bge": "BAAI/bge-large-zh-v1.5",
        "fine/tuned-bge-Q4_K_M": "fine/tuned-bge",
        "loop/a": "loop/b",
        "loop/b": "loop/a",
    }
    fam = assign_families(bases, {"BAAI/bge-large-zh-v1.5": 100})
    assert {m: fam[m] for m in list(bases)[:5]} == {m: "BAAI/bge-large-zh-v1.5" for m in list(bases)[:5]}
    assert fam["loop/a"] in ("loop/a", "loop/b")
    assert copy_base_name("x/bge-m3") is None and copy_base_name("x/bge-m3-Q8_0") == "bge-m3"


def test_normalize_all_is_sorted_and_keeps_issues():
    items = {"b/x": {**GOOD, "id": "b/x", "author": "b"}, "a/y": {**GOOD, "id": "a/y", "author": "a", "likes": -1}}
    rows, issues = normalize_all(items, {"a/y": ["q1", "q2"]}, DAY)
    assert [r.model_id for r in rows] == ["a/y", "b/x"]
    assert rows[0].found_by == ["q1", "q2"] and len(issues) == 1
