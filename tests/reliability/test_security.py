"""Security: what users may run through `radar sql`, and what hostile Hub text may (not) do.

tests/warehouse/test_db.py covers the plain write, ATTACH, COPY, INSTALL/LOAD and read_csv attempts;
here are the less obvious ways out: replacement scans of file paths, every file-reading table function,
the process environment, extension auto-install, statements smuggled through ``query()`` or wrapped in
``EXPLAIN ANALYZE``, and the system functions that reveal paths or settings.

The hostile-text test serves the demo's Hub with hostile licences (markup for HTML, Markdown and rich,
terminal escapes, NUL, a bidi override, a bare URL) and runs them through every flow into the warehouse,
``radar top``, ``radar sql`` and the report. tests/reliability/test_canary.py is the canary-token test.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from warehouse import db
from warehouse.sql import QueryRejected, run_query


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    with db.writer(path):
        pass
    (tmp_path / "beside.csv").write_text("secret\n42\n")
    return path


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM '/etc/passwd'",
        "SELECT * FROM '{dir}/beside.csv'",
        "SELECT * FROM read_parquet('/etc/x.parquet')",
        "SELECT * FROM read_json('/etc/hosts')",
        "SELECT * FROM read_ndjson_objects('/etc/hosts')",
        "SELECT * FROM read_blob('/etc/hostname')",
        "SELECT * FROM read_csv_auto('/proc/self/environ')",
        "SELECT * FROM glob('/*')",
        "SELECT * FROM sniff_csv('/etc/passwd')",
        "SELECT getenv('HF_TOKEN')",
        "SELECT * FROM duckdb_secrets()",
        "SELECT * FROM iceberg_scan('/tmp/x')",
        "SELECT * FROM query('DELETE FROM runs')",
        "SELECT * FROM query('COPY runs TO ''/tmp/leak.csv''')",
        "EXPORT DATABASE '/tmp/leak'",
        "CREATE SECRET s (TYPE s3, KEY_ID 'x', SECRET 'y')",
        "SET autoinstall_known_extensions = true",
        "SELECT 1 /* ; */ ; COPY runs TO '/tmp/leak.csv'",
        "EXPLAIN ANALYZE COPY runs TO '{db}.tmp/leak.csv'",
        "EXPLAIN /* x */ ANALYZE COPY (SELECT 1) TO '/tmp/leak.csv'",
        "EXPLAIN ANALYZE CREATE TEMP TABLE t AS SELECT * FROM runs",
        "EXPLAIN (ANALYZE, FORMAT json) INSERT INTO runs SELECT * FROM runs",
        "SELECT * FROM duckdb_settings()",
        "SELECT name, value FROM duckdb_settings() WHERE value LIKE '/%'",
        "SELECT path FROM duckdb_databases()",
        "SELECT * FROM duckdb_databases",
        "SELECT * FROM pg_settings",
        "SELECT \"CURRENT_SETTING\"('temp_directory')",
        "SELECT * FROM pragma_database_list()",
        "SELECT install_path FROM duckdb_extensions()",
        "SELECT * FROM query('SELECT * FROM duckdb_settings()')",
        "SELECT * FROM query_table('pg_settings')",
        "SELECT * FROM query('SELECT ' || '1')",
    ],
)
def test_sql_has_no_way_to_the_file_system_or_the_environment(warehouse: Path, query: str) -> None:
    with pytest.raises(QueryRejected):
        run_query(warehouse, query.format(dir=warehouse.parent, db=warehouse))
    assert not Path("/tmp/leak.csv").exists() and not Path("/tmp/leak").exists()
    assert not Path(f"{warehouse}.tmp").exists()


def test_sql_still_answers_ordinary_reads(warehouse: Path) -> None:
    assert run_query(warehouse, "WITH t AS (SELECT count(*) AS n FROM runs) SELECT n FROM t").rows == [(0,)]
    assert run_query(warehouse, "SELECT * FROM query('SELECT 42')").rows == [(42,)]


def warehouse_text(path: Path) -> str:
    """Every value of every column of every table, as text."""
    chunks = []
    with db.reader(path) as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        for table in tables:
            for row in con.execute(f'SELECT CAST(COLUMNS(*) AS VARCHAR) FROM "{table}"').fetchall():
                chunks.extend(v for v in row if v is not None)
    return "\n".join(chunks)


def prefect_records() -> dict[str, str]:
    """Prefect's own records of the runs: logs, flow-run states, artifacts."""
    from prefect import get_client
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=10)
    with get_client(sync_client=True) as client:
        logs = client.read_logs()
        runs = client.read_flow_runs()
        artifacts = client.read_artifacts()
    return {
        "Prefect logs": "\n".join(log.message for log in logs),
        "Prefect flow-run states": "\n".join(f"{r.name} {r.state.message if r.state else ''} {r.parameters}" for r in runs),
        "Prefect artifacts": "\n".join(f"{a.key} {a.description} {a.data}" for a in artifacts),
    }


HOSTILE_LICENCES = ("<script>alert('lic')</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)",
                    "x](javascript:alert(2)) | <b>", "[/x]", "[link=https://evil.example]apache-2.0[/link]",
                    "\x1b[31mred\x1b[0m\x1b]8;;https://evil.example\x07click\x1b]8;;\x07", "mit\x00\x00",
                    "\u202emit\u202c", "see https://evil.example/licence")
"""Markup for HTML, Markdown and rich; terminal escapes (colour, an OSC 8 hyperlink, BEL), NUL bytes, a bidi
override, a bare URL."""
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def hostile_demo_hub() -> Iterator:
    """The demo's recorded Hub and C-MTEB results, every model carrying a hostile licence in tags and card.

    The records are changed after loading, as a hostile Hub would serve them (the replay Hub validates
    what it loads, not what it is given afterwards)."""
    from pipeline.cmteb.replay_dataset import mteb_results_versions
    from pipeline.replay_hub import ReplayData, ReplayHub

    data = ReplayData.load(ROOT / "data" / "demo" / "hub")
    data.add_repo("dataset", "mteb/results", mteb_results_versions(ROOT / "data" / "sources" / "mteb"))
    for i, record in enumerate(data.records.values()):
        licence = HOSTILE_LICENCES[i % len(HOSTILE_LICENCES)]
        record["tags"] = [t for t in record.get("tags", []) if not t.startswith("license:")] + [f"license:{licence}"]
        record["cardData"] = {**(record.get("cardData") or {}), "license": licence}
    with ReplayHub(data, port=0) as hub, pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_ENDPOINT", hub.url)
        yield hub


def radar(*args: str, db_path: Path) -> subprocess.CompletedProcess:
    """The real CLI in a subprocess, as a user runs it (a wide, non-interactive terminal)."""
    env = {**os.environ, "COLUMNS": "250", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "pipeline.cli", "--db", str(db_path), *args], capture_output=True,
                          text=True, encoding="utf-8", env=env, timeout=120)


def test_hostile_hub_text_is_harmless_in_reports_terminal_and_sql(prefect_backend, hostile_demo_hub, tmp_path,
                                                                  monkeypatch) -> None:
    from flows.hub_snapshot import hub_snapshot
    from flows.mteb_snapshot import mteb_snapshot
    from flows.scores import compute_scores
    from flows.weekly_report import weekly_report

    canary = f"hf_canary{secrets.token_hex(16)}"
    monkeypatch.setenv("HF_TOKEN", canary)
    config = tmp_path / "radar.toml"
    config.write_text(f'[paths]\ncache_dir = "{tmp_path / "cache"}"\n[hub]\nretry_base_seconds = 0.01\n')
    common = {"config_path": str(config), "db_path": str(tmp_path / "w.duckdb")}
    for when in hostile_demo_hub.data.dates[-2:]:
        hostile_demo_hub.as_of = when
        hub_snapshot(snapshot_date=when, endpoint=hostile_demo_hub.url, **common)
        mteb_snapshot(snapshot_date=when, **common)
        compute_scores(as_of=when, **common)
    built = weekly_report(reports_dir=str(tmp_path / "reports"), **common)

    path = tmp_path / "w.duckdb"
    with db.reader(path) as con:
        shown = {r[0] for r in con.execute("SELECT DISTINCT license FROM rankings WHERE rank <= 10").fetchall()}
        stored = {r[0] for r in con.execute("SELECT DISTINCT license FROM model_snapshots").fetchall()}
        counted = con.execute(
            "SELECT field, problem, count(*), bool_and(excerpt LIKE 'sha256:%') FROM data_issues"
            " WHERE problem LIKE 'removed %' GROUP BY ALL ORDER BY ALL").fetchall()
    assert shown & set(HOSTILE_LICENCES), "no hostile licence reached the ranked models: the test proves nothing"
    assert {"[/x]", "[link=https://evil.example]apache-2.0[/link]", "mit", "[31mred[0m]8;;https://evil.example"
            "click]8;;"} <= stored and not any(CONTROL.search(v or "") for v in stored)
    problems = {(field, problem) for field, problem, _, hashed in counted if hashed}
    assert {("tags", "removed control characters"), ("tags", "removed bidi controls")} <= problems

    for args in (["top", "-n", "10"], ["top", "--profile", "commercial"],
                 ["sql", "SELECT DISTINCT license FROM model_snapshots ORDER BY 1"],
                 ["sql", "SELECT chr(27) || '[2J' || '[/x]' AS \"[bold]x\""]):   # text from before sanitising
        done = radar(*args, db_path=path)
        assert done.returncode == 0, (args, done.stderr)
        assert not CONTROL.search(done.stdout + done.stderr), (args, done.stdout)
        if args[0] == "sql":   # printed as written: markup neither crashes nor hides text
            assert "[/x]" in done.stdout and ("[link=https://evil.example]apache-2.0[/link]" in done.stdout
                                              or "\\u001b[2J[/x]" in done.stdout), done.stdout
    assert "[/x]" in radar("top", "-n", "50", db_path=path).stdout

    pages = {Path(f).name: Path(f).read_text(encoding="utf-8") for f in built["files"]}
    assert any(name.endswith(".html") for name in pages) and any(name.endswith(".md") for name in pages)
    for name, text in pages.items():
        assert "<script" not in text and "<img src=x" not in text and "<b>" not in text, name   # charts are <img src="data:
        assert not re.search(r"""(href|src)\s*=\s*["']?\s*javascript:""", text, re.I), name
        if name.endswith(".md"):   # a Markdown link, unless its bracket is escaped; no bare URL to autolink
            assert not re.search(r"(?<!\\)\]\(javascript:", text), name
            assert "evil.example" in text and not re.search(r"https?://evil", text), name
        assert not CONTROL.search(text), name
        assert canary not in text, name
    html = next(text for name, text in pages.items() if name.endswith(".html"))
    assert "&lt;script&gt;alert(" in html   # the hostile value is there, as text
    records = prefect_records()
    assert canary not in warehouse_text(tmp_path / "w.duckdb") and not any(canary in t for t in records.values())
    from prefect import get_client

    with get_client(sync_client=True) as client:   # Markdown artifacts are rendered by the Prefect UI
        markdown = [a.data for a in client.read_artifacts() if a.type == "markdown" and a.key.startswith("weekly-report")]
    assert markdown and not any("<script" in m or "<img src=x" in m for m in markdown)
