"""The weekly_report flow on a Prefect API: files, the run record, and the two artifacts."""

from __future__ import annotations

import shutil

import duckdb
import pytest


@pytest.mark.usefixtures("prefect_backend")
def test_flow_writes_both_languages_records_the_run_and_publishes_artifacts(report_db, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    from flows.weekly_report import weekly_report

    db = tmp_path / "radar.duckdb"
    shutil.copy(report_db, db)
    state = weekly_report(db_path=str(db), reports_dir=str(tmp_path / "reports"), return_state=True)
    result = state.result()
    assert result["week"] == "2026-W34"
    assert sorted(p.rsplit("/", 1)[-1] for p in result["files"]) == [
        "report.en.html", "report.en.md", "report.html", "report.md"]
    assert all((tmp_path / "reports" / "2026-W34" / name).is_file() for name in ("report.md", "report.en.html"))

    with duckdb.connect(str(db), read_only=True) as con:
        status, snapshot_date, details = con.execute(
            "SELECT status, snapshot_date, details FROM runs WHERE flow = 'weekly_report'").fetchall()[0]
    assert status == "completed" and str(snapshot_date) == "2026-08-23"
    assert '"week": "2026-W34"' in details

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])))
    by_key = {a.key: a for a in artifacts}
    assert set(by_key) == {"weekly-report-zh", "weekly-report-en", "weekly-ranking"}
    assert by_key["weekly-report-en"].data.startswith("# Embedding Radar weekly report: 2026-W34")
    assert "](charts/" not in by_key["weekly-report-en"].data  # the artifact cannot show the SVG files
    ranking = by_key["weekly-ranking"].data
    assert '"model_id": "BAAI/bge-large-zh-v1.5"' in ranking and '"profile": "rag"' in ranking


@pytest.mark.usefixtures("prefect_backend")
def test_flow_fails_clearly_without_a_warehouse(tmp_path):
    from flows.weekly_report import weekly_report
    from warehouse.db import WarehouseMissing

    with pytest.raises(WarehouseMissing, match="no warehouse"):
        weekly_report(db_path=str(tmp_path / "none.duckdb"), reports_dir=str(tmp_path))
    assert not (tmp_path / "none.duckdb").exists()
