"""`radar demo`: the whole pipeline, offline, on the replay Hub and the bundled history.

The replay Hub runs in this process and is moved through every recorded date; on each date the Hub
snapshot, the C-MTEB snapshot and the scores run exactly as they would on a schedule. On the last date the
top models and the test repositories are smoke-tested as of that date (their results belong to the replayed
snapshot, not to today) and the date is scored again, so what the tests measured reaches its criteria; then
the latest week's report is written. Rerunning the demo replaces each date's rows, so row counts do not
change (models already tested at their commit are not tested again).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from pipeline.config import Config, load_config
from pipeline.smoke.result import STATUSES

ROOT = Path(__file__).resolve().parents[1]
DEMO_DIR = ROOT / "data" / "demo"
SOURCES_DIR = ROOT / "data" / "sources"
DEMO_CONFIG = DEMO_DIR / "radar.demo.toml"
BUILD_DIR = ROOT / "data" / "build"


def demo_replay_data(cfg: Config | None = None):
    """The recorded Hub, the ``mteb/results`` dataset versions and the smoke-test repositories."""
    from pipeline.cmteb.replay_dataset import mteb_results_versions
    from pipeline.replay_hub import ReplayData, RepoVersion
    from pipeline.smoke.tiny_models import build_test_repos, minilm_repo

    data = ReplayData.load(DEMO_DIR / "hub")
    data.add_repo("dataset", "mteb/results", mteb_results_versions(SOURCES_DIR / "mteb"))
    for repo_id, path in build_test_repos(BUILD_DIR / "test-repos").items():
        data.add_repo("model", repo_id, [RepoVersion.from_dir(path)])
    data.add_repo("model", "sentence-transformers/all-MiniLM-L6-v2", [RepoVersion.from_dir(minilm_repo())])
    return data


def smoke_line(summary: dict[str, Any]) -> str:
    """``13 models as of 2026-11-26: 2 passed, 4 failed, 6 not available, 1 refused, 0 skipped (...)``."""
    counts = ", ".join(f"{summary[s]} {'not available' if s == 'unavailable' else s}" for s in STATUSES)
    return (f"{summary['models']} models as of {summary['snapshot_date']}: {counts}"
            f" ({summary['tested']} downloaded and run, {summary['already_tested']} already tested earlier)")


def run_demo(db_path: str | None = None, config_path: str | None = None, progress: Any = None) -> dict[str, Any]:
    """Replay every recorded date through the pipeline; returns where the results are."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from pipeline.replay_hub import ReplayHub

    say = progress.print if progress is not None else print
    cfg = load_config(config_path or DEMO_CONFIG)
    db = db_path or str(cfg.db)
    config_path = str(config_path or DEMO_CONFIG)
    say("Preparing the replay Hub (building the tiny test models on first use) ...")
    data = demo_replay_data(cfg)
    dates = data.dates
    with ReplayHub(data, port=0) as hub, temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        os.environ["HF_ENDPOINT"] = hub.url
        from flows.hub_snapshot import hub_snapshot
        from flows.mteb_snapshot import mteb_snapshot
        from flows.scores import compute_scores
        from flows.smoke import smoke_tests
        from flows.weekly_report import weekly_report

        say(f"Replay Hub at {hub.url}; replaying {len(dates)} recorded dates into {db}")
        for when in dates:
            started = time.perf_counter()
            hub.as_of = when
            snap = hub_snapshot(snapshot_date=when, config_path=config_path, db_path=db, endpoint=hub.url)
            mteb = mteb_snapshot(snapshot_date=when, config_path=config_path, db_path=db)
            compute_scores(as_of=when, config_path=config_path, db_path=db)
            say(f"  {when}: {snap['models']} models, {snap['issues']} issues; "
                f"C-MTEB {mteb.get('status', '')}; scores done ({time.perf_counter() - started:.1f} s)")
        last = dates[-1]
        say(f"Smoke-testing the top models and the test repositories as of {last} ...")
        smoke = smoke_tests(config_path=config_path, db_path=db, snapshot_date=last)
        say(f"  {smoke_line(smoke)}")
        compute_scores(as_of=last, config_path=config_path, db_path=db)
        say(f"  {last} scored again with the measured speeds")
        say("Writing the weekly report ...")
        report = weekly_report(config_path=config_path, db_path=db, reports_dir=str(cfg.reports_dir))
    return {"db": db, "dates": [d.isoformat() for d in dates], "reports": report.get("files", [])}

