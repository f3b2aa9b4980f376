"""Benchmark: how long the everyday commands and the usage mistakes take, as a user runs them.

Side by side in one run, each command run ``--repeat`` times as a fresh process (the console script
``radar``, exactly as a user types it), median and best reported:
  cold start    ``python -c pass`` and ``radar --help`` (interpreter, then typer/rich/config imports): the
                floor every command pays, measured separately;
  radar top     the default shortlist, and its JSON;
  radar report  both languages, then one, into a scratch folder;
  mistakes      every usage mistake of issue 15 and 14 (one line, exit 2, no flow): time, exit status, lines;
and in-process (no interpreter start): ``render_top`` and ``build_report``, to show where the time goes.
Targets (issue 15): ``radar top`` <= 0.5 s, ``radar report`` <= 3 s, each mistake < 2 s.

    .venv/bin/radar demo                # once: the demo warehouse
    .venv/bin/python benchmarks/bench_cli.py [--db data/radar.duckdb] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RADAR = str(Path(sys.executable).parent / "radar")

MISTAKES = [
    ("report --week 2026-48", ["report", "--week", "2026-48"], {}),
    ("--db missing.duckdb report", ["--db", "{tmp}/missing.duckdb", "report"], {}),
    ("report --db missing.duckdb", ["report", "--db", "{tmp}/missing.duckdb"], {}),
    ("report --lang fr", ["report", "--lang", "fr"], {}),
    ("top --lang fr", ["top", "--lang", "fr"], {}),
    ("report --week 2020-W01 (no data)", ["report", "--week", "2020-W01"], {}),
    ("run hub --date 2026-13-45", ["run", "hub", "--date", "2026-13-45"], {}),
    ("run hub --date 2099-01-01", ["run", "hub", "--date", "2099-01-01"], {}),
    ("run hub --date 1970-01-01", ["run", "hub", "--date", "1970-01-01"], {}),
    ("RADAR_SMOKE_TOP_N=abc run smoke", ["run", "smoke"], {"RADAR_SMOKE_TOP_N": "abc"}),
    ("smoke.timeout_seconds = nan", ["run", "smoke"], {"RADAR_CONFIG": "{tmp}/nan.toml"}),
    ("profiles = 3", ["top"], {"RADAR_CONFIG": "{tmp}/profiles.toml"}),
    ("arrays nested 2000 deep", ["run", "hub"], {"RADAR_CONFIG": "{tmp}/deep.toml"}),
    ("top --as-of 2020-01-01", ["top", "--as-of", "2020-01-01"], {}),
    ("HF_ENDPOINT=not-a-url run hub", ["run", "hub"], {"HF_ENDPOINT": "not-a-url"}),
]


def timed(args: list[str], env: dict[str, str], repeat: int) -> tuple[list[float], subprocess.CompletedProcess]:
    times, done = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        done = subprocess.run(args, capture_output=True, text=True, env={**os.environ, **env}, cwd=ROOT)
        times.append(time.perf_counter() - started)
    return times, done


def row(name: str, times: list[float], target: float | None, note: str = "") -> str:
    median = statistics.median(times)
    ratio = f"{median / target:5.2f}" if target else "    -"
    return f"{name:<38} {median:7.3f} {min(times):7.3f} {target if target else '-':>7} {ratio}  {note}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=str(ROOT / "data" / "radar.duckdb"))
    parser.add_argument("--repeat", type=int, default=5)
    opts = parser.parse_args()
    db = Path(opts.db).resolve()
    if not db.is_file():
        sys.exit(f"no warehouse at {db}: run `radar demo` first (or pass --db)")
    tmp = Path(tempfile.mkdtemp(prefix="radar-bench-cli-"))
    (tmp / "nan.toml").write_text("smoke.timeout_seconds = nan\n")
    (tmp / "profiles.toml").write_text("profiles = 3\n")
    (tmp / "deep.toml").write_text("[smoke]\nmodels = " + "[" * 2000 + "]" * 2000 + "\n")
    env = {"RADAR_DB": str(db), "RADAR_REPORTS_DIR": str(tmp / "reports")}
    n = opts.repeat

    print(f"bench_cli: {db}, {n} runs each, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    print(f"{'command':<38} {'median':>7} {'best':>7} {'target':>7} ratio  note")
    print(row("python -c pass", timed([sys.executable, "-c", "pass"], {}, n)[0], None, "interpreter alone"))
    print(row("radar --help (CLI cold start)", timed([RADAR, "--help"], {}, n)[0], None))
    for name, args, target in (("radar top", ["top"], 0.5), ("radar top --format json", ["top", "--format", "json"], 0.5),
                               ("radar report (zh + en)", ["report"], 3.0), ("radar report --lang en", ["report", "--lang", "en"], 3.0)):
        times, done = timed([RADAR, *args], env, n)
        assert done.returncode == 0, done.stderr
        print(row(name, times, target, f"{len(done.stdout.splitlines())} lines of output"))

    from pipeline.config import load_config
    from pipeline.report.build import build_report
    from pipeline.shortlist import render_top

    cfg = load_config(None, env={})
    times = []
    for _ in range(n):
        started = time.perf_counter()
        render_top(db, "balanced", None, None, None, 10, "table", config=cfg)
        times.append(time.perf_counter() - started)
    print(row("  in-process render_top", times, None))
    times = []
    for _ in range(n):
        started = time.perf_counter()
        build_report(db, cfg, reports_dir=tmp / "in-process")
        times.append(time.perf_counter() - started)
    print(row("  in-process build_report (zh + en)", times, None))

    print("\nusage mistakes (target < 2 s, exit 2, one line):")
    for name, args, extra in MISTAKES:
        fill = lambda text: text.replace("{tmp}", str(tmp))  # noqa: E731
        times, done = timed([RADAR, *map(fill, args)], {**env, **{k: fill(v) for k, v in extra.items()}}, n)
        lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
        print(row(name, times, 2.0, f"exit {done.returncode}, {len(lines)} line(s): {lines[0][:70] if lines else ''}"))


if __name__ == "__main__":
    main()
