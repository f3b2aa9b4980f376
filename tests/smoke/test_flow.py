"""The smoke flow end to end: replay Hub -> snapshot_download -> limited worker subprocess -> smoke_results.

One flow run (threads, one model at a time) tests every test repository and the real all-MiniLM-L6-v2;
the tests below read what it recorded. A second module-level run uses a local 2-worker Dask cluster.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from warehouse import db

pytestmark = pytest.mark.slow

TINY = "radar-test/tiny-zh-embed"
LEXICAL = "radar-test/tiny-zh-embed-lexical"
MINILM = "sentence-transformers/all-MiniLM-L6-v2"
BROKEN = {
    "radar-test/broken-missing-weights": ("unavailable", "no_weights"),   # nothing to fetch: not a failure
    "radar-test/broken-wrong-dim": ("failed", "check_failed"),
    "radar-test/broken-remote-code": ("refused", "remote_code_refused"),
    "radar-test/broken-pickle-only": ("refused", "pickle_refused"),
    "radar-test/broken-hangs": ("failed", "hang"),
}
HANG_TIMEOUT = 90
"""Generous: on a shared 2-core machine under load, imports alone can take 30 s or more."""


def _rows(path: Path, run_id: str | None = None) -> dict[str, dict[str, Any]]:
    with db.reader(path) as con:
        cur = con.execute("SELECT * FROM smoke_results" + (" WHERE run_id = ?" if run_id else ""),
                          [run_id] if run_id else [])
        names = [c[0] for c in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    for row in rows:
        for key in ("checks", "backends", "versions", "hardware"):
            row[key] = json.loads(row[key]) if row[key] else row[key]
    return {r["model_id"]: r for r in rows}


def _run(hub_url: str, config: Path, database: Path, **kw: Any) -> dict[str, Any]:
    from flows.smoke import smoke_tests

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_ENDPOINT", hub_url)
        return smoke_tests(config_path=str(config), db_path=str(database), **kw)


@pytest.fixture(scope="module")
def threads_run(prefect_backend, smoke_hub, smoke_config, tmp_path_factory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("smoke-flow")
    config = smoke_config(tmp / "radar.toml", tmp / "cache", models=[TINY, LEXICAL, MINILM, *BROKEN],
                          real_models=[LEXICAL, MINILM], timeout_seconds=HANG_TIMEOUT, memory_mb=3000, threads=1)
    database = tmp / "radar.duckdb"
    summary = _run(smoke_hub.url, config, database)
    return {"summary": summary, "rows": _rows(database), "db": database, "config": config, "hub": smoke_hub.url}


def _checks(row: dict[str, Any]) -> dict[tuple[str, str | None], dict[str, Any]]:
    return {(c["name"], c["backend"]): c for c in row["checks"]}


def test_tiny_models_load_both_ways_and_pass_every_check(threads_run):
    for model_id in (TINY, LEXICAL):
        row = threads_run["rows"][model_id]
        assert (row["status"], row["failure_class"], row["error"]) == ("passed", None, None)
        assert row["loads_transformers"] and row["loads_sentence_transformers"] and row["backends_agree"]
        assert row["embedding_dim"] == row["declared_dim"] == 32
        assert row["max_seq_length"] == 128 and row["unk_rate"] == 0.0
        assert row["sentences_per_second"] > 0 and row["load_seconds"] >= 0 and row["peak_rss_mb"] > 100
        assert row["revision"] and len(row["revision"]) == 40
        assert row["batch_size"] == 32 and row["threads"] == 1
        assert row["versions"]["torch"] and row["versions"]["transformers"] and row["hardware"]["cpu_count"]
        names = {c["name"] for c in row["checks"]}
        assert {"dimension", "finite", "deterministic", "batch_invariance", "long_input", "unk_rate",
                "similarity", "backends_agree"} <= names
        assert all(c["passed"] is not False for c in row["checks"])
    # The similarity check applies only to models marked real: the lexical fixture is, the random one not.
    assert _checks(threads_run["rows"][LEXICAL])[("similarity", "sentence_transformers")]["passed"] is True
    assert _checks(threads_run["rows"][TINY])[("similarity", "sentence_transformers")]["passed"] is None


def test_minilm_loads_but_fails_the_chinese_unknown_token_check(threads_run):
    row = threads_run["rows"][MINILM]
    assert (row["status"], row["failure_class"]) == ("failed", "check_failed")
    assert row["loads_transformers"] and row["loads_sentence_transformers"] and row["backends_agree"]
    assert row["embedding_dim"] == 384 and row["max_seq_length"] == 256
    assert row["unk_rate"] > 0.3
    failed = [c["name"] for c in row["checks"] if c["passed"] is False]
    assert failed == ["unk_rate"]
    assert "cannot read Chinese" in row["error"]


def test_each_broken_repository_gets_its_failure_class(threads_run):
    got = {m: (threads_run["rows"][m]["status"], threads_run["rows"][m]["failure_class"]) for m in BROKEN}
    assert got == BROKEN


def test_failures_say_what_went_wrong(threads_run):
    rows = threads_run["rows"]
    assert "no weight file" in rows["radar-test/broken-missing-weights"]["error"]
    wrong_dim = _checks(rows["radar-test/broken-wrong-dim"])[("dimension", "sentence_transformers")]
    assert (wrong_dim["passed"], wrong_dim["value"], wrong_dim["limit"]) == (False, 32, 64)
    assert "auto_map" in rows["radar-test/broken-remote-code"]["error"]
    assert rows["radar-test/broken-remote-code"]["loads_transformers"] is None   # never handed to a worker
    assert "smoke.allow_pickle" in rows["radar-test/broken-pickle-only"]["error"]
    hang = rows["radar-test/broken-hangs"]
    # It loaded and was killed inside the 10,000-character check, not while importing.
    assert hang["last_phase"] == "long_input:transformers"
    assert f"{HANG_TIMEOUT} s" in hang["error"]
    assert hang["wall_seconds"] >= HANG_TIMEOUT


def test_the_run_is_recorded(threads_run):
    with db.reader(threads_run["db"]) as con:
        status, rows_written, details = con.execute(
            "SELECT status, rows_written, details FROM runs WHERE flow = 'smoke'").fetchall()[0]
    details = json.loads(details)
    assert (status, rows_written) == ("completed", 8)
    assert (details["passed"], details["failed"], details["unavailable"], details["refused"]) == (2, 3, 1, 2)
    assert details["task_runner"] == "ThreadPoolTaskRunner"
    summary = threads_run["summary"]
    assert summary["tested"] == 6   # pickle-only and missing weights are decided from the listing
    assert summary["models"] == 8 == sum(summary[s] for s in ("passed", "failed", "unavailable", "refused", "skipped"))
    today = datetime.now(UTC).date()
    assert {r["snapshot_date"] for r in threads_run["rows"].values()} == {today}   # no replayed date: today


def test_a_tested_commit_is_skipped_unless_forced(threads_run):
    again = _run(threads_run["hub"], threads_run["config"], threads_run["db"],
                 models=[TINY, "radar-test/broken-pickle-only"])
    assert (again["tested"], again["already_tested"]) == (0, 2)
    forced = _run(threads_run["hub"], threads_run["config"], threads_run["db"],
                  models=["radar-test/broken-pickle-only"], force=True, snapshot_date="2026-11-26")
    assert (forced["refused"], forced["already_tested"]) == (1, 0)
    with db.reader(threads_run["db"]) as con:
        dates = con.execute("SELECT snapshot_date FROM smoke_results WHERE model_id = 'radar-test/broken-pickle-only'"
                            " ORDER BY tested_at").fetchall()
    assert len(dates) == 2 and dates[1] == (date(2026, 11, 26),)   # a replayed date dates the result


def test_allow_listed_models_run_on_a_local_dask_cluster(prefect_backend, smoke_hub, smoke_config, tmp_path):
    remote, pickle = "radar-test/broken-remote-code", "radar-test/broken-pickle-only"
    config = smoke_config(tmp_path / "radar.toml", tmp_path / "cache", models=[remote, pickle],
                          allow_remote_code=[remote], allow_pickle=[pickle], dask_workers=2, threads=1,
                          timeout_seconds=120)
    database = tmp_path / "radar.duckdb"
    summary = _run(smoke_hub.url, config, database, task_runner="dask")
    rows = _rows(database)
    assert {m: rows[m]["status"] for m in (remote, pickle)} == {remote: "passed", pickle: "passed"}
    assert rows[remote]["trust_remote_code"] is True and rows[pickle]["trust_remote_code"] is False
    assert summary["tested"] == 2
    with db.reader(database) as con:
        details = json.loads(con.execute("SELECT details FROM runs WHERE flow = 'smoke'").fetchall()[0][0])
    assert details["task_runner"] == "DaskTaskRunner"
