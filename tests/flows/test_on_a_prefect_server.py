"""Orchestration on a real (throw-away) Prefect API: the writer limit, the failure hook, the pipeline's
failure handling.

These share the session's ``prefect_backend`` (about 20 s to start once); everything else is tested as plain
functions.
"""

from __future__ import annotations

import json
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import duckdb
import pytest
from prefect import flow, get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitUpdate
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId

from flows.common import WRITER_LIMIT, writer_slot
from flows.deployments import ensure_writer_limit
from flows.hub_snapshot import hub_snapshot
from flows.weekly_pipeline import weekly_pipeline

TOKEN = "hf_" + "Zq8Rk2LmN4pX7sWt"


EVENTS: list[tuple[str, str]] = []
FIRST_IN = threading.Event()


@flow(name="hold_the_writer_slot")
def hold_the_writer_slot(name: str, hold: float) -> None:
    """A flow run that writes for ``hold`` seconds, as the real flows do: inside writer_slot()."""
    with writer_slot(timeout_seconds=120):
        EVENTS.append(("in", name))
        FIRST_IN.set()
        time.sleep(hold)
        EVENTS.append(("out", name))


def overlapped(hold_seconds: float = 1.0) -> bool:
    """Two concurrent flow runs write; whether their writes overlapped."""
    EVENTS.clear()
    FIRST_IN.clear()
    first = threading.Thread(target=hold_the_writer_slot, args=("first", hold_seconds))
    first.start()
    assert FIRST_IN.wait(60)
    second = threading.Thread(target=hold_the_writer_slot, args=("second", 0.0))
    second.start()
    first.join(120)
    second.join(120)
    assert len(EVENTS) == 4, EVENTS
    return EVENTS.index(("in", "second")) < EVENTS.index(("out", "first"))


@pytest.fixture
def writer_limit(prefect_backend):
    """The limit as ``prefect deploy`` leaves it; removed afterwards so other tests see a bare server."""
    yield ensure_writer_limit()
    with get_client(sync_client=True) as client:
        client.delete_global_concurrency_limit_by_name(WRITER_LIMIT)


def test_with_the_writer_limit_writes_queue_one_at_a_time(writer_limit):
    assert writer_limit == {"writer_limit": WRITER_LIMIT, "writer_limit_created": True}
    assert not overlapped()


def test_an_inactive_writer_limit_is_switched_back_on_where_deployments_are_created(writer_limit):
    with get_client(sync_client=True) as client:
        client.update_global_concurrency_limit(WRITER_LIMIT, GlobalConcurrencyLimitUpdate(active=False, limit=5))
        assert ensure_writer_limit() == {"writer_limit": WRITER_LIMIT, "writer_limit_created": False}
        limit = client.read_global_concurrency_limit_by_name(WRITER_LIMIT)
    assert (limit.active, limit.limit) == (True, 1)


def test_without_a_writer_limit_writes_do_not_wait_for_prefect(prefect_backend):
    """Nothing to queue on: the DuckDB lock retry in warehouse.db is what serialises writers then."""
    assert overlapped()


def test_a_failed_flow_run_posts_one_redacted_message(prefect_backend, tmp_path, webhook):
    blocker = tmp_path / TOKEN
    blocker.write_text("a file where the warehouse's folder should be", encoding="utf-8")
    config = tmp_path / "radar.toml"
    config.write_text(f'[notify]\nwebhook_url = "{webhook.url}"\n', encoding="utf-8")
    state = hub_snapshot(config_path=str(config), db_path=str(blocker / "radar.duckdb"),
                         endpoint="http://127.0.0.1:9", return_state=True)
    assert state.is_failed()
    (message,) = webhook.messages
    assert message["flow"] == "hub_snapshot" and message["state"] == "Failed"
    assert message["flow_run_id"] == str(state.state_details.flow_run_id)
    assert "FileExistsError" in message["message"] or "NotADirectoryError" in message["message"]
    assert "hf_***" in message["parameters"]["db_path"]
    assert all(TOKEN.encode() not in raw for raw in webhook.raw)


def test_a_dead_webhook_leaves_the_failure_as_it_was(prefect_backend, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    config = tmp_path / "radar.toml"
    config.write_text('[notify]\nwebhook_url = "http://127.0.0.1:9/nobody-listens"\n', encoding="utf-8")
    state = hub_snapshot(config_path=str(config), db_path=str(blocker / "radar.duckdb"), return_state=True)
    assert state.is_failed() and state.message.startswith("Flow run encountered an exception: FileExistsError")


@pytest.fixture
def hub_down(tmp_path, monkeypatch):
    """A Hub that answers 404 to everything, as HF_ENDPOINT."""
    (tmp_path / "empty").mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(tmp_path / "empty")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.server_address[1]}")
    yield
    server.shutdown()
    server.server_close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def test_a_failed_step_stops_what_needs_it_and_the_pipeline_names_it(prefect_backend, tmp_path, webhook, hub_down):
    config = tmp_path / "radar.toml"
    config.write_text(
        f'[notify]\nwebhook_url = "{webhook.url}"\n\n[hub]\nquery_attempts = 1\n\n'
        f'[mteb]\nsource = "checkout"\ncheckout_path = "{tmp_path / "no-results-here"}"\n', encoding="utf-8")
    db = tmp_path / "radar.duckdb"
    state = weekly_pipeline(snapshot_date="2026-11-30", config_path=str(config), db_path=str(db), return_state=True)

    assert state.is_failed()
    assert "PipelineFailed: hub failed (" in state.message
    assert state.message.endswith("not run: scores, smoke, report; completed: none")
    with get_client(sync_client=True) as client:
        children = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[state.state_details.flow_run_id])))
        ran = sorted(client.read_flow(r.flow_id).name for r in children)
    assert ran == ["hub_snapshot", "mteb_snapshot"], "the independent C-MTEB step runs, nothing that needs the Hub"
    with duckdb.connect(str(db), read_only=True) as con:
        runs = dict(con.execute("select flow, status from runs").fetchall())
        error, details = con.execute("select error, details from runs where flow = 'weekly_pipeline'").fetchall()[0]
    assert runs == {"weekly_pipeline": "failed", "hub_snapshot": "failed", "mteb_snapshot": "failed"}
    assert error.startswith("hub failed (") and json.loads(details)["report"] == {"status": "skipped",
                                                                                 "detail": "needs scores"}
    (message,) = webhook.messages
    assert message["flow"] == "weekly_pipeline" and "hub failed" in message["message"]
