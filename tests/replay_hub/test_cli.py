"""The ``radar replay-hub`` entry point: serve in another process, control it over HTTP, stop on Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import httpx2
import pytest

from pipeline.replay_hub import ReplayDataError
from pipeline.replay_hub.cli import parse_repo_spec

SERVE = """
import sys
from datetime import date
from pathlib import Path
from pipeline.replay_hub.cli import parse_repo_spec, serve
serve(0, date(2025, 1, 6), Path(sys.argv[1]), [parse_repo_spec(sys.argv[2])])
"""


def test_serve_prints_the_endpoint_and_obeys_admin_requests(tmp_path: Path) -> None:
    hub_dir = tmp_path / "hub"
    hub_dir.mkdir()
    (hub_dir / "models.jsonl").write_text(json.dumps({"id": "a/zh-embed"}) + "\n")
    (hub_dir / "history.csv").write_text("date,model_id,downloads,downloads_all_time,likes,trending_score\n"
                                         "2025-01-06,a/zh-embed,1,1,0,0\n2025-01-13,a/zh-embed,2,3,0,0\n")
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "scores.csv").write_text("m,s\n")
    proc = subprocess.Popen([sys.executable, "-c", SERVE, str(hub_dir), f"dataset:o/results={tmp_path / 'results'}"],
                            stdout=subprocess.PIPE, text=True)
    try:
        banner = proc.stdout.readline()
        export = proc.stdout.readline().strip()
        assert "1 models (2025-01-06 .. 2025-01-13), as of 2025-01-06" in banner
        assert export.startswith("export HF_ENDPOINT=http://127.0.0.1:")
        url = export.split("=", 1)[1]
        assert httpx2.get(f"{url}/api/models/a/zh-embed").json()["downloads"] == 1
        httpx2.post(f"{url}/_replay/as-of", json={"date": "2025-01-13"})
        assert httpx2.get(f"{url}/api/models/a/zh-embed").json()["downloads"] == 2
        assert httpx2.get(f"{url}/datasets/o/results/resolve/main/scores.csv").text == "m,s\n"
        assert httpx2.get(f"{url}/_replay/stats").json()["requests"] == 3
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0 and "replay Hub stopped" in out


def test_repo_specs() -> None:
    assert parse_repo_spec("org/m=/tmp/m") == ("model", "org/m", Path("/tmp/m"))
    assert parse_repo_spec("dataset:mteb/results=d") == ("dataset", "mteb/results", Path("d"))
    with pytest.raises(ReplayDataError, match="repo spec"):
        parse_repo_spec("space:o/s=d")
