"""Chaos equivalence: the recorded demo history replayed through the real flows while the replay Hub
misbehaves must leave exactly the warehouse a fault-free replay leaves.

The faults are the network's and the server's, drawn at random per request from a seed: 429 with
``Retry-After``, 500 and 503, answers slower than the client's timeout, dropped connections, truncated
bodies and a cursor the server rejects in the middle of a pagination. The pipeline recovers with its own
means only: huggingface_hub's per-request backoff, the Hub queries' restarts, the flows' task retries,
and a rerun of a flow that still failed (what a schedule does the next time). Corrupted list items are
left out on purpose: they are data, not transport, and tests/reliability/test_hostile_input.py covers them.

Every user-facing table is compared row by row, without run ids; from ``runs`` the outcome of each
(flow, date) is compared. CI replays a bounded slice of the history for a few seeds; set
``RADAR_CHAOS_DATES=0`` (the whole history) and ``RADAR_CHAOS_SEEDS=1,2,3,...`` for a longer campaign.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from pipeline.cmteb.replay_dataset import mteb_results_versions
from pipeline.replay_hub import FaultPlan, FaultRule, ReplayData, ReplayHub
from warehouse import db

ROOT = Path(__file__).resolve().parents[2]
SEEDS = [int(s) for s in os.environ.get("RADAR_CHAOS_SEEDS", "11,23").split(",") if s.strip()]
DATES = int(os.environ.get("RADAR_CHAOS_DATES", "3"))
RATE = float(os.environ.get("RADAR_CHAOS_RATE", "0.1"))
TRANSPORT_FAULTS = ("status", "delay", "truncate", "drop", "broken_cursor")
RERUNS = 4
TIMEOUT = 0.5
CONFIG = """
[paths]
cache_dir = "{cache}"

[hub]
page_size = 40
retry_base_seconds = 0.01
timeout_seconds = {timeout}
query_attempts = 6
"""


@pytest.fixture(scope="module")
def chaos_hub(prefect_backend) -> Iterator[ReplayHub]:
    """The demo's recorded Hub and ``mteb/results`` versions on a replay Hub of their own."""
    data = ReplayData.load(ROOT / "data" / "demo" / "hub")
    data.add_repo("dataset", "mteb/results", mteb_results_versions(ROOT / "data" / "sources" / "mteb"))
    with ReplayHub(data, port=0) as hub, pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_ENDPOINT", hub.url)
        yield hub


def history(hub: ReplayHub) -> list[date]:
    dates = hub.data.dates
    return dates if DATES <= 0 else dates[:DATES]


def steps(hub: ReplayHub, config: str, db_path: str) -> list[tuple[str, Callable[[date], object]]]:
    """The scheduled flows of one date, in the order the weekly pipeline runs them."""
    from flows.hub_snapshot import hub_snapshot
    from flows.mteb_snapshot import mteb_snapshot
    from flows.scores import compute_scores

    common = {"config_path": config, "db_path": db_path}
    return [
        ("hub_snapshot", lambda d: hub_snapshot(snapshot_date=d, endpoint=hub.url, **common)),
        ("mteb_snapshot", lambda d: mteb_snapshot(snapshot_date=d, **common)),
        ("scores", lambda d: compute_scores(as_of=d, **common)),
    ]


def replay(hub: ReplayHub, workdir: Path, plan: FaultPlan | None) -> dict:
    """Every date of the slice through every flow, rerunning a failed flow up to RERUNS times."""
    workdir.mkdir(parents=True)
    config = workdir / "radar.toml"
    config.write_text(CONFIG.format(cache=workdir / "cache", timeout=TIMEOUT))
    db_path = workdir / "w.duckdb"
    hub.reset()
    hub.faults = plan
    reruns: Counter[str] = Counter()
    for when in history(hub):
        hub.as_of = when
        for name, run in steps(hub, str(config), str(db_path)):
            for attempt in range(RERUNS + 1):
                try:
                    run(when)
                    break
                except Exception:
                    if attempt == RERUNS:
                        raise
                    reruns[name] += 1
    stats = hub.stats()
    hub.reset()
    return {"db": db_path, "faults": stats["faults"], "requests": stats["requests"], "reruns": dict(reruns)}


def user_tables(path: Path) -> dict[str, list[tuple]]:
    """Every table a user sees, row by row, without run ids; the outcome of each (flow, date) from runs."""
    out = {}
    with db.reader(path) as con:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE table_name NOT IN ('runs', 'schema_migrations')"
            " ORDER BY 1").fetchall()]
        for table in tables:
            columns = [r[0] for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND column_name <> 'run_id'"
                " ORDER BY column_index", [table]).fetchall()]
            listed = ", ".join(f'"{c}"' for c in columns)
            out[table] = con.execute(f'SELECT {listed} FROM "{table}" ORDER BY ALL').fetchall()
        out["runs"] = con.execute(
            "SELECT flow, snapshot_date, status, rows_written FROM runs WHERE status <> 'failed' ORDER BY ALL"
        ).fetchall()
    return out


@pytest.fixture(scope="module")
def fault_free(chaos_hub, tmp_path_factory) -> dict[str, list[tuple]]:
    result = replay(chaos_hub, tmp_path_factory.mktemp("chaos") / "clean", None)
    assert result["reruns"] == {}
    tables = user_tables(result["db"])
    assert tables["model_snapshots"] and tables["cmteb_scores"] and tables["rankings"], "the slice must reach every flow"
    return tables


def chaos_plan(seed: int) -> FaultPlan:
    """Random transport faults on every request, plus frequent broken cursors: a cursor can only break on
    a listing page that has a next page, a small share of all requests, so the even draw alone rarely hits one."""
    plan = FaultPlan.random(seed, RATE, kinds=TRANSPORT_FAULTS, delay_seconds=TIMEOUT + 0.3, retry_after=0)
    plan.rules.append(FaultRule("broken_cursor", path=r"^/api/models\?", probability=0.25))
    return plan


@pytest.mark.parametrize("seed", SEEDS)
def test_a_faulty_hub_leaves_the_same_warehouse(chaos_hub, fault_free, tmp_path, seed) -> None:
    plan = chaos_plan(seed)
    result = replay(chaos_hub, tmp_path / f"seed-{seed}", plan)
    injected = sum(result["faults"].values())
    print(f"seed {seed}: {injected} faults injected in {result['requests']} requests over {len(history(chaos_hub))}"
          f" dates {result['faults']}, flow reruns {result['reruns'] or 'none'}; all survived")
    assert injected > 0
    faulty = user_tables(result["db"])
    assert faulty.keys() == fault_free.keys()
    for table, rows in fault_free.items():
        assert faulty[table] == rows, f"{table} differs after seed {seed}"
