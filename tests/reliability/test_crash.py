"""Crash safety with real processes: SIGKILL at random points of snapshot writes, and a full disk.

tests/hub/test_hub_writes.py kills one writer at one chosen point (rows in, before COMMIT). Here a
writer process rewrites snapshots in a loop and is killed after a seeded random delay, again and
again, so the kills land wherever they land: in ``start_run``, mid-transaction, in the commit, in
DuckDB's checkpoint, while closing. After every kill the file must open, hold only whole snapshots
each backed by a completed run, and show the killed run; the next run must complete the date.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from pipeline.normalize import ModelRow
from warehouse import db
from warehouse.hub import write_hub_snapshot
from warehouse.runs import RunRecord, start_run

BASE_DAY = date(2026, 1, 5)
KILLS = int(os.environ.get("RADAR_CHAOS_KILLS", "12"))
MODELS = 4000

WRITER = """
import sys
from datetime import date, timedelta
from pipeline.normalize import ModelRow
from warehouse.hub import write_hub_snapshot
from warehouse.runs import RunRecord, start_run
path, models, base = sys.argv[1], int(sys.argv[2]), date.fromisoformat(sys.argv[3])
rows = [ModelRow(model_id=f"org/m{i}", author="org", downloads_30d=i, tags=["zh", "sentence-transformers"],
                 pipeline_tag="sentence-similarity", found_by=["q1", "q2"]) for i in range(models)]
print("ready", flush=True)
for k in range(1, 1000):
    day = base + timedelta(days=7 * (1 + k % 2))
    print("starting", flush=True)
    run_id = start_run(path, "hub_snapshot", day)
    print("writing", run_id, flush=True)
    write_hub_snapshot(path, RunRecord(run_id=run_id, flow="hub_snapshot", snapshot_date=day), rows, {}, [])
    print("committed", run_id, flush=True)
"""


def snapshot(path: Path, day: date, n: int) -> str:
    run_id = start_run(path, "hub_snapshot", day)
    write_hub_snapshot(path, RunRecord(run_id=run_id, flow="hub_snapshot", snapshot_date=day),
                       [ModelRow(model_id=f"org/m{i}", author="org") for i in range(n)], {}, [])
    return run_id


def check_whole(path: Path) -> dict[str, str]:
    """The file opens; every snapshot is whole and belongs to one completed run. Returns run statuses."""
    with db.reader(path) as con:
        per_day = con.execute(
            "SELECT s.snapshot_date, count(*), count(DISTINCT s.run_id), any_value(r.status), any_value(r.rows_written)"
            " FROM model_snapshots s JOIN runs r USING (run_id) GROUP BY 1").fetchall()
        for day, n, runs, status, written in per_day:
            assert (runs, status, written) == (1, "completed", n), f"partial snapshot on {day}"
            assert n == (MODELS if day != BASE_DAY else 50), f"snapshot {day} has {n} rows"
        orphans = con.execute("SELECT count(*) FROM models WHERE model_id NOT IN"
                              " (SELECT model_id FROM model_snapshots)").fetchall()[0][0]
        assert orphans == 0
        return dict(con.execute("SELECT run_id, status FROM runs").fetchall())


def test_sigkill_at_random_points_never_leaves_a_partial_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    snapshot(path, BASE_DAY, 50)
    rng = random.Random(20261129)
    phases: Counter[str] = Counter()
    killed_in_flight: list[str] = []
    commits = 0
    for _ in range(KILLS):
        proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(WRITER), str(path), str(MODELS),
                                 BASE_DAY.isoformat()], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.2, 2.0))
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL, err
        lines = ["ready", *out.splitlines()]
        commits += sum(line.startswith("committed") for line in lines)
        last = lines[-1].split()
        phases[{"ready": "before the first run", "starting": "in start_run", "writing": "in the snapshot write",
                "committed": "between runs"}[last[0]]] += 1
        statuses = check_whole(path)
        if last[0] == "writing":
            killed_in_flight.append(last[1])
            assert statuses[last[1]] in ("running", "completed")   # killed after COMMIT but before the print
    print(f"{KILLS} kills survived ({commits} snapshots committed between them); killed: {dict(phases)}")

    final = snapshot(path, BASE_DAY + timedelta(days=7), MODELS)
    statuses = check_whole(path)
    assert statuses[final] == "completed"
    assert "running" not in statuses.values()
    for run_id in killed_in_flight:
        assert statuses[run_id] in ("interrupted", "completed")


FULL_DISK = """
import resource, signal, sys
from datetime import date
from pipeline.normalize import ModelRow
from warehouse.hub import write_hub_snapshot
from warehouse.runs import RunRecord, fail_run, start_run
path, limit, day = sys.argv[1], int(sys.argv[2]), date.fromisoformat(sys.argv[3])
rows = [ModelRow(model_id=f"org/m{i}", author="org", tags=["zh"] * 5, pipeline_tag="x" * 60) for i in range(60000)]
run_id = start_run(path, "hub_snapshot", day)
print(run_id, flush=True)
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # a write past the limit fails with EFBIG, as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
try:
    write_hub_snapshot(path, RunRecord(run_id=run_id, flow="hub_snapshot", snapshot_date=day), rows, {}, [])
except Exception as exc:
    print("error:", " ".join(str(exc).split()), flush=True)
    try:
        fail_run(path, run_id, exc)
    except Exception as again:
        print("fail_run:", " ".join(str(again).split()), flush=True)
    sys.exit(1)
print("written")
"""


def test_a_full_disk_ends_with_a_clear_error_and_an_intact_warehouse(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    snapshot(path, BASE_DAY, 50)
    size = path.stat().st_size
    day = BASE_DAY + timedelta(days=7)
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(FULL_DISK), str(path), str(size + 256 * 1024),
                           day.isoformat()], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    run_id, error = proc.stdout.splitlines()[:2]
    assert error.startswith("error:") and "File too large" in error, error
    statuses = check_whole(path)
    assert statuses[run_id] in ("running", "failed")
    with db.reader(path) as con:
        assert con.execute("SELECT count(*) FROM model_snapshots WHERE snapshot_date = ?", [day]).fetchall() == [(0,)]

    rerun = start_run(path, "hub_snapshot", day)   # space is back: the next run completes the date
    write_hub_snapshot(path, RunRecord(run_id=rerun, flow="hub_snapshot", snapshot_date=day),
                       [ModelRow(model_id=f"org/m{i}", author="org") for i in range(MODELS)], {}, [])
    statuses = check_whole(path)
    assert statuses[rerun] == "completed" and statuses[run_id] in ("interrupted", "failed")


@pytest.fixture(autouse=True)
def _no_core_dumps() -> None:
    """Killed children must not litter the disk with core files."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (0, hard))
    yield
    resource.setrlimit(resource.RLIMIT_CORE, (soft, hard))
