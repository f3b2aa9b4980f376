"""Running the real ``radar`` entry point in a child process, and seeing what it imported.

The probe reports whether Prefect (or any flow module) was imported: a usage mistake must be caught
before either, and the local commands must never need them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
from pipeline.cli import main
try:
    main(sys.argv[2:])
    code = 0
except SystemExit as exc:
    code = exc.code
with open(sys.argv[1], "w") as handle:
    json.dump({"code": code, "prefect": "prefect" in sys.modules,
               "flows": sorted(m for m in sys.modules if m == "flows" or m.startswith("flows."))}, handle)
sys.exit(code)
"""


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str
    seconds: float
    prefect: bool
    flows: list[str]

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def radar(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 300) -> Ran:
    """``radar ARGS`` in a child process (environment = this one's plus ``env``)."""
    with tempfile.NamedTemporaryFile("r", suffix=".json") as report:
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", PROBE, report.name, *args], capture_output=True, text=True,
                              env={**os.environ, **(env or {})}, cwd=cwd or ROOT, timeout=timeout)
        seconds = time.perf_counter() - started
        probe = json.loads(Path(report.name).read_text() or "{}")
    return Ran(done.returncode, done.stdout, done.stderr, seconds, probe.get("prefect", False), probe.get("flows", []))
