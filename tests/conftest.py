"""Shared test set-up: an offline environment and one replay Hub for the whole session.

At import (before anything imports huggingface_hub, which reads its settings once): telemetry, Xet and
progress bars off, a throw-away ``HF_HOME``, Prefect analytics off with a generous ephemeral-server
start-up timeout, and ``HF_ENDPOINT`` pointing at a port reserved for the session replay Hub.

Fixtures:
* ``replay_data``: a small in-memory Hub (session): 24 public models on three weekly dates
  (2025-01-06/13/20), plus gated, disabled and private models, a downloadable model repo with two
  versions (``replay-test/tiny-repo``, the second valid from 2025-01-15) and a dataset repo
  (``replay-test/results``). See ``REPLAY_DATES`` and the builder below.
* ``replay_hub``: the session :class:`ReplayHub` on ``HF_ENDPOINT``; ``as_of``, faults and logs are
  reset around every test that uses it.
* ``busy_hub``: a second session replay Hub with 600 models on one date (``BUSY_DAY``) and pages of 50,
  for listings read while the Hub moves (``busy_hub.moving``); reset (and the data put back) around
  every test. See ``build_busy_data``.
* ``demo_run``: ``radar demo`` run once for the session, as the README shows it (``-m e2e`` tests).
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest


def _reserve_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_HF_HOME = tempfile.mkdtemp(prefix="radar-tests-hf-home-")
atexit.register(shutil.rmtree, _HF_HOME, ignore_errors=True)
REPLAY_PORT = _reserve_port()
os.environ.update({
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_XET": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "HF_HOME": _HF_HOME,
    "HF_ENDPOINT": f"http://127.0.0.1:{REPLAY_PORT}",
    "NO_PROXY": "127.0.0.1,localhost",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
})
for _key in ("HF_TOKEN", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
    os.environ.pop(_key, None)

from pipeline.replay_hub import ReplayData, ReplayHub, RepoVersion  # noqa: E402  (after the environment)

REPLAY_DATES = (date(2025, 1, 6), date(2025, 1, 13), date(2025, 1, 20))
TINY_README = b"---\nlibrary_name: sentence-transformers\npipeline_tag: sentence-similarity\ntags: [zh]\n---\n# tiny\n"


def build_replay_data() -> ReplayData:
    """The session dataset. Model ``replay-test/zh-embedding-NN`` has 1000*NN downloads on the first date,
    growing 10 % a week, NN likes; ``-00`` first appears on the second date, ``-23`` disappears on the last.
    Even NN are sentence-transformers + sentence-similarity, odd NN are feature-extraction."""
    models, history = [], []
    for n in range(24):
        even = n % 2 == 0
        models.append({
            "id": f"replay-test/zh-embedding-{n:02d}",
            "tags": (["sentence-transformers"] if even else ["transformers"]) + ["zh", "license:mit", "region:us"],
            "pipeline_tag": "sentence-similarity" if even else "feature-extraction",
            "library_name": "sentence-transformers" if even else "transformers",
            "createdAt": f"2024-{n % 12 + 1:02d}-01T00:00:00.000Z",
            "lastModified": f"2024-12-{n + 1:02d}T00:00:00.000Z",
            "cardData": {"license": "mit", "language": ["zh"]},
            "safetensors": {"parameters": {"F32": 1000 * (n + 1)}, "total": 1000 * (n + 1)},
        })
    models += [
        {"id": "replay-test/tiny-repo", "tags": ["sentence-transformers", "zh"], "pipeline_tag": "sentence-similarity"},
        {"id": "gated-org/zh-embedding-gated", "tags": ["zh"], "gated": "manual"},
        {"id": "gone-org/zh-embedding-disabled", "tags": ["zh"], "disabled": True},
        {"id": "secret-org/zh-embedding-private", "tags": ["zh"], "private": True},
        {"id": "intfloat/multilingual-e5-small", "tags": ["en", "zh", "sentence-transformers"]},
    ]
    for week, day in enumerate(REPLAY_DATES):
        for n, record in enumerate(models):
            if (record["id"].endswith("-00") and week == 0) or (record["id"].endswith("-23") and week == 2):
                continue
            downloads = int(1000 * n * 1.1 ** week)
            history.append({"date": day, "model_id": record["id"], "downloads": downloads,
                            "downloads_all_time": downloads * (week + 2), "likes": n + week, "trending_score": n})
    data = ReplayData(models=models, history=history)
    data.add_repo("model", "replay-test/tiny-repo", [
        RepoVersion(None, {"README.md": TINY_README, "config.json": b'{"hidden_size": 4}\n',
                           "1_Pooling/config.json": b'{"pooling_mode_mean_tokens": true}\n',
                           "model.safetensors": bytes(range(256)) * 8}),
        RepoVersion(date(2025, 1, 15), {"README.md": TINY_README, "config.json": b'{"hidden_size": 8}\n',
                                        "1_Pooling/config.json": b'{"pooling_mode_mean_tokens": true}\n',
                                        "model.safetensors": bytes(range(255, -1, -1)) * 16}),
    ])
    data.add_repo("dataset", "replay-test/results", [RepoVersion(None, {
        "README.md": b"---\nlicense: cc-by-4.0\n---\n# results\n",
        "data/scores.csv": b"model,task,score\nreplay-test/zh-embedding-02,T2Retrieval,71.5\n",
    })])
    return data


@pytest.fixture(scope="session")
def replay_data() -> ReplayData:
    return build_replay_data()


@pytest.fixture(scope="session")
def _session_hub(replay_data: ReplayData) -> Iterator[ReplayHub]:
    with ReplayHub(replay_data, port=REPLAY_PORT) as hub:
        yield hub


@pytest.fixture
def replay_hub(_session_hub: ReplayHub) -> Iterator[ReplayHub]:
    _session_hub.reset()
    yield _session_hub
    _session_hub.reset()


BUSY_DAY = date(2026, 11, 23)


def build_busy_data(n: int = 600) -> ReplayData:
    """``busy-org{i % 7}/zh-embedding-NNNN`` (i < 500) and ``.../zh-reranker-NNNN``, all tagged zh, even i also
    sentence-transformers; created an hour apart from 2023-01-01, every 50th on the Hub's pre-2022 sentinel
    date (ties broken by ``_id``); downloads spread over four orders of magnitude."""
    models, history = [], []
    for i in range(n):
        kind = "embedding" if i < 500 else "reranker"
        model_id = f"busy-org{i % 7}/zh-{kind}-{i:04d}"
        created = "2022-03-02T23:29:04.000Z" if i % 50 == 0 else \
            f"{2023 + i // 240}-{(i // 20) % 12 + 1:02d}-{i % 20 + 1:02d}T{i % 24:02d}:00:00.000Z"
        models.append({"id": model_id, "tags": ["zh"] + (["sentence-transformers"] if i % 2 == 0 else []),
                       "createdAt": created, "lastModified": created})
        downloads = (i * 7919) % 10_000 * 10 ** (i % 4)
        history.append({"date": BUSY_DAY, "model_id": model_id, "downloads": downloads,
                        "downloads_all_time": 3 * downloads, "likes": i % 40, "trending_score": (i * 31) % 97})
    return ReplayData(models=models, history=history)


@pytest.fixture(scope="session")
def _busy_session_hub() -> Iterator[ReplayHub]:
    with ReplayHub(build_busy_data(), port=0, as_of=BUSY_DAY, page_size=50) as hub:
        yield hub


@pytest.fixture
def busy_hub(_busy_session_hub: ReplayHub) -> Iterator[ReplayHub]:
    _busy_session_hub.reset()
    yield _busy_session_hub
    _busy_session_hub.reset()


@pytest.fixture(scope="session")
def prefect_backend() -> Iterator[None]:
    """A throw-away Prefect API for the few tests where orchestration is the point (opt-in, ~20 s once).

    ``prefect_test_harness`` serves a fresh SQLite database from a subprocess; its start-up timeout is raised
    for cold 2-core machines, and flow heartbeats are off (otherwise every flow run waits ~1 s for its
    heartbeat thread). Use it for state, hooks and subflows; test domain logic without it.
    """
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        with prefect_test_harness(server_startup_timeout=120):
            yield


@dataclass
class Demo:
    """``radar demo`` run once, as the README shows it (``.venv/bin/radar demo``, no arguments), in an empty
    working directory with a fresh Prefect home."""

    cwd: Path
    env: dict[str, str]
    stdout: str
    seconds: float

    @property
    def db(self) -> Path:
        return self.cwd / "data" / "radar.duckdb"

    def radar(self, *args: str, env: dict[str, str] | None = None, wrap: list[str] | None = None
              ) -> subprocess.CompletedProcess:
        return subprocess.run([*(wrap or []), str(Path(sys.executable).parent / "radar"), *args], cwd=self.cwd,
                              env=env or self.env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """The whole demo pipeline end to end (two to three minutes on 2 cores): the real flows, replay Hub, smoke
    tests and report, on the bundled data. For ``-m e2e`` tests, which read what a user would see."""
    cwd = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("RADAR_", "PREFECT_API", "PREFECT_PROFILE")) and k != "HF_ENDPOINT"}
    env.update({"PREFECT_HOME": str(cwd / ".prefect"), "COLUMNS": "200", "PYTHONIOENCODING": "utf-8"})
    run = Demo(cwd, env, "", 0.0)
    started = time.perf_counter()
    proc = run.radar("demo")
    run.seconds = time.perf_counter() - started
    print(f"\nradar demo took {run.seconds:.0f} s", file=sys.stderr)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    run.stdout = proc.stdout
    return run
