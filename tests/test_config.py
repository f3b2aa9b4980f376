"""Configuration: defaults, the documented example, overrides, and errors that name the key."""

from pathlib import Path

import pytest

from pipeline.config import (
    CRITERIA, DEFAULT_PROFILES, DEFAULT_QUERIES, ConfigError, ScoresConfig, SmokeConfig, load_config,
)

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path, text):
    p = tmp_path / "radar.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_documented_example_is_valid_and_complete():
    cfg = load_config(ROOT / "radar.toml", env={})
    assert {"balanced", "rag", "cpu-edge", "commercial"} <= set(cfg.profiles)
    assert [q.name for q in cfg.hub.queries][0] == "zh-embedding"
    assert cfg.hub.queries[0].filter == ("zh",) and cfg.hub.queries[0].search == "embedding"
    assert all(set(p.weights) <= set(CRITERIA) for p in cfg.profiles.values())
    assert cfg.profiles == DEFAULT_PROFILES and cfg.hub.queries == DEFAULT_QUERIES
    assert cfg.scores == ScoresConfig() and cfg.smoke == SmokeConfig()


def test_environment_overrides_the_file(tmp_path):
    p = write(tmp_path, '[report]\nlang = "en"\n[smoke]\ntop_n = 1\n')
    cfg = load_config(p, env={"RADAR_REPORT_LANG": "zh", "RADAR_SMOKE_TOP_N": "4", "RADAR_DB": "/tmp/x.duckdb"})
    assert (cfg.report.lang, cfg.smoke.top_n, str(cfg.db)) == ("zh", 4, "/tmp/x.duckdb")


@pytest.mark.parametrize(
    "text,key",
    [
        ('[report]\nlang = "fr"\n', "report.lang"),
        ("[smoke]\ntop_n = 'many'\n", "smoke.top_n"),
        ("[smoke]\nunknown = 1\n", "smoke.unknown"),
        ("[profiles.mine.weights]\nperformance = -1\n", "profiles.mine.weights.performance"),
        ("[profiles.mine.weights]\nperformance = 0\nspeed = 0\n", "profiles.mine.weights"),
        ("[profiles.mine.weights]\nbeauty = 1\n", "profiles.mine.weights.beauty"),
        ("[[hub.queries]]\nsearch = 'x'\n", "hub.queries[0].name"),
        ("[hub]\npage_size = 5000\n", "hub.page_size"),
        ("[mteb]\nsource = 'checkout'\n", "mteb.checkout_path"),
        ("[notify]\nwebhook_url = 'ftp://x'\n", "notify.webhook_url"),
        ("[nonsense]\n", "nonsense"),
        ("not toml = = =", "not valid TOML"),
    ],
)
def test_invalid_values_fail_fast_naming_the_key(tmp_path, text, key):
    with pytest.raises(ConfigError, match=key.replace("[", r"\[").replace("]", r"\]")):
        load_config(write(tmp_path, text), env={})


def test_custom_profile_and_queries(tmp_path):
    p = write(tmp_path, """
[[hub.queries]]
name = "only-bge"
filter = ["zh"]
author = "BAAI"

[profiles.mine]
description = "speed only"
weights = { speed = 2 }
""")
    cfg = load_config(p, env={})
    assert [q.name for q in cfg.hub.queries] == ["only-bge"]
    assert cfg.profile("mine").weights["speed"] == 2 and cfg.profile("mine").weights["performance"] == 0
    with pytest.raises(ConfigError, match="unknown profile"):
        cfg.profile("nope")


@pytest.mark.parametrize("text,key", [
    ("smoke.timeout_seconds = nan\n", "smoke.timeout_seconds"),
    ("[smoke]\nmax_model_mb = nan\n", "smoke.max_model_mb"),
    ("[smoke]\nmax_run_mb = inf\n", "smoke.max_run_mb"),
    ("[scores]\ntie_tolerance = -inf\n", "scores.tie_tolerance"),
    ("[scores]\nmissing_penalty = nan\n", "scores.missing_penalty"),
    ("[hub]\ntimeout_seconds = +inf\n", "hub.timeout_seconds"),
    ("[profiles.mine]\nweights = { performance = nan }\n", "profiles.mine.weights.performance"),
    ("[profiles.mine]\nweights = { speed = 1 }\ntask_weights = { Retrieval = inf }\n",
     "profiles.mine.task_weights.Retrieval"),
    ("[profiles.mine]\nweights = { speed = 1 }\ncontext_weight = nan\n", "profiles.mine.context_weight"),
    ("[smoke]\ntop_n = 99999999999999999999\n", "smoke.top_n"),
])
def test_only_finite_numbers_are_accepted(tmp_path, text, key):
    """NaN switches limits off (every comparison is false) and inf ranks nothing: both are refused by key."""
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), env={})
    assert str(caught.value).startswith(f"{key}: ") and "\n" not in str(caught.value)


@pytest.mark.parametrize("text,key", [
    ("profiles = 3\n", "profiles"),
    ("hub = [1, 2]\n", "hub"),
    ("[hub]\nqueries = 'zh'\n", "hub.queries"),
    ("[[hub.queries]]\nname = 'a'\nfilter = 3\n", "hub.queries[0].filter"),
    ("[[hub.queries]]\nname = 'a'\nsearch = 3\n", "hub.queries[0].search"),
    ("[[hub.queries]]\nname = 'a'\nsearch = ['x']\n", "hub.queries[0].search"),
    ("[profiles.mine]\nweights = { speed = 1 }\ntask_weights = 1\n", "profiles.mine.task_weights"),
    ("[profiles.mine]\nweights = { speed = 1 }\ndescription = { a = 1 }\n", "profiles.mine.description"),
    ("[paths]\ndb = ''\n", "paths.db"),
    ("[smoke]\nmodels = " + "[" * 40 + "'x'" + "]" * 40 + "\n", "smoke.models"),
    ("[smoke]\nmodels = " + "[" * 3000 + "]" * 3000 + "\n", "smoke.models"),
    ("[report]\nlang = " + "{ a = " * 50 + "1" + " }" * 50 + "\n", "report.lang"),
])
def test_wrong_types_and_deep_nesting_are_configuration_errors(tmp_path, text, key):
    """No TypeError or RecursionError escapes: each case is a ConfigError whose one line names the key."""
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), env={})
    message = str(caught.value)
    assert message.split(": ")[0].startswith(key) and "\n" not in message and len(message) < 300


@pytest.mark.parametrize("var,value,key", [
    ("RADAR_SMOKE_TOP_N", "abc", "smoke.top_n"),
    ("RADAR_SMOKE_TOP_N", "nan", "smoke.top_n"),
    ("RADAR_REPORT_LANG", "fr", "report.lang"),
    ("RADAR_WEBHOOK_URL", "ftp://x", "notify.webhook_url"),
    ("RADAR_SMOKE_TASK_RUNNER", "celery", "smoke.task_runner"),
])
def test_a_bad_environment_variable_is_reported_under_its_own_name(tmp_path, var, value, key):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, ""), env={var: value})
    assert str(caught.value).startswith(f"{var}: ") and key in str(caught.value)


def test_the_configuration_remembers_which_keys_the_environment_set(tmp_path):
    cfg = load_config(write(tmp_path, ""), env={"RADAR_DB": "/tmp/x.duckdb"})
    assert cfg.origin("db") == "RADAR_DB" and cfg.origin("reports_dir") == "reports_dir"
    with pytest.raises(ConfigError, match="^RADAR_CONFIG: file not found"):
        load_config(None, env={"RADAR_CONFIG": str(tmp_path / "missing.toml")})
