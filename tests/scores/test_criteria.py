"""The eight criteria: measures, sources, normalisation and the missing-data policy, on a real warehouse."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest

from pipeline.config import Config
from pipeline.criteria import SPEED_K0
from tests.scores.helpers import WarehouseBuilder, day, score


def crit(scores, profile: str = "balanced") -> dict[tuple[str, str], dict[str, Any]]:
    frame = scores.criteria.filter(scores.criteria["profile"] == profile)
    return {(r["model_id"], r["criterion"]): r for r in frame.to_dicts()}


def three_models(wh: WarehouseBuilder) -> None:
    """a/high and a/low have C-MTEB results and metadata; a/unknown has neither."""
    for model in ("a/high", "a/low", "a/unknown"):
        wh.snapshot(day(0), model, 1000)
    wh.board("a/high", 70.0)
    wh.meta("a/high")
    wh.board("a/low", 60.0)
    wh.meta("a/low", embed_dim=1024)


def test_unknown_is_never_scored_as_zero_under_renormalise(wh: WarehouseBuilder, cfg: Config):
    three_models(wh)
    c = crit(score(wh.build(), day(0), cfg))
    for criterion in ("performance", "fit", "training", "dimension"):
        row = c["a/unknown", criterion]
        assert row["missing"] and row["score"] is None and row["contribution"] is None
        assert row["effective_weight"] == 0
    known = [r for (m, _), r in c.items() if m == "a/unknown" and not r["missing"]]
    assert {r["criterion"] for r in known} == {"speed", "scalability", "compatibility", "community"}
    assert sum(r["effective_weight"] for r in known) == pytest.approx(1)
    assert c["a/unknown", "community"]["effective_weight"] == pytest.approx(2 / 5)  # weights 1+1+1+2 known
    assert (c["a/high", "performance"]["score"], c["a/low", "performance"]["score"]) == (1.0, 0.0)


def test_penalise_gives_unknown_criteria_the_configured_penalty(wh: WarehouseBuilder, cfg: Config):
    three_models(wh)
    cfg = replace(cfg, scores=replace(cfg.scores, missing_policy="penalise", missing_penalty=0.25))
    c = crit(score(wh.build(), day(0), cfg))
    row = c["a/unknown", "performance"]
    assert row["missing"] and row["score"] == 0.25
    assert row["effective_weight"] == pytest.approx(3 / 11)
    assert row["contribution"] == pytest.approx(0.25 * 3 / 11)


def test_speed_is_measured_by_the_smoke_test_else_estimated_from_parameters(wh: WarehouseBuilder, cfg: Config):
    wh.snapshot(day(0), "a/tested", 1000)
    wh.snapshot(day(0), "a/untested", 1000, params=200_000_000)
    wh.snapshot(day(0), "a/sizeless", 1000, params=None)
    wh.smoke_test("a/tested", sentences_per_second=150.0)
    c = crit(score(wh.build(), day(0), cfg))
    assert (c["a/tested", "speed"]["raw_value"], c["a/tested", "speed"]["estimated"]) == (150.0, False)
    assert c["a/tested", "speed"]["source"] == f"smoke test {day(0)}"
    untested = c["a/untested", "speed"]
    assert untested["estimated"] and untested["raw_value"] == pytest.approx(SPEED_K0 / 200_000_000)
    assert untested["source"] == "estimate from the parameter count"
    assert c["a/sizeless", "speed"]["missing"]


def test_smoke_results_count_from_the_snapshot_they_belong_to_not_the_wall_clock(wh: WarehouseBuilder, cfg: Config):
    # radar demo replays old dates: a test run today for the replayed day(0) measures day(0)'s models
    wh.snapshot(day(0), "a/replayed", 1000)
    wh.smoke_test("a/replayed", when=day(0), sentences_per_second=150.0, tested_at=datetime(2030, 1, 1, 12))
    # a test that belongs to a later snapshot is not known yet on day(0), whenever it ran
    wh.snapshot(day(0), "a/later", 1000)
    wh.smoke_test("a/later", when=day(7), sentences_per_second=999.0, tested_at=datetime(2024, 1, 1))
    c = crit(score(wh.build(), day(0), cfg))
    assert (c["a/replayed", "speed"]["raw_value"], c["a/replayed", "speed"]["source"]) == (150.0, f"smoke test {day(0)}")
    assert c["a/later", "speed"]["estimated"] and c["a/later", "speed"]["raw_value"] != 999.0


def test_weights_not_served_by_the_endpoint_never_lower_compatibility(wh: WarehouseBuilder, cfg: Config):
    wh.snapshot(day(0), "a/metadata-only", 1000)
    wh.smoke_test("a/metadata-only", when=day(0), sentences_per_second=150.0)
    wh.smoke_test("a/metadata-only", status="unavailable", when=day(1), failure_class="no_weights",
                  sentences_per_second=None, embedding_dim=None)
    wh.snapshot(day(1), "a/metadata-only", 1000)
    wh.snapshot(day(1), "a/gated", 1000)
    wh.smoke_test("a/gated", status="unavailable", when=day(1), failure_class="gated",
                  sentences_per_second=None, embedding_dim=None)
    c = crit(score(wh.build(), day(1), cfg))
    # the earlier pass still stands: a later "not available here" says nothing about the model
    assert "smoke test ✓" in c["a/metadata-only", "compatibility"]["detail"]
    assert c["a/metadata-only", "speed"]["raw_value"] == 150.0
    assert "smoke test ?" in c["a/gated", "compatibility"]["detail"]
    assert c["a/gated", "compatibility"]["raw_value"] == 1.0


def test_speed_estimates_are_calibrated_on_three_measured_models(wh: WarehouseBuilder, cfg: Config):
    for i, (sps, params) in enumerate([(100.0, 100_000_000), (50.0, 300_000_000), (400.0, 20_000_000)]):
        wh.snapshot(day(0), f"a/m{i}", 1000, params=params)
        wh.smoke_test(f"a/m{i}", sentences_per_second=sps)
    wh.snapshot(day(0), "a/guess", 1000, params=50_000_000)
    c = crit(score(wh.build(), day(0), cfg))
    assert c["a/guess", "speed"]["raw_value"] == pytest.approx(1e10 / 50_000_000)  # median of 1e10, 1.5e10, 8e9


def test_a_failed_smoke_test_counts_against_compatibility_but_a_download_error_does_not(
        wh: WarehouseBuilder, cfg: Config):
    for model in ("a/broken", "a/unreachable"):
        wh.snapshot(day(0), model, 1000)
    wh.smoke_test("a/broken", status="failed", failure_class="load_error")
    wh.smoke_test("a/unreachable", status="failed", failure_class="download_error")
    wh.snapshot(day(0), "a/nc", 1000, license="cc-by-nc-4.0")
    c = crit(score(wh.build(), day(0), cfg))
    assert c["a/broken", "compatibility"]["raw_value"] == pytest.approx(4 / 5)
    assert "smoke test ✗" in c["a/broken", "compatibility"]["detail"]
    assert c["a/unreachable", "compatibility"]["raw_value"] == 1.0  # four known checks, smoke unknown
    assert "smoke test ?" in c["a/unreachable", "compatibility"]["detail"]
    assert c["a/nc", "compatibility"]["raw_value"] == pytest.approx(3 / 4)
    assert "commercial licence ✗" in c["a/nc", "compatibility"]["detail"]


def test_a_quantized_copy_borrows_its_base_models_benchmark_rows_as_an_estimate(wh: WarehouseBuilder, cfg: Config):
    wh.snapshot(day(0), "a/base", 1000)
    wh.model("b/base-gguf", family="a/base", base="a/base", relation="quantized")
    wh.snapshot(day(0), "b/base-gguf", 10, formats=["gguf"])
    wh.board("a/base", 66.0)
    wh.meta("a/base")
    c = crit(score(wh.build(), day(0), cfg))
    copy = c["b/base-gguf", "performance"]
    assert (copy["raw_value"], copy["estimated"]) == (66.0, True)
    assert copy["source"] == f"C-MTEB leaderboard {day(0)}, via base model a/base"
    assert not c["a/base", "performance"]["estimated"]
    assert "variant available" in c["a/base", "scalability"]["detail"]


def test_smaller_dimension_and_size_score_higher_and_equal_values_score_best(wh: WarehouseBuilder, cfg: Config):
    for model, dim, params in (("a/small", 512, 30_000_000), ("a/big", 2048, 3_000_000_000)):
        wh.snapshot(day(0), model, 1000, params=params)
        wh.meta(model, embed_dim=dim)
    c = crit(score(wh.build(), day(0), cfg))
    assert (c["a/small", "dimension"]["score"], c["a/big", "dimension"]["score"]) == (1.0, 0.0)
    assert c["a/small", "scalability"]["score"] == pytest.approx(0.8)
    assert c["a/big", "scalability"]["score"] == 0.0
    assert c["a/small", "dimension"]["detail"] == "512 dims, 2.0 KiB per float32 vector"


def test_training_follows_mtebs_conventions(wh: WarehouseBuilder, cfg: Config):
    wh.snapshot(day(0), "a/open", 1000)
    wh.snapshot(day(0), "a/closed", 1000)
    wh.meta("a/open", zero_shot_pct=80, public_training_data="https://example.org/data", public_training_code=None)
    wh.meta("a/closed", zero_shot_pct=None)
    c = crit(score(wh.build(), day(0), cfg))
    assert c["a/open", "training"]["raw_value"] == pytest.approx(0.5 * 0.8 + 0.25)
    assert c["a/open", "training"]["detail"] == (
        "zero-shot 80%, training data public, training code not public")
    assert c["a/closed", "training"]["raw_value"] == 0.0  # no links: not public; zero-shot unknown is left out


def test_fit_weights_the_task_types_by_profile_and_adds_context_length(wh: WarehouseBuilder, cfg: Config):
    wh.snapshot(day(0), "a/retriever", 1000)
    wh.snapshot(day(0), "a/other", 1000)
    wh.board("a/retriever", 55.0, retrieval=80.0, reranking=60.0, sts=50.0, pair_classification=50.0,
             classification=50.0, clustering=50.0)
    wh.board("a/other", 55.0)
    wh.meta("a/retriever", max_tokens=8192)
    s = score(wh.build(), day(0), cfg)
    rag, balanced = crit(s, "rag"), crit(s, "balanced")
    assert rag["a/retriever", "fit"]["raw_value"] == pytest.approx((3 * 80 + 2 * 60 + 0.5 * 50 + 0.5 * 50) / 6)
    assert balanced["a/retriever", "fit"]["raw_value"] == pytest.approx((80 + 60 + 4 * 50) / 6)
    assert rag["a/retriever", "fit"]["score"] == pytest.approx(0.6 * 1 + 0.4 * (4 / 6))  # 8192 tokens: 4 of 6 doublings
    assert rag["a/other", "fit"]["score"] == 0.0  # lowest type mean, max tokens unknown
    assert "Retrieval 80.0×3" in rag["a/retriever", "fit"]["detail"]


def test_community_ignores_a_momentum_that_rides_on_a_spike(wh: WarehouseBuilder, cfg: Config):
    wh.history("a/spiky", range(0, 71), per_day=100)
    wh.snapshot(day(71), "a/spiky", 100_000 + 71 * 100 + 80_000)
    c = crit(score(wh.build(), day(71), cfg))
    assert "momentum rising (spike flagged: ignored)" in c["a/spiky", "community"]["detail"]
