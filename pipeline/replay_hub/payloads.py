"""The JSON shapes of the Hub API: list items, repo info, tree entries (key sets and order as the Hub's).

Key sets follow real payloads (reference/hub-api.md §4, data/hub/samples): a field the replay data does
not know is omitted, as the Hub omits unknown values, rather than invented.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from pipeline.replay_hub.data import EPOCH, Blob, Repo, Snapshot, hub_datetime

EXPAND_MODEL = frozenset((
    "author", "baseModels", "cardData", "childrenModelCount", "config", "createdAt", "disabled", "downloads",
    "downloadsAllTime", "evalResults", "gated", "gguf", "inference", "inferenceProviderMapping", "lastModified",
    "library_name", "likes", "mask_token", "model-index", "pipeline_tag", "private", "resourceGroup",
    "safetensors", "sha", "siblings", "spaces", "tags", "transformersInfo", "trendingScore", "usedStorage",
    "widgetData", "gitalyUid", "xetEnabled",
))
EXPAND_DATASET = frozenset((
    "author", "cardData", "citation", "createdAt", "description", "disabled", "downloads", "downloadsAllTime",
    "gated", "lastModified", "likes", "mainSize", "paperswithcode_id", "private", "resourceGroup", "sha",
    "siblings", "tags", "trendingScore", "usedStorage", "xetEnabled",
))
LIST_DEFAULT = ("_id", "id", "likes", "trendingScore", "private", "downloads", "tags", "pipeline_tag",
                "library_name", "createdAt", "modelId")
LIST_FULL = ("_id", "id", "author", "gated", "lastModified", "likes", "trendingScore", "private", "sha",
             "downloads", "tags", "pipeline_tag", "library_name", "createdAt", "modelId", "siblings")
MODEL_INFO = ("_id", "id", "private", "pipeline_tag", "library_name", "tags", "downloads", "likes", "modelId",
              "author", "sha", "lastModified", "gated", "inference", "disabled", "mask_token", "widgetData",
              "model-index", "config", "cardData", "transformersInfo", "siblings", "spaces", "createdAt",
              "safetensors", "usedStorage")
DATASET_INFO = ("_id", "id", "author", "sha", "lastModified", "private", "gated", "disabled", "tags",
                "description", "downloads", "likes", "cardData", "siblings", "createdAt", "usedStorage")

_MISSING = object()


def repo_payload(repo: Repo, keys: Iterable[str], blobs: bool = False, xet: bool = False) -> dict[str, Any]:
    """The keys asked for, in that order, leaving out those the replay data has no value for.

    ``xet``: whether the Hub announces Xet storage for LFS files (it is the ``xetEnabled`` value).
    """
    out: dict[str, Any] = {}
    for key in keys:
        value = xet if key == "xetEnabled" else _field(repo, key, blobs)
        if value is not _MISSING:
            out[key] = value
    return out


def _field(repo: Repo, key: str, blobs: bool) -> Any:
    computed = _COMPUTED.get(key)
    return computed(repo, blobs) if computed else repo.record.get(key, _MISSING)


def _stat(name: str) -> Callable[[Repo, bool], Any]:
    return lambda repo, blobs: getattr(repo.stats, name) if repo.stats else 0


_COMPUTED: dict[str, Callable[[Repo, bool], Any]] = {
    "id": lambda repo, blobs: repo.repo_id,
    "modelId": lambda repo, blobs: repo.repo_id if repo.repo_type == "model" else _MISSING,
    "sha": lambda repo, blobs: repo.sha,
    "lastModified": lambda repo, blobs: repo.last_modified or _MISSING,
    "downloads": _stat("downloads"),
    "downloadsAllTime": _stat("downloads_all_time"),
    "likes": _stat("likes"),
    "trendingScore": _stat("trending_score"),
    "private": lambda repo, blobs: bool(repo.record.get("private", False)),
    "gated": lambda repo, blobs: repo.record.get("gated", False),
    "disabled": lambda repo, blobs: bool(repo.record.get("disabled", False)),
    "siblings": lambda repo, blobs: [sibling(blob, blobs) for blob in repo.head.files.values()],
    "spaces": lambda repo, blobs: repo.record.get("spaces", []),
    "usedStorage": lambda repo, blobs: sum(b.size for b in repo.head.files.values()),
}
"""Fields computed from the date's statistics and the visible files; the rest come from the record."""


def sibling(blob: Blob, blobs: bool) -> dict[str, Any]:
    """One ``siblings`` entry; with ``blobs=true`` also size, blob id and LFS info."""
    entry: dict[str, Any] = {"rfilename": blob.path}
    if blobs:
        entry.update(size=blob.size, blobId=blob.oid)
        if blob.lfs:
            entry["lfs"] = {"sha256": blob.sha256, "size": blob.size, "pointerSize": blob.pointer_size}
    return entry


def xet_hash(blob: Blob) -> str:
    """The 64-hex ``xetHash``/``X-Xet-Hash`` of an LFS file.

    The Hub's value is Xet's merkle hash of the file's chunks; no client can check it without the Xet
    content service, which the replay Hub does not serve, so a stable stand-in derived from the sha256
    is enough to make a client take (or, with Xet disabled, decline) the Xet path.
    """
    return hashlib.sha256(b"replay-hub xet\0" + bytes.fromhex(blob.sha256 or "")).hexdigest()


def tree_entries(snapshot: Snapshot, folder: str, recursive: bool, expand: bool,
                 xet: bool = False) -> list[dict[str, Any]] | None:
    """Entries under ``folder`` ("" = root), folders before their contents; ``None`` if it does not exist.

    With ``xet`` LFS files carry ``xetHash``, as on the Hub where they are stored with Xet.
    """
    if folder and folder not in snapshot.folders:
        blob = snapshot.files.get(folder)
        return None if blob is None else [_file_entry(blob, snapshot, expand, xet)]
    prefix = f"{folder}/" if folder else ""
    entries = []
    for path in sorted(list(snapshot.files) + [f for f in snapshot.folders if f]):
        if not path.startswith(prefix) or (not recursive and "/" in path[len(prefix):]):
            continue
        if path in snapshot.folders:
            entry: dict[str, Any] = {"type": "directory", "oid": snapshot.folders[path], "size": 0, "path": path}
            if expand:
                entry["lastCommit"] = _last_commit(snapshot)
            entries.append(entry)
        else:
            entries.append(_file_entry(snapshot.files[path], snapshot, expand, xet))
    return entries


def _file_entry(blob: Blob, snapshot: Snapshot, expand: bool, xet: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": "file", "oid": blob.oid, "size": blob.size, "path": blob.path}
    if blob.lfs:
        entry["lfs"] = {"oid": blob.sha256, "size": blob.size, "pointerSize": blob.pointer_size}
        if xet:
            entry["xetHash"] = xet_hash(blob)
    if expand:
        entry["lastCommit"] = _last_commit(snapshot)
    return entry


def _last_commit(snapshot: Snapshot) -> dict[str, str]:
    day = hub_datetime(snapshot.valid_from) if snapshot.valid_from else EPOCH
    return {"id": snapshot.commit, "title": "Upload files", "date": day}
