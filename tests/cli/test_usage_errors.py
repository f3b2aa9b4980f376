"""Usage mistakes are caught before any flow: one line naming the option or variable, exit status 2, no
Prefect import, no row in ``runs``, no call to the failure webhook (a local webhook is configured)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.cli.helpers import radar

DEEP = "[smoke]\nmodels = " + "[" * 2000 + "]" * 2000 + "\n"

MISTAKES = [
    # (arguments, extra environment, configuration text, what the line must name)
    (["report", "--week", "2026-48"], {}, None, "--week"),
    (["--db", "{missing}", "report"], {}, None, "--db"),
    (["report", "--db", "{missing}"], {}, None, "--db"),
    (["report", "--lang", "fr"], {}, None, "--lang"),
    (["top", "--lang", "fr"], {}, None, "--lang"),
    (["report", "--week", "2020-W01"], {}, None, "--week"),
    (["run", "hub", "--date", "2026-13-45"], {}, None, "--date"),
    (["run", "hub", "--date", "2099-01-01"], {}, None, "--date"),
    (["run", "hub", "--date", "1970-01-01"], {}, None, "--date"),
    (["run", "all", "--date", "2099-01-01"], {}, None, "--date"),
    (["run", "report", "--date", "2026-08-01"], {}, None, "--date"),
    (["run", "smoke"], {"RADAR_SMOKE_TOP_N": "abc"}, None, "RADAR_SMOKE_TOP_N"),
    (["run", "hub"], {"HF_ENDPOINT": "not-a-url"}, None, "HF_ENDPOINT"),
    (["run", "report"], {"RADAR_REPORTS_DIR": "{file}"}, None, "RADAR_REPORTS_DIR"),
    (["run", "smoke", "--model", "../../etc"], {}, None, "--model"),
    (["run", "hub", "--model", "org/name"], {}, None, "--model"),
    (["run", "smoke", "--task-runner", "dask", "--dask-address", "nowhere"], {}, None, "--dask-address"),
    (["run", "smoke"], {}, "smoke.timeout_seconds = nan\n", "smoke.timeout_seconds"),
    (["run", "smoke"], {}, "[smoke]\nmax_model_mb = nan\n", "smoke.max_model_mb"),
    (["top"], {}, "profiles = 3\n", "profiles"),
    (["run", "hub"], {}, DEEP, "smoke.models"),
    (["run", "mteb"], {}, "[mteb]\nsource = 'checkout'\ncheckout_path = '/nonexistent/results'\n", "mteb.checkout_path"),
    (["--config", "{missing}", "run", "hub"], {}, None, "--config"),
    (["top", "--as-of", "2020-01-01"], {}, None, "--as-of"),
    (["top", "--profile", "nope"], {}, None, "--profile"),
    (["top", "-n", "0"], {}, None, "-n"),
    (["top", "--max-params", "12Q"], {}, None, "--max-params"),
    (["sql", "DELETE FROM runs"], {}, None, "QUERY"),
    (["run", "nope"], {}, None, "step"),
]


def _runs(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT count(*) FROM runs").fetchone()[0]


@pytest.mark.parametrize("args,env,config,names", MISTAKES, ids=[" ".join(m[0]) + (f" {m[3]}" if m[1] or m[2] else "")
                                                               for m in MISTAKES])
def test_a_mistake_is_one_line_exit_2_and_nothing_else(warehouse, webhook, tmp_path, args, env, config, names):
    db = tmp_path / "radar.duckdb"
    shutil.copy(warehouse, db)
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    fill = {"{missing}": str(tmp_path / "missing.duckdb"), "{file}": str(a_file)}
    args = [fill.get(a, a) for a in args]
    env = {k: fill.get(v, v) for k, v in env.items()}
    if config is not None:
        (tmp_path / "radar.toml").write_text(config)
        env["RADAR_CONFIG"] = str(tmp_path / "radar.toml")
    before = _runs(db)

    ran = radar(*args, env={"RADAR_DB": str(db), "RADAR_WEBHOOK_URL": webhook.url, **env}, cwd=tmp_path)

    assert ran.code == 2, ran.stderr
    assert len(ran.error_lines) == 1 and ran.error_lines[0].startswith("error: "), ran.stderr
    assert names in ran.error_lines[0]
    assert ran.stdout == ""
    assert not ran.prefect and not ran.flows, "the mistake reached the orchestration code"
    assert _runs(db) == before
    assert webhook.messages == []


def test_the_same_environment_does_notify_when_real_work_fails(webhook, tmp_path):
    """Control: the webhook and the environment above do receive a message when a run really fails (an
    empty warehouse has nothing to report), so their silence above means something."""
    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    ran = radar("run", "report", env={"RADAR_DB": str(db), "RADAR_WEBHOOK_URL": webhook.url}, cwd=tmp_path)
    assert ran.code == 1 and ran.prefect
    assert "holds no snapshots or rankings" in ran.error_lines[-1]
    assert len(ran.error_lines) <= 3 and "Finished in state" not in ran.stderr  # quiet: no Prefect state lines
    assert len(webhook.messages) == 1 and webhook.messages[0]["flow"] == "weekly_report"
    assert _runs(db) == 1
