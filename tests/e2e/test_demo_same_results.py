"""Faster scores, same answer: the demo's trends, criteria, rankings and facts, every date, row by row.

``tests/fixtures/scores_golden/demo-*.parquet`` hold the rows ``radar demo`` wrote before the scoring was
made faster (issue 15); the generated history in tests/scores/test_same_results.py covers what the demo
does not (counter resets, absences, a long history). Smoke-test fixtures are left out: their speeds are
measured on this machine. Regenerate only when a result is meant to change:
``RADAR_WRITE_GOLDEN=1 pytest -m e2e tests/e2e/test_demo_same_results.py``.
"""

from __future__ import annotations

import os

import duckdb
import polars as pl
import pytest

from tests.scores.test_same_results import GOLDEN, same

pytestmark = pytest.mark.e2e

MARKET = "model_id NOT IN (SELECT model_id FROM models WHERE fixture)"
QUERIES = {
    "trends": f"SELECT * EXCLUDE (run_id) FROM download_trends WHERE {MARKET}",
    "criteria": "SELECT as_of, profile, model_id, criterion, raw_value, unit, score, weight, effective_weight, "
                f"contribution, missing, estimated, source, detail FROM criteria_scores WHERE {MARKET}",
    "rankings": f"SELECT * EXCLUDE (run_id) FROM rankings WHERE {MARKET}",
    "facts": f"SELECT * EXCLUDE (run_id) FROM model_facts WHERE {MARKET}",
}
DATED_KEYS = {"trends": ["as_of", "model_id"], "criteria": ["as_of", "profile", "model_id", "criterion"],
              "rankings": ["as_of", "profile", "model_id"], "facts": ["as_of", "model_id"]}


@pytest.mark.parametrize("name", list(QUERIES))
def test_the_demo_scores_are_the_same_as_before_the_speed_ups(demo_run, name: str):
    with duckdb.connect(str(demo_run.db), read_only=True) as con:
        got = con.sql(QUERIES[name]).pl()
    golden = GOLDEN / f"demo-{name}.parquet"
    if os.environ.get("RADAR_WRITE_GOLDEN"):
        got.write_parquet(golden)
    same(name, got, pl.read_parquet(golden), DATED_KEYS[name])
