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

from pipeline import progress
from pipeline.config import Config, load_config

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


def run_demo(db_path: str | None = None, config_path: str | None = None) -> dict[str, Any]:
    """Replay every recorded date through the pipeline; returns what each step did and where the results are.

    Progress is reported through :mod:`pipeline.progress` (the CLI shows it); nothing is printed here.
    """
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from pipeline.replay_hub import ReplayHub

    cfg = load_config(config_path or DEMO_CONFIG)
    db = db_path or str(cfg.db)
    config_path = str(config_path or DEMO_CONFIG)
    with progress.step("Preparing the replay Hub"):
        data = demo_replay_data(cfg)
    dates = data.dates
    replayed = []
    with ReplayHub(data, port=0) as hub, temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        os.environ["HF_ENDPOINT"] = hub.url
        from flows.hub_snapshot import hub_snapshot
        from flows.mteb_snapshot import mteb_snapshot
        from flows.scores import compute_scores
        from flows.smoke import smoke_tests
        from flows.weekly_report import weekly_report

        with progress.step("Replaying the recorded dates", total=len(dates)) as replaying:
            for when in dates:
                started = time.perf_counter()
                hub.as_of = when
                snap = hub_snapshot(snapshot_date=when, config_path=config_path, db_path=db, endpoint=hub.url)
                mteb = mteb_snapshot(snapshot_date=when, config_path=config_path, db_path=db)
                scores = compute_scores(as_of=when, config_path=config_path, db_path=db)
                replayed.append({"date": when.isoformat(), "models": snap["models"], "issues": snap["issues"],
                                 "cmteb": mteb.get("status", ""), "cmteb_issues": mteb.get("issues", 0),
                                 "ranked": scores.get("ranked", {}), "seconds": time.perf_counter() - started})
                replaying.advance(detail=f"{when}: {snap['models']} models, C-MTEB {mteb.get('status', '')}")
        last = dates[-1]
        with progress.step(f"Smoke-testing the top models as of {last}"):
            smoke = smoke_tests(config_path=config_path, db_path=db, snapshot_date=last)
        with progress.step(f"Scoring {last} again with the measured speeds"):
            compute_scores(as_of=last, config_path=config_path, db_path=db)
        with progress.step("Writing the weekly report"):
            report = weekly_report(config_path=config_path, db_path=db, reports_dir=str(cfg.reports_dir))
    return {"db": db, "dates": replayed, "smoke": smoke, "week": report.get("week"),
            "reports": report.get("files", [])}
