#!/usr/bin/env bash
# Quickstart 2: set up and run the whole test suite (unit, integration, smoke on tiny models, the
# headless-browser report test and the end-to-end Prefect deployment test).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-browser
export HF_HUB_DISABLE_TELEMETRY=1 DO_NOT_TRACK=1 PREFECT_SERVER_ANALYTICS_ENABLED=false
# One worker per core (at most 4), each taking whole test files so module fixtures (the smoke flow run) stay
# in one worker: much of the suite waits on subprocesses, servers and signals, so 2 cores halve the time.
.venv/bin/python -m pytest -m "not e2e" -n auto --maxprocesses 4 --dist loadfile "$@"
.venv/bin/python -m pytest -m e2e "$@"   # one worker: the e2e tests share one `radar demo` run
