"""Smoke settings fail fast with a message naming the key."""

from __future__ import annotations

import pytest

from pipeline.config import ConfigError, SmokeConfig, load_config


@pytest.mark.parametrize("body, key", [
    ("parallel = 0", "smoke.parallel"),
    ("timeout_seconds = 0", "smoke.timeout_seconds"),
    ("task_runner = 'ray'", "smoke.task_runner"),
    ("allow_pickle = 'a/b, c/d'\nmax_model_mb = 'big'", "smoke.max_model_mb"),
])
def test_invalid_smoke_settings_name_the_key(tmp_path, body, key):
    path = tmp_path / "radar.toml"
    path.write_text(f"[smoke]\n{body}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_config(path, env={})


def test_allow_lists_accept_a_comma_separated_string(tmp_path):
    path = tmp_path / "radar.toml"
    path.write_text("[smoke]\nallow_pickle = 'a/b, c/d'\nparallel = 2\n", encoding="utf-8")
    smoke = load_config(path, env={}).smoke
    assert smoke.allow_pickle == ("a/b", "c/d") and smoke.parallel == 2


def test_the_flow_rejects_an_unknown_task_runner():
    from flows.smoke import task_runner_for

    with pytest.raises(ValueError, match="task_runner"):
        task_runner_for("ray", None, SmokeConfig())
    assert type(task_runner_for("threads", None, SmokeConfig(parallel=3))).__name__ == "ThreadPoolTaskRunner"
    assert task_runner_for("dask", "tcp://10.0.0.5:8786", SmokeConfig()).address == "tcp://10.0.0.5:8786"
