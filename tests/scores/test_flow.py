"""The scores flow on a Prefect server: its run record, a rerun, and a failure that leaves a trace."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.scores import compute_scores
from pipeline.scoring import ScoringError
from tests.scores.helpers import WarehouseBuilder, day, rows
from warehouse import db


@pytest.fixture
def defaults(tmp_path: Path) -> str:
    path = tmp_path / "defaults.toml"
    path.write_text("", encoding="utf-8")
    return str(path)


def test_a_scores_run_is_recorded_and_a_rerun_replaces_its_rows(prefect_backend, wh: WarehouseBuilder,
                                                                defaults: str):
    wh.history("a/steady", range(0, 10), per_day=100)
    wh.history("a/other", range(0, 10), per_day=50)
    path = wh.build()
    first = compute_scores(as_of=day(9), config_path=defaults, db_path=str(path))
    assert first["trend_dates"] == [day(0).isoformat(), day(9).isoformat()]
    again = compute_scores(as_of=day(9), config_path=defaults, db_path=str(path))
    assert again["trend_dates"] == [day(9).isoformat(), day(9).isoformat()]  # incremental: only the new date
    runs = rows(path, "SELECT status, rows_written, snapshot_date, details->>'$.trend_rows' AS trend_rows"
                      " FROM runs WHERE flow = 'scores' ORDER BY started_at")
    assert [(r["status"], r["rows_written"], r["snapshot_date"], r["trend_rows"]) for r in runs] == [
        ("completed", 8, day(9), "20"), ("completed", 8, day(9), "2")]
    assert rows(path, "SELECT count(*) AS n FROM download_trends")[0]["n"] == 20
    assert {r["run_id"] for r in rows(path, "SELECT DISTINCT run_id FROM rankings")} == {again["run_id"]}


def test_a_run_without_a_hub_snapshot_fails_and_says_what_to_do(prefect_backend, tmp_path: Path, defaults: str):
    path = tmp_path / "empty.duckdb"
    with db.writer(path):
        pass
    with pytest.raises(ScoringError, match="no Hub snapshot on or before"):
        compute_scores(as_of=day(0), config_path=defaults, db_path=str(path))
    runs = rows(path, "SELECT status, error FROM runs WHERE flow = 'scores'")
    assert runs[0]["status"] == "failed" and "radar run hub" in runs[0]["error"]
