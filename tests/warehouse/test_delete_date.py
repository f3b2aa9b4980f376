"""``radar admin delete-date``: one snapshot date and everything derived from it go, in one transaction."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.cli.helpers import radar
from tests.report.conftest import DATES, HOSTILE, MODELS, build
from warehouse import admin
from warehouse.admin import DATED, delete_snapshot_date
from warehouse.runs import RunRecord, start_run

LAST = DATES[-1]
NEWCOMERS = {"infgrad/Jasper-Token-Compression-600M", HOSTILE}  # first listed on the last date


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("delete") / "radar.duckdb"
    build(path)
    return path


@pytest.fixture
def wh(built: Path, tmp_path: Path) -> Path:
    path = tmp_path / "radar.duckdb"
    shutil.copy(built, path)
    return path


def per_date(path: Path) -> dict[tuple[str, date], int]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {(table, day): n for table, column in DATED
                for day, n in con.execute(f"SELECT {column}, count(*) FROM {table} GROUP BY 1").fetchall()}


def test_deleting_a_date_removes_its_rows_everywhere_and_nothing_else(wh):
    before = per_date(wh)
    assert {t for t, d in before if d == LAST} >= {"model_snapshots", "download_trends",
                                                   "criterion_values", "profile_weights", "rankings", "data_issues"}
    run_id = start_run(wh, "delete_date", LAST)
    counts = delete_snapshot_date(wh, LAST, RunRecord(run_id=run_id, flow="delete_date"))

    after = per_date(wh)
    assert {k: v for k, v in before.items() if k[1] != LAST} == after
    assert all(counts[t] == before.get((t, LAST), 0) for t, _ in DATED)
    with duckdb.connect(str(wh), read_only=True) as con:
        models = dict(con.execute("SELECT model_id, last_seen FROM models").fetchall())
        runs = con.execute("SELECT flow, status, error FROM runs WHERE snapshot_date = ? ORDER BY flow", [LAST]).fetchall()
        record = con.execute("SELECT status, rows_written, details->>'model_snapshots' FROM runs WHERE run_id = ?",
                             [run_id]).fetchone()
    assert not NEWCOMERS & set(models) and counts["models_only_that_day"] == len(NEWCOMERS)
    assert models[MODELS[0][0]] == DATES[-2]
    assert runs == [("delete_date", "completed", None),
                    ("hub_snapshot", "deleted", f"snapshot date deleted by run {run_id}")]
    assert record == ("completed", sum(counts[t] for t, _ in DATED), str(counts["model_snapshots"]))


def test_a_failed_deletion_changes_nothing(wh, monkeypatch):
    before = per_date(wh)

    def broken(con):
        raise RuntimeError("disk trouble")

    monkeypatch.setattr(admin, "refresh_models", broken)
    with pytest.raises(RuntimeError, match="disk trouble"):
        delete_snapshot_date(wh, LAST, RunRecord(run_id=start_run(wh, "delete_date", LAST), flow="delete_date"))
    assert per_date(wh) == before
    with duckdb.connect(str(wh), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs WHERE status = 'deleted'").fetchone() == (0,)


def test_the_command_shows_what_would_go_and_deletes_only_with_yes(wh, tmp_path):
    before = per_date(wh)
    dry = radar("--db", str(wh), "admin", "delete-date", LAST.isoformat(), "--format", "json", cwd=tmp_path)
    assert dry.code == 2 and dry.error_lines[-1].startswith("error: --yes: nothing deleted")
    assert '"model_snapshots"' in dry.stdout and per_date(wh) == before

    done = radar("admin", "delete-date", LAST.isoformat(), "--yes", "--db", str(wh), cwd=tmp_path)
    assert done.code == 0, done.stderr
    assert not done.prefect
    assert all(day != LAST for _, day in per_date(wh))

    again = radar("--db", str(wh), "admin", "delete-date", LAST.isoformat(), "--yes", cwd=tmp_path)
    assert again.code == 2 and f"nothing is stored for {LAST}" in again.stderr


def test_a_date_the_window_refuses_can_still_be_deleted(wh, tmp_path):
    """The point of the command: a snapshot dated 2099 by an older version must be removable."""
    far = date(2099, 1, 1)
    with duckdb.connect(str(wh)) as con:
        con.execute("INSERT INTO model_snapshots (snapshot_date, model_id, run_id) VALUES (?, 'a/b', 'old')", [far])
    done = radar("--db", str(wh), "admin", "delete-date", far.isoformat(), "--yes", cwd=tmp_path)
    assert done.code == 0, done.stderr
    with duckdb.connect(str(wh), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM model_snapshots WHERE snapshot_date = ?", [far]).fetchone() == (0,)
