#!/usr/bin/env bash
# Create ./.venv with everything the project needs, CPU PyTorch first (a bare `torch` requirement in an
# empty venv pulls a multi-GB CUDA build). Idempotent: skips work that is already done.
# Usage: scripts/setup.sh [--with-browser]   (--with-browser: Chromium for the report's browser test)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
TORCH_SPEC=${RADAR_TORCH_SPEC:-torch==2.13.0}

apt_install() {   # system packages, only where missing and only when we may install them
    local missing=()
    for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing system packages: ${missing[*]}"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "warning: please install ${missing[*]} (needed for Chinese chart labels / browser tests)" >&2
    fi
}

if command -v dpkg >/dev/null; then
    apt_install fonts-wqy-microhei
    if [ "${1:-}" = "--with-browser" ]; then apt_install chromium; fi
fi

if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
stamp=.venv/.radar-installed
want=$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q "$TORCH_SPEC"
    .venv/bin/python -m pip install -q -e ".[smoke,dev]"
    echo "$want" > "$stamp"
fi
