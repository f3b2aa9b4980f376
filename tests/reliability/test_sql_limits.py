"""Bounded `radar sql`: a time limit that interrupts the query, a row cap for the table, and a runaway query
that never keeps the scheduled writer out for longer than the limit (real processes: `radar sql` and
`radar run hub` against the replay Hub, with its temporary Prefect server)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from warehouse import db
from warehouse.sql import QueryRejected, run_query

ROOT = Path(__file__).resolve().parents[2]
RUNAWAY = "SELECT sum(a.range * b.range) FROM range(1000000000) a, range(1000000) b"
"""A cross join that would run for hours, in constant memory."""


def radar(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline.cli", *args]


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    with db.writer(path):
        pass
    return path


def holds_the_file(path: Path) -> bool:
    """Whether another process has the warehouse open (a writer cannot get it now)."""
    try:
        duckdb.connect(str(path)).close()
    except duckdb.IOException as exc:
        return "lock" in str(exc).lower()
    return False


def test_a_runaway_query_is_interrupted_at_the_time_limit(warehouse: Path) -> None:
    started = time.perf_counter()
    with pytest.raises(QueryRejected, match=r"query stopped at the 1 s time limit \(--timeout\)"):
        run_query(warehouse, RUNAWAY, timeout_seconds=1)
    assert time.perf_counter() - started < 5
    assert run_query(warehouse, "SELECT 42").rows == [(42,)]   # the file is free again


def test_the_table_format_shows_at_most_max_rows_and_says_so(warehouse: Path) -> None:
    capped = run_query(warehouse, "SELECT * FROM range(5000)", max_rows=1000)
    assert len(capped.rows) == 1000 and capped.truncated
    assert capped.summary().startswith("first 1000 rows shown; the query returned more")
    whole = run_query(warehouse, "SELECT * FROM range(1000)", max_rows=1000)
    assert len(whole.rows) == 1000 and not whole.truncated and whole.summary() == "1000 row(s)"
    done = subprocess.run(radar("--db", str(warehouse), "sql", "SELECT * FROM range(30)", "--max-rows", "10"),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "first 10 rows shown" in done.stdout
    csv = subprocess.run(radar("--db", str(warehouse), "sql", "SELECT * FROM range(3000)", "--format", "csv"),
                         capture_output=True, text=True, timeout=60)
    assert csv.returncode == 0 and len(csv.stdout.splitlines()) == 3001   # csv/json: every row


def test_a_runaway_query_stops_at_its_limit_while_a_concurrent_radar_run_hub_completes(
        replay_hub, warehouse: Path, tmp_path: Path) -> None:
    replay_hub.as_of = date(2025, 1, 20)
    env = {**os.environ, "HF_ENDPOINT": replay_hub.url, "PREFECT_HOME": str(tmp_path / "prefect"),
           "PREFECT_API_URL": ""}
    config = tmp_path / "radar.toml"
    config.write_text('[[hub.queries]]\nname = "zh"\nfilter = ["zh"]\n', encoding="utf-8")
    limit = 25
    reader = subprocess.Popen(radar("--db", str(warehouse), "sql", RUNAWAY, "--timeout", str(limit)),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while not holds_the_file(warehouse):
        assert time.monotonic() < deadline and reader.poll() is None, "radar sql never opened the warehouse"
        time.sleep(0.2)
    writer = subprocess.Popen(radar("--db", str(warehouse), "--config", str(config), "run", "hub", "--date",
                                    "2025-01-20"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env, cwd=tmp_path)
    _, reader_err = reader.communicate(timeout=limit + 30)
    reader_done = datetime.now(UTC).replace(tzinfo=None)
    writer_out, writer_err = writer.communicate(timeout=240)

    assert reader.returncode == 1
    assert reader_err.strip() == (f"error: query stopped at the {limit} s time limit (--timeout); narrow it, or "
                                  "raise the limit")
    assert writer.returncode == 0, writer_err[-2000:]
    with db.reader(warehouse) as con:
        runs = con.execute("SELECT status, started_at FROM runs WHERE flow = 'hub_snapshot'").fetchall()
        models = con.execute("SELECT count(*) FROM model_snapshots WHERE snapshot_date = '2025-01-20'").fetchone()[0]
    assert [r[0] for r in runs] == ["completed"] and models > 0
    assert runs[0][1] >= reader_done - timedelta(seconds=2), "the writer never waited for the reader: proves nothing"
