"""Benchmark: snapshot 20,000 models from the replay Hub (1,000 per page), with the Hub still and moving.

Side by side in one run, against the same replay Hub, with the moving-Hub mode off and on (seeded: each
run sees the same movement; docs/replay-hub.md, "A moving Hub"):
  bare   - ``HfApi.list_models(filter="zh", expand=[...])`` iterated to the end (the client alone, in the
           Hub's default order);
  fetch  - pipeline.hub.fetch_models + normalisation + the DuckDB write (the flow's work, no Prefect);
  flow   - the ``hub_snapshot`` Prefect flow, in a subprocess, with its peak RSS (ephemeral server
           start-up and lazy imports measured separately by a warm-up flow in that process).
Completeness of each against the replay Hub's ground truth after the run (every listed model then):
missing models and duplicates; for the snapshot also against its own cut-off (``complete_as_of``).
Times are medians of ``--repeats`` runs (bare and fetch alternate), after a warm-up of both; besides the
wall time, the process CPU time (client and replay Hub run in this process), which a machine shared
with other work disturbs far less. The enumeration alone (``fetch_models``) is timed inside ``fetch``.
Targets: snapshot (fetch + normalise + write) <= 1.3x bare with the mode on and off, 0 duplicates,
0 missing (issue 16); flow <= 1.5x bare, peak memory <= 500 MB (issue 2).

    .venv/bin/python benchmarks/bench_hub_snapshot.py [--models 20000] [--repeats 3] [--seed 1] [--no-flow]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DAY = date(2026, 11, 23)
EPOCH = "2022-03-02T23:29:04.000Z"


def synthetic_hub(n: int):
    """n zh models created a few minutes apart since 2023 (every 40th on the Hub's pre-2022 sentinel date),
    downloads spread over four orders of magnitude, trending scores and likes of their own."""
    from pipeline.replay_hub import ReplayData

    models, history = [], []
    start = datetime(2023, 1, 1, tzinfo=timezone.utc)
    for i in range(n):
        model_id = f"org{i % 97}/zh-embedding-{i:05d}"
        created = EPOCH if i % 40 == 0 else (start + timedelta(minutes=53 * i)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        models.append({
            "id": model_id, "tags": ["zh", "sentence-transformers", "license:mit", "safetensors"],
            "pipeline_tag": "sentence-similarity", "library_name": "sentence-transformers",
            "createdAt": created, "lastModified": "2024-06-01T00:00:00.000Z",
            "cardData": {"license": "mit", "language": ["zh"]},
            "safetensors": {"parameters": {"F32": 1000 + i}, "total": 1000 + i},
        })
        downloads = (i * 7919) % 10_000 * 10 ** (i % 4)
        history.append({"date": DAY, "model_id": model_id, "downloads": downloads, "downloads_all_time": 3 * downloads,
                        "likes": i % 50, "trending_score": (i * 31) % 997})
    return ReplayData(models=models, history=history)


@dataclass
class Run:
    seconds: float
    cpu: float
    served: int
    """Items yielded (bare) or rows stored (snapshot)."""
    duplicates: int
    missing: int
    missing_at_cut_off: int | None = None
    caught_up: int = 0
    issues: int = 0
    listing_seconds: float = 0.0
    listing_cpu: float = 0.0


def truth(hub, created_by: str | None = None) -> set[str]:
    return {r.repo_id for r in hub.data.listed_models(DAY)
            if created_by is None or r.record["createdAt"] <= created_by}


def bare(hub) -> Run:
    from huggingface_hub import HfApi

    from pipeline.config import EXPAND_FIELDS

    started, cpu = time.perf_counter(), time.process_time()
    ids = [m.id for m in HfApi(endpoint=hub.url).list_models(filter="zh", expand=list(EXPAND_FIELDS))]
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return Run(seconds, cpu, len(ids), len(ids) - len(set(ids)), len(truth(hub) - set(ids)))


CONFIG = '[[hub.queries]]\nname = "zh"\nfilter = ["zh"]\n[hub]\npage_size = 1000\n'


def pipeline_only(hub, workdir: Path) -> Run:
    from pipeline.config import load_config
    from pipeline.families import assign_families
    from pipeline.hub import fetch_models
    from pipeline.normalize import normalize_all
    from warehouse import db as warehouse
    from warehouse.hub import write_hub_snapshot
    from warehouse.runs import RunRecord, start_run

    cfg = load_config(workdir / "radar.toml", env={})
    path = workdir / f"fetch-{time.monotonic_ns()}.duckdb"
    started, cpu = time.perf_counter(), time.process_time()
    fetched = fetch_models(cfg.hub, hub.url)
    listing_seconds, listing_cpu = time.perf_counter() - started, time.process_time() - cpu
    rows, issues = normalize_all(fetched.items, fetched.found_by, DAY)
    families = assign_families({r.model_id: r.base_model for r in rows}, {r.model_id: r.downloads_all_time for r in rows})
    run_id = start_run(path, "hub_snapshot", DAY)
    write_hub_snapshot(path, RunRecord(run_id=run_id, flow="hub_snapshot", snapshot_date=DAY), rows, families,
                       fetched.issues + issues)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    with warehouse.reader(path) as con:
        stored = [r[0] for r in con.execute("SELECT model_id FROM model_snapshots").fetchall()]
        n_issues = con.execute("SELECT count(*) FROM data_issues").fetchone()[0]
    return Run(seconds, cpu, len(stored), len(stored) - len(set(stored)), len(truth(hub) - set(stored)),
               len(truth(hub, fetched.complete_as_of) - set(stored)), fetched.caught_up, n_issues,
               listing_seconds, listing_cpu)


FLOW_SCRIPT = textwrap.dedent("""
    import json, resource, sys, time
    from prefect import flow
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    import flows
    from flows.hub_snapshot import hub_snapshot

    @flow
    def warm_up():
        import duckdb, huggingface_hub.utils, pyarrow  # what the timed run imports lazily
        return 1

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        t0 = time.perf_counter(); warm_up(); startup = time.perf_counter() - t0
        sys.stdout.write("ready\\n"); sys.stdout.flush(); sys.stdin.readline()
        t0 = time.perf_counter()
        result = hub_snapshot(snapshot_date="2026-11-23", config_path=sys.argv[1], db_path=sys.argv[2], endpoint=sys.argv[3])
        wall = time.perf_counter() - t0
    print(json.dumps({"startup": startup, "wall": wall, "models": result["models"],
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""")


def flow_run(hub, workdir: Path, moving) -> dict:
    """The flow in a fresh process; the Hub starts moving only once the process has warmed up."""
    from warehouse import db as warehouse

    path = workdir / f"flow-{time.monotonic_ns()}.duckdb"
    env = {**os.environ, "PREFECT_HOME": str(workdir / "prefect"), "HF_ENDPOINT": hub.url}
    proc = subprocess.Popen([sys.executable, "-c", FLOW_SCRIPT, str(workdir / "radar.toml"), str(path), hub.url],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=ROOT)
    if proc.stdout.readline().strip() != "ready":
        sys.exit(f"flow process failed:\n{proc.communicate()[1][-3000:]}")
    hub.moving = moving()
    out, err = proc.communicate("go\n", timeout=900)
    if proc.returncode:
        sys.exit(f"flow run failed:\n{err[-3000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    with warehouse.reader(path) as con:
        stored = [r[0] for r in con.execute("SELECT model_id FROM model_snapshots").fetchall()]
    result.update(duplicates=len(stored) - len(set(stored)), missing=len(truth(hub) - set(stored)))
    hub.stop_moving()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each measurement; medians are reported")
    parser.add_argument("--seed", type=int, default=1, help="seed of the moving-Hub mode")
    parser.add_argument("--no-flow", action="store_true", help="skip the Prefect flow runs")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    from pipeline.replay_hub import ReplayHub
    from pipeline.replay_hub.moving import MovingHub

    results: dict[str, dict[str, list[Run]]] = {}
    flows: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp, ReplayHub(synthetic_hub(args.models), port=0, as_of=DAY) as hub:
        workdir = Path(tmp)
        (workdir / "radar.toml").write_text(CONFIG)
        bare(hub), pipeline_only(hub, workdir)  # warm-up: imports, first connections, caches
        for mode in ("off", "on"):
            def moving() -> MovingHub | None:
                return MovingHub(seed=args.seed) if mode == "on" else None

            runs: dict[str, list[Run]] = {"bare": [], "fetch": []}
            for repeat in range(args.repeats):
                order = ("bare", "fetch") if repeat % 2 == 0 else ("fetch", "bare")
                for kind in order:
                    hub.moving = moving()
                    runs[kind].append(bare(hub) if kind == "bare" else pipeline_only(hub, workdir))
                    hub.stop_moving()
            results[mode] = runs
            if not args.no_flow:
                flows[mode] = flow_run(hub, workdir, moving)
    report(args, results, flows)


def report(args: argparse.Namespace, results: dict[str, dict[str, list[Run]]], flows: dict[str, dict]) -> None:
    print(f"models: {args.models:,} (pages of 1,000), medians of {args.repeats} runs, moving seed {args.seed}"
          " (5 % of the counters move and 3 models are created before each page)")
    print(f"{'moving':<7}{'measure':<34}{'wall s':>8}{'ratio':>7}{'CPU s':>8}{'ratio':>7}"
          f"{'served':>8}{'dupl.':>7}{'missing':>8}")

    def median(runs: list[Run], attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in runs)

    for mode, runs in results.items():
        wall0, cpu0 = median(runs["bare"], "seconds"), median(runs["bare"], "cpu")
        rows = [("bare HfApi.list_models", runs["bare"], "seconds", "cpu"),
                ("  snapshot listing (fetch_models)", runs["fetch"], "listing_seconds", "listing_cpu"),
                ("snapshot (fetch+normalise+write)", runs["fetch"], "seconds", "cpu")]
        for label, kind, wall_attr, cpu_attr in rows:
            wall, cpu, last = median(kind, wall_attr), median(kind, cpu_attr), kind[-1]
            ratios = ("", "") if kind is runs["bare"] else (f"{wall / wall0:.2f}x", f"{cpu / cpu0:.2f}x")
            print(f"{mode:<7}{label:<34}{wall:8.2f}{ratios[0]:>7}{cpu:8.2f}{ratios[1]:>7}"
                  f"{last.served:8,}{last.duplicates:7,}{last.missing:8,}")
        fetch = runs["fetch"]
        print(f"{'':<7}  every run: bare {sum(r.duplicates for r in runs['bare'])} duplicates, "
              f"{sum(r.missing for r in runs['bare'])} missing; snapshot {sum(r.duplicates for r in fetch)} duplicates, "
              f"{sum(r.missing for r in fetch)} missing ({sum(r.missing_at_cut_off or 0 for r in fetch)} at its cut-off), "
              f"{fetch[-1].caught_up} caught up, {sum(r.issues for r in fetch)} data issues")
    for mode, flow in flows.items():
        wall0 = median(results[mode]["bare"], "seconds")
        print(f"{mode:<7}{'hub_snapshot flow':<34}{flow['wall']:8.2f}{flow['wall'] / wall0:6.2f}x{'':>15}"
              f"{flow['models']:8,}{flow['duplicates']:7,}{flow['missing']:8,}")
        print(f"{'':<7}  peak RSS {flow['peak_rss_mb']:.0f} MB, Prefect start-up {flow['startup']:.1f} s (separate)")
    print("targets: snapshot <= 1.3x bare, 0 duplicates, 0 missing, mode on and off (issue 16); "
          "flow <= 1.5x bare, <= 500 MB (issue 2)")


if __name__ == "__main__":
    main()
