"""Recorded data: loading, validation with one-line errors, git-compatible hashing, as-of selection."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from pipeline.replay_hub import ReplayData, ReplayDataError, RepoVersion
from pipeline.replay_hub.data import Snapshot

HEADER = "date,model_id,downloads,downloads_all_time,likes,trending_score\n"


def _write(folder: Path, models: list[object] | str, history: str) -> Path:
    folder.mkdir(exist_ok=True)
    lines = models if isinstance(models, str) else "\n".join(json.dumps(m) for m in models) + "\n"
    (folder / "models.jsonl").write_text(lines, encoding="utf-8")
    (folder / "history.csv").write_text(history, encoding="utf-8")
    return folder


def test_load_serves_the_latest_recorded_date_not_after_as_of(tmp_path: Path) -> None:
    folder = _write(tmp_path / "hub", [{"id": "a/x", "createdAt": "2023-06-06T02:42:40.000Z"}, {"id": "b/y"}],
                    HEADER + "2025-01-06,a/x,10,100,1,0\n2025-01-13,a/x,12,112,2,1.5\n2025-01-13,b/y,5,5,0,0\n")
    data = ReplayData.load(folder)
    assert data.dates == [date(2025, 1, 6), date(2025, 1, 13)]
    assert [r.repo_id for r in data.listed_models(date(2025, 1, 12))] == ["a/x"]
    latest = data.repo("model", "a/x", None)
    assert (latest.stats.downloads, latest.stats.likes, latest.stats.trending_score) == (12, 2, 1.5)
    assert data.repo("model", "b/y", date(2025, 1, 6)) is None
    assert data.repo("model", "a/x", date(2024, 12, 31)) is None
    assert data.repo("model", "b/y", None).record["createdAt"] == "2022-03-02T23:29:04.000Z"


@pytest.mark.parametrize(("models", "history", "message"), [
    ('{"id": "a/x"}\n{"id": "b/y",\n', HEADER, r"models.jsonl line 2: invalid JSON"),
    ([{"id": "no-namespace"}], HEADER, r"models.jsonl line 1: 'id' must be a repo id"),
    ([{"id": "a/x"}, {"id": "a/x"}], HEADER, r"line 2: duplicate model id 'a/x'"),
    ([{"id": "a/x", "createdAt": "2023-06-06T02:42:40+00:00"}], HEADER, r"line 1 \(a/x\): 'createdAt' must be"),
    ([{"id": "a/x", "gated": True}], HEADER, r"'gated' must be false, 'auto' or 'manual'"),
    ([{"id": "a/x", "sha": "abc"}], HEADER, r"'sha' must be 40 lowercase hex"),
    ([{"id": "a/x"}], "date,model_id,downloads\n", r"history.csv line 1: missing column\(s\) downloads_all_time"),
    ([{"id": "a/x"}], HEADER + "2025-01-06,a/x,ten,1,1,0\n", r"history.csv line 2: downloads 'ten' is not an int"),
    ([{"id": "a/x"}], HEADER + "2025-01-06,a/x,-1,1,1,0\n", r"line 2: downloads '-1' is not a non-negative"),
    ([{"id": "a/x"}], HEADER + "06/01/2025,a/x,1,1,1,0\n", r"history.csv line 2: Invalid isoformat"),
    ([{"id": "a/x"}], HEADER + "2025-01-06,c/z,1,1,1,0\n", r"line 2: model 'c/z' has no record"),
    ([{"id": "a/x"}], HEADER + "2025-01-06,a/x,1,1,1,0\n2025-01-06,a/x,2,2,1,0\n", r"line 3: second row for"),
    ([{"id": "a/x"}], HEADER + "2025-01-06,a/x,1,1,1,nan\n", r"trending_score 'nan' is not a finite number"),
])
def test_malformed_files_give_one_clear_line(tmp_path: Path, models: list[object] | str, history: str,
                                             message: str) -> None:
    with pytest.raises(ReplayDataError, match=message) as err:
        ReplayData.load(_write(tmp_path / "hub", models, history))
    assert "\n" not in str(err.value)


def test_missing_file_is_named(tmp_path: Path) -> None:
    folder = _write(tmp_path / "hub", [{"id": "a/x"}], HEADER)
    (folder / "history.csv").unlink()
    with pytest.raises(ReplayDataError, match=r"history.csv: file not found"):
        ReplayData.load(folder)


def test_without_history_models_are_always_present_with_their_own_counters() -> None:
    data = ReplayData(models=[{"id": "a/x", "downloads": 7, "likes": 2}])
    repo = data.repo("model", "a/x", date(2000, 1, 1))
    assert (repo.stats.downloads, repo.stats.likes, repo.stats.downloads_all_time) == (7, 2, 0)


def test_hashes_match_git_and_git_lfs() -> None:
    snapshot = Snapshot.build({"hello.txt": b"hello\n", "w/model.safetensors": b"x" * 10}, None)
    assert snapshot.files["hello.txt"].oid == "ce013625030ba8dba906f756967f9e9ca394464a"  # git hash-object
    weights = snapshot.files["w/model.safetensors"]
    assert weights.lfs and weights.etag == weights.sha256 and weights.pointer_size == 127
    assert snapshot.commit == Snapshot.build({"w/model.safetensors": b"x" * 10, "hello.txt": b"hello\n"}, None).commit
    assert set(snapshot.folders) == {"", "w"}


def test_repo_versions_from_dirs_and_as_of(tmp_path: Path) -> None:
    (tmp_path / "v1" / ".git").mkdir(parents=True)
    (tmp_path / "v1" / ".git" / "HEAD").write_text("ref")
    (tmp_path / "v1" / "a.txt").write_text("one")
    version = RepoVersion.from_dir(tmp_path / "v1", valid_from=date(2025, 1, 1))
    assert list(version.files) == ["a.txt"]
    data = ReplayData()
    data.add_repo("dataset", "o/d", [RepoVersion(date(2025, 2, 1), {"a.txt": b"two"}), version])
    assert data.repo("dataset", "o/d", date(2024, 12, 31)) is None
    assert data.repo("dataset", "o/d", date(2025, 1, 20)).head.files["a.txt"].read() == b"one"
    assert data.repo("dataset", "o/d", None).head.files["a.txt"].read() == b"two"
    with pytest.raises(ReplayDataError, match="repo type"):
        data.add_repo("space", "o/s", [version])
    with pytest.raises(ReplayDataError, match="not a directory"):
        RepoVersion.from_dir(tmp_path / "missing")
