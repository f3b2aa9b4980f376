"""Faster scores, same results: a generated history scored now must give the rows recorded before the speed-ups.

The history (300 models over 160 daily snapshots, with late entrants, week-long absences, bursts, counter
resets, C-MTEB results and smoke tests for some) is generated here with a seeded generator, scored in full
(every trend row of the history) and one day at a time over the last 30 days, and compared row by row with
``tests/fixtures/scores_golden/``, written by the scoring code as it was before it was made faster (issue 15). Regenerate only when a result is meant to change:
``RADAR_WRITE_GOLDEN=1 pytest tests/scores/test_same_results.py``. The demo's own rows are compared in
tests/e2e/test_demo_same_results.py.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from pipeline.config import Config
from tests.scores.helpers import WarehouseBuilder, score

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "scores_golden"
START = date(2025, 1, 6)
DAYS, MODELS = 160, 300
KEYS = {"trends": ["as_of", "model_id"], "criteria": ["profile", "model_id", "criterion"],
        "rankings": ["profile", "model_id"], "facts": ["model_id"]}


def generated(wh: WarehouseBuilder) -> Path:
    rng = np.random.default_rng(20261204)
    for i in range(MODELS):
        model = f"org{i % 37:02d}/model-{i:03d}"
        start = int(rng.integers(0, 100)) if rng.random() < 0.15 else 0
        created = START + timedelta(days=start - 3) if start else date(2024, 1, 1) + timedelta(days=i)
        base = f"org{(i - 1) % 37:02d}/model-{i - 1:03d}" if i % 50 == 49 else None
        wh.model(model, created=created, family=base, base=base, relation="quantized" if base else None)
        rate = float(np.exp(1 + 6 * rng.random()))
        growth = float(rng.random() - 0.4)
        gap = int(rng.integers(0, DAYS)) if rng.random() < 0.05 else -100
        params = int(10 ** (7 + 2.5 * rng.random()))
        total = 1000.0
        for d in range(start, DAYS):
            if gap <= d <= gap + 6:
                continue
            burst = 40 if rng.random() < 0.002 else 1
            total += rate * (1 + growth * d / 365) * (0.7 + 0.6 * rng.random()) * burst
            reset = 0.5 if rng.random() < 0.0005 else 1.0
            wh.snapshot(START + timedelta(days=d), model, int(total * reset), d30=int(rate * 30),
                        likes=int(rate / 3), params=None if base else params,
                        license=["mit", "apache-2.0", "cc-by-nc-4.0", None][i % 4],
                        formats=["gguf"] if base else ["safetensors"], last_modified=datetime(2024, 6, 1))
        if i % 4 == 0:
            mean = 45 + 30 * rng.random()
            wh.board(model, mean, retrieval=mean + 5 * (rng.random() - 0.5), reranking=mean - 2)
            wh.meta(model, embed_dim=[384, 512, 768, 1024, 1792][i % 5], max_tokens=[512, 8192][i % 2],
                    n_parameters=params, zero_shot_pct=int(50 + i % 50))
        if i % 29 == 0:
            wh.smoke_test(model, when=START + timedelta(days=DAYS - 10), sentences_per_second=2e9 / params,
                          embedding_dim=768)
    return wh.build()


def frames(scores) -> dict[str, pl.DataFrame]:
    return {"trends": scores.trends.with_columns(pl.col(pl.Enum, pl.Categorical).cast(pl.String)),
            "criteria": scores.criteria, "rankings": scores.rankings, "facts": scores.facts}


def same(name: str, got: pl.DataFrame, want: pl.DataFrame, keys: list[str] | None = None) -> None:
    """Equal row by row (floats to 1e-9 relative), after sorting both by ``keys`` (default :data:`KEYS`)."""
    got, want = (f.select(sorted(want.columns)).sort(keys or KEYS[name]) for f in (got, want))
    assert got.height == want.height, name
    for column in want.columns:
        a, b = got[column], want[column]
        if a.dtype.is_float():
            close = np.isclose(a.to_numpy().astype(float), b.to_numpy().astype(float), rtol=1e-9, atol=1e-12,
                               equal_nan=True)
            assert close.all(), (name, column, got.filter(~pl.Series(close)).head(3))
        else:
            assert a.to_list() == b.to_list(), (name, column)


@pytest.mark.parametrize("mode", ["full", "incremental"])
def test_scores_are_the_same_as_before_the_speed_ups(wh: WarehouseBuilder, cfg: Config, mode: str):
    path = generated(wh)
    last = START + timedelta(days=DAYS - 1)
    if mode == "full":
        result = score(path, last, cfg, full=True)
    else:
        score(path, last - timedelta(days=30), cfg, full=True)
        for n in range(29, -1, -1):
            result = score(path, last - timedelta(days=n), cfg)
    out = frames(result)
    if os.environ.get("RADAR_WRITE_GOLDEN"):
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for name, frame in out.items():
            frame.write_parquet(GOLDEN / f"{mode}-{name}.parquet")
    for name, frame in out.items():
        same(name, frame, pl.read_parquet(GOLDEN / f"{mode}-{name}.parquet"))
