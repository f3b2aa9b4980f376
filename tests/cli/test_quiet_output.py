"""Quiet by default: a progress line, one aggregated warning, a summary table; ``--verbose`` restores the
Prefect state lines and every bad record. A real ``radar run hub`` against the replay Hub, which corrupts
one item of every page so that the snapshot has data issues to report."""

from __future__ import annotations

from datetime import date

import duckdb

from pipeline.replay_hub import FaultPlan, FaultRule
from pipeline.replay_hub.faults import LIST_PATHS
from tests.cli.helpers import radar

CONFIG = '[hub]\npage_size = 7\nretry_base_seconds = 0.01\n[[hub.queries]]\nname = "zh"\nfilter = ["zh"]\n'
NOISE = ("Finished in state", "Beginning flow run", "Starting temporary server", "it/s]", "{'run_id'")


def test_run_is_quiet_by_default_and_verbose_restores_the_detail(replay_hub, tmp_path):
    (tmp_path / "radar.toml").write_text(CONFIG)
    db = tmp_path / "radar.duckdb"
    replay_hub.as_of = date(2025, 1, 20)
    replay_hub.faults = FaultPlan(rules=[FaultRule(kind="malformed_item", variant="wrong_types", path=LIST_PATHS)])

    quiet = radar("run", "hub", "--date", "2025-01-20", "--db", str(db), "--config", str(tmp_path / "radar.toml"),
                  cwd=tmp_path)
    assert quiet.code == 0, quiet.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        issues = con.execute("SELECT count(*) FROM data_issues").fetchone()[0]
    assert issues > 3
    assert not any(noise in quiet.stdout + quiet.stderr for noise in NOISE)
    warnings = [line for line in quiet.error_lines if line.startswith("warning:")]
    assert len(warnings) == 1 and warnings[0].startswith("warning: Hub 2025-01-20: ")
    assert warnings[0].endswith("; see data_issues")
    assert sum(int(word) for word in warnings[0].split(": ", 2)[2].split() if word.isdigit()) == issues
    assert any(line.startswith("✓ Hub snapshot") for line in quiet.error_lines)
    assert "snapshot_date" in quiet.stdout and "2025-01-20" in quiet.stdout
    assert len((quiet.stdout + quiet.stderr).splitlines()) <= 20

    verbose = radar("--verbose", "run", "hub", "--date", "2025-01-13", "--db", str(db),
                    "--config", str(tmp_path / "radar.toml"), cwd=tmp_path)
    assert verbose.code == 0, verbose.stderr
    assert "Finished in state Completed()" in verbose.stderr and "Beginning flow run" in verbose.stderr
    assert "bad record" in verbose.stderr
