"""Benchmark: snapshot 20,000 models from the replay Hub (1,000 per page).

Side by side in one run, against the same replay Hub and the same pages:
  bare   - ``HfApi.list_models(filter="zh", expand=[...])`` iterated to the end (the client alone);
  fetch  - pipeline.hub.fetch_models + normalisation + the DuckDB write (the flow's work, no Prefect);
  flow   - the ``hub_snapshot`` Prefect flow, in a subprocess, with its peak RSS (ephemeral server
           start-up measured separately by a warm-up flow in that process).
Targets (issue 2): flow <= 1.5x bare, peak memory <= 500 MB.

    .venv/bin/python benchmarks/bench_hub_snapshot.py [--models 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DAY = date(2026, 11, 23)


def synthetic_hub(n: int):
    from pipeline.replay_hub import ReplayData

    models, history = [], []
    for i in range(n):
        model_id = f"org{i % 97}/zh-embedding-{i:05d}"
        models.append({
            "id": model_id, "tags": ["zh", "sentence-transformers", "license:mit", "safetensors"],
            "pipeline_tag": "sentence-similarity", "library_name": "sentence-transformers",
            "createdAt": "2024-01-01T00:00:00.000Z", "lastModified": "2024-06-01T00:00:00.000Z",
            "cardData": {"license": "mit", "language": ["zh"]},
            "safetensors": {"parameters": {"F32": 1000 + i}, "total": 1000 + i},
        })
        history.append({"date": DAY, "model_id": model_id, "downloads": 10 * i, "downloads_all_time": 100 * i,
                        "likes": i % 50, "trending_score": i % 7})
    return ReplayData(models=models, history=history)


def bare(endpoint: str) -> tuple[float, int]:
    from huggingface_hub import HfApi

    from pipeline.config import EXPAND_FIELDS

    started = time.perf_counter()
    count = sum(1 for _ in HfApi(endpoint=endpoint).list_models(filter="zh", expand=list(EXPAND_FIELDS)))
    return time.perf_counter() - started, count


CONFIG = '[[hub.queries]]\nname = "zh"\nfilter = ["zh"]\n[hub]\npage_size = 1000\n'


def pipeline_only(endpoint: str, workdir: Path) -> tuple[float, int]:
    from pipeline.config import load_config
    from pipeline.families import assign_families
    from pipeline.hub import fetch_models
    from pipeline.normalize import normalize_all
    from warehouse.hub import write_hub_snapshot
    from warehouse.runs import RunRecord, start_run

    cfg = load_config(workdir / "radar.toml", env={})
    db = workdir / "fetch.duckdb"
    started = time.perf_counter()
    fetched = fetch_models(cfg.hub, endpoint)
    rows, issues = normalize_all(fetched.items, fetched.found_by, DAY)
    families = assign_families({r.model_id: r.base_model for r in rows}, {r.model_id: r.downloads_all_time for r in rows})
    run_id = start_run(db, "hub_snapshot", DAY)
    write_hub_snapshot(db, RunRecord(run_id=run_id, flow="hub_snapshot", snapshot_date=DAY), rows, families, issues)
    return time.perf_counter() - started, len(rows)


FLOW_SCRIPT = textwrap.dedent("""
    import json, resource, sys, time
    from prefect import flow
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    import flows
    from flows.hub_snapshot import hub_snapshot

    @flow
    def warm_up():
        return 1

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        t0 = time.perf_counter(); warm_up(); startup = time.perf_counter() - t0
        t0 = time.perf_counter()
        result = hub_snapshot(snapshot_date="2026-11-23", config_path=sys.argv[1], db_path=sys.argv[2], endpoint=sys.argv[3])
        wall = time.perf_counter() - t0
    print(json.dumps({"startup": startup, "wall": wall, "models": result["models"],
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=20_000)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    from pipeline.replay_hub import ReplayHub

    with tempfile.TemporaryDirectory() as tmp, ReplayHub(synthetic_hub(args.models), port=0, as_of=DAY) as hub:
        workdir = Path(tmp)
        (workdir / "radar.toml").write_text(CONFIG)
        env = {**os.environ, "PREFECT_HOME": str(workdir / "prefect"), "HF_ENDPOINT": hub.url}
        bare_s, n_bare = bare(hub.url)
        fetch_s, n_fetch = pipeline_only(hub.url, workdir)
        proc = subprocess.run([sys.executable, "-c", FLOW_SCRIPT, str(workdir / "radar.toml"),
                               str(workdir / "flow.duckdb"), hub.url],
                              capture_output=True, text=True, env=env, cwd=ROOT, timeout=900)
        if proc.returncode:
            sys.exit(f"flow run failed:\n{proc.stderr[-3000:]}")
        flow = json.loads(proc.stdout.strip().splitlines()[-1])
    assert n_bare == n_fetch == flow["models"] == args.models, (n_bare, n_fetch, flow["models"])
    print(f"models: {args.models} (pages of 1,000)")
    print(f"bare HfApi.list_models iteration : {bare_s:6.2f} s")
    print(f"pipeline (fetch+normalise+write)  : {fetch_s:6.2f} s   ratio {fetch_s / bare_s:.2f}x")
    print(f"hub_snapshot flow                 : {flow['wall']:6.2f} s   ratio {flow['wall'] / bare_s:.2f}x (target <= 1.5x)")
    print(f"Prefect ephemeral start-up        : {flow['startup']:6.2f} s   (separate, once per process)")
    print(f"flow process peak RSS             : {flow['peak_rss_mb']:6.0f} MB (target <= 500 MB)")


if __name__ == "__main__":
    main()
