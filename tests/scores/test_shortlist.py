"""`radar top`: the shortlist with reasons, its filters and errors, as a table and as JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pipeline.config import Config, ConfigError
from pipeline.shortlist import ShortlistError, parse_size, render_top
from tests.scores.helpers import WarehouseBuilder, day, score
from warehouse import db


@pytest.fixture(autouse=True)
def _terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    """The table follows the terminal's width, which differs between runners (a pytest-xdist worker's is
    narrower than a plain run's): pin the width the assertions on whole cells and header lines assume."""
    monkeypatch.setenv("COLUMNS", "160")


@pytest.fixture
def scored(wh: WarehouseBuilder, cfg: Config) -> Path:
    """Five evaluated models of different size, dimension and licence (org/large, org/base and org/small are
    sizes of one series), two without C-MTEB results, one quantized copy."""
    models = [
        ("org/large", 72.0, 1024, 335_000_000, "mit"),
        ("org/base", 68.0, 768, 110_000_000, "apache-2.0"),
        ("org/small", 64.0, 512, 33_000_000, "mit"),
        ("org/nc", 70.0, 768, 110_000_000, "cc-by-nc-4.0"),
        ("org/nodim", 66.0, None, 110_000_000, None),
    ]
    for model, mean, dim, params, license in models:
        wh.snapshot(day(0), model, 1000, params=params, license=license)
        wh.board(model, mean, retrieval=mean + 5)
        wh.meta(model, embed_dim=dim, license=None, n_parameters=params)
    wh.snapshot(day(0), "org/unevaluated", 1000)
    wh.snapshot(day(0), "org/unbenchmarked", 1000)
    wh.meta("org/unbenchmarked", embed_dim=384)
    wh.model("x/large-gguf", family="org/large", base="org/large", relation="quantized")
    wh.snapshot(day(0), "x/large-gguf", 100, formats=["gguf"], params=None)
    path = wh.build()
    score(path, day(0), cfg)
    return path


def top(path: Path, cfg: Config, fmt: str = "json", **kw):
    args = {"profile": "rag", "max_dim": None, "max_params": None, "license": None, "n": 10} | kw
    text = render_top(path, fmt=fmt, config=cfg, **args)
    return json.loads(text) if fmt == "json" else text


def test_the_shortlist_lists_ranked_models_in_order_with_criteria_and_reasons(scored: Path, cfg: Config):
    out = top(scored, cfg, all_sizes=True)
    ids = [m["model_id"] for m in out["models"]]
    assert "x/large-gguf" not in ids and "org/unevaluated" not in ids
    assert [m["rank"] for m in out["models"]] == list(range(1, len(ids) + 1))
    assert out["counts"]["family_duplicate"] == 1 and out["counts"]["not_benchmarked"] == 2
    first, second = out["models"][0], out["models"][1]
    assert set(first["criteria"]) == {"performance", "speed", "dimension", "fit", "training", "scalability",
                                      "compatibility", "community"}
    assert first["criteria"]["fit"]["name_zh"] == "适用性"
    assert sum(c["contribution"] or 0 for c in first["criteria"].values()) == pytest.approx(first["total_score"])
    assert any(r.startswith(f"ahead of #2 {second['model_id']} on quality: a higher band") for r in first["reasons"])
    assert any(r.startswith(f"behind #1 {first['model_id']} on quality: a lower band") for r in second["reasons"])
    assert out["missing_policy"] == "quartile" and out["weights"]["fit"] == 4 and out["quality_first"]


def test_one_row_per_model_series_with_its_other_sizes_beside_it(scored: Path, cfg: Config):
    out = top(scored, cfg)
    series = [m["series_id"] for m in out["models"]]
    assert len(series) == len(set(series))
    large = next(m for m in out["models"] if m["model_id"] == "org/large")
    assert [o["model_id"] for o in large["other_sizes"]] == ["org/base", "org/small"]
    assert any(r.startswith("other sizes: org/base (#") for r in large["reasons"])
    assert {"org/base", "org/small"}.isdisjoint(m["model_id"] for m in out["models"])
    every = top(scored, cfg, all_sizes=True)
    assert {"org/large", "org/base", "org/small"} <= {m["model_id"] for m in every["models"]}


def test_popular_models_without_c_mteb_results_are_listed_apart(scored: Path, cfg: Config):
    out = top(scored, cfg)
    assert {p["model_id"] for p in out["not_benchmarked"]} == {"org/unevaluated", "org/unbenchmarked"}
    text = top(scored, cfg, fmt="table")
    assert "Popular, not benchmarked" in text and "org/unevaluated" in text.split("Popular, not benchmarked")[1]


def test_filters_keep_only_models_known_to_pass_and_count_the_rest(scored: Path, cfg: Config):
    out = top(scored, cfg, max_dim=768, max_params=parse_size("200M"), license="permissive", all_sizes=True)
    assert {m["model_id"] for m in out["models"]} == {"org/base", "org/small"}
    counts = out["counts"]
    assert (counts["dim_over"], counts["dim_unknown"]) == (1, 1)
    assert counts["params_over"] == 1
    assert (counts["license_not_permissive"], counts["license_unknown"]) == (1, 1)
    assert out["filters"] == {"max_dim": 768, "max_params": 200_000_000, "license": "permissive"}


def test_the_table_shows_places_facts_reasons_and_what_was_left_out(scored: Path, cfg: Config):
    text = top(scored, cfg, fmt="table", max_dim=768, n=2)
    assert "profile rag" in text and f"as of {day(0)}" in text and "missing data: quartile" in text
    assert "ranked by quality first (bands of 1 C-MTEB point)" in text
    assert re.search(r"│ org/base[ ★]", text) and not re.search(r"│ org/large[ ★]", text)
    assert "behind #1 org/large on" in text  # reasons compare with neighbours in the whole ranking
    flat = " ".join(text.split())  # the footer wraps at the terminal's width
    assert "dim > 768: 1 left out, unknown dim: 1" in flat
    assert "1 family copies" in flat and "2 without C-MTEB results" in flat


def test_each_model_shows_its_smoke_test_and_not_available_is_not_a_failure(wh: WarehouseBuilder, cfg: Config):
    for model, mean in (("org/a", 72.0), ("org/b", 70.0), ("org/c", 68.0), ("org/d", 66.0)):
        wh.snapshot(day(0), model, 1000)
        wh.board(model, mean, retrieval=mean + 5)
        wh.meta(model)
    wh.smoke_test("org/a", sentences_per_second=212.4)
    wh.smoke_test("org/b", status="unavailable", failure_class="no_weights", sentences_per_second=None)
    wh.smoke_test("org/c", status="failed", failure_class="hang", sentences_per_second=None)
    path = wh.build()
    score(path, day(0), cfg)
    smoke = {m["model_id"]: m["smoke"] for m in top(path, cfg)["models"]}
    assert (smoke["org/a"]["status"], smoke["org/a"]["sentences_per_second"]) == ("passed", 212.4)
    assert (smoke["org/b"]["status"], smoke["org/b"]["failure_class"]) == ("unavailable", "no_weights")
    assert smoke["org/c"]["status"] == "failed" and smoke["org/d"] is None
    text = top(path, cfg, fmt="table")
    assert "passed 212/s" in text and "not available (no_weights)" in text and "FAILED (hang)" in text
    assert ("smoke tests of the models shown: 1 passed, 1 FAILED, 1 not available (weights not served by this"
            " endpoint: not failures), 1 untested") in " ".join(text.split())


def test_a_banner_says_when_the_hub_numbers_behind_the_ranking_are_synthetic(scored: Path, cfg: Config):
    assert top(scored, cfg)["synthetic"] is None   # no snapshot declared synthetic data: no banner
    assert "SYNTHETIC" not in top(scored, cfg, fmt="table")
    with db.writer(scored) as con:   # what the Hub snapshot flow records for the replay Hub
        con.execute("INSERT INTO hub_snapshots VALUES (?, 'hub-run', 'http://127.0.0.1:9', 'replay', 'replay Hub',"
                    " ['downloads_30d', 'likes'], ['tags'], 'synthetic=downloads,likes; by-rule=tags')", [day(0)])
    out = top(scored, cfg)
    assert out["synthetic"]["fields"] == ["downloads_30d", "likes"] and out["synthetic"]["sources"] == ["replay"]
    text = top(scored, cfg, fmt="table")
    assert text.splitlines()[0].startswith("⚠ SYNTHETIC DATA: the downloads, likes come from the replay Hub")
    assert "assigned by rule, not observed: some tags." in " ".join(text.split())


def test_unknown_criteria_and_estimates_are_named_in_the_reasons(scored: Path, cfg: Config):
    out = top(scored, cfg, all_sizes=True)
    nodim = next(m for m in out["models"] if m["model_id"] == "org/nodim")
    assert "unknown: dimension (lower-quartile score)" in nodim["reasons"]
    assert any(r.startswith("estimated: speed (estimate from the compute parameters)") for r in nodim["reasons"])
    assert nodim["criteria"]["dimension"]["missing"] and nodim["criteria"]["dimension"]["score"] > 0


@pytest.mark.parametrize(("kw", "error", "message"), [
    ({"license": "open"}, ShortlistError, "--license: expected one of permissive"),
    ({"n": 0}, ShortlistError, "-n: expected a positive number"),
    ({"max_dim": -5}, ShortlistError, "--max-dim: expected a positive number"),
    ({"profile": "nope"}, ConfigError, "profiles.nope: unknown profile"),
])
def test_bad_arguments_get_one_clear_error(scored: Path, cfg: Config, kw, error, message):
    with pytest.raises(error, match=message):
        top(scored, cfg, **kw)


def test_before_any_scores_run_the_error_says_what_to_do(wh: WarehouseBuilder, cfg: Config):
    wh.snapshot(day(0), "org/m", 1000)
    with pytest.raises(ShortlistError, match="radar run scores"):
        top(wh.build(), cfg)


@pytest.mark.parametrize(("text", "value"), [("400M", 400_000_000), ("1.5B", 1_500_000_000), ("33k", 33_000),
                                             ("7b", 7_000_000_000), ("123456", 123_456)])
def test_sizes_parse(text: str, value: int):
    assert parse_size(text) == value


def test_a_bad_size_names_the_flag():
    with pytest.raises(ShortlistError, match="--max-params: expected a size like 400M"):
        parse_size("big")
