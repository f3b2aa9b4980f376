"""The hub_snapshot flow on a real Prefect backend against the replay Hub: what a scheduled run does."""

import json
from datetime import date

import pytest

from pipeline.replay_hub import FaultPlan, FaultRule
from pipeline.replay_hub.moving import MovingHub
from tests.conftest import BUSY_DAY
from warehouse import db

DAY = date(2025, 1, 20)


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "radar.toml"
    path.write_text('[hub]\npage_size = 7\nretry_base_seconds = 0.01\n[[hub.queries]]\nname = "zh"\nfilter = ["zh"]\n')
    return str(path)


def test_snapshot_rerun_and_failure(prefect_backend, replay_hub, config, tmp_path):
    from flows.hub_snapshot import hub_snapshot

    warehouse = str(tmp_path / "w.duckdb")
    replay_hub.as_of = DAY
    first = hub_snapshot(snapshot_date=DAY, config_path=config, db_path=warehouse, endpoint=replay_hub.url)
    again = hub_snapshot(snapshot_date=DAY, config_path=config, db_path=warehouse, endpoint=replay_hub.url)
    assert first["models"] == again["models"] >= 24 and first["listing"]["pages"] >= 4

    replay_hub.faults = FaultPlan(rules=[FaultRule(kind="status", status=400, path=r"^/api/models")])
    with pytest.raises(Exception, match="failed after 4 attempts"):
        hub_snapshot(snapshot_date=DAY, config_path=config, db_path=warehouse, endpoint=replay_hub.url)

    with db.reader(warehouse) as con:
        assert con.execute("select count(*) from model_snapshots").fetchall() == [(first["models"],)]
        runs = con.execute("select status, rows_written, source_version, error from runs order by started_at").fetchall()
    assert [r[0] for r in runs] == ["completed", "completed", "failed"]
    assert runs[0][1] == first["models"] and runs[0][2] == replay_hub.url
    assert "400" in runs[2][3] and "zh" in runs[2][3]


def test_a_snapshot_of_a_moving_hub_is_complete_and_says_what_it_could_not_settle(
        prefect_backend, busy_hub, tmp_path, monkeypatch):
    from flows.hub_snapshot import hub_snapshot

    config = tmp_path / "radar.toml"
    config.write_text('[hub]\npage_size = 50\nretry_base_seconds = 0.01\n[[hub.queries]]\nname = "zh"\nfilter = ["zh"]\n')
    warehouse = str(tmp_path / "w.duckdb")
    busy_hub.moving = MovingHub(seed=3)
    result = hub_snapshot(snapshot_date=BUSY_DAY, config_path=str(config), db_path=warehouse, endpoint=busy_hub.url)
    truth = {r.repo_id for r in busy_hub.data.listed_models(BUSY_DAY)}
    with db.reader(warehouse) as con:
        stored = [r[0] for r in con.execute("select model_id from model_snapshots").fetchall()]
        details = json.loads(con.execute("select details from runs").fetchone()[0])
    assert sorted(stored) == sorted(truth) and len(truth) > 600
    assert result["listing"]["caught_up"] > 0 and result["listing"]["repeated"] == 0 and result["issues"] == 0
    assert details["listing"]["complete_as_of"] == max(busy_hub.data.records[m]["createdAt"] for m in truth)

    busy_hub.stop_moving()
    monkeypatch.setattr("pipeline.hub.CATCH_UP_PASSES", 2)
    busy_hub.moving = MovingHub(seed=1, inserts=55)  # more new models before each page than a page holds
    again = hub_snapshot(snapshot_date=BUSY_DAY, config_path=str(config), db_path=warehouse, endpoint=busy_hub.url)
    with db.reader(warehouse) as con:
        issues = con.execute("select record_id, field, action, problem from data_issues").fetchall()
    assert again["issues"] == 1 and [i[:3] for i in issues] == [("zh", "listing", "kept")]
    assert "still being created" in issues[0][3]
