"""pipeline.sanitize: the one cleaner of outside text, and the escapes used where text is shown."""

from __future__ import annotations

import hashlib

import polars as pl
import pytest

from pipeline.sanitize import clean, clean_field, clean_frame, visible


@pytest.mark.parametrize(("raw", "text", "removed"), [
    ("apache-2.0", "apache-2.0", ()),
    ("中文模型 – ok", "中文模型 – ok", ()),
    ("\x1b[31mred\x1b[0m", "[31mred[0m", ("control characters",)),
    ("mit\x00\x00", "mit", ("control characters",)),
    ("\u202emit\u202c", "mit", ("bidi controls",)),
    ("two\nlines\u2028here", "two lines here", ("line breaks",)),
    ("\x85\x9b31m", " 31m", ("control characters", "line breaks")),
])
def test_clean_removes_what_acts_on_a_display(raw, text, removed):
    assert clean(raw).text == text and clean(raw).removed == removed


def test_an_echoed_token_is_masked_and_counted(monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_EchoedToken123456789")
    assert clean("Bearer hf_EchoedToken123456789").text == "Bearer hf_***"
    assert clean("org/hf_embeddings_v2").text == "org/hf_embeddings_v2"   # shaped like one, but data


def test_a_change_is_one_data_issue_with_the_raw_values_hash():
    issues = []
    assert clean_field("hub", "org/m", "license", "\u202emit", issues) == "mit"
    (issue,) = issues
    digest = hashlib.sha256("\u202emit".encode()).hexdigest()
    assert (issue.source, issue.record_id, issue.field, issue.problem, issue.action) == (
        "hub", "org/m", "license", "removed bidi controls", "kept")
    assert issue.excerpt == f"sha256:{digest} \\u202emit"
    clean_field("hub", "org/m", "license", "mit", issues)
    assert len(issues) == 1


def test_clean_frame_touches_only_suspect_rows():
    frame = pl.DataFrame({"model_name": ["a/b", "c/\x1bd", None], "score": [1.0, 2.0, 3.0]})
    cleaned, issues = clean_frame(frame, ["model_name", "absent"], "mteb", lambda row: row["model_name"])
    assert cleaned["model_name"].to_list() == ["a/b", "c/d", None] and cleaned["score"].to_list() == [1.0, 2.0, 3.0]
    assert [i.record_id for i in issues] == ["c/\\u001bd"]


def test_visible_shows_control_characters_as_escapes():
    assert visible("a\x1b[2Jb\u202ec") == "a\\u001b[2Jb\\u202ec"
    assert visible("x\ny", keep_newlines=True) == "x\ny" and visible("x\ny") == "x\\u000ay"
