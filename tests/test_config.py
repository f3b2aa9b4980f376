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
