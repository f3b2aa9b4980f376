"""A canary token never leaves the Hub client: every flow step, against a mirror that echoes it.

``HF_TOKEN`` is set to a random canary. Every step of the pipeline (hub, mteb, scores, smoke, report) runs
through :class:`~tests.reliability.echo_mirror.EchoingMirror` in front of the real replay Hub: first with
the mirror writing the token into the data it serves (the runs complete), then with the mirror answering
errors that echo it (400, and 503 that is retried), so hub, mteb and smoke fail or record failures, and
scores and the report fail too (a date without data, a report folder that is a file). Then the canary is searched for everywhere
the project or Prefect writes: the console, log records, the exceptions callers get, the failure
webhook's messages, Prefect's logs, states, artifacts and raw database file, every text of every table
and the raw bytes of the warehouse, the reports, and the download caches.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
import traceback
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.reliability.echo_mirror import EchoingMirror
from tests.reliability.test_security import prefect_records, warehouse_text
from warehouse import db

ROOT = Path(__file__).resolve().parents[2]
WHEN = date(2025, 1, 20)


class Webhook:
    """A local failure-webhook listener that keeps every body it is sent."""

    def __init__(self) -> None:
        self.bodies: list[str] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                hook.bodies.append(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    threading.Thread(target=hook.server.serve_forever, daemon=True).start()
    yield hook
    hook.server.shutdown()
    hook.server.server_close()


def files_text(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` as text (bytes decoded leniently), by path."""
    if not folder.exists():
        return {}
    return {str(p): p.read_bytes().decode("utf-8", "replace") for p in folder.rglob("*") if p.is_file()}


def prefect_database_bytes() -> str:
    """The raw SQLite file(s) of the test Prefect server, after its log and event writers have flushed."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.settings import PREFECT_SERVER_DATABASE_CONNECTION_URL

    APILogWorker.drain_all(timeout=10)
    EventsWorker.drain_all(timeout=10)
    time.sleep(3)   # the server persists events in the background
    path = Path(PREFECT_SERVER_DATABASE_CONNECTION_URL.value().split("///", 1)[1])
    return "\n".join(p.read_bytes().decode("utf-8", "replace")
                     for p in path.parent.glob(path.name + "*") if p.is_file())


def test_the_canary_token_appears_nowhere_after_every_step_through_an_echoing_mirror(
        prefect_backend, replay_hub, replay_data, webhook, tmp_path, capfd, caplog, monkeypatch) -> None:
    from flows.hub_snapshot import hub_snapshot
    from flows.mteb_snapshot import mteb_snapshot
    from flows.scores import compute_scores
    from flows.smoke import smoke_tests
    from flows.weekly_report import weekly_report
    from pipeline.cmteb.replay_dataset import mteb_results_versions

    canary = f"hf_canary{secrets.token_hex(16)}"
    monkeypatch.setenv("HF_TOKEN", canary)
    replay_data.add_repo("dataset", "mteb/results", mteb_results_versions(ROOT / "data" / "sources" / "mteb"))
    replay_hub.as_of = WHEN
    cache = tmp_path / "cache"
    config = tmp_path / "radar.toml"
    config.write_text(
        f'[paths]\ncache_dir = "{cache}"\n'
        f'[hub]\nquery_attempts = 2\nretry_base_seconds = 0.01\ntimeout_seconds = 10\n'
        f'[[hub.queries]]\nname = "zh"\nfilter = ["zh"]\n'
        f'[smoke]\ntop_n = 0\ntimeout_seconds = 120\n'
        f'[notify]\nwebhook_url = "{webhook.url}"\n', encoding="utf-8")
    path = tmp_path / "w.duckdb"
    common = {"config_path": str(config), "db_path": str(path)}
    caplog.set_level(logging.DEBUG)   # httpcore logs response headers at DEBUG: the echo is in them
    errors: list[BaseException] = []

    def failing(call, **kwargs) -> None:
        try:
            call(**kwargs, **common)
        except Exception as exc:  # the failure is the point; its text is searched below
            errors.append(exc)
        else:
            raise AssertionError(f"{call.__name__} was expected to fail")

    with EchoingMirror(replay_hub.url, mode="data") as mirror:
        monkeypatch.setenv("HF_ENDPOINT", mirror.url)
        assert hub_snapshot(snapshot_date=WHEN, endpoint=mirror.url, **common)["models"] > 0
        assert mteb_snapshot(snapshot_date=WHEN, **common)["status"] == "completed"
        assert compute_scores(as_of=WHEN, **common)["ranked"]
        smoked = smoke_tests(models=["replay-test/tiny-repo"], **common)
        report = weekly_report(reports_dir=str(tmp_path / "reports"), **common)
        assert canary in " ".join(mirror.seen), "the token never reached the mirror: the test proves nothing"

    for mode in ("error", "flaky"):
        with EchoingMirror(replay_hub.url, mode=mode) as mirror:
            monkeypatch.setenv("HF_ENDPOINT", mirror.url)
            failing(hub_snapshot, snapshot_date=date(2025, 1, 21), endpoint=mirror.url)
            failing(mteb_snapshot, snapshot_date=date(2025, 1, 21), force=True)
            smoke_tests(models=["replay-test/tiny-repo"], force=True, **common)
            assert mirror.seen and all(canary in seen for seen in mirror.seen)
    failing(compute_scores, as_of=date(2024, 1, 1))
    (tmp_path / "not-a-folder").write_text("x", encoding="utf-8")
    failing(weekly_report, reports_dir=str(tmp_path / "not-a-folder"))

    with db.reader(path) as con:
        statuses = con.execute("SELECT flow, status, count(*) FROM runs GROUP BY ALL ORDER BY ALL").fetchall()
        licences = {r[0] for r in con.execute("SELECT DISTINCT license FROM model_snapshots").fetchall()}
        echoed = con.execute("SELECT count(*) FROM data_issues WHERE field = 'tags' AND problem LIKE '%secret%'"
                             ).fetchone()[0]
        smoke_errors = [r[0] for r in con.execute("SELECT error FROM smoke_results WHERE error IS NOT NULL").fetchall()]
    assert {(f, s) for f, s, _ in statuses} >= {("hub_snapshot", "completed"), ("hub_snapshot", "failed"),
                                               ("mteb_snapshot", "completed"), ("mteb_snapshot", "failed"),
                                               ("scores", "completed"), ("scores", "failed"), ("smoke", "completed"),
                                               ("weekly_report", "completed"), ("weekly_report", "failed")}
    assert "Bearer hf_***" in licences and echoed > 0   # the echoed data arrived, masked, and was counted
    assert any("Bad request" in e for e in smoke_errors) and smoked["tested"] == 1   # the echoed error was stored
    assert webhook.bodies, "no failure was notified: the webhook check proves nothing"

    out, err = capfd.readouterr()
    places = {
        "stdout": out,
        "stderr": err,
        "log records": "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records),
        "exceptions": "\n".join("".join(traceback.format_exception(e)) for e in errors),
        "webhook": "\n".join(webhook.bodies),
        "warehouse": warehouse_text(path),
        "warehouse files": "\n".join(files_text(tmp_path).get(str(p), "") for p in tmp_path.glob("w.duckdb*")),
        "Prefect database file": prefect_database_bytes(),
        **prefect_records(),
        **{f"report {Path(p).name}": text for p, text in files_text(tmp_path / "reports").items()},
        **{f"cache {p}": text for p, text in files_text(cache).items()},
        **{f"HF_HOME {p}": text for p, text in files_text(Path(__import__("os").environ["HF_HOME"])).items()},
    }
    assert report["files"] and any(k.startswith("cache ") for k in places), "nothing was downloaded or reported"
    leaks = {where: next(line[:300] for line in text.splitlines() if canary in line)
             for where, text in places.items() if canary in text}
    assert leaks == {}, f"the canary token leaked into: {json.dumps(leaks, indent=1)}"
