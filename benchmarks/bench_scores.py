"""Scores at scale: 365 daily snapshots of 20,000 models, measured side by side in one run.

* full recompute: trends over the whole history (``compute_scores(..., full=True)``), the eight criteria and
  the rankings of every profile for the last date, and writing them (one transaction);
* one new day: the same pass after one more daily snapshot (incremental trends, criteria, rankings, write);
* baseline: one plain DuckDB query with the same window functions (differences by ``lag``, 7/28-day and
  week-before ``RANGE`` sums, windowed median/MAD for the spike z-score, rank and its change), written to a
  table; no spreading of irregular intervals, no unknown-day handling.

Each phase runs in its own process, so its peak memory (``VmHWM``, DuckDB included) is its own. Wall time
depends on what else the machine runs; CPU seconds (all threads) are printed beside it.
Targets (issue 15, on 2 cores): full recompute <= 5 s, one new day <= 1 s, peak memory <= 1.5 GB
(issue 4's were 10 s, 2 s and 2 GB).

    .venv/bin/python benchmarks/bench_scores.py [--models 20000] [--days 365] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

START = date(2025, 1, 1)


def generate(path: Path, models: int, days: int) -> None:
    """A synthetic history with the Hub's shape: heavy-tailed rates, trends, late entrants, week-long
    absences, counter glitches, bursts; C-MTEB results for a tenth of the models, smoke tests for a few."""
    from warehouse import db

    with db.writer(path) as con:
        con.execute("SELECT setseed(0.42)")
        con.execute(f"""
            CREATE TEMP TABLE gen AS SELECT i,
                printf('org%03d/model-%05d', i % 700, i) AS model_id,
                exp(1 + 6 * random()) AS rate,
                random() - 0.4 AS growth,
                CASE WHEN random() < 0.1 THEN CAST(random() * 300 AS INTEGER) ELSE 0 END AS start_day,
                CASE WHEN random() < 0.02 THEN CAST(random() * 330 AS INTEGER) ELSE -100 END AS gap_start,
                CAST(pow(10, 7 + 2.5 * random()) AS BIGINT) AS params,
                [512, 768, 1024, 1792][1 + CAST(floor(random() * 4) AS INTEGER)] AS dim,
                ['mit', 'apache-2.0', 'cc-by-nc-4.0', NULL][1 + CAST(floor(random() * 4) AS INTEGER)] AS license
            FROM range({models}) r(i)""")
        con.execute(f"""
            CREATE TEMP TABLE daily AS
            SELECT g.i, g.model_id, d, START + CAST(d AS INTEGER) AS snapshot_date,
                g.rate * (1 + g.growth * d / 365.0) * (0.7 + 0.6 * random())
                    * CASE WHEN random() < 0.0003 THEN 40 ELSE 1 END AS dl
            FROM gen g, range({days + 1}) r(d), (SELECT DATE '{START}' AS START)
            WHERE d >= g.start_day AND NOT (d BETWEEN g.gap_start AND g.gap_start + 6)""")
        con.execute(f"""
            INSERT INTO model_snapshots BY NAME
            SELECT snapshot_date, model_id, 'bench' AS run_id,
                CAST(1000 + sum(dl) OVER w * CASE WHEN random() < 0.00005 THEN 0.5 ELSE 1 END AS BIGINT)
                    AS downloads_all_time,
                CAST(sum(dl) OVER (PARTITION BY model_id ORDER BY snapshot_date
                                   RANGE BETWEEN INTERVAL 29 DAYS PRECEDING AND CURRENT ROW) AS BIGINT) AS downloads_30d,
                CAST(g.rate / 20 AS BIGINT) AS likes, g.params, g.license, 'sentence-transformers' AS library_name,
                ['sentence-transformers', 'zh'] AS tags,
                CASE WHEN g.i % 100 = 99 THEN ['gguf'] ELSE ['safetensors', 'pytorch'] END AS formats,
                TIMESTAMP '2024-06-01' + INTERVAL (g.i % 500) DAY AS last_modified,
                CASE WHEN g.i % 100 = 99 THEN printf('org%03d/model-%05d', (g.i - 1) % 700, g.i - 1) END AS base_model,
                CASE WHEN g.i % 100 = 99 THEN 'quantized' END AS base_relation
            FROM daily JOIN gen g USING (i, model_id)
            WHERE d < {days}
            WINDOW w AS (PARTITION BY model_id ORDER BY snapshot_date)
            ORDER BY snapshot_date, model_id""")
        con.execute("""
            INSERT INTO models (model_id, author, created_at, first_seen, last_seen, family_id, base_model,
                                base_relation)
            SELECT s.model_id, split_part(s.model_id, '/', 1),
                CASE WHEN g.start_day > 0 THEN TIMESTAMP '2025-01-01' + INTERVAL (g.start_day - 3) DAY
                     ELSE TIMESTAMP '2023-01-01' + INTERVAL (g.i % 600) DAY END,
                min(s.snapshot_date), max(s.snapshot_date),
                coalesce(any_value(s.base_model), s.model_id), any_value(s.base_model), any_value(s.base_relation)
            FROM model_snapshots s JOIN gen g USING (model_id) GROUP BY s.model_id, g.start_day, g.i""")
        con.execute(f"""
            INSERT INTO cmteb_leaderboard BY NAME
            SELECT DATE '{START}' AS snapshot_date, 'lenient' AS protocol, model_id AS model_name, model_id,
                m AS mean_task_type, m AS mean_task, m + 5 * (random() - 0.5) AS retrieval,
                m + 5 * (random() - 0.5) AS reranking, m AS sts, m AS pair_classification, m AS classification,
                m AS clustering, 31 AS n_tasks, 31 AS tasks_expected,
                CAST(row_number() OVER (ORDER BY m DESC) AS INTEGER) AS borda_rank
            FROM (SELECT model_id, 50 + 25 * random() AS m FROM gen WHERE i % 10 = 0)""")
        con.execute(f"""
            INSERT INTO cmteb_models BY NAME
            SELECT DATE '{START}' AS snapshot_date, model_id AS model_name, model_id, model_id AS family_id,
                true AS in_mteb_registry, params AS n_parameters, dim AS embed_dim,
                [512, 8192, 32768][1 + i % 3] AS max_tokens, license, CAST(60 + i % 41 AS INTEGER) AS zero_shot_pct,
                CASE WHEN i % 3 = 0 THEN 'https://example.org/data' END AS public_training_data,
                31 AS n_tasks_cmn
            FROM gen WHERE i % 10 = 0""")
        con.execute("""
            INSERT INTO smoke_results BY NAME
            SELECT 'bench' AS run_id, DATE '2025-01-01' AS snapshot_date, TIMESTAMP '2025-01-01' AS tested_at, model_id,
                CASE WHEN i % 13 = 0 THEN 'failed' ELSE 'passed' END AS status,
                CASE WHEN i % 13 = 0 THEN 'load_error' END AS failure_class,
                5e9 / params * (0.8 + 0.4 * random()) AS sentences_per_second, dim AS embedding_dim
            FROM gen WHERE i % 67 = 0""")
        con.execute(f"""
            CREATE TABLE bench_next_day AS
            SELECT s.* REPLACE (s.snapshot_date + 1 AS snapshot_date,
                                s.downloads_all_time + CAST(g.rate AS BIGINT) AS downloads_all_time)
            FROM model_snapshots s JOIN gen g USING (model_id)
            WHERE s.snapshot_date = DATE '{START}' + {days - 1}""")


BASELINE = """
CREATE OR REPLACE TABLE bench_baseline AS
WITH diffs AS (
    SELECT snapshot_date, model_id, downloads_30d,
           downloads_all_time - lag(downloads_all_time) OVER (PARTITION BY model_id ORDER BY snapshot_date) AS d1
    FROM model_snapshots
),
sums AS (
    SELECT *,
        sum(d1) OVER (m RANGE BETWEEN INTERVAL 6 DAYS PRECEDING AND CURRENT ROW) AS d7,
        sum(d1) OVER (m RANGE BETWEEN INTERVAL 13 DAYS PRECEDING AND INTERVAL 7 DAYS PRECEDING) AS before7,
        sum(d1) OVER (m RANGE BETWEEN INTERVAL 27 DAYS PRECEDING AND CURRENT ROW) AS d28,
        sum(d1) OVER (m RANGE BETWEEN INTERVAL 34 DAYS PRECEDING AND INTERVAL 7 DAYS PRECEDING) AS before28,
        rank() OVER (PARTITION BY snapshot_date ORDER BY downloads_30d DESC) AS rank
    FROM diffs WINDOW m AS (PARTITION BY model_id ORDER BY snapshot_date)
),
stats AS (
    SELECT *,
        median(ln(1 + d7)) OVER (m RANGE BETWEEN INTERVAL 63 DAYS PRECEDING AND INTERVAL 7 DAYS PRECEDING) AS med,
        mad(ln(1 + d7)) OVER (m RANGE BETWEEN INTERVAL 63 DAYS PRECEDING AND INTERVAL 7 DAYS PRECEDING) AS mad,
        first_value(rank) OVER (m RANGE BETWEEN INTERVAL 7 DAYS PRECEDING AND INTERVAL 7 DAYS PRECEDING) AS rank_before
    FROM sums WINDOW m AS (PARTITION BY model_id ORDER BY snapshot_date)
)
SELECT snapshot_date AS as_of, model_id, d7 AS downloads_7d, d28 AS downloads_28d,
    (d7 - before7) / greatest(before7, 1) AS wow_growth, d28 / 4 AS ma_4w, ln((d7 + 1) / (before7 + 1)) AS log_growth,
    CASE WHEN before28 = 0 THEN 'rising' WHEN d28 / before28 - 1 > 0.1 THEN 'rising'
         WHEN d28 / before28 - 1 >= -0.1 THEN 'steady' WHEN d28 / before28 - 1 >= -0.3 THEN 'cooling'
         ELSE 'fading' END AS momentum,
    0.6745 * (ln(1 + d7) - med) / greatest(mad, 0.1) AS robust_z,
    CASE WHEN d1 < 0 THEN 'negative_diff' WHEN 0.6745 * (ln(1 + d7) - med) / greatest(mad, 0.1) > 3.5 THEN 'spike'
    END AS anomaly,
    rank, rank_before - rank AS rank_change
FROM stats
"""


def phase(name: str, path: Path, days: int) -> dict:
    """One measured phase, in this (fresh) process."""
    from pipeline.config import load_config
    from pipeline.scoring import compute_scores
    from warehouse import db
    from warehouse.runs import RunRecord
    from warehouse.scores import write_scores

    last = START + timedelta(days=days - 1)
    out: dict = {}
    if name == "baseline":
        with db.writer(path) as con:
            started, cpu = time.perf_counter(), time.process_time()
            con.execute(BASELINE)
            out["seconds"], out["cpu"] = time.perf_counter() - started, time.process_time() - cpu
            out["rows"] = con.execute("SELECT count(*) FROM bench_baseline").fetchall()[0][0]
            con.execute("DROP TABLE bench_baseline")
    else:
        if name == "one_day":
            with db.writer(path) as con:
                con.execute("INSERT INTO model_snapshots SELECT * FROM bench_next_day")
            last += timedelta(days=1)
        empty = Path(tempfile.mkdtemp()) / "defaults.toml"
        empty.write_text("", encoding="utf-8")
        cfg = load_config(empty, env={})
        started, cpu = time.perf_counter(), time.process_time()
        with db.reader(path) as con:
            scores = compute_scores(con, last, cfg, full=name == "full")
        computed = time.perf_counter()
        record = RunRecord(run_id=f"bench-{name}-{uuid.uuid4().hex[:8]}", flow="scores", snapshot_date=last)
        with db.writer(path) as con:
            con.execute("INSERT INTO runs (run_id, flow, started_at, status) VALUES (?, 'scores', now(), 'running')",
                        [record.run_id])
        write_scores(path, record, scores)
        out["seconds"], out["cpu"] = time.perf_counter() - started, time.process_time() - cpu
        out["write"] = time.perf_counter() - computed
        out["parts"] = scores.details["seconds"]
        out["rows"] = scores.trends.height
        out["ranked"] = scores.details["ranked"]
        out["anomalies"] = scores.details["anomalies"]
    out["peak_mb"] = _peak_mb()
    return out


def _peak_mb() -> float:
    """This process's peak resident memory (``VmHWM``: unlike ``ru_maxrss`` it does not inherit the parent's)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def run_phase(name: str, path: Path, days: int) -> dict:
    done = subprocess.run([sys.executable, __file__, "--phase", name, "--db", str(path), "--days", str(days)],
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--dir", type=Path, default=None, help="keep the generated warehouse here")
    parser.add_argument("--phase", choices=("full", "one_day", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.db, args.days)))
        return

    workdir = args.dir or Path(tempfile.mkdtemp(prefix="bench_scores_"))
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "bench.duckdb"
    for stale in (path, path.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    generate(path, args.models, args.days)
    print(f"generated {args.days} daily snapshots of {args.models:,} models in {time.perf_counter() - started:.1f} s"
          f" ({path}, {path.stat().st_size / 1e6:.0f} MB); {os.cpu_count()} CPUs")
    results = {name: run_phase(name, path, args.days) for name in ("baseline", "full", "one_day")}

    full, one, base = results["full"], results["one_day"], results["baseline"]
    print(f"load average during the run: {os.getloadavg()[0]:.1f} (1 min) on {os.cpu_count()} CPUs")
    print()
    print(f"{'phase':44} {'wall s':>8} {'CPU s':>7} {'peak MB':>8}  target")
    print(f"{'full recompute (trends + criteria + rankings)':44} {full['seconds']:8.2f} {full['cpu']:7.2f}"
          f" {full['peak_mb']:8.0f}  <= 5 s, <= 1536 MB")
    print(f"{'  trends / criteria / rankings / write':44} "
          + " / ".join(f"{full['parts'][k]:.2f}" for k in ("trends", "criteria", "rankings")) + f" / {full['write']:.2f}")
    print(f"{'one new day (incremental)':44} {one['seconds']:8.2f} {one['cpu']:7.2f} {one['peak_mb']:8.0f}  <= 1 s, <= 1536 MB")
    print(f"{'  trends / criteria / rankings / write':44} "
          + " / ".join(f"{one['parts'][k]:.2f}" for k in ("trends", "criteria", "rankings")) + f" / {one['write']:.2f}")
    print(f"{'baseline: one DuckDB query, trends only':44} {base['seconds']:8.2f} {base['cpu']:7.2f}"
          f" {base['peak_mb']:8.0f}")
    print()
    print(f"trend rows: full {full['rows']:,}, one day {one['rows']:,}, baseline {base['rows']:,}")
    print(f"anomalies flagged (full): {full['anomalies']}; ranked per profile: {full['ranked']}")
    print(f"ratios: full / baseline = {full['seconds'] / base['seconds']:.2f}x, "
          f"one day / full = {one['seconds'] / full['seconds']:.3f}x, "
          f"full trends alone / baseline = {full['parts']['trends'] / base['seconds']:.2f}x")


if __name__ == "__main__":
    main()
