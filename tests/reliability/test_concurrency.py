"""Readers while a snapshot writes, with real processes: a reader sees the last complete state or gets a
clear "busy, retry" message, and the writer never fails because of a reader.

DuckDB lets one process hold the file; ``warehouse.db`` makes both sides retry a lock conflict for a
bounded time. These tests race a real writer process against `radar sql`, a tight read loop and report
builds.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
from datetime import date
from pathlib import Path

from pipeline.normalize import ModelRow
from warehouse import db
from warehouse.hub import write_hub_snapshot
from warehouse.runs import RunRecord, start_run

MODELS = 1500
SNAPSHOTS = 8
CONSISTENCY = (
    "SELECT s.snapshot_date::VARCHAR AS day, count(*) AS n, count(DISTINCT s.run_id) AS runs,"
    " bool_and(r.status = 'completed') AS completed"
    " FROM model_snapshots s JOIN runs r USING (run_id) GROUP BY 1 ORDER BY 1"
)

WRITER = """
import sys
from datetime import date, timedelta
from pipeline.normalize import ModelRow
from warehouse.hub import write_hub_snapshot
from warehouse.runs import RunRecord, start_run
path, models, snapshots = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for k in range(1, snapshots + 1):
    day = date(2026, 1, 5) + timedelta(days=7 * k)
    run_id = start_run(path, "hub_snapshot", day)
    rows = [ModelRow(model_id=f"org/m{i}", author="org", downloads_30d=k * i, tags=["zh"]) for i in range(models)]
    write_hub_snapshot(path, RunRecord(run_id=run_id, flow="hub_snapshot", snapshot_date=day), rows, {}, [])
print("writer done", flush=True)
"""

READ_LOOP = """
import json, sys
from warehouse.db import WarehouseBusy
from warehouse.sql import run_query
path, query, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
import time
deadline, outcomes = time.monotonic() + seconds, []
while time.monotonic() < deadline:
    try:
        outcomes.append(run_query(path, query).rows)
    except WarehouseBusy as exc:
        outcomes.append(str(exc))
print(json.dumps(outcomes, default=str))
"""

REPORT_LOOP = """
import json, sys, time
from pipeline.config import load_config
from pipeline.report.build import build_report
from warehouse.db import WarehouseBusy
path, out, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
deadline, outcomes = time.monotonic() + seconds, []
while time.monotonic() < deadline:
    try:
        built = build_report(path, load_config(None, env={}), lang="en", reports_dir=out)
        outcomes.append(["built", built.week, sum(1 for f in built.files if f.suffix == ".html")])
    except WarehouseBusy as exc:
        outcomes.append(["busy", str(exc)])
print(json.dumps(outcomes))
"""


def _python(code: str, *args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def _base(path: Path) -> None:
    day = date(2026, 1, 5)
    run_id = start_run(path, "hub_snapshot", day)
    write_hub_snapshot(path, RunRecord(run_id=run_id, flow="hub_snapshot", snapshot_date=day),
                       [ModelRow(model_id=f"org/m{i}", author="org") for i in range(MODELS)], {}, [])


def _assert_complete(rows: list) -> None:
    """Only whole snapshots, each written by one completed run."""
    assert rows, "a reader saw no snapshot at all"
    for day, n, runs, completed in rows:
        assert (n, runs, completed) == (MODELS, 1, True), f"partial or orphaned snapshot {day}: {n} rows"


def test_readers_see_whole_snapshots_or_busy_and_the_writer_never_fails(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    _base(path)
    writer = _python(WRITER, str(path), str(MODELS), str(SNAPSHOTS))
    loop = _python(READ_LOOP, str(path), CONSISTENCY, "6")
    report = _python(REPORT_LOOP, str(path), str(tmp_path / "reports"), "6")
    cli_outcomes = []
    while writer.poll() is None:
        done = subprocess.run([sys.executable, "-m", "pipeline.cli", "--db", str(path), "sql", "--format", "json",
                               CONSISTENCY], capture_output=True, text=True, timeout=60)
        cli_outcomes.append(done)
    out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0 and "writer done" in out, err
    loop_out, loop_err = loop.communicate(timeout=60)
    assert loop.returncode == 0, loop_err

    report_out, report_err = report.communicate(timeout=120)
    assert report.returncode == 0, report_err
    reports = json.loads(report_out)
    assert reports and all(r[0] == "built" and r[2] == 1 or r[0] == "busy" and "retry" in r[1] for r in reports), reports

    reads = json.loads(loop_out)
    for outcome in reads:
        if isinstance(outcome, str):
            assert "busy" in outcome and "retry" in outcome
        else:
            _assert_complete(outcome)
    for done in cli_outcomes:
        if done.returncode == 0:
            _assert_complete([tuple(r.values()) for r in json.loads(done.stdout)])
        else:
            assert "busy" in done.stderr and "retry" in done.stderr and "Traceback" not in done.stderr
    print(f"{len(reads)} looped reads ({sum(isinstance(o, str) for o in reads)} busy),"
          f" {len(cli_outcomes)} `radar sql` runs, {len(reports)} report builds during {SNAPSHOTS} snapshot writes")
    assert sum(not isinstance(o, str) for o in reads) > 0
    with db.reader(path) as con:
        _assert_complete(con.execute(CONSISTENCY).fetchall())
        assert con.execute("SELECT count(*), count(*) FILTER (status = 'completed') FROM runs").fetchall() == [
            (SNAPSHOTS + 1, SNAPSHOTS + 1)]


HOLD = """
import sys
from warehouse import db
opener = db.reader if sys.argv[2] == "read" else db.writer
with opener(sys.argv[1]) as con:
    if sys.argv[2] == "write":
        con.execute("BEGIN TRANSACTION")
        con.execute("DELETE FROM model_snapshots")
    con.execute("SELECT count(*) FROM model_snapshots").fetchall()
    print("holding", flush=True)
    sys.stdin.readline()
"""


def _holder(path: Path, mode: str) -> subprocess.Popen:
    """A process holding the file (a slow report, or a long write) until told to let go."""
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(HOLD), str(path), mode], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "holding", proc.stderr.read()
    return proc


def test_the_writer_waits_for_a_slow_reader_instead_of_failing(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    _base(path)
    reader = _holder(path, "read")
    day = date(2026, 2, 2)
    outcome: dict[str, object] = {}

    def snapshot() -> None:
        try:
            run_id = start_run(path, "hub_snapshot", day)
            write_hub_snapshot(path, RunRecord(run_id=run_id, flow="hub_snapshot", snapshot_date=day),
                               [ModelRow(model_id="org/new")], {}, [])
            outcome["run_id"] = run_id
        except Exception as exc:  # reported below, with the reader's state
            outcome["error"] = exc

    writer = threading.Thread(target=snapshot)
    writer.start()
    time.sleep(1.5)
    assert writer.is_alive() and not outcome, "the writer did not wait for the reader"
    reader.communicate("\n", timeout=30)
    writer.join(timeout=60)
    assert "error" not in outcome, outcome.get("error")
    with db.reader(path) as con:
        assert con.execute("SELECT status FROM runs WHERE run_id = ?", [outcome["run_id"]]).fetchall() == [("completed",)]


def test_radar_sql_says_busy_retry_when_a_write_outlasts_its_wait(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    _base(path)
    holder = _holder(path, "write")
    try:
        done = subprocess.run([sys.executable, "-m", "pipeline.cli", "--db", str(path), "sql",
                               "SELECT count(*) FROM model_snapshots"], capture_output=True, text=True, timeout=60)
    finally:
        holder.communicate("\n", timeout=60)
    message = " ".join(done.stderr.split())
    assert done.returncode == 1
    assert "busy" in message and "retry" in message and "Traceback" not in message
    again = subprocess.run([sys.executable, "-m", "pipeline.cli", "--db", str(path), "sql", "--format", "csv",
                            "SELECT count(*) AS n FROM model_snapshots"], capture_output=True, text=True, timeout=60)
    assert again.stdout == f"n\n{MODELS}\n", again.stderr
