"""Rankings: quality first, unknown quality never placed, families, gates, budgets, tie groups, the Pareto front,
rank changes and their properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import facts
from pipeline.config import CRITERIA, Config, ConfigError, Profile, load_config
from pipeline.criteria import load_inputs, score_criteria
from pipeline.rankings import bands, pareto_front, profile_quality, rank_models
from tests.scores.helpers import WarehouseBuilder, day, rows, score
from warehouse import db


def ranking(scores, profile: str = "balanced") -> dict[str, dict[str, Any]]:
    return {r["model_id"]: r for r in scores.rankings.filter(scores.rankings["profile"] == profile).to_dicts()}


def test_a_quantized_copy_does_not_take_a_second_place(wh: WarehouseBuilder, cfg: Config):
    for model, mean in (("a/best", 70.0), ("b/second", 60.0)):
        wh.snapshot(day(0), model, 1000)
        wh.board(model, mean)
        wh.meta(model)
    wh.model("c/best-gguf", family="a/best", base="a/best", relation="quantized")
    wh.snapshot(day(0), "c/best-gguf", 1000, formats=["gguf"])
    r = ranking(score(wh.build(), day(0), cfg))
    assert (r["a/best"]["rank"], r["b/second"]["rank"]) == (1, 2)
    copy = r["c/best-gguf"]
    assert (copy["rank"], copy["status"], copy["represented_by"]) == (None, "family_duplicate", "a/best")


def _market(wh: WarehouseBuilder, cfg: Config, tiny: str) -> Any:
    """Two real models over two weeks, plus the test repository ``radar-test/tiny`` (the most downloaded,
    smallest and fastest of all): ``tiny`` is ``flagged`` (models.fixture), ``unflagged`` or ``absent``."""
    if wh.path.exists():
        wh.path.unlink()
    for n in (0, 7):
        for model, params in (("a/large", 500_000_000), ("a/small", 100_000_000)):
            wh.snapshot(day(n), model, 1000 + n * 100, params=params)
        if tiny != "absent":
            wh.model("radar-test/tiny", fixture=tiny == "flagged")
            wh.snapshot(day(n), "radar-test/tiny", 10**7 + n * 10**6, params=256_352)
    if tiny != "absent":
        wh.smoke_test("radar-test/tiny", when=day(7), sentences_per_second=2500.0, embedding_dim=32)
    return score(wh.build(), day(7), cfg)


def _real_scores(s: Any) -> dict[tuple[str, str], float]:
    frame = s.criteria.filter((pl.col("profile") == "balanced") & pl.col("model_id").str.starts_with("a/"))
    return {(r["model_id"], r["criterion"]): r["score"] for r in frame.to_dicts()}


def test_test_repositories_get_criteria_but_no_trends_no_ranking_and_move_no_real_score(
        wh: WarehouseBuilder, cfg: Config):
    s = _market(wh, cfg, "flagged")
    assert set(ranking(s)) == {"a/large", "a/small"} and "radar-test/tiny" not in set(s.rankings["model_id"])
    assert "radar-test/tiny" not in set(s.trends["model_id"])
    assert (s.details["cohort"], s.details["fixtures"]) == (2, 1)
    speed = s.criteria.filter((pl.col("model_id") == "radar-test/tiny") & (pl.col("criterion") == "speed"))
    assert set(speed["raw_value"]) == {2500.0} and not any(speed["estimated"])   # what its smoke test measured
    # the real models score as if the test repository were not on the Hub; unflagged, it would move them
    flagged = _real_scores(s)
    assert flagged == _real_scores(_market(wh, cfg, "absent"))
    assert flagged != _real_scores(_market(wh, cfg, "unflagged"))


def test_a_model_without_c_mteb_results_has_no_place_where_the_profile_weighs_quality(
        wh: WarehouseBuilder, cfg: Config):
    wh.snapshot(day(0), "a/evaluated", 1000)
    wh.board("a/evaluated", 45.0)
    wh.meta("a/evaluated")
    wh.snapshot(day(0), "a/popular", 10**7, likes=5000)  # everything known but its quality
    wh.meta("a/popular", embed_dim=256, n_parameters=20_000_000)
    wh.snapshot(day(0), "a/retrieval-only", 1000)
    wh.board("a/retrieval-only", None, **dict.fromkeys(("reranking", "sts", "pair_classification",
                                                         "classification", "clustering"), None), retrieval=80.0)
    popularity = Profile("popularity", {"community": 1.0})
    s = score(wh.build(), day(0), replace(cfg, profiles={**cfg.profiles, "popularity": popularity}))
    for profile in ("balanced", "rag", "cpu-edge", "commercial"):
        r = ranking(s, profile)
        assert r["a/evaluated"]["rank"] == 1, profile
        assert (r["a/popular"]["status"], r["a/popular"]["rank"]) == ("not_benchmarked", None), profile
        assert r["a/retrieval-only"]["status"] == "not_benchmarked", profile  # Reranking unknown: not comparable
    assert ranking(s, "popularity")["a/popular"]["rank"] == 1  # a profile that does not weigh quality ranks it


def test_a_benchmarked_model_with_too_little_else_known_is_not_ranked(wh: WarehouseBuilder, cfg: Config):
    wh.snapshot(day(0), "a/sparse", None, d30=None, params=None, likes=None, tags=None, formats=None,
                license=None, library_name=None, last_modified=None)
    wh.board("a/sparse", 60.0)
    speedy = Profile("speedy", {"speed": 5.0, "performance": 1.0}, quality_first=False)
    s = score(wh.build(), day(0), replace(cfg, profiles={"speedy": speedy}))
    row = ranking(s, "speedy")["a/sparse"]
    assert row["status"] == "insufficient_data" and row["coverage"] == pytest.approx(1 / 6)


def test_the_commercial_profile_ranks_only_licences_that_allow_commercial_use(wh: WarehouseBuilder, cfg: Config):
    for model, license in (("a/mit", "mit"), ("a/nc", "cc-by-nc-4.0"), ("a/unknown", None)):
        wh.snapshot(day(0), model, 1000, license=license)
        wh.board(model, 60.0)
        wh.meta(model, license=None)
    s = score(wh.build(), day(0), cfg)
    commercial = ranking(s, "commercial")
    assert commercial["a/mit"]["rank"] == 1
    assert {commercial[m]["status"] for m in ("a/nc", "a/unknown")} == {"licence_gate"}
    assert (commercial["a/nc"]["commercial_use"], commercial["a/unknown"]["commercial_use"]) == (False, None)
    assert all(r["status"] == "ranked" for r in ranking(s).values())


def test_bands_are_led_by_their_best_model_and_never_wider_than_the_tolerance():
    totals = np.array([0.900, 0.895, 0.8905, 0.885, 0.870])
    assert bands(totals, 0.01).tolist() == [1, 1, 1, 4, 5]  # chaining neighbours would give 1,1,1,1,5
    assert bands(totals, 0.0).tolist() == [1, 2, 3, 4, 5]
    assert bands(np.array([]), 0.01).tolist() == []


def test_quality_comes_first_and_the_other_criteria_decide_only_within_the_tolerance(
        wh: WarehouseBuilder, cfg: Config):
    # An 80M model with 59 must not beat a 75 however small and popular it is (issue 12); within a point of
    # each other, the cheaper and more popular model goes first.
    wh.snapshot(day(0), "a/tiny-popular", 10**7, params=80_000_000, likes=5000)
    wh.board("a/tiny-popular", 59.0)
    wh.meta("a/tiny-popular", embed_dim=320)
    wh.snapshot(day(0), "b/huge", 100, params=8_000_000_000, likes=1)
    wh.board("b/huge", 75.0)
    wh.meta("b/huge", embed_dim=4096)
    wh.snapshot(day(0), "c/mid", 10**6, params=330_000_000, likes=500)
    wh.board("c/mid", 74.5)
    wh.meta("c/mid", embed_dim=1024)
    s = score(wh.build(), day(0), cfg)
    r = ranking(s)
    assert [m for m, _ in sorted(((m, r[m]["rank"]) for m in r), key=lambda x: x[1])] == [
        "c/mid", "b/huge", "a/tiny-popular"]
    assert r["c/mid"]["quality_band"] == r["b/huge"]["quality_band"] == 1
    assert r["a/tiny-popular"]["quality_band"] == 3
    assert r["a/tiny-popular"]["total_score"] > r["b/huge"]["total_score"]  # the weighted sum alone would invert it
    cpu = ranking(s, "cpu-edge")
    assert (cpu["a/tiny-popular"]["rank"], cpu["b/huge"]["status"], cpu["c/mid"]["status"]) == (
        1, "over_budget", "over_budget")


def test_models_that_cannot_be_told_apart_share_a_tie_group(wh: WarehouseBuilder, cfg: Config):
    for model, mean in (("a/one", 70.0), ("a/two", 69.99), ("a/three", 40.0)):
        wh.snapshot(day(0), model, 1000)
        wh.board(model, mean)
        wh.meta(model)
    r = ranking(score(wh.build(), day(0), cfg))
    assert [(r[m]["rank"], r[m]["tie_group"]) for m in ("a/one", "a/two", "a/three")] == [(1, 1), (2, 1), (3, 3)]


def test_the_pareto_front_keeps_models_nothing_beats_on_quality_size_and_dimension():
    ranked = pl.DataFrame({
        "profile": ["p"] * 5,
        "model_id": ["big", "small", "dominated", "twin", "unknown"],
        "quality": [70.0, 65.0, 60.0, 65.0, 90.0],
        "params": [300, 100, 200, 100, None],
        "embed_dim": [1024, 768, 1024, 768, 512],
    })
    front = dict(pareto_front(ranked).select("model_id", "pareto").iter_rows())
    assert front == {"big": True, "small": True, "dominated": False, "twin": True, "unknown": None}


def test_rank_change_compares_with_the_ranking_a_week_earlier(wh: WarehouseBuilder, cfg: Config):
    for model, mean in (("a/rising", 60.0), ("a/falling", 70.0)):
        wh.snapshot(day(0), model, 1000)
        wh.board(model, mean)
        wh.meta(model)
    score(wh.build(), day(0), cfg)
    for model, mean in (("a/rising", 75.0), ("a/falling", 70.0)):
        wh.snapshot(day(7), model, 2000)
        wh.board(model, mean, when=day(7))
    wh.snapshot(day(7), "a/newcomer", 10)
    wh.board("a/newcomer", 50.0, when=day(7))
    wh.meta("a/newcomer", when=day(7))
    s = score(wh.build(), day(7), cfg)
    r = ranking(s)
    assert (r["a/rising"]["rank_change"], r["a/falling"]["rank_change"]) == (1, -1)
    newcomer = r["a/newcomer"]  # ranked now, not on the list a week ago
    assert newcomer["rank"] == 3 and newcomer["rank_change"] is None


def test_a_rerun_replaces_the_dates_rows(wh: WarehouseBuilder, cfg: Config):
    wh.history("a/m", range(0, 10), per_day=10)
    path = wh.build()
    score(path, day(9), cfg)
    score(path, day(9), cfg)
    counts = rows(path, "SELECT (SELECT count(*) FROM download_trends) AS t, (SELECT count(*) FROM rankings) AS r,"
                        " (SELECT count(*) FROM criteria_scores) AS c, (SELECT count(*) FROM model_facts) AS f,"
                        " (SELECT count(*) FROM criterion_values) AS v, (SELECT count(*) FROM profile_weights) AS w")[0]
    # seven criteria stored once and fit once per profile; the view shows all eight per profile
    assert counts == {"t": 10, "r": 4, "c": 4 * 8, "f": 1, "v": 7 + 4, "w": 4 * 8}
    runs = rows(path, "SELECT status, rows_written, details FROM runs WHERE flow = 'scores'")
    assert [r["status"] for r in runs] == ["completed", "completed"]


# Properties, on synthetic cohorts scored without a warehouse round trip per example.

@pytest.fixture(scope="module")
def input_schema(tmp_path_factory) -> pl.Schema:
    path = tmp_path_factory.mktemp("schema") / "radar.duckdb"
    with db.writer(path):
        pass
    with db.reader(path) as con:
        empty = pl.DataFrame(schema={"model_id": pl.String, "momentum": pl.String, "anomaly": pl.String})
        return load_inputs(con, date(2025, 1, 1), "lenient", empty).schema


def cohort(schema: pl.Schema, models: list[dict[str, Any]]) -> pl.DataFrame:
    rows = [{**dict.fromkeys(schema), "model_id": f"m/{i}", "family_id": f"m/{i}", "snapshot_date": date(2025, 1, 1),
             "lb_id": f"m/{i}" if m["mean"] is not None else None, "cm_id": f"m/{i}" if m["dim"] else None,
             "lb_date": date(2025, 1, 1), "mean_task_type": m["mean"], "n_tasks": 31,
             **{t: m["mean"] for t in ("retrieval", "reranking", "sts", "pair_classification", "classification",
                                       "clustering")},
             "meta_revision": "a" * 40 if m["dim"] else None,
             "hub_params": m["params"], "cm_embed_dim": m["dim"], "downloads_30d": m["d30"], "likes": m["likes"],
             "hub_license": m["license"], "tags": ["sentence-transformers"], "formats": ["safetensors"],
             "library_name": "sentence-transformers", "has_variant": False}
            for i, m in enumerate(models)]
    return pl.DataFrame(rows, schema=schema)


model_strategy = st.fixed_dictionaries({
    "mean": st.one_of(st.none(), st.floats(40, 80)),
    "params": st.one_of(st.none(), st.integers(10**7, 10**10)),
    "dim": st.one_of(st.none(), st.sampled_from([256, 512, 768, 1024, 1792, 4096])),
    "d30": st.integers(0, 10**7),
    "likes": st.integers(0, 10**4),
    "license": st.sampled_from(["mit", "apache-2.0", "cc-by-nc-4.0", None]),
})
cohorts = st.lists(model_strategy, min_size=1, max_size=15)
weight_maps = st.fixed_dictionaries({c: st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0]) for c in CRITERIA}).filter(
    lambda w: sum(w.values()) > 0)
quick = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def ranked(schema: pl.Schema, models: list[dict[str, Any]], cfg: Config) -> pl.DataFrame:
    inputs = cohort(schema, models)
    known = facts.resolve(inputs)
    scored = score_criteria(inputs, cfg.profiles, cfg.scores, date(2025, 1, 1), known)
    empty = pl.DataFrame(schema={"profile": pl.String, "model_id": pl.String, "previous_rank": pl.Int32})
    return rank_models(scored, known.join(inputs.select("model_id", "family_id"), on="model_id"), empty,
                       cfg.profiles, cfg.scores, profile_quality(inputs, cfg.profiles))


@quick
@given(models=cohorts)
def test_ranks_are_a_permutation_and_never_put_a_model_over_a_clearly_better_one(input_schema, cfg: Config, models):
    out = ranked(input_schema, models, cfg)
    for (profile,), part in out.partition_by("profile", as_dict=True).items():
        prof = cfg.profiles[profile]
        placed = part.filter(pl.col("status") == "ranked").sort("rank")
        assert placed["rank"].to_list() == list(range(1, placed.height + 1)), profile
        assert part.filter(pl.col("status") != "ranked")["rank"].null_count() == part.height - placed.height
        assert all(0 <= t <= 1 + 1e-9 for t in placed["total_score"])
        assert placed["quality"].null_count() == 0  # every profile here weighs quality
        quality = placed["quality"].to_list()
        if prof.quality_first:
            assert all(quality[j] <= quality[i] + prof.quality_tolerance + 1e-9
                       for i in range(len(quality)) for j in range(i + 1, len(quality))), profile
        else:
            assert placed["total_score"].to_list() == sorted(placed["total_score"], reverse=True)


@quick
@given(models=cohorts, weights=weight_maps, factor=st.sampled_from([0.01, 0.5, 3.0, 1000.0]))
def test_scaling_all_weights_does_not_change_ranks(input_schema, cfg: Config, models, weights, factor):
    base = replace(cfg, profiles={"p": replace(cfg.profiles["balanced"], weights=weights)})
    scaled = replace(cfg, profiles={"p": replace(cfg.profiles["balanced"],
                                                 weights={c: w * factor for c, w in weights.items()})})
    a = ranked(input_schema, models, base).sort("model_id")
    b = ranked(input_schema, models, scaled).sort("model_id")
    assert a["rank"].to_list() == b["rank"].to_list()
    assert a["status"].to_list() == b["status"].to_list()
    assert a["total_score"].to_list() == pytest.approx(b["total_score"].to_list(), nan_ok=True)


@given(weights=st.fixed_dictionaries({c: st.sampled_from([0, 0.0]) for c in CRITERIA}))
@settings(max_examples=5, deadline=None)
def test_weights_that_sum_to_zero_are_rejected_with_the_key(tmp_path_factory, weights):
    path = tmp_path_factory.mktemp("cfg") / "radar.toml"
    path.write_text("[profiles.mine]\nweights = { " + ", ".join(f"{c} = {w}" for c, w in weights.items()) + " }\n")
    with pytest.raises(ConfigError, match=r"profiles\.mine\.weights: weights sum to zero"):
        load_config(path, env={})


@pytest.mark.parametrize(("body", "message"), [
    ("weights = { performance = -1, speed = 1 }", r"profiles\.mine\.weights\.performance: .*non-negative"),
    ("weights = { quality = 1 }", r"profiles\.mine\.weights\.quality: unknown criterion"),
    ("weights = { speed = 1 }\ntask_weights = { Retrieveal = 1 }", r"task_weights\.Retrieveal: unknown task type"),
    ("weights = { speed = 1 }\ncontext_weight = 2", r"profiles\.mine\.context_weight: must be between 0 and 1"),
    ("weights = { speed = 1 }\nchunk_tokens = 0", r"profiles\.mine\.chunk_tokens: must be between"),
    ("weights = { speed = 1 }\nquality_tolerance = -1", r"profiles\.mine\.quality_tolerance: must be between"),
    ("weights = { speed = 1 }\nmax_params = 0", r"profiles\.mine\.max_params: must be a positive"),
])
def test_bad_profiles_fail_fast_naming_the_key(tmp_path: Path, body: str, message: str):
    path = tmp_path / "radar.toml"
    path.write_text(f"[profiles.mine]\n{body}\n")
    with pytest.raises(ConfigError, match=message):
        load_config(path, env={})
