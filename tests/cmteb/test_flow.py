"""The mteb_snapshot flow on a real Prefect backend against the replay Hub: what a weekly run does."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.cmteb.sources import SourceError
from pipeline.replay_hub import RepoVersion
from warehouse import db

FIRST, SAME, SECOND = date(2026, 8, 31), date(2026, 9, 7), date(2026, 9, 28)


def config(tmp_path, dataset: str = "mteb/results") -> str:
    path = tmp_path / "radar.toml"
    path.write_text(f'[paths]\ncache_dir = "{tmp_path / "cache"}"\n[mteb]\ndataset = "{dataset}"\n')
    return str(path)


def counts(con, day):
    tables = ("cmteb_scores", "cmteb_leaderboard", "cmteb_models", "cmteb_changes", "cmteb_snapshots")
    return {t: con.execute(f"select count(*) from {t} where snapshot_date = ?", [day]).fetchall()[0][0]
            for t in tables}


def test_snapshots_skip_an_unchanged_source_and_record_changes(prefect_backend, replay_hub, mteb_dataset, tmp_path):
    from flows.mteb_snapshot import mteb_snapshot

    cfg, warehouse = config(tmp_path), str(tmp_path / "w.duckdb")
    runs = []
    for day, force in ((FIRST, False), (SAME, False), (SECOND, False), (SECOND, True)):
        replay_hub.as_of = day
        runs.append(mteb_snapshot(snapshot_date=day, config_path=cfg, db_path=warehouse, force=force))
    first, same, second, forced = runs
    assert first["status"] == "completed" and first["protocols"]["leaderboard"]["full_mean"] == 22
    assert same["status"] == "skipped" and same["snapshot_in_force"] == FIRST.isoformat()
    assert same["source_version"] == first["source_version"] != second["source_version"]
    assert second["changes"]["new_model"] == 2 and second["changes"]["rank_move"] > 0
    assert forced["status"] == "completed" and forced["rows"] == second["rows"]

    with db.reader(warehouse) as con:
        assert counts(con, SAME) == dict.fromkeys(counts(con, SAME), 0)
        assert counts(con, SECOND) == {**counts(con, SECOND), "cmteb_snapshots": 1}
        assert counts(con, FIRST)["cmteb_changes"] == 0 and counts(con, SECOND)["cmteb_changes"] > 0
        assert con.execute("select distinct previous_date from cmteb_changes").fetchall() == [(FIRST,)]
        rows = con.execute("select status, source_version, details->>'$.reason', rows_written from runs"
                           " where flow = 'mteb_snapshot' order by started_at").fetchall()
        issues = con.execute("select snapshot_date, count(*) from data_issues where source = 'mteb'"
                             " group by 1 order by 1").fetchall()
    assert [r[0] for r in rows] == ["completed", "skipped", "completed", "completed"]
    assert rows[1][2] == "source unchanged" and rows[1][3] == 0 and len(rows[0][1]) == 40
    assert [d for d, _ in issues] == [FIRST, SECOND] and all(n > 0 for _, n in issues)


def test_a_truncated_parquet_fails_the_run_and_writes_nothing(prefect_backend, replay_data, replay_hub, mteb_versions,
                                                              tmp_path):
    from flows.mteb_snapshot import mteb_snapshot

    files = dict(mteb_versions[-1].files)
    parquet = files["data/train-00000-of-00001.parquet"]
    files["data/train-00000-of-00001.parquet"] = parquet[: len(parquet) // 3]
    replay_data.add_repo("dataset", "radar-test/mteb-truncated", [RepoVersion(None, files)])
    warehouse = str(tmp_path / "w.duckdb")
    with pytest.raises(SourceError, match="not a readable parquet file"):
        mteb_snapshot(snapshot_date=FIRST, config_path=config(tmp_path, "radar-test/mteb-truncated"),
                      db_path=warehouse)
    with db.reader(warehouse) as con:
        assert counts(con, FIRST) == dict.fromkeys(counts(con, FIRST), 0)
        (status, error), = con.execute("select status, error from runs where flow = 'mteb_snapshot'").fetchall()
    assert status == "failed" and "train-00000-of-00001.parquet" in error
