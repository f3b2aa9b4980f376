"""Routing and handlers: what the Hub answers to the requests huggingface_hub, transformers and
sentence-transformers send (reference/hub-api.md §4-§5).

Pure functions from a :class:`Request` to a :class:`Response`, independent of the HTTP server, so the
fault injector can rewrite a response before it is sent.
"""

from __future__ import annotations

import base64
import binascii
from bisect import bisect_right
import json
import mimetypes
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urlencode

from pipeline.replay_hub import payloads
from pipeline.replay_hub.data import Repo, ReplayData, Snapshot, parse_hub_datetime

MAX_PAGE = 1000
TREE_EXPANDED_PAGE = 50
SORT_KEYS = ("downloads", "likes", "lastModified", "trendingScore", "createdAt")
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: Mapping[str, str]
    base_url: str

    def values(self, name: str) -> list[str]:
        return [v for k, v in self.query if k == name]

    def value(self, name: str) -> str | None:
        values = self.values(name)
        return values[-1] if values else None

    def flag(self, name: str) -> bool:
        """A boolean parameter: ``true``/``True``/``1`` (httpx sends ``true``, requests ``True``)."""
        value = self.value(name)
        if value is None:
            return False
        if value.lower() in ("true", "1"):
            return True
        if value.lower() in ("false", "0", ""):
            return False
        raise HubError(400, f"Invalid value for {name!r}: {value!r} (expected true or false)")


@dataclass
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    cut: int | None = None
    """Set by the ``drop`` fault: send this many body bytes, then close the connection."""

    @property
    def is_json(self) -> bool:
        return self.headers.get("Content-Type", "").startswith("application/json")


class HubError(Exception):
    """An error answer; ``code`` becomes ``X-Error-Code``, which decides the client's exception class."""

    def __init__(self, status: int, message: str, code: str | None = None, commit: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message = status, message
        self.headers = {"X-Error-Message": message, **(headers or {})}
        if code:
            self.headers["X-Error-Code"] = code
        if commit:
            self.headers["X-Repo-Commit"] = commit

    def response(self) -> Response:
        return json_response({"error": self.message}, self.status, self.headers)


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(status, {"Content-Type": "application/json; charset=utf-8", **(headers or {})}, body)


def handle(data: ReplayData, as_of: date | None, page_size: int, request: Request) -> Response:
    """Answer one request as the Hub would on ``as_of``."""
    try:
        return _route(data, as_of, page_size, request)
    except HubError as exc:
        return exc.response()


def _route(data: ReplayData, as_of: date | None, page_size: int, req: Request) -> Response:
    parts = req.path.strip("/").split("/")
    if req.method not in ("GET", "HEAD"):
        raise HubError(405, f"Method {req.method} is not supported by the replay Hub")
    if parts[:2] == ["api", "agent-harnesses"]:
        return json_response({"standardEnvVars": [], "harnesses": {}})
    if parts[:2] == ["api", "telemetry"]:
        return json_response({})
    if parts == ["api", "models"]:
        return _list_models(data, as_of, page_size, req)
    if len(parts) >= 4 and parts[0] == "api" and parts[1] in ("models", "datasets"):
        repo_type = parts[1][:-1]
        repo_id = f"{parts[2]}/{parts[3]}"
        rest = parts[4:]
        if len(rest) >= 2 and rest[0] == "xet-read-token":
            raise HubError(404, "The replay Hub serves files over plain HTTP only, never through Xet")
        if not rest:
            return _repo_info(data, as_of, repo_type, repo_id, "main", req)
        if rest[0] == "revision" and len(rest) == 2:
            return _repo_info(data, as_of, repo_type, repo_id, unquote(rest[1]), req)
        if rest[0] == "tree" and len(rest) >= 2:
            folder = unquote("/".join(rest[2:])).strip("/")
            return _tree(data, as_of, page_size, repo_type, repo_id, unquote(rest[1]), folder, req)
    if parts[0] == "datasets" and len(parts) >= 6 and parts[3] == "resolve":
        return _resolve(data, as_of, "dataset", f"{parts[1]}/{parts[2]}", parts[4], parts[5:], req)
    if len(parts) >= 5 and parts[0] not in ("api", "datasets") and parts[2] == "resolve":
        return _resolve(data, as_of, "model", f"{parts[0]}/{parts[1]}", parts[3], parts[4:], req)
    raise HubError(404, "Sorry, we can't find the page you are looking for.")


def _find(data: ReplayData, as_of: date | None, repo_type: str, repo_id: str, files: bool = False) -> Repo:
    """The repo, or the error the Hub gives an anonymous caller (missing/private, disabled)."""
    repo = data.repo(repo_type, repo_id, as_of)
    if repo is None or repo.record.get("private"):
        raise HubError(401 if repo else 404, "Repository not found", "RepoNotFound")
    if repo.record.get("disabled"):
        raise HubError(403, "Access to this resource is disabled.")
    if files and repo.record.get("gated"):
        raise HubError(401, f"Access to {repo_type} {repo_id} is restricted. You must have access to it and be "
                            "authenticated to access it. Please log in.", "GatedRepo")
    return repo


def _snapshot(repo: Repo, revision: str) -> Snapshot:
    snapshot = repo.revision(revision)
    if snapshot is None:
        raise HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")
    return snapshot


def _expand(req: Request, allowed: frozenset[str]) -> list[str]:
    expand = [v for value in req.values("expand") for v in value.split(",") if v]
    unknown = sorted(set(expand) - allowed)
    if unknown:
        raise HubError(400, f'"expand" must be one of {sorted(allowed)}, got {unknown}')
    return expand


def _repo_info(data: ReplayData, as_of: date | None, repo_type: str, repo_id: str, revision: str,
               req: Request) -> Response:
    repo = _find(data, as_of, repo_type, repo_id)
    repo = repo.at(_snapshot(repo, revision))
    expand = _expand(req, payloads.EXPAND_MODEL if repo_type == "model" else payloads.EXPAND_DATASET)
    if expand:
        return json_response(payloads.repo_payload(repo, ["_id", "id", *expand]))
    keys = payloads.MODEL_INFO if repo_type == "model" else payloads.DATASET_INFO
    payload = payloads.repo_payload(repo, keys, blobs=req.flag("blobs"))
    if req.flag("securityStatus"):
        payload["securityRepoStatus"] = {"scansDone": True, "filesWithIssues": []}
    return json_response(payload)


def _list_models(data: ReplayData, as_of: date | None, page_size: int, req: Request) -> Response:
    expand = _expand(req, payloads.EXPAND_MODEL)
    full, card, config = req.flag("full"), req.flag("cardData"), req.flag("config")
    limit = _limit(req.value("limit"), page_size)
    sort = req.value("sort")
    if sort is not None and sort not in SORT_KEYS:
        raise HubError(400, f'"sort" must be one of {list(SORT_KEYS)}, got {sort!r}')
    wanted = frozenset(t for value in req.values("filter") for t in value.split(",") if t)
    searches = tuple(s.lower() for s in req.values("search") if s)
    gated = req.value("gated")
    ordered = _ordered(data, data.version, as_of, wanted, searches, req.value("author"), req.value("pipeline_tag"),
                       None if gated is None else req.flag("gated"), sort)
    cursor = req.value("cursor")
    start = 0 if cursor is None else bisect_right(ordered, _decode_cursor(cursor, sort or "_id"), key=lambda kr: kr[0])
    page = ordered[start:start + limit]
    if expand:
        keys: tuple[str, ...] = ("_id", "id", *expand)
    else:
        keys = payloads.LIST_FULL if full else payloads.LIST_DEFAULT
        keys += (("cardData",) if card else ()) + (("config",) if config else ())
    headers = {}
    if start + limit < len(ordered):
        headers["Link"] = f'<{next_url(req, _encode_cursor(sort or "_id", page[-1][0]))}>; rel="next"'
    return json_response([payloads.repo_payload(r, keys) for _, r in page], headers=headers)


@lru_cache(maxsize=32)
def _ordered(data: ReplayData, version: int, as_of: date | None, wanted: frozenset[str], searches: tuple[str, ...],
             author: str | None, pipeline_tag: str | None, gated: bool | None,
             sort: str | None) -> list[tuple[tuple[float, str], Repo]]:
    """The models a query selects, in keyset order; cached so that following pages cost a bisect."""

    def matches(repo: Repo) -> bool:
        record = repo.record
        return (
            wanted.issubset(record["tags"])
            and all(s in repo.repo_id.lower() for s in searches)
            and (author is None or record["author"] == author)
            and (pipeline_tag is None or record.get("pipeline_tag") == pipeline_tag)
            and (gated is None or bool(record.get("gated")) == gated)
        )

    return sorted(((_sort_key(r, sort), r) for r in data.listed_models(as_of) if matches(r)), key=lambda kr: kr[0])


def _limit(value: str | None, page_size: int) -> int:
    if value is None:
        return page_size
    if not value.isdigit() or int(value) < 1:
        raise HubError(400, f'"limit" must be a positive integer, got {value!r}')
    return min(int(value), MAX_PAGE)


def _sort_key(repo: Repo, sort: str | None) -> tuple[float, str]:
    """Descending by the sort field, ties by ``_id`` ascending (the Hub's keyset order)."""
    stats = repo.stats
    value: float = 0
    if sort in ("lastModified", "createdAt"):
        stamp = repo.last_modified if sort == "lastModified" else repo.record.get("createdAt")
        value = parse_hub_datetime(stamp).timestamp() if stamp else 0
    elif sort is not None and stats is not None:
        value = {"downloads": stats.downloads, "likes": stats.likes, "trendingScore": stats.trending_score}[sort]
    return (-value, repo.record["_id"])


def _encode_cursor(kind: str, key: tuple[float | str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps([kind, *key]).encode()).decode()


def _decode_cursor(cursor: str, kind: str) -> tuple[float | str, str]:
    """An opaque keyset cursor; anything not made by this server for this query is a 400."""
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        decoded = None
    if isinstance(decoded, list) and len(decoded) == 3 and decoded[0] == kind and isinstance(decoded[2], str):
        first = decoded[1]
        expected = (str,) if kind == "tree" else (int, float)
        if isinstance(first, expected) and not isinstance(first, bool):
            return first, decoded[2]
    raise HubError(400, f"Invalid cursor: {cursor[:60]!r}")


def next_url(req: Request, cursor: str) -> str:
    """The absolute next-page URL: every original parameter, in order, plus the new cursor."""
    params = [(k, v) for k, v in req.query if k != "cursor"] + [("cursor", cursor)]
    return f"{req.base_url}{req.path}?{urlencode(params)}"


def _tree(data: ReplayData, as_of: date | None, page_size: int, repo_type: str, repo_id: str, revision: str,
          folder: str, req: Request) -> Response:
    snapshot = _snapshot(_find(data, as_of, repo_type, repo_id), revision)
    expand = req.flag("expand")
    entries = payloads.tree_entries(snapshot, folder, req.flag("recursive"), expand)
    if entries is None:
        raise HubError(404, f"Entry not found: {folder}", "EntryNotFound", snapshot.commit)
    cursor = req.value("cursor")
    start = 0 if cursor is None else bisect_right(entries, _decode_cursor(cursor, "tree")[0], key=lambda e: e["path"])
    limit = min(page_size, TREE_EXPANDED_PAGE if expand else MAX_PAGE)
    page = entries[start:start + limit]
    headers = {}
    if start + limit < len(entries):
        headers["Link"] = f'<{next_url(req, _encode_cursor("tree", (page[-1]["path"], "")))}>; rel="next"'
    return json_response(page, headers=headers)


def _resolve(data: ReplayData, as_of: date | None, repo_type: str, repo_id: str, revision: str,
             path_parts: list[str], req: Request) -> Response:
    repo = _find(data, as_of, repo_type, repo_id, files=True)
    snapshot = _snapshot(repo, unquote(revision))
    path = unquote("/".join(path_parts))
    blob = snapshot.files.get(path)
    if blob is None:
        raise HubError(404, "Entry not found", "EntryNotFound", snapshot.commit)
    headers = {
        "Content-Type": mimetypes.guess_type(path)[0] or "application/octet-stream",
        "ETag": f'"{blob.etag}"',
        "X-Repo-Commit": snapshot.commit,
        "Accept-Ranges": "bytes",
    }
    if blob.lfs:
        headers.update({"X-Linked-Etag": f'"{blob.sha256}"', "X-Linked-Size": str(blob.size)})
    start, end, status = 0, blob.size, 200
    requested = req.headers.get("Range")
    if requested:
        start, end = _byte_range(requested, blob.size)
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{blob.size}"
    if req.method == "HEAD":
        headers["Content-Length"] = str(end - start)
        return Response(status, headers)
    return Response(status, headers, blob.read(start, end))


def _byte_range(header: str, size: int) -> tuple[int, int]:
    """``[start, end)`` of a single ``bytes=a-b`` / ``bytes=a-`` / ``bytes=-n`` range, or a 416."""
    match = _RANGE.match(header.strip())
    if match and (match.group(1) or match.group(2)):
        first, last = match.group(1), match.group(2)
        if first:
            start, end = int(first), (min(int(last) + 1, size) if last else size)
        else:
            start, end = max(size - int(last), 0), size
        if start < end:
            return start, end
    raise HubError(416, f"Range not satisfiable: {header}", headers={"Content-Range": f"bytes */{size}"})
