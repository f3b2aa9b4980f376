"""Building reports: the default week, missing data said plainly, bad arguments, byte-identical rebuilds."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipeline.report.build import ReportError, build_report
from pipeline.report.data import failed_checks
from pipeline.report.weeks import WeekError, WeekWithoutData
from warehouse import db
from warehouse.db import WarehouseMissing


def _contents(paths: list[Path]) -> dict[str, bytes]:
    return {p.name if p.parent.name != "charts" else f"charts/{p.name}": p.read_bytes() for p in paths}


def test_default_is_the_latest_week_with_data(built):
    assert built.week == "2026-W34"
    names = sorted(p.name for p in built.files if p.parent.name == "2026-W34")
    assert names == ["report.en.html", "report.en.md", "report.html", "report.md"]


def test_rebuilding_a_past_week_later_gives_the_same_bytes(tmp_path, cfg, rows):
    path = tmp_path / "radar.duckdb"
    rows.build(path, until=date(2026, 8, 16))  # the warehouse as it was at the end of 2026-W33
    then = build_report(path, cfg, week="2026-W33", reports_dir=tmp_path / "then")
    then_files = _contents(then.files)
    rows.build(path)  # a week later: new snapshots, a new C-MTEB snapshot, a new smoke test
    now = build_report(path, cfg, week="2026-W33", reports_dir=tmp_path / "now")
    assert _contents(now.files) == then_files
    latest = build_report(path, cfg, reports_dir=tmp_path / "latest")
    assert latest.week == "2026-W34"
    assert _contents(latest.files) != then_files


def test_the_same_week_twice_is_byte_identical(report_db, cfg, built, tmp_path):
    again = build_report(report_db, cfg, week="2026-W34", reports_dir=tmp_path)
    assert _contents(again.files) == _contents(built.files)


def test_one_language_on_request(report_db, cfg, tmp_path):
    only = build_report(report_db, cfg, week="2026-W34", lang="en", reports_dir=tmp_path)
    assert sorted(p.name for p in only.files if p.suffix in (".md", ".html")) == ["report.en.html", "report.en.md"]
    assert "中文版" not in (tmp_path / "2026-W34" / "report.en.md").read_text(encoding="utf-8")


def test_tables_that_do_not_exist_yet_are_reported_not_fatal(tmp_path, cfg):
    path = tmp_path / "core-only.duckdb"
    with db.writer(path, migrate_schema=False) as con:
        db.migrate(con, up_to=1)  # only the core tables: runs, models, model_snapshots, data_issues
        con.execute("INSERT INTO model_snapshots (snapshot_date, model_id, run_id, downloads_30d, license)"
                    " VALUES ('2026-08-17', 'BAAI/bge-m3', 'r1', 1000, 'mit')")
    report = build_report(path, cfg, reports_dir=tmp_path / "out")
    assert report.week == "2026-W34"
    md = (tmp_path / "out" / "2026-W34" / "report.en.md").read_text(encoding="utf-8")
    for table in ("rankings", "download_trends", "cmteb_snapshots", "smoke_results", "criteria_scores"):
        assert f"No data: the table {table} does not exist yet" in md, table
    zh = (tmp_path / "out" / "2026-W34" / "report.md").read_text(encoding="utf-8")
    assert "暂无数据：数据表 rankings 尚不存在" in zh
    html = (tmp_path / "out" / "2026-W34" / "report.html").read_text(encoding="utf-8")
    assert "<img" not in html and "<h2>方法与数据来源</h2>" in html


def test_a_week_without_data_is_an_error_not_an_empty_report(report_db, cfg, tmp_path):
    """A report of "no data" for a typo'd or future week would only mislead; the error says which weeks exist."""
    for week in ("2026-W10", "2026-W40"):
        with pytest.raises(WeekWithoutData, match=rf"^week: {week} has no data .* from 2026-W23 to 2026-W34$"):
            build_report(report_db, cfg, week=week, lang="en", reports_dir=tmp_path)
    assert not list(tmp_path.iterdir())


def test_a_protocol_without_rows_is_named(report_db, cfg, tmp_path):
    from dataclasses import replace

    other = replace(cfg, scores=replace(cfg.scores, protocol="cpack2023"))
    build_report(report_db, other, lang="en", reports_dir=tmp_path)
    md = (tmp_path / "2026-W34" / "report.en.md").read_text(encoding="utf-8")
    assert "nothing stored for the configured protocol cpack2023 (stored: leaderboard, lenient)" in md


def test_bad_arguments_fail_with_one_clear_line(report_db, cfg, tmp_path):
    with pytest.raises(WeekError, match="YYYY-Www"):
        build_report(report_db, cfg, week="2026-35", reports_dir=tmp_path)
    with pytest.raises(ReportError, match="lang: expected one of zh, en"):
        build_report(report_db, cfg, lang="fr", reports_dir=tmp_path)
    with pytest.raises(WarehouseMissing, match="no warehouse"):
        build_report(tmp_path / "nothing.duckdb", cfg, reports_dir=tmp_path)
    empty = tmp_path / "empty.duckdb"
    with db.writer(empty):
        pass
    with pytest.raises(ReportError, match="holds no snapshots or rankings yet"):
        build_report(empty, cfg, reports_dir=tmp_path)


def test_failed_checks_are_named_once_across_backends():
    stored = ('[{"name": "unk_rate", "backend": "transformers", "passed": false},'
              ' {"name": "unk_rate", "backend": "sentence_transformers", "passed": false},'
              ' {"name": "finite", "backend": "transformers", "passed": false},'
              ' {"name": "dimension", "backend": "transformers", "passed": true}]')
    assert failed_checks(stored) == ("finite", "unk_rate")
    assert failed_checks([{"name": "determinism", "passed": False}]) == ("determinism",)
    assert failed_checks("not json") == ()
    assert failed_checks(None) == ()


def test_no_synthetic_banner_when_every_snapshot_came_from_the_hub_or_a_mirror(report_db, cfg, tmp_path):
    real = tmp_path / "real.duckdb"
    shutil.copy(report_db, real)
    with duckdb.connect(str(real)) as con:
        con.execute("UPDATE hub_snapshots SET source_kind = 'mirror', source_name = endpoint, synthetic_fields = [],"
                    " rule_fields = [], announced = NULL")
    built = build_report(real, cfg, reports_dir=tmp_path / "reports")
    for path in built.files:
        if path.suffix in (".md", ".html"):
            text = path.read_text(encoding="utf-8")
            assert "⚠" not in text and 'role="note"' not in text, path
    en = (tmp_path / "reports" / built.week / "report.en.md").read_text(encoding="utf-8")
    assert "(a mirror)." in en and "Synthetic" not in en
