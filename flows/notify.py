"""Failure notification: every flow's ``on_failure``/``on_crashed`` hook posts one JSON message to a webhook.

The URL is ``notify.webhook_url`` of the run's configuration (env ``RADAR_WEBHOOK_URL`` overrides it); no URL,
no message. The message is JSON with a one-line ``text`` (what Slack, Mattermost and most chat relays show)
plus the fields a script needs. It passes through :func:`warehouse.redact.redact` as a whole, so a token in
an error message or a parameter never leaves the machine.

A subflow of the weekly pipeline stays quiet: its parent fails too and sends one message naming the step.
A hook never raises: a dead webhook is logged, it does not turn the run's failure into another one.
"""

from __future__ import annotations

import json
import os
import urllib.request
from typing import Any

from prefect.logging.loggers import flow_run_logger

from pipeline.config import ConfigError, load_config
from warehouse.redact import redact

TIMEOUT_SECONDS = 10.0


def webhook_url(config_path: str | None) -> str | None:
    """The configured webhook; a configuration that does not load (maybe why the run failed) falls back to the env."""
    try:
        return load_config(config_path).notify.webhook_url
    except (ConfigError, OSError):
        return os.environ.get("RADAR_WEBHOOK_URL") or None


def failure_message(flow_name: str, run_name: str, run_id: str, state_name: str, message: str | None,
                    parameters: dict[str, Any], ui_url: str | None = None) -> dict[str, Any]:
    """The JSON body posted for a failed (or crashed) flow run."""
    reason = " ".join((message or "no message").split())
    return {
        "text": f"Embedding Radar: {flow_name} run {run_name} {state_name.lower()}: {reason}",
        "flow": flow_name,
        "flow_run_id": run_id,
        "flow_run_name": run_name,
        "state": state_name,
        "message": reason,
        "parameters": parameters,
        "url": ui_url,
    }


def post_json(url: str, payload: dict[str, Any], timeout: float = TIMEOUT_SECONDS) -> int:
    """POST ``payload`` (redacted as a whole) and return the HTTP status; raises on network errors."""
    body = redact(json.dumps(payload, ensure_ascii=False, default=str)).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8",
                                              "User-Agent": "embedding-radar"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status


def notify_failure(flow: Any, flow_run: Any, state: Any) -> None:
    """Prefect state hook (``on_failure=[notify_failure], on_crashed=[notify_failure]``)."""
    if flow_run.parent_task_run_id is not None:
        return
    parameters = dict(flow_run.parameters or {})
    url = webhook_url(parameters.get("config_path"))
    if not url:
        return
    payload = failure_message(flow.name, flow_run.name, str(flow_run.id), state.name, state.message,
                              parameters, _ui_url(str(flow_run.id)))
    try:
        post_json(url, payload)
    except Exception as exc:  # the run already failed; a dead webhook must not hide that
        flow_run_logger(flow_run, flow).warning("failure notification not delivered: %s", redact(str(exc)))


def _ui_url(run_id: str) -> str | None:
    from prefect.settings import PREFECT_UI_URL

    base = PREFECT_UI_URL.value()
    return f"{base.rstrip('/')}/runs/flow-run/{run_id}" if base else None
