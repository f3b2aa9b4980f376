"""The eight criteria: measures, sources, fixed anchors and the missing-data policy, on a real warehouse."""

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


def test_unknown_is_never_zero_and_never_better_than_the_cohorts_lower_quartile(wh: WarehouseBuilder, cfg: Config):
    three_models(wh)
    for n in range(8):  # a cohort with a spread of known training scores
        wh.snapshot(day(0), f"b/m{n}", 1000)
        wh.meta(f"b/m{n}", public_training_code="https://example.org" if n % 2 else "false", zero_shot_pct=10 * n)
    c = crit(score(wh.build(), day(0), cfg))
    row = c["a/unknown", "training"]
    assert row["missing"] and row["raw_value"] is None
    known = sorted(r["score"] for (m, k), r in c.items() if k == "training" and not r["missing"])
    assert row["score"] == known[(len(known) - 1) // 4]  # the lower quartile, never 0 unless a quarter score 0
    assert row["score"] > 0 and row["effective_weight"] == pytest.approx(1 / 11)
    assert row["contribution"] == pytest.approx(row["score"] / 11)


def test_renormalise_and_penalise_remain_available(wh: WarehouseBuilder, cfg: Config):
    three_models(wh)
    path = wh.build()
    renorm = crit(score(path, day(0), replace(cfg, scores=replace(cfg.scores, missing_policy="renormalise"))))
    assert renorm["a/unknown", "dimension"]["score"] is None and renorm["a/unknown", "dimension"]["effective_weight"] == 0
    penal = crit(score(path, day(0), replace(cfg, scores=replace(cfg.scores, missing_policy="penalise",
                                                                  missing_penalty=0.2))))
    assert penal["a/unknown", "performance"]["score"] == 0.2
    assert penal["a/unknown", "performance"]["effective_weight"] == pytest.approx(3 / 11)


def test_scores_sit_on_fixed_anchors_so_the_cohort_does_not_magnify_small_differences(
        wh: WarehouseBuilder, cfg: Config):
    three_models(wh)
    alone = crit(score(wh.build(), day(0), cfg))
    # 70 and 60 C-MTEB points: 0.75 and 0.5 on the 40..80 scale, not 1 and 0 as min-max would make them.
    assert (alone["a/high", "performance"]["score"], alone["a/low", "performance"]["score"]) == (0.75, 0.5)
    wh.snapshot(day(0), "z/outlier", 10**9, params=20_000_000_000)
    wh.board("z/outlier", 20.0)
    wh.meta("z/outlier", embed_dim=8192)
    joined = crit(score(wh.build(), day(0), cfg))
    for model in ("a/high", "a/low"):
        for criterion in ("performance", "speed", "dimension", "scalability", "community"):
            assert joined[model, criterion]["score"] == alone[model, criterion]["score"], (model, criterion)


def test_speed_is_measured_by_the_smoke_test_else_estimated_from_the_compute_parameters(
        wh: WarehouseBuilder, cfg: Config):
    wh.snapshot(day(0), "a/tested", 1000)
    wh.snapshot(day(0), "a/untested", 1000, params=200_000_000)
    wh.snapshot(day(0), "a/big-vocab", 1000, params=560_000_000)
    wh.meta("a/big-vocab", n_embedding_parameters=256_000_000)
    wh.snapshot(day(0), "a/sizeless", 1000, params=None)
    wh.smoke_test("a/tested", sentences_per_second=150.0)
    c = crit(score(wh.build(), day(0), cfg))
    assert (c["a/tested", "speed"]["raw_value"], c["a/tested", "speed"]["estimated"]) == (150.0, False)
    assert c["a/tested", "speed"]["source"] == f"smoke test {day(0)}"
    untested = c["a/untested", "speed"]
    assert untested["estimated"] and untested["raw_value"] == pytest.approx(SPEED_K0 / 200_000_000)
    assert untested["source"] == "estimate from the compute parameters"
    assert "embedding share unknown" in untested["detail"]
    # A 250k-token vocabulary costs memory, not time: only the 304M other parameters count.
    assert c["a/big-vocab", "speed"]["raw_value"] == pytest.approx(SPEED_K0 / 304_000_000)
    assert c["a/big-vocab", "scalability"]["raw_value"] == 560_000_000
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
    wh.snapshot(day(1), "a/never-tested", 1000)
    c = crit(score(wh.build(), day(1), cfg))
    # the earlier pass still stands: a later "not available here" says nothing about the model
    assert "smoke test ✓" in c["a/metadata-only", "compatibility"]["detail"]
    assert c["a/metadata-only", "speed"]["raw_value"] == 150.0
    assert "smoke test ?" in c["a/gated", "compatibility"]["detail"]
    assert c["a/gated", "compatibility"]["raw_value"] == c["a/never-tested", "compatibility"]["raw_value"]


def test_speed_estimates_are_calibrated_on_three_measured_real_models(wh: WarehouseBuilder, cfg: Config):
    for i, (sps, params) in enumerate([(100.0, 100_000_000), (50.0, 300_000_000), (400.0, 20_000_000)]):
        wh.snapshot(day(0), f"a/m{i}", 1000, params=params)
        wh.smoke_test(f"a/m{i}", sentences_per_second=sps)
    wh.model("radar-test/tiny", fixture=True)
    wh.snapshot(day(0), "radar-test/tiny", 1000, params=1_000_000)
    wh.smoke_test("radar-test/tiny", sentences_per_second=50_000.0)
    wh.snapshot(day(0), "a/guess", 1000, params=50_000_000)
    c = crit(score(wh.build(), day(0), cfg))
    assert c["a/guess", "speed"]["raw_value"] == pytest.approx(1e10 / 50_000_000)  # median of 1e10, 1.5e10, 8e9


def test_a_failed_smoke_test_counts_against_compatibility_but_a_download_error_does_not(
        wh: WarehouseBuilder, cfg: Config):
    for model in ("a/broken", "a/unreachable"):
        wh.snapshot(day(0), model, 1000)
    wh.smoke_test("a/broken", status="failed", failure_class="load_error")
    wh.smoke_test("a/unreachable", status="failed", failure_class="download_error")
    c = crit(score(wh.build(), day(0), cfg))
    broken, unreachable = c["a/broken", "compatibility"], c["a/unreachable", "compatibility"]
    assert "smoke test ✗" in broken["detail"] and "smoke test ?" in unreachable["detail"]
    assert broken["raw_value"] < unreachable["raw_value"]


def test_compatibility_counts_serving_stacks_and_licence_clarity(wh: WarehouseBuilder, cfg: Config):
    wh.snapshot(day(0), "a/everywhere", 1000, tags=["sentence-transformers", "transformers", "onnx",
                                                   "text-embeddings-inference"], formats=["safetensors", "onnx"])
    wh.snapshot(day(0), "a/custom", 1000, tags=["transformers", "custom_code"], license="other",
                library_name="transformers")
    c = crit(score(wh.build(), day(0), cfg))
    assert c["a/everywhere", "compatibility"]["raw_value"] == 1.0
    custom = c["a/custom", "compatibility"]
    assert "no custom code ✗" in custom["detail"] and "clear licence ~" in custom["detail"]
    assert custom["raw_value"] == pytest.approx((0 + 1 + 0 + 0 + 0 + 0.5) / 6)


def test_a_quantized_copy_borrows_its_base_models_benchmark_rows_as_an_estimate(wh: WarehouseBuilder, cfg: Config):
    wh.snapshot(day(0), "a/base", 1000)
    wh.model("b/base-gguf", family="a/base", base="a/base", relation="quantized")
    wh.snapshot(day(0), "b/base-gguf", 10, formats=["gguf"], params=None)
    wh.board("a/base", 66.0)
    wh.meta("a/base")
    s = score(wh.build(), day(0), cfg)
    c = crit(s)
    copy = c["b/base-gguf", "performance"]
    assert (copy["raw_value"], copy["estimated"]) == (66.0, True)
    assert copy["source"] == f"C-MTEB leaderboard {day(0)}, via base model a/base"
    assert not c["a/base", "performance"]["estimated"]
    assert "variant available" in c["a/base", "scalability"]["detail"]
    facts = {r["model_id"]: r for r in s.facts.to_dicts()}
    assert facts["b/base-gguf"]["params"] == 100_000_000  # the copy's own repo states none: the base's
    assert facts["b/base-gguf"]["params_source"] == "Hub safetensors metadata of base model a/base"


def test_dimension_credits_matryoshka_truncation(wh: WarehouseBuilder, cfg: Config):
    for model, dim, mrl in (("a/fixed", 1024, None), ("a/mrl", 1024, [64, 128, 256, 512, 1024]),
                            ("a/small", 256, None)):
        wh.snapshot(day(0), model, 1000)
        wh.meta(model, embed_dim=dim, matryoshka_dims=mrl)
    c = crit(score(wh.build(), day(0), cfg))
    assert c["a/mrl", "dimension"]["raw_value"] == 256  # the smallest declared size of at least 256
    assert "Matryoshka: truncated from 1024" in c["a/mrl", "dimension"]["detail"]
    assert c["a/fixed", "dimension"]["score"] == pytest.approx(0.5)  # 1024 is half way 4096 -> 256 on a log scale
    assert c["a/mrl", "dimension"]["score"] == c["a/small", "dimension"]["score"] == 1.0


def test_training_is_transparency_and_unknown_when_no_metadata_was_read(wh: WarehouseBuilder, cfg: Config):
    wh.snapshot(day(0), "a/open", 1000, tags=["sentence-transformers", "arxiv:2309.07597"])
    wh.snapshot(day(0), "a/closed", 1000)
    wh.snapshot(day(0), "a/unread", 1000)
    wh.meta("a/open", zero_shot_pct=80, public_training_data="https://example.org/data",
            training_datasets=["T2Retrieval"])
    wh.meta("a/closed", zero_shot_pct=None)
    wh.meta("a/unread", meta_revision=None, public_training_code=None, public_training_data=None, zero_shot_pct=None)
    c = crit(score(wh.build(), day(0), cfg))
    assert c["a/open", "training"]["raw_value"] == pytest.approx((1 + 0 + 1 + 1 + 0.8) / 5)
    assert c["a/open", "training"]["detail"] == (
        "training data public, code not public, datasets declared, paper yes, zero-shot 80%")
    assert c["a/closed", "training"]["raw_value"] == 0.0  # mteb's null links: not public; nothing else known
    unread = c["a/unread", "training"]
    assert unread["missing"] and unread["raw_value"] is None and unread["detail"] == "no training metadata read"


def test_fit_weighs_the_profiles_task_types_and_saturates_at_its_chunk_size(wh: WarehouseBuilder, cfg: Config):
    wh.snapshot(day(0), "a/retriever", 1000)
    wh.snapshot(day(0), "a/short", 1000)
    wh.board("a/retriever", 55.0, retrieval=80.0, reranking=60.0, sts=50.0, pair_classification=50.0,
             classification=50.0, clustering=50.0)
    wh.board("a/short", 55.0)
    wh.meta("a/retriever", max_tokens=512)
    wh.meta("a/short", max_tokens=256)
    s = score(wh.build(), day(0), cfg)
    rag = crit(s, "rag")
    typed = (3 * 80 + 2 * 60 + 0.5 * 50 + 0.5 * 50) / 6
    assert rag["a/retriever", "fit"]["raw_value"] == pytest.approx(typed)
    # 512 tokens fill rag's 512-token chunks: the context part is whole.
    assert rag["a/retriever", "fit"]["score"] == pytest.approx(0.75 * (typed - 40) / 40 + 0.25 * 1)
    assert rag["a/short", "fit"]["score"] == pytest.approx(0.75 * (55 - 40) / 40 + 0.25 * 0.5)  # 256 of 512: half
    assert "Retrieval 80.0×3" in rag["a/retriever", "fit"]["detail"]


def test_fit_of_a_profile_without_task_weights_is_consistency_not_a_copy_of_performance(
        wh: WarehouseBuilder, cfg: Config):
    wh.snapshot(day(0), "a/even", 1000)
    wh.snapshot(day(0), "a/lopsided", 1000)
    wh.board("a/even", 60.0)
    wh.board("a/lopsided", 60.0, retrieval=80.0, reranking=40.0, sts=60.0, pair_classification=60.0,
             classification=60.0, clustering=60.0)
    wh.meta("a/even")
    wh.meta("a/lopsided")
    c = crit(score(wh.build(), day(0), cfg))
    assert c["a/even", "performance"]["score"] == c["a/lopsided", "performance"]["score"]
    assert c["a/even", "fit"]["raw_value"] == 0.0  # no spread between task types
    assert c["a/even", "fit"]["score"] > c["a/lopsided", "fit"]["score"]


def test_community_ignores_a_momentum_that_rides_on_a_spike(wh: WarehouseBuilder, cfg: Config):
    wh.history("a/spiky", range(0, 71), per_day=100)
    wh.snapshot(day(71), "a/spiky", 100_000 + 71 * 100 + 80_000)
    c = crit(score(wh.build(), day(71), cfg))
    assert "momentum rising (spike flagged: ignored)" in c["a/spiky", "community"]["detail"]
