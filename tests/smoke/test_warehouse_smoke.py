"""Writing smoke results: the public columns, one transaction with the run record and the data issues."""

from __future__ import annotations

import json
from datetime import date

import pytest

from pipeline.issues import DataIssue
from pipeline.smoke.result import SmokeResult
from warehouse import db
from warehouse.runs import RunRecord, start_run
from warehouse.smoke import write_smoke_results

DAY = date(2026, 11, 26)
DESIGN_COLUMNS = ("snapshot_date", "tested_at", "model_id", "revision", "status", "load_seconds", "sentences_per_second",
                  "embedding_dim", "peak_rss_mb", "unk_rate", "checks", "error")


def test_results_issues_and_the_run_are_written_together(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_abcdefghijklmnop")
    path = tmp_path / "radar.duckdb"
    run_id = start_run(path, "smoke")
    results = [
        SmokeResult("org/ok", "a" * 40, sentences_per_second=210.5, embedding_dim=384, unk_rate=0.0,
                    checks=[{"name": "dimension", "backend": "transformers", "passed": True}],
                    backends={"transformers": {"loaded": True}}, versions={"torch": "2.13.0"},
                    reasons=["rank 1 in rag"]),
        SmokeResult("org/bad", "b" * 40, "crash", error="token hf_abcdefghijklmnop leaked in a traceback"),
    ]
    issue = DataIssue.of("smoke", "../x", "model_id", "unsafe repository id", "rejected", "../x")
    assert write_smoke_results(path, RunRecord(run_id=run_id, flow="smoke", snapshot_date=DAY), results, [issue]) == 2
    with db.reader(path) as con:
        columns = [c[0] for c in con.execute("SELECT * FROM smoke_results LIMIT 0").description]
        assert set(DESIGN_COLUMNS) <= set(columns)
        ok = con.execute("SELECT checks->>'$[0].name', versions->>'$.torch', reasons, sentences_per_second"
                         " FROM smoke_results WHERE model_id = 'org/ok'").fetchall()[0]
        error = con.execute("SELECT error FROM smoke_results WHERE model_id = 'org/bad'").fetchall()[0][0]
        run = con.execute("SELECT status, rows_written FROM runs WHERE run_id = ?", [run_id]).fetchall()[0]
        dates = con.execute("SELECT DISTINCT snapshot_date, CAST(tested_at AS DATE) > snapshot_date"
                            " FROM smoke_results").fetchall()
        issues = con.execute("SELECT run_id, source, record_id FROM data_issues").fetchall()
    assert ok == ("dimension", "2.13.0", ["rank 1 in rag"], 210.5)
    assert "hf_abcdefghijklmnop" not in error and "hf_***" in error
    assert run == ("completed", 2)
    assert dates == [(DAY, True)]   # dated by the snapshot they belong to; the wall clock beside it
    assert issues == [(run_id, "smoke", "../x")]


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    path = tmp_path / "radar.duckdb"
    run_id = start_run(path, "smoke")
    same_model_twice = [SmokeResult("org/m", "a" * 40), SmokeResult("org/m", "a" * 40)]
    with pytest.raises(Exception, match="(?i)constraint|duplicate"):
        write_smoke_results(path, RunRecord(run_id=run_id, flow="smoke", snapshot_date=DAY), same_model_twice)
    with db.reader(path) as con:
        assert con.execute("SELECT count(*) FROM smoke_results").fetchall()[0][0] == 0
        assert con.execute("SELECT status FROM runs").fetchall()[0][0] == "running"


def test_a_run_without_its_snapshot_date_is_refused(tmp_path):
    path = tmp_path / "radar.duckdb"
    run_id = start_run(path, "smoke")
    with pytest.raises(ValueError, match="snapshot date"):
        write_smoke_results(path, RunRecord(run_id=run_id, flow="smoke"), [SmokeResult("org/m", "a" * 40)])


def test_the_status_follows_from_the_failure_class():
    classes = (None, "hang", "no_weights", "gated", "files_missing", "disabled", "pickle_refused", "too_large")
    assert [SmokeResult("org/m", None, c).status for c in classes] == [
        "passed", "failed", "unavailable", "unavailable", "unavailable", "unavailable", "refused", "skipped"]
    with pytest.raises(ValueError, match="failure_class"):
        SmokeResult("org/m", None, "gremlins")


def test_json_columns_round_trip(tmp_path):
    path = tmp_path / "radar.duckdb"
    run_id = start_run(path, "smoke")
    hardware = {"cpu": "AMD EPYC", "cpu_count": 2, "memory_mb": 24105}
    write_smoke_results(path, RunRecord(run_id=run_id, flow="smoke", snapshot_date=DAY),
                        [SmokeResult("org/m", "a" * 40, hardware=hardware)])
    with db.reader(path) as con:
        assert json.loads(con.execute("SELECT hardware FROM smoke_results").fetchall()[0][0]) == hardware
