"""Security: what users may run through `radar sql`, and where a Hugging Face token may never appear.

tests/warehouse/test_db.py covers the plain write, ATTACH, COPY, INSTALL/LOAD and read_csv attempts;
here are the less obvious ways out: replacement scans of file paths, every file-reading table function,
the process environment, extension auto-install, and statements smuggled through ``query()``.

The canary test runs real Hub snapshots with a canary ``HF_TOKEN``: one against the replay Hub and one
against a mirror that echoes the request's Authorization header in its error (as some proxies and
debug pages do), then looks for the canary everywhere the project writes: the console and log records,
Prefect's logs, flow-run states and artifacts, and every text of every table of the warehouse.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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
    ],
)
def test_sql_has_no_way_to_the_file_system_or_the_environment(warehouse: Path, query: str) -> None:
    with pytest.raises(QueryRejected):
        run_query(warehouse, query.format(dir=warehouse.parent))
    assert not Path("/tmp/leak.csv").exists() and not Path("/tmp/leak").exists()


def test_sql_still_answers_ordinary_reads(warehouse: Path) -> None:
    assert run_query(warehouse, "WITH t AS (SELECT count(*) AS n FROM runs) SELECT n FROM t").rows == [(0,)]
    assert run_query(warehouse, "SELECT * FROM query('SELECT 42')").rows == [(42,)]


class EchoMirror:
    """A Hub mirror that answers everything with 400 and echoes the Authorization header it received."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                auth = self.headers.get("Authorization", "")
                mirror.seen.append(auth)
                body = json.dumps({"error": f"bad request (you sent {auth})"}).encode()
                self.send_response(400)
                self.send_header("Content-Type", "application/json")
                self.send_header("X-Error-Message", f"bad request (you sent {auth})")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def echo_mirror() -> Iterator[EchoMirror]:
    mirror = EchoMirror()
    thread = threading.Thread(target=mirror.server.serve_forever, daemon=True)
    thread.start()
    yield mirror
    mirror.server.shutdown()
    mirror.server.server_close()


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


def test_a_canary_token_never_leaves_the_hub_client(prefect_backend, replay_hub, echo_mirror, tmp_path, capfd,
                                                    caplog, monkeypatch) -> None:
    from flows.hub_snapshot import hub_snapshot

    canary = f"hf_canary{secrets.token_hex(16)}"
    monkeypatch.setenv("HF_TOKEN", canary)
    config = tmp_path / "radar.toml"
    config.write_text("[hub]\nquery_attempts = 2\nretry_base_seconds = 0.01\ntimeout_seconds = 5\n")
    path = tmp_path / "w.duckdb"
    replay_hub.as_of = date(2025, 1, 20)
    caplog.set_level(logging.INFO)

    done = hub_snapshot(snapshot_date="2025-01-20", config_path=str(config), db_path=str(path), endpoint=replay_hub.url)
    assert done["models"] > 0
    with pytest.raises(Exception) as failed:
        hub_snapshot(snapshot_date="2025-01-21", config_path=str(config), db_path=str(path), endpoint=echo_mirror.url)
    assert echo_mirror.seen and all(canary in seen for seen in echo_mirror.seen)   # the canary did travel

    out, err = capfd.readouterr()
    places = {
        "stdout": out,
        "stderr": err,
        "log records": "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records),
        "the error a caller gets": str(failed.value),
        "warehouse": warehouse_text(path),
        **prefect_records(),
    }
    with db.reader(path) as con:
        statuses = sorted(r[0] for r in con.execute("SELECT status FROM runs").fetchall())
        error = con.execute("SELECT error FROM runs WHERE status = 'failed'").fetchall()[0][0]
    assert statuses == ["completed", "failed"] and "hf_***" in error
    leaks = {where: next(line[:300] for line in text.splitlines() if canary in line)
             for where, text in places.items() if canary in text}
    assert leaks == {}, f"the canary token leaked into: {leaks}"


HOSTILE_LICENCES = ("<script>alert('lic')</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)",
                    "x](javascript:alert(2)) | <b>")
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


def test_hub_values_reach_the_report_escaped_and_the_token_never(prefect_backend, hostile_demo_hub, tmp_path,
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

    with db.reader(tmp_path / "w.duckdb") as con:
        shown = {r[0] for r in con.execute("SELECT DISTINCT license FROM rankings WHERE rank <= 10").fetchall()}
    assert shown & set(HOSTILE_LICENCES), "no hostile licence reached the ranked models: the test proves nothing"
    pages = {Path(f).name: Path(f).read_text(encoding="utf-8") for f in built["files"]}
    assert any(name.endswith(".html") for name in pages) and any(name.endswith(".md") for name in pages)
    for name, text in pages.items():
        assert "<script" not in text and "<img src=x" not in text and "<b>" not in text, name   # charts are <img src="data:
        assert not re.search(r"""(href|src)\s*=\s*["']?\s*javascript:""", text, re.I), name
        if name.endswith(".md"):   # a Markdown link, unless its bracket is escaped
            assert not re.search(r"(?<!\\)\]\(javascript:", text), name
        assert canary not in text, name
    html = next(text for name, text in pages.items() if name.endswith(".html"))
    assert "&lt;script&gt;alert(" in html   # the hostile value is there, as text
    records = prefect_records()
    assert canary not in warehouse_text(tmp_path / "w.duckdb") and not any(canary in t for t in records.values())
    from prefect import get_client

    with get_client(sync_client=True) as client:   # Markdown artifacts are rendered by the Prefect UI
        markdown = [a.data for a in client.read_artifacts() if a.type == "markdown" and a.key.startswith("weekly-report")]
    assert markdown and not any("<script" in m or "<img src=x" in m for m in markdown)
