#!/usr/bin/env bash
# Quickstart 2: set up and run the whole test suite (unit, integration, smoke on tiny models, the
# headless-browser report test and the end-to-end Prefect deployment test).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-browser
export HF_HUB_DISABLE_TELEMETRY=1 DO_NOT_TRACK=1 PREFECT_SERVER_ANALYTICS_ENABLED=false
.venv/bin/python -m pytest -m "not e2e" "$@"
.venv/bin/python -m pytest -m e2e "$@"
