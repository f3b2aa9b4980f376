"""Failure notification: one redacted JSON message per failed top-level run, to the configured webhook."""

from __future__ import annotations

import uuid

import pytest
from prefect.client.schemas.objects import FlowRun
from prefect.states import Failed

from flows.hub_snapshot import hub_snapshot
from flows.notify import failure_message, notify_failure, post_json

TOKEN = "hf_" + "Zq8Rk2LmN4pX7sWt"


def config_with_webhook(tmp_path, url):
    path = tmp_path / "radar.toml"
    path.write_text(f'[notify]\nwebhook_url = "{url}"\n', encoding="utf-8")
    return str(path)


def test_the_message_reaches_the_webhook_without_any_token(webhook, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "plain-secret-from-env")
    payload = failure_message(
        "hub_snapshot", "brave-fox", "0b6a", "Failed",
        f"Flow run encountered an exception: HTTPError: 401 (Authorization: Bearer {TOKEN}) plain-secret-from-env",
        {"endpoint": f"https://mirror.example/?token={TOKEN}", "snapshot_date": "2026-11-30"},
    )
    assert post_json(webhook.url, payload) == 204
    (raw,) = webhook.raw
    assert TOKEN.encode() not in raw and b"plain-secret-from-env" not in raw
    (message,) = webhook.messages
    assert message["text"].startswith("Embedding Radar: hub_snapshot run brave-fox failed: Flow run encountered")
    assert message["flow"] == "hub_snapshot" and message["state"] == "Failed"
    assert message["parameters"]["snapshot_date"] == "2026-11-30"
    assert webhook.content_types == ["application/json; charset=utf-8"]


def test_the_hook_posts_to_the_webhook_of_the_runs_configuration(tmp_path, webhook, monkeypatch):
    monkeypatch.delenv("RADAR_WEBHOOK_URL", raising=False)
    run = FlowRun(flow_id=uuid.uuid4(), name="brave-fox",
                  parameters={"config_path": config_with_webhook(tmp_path, webhook.url), "snapshot_date": None})
    notify_failure(hub_snapshot, run, Failed(message="Flow run encountered an exception: RuntimeError:\n boom"))
    (message,) = webhook.messages
    assert message["flow"] == "hub_snapshot"
    assert message["flow_run_id"] == str(run.id) and message["flow_run_name"] == "brave-fox"
    assert message["message"] == "Flow run encountered an exception: RuntimeError: boom"


@pytest.mark.parametrize("case", ["subflow", "no webhook configured"])
def test_the_hook_stays_quiet(tmp_path, webhook, monkeypatch, case):
    monkeypatch.delenv("RADAR_WEBHOOK_URL", raising=False)
    config = config_with_webhook(tmp_path, webhook.url) if case == "subflow" else None
    monkeypatch.chdir(tmp_path)
    run = FlowRun(flow_id=uuid.uuid4(), name="quiet-run", parameters={"config_path": config},
                  parent_task_run_id=uuid.uuid4() if case == "subflow" else None)
    notify_failure(hub_snapshot, run, Failed(message="boom"))
    assert webhook.messages == []


def test_a_configuration_that_does_not_load_falls_back_to_the_environment(tmp_path, webhook, monkeypatch):
    broken = tmp_path / "radar.toml"
    broken.write_text("[notify\n", encoding="utf-8")
    monkeypatch.setenv("RADAR_WEBHOOK_URL", webhook.url)
    run = FlowRun(flow_id=uuid.uuid4(), name="bad-config", parameters={"config_path": str(broken)})
    notify_failure(hub_snapshot, run, Failed(message="ConfigError: config: not valid TOML"))
    assert [m["flow_run_name"] for m in webhook.messages] == ["bad-config"]
