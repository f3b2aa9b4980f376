"""What the replay Hub serves: recorded model metadata, dated statistics, downloadable repos, as-of logic.

The Hub only ever shows "now": a rolling 30-day download count, the current likes, the current files.
To replay a recorded history the server picks, for a chosen date D, the statistics of the latest
recorded date <= D and, for downloadable repos, the latest version valid on D. A model without a
statistics row on that date does not exist on the Hub that day (not created yet, or removed).

Files are hashed the way git and git-lfs do (blob sha1, sha256 + pointer file for large/binary files),
so a client cache filled from the replay Hub has the same layout as one filled from huggingface.co, and a
repo's commit is a deterministic sha1 of its files, so restarts keep revisions stable.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

REPO_TYPES = ("model", "dataset")
LFS_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".onnx", ".h5", ".msgpack", ".gguf", ".ckpt", ".parquet")
LFS_MIN_SIZE = 10 * 1024 * 1024
HISTORY_COLUMNS = ("date", "model_id", "downloads", "downloads_all_time", "likes", "trending_score")
EPOCH = "2022-03-02T23:29:04.000Z"
"""The Hub's ``createdAt`` for repos created before it recorded creation dates."""

_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_LEGACY_ID = re.compile(r"^[A-Za-z0-9][\w.-]*$")
_HUB_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_EXCLUDED_DIRS = {".git", ".cache"}


class ReplayDataError(ValueError):
    """Recorded data is malformed; the one-line message names the file, the line and the problem."""


def hub_datetime(day: date) -> str:
    """A date as the Hub writes timestamps (the client rejects anything not ending in ``Z``)."""
    return f"{day.isoformat()}T00:00:00.000Z"


def parse_hub_datetime(value: str) -> datetime:
    """Parse a Hub timestamp (``2023-06-06T02:42:40.000Z``) into an aware datetime."""
    return datetime.fromisoformat(value[:19]).replace(tzinfo=timezone.utc)


def object_id(repo_id: str) -> str:
    """A stable 24-hex ``_id`` (the Hub's MongoDB id) for a record that does not carry one."""
    return hashlib.sha1(repo_id.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Stats:
    """A model's counters on one recorded date."""

    downloads: int
    downloads_all_time: int
    likes: int
    trending_score: int | float


class Blob:
    """One file of a repo version: its git object id and, for LFS-type files, sha256 and pointer size."""

    __slots__ = ("path", "size", "oid", "sha256", "pointer_size", "_content")

    def __init__(self, path: str, content: bytes | Path) -> None:
        if isinstance(content, Path):
            data = content.read_bytes()
        elif isinstance(content, bytes):
            data = content
        else:
            raise TypeError(f"file {path!r}: content must be bytes or a Path, not {type(content).__name__}")
        self.path = path
        self.size = len(data)
        self._content = content
        self.sha256: str | None = None
        self.pointer_size: int | None = None
        if path.endswith(LFS_SUFFIXES) or self.size >= LFS_MIN_SIZE:
            self.sha256 = hashlib.sha256(data).hexdigest()
            pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{self.sha256}\nsize {self.size}\n"
            self.pointer_size = len(pointer)
            self.oid = git_object_id(b"blob", pointer.encode())
        else:
            self.oid = git_object_id(b"blob", data)

    @property
    def lfs(self) -> bool:
        return self.sha256 is not None

    @property
    def etag(self) -> str:
        """What the Hub sends as ``ETag``: the git blob id, or the sha256 of an LFS file's content."""
        return self.sha256 or self.oid

    def read(self, start: int = 0, end: int | None = None) -> bytes:
        """Bytes ``[start, end)`` of the file (files given as a Path are read from disk on demand)."""
        stop = self.size if end is None else end
        if isinstance(self._content, bytes):
            return self._content[start:stop]
        with self._content.open("rb") as fh:
            fh.seek(start)
            return fh.read(stop - start)


def git_object_id(kind: bytes, payload: bytes) -> str:
    """``git hash-object``: sha1 over ``b"<kind> <len>\\0" + payload``."""
    return hashlib.sha1(kind + b" %d\0" % len(payload) + payload).hexdigest()


@dataclass(frozen=True)
class Snapshot:
    """One commit of a repo: its files, its folders (with git tree ids) and the date it became valid."""

    commit: str
    valid_from: date | None
    files: Mapping[str, Blob]
    folders: Mapping[str, str]

    @classmethod
    def build(cls, files: Mapping[str, bytes | Path], valid_from: date | None, commit: str | None = None) -> Snapshot:
        blobs = {path: Blob(path, content) for path, content in sorted(files.items())}
        if not blobs:
            raise ReplayDataError("a repo version needs at least one file")
        for path in blobs:
            if path.startswith("/") or path.endswith("/") or ".." in path.split("/") or "\\" in path:
                raise ReplayDataError(f"invalid file path in repo version: {path!r}")
        listing = "".join(f"{path}\0{blob.oid}\n" for path, blob in blobs.items()).encode()
        return cls(
            commit=commit or hashlib.sha1(listing).hexdigest(),
            valid_from=valid_from,
            files=blobs,
            folders=_folder_ids(blobs),
        )


def _folder_ids(blobs: Mapping[str, Blob]) -> dict[str, str]:
    """Git tree ids of every folder (the root is ``""``), computed bottom-up as git does."""
    children: dict[str, dict[str, tuple[bytes, str]]] = {"": {}}
    for path, blob in blobs.items():
        parts = path.split("/")
        for depth in range(1, len(parts)):
            children.setdefault("/".join(parts[:depth]), {})
        parent = "/".join(parts[:-1])
        children[parent][parts[-1]] = (b"100644", blob.oid)
    ids: dict[str, str] = {}
    for folder in sorted(children, key=lambda p: p.count("/") if p else -1, reverse=True):
        # git orders tree entries by name, a folder's name compared as if it ended with "/"
        entries = sorted(children[folder].items(), key=lambda kv: kv[0] + ("/" if kv[1][0] == b"40000" else ""))
        payload = b"".join(mode + b" " + name.encode() + b"\0" + bytes.fromhex(oid) for name, (mode, oid) in entries)
        ids[folder] = git_object_id(b"tree", payload)
        if folder:
            parent, _, name = folder.rpartition("/")
            children[parent][name] = (b"40000", ids[folder])
    return ids


@dataclass(frozen=True)
class RepoVersion:
    """The files of a downloadable repo from ``valid_from`` on (``None``: since always)."""

    valid_from: date | None
    files: Mapping[str, bytes | Path]

    @classmethod
    def from_dir(cls, path: Path, valid_from: date | None = None) -> RepoVersion:
        """Every file under ``path`` (recursively; ``.git`` and ``.cache`` skipped), read lazily."""
        root = Path(path)
        if not root.is_dir():
            raise ReplayDataError(f"{root}: not a directory")
        files = {
            p.relative_to(root).as_posix(): p
            for p in sorted(root.rglob("*"))
            if p.is_file() and not _EXCLUDED_DIRS.intersection(p.relative_to(root).parts[:-1])
        }
        return cls(valid_from=valid_from, files=files)


class Repo:
    """A repo as the Hub shows it on one date: static record, that date's stats, the visible commits."""

    def __init__(self, data: ReplayData, repo_type: str, repo_id: str, record: Mapping[str, Any],
                 stats: Stats | None, registered: tuple[Snapshot, ...]) -> None:
        self._data = data
        self.repo_type = repo_type
        self.repo_id = repo_id
        self.record = record
        self.stats = stats
        self.registered = registered
        self.memo: dict[Any, Any] = {}
        """Values derived from this (immutable) view of the repo, e.g. listing sort keys."""

    @cached_property
    def snapshots(self) -> tuple[Snapshot, ...]:
        """Visible commits, oldest first; a model without registered files gets a generated one."""
        return self.registered or (self._data.generated_snapshot(self.repo_id),)

    @property
    def head(self) -> Snapshot:
        return self.snapshots[-1]

    @property
    def sha(self) -> str:
        """The head commit (read from the record, without generating files, when none are registered)."""
        recorded = self.record.get("sha")
        if not self.registered and isinstance(recorded, str) and _COMMIT.match(recorded):
            return recorded
        return self.head.commit

    @property
    def last_modified(self) -> str | None:
        if self.registered and self.head.valid_from is not None:
            return hub_datetime(self.head.valid_from)
        return self.record.get("lastModified")

    def at(self, snapshot: Snapshot) -> Repo:
        """The repo as of one of its commits: that commit becomes the head (sha, files, lastModified)."""
        if snapshot is self.head:
            return self
        visible = self.registered[: self.registered.index(snapshot) + 1]
        return Repo(self._data, self.repo_type, self.repo_id, self.record, self.stats, visible)

    def revision(self, rev: str) -> Snapshot | None:
        """The commit a revision names: ``main`` (the head) or the full sha of a visible commit."""
        if rev in ("main", "refs/heads/main"):
            return self.head
        return next((s for s in self.snapshots if s.commit == rev), None)


class ReplayData:
    """Recorded Hub data: model records, dated statistics and registered downloadable repos.

    ``models`` are dicts with Hub API field names (``id`` required; ``_id, author, sha, createdAt,
    lastModified, library_name, pipeline_tag, tags, cardData, config, safetensors, gated, disabled,
    private`` used when present; ``_id`` and ``author`` are derived from the id, ``tags`` default to
    ``[]``, ``createdAt`` to the Hub's pre-2022 sentinel and ``lastModified`` to ``createdAt``, as every
    Hub payload has them). ``history`` rows are dicts with the ``history.csv`` columns
    (``date, model_id, downloads, downloads_all_time, likes, trending_score``). Without any history the
    models are always present, with counters read from their own ``downloads``/``likes``/... fields.
    """

    def __init__(self, models: Iterable[Mapping[str, Any]] = (),
                 history: Iterable[Mapping[str, Any]] = ()) -> None:
        self._lock = threading.Lock()
        self.version = 0
        self.records: dict[str, dict[str, Any]] = {}
        for n, record in enumerate(models, start=1):
            self._add_record(record, f"model #{n}")
        self.history: dict[date, dict[str, Stats]] = {}
        for n, row in enumerate(history, start=1):
            self._add_history_row(row, f"history row #{n}")
        self.dates: list[date] = sorted(self.history)
        self._repos: dict[tuple[str, str], tuple[Snapshot, ...]] = {}
        self._generated: dict[str, Snapshot] = {}
        self._views: dict[date | None, dict[str, Repo]] = {}
        self._lfs: dict[str, Blob] = {}
        self.renames: dict[tuple[str, str], str] = {}
        """``(repo type, old id) -> new id``: renamed repos and legacy un-namespaced ids the Hub redirects."""

    @classmethod
    def load(cls, hub_dir: Path) -> ReplayData:
        """Read ``models.jsonl`` and ``history.csv`` from ``hub_dir`` (format: docs/architecture.md)."""
        hub_dir = Path(hub_dir)
        models_path, history_path = hub_dir / "models.jsonl", hub_dir / "history.csv"
        for path in (models_path, history_path):
            if not path.is_file():
                raise ReplayDataError(f"{path}: file not found (expected models.jsonl and history.csv)")
        data = cls()
        with models_path.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                where = f"{models_path} line {n}"
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ReplayDataError(f"{where}: invalid JSON ({exc.msg} at column {exc.colno})") from None
                data._add_record(record, where)
        with history_path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in HISTORY_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise ReplayDataError(f"{history_path} line 1: missing column(s) {', '.join(missing)}")
            for row in reader:
                data._add_history_row(row, f"{history_path} line {reader.line_num}")
        data.dates = sorted(data.history)
        return data

    def _add_record(self, record: Mapping[str, Any], where: str) -> None:
        if not isinstance(record, Mapping):
            raise ReplayDataError(f"{where}: expected a JSON object, got {type(record).__name__}")
        repo_id = record.get("id")
        if not isinstance(repo_id, str) or not _REPO_ID.match(repo_id):
            raise ReplayDataError(f"{where}: 'id' must be a repo id like 'org/name', got {repo_id!r}")
        if repo_id in self.records:
            raise ReplayDataError(f"{where}: duplicate model id {repo_id!r}")
        problem = _record_problem(record)
        if problem:
            raise ReplayDataError(f"{where} ({repo_id}): {problem}")
        created = record.get("createdAt", EPOCH)
        self.records[repo_id] = {"_id": object_id(repo_id), "author": repo_id.split("/")[0], "tags": [],
                                 "createdAt": created, "lastModified": created, **record}

    def _add_history_row(self, row: Mapping[str, Any], where: str) -> None:
        try:
            day = row["date"] if isinstance(row["date"], date) else date.fromisoformat(str(row["date"]))
            model_id = row["model_id"]
            stats = Stats(
                downloads=_count(row["downloads"], "downloads"),
                downloads_all_time=_count(row["downloads_all_time"], "downloads_all_time"),
                likes=_count(row["likes"], "likes"),
                trending_score=_number(row["trending_score"], "trending_score"),
            )
        except KeyError as exc:
            raise ReplayDataError(f"{where}: missing column {exc.args[0]!r}") from None
        except ValueError as exc:
            raise ReplayDataError(f"{where}: {exc}") from None
        if model_id not in self.records:
            raise ReplayDataError(f"{where}: model {model_id!r} has no record in models")
        if model_id in self.history.setdefault(day, {}):
            raise ReplayDataError(f"{where}: second row for {model_id!r} on {day}")
        self.history[day][model_id] = stats

    def add_repo(self, repo_type: str, repo_id: str, versions: list[RepoVersion]) -> None:
        """Register downloadable files for a repo (replacing earlier ones); safe while serving."""
        if repo_type not in REPO_TYPES:
            raise ReplayDataError(f"repo type must be one of {REPO_TYPES}, got {repo_type!r}")
        if not _REPO_ID.match(repo_id):
            raise ReplayDataError(f"repo id must look like 'org/name', got {repo_id!r}")
        if not versions:
            raise ReplayDataError(f"{repo_id}: at least one version is needed")
        ordered = sorted(versions, key=lambda v: v.valid_from or date.min)
        snapshots = tuple(Snapshot.build(v.files, v.valid_from) for v in ordered)
        with self._lock:
            self._repos[(repo_type, repo_id)] = snapshots
            self._lfs.update((b.sha256, b) for s in snapshots for b in s.files.values() if b.sha256)
            self.version += 1
            self._views.clear()

    def add_rename(self, old_id: str, new_id: str, repo_type: str = "model") -> None:
        """Redirect ``old_id`` to ``new_id`` (a renamed or transferred repo, or a legacy id without a namespace).

        The Hub answers requests for the old name with ``307`` to the new one for as long as no repo takes
        the old name again; an existing repo always wins over a rename.
        """
        if repo_type not in REPO_TYPES:
            raise ReplayDataError(f"repo type must be one of {REPO_TYPES}, got {repo_type!r}")
        if not (_REPO_ID.match(old_id) or _LEGACY_ID.match(old_id)):
            raise ReplayDataError(f"old id must look like 'org/name' or 'name', got {old_id!r}")
        if not _REPO_ID.match(new_id) or new_id == old_id:
            raise ReplayDataError(f"new id must look like 'org/name' and differ from the old one, got {new_id!r}")
        with self._lock:
            self.renames[(repo_type, old_id)] = new_id

    def renamed(self, repo_type: str, repo_id: str) -> str | None:
        """The current id of a renamed repo or legacy id, or ``None``."""
        return self.renames.get((repo_type, repo_id))

    def lfs_blob(self, sha256: str) -> Blob | None:
        """A registered LFS file by content hash (what the CDN serves)."""
        return self._lfs.get(sha256)

    def set_stats(self, day: date | None, changes: Mapping[str, Stats | None]) -> None:
        """Change models' counters on a recorded ``day`` (``None`` stat: no row, the model is absent that day).

        Without any history the counters live in the records themselves, and ``day`` is ignored.
        """
        with self._lock:
            for model_id, stats in changes.items():
                if model_id not in self.records:
                    raise ReplayDataError(f"model {model_id!r} has no record")
                if not self.history:
                    if stats is not None:
                        self.records[model_id].update(downloads=stats.downloads, likes=stats.likes,
                                                      downloadsAllTime=stats.downloads_all_time,
                                                      trendingScore=stats.trending_score)
                elif day not in self.history:
                    raise ReplayDataError(f"{day} is not a recorded date")
                elif stats is None:
                    self.history[day].pop(model_id, None)
                else:
                    self.history[day][model_id] = stats
            self.version += 1
            for as_of, view in self._views.items():
                if self.history and self.snapshot_date(as_of) != day:
                    continue
                for model_id in changes:
                    repo = self.repo("model", model_id, as_of)
                    if repo is None or repo.record.get("private"):
                        view.pop(model_id, None)
                    else:
                        view[model_id] = repo

    def add_model(self, record: Mapping[str, Any], day: date | None, stats: Stats) -> None:
        """A model created while serving (validated like a loaded record), with its counters on ``day``."""
        with self._lock:
            self._add_record(record, f"model {record.get('id')!r}")
        self.set_stats(day, {record["id"]: stats})

    def remove_model(self, model_id: str) -> None:
        """Forget a model added with :meth:`add_model` (its record and every counter row)."""
        with self._lock:
            self.records.pop(model_id, None)
            for rows in self.history.values():
                rows.pop(model_id, None)
            self.version += 1
            for view in self._views.values():
                view.pop(model_id, None)

    def snapshot_date(self, as_of: date | None) -> date | None:
        """The recorded date whose statistics are served as of ``as_of`` (``None``: the latest)."""
        if as_of is None:
            return self.dates[-1] if self.dates else None
        earlier = [d for d in self.dates if d <= as_of]
        return earlier[-1] if earlier else None

    def repo(self, repo_type: str, repo_id: str, as_of: date | None) -> Repo | None:
        """The repo as the Hub shows it on ``as_of``, or ``None`` if it does not exist that day."""
        registered = self._visible(repo_type, repo_id, as_of)
        record = self.records.get(repo_id) if repo_type == "model" else None
        if record is None:
            if not registered:
                return None
            return Repo(self, repo_type, repo_id, _derived_record(repo_id, registered), None, registered)
        stats = self._stats(record, as_of)
        return None if stats is None else Repo(self, repo_type, repo_id, record, stats, registered)

    def listed_models(self, as_of: date | None) -> list[Repo]:
        """Every public model present on ``as_of`` (what ``GET /api/models`` searches), cached per date and
        kept up to date by :meth:`set_stats`, :meth:`add_model` and :meth:`remove_model`."""
        with self._lock:
            view = self._views.get(as_of)
            if view is not None:
                return list(view.values())
            ids, version = list(self.records), self.version
        present = (self.repo("model", repo_id, as_of) for repo_id in ids)
        view = {repo.repo_id: repo for repo in present if repo and not repo.record.get("private")}
        with self._lock:
            if self.version == version:
                if len(self._views) >= 64:
                    self._views.clear()
                self._views[as_of] = view
        return list(view.values())

    def generated_snapshot(self, repo_id: str) -> Snapshot:
        """README.md (the card data as YAML front matter), config.json and the record's recorded
        configuration files (``files``: path -> JSON object) for a model without files of its own."""
        snapshot = self._generated.get(repo_id)
        if snapshot is None:
            record = self.records[repo_id]
            card = record.get("cardData")
            front = f"---\n{yaml.safe_dump(card, allow_unicode=True, sort_keys=False)}---\n\n" if card else ""
            readme = f"{front}# {repo_id}\n\nGenerated by the replay Hub from recorded metadata.\n"
            config = json.dumps(record.get("config") or {}, indent=2, ensure_ascii=False) + "\n"
            recorded = record.get("sha")
            commit = recorded if isinstance(recorded, str) and _COMMIT.match(recorded) else None
            files = {"README.md": readme.encode(), "config.json": config.encode()}
            files.update({path: (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode()
                          for path, body in (record.get("files") or {}).items()})
            snapshot = Snapshot.build(files, None, commit)
            self._generated[repo_id] = snapshot
        return snapshot

    def _visible(self, repo_type: str, repo_id: str, as_of: date | None) -> tuple[Snapshot, ...]:
        snapshots = self._repos.get((repo_type, repo_id), ())
        if as_of is None:
            return snapshots
        return tuple(s for s in snapshots if s.valid_from is None or s.valid_from <= as_of)

    def _stats(self, record: Mapping[str, Any], as_of: date | None) -> Stats | None:
        if not self.history:
            return Stats(
                downloads=record.get("downloads", 0),
                downloads_all_time=record.get("downloadsAllTime", 0),
                likes=record.get("likes", 0),
                trending_score=record.get("trendingScore", 0),
            )
        day = self.snapshot_date(as_of)
        return None if day is None else self.history[day].get(record["id"])


def _derived_record(repo_id: str, snapshots: tuple[Snapshot, ...]) -> dict[str, Any]:
    """Metadata of a registered repo without a record, read from its README front matter like the Hub."""
    card = front_matter(snapshots[-1].files.get("README.md"))
    tags = [t for t in card.get("tags", []) if isinstance(t, str)] if isinstance(card.get("tags"), list) else []
    library = card.get("library_name")
    first = snapshots[0].valid_from
    record: dict[str, Any] = {
        "_id": object_id(repo_id),
        "id": repo_id,
        "author": repo_id.split("/")[0],
        "tags": ([library] if isinstance(library, str) and library not in tags else []) + tags,
        "createdAt": hub_datetime(first) if first else EPOCH,
        "lastModified": hub_datetime(snapshots[-1].valid_from) if snapshots[-1].valid_from else EPOCH,
    }
    for key in ("library_name", "pipeline_tag"):
        if isinstance(card.get(key), str):
            record[key] = card[key]
    if card:
        record["cardData"] = card
    return record


def front_matter(blob: Blob | None) -> dict[str, Any]:
    """The YAML block at the top of a model card (``{}`` when absent or unreadable)."""
    if blob is None or blob.size > 1_000_000:
        return {}
    text = blob.read().decode("utf-8", errors="replace")
    match = re.match(r"^---\s*\n(.*?)\n---\s*(\n|$)", text, re.S)
    if not match:
        return {}
    try:
        card = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return {}
    return card if isinstance(card, dict) else {}


def _record_problem(record: Mapping[str, Any]) -> str | None:
    """Why a model record would break the client or the server (``None`` when it is fine)."""
    for key in ("createdAt", "lastModified"):
        if key in record and not (isinstance(record[key], str) and _HUB_DATETIME.match(record[key])):
            return f"{key!r} must be a timestamp like '2023-06-06T02:42:40.000Z', got {record[key]!r}"
    if "tags" in record and not (isinstance(record["tags"], list) and all(isinstance(t, str) for t in record["tags"])):
        return "'tags' must be a list of strings"
    if record.get("gated", False) not in (False, "auto", "manual"):
        return f"'gated' must be false, 'auto' or 'manual', got {record['gated']!r}"
    if "sha" in record and not (isinstance(record["sha"], str) and _COMMIT.match(record["sha"])):
        return f"'sha' must be 40 lowercase hex characters, got {record['sha']!r}"
    for key in ("cardData", "config", "safetensors", "files"):
        if record.get(key) is not None and not isinstance(record[key], dict):
            return f"{key!r} must be an object"
    if any(not isinstance(path, str) or ".." in path.split("/") for path in record.get("files") or {}):
        return "'files' must map relative paths to JSON bodies"
    for key in ("downloads", "downloadsAllTime", "likes"):
        if key in record and not (isinstance(record[key], int) and record[key] >= 0):
            return f"{key!r} must be a non-negative integer"
    if "trendingScore" in record and not isinstance(record["trendingScore"], (int, float)):
        return "'trendingScore' must be a number"
    return None


def _count(value: Any, name: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} {value!r} is not an integer") from None
    if number < 0 or (isinstance(value, float) and value != number):
        raise ValueError(f"{name} {value!r} is not a non-negative integer")
    return number


def _number(value: Any, name: str) -> int | float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} {value!r} is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"{name} {value!r} is not a finite number")
    return int(number) if number.is_integer() else number
