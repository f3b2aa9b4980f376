"""Writes (one transaction per snapshot, reruns replace) and the SQL surface: the issue's two questions,
the snapshot in force on each run date, and the coverage gaps against the Hub side."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import polars as pl
import pytest

from pipeline.cmteb.snapshot import build_snapshot
from pipeline.normalize import ModelRow
from warehouse import db
from warehouse.cmteb import SnapshotInfo, hub_families, load_tables, snapshot_in_force, write_cmteb_snapshot
from warehouse.hub import write_hub_snapshot
from warehouse.runs import RunRecord, finish_run, start_run

D1, SKIP, D2 = date(2026, 9, 28), date(2026, 10, 5), date(2026, 10, 26)
LATE = ["Kingsoft-LLM/QZhou-Embedding-Zh", "tencent/Youtu-Embedding"]
TOP10 = """
WITH now AS (SELECT max(as_of) AS day FROM cmteb_in_force),
     cur AS (SELECT max(snapshot_date) AS d FROM cmteb_snapshots, now WHERE snapshot_date <= now.day),
     ago AS (SELECT max(snapshot_date) AS d FROM cmteb_snapshots, now WHERE snapshot_date <= now.day - 28)
SELECT lb.model_name, round(lb.mean_task, 2) AS mean_task, lb.borda_rank AS rank,
       old.borda_rank AS rank_a_month_ago
FROM cmteb_leaderboard lb
LEFT JOIN cmteb_leaderboard old ON old.snapshot_date = (SELECT d FROM ago) AND old.protocol = lb.protocol
                               AND old.model_name = lb.model_name
WHERE lb.protocol = 'leaderboard' AND lb.snapshot_date = (SELECT d FROM cur)
ORDER BY lb.mean_task DESC NULLS LAST
LIMIT 10
"""
UNEVALUATED = """
SELECT model_id, downloads_30d, n_tasks_cmn, complete_lenient,
       len(family_evaluated) AS evaluated_in_family
FROM cmteb_coverage
WHERE NOT family_complete_leaderboard
ORDER BY downloads_30d DESC NULLS LAST
LIMIT 10
"""


def hub_side(path, day):
    rows = [ModelRow("BAAI/bge-large-zh-v1.5", downloads_30d=900_000),
            ModelRow("someone/bge-large-zh-v1.5-gguf", downloads_30d=80_000, base_model="BAAI/bge-large-zh-v1.5"),
            ModelRow("moka-ai/m3e-small", downloads_30d=400_000),
            ModelRow("Kingsoft-LLM/QZhou-Embedding-Zh", downloads_30d=10_000),
            ModelRow("acme/zh-embed-tiny", downloads_30d=50_000)]
    families = {r.model_id: r.model_id for r in rows} | {"someone/bge-large-zh-v1.5-gguf": "BAAI/bge-large-zh-v1.5"}
    run = start_run(path, "hub_snapshot", day)
    write_hub_snapshot(path, RunRecord(run_id=run, flow="hub_snapshot", snapshot_date=day), rows, families, [])


def snapshot(path, day, source):
    run = start_run(path, "mteb_snapshot", day)
    previous = snapshot_in_force(path, day, before=True)
    built = build_snapshot(source, hub_families(path), load_tables(path, previous.snapshot_date) if previous else None)
    record = RunRecord(run_id=run, flow="mteb_snapshot", snapshot_date=day, source_version=source.version)
    write_cmteb_snapshot(path, record, SnapshotInfo(day, source.source, source.version),
                         previous.snapshot_date if previous else None, source.scores.height, built.tables,
                         built.changes, source.issues)
    return built


@pytest.fixture(scope="module")
def warehouse(checkout_snapshot, tmp_path_factory):
    path = tmp_path_factory.mktemp("warehouse") / "w.duckdb"
    hub_side(path, D1)
    early = replace(checkout_snapshot, version="v1",
                    scores=checkout_snapshot.scores.filter(~pl.col("model_name").is_in(LATE)))
    snapshot(path, D1, early)
    skipped = start_run(path, "mteb_snapshot", SKIP)
    with db.writer(path) as con:
        finish_run(con, RunRecord(run_id=skipped, flow="mteb_snapshot", snapshot_date=SKIP, status="skipped"))
    snapshot(path, D2, replace(checkout_snapshot, version="v2"))
    return path


def query(path, sql):
    with db.reader(path) as con:
        return con.execute(sql).fetchall()


def test_top_10_by_mean_task_this_week_with_their_rank_a_month_ago(warehouse):
    rows = query(warehouse, TOP10)
    assert [r[0] for r in rows[:2]] == LATE and [r[2] for r in rows[:2]] == [1, 2]
    assert rows[0][1] == 78.52 and rows[0][3] is None  # not on the board a month ago
    assert rows[2][0] == "Kingsoft-LLM/QZhou-Embedding" and (rows[2][2], rows[2][3]) == (3, 1)


def test_the_snapshot_in_force_on_each_run_date(warehouse):
    assert query(warehouse, "select as_of, snapshot_date, source_version from cmteb_in_force order by 1") == [
        (D1, D1, "v1"), (SKIP, D1, "v1"), (D2, D2, "v2")]


def test_most_downloaded_models_without_a_complete_result_by_family(warehouse):
    rows = query(warehouse, UNEVALUATED)
    ids = [r[0] for r in rows]
    assert ids == ["BAAI/bge-large-zh-v1.5", "moka-ai/m3e-small", "someone/bge-large-zh-v1.5-gguf",
                   "acme/zh-embed-tiny"]
    by_id = {r[0]: r for r in rows}
    assert by_id["BAAI/bge-large-zh-v1.5"][2:] == (31, True, 1)  # all 31 tasks, a lenient mean, no strict one
    assert by_id["someone/bge-large-zh-v1.5-gguf"][2:] == (0, False, 1)  # evaluated through its family only
    assert by_id["moka-ai/m3e-small"][2] == 0 and by_id["moka-ai/m3e-small"][4] is None


def test_the_two_coverage_gaps(warehouse):
    never = [r[1] for r in query(warehouse, "select * from cmteb_gap_not_evaluated")]
    assert never == ["moka-ai/m3e-small", "acme/zh-embed-tiny"]
    unknown = {r[1] for r in query(warehouse, "select * from cmteb_gap_not_on_hub")}
    assert "openai/text-embedding-ada-002" in unknown and "BAAI/bge-large-zh-v1.5" not in unknown
    models = dict(query(warehouse, f"select model_name, model_id from cmteb_models where snapshot_date = '{D2}'"
                                   " and model_id is not null"))
    assert models == {"BAAI/bge-large-zh-v1.5": "BAAI/bge-large-zh-v1.5",
                      "Kingsoft-LLM/QZhou-Embedding-Zh": "Kingsoft-LLM/QZhou-Embedding-Zh"}


def test_model_metadata_per_snapshot(warehouse):
    (row,) = query(warehouse, "select n_parameters, embed_dim, max_tokens, license, open_weights, zero_shot_pct,"
                              " release_date, in_mteb_registry, n_tasks_cmn from cmteb_models"
                              f" where snapshot_date = '{D2}' and model_name = 'Qwen/Qwen3-Embedding-0.6B'")
    assert row[:5] == (595776512, 1024, 32768, "apache-2.0", True)
    assert 0 <= row[5] < 100 and row[6] == date(2025, 6, 5) and row[7] is True and row[8] == 31


def test_scores_are_stored_on_the_0_100_scale_side_by_side(warehouse):
    (row,) = query(warehouse, "select score, score_available, score_lenient, score_cpack2023, lenient_fallback, splits"
                              f" from cmteb_scores where snapshot_date = '{D2}'"
                              " and model_name = 'BAAI/bge-large-zh-v1.5' and task_name = 'T2Reranking'")
    assert row[0] is None and row[1] is None and 60 < row[2] < 70 and row[3] == row[2] and row[4] == "map"
    assert row[5] == []


def test_a_failed_write_leaves_the_previous_snapshot_whole(warehouse, checkout_snapshot):
    before = query(warehouse, "select count(*) from cmteb_leaderboard")
    built = build_snapshot(checkout_snapshot, {}, None)
    broken = replace(built.tables, leaderboard=built.tables.leaderboard.with_columns(pl.lit(None, pl.Int64)
                                                                                      .alias("borda_rank")))
    run = start_run(warehouse, "mteb_snapshot", D2)
    record = RunRecord(run_id=run, flow="mteb_snapshot", snapshot_date=D2, source_version="v3")
    with pytest.raises(Exception, match="NOT NULL"):
        write_cmteb_snapshot(warehouse, record, SnapshotInfo(D2, "test", "v3"), D1, 1, broken, built.changes, [])
    assert query(warehouse, "select count(*) from cmteb_leaderboard") == before
    assert query(warehouse, f"select source_version from cmteb_snapshots where snapshot_date = '{D2}'") == [("v2",)]
