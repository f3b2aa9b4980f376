"""Prefect flows: orchestration only (retries, run records, artifacts, schedules).

Importing this package first sets defaults that make Prefect robust on a fresh 2-core machine: the
ephemeral API server needs more than its 20 s start-up timeout when its database is new, and the
analytics heartbeat only produces noise offline. Users' own settings win (``setdefault``). An empty
``PREFECT_API_URL`` means "no server" as an unset one does: Prefect would start its temporary server for
the flow but hand the empty address to its event client, which then fails on every event.
"""

import os

for _key, _value in {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    "HF_HUB_DISABLE_TELEMETRY": "1",
}.items():
    os.environ.setdefault(_key, _value)

if not os.environ.get("PREFECT_API_URL", "unset").strip():
    del os.environ["PREFECT_API_URL"]
