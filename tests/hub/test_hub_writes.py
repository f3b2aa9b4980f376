"""Hub snapshot writes on a real DuckDB file: idempotent reruns, atomic failures, run records."""

import subprocess
import sys
import textwrap
from datetime import date

import pytest

from pipeline.issues import DataIssue
from pipeline.normalize import ModelRow
from warehouse import db
from warehouse.hub import write_hub_snapshot
from warehouse.runs import RunRecord, fail_run, start_run

D1, D2 = date(2026, 11, 16), date(2026, 11, 23)


def rows(n, downloads=100):
    return [ModelRow(model_id=f"org/m{i}", author="org", downloads_all_time=downloads + i, tags=["zh"],
                     base_model="org/m0" if i == 3 else None) for i in range(n)]


def snapshot(path, day, models, issues=()):
    run_id = start_run(path, "hub_snapshot", day)
    record = RunRecord(run_id=run_id, flow="hub_snapshot", snapshot_date=day, source_version="http://x")
    write_hub_snapshot(path, record, models, {"org/m3": "org/m0"}, list(issues))
    return run_id


def counts(path):
    with db.reader(path) as con:
        return dict(con.execute("select snapshot_date::varchar, count(*) from model_snapshots group by 1").fetchall())


def test_rerunning_a_date_replaces_it(tmp_path):
    path = tmp_path / "w.duckdb"
    snapshot(path, D1, rows(5))
    snapshot(path, D2, rows(6))
    snapshot(path, D2, rows(6, downloads=200))
    assert counts(path) == {"2026-11-16": 5, "2026-11-23": 6}
    with db.reader(path) as con:
        assert con.execute("select downloads_all_time from model_snapshots where snapshot_date = ? and model_id = 'org/m0'", [D2]).fetchall() == [(200,)]
        assert con.execute("select first_seen::varchar, last_seen::varchar, family_id from models where model_id = 'org/m3'").fetchall() == [("2026-11-16", "2026-11-23", "org/m0")]
        assert con.execute("select first_seen::varchar from models where model_id = 'org/m5'").fetchall() == [("2026-11-23",)]
        assert con.execute("select count(*), count(*) filter (status = 'completed') from runs").fetchall() == [(3, 3)]


def test_rerun_that_drops_a_model_moves_its_last_seen_back(tmp_path):
    path = tmp_path / "w.duckdb"
    snapshot(path, D1, rows(3))
    snapshot(path, D2, rows(3))
    snapshot(path, D2, rows(2))
    with db.reader(path) as con:
        assert con.execute("select last_seen::varchar from models where model_id = 'org/m2'").fetchall() == [("2026-11-16",)]


def test_issues_are_stored_with_the_run_and_replaced_on_rerun(tmp_path):
    path = tmp_path / "w.duckdb"
    issue = DataIssue.of("hub", "org/<b>", "likes", "negative count", "nulled", -3)
    snapshot(path, D1, rows(2), [issue])
    second = snapshot(path, D1, rows(2), [issue])
    with db.reader(path) as con:
        assert con.execute("select run_id, record_id, field, action, excerpt from data_issues").fetchall() == [
            (second, "org/<b>", "likes", "nulled", "-3")]


def test_a_failing_write_leaves_the_previous_state_and_a_failed_run(tmp_path):
    path = tmp_path / "w.duckdb"
    snapshot(path, D1, rows(4))
    run_id = start_run(path, "hub_snapshot", D1)
    bad = rows(4) + [ModelRow(model_id="org/m0")]  # duplicate key: the insert fails mid-transaction
    with pytest.raises(Exception):
        write_hub_snapshot(path, RunRecord(run_id=run_id, flow="hub_snapshot", snapshot_date=D1), bad, {}, [])
    fail_run(path, run_id, RuntimeError("duplicate model id"))
    assert counts(path) == {"2026-11-16": 4}
    with db.reader(path) as con:
        assert con.execute("select status, error from runs where run_id = ?", [run_id]).fetchall() == [
            ("failed", "RuntimeError: duplicate model id")]


def test_sigkill_mid_write_leaves_no_partial_snapshot_and_an_interrupted_run(tmp_path):
    path = tmp_path / "w.duckdb"
    snapshot(path, D1, rows(3))
    script = textwrap.dedent(f"""
        import os, signal
        from datetime import date
        import warehouse.hub as hub
        from pipeline.normalize import ModelRow
        from warehouse.runs import RunRecord, start_run
        real = hub.refresh_models
        def die(con):
            real(con)
            os.kill(os.getpid(), signal.SIGKILL)   # after the rows are in, before COMMIT
        hub.refresh_models = die
        run_id = start_run({str(path)!r}, "hub_snapshot", date(2026, 11, 23))
        rows = [ModelRow(model_id=f"org/k{{i}}") for i in range(50)]
        hub.write_hub_snapshot({str(path)!r}, RunRecord(run_id=run_id, flow="hub_snapshot", snapshot_date=date(2026, 11, 23)), rows, {{}}, [])
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == -9, proc.stderr
    assert counts(path) == {"2026-11-16": 3}
    with db.reader(path) as con:
        assert con.execute("select status from runs where snapshot_date = '2026-11-23'").fetchall() == [("running",)]
    snapshot(path, D2, rows(3))   # the next run marks the orphan and completes the date
    with db.reader(path) as con:
        assert sorted(con.execute("select status from runs where snapshot_date = '2026-11-23'").fetchall()) == [("completed",), ("interrupted",)]
    assert counts(path) == {"2026-11-16": 3, "2026-11-23": 3}
