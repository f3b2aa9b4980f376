"""The weekly ranking report: read the week from the warehouse, write Markdown + HTML, publish artifacts."""

from __future__ import annotations

import time

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from flows.common import close_run, recorded_run, settings
from flows.notify import notify_failure
from pipeline.config import Config
from pipeline.report.build import BuiltReport, load, resolve_langs, write_report
from pipeline.report.model import ReportData
from warehouse.db import WarehouseMissing
from warehouse.redact import scrubbed
from warehouse.runs import RunRecord


@task(cache_policy=NO_CACHE)
@scrubbed
def read_week(db: str, cfg: Config, week: str | None) -> ReportData:
    """Every section's data for the week, through one read-only connection."""
    return load(db, cfg, week)


@task(cache_policy=NO_CACHE)
@scrubbed
def write_files(data: ReportData, cfg: Config, langs: tuple[str, ...], reports_dir: str) -> BuiltReport:
    """Charts, Markdown and HTML for each language, written atomically under ``reports_dir/<week>/``."""
    return write_report(data, cfg, langs, reports_dir)


@flow(name="weekly_report", on_failure=[notify_failure], on_crashed=[notify_failure])
@scrubbed
def weekly_report(week: str | None = None, lang: str | None = None, config_path: str | None = None,
                  db_path: str | None = None, reports_dir: str | None = None) -> dict:
    """Build ``reports/<week>/report.md`` and ``report.html`` (plus ``report.<lang>.*`` for the other
    language) and publish the Markdown and the ranking as Prefect artifacts.

    ``week`` is ``YYYY-Www`` (default: the latest week with data); ``lang`` is ``zh`` or ``en`` (default:
    both). Rebuilding a past week from the same warehouse writes the same bytes.
    """
    cfg, db = settings(config_path, db_path)
    langs = resolve_langs(lang)
    if not db.is_file():
        raise WarehouseMissing(f"no warehouse at {db}; run `radar demo` or `radar run` first")
    out_dir = str(reports_dir or cfg.reports_dir)
    with recorded_run(db, "weekly_report") as run_id:
        started = time.perf_counter()
        data = read_week(str(db), cfg, week)
        built = write_files(data, cfg, langs, out_dir)
        built.seconds["total"] = time.perf_counter() - started
        for code in langs:
            create_markdown_artifact(key=f"weekly-report-{code}", markdown=built.markdown[code],
                                     description=f"Weekly report {built.week} ({code}), files in {out_dir}/{built.week}")
        create_table_artifact(key="weekly-ranking", table=built.ranking,
                              description=f"Top {cfg.report.top_n} per profile, week {built.week}")
        files = [str(p) for p in built.files if p.suffix in (".md", ".html")]
        record = RunRecord(run_id=run_id, flow="weekly_report", snapshot_date=data.method.week_end,
                           details={"week": built.week, "files": files, "seconds": built.seconds,
                                    "warnings": built.warnings})
        close_run(db, record)
    logger = get_run_logger()
    for warning in built.warnings:
        logger.warning("weekly report %s: %s", built.week, warning)
    logger.info("weekly report %s: %s", built.week, ", ".join(files))
    return {"run_id": run_id, "week": built.week, "files": files, "warnings": built.warnings,
            "seconds": {k: round(v, 3) for k, v in built.seconds.items()}}

