#!/usr/bin/env bash
# Quickstart 1: set up and run the whole pipeline offline on the bundled demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/radar demo "$@"
