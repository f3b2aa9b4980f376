"""The hub_snapshot flow on a real Prefect backend against the replay Hub: what a scheduled run does."""

from datetime import date

import pytest

from pipeline.replay_hub import FaultPlan, FaultRule
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
    assert first["models"] == again["models"] >= 24 and first["pages"] >= 4

    replay_hub.faults = FaultPlan(rules=[FaultRule(kind="status", status=400, path=r"^/api/models")])
    with pytest.raises(Exception, match="failed after 4 attempts"):
        hub_snapshot(snapshot_date=DAY, config_path=config, db_path=warehouse, endpoint=replay_hub.url)

    with db.reader(warehouse) as con:
        assert con.execute("select count(*) from model_snapshots").fetchall() == [(first["models"],)]
        runs = con.execute("select status, rows_written, source_version, error from runs order by started_at").fetchall()
    assert [r[0] for r in runs] == ["completed", "completed", "failed"]
    assert runs[0][1] == first["models"] and runs[0][2] == replay_hub.url
    assert "400" in runs[2][3] and "zh" in runs[2][3]
