"""Routing and handlers: what the Hub answers to the requests huggingface_hub, transformers and
sentence-transformers send (reference/hub-api.md §4-§5).

Pure functions from a :class:`Request` to a :class:`Response`, independent of the HTTP server, so the
fault injector can rewrite a response before it is sent.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import mimetypes
import re
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any
from urllib.parse import quote, unquote, urlencode

from pipeline.replay_hub import payloads
from pipeline.replay_hub.data import Blob, Repo, ReplayData, Snapshot, parse_hub_datetime

MAX_PAGE = 1000
TREE_EXPANDED_PAGE = 50
SORT_KEYS = ("downloads", "likes", "lastModified", "trendingScore", "createdAt")
DEFAULT_SORT = "trendingScore"
"""The order of ``GET /api/models`` without ``sort`` (the Hub's "Trending"; docs/replay-hub.md)."""
ASCENDING_SORTS = frozenset({"createdAt"})
"""Sort keys for which the Hub honours ``direction`` other than -1; for the others it is always descending."""
EDGE_STATUSES = frozenset({502, 503, 504})
"""Errors the CDN in front of the Hub answers itself, with an HTML page instead of the Hub's JSON."""
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_HUB_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


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

    @property
    def authenticated(self) -> bool:
        """The caller sent a token. The replay Hub checks none: a token is a user without special access."""
        return bool(self.headers.get("Authorization"))

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


def text_response(text: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(status, {"Content-Type": "text/plain; charset=utf-8", **(headers or {})}, text.encode())


@dataclass(frozen=True)
class Storage:
    """How files are served: where LFS files are redirected and whether the Hub announces Xet for them."""

    cdn_url: str | None = None
    """Origin of the "CDN" LFS files are redirected to (302); ``None``: answered on ``/resolve/`` (200)."""
    xet: bool = False
    """LFS files carry the Xet signals (``X-Xet-Hash`` + ``rel="xet-auth"`` link, ``xetHash`` in the tree)."""


def handle(data: ReplayData, as_of: date | None, page_size: int, request: Request,
           storage: Storage = Storage()) -> Response:
    """Answer one request as the Hub would on ``as_of``."""
    try:
        return _route(data, as_of, page_size, request, storage)
    except HubError as exc:
        return exc.response()


def _route(data: ReplayData, as_of: date | None, page_size: int, req: Request, storage: Storage) -> Response:
    parts = req.path.strip("/").split("/")
    if req.method not in ("GET", "HEAD"):
        raise HubError(405, f"Method {req.method} is not supported by the replay Hub")
    if parts[:2] == ["api", "agent-harnesses"]:
        return json_response({"standardEnvVars": [], "harnesses": {}})
    if parts[:2] == ["api", "telemetry"]:
        return json_response({})
    if parts == ["api", "models"]:
        return _list_models(data, as_of, page_size, req, storage)
    located = _locate(data, as_of, parts)
    if located is None:
        raise HubError(404, "Sorry, we can't find the page you are looking for.")
    repo_type, start, end = located
    repo_id = "/".join(parts[start:end])
    new_id = data.renamed(repo_type, repo_id) if data.repo(repo_type, repo_id, as_of) is None else None
    if new_id is not None:
        location = "/" + "/".join([*parts[:start], new_id, *parts[end:]])
        if req.query:
            location += "?" + urlencode(req.query)
        return text_response(f"Temporary Redirect. Redirecting to {location}", 307, {"Location": location})
    rest = parts[end:]
    if parts[0] != "api":
        return _resolve(data, as_of, repo_type, repo_id, rest[1], rest[2:], req, storage)
    if len(rest) >= 2 and rest[0] == "xet-read-token":
        raise HubError(404, "The replay Hub does not serve Xet storage: set HF_HUB_DISABLE_XET=1 (Embedding "
                            "Radar's own downloads always do; see docs/replay-hub.md)")
    if not rest:
        return _repo_info(data, as_of, repo_type, repo_id, "main", req, storage)
    if rest[0] == "revision" and len(rest) == 2:
        return _repo_info(data, as_of, repo_type, repo_id, unquote(rest[1]), req, storage)
    if rest[0] == "tree" and len(rest) >= 2:
        folder = unquote("/".join(rest[2:])).strip("/")
        return _tree(data, as_of, page_size, repo_type, repo_id, unquote(rest[1]), folder, req, storage)
    raise HubError(404, "Sorry, we can't find the page you are looking for.")


def _locate(data: ReplayData, as_of: date | None, parts: list[str]) -> tuple[str, int, int] | None:
    """Where the repo id sits in a repo-scoped path: (repo type, first part, end), or ``None``.

    ``/api/{models,datasets}/{id}[/...]``, ``/{id}/resolve/...`` and ``/datasets/{id}/resolve/...``; an id
    is ``namespace/name``, or a single legacy name (``bert-base-uncased``) that the rename table knows.
    """
    if len(parts) >= 3 and parts[0] == "api" and parts[1] in ("models", "datasets"):
        repo_type, start = parts[1][:-1], 2
    elif parts[0] == "datasets" and len(parts) >= 2:
        repo_type, start = "dataset", 1
    elif parts[0] != "api":
        repo_type, start = "model", 0
    else:
        return None
    pair = "/".join(parts[start:start + 2])
    legacy = len(parts) == start + 1 or (
        data.renamed(repo_type, parts[start]) is not None
        and data.repo(repo_type, pair, as_of) is None and data.renamed(repo_type, pair) is None
    )
    end = start + (1 if legacy else 2)
    if parts[0] == "api":
        return repo_type, start, end
    if len(parts) >= end + 3 and parts[end] == "resolve":
        return repo_type, start, end
    return None


def _find(data: ReplayData, as_of: date | None, repo_type: str, repo_id: str, req: Request,
          files: bool = False) -> Repo:
    """The repo, or the error the Hub answers: a missing or private repo is a 401 for an anonymous caller
    (the Hub does not say whether it exists) and a 404 with a token; a gated repo's files likewise 401/403."""
    repo = data.repo(repo_type, repo_id, as_of)
    if repo is None or repo.record.get("private"):
        if req.authenticated:
            raise HubError(404, "Repository not found", "RepoNotFound")
        raise HubError(401, "Invalid username or password.", "RepoNotFound")
    if repo.record.get("disabled"):
        raise HubError(403, "Access to this resource is disabled.")
    if files and repo.record.get("gated"):
        if req.authenticated:
            raise HubError(403, f"Access to {repo_type} {repo_id} is restricted and you are not in the authorized "
                                f"list. Visit https://huggingface.co/{repo_id} to ask for access.", "GatedRepo")
        raise HubError(401, f"Access to {repo_type} {repo_id} is restricted. You must have access to it and be "
                            "authenticated to access it. Please log in.", "GatedRepo")
    return repo


def _snapshot(repo: Repo, revision: str) -> Snapshot:
    snapshot = repo.revision(revision)
    if snapshot is None:
        raise HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")
    return snapshot


def _expand(req: Request, allowed: frozenset[str]) -> list[str]:
    """The requested properties: ``expand`` repeated (what huggingface_hub and huggingface.js send), comma
    lists, and ``expand[]`` (query-string array syntax). An empty or unknown value is a 400, worded like the
    Hub's validation errors (``"expand[0]" must be one of [...]``)."""
    values = [v for key in ("expand", "expand[]") for value in req.values(key) for v in value.split(",")]
    for index, value in enumerate(values):
        if not value:
            raise HubError(400, f'"expand[{index}]" is not allowed to be empty')
        if value not in allowed:
            raise HubError(400, f'"expand[{index}]" must be one of [{", ".join(sorted(allowed))}]')
    return values


def _repo_info(data: ReplayData, as_of: date | None, repo_type: str, repo_id: str, revision: str,
               req: Request, storage: Storage) -> Response:
    repo = _find(data, as_of, repo_type, repo_id, req)
    repo = repo.at(_snapshot(repo, revision))
    expand = _expand(req, payloads.EXPAND_MODEL if repo_type == "model" else payloads.EXPAND_DATASET)
    if expand:
        return json_response(payloads.repo_payload(repo, ["_id", "id", *expand], xet=storage.xet))
    keys = payloads.MODEL_INFO if repo_type == "model" else payloads.DATASET_INFO
    payload = payloads.repo_payload(repo, keys, blobs=req.flag("blobs"))
    if req.flag("securityStatus"):
        payload["securityRepoStatus"] = {"scansDone": True, "filesWithIssues": []}
    return json_response(payload)


def _list_models(data: ReplayData, as_of: date | None, page_size: int, req: Request, storage: Storage) -> Response:
    expand = _expand(req, payloads.EXPAND_MODEL)
    full, card, config = req.flag("full"), req.flag("cardData"), req.flag("config")
    limit = _limit(req.value("limit"), page_size)
    sort = req.value("sort") or DEFAULT_SORT
    if sort not in SORT_KEYS:
        raise HubError(400, f"Invalid sort parameter: {sort}")
    direction = req.value("direction")
    ascending = sort in ASCENDING_SORTS and direction is not None and direction.strip() != "-1"
    order = f"{sort}:{'asc' if ascending else 'desc'}"
    wanted = frozenset(t for value in req.values("filter") for t in value.split(",") if t)
    searches = tuple(s.lower() for s in req.values("search") if s)
    gated = req.value("gated")
    ordered = _ordered(data, data.version, as_of, wanted, searches, req.value("author"), req.value("pipeline_tag"),
                       None if gated is None else req.flag("gated"), order)
    cursor = req.value("cursor")
    start = 0 if cursor is None else bisect_right(ordered, _decode_cursor(cursor, order), key=lambda kr: kr[0])
    page = ordered[start:start + limit]
    if expand:
        keys: tuple[str, ...] = ("_id", "id", *expand)
    else:
        keys = payloads.LIST_FULL if full else payloads.LIST_DEFAULT
        keys += (("cardData",) if card else ()) + (("config",) if config else ())
    headers = {}
    if start + limit < len(ordered):
        headers["Link"] = f'<{next_url(req, _encode_cursor(order, page[-1][0]))}>; rel="next"'
    return json_response([payloads.repo_payload(r, keys, xet=storage.xet) for _, r in page], headers=headers)


SortKey = tuple[int, float, str]
_QUERY_TOKENS: dict[tuple[Any, ...], int] = {}
"""A small key per distinct listing filter, for the per-repo memo (a tuple would be rehashed each time)."""


@lru_cache(maxsize=32)
def _ordered(data: ReplayData, version: int, as_of: date | None, wanted: frozenset[str], searches: tuple[str, ...],
             author: str | None, pipeline_tag: str | None, gated: bool | None,
             order: str) -> list[tuple[SortKey, Repo]]:
    """The models a query selects, in keyset order; cached so that following pages cost a bisect (and, per
    repo view, the match and the sort key, so that a moving Hub re-sorts cheaply)."""
    query = _QUERY_TOKENS.setdefault((wanted, searches, author, pipeline_tag, gated), len(_QUERY_TOKENS))
    sort, _, direction = order.partition(":")

    def matches(repo: Repo) -> bool:
        hit = repo.memo.get(query)
        if hit is None:
            record = repo.record
            hit = repo.memo[query] = (
                wanted.issubset(record["tags"])
                and all(s in repo.repo_id.lower() for s in searches)
                and (author is None or record["author"] == author)
                and (pipeline_tag is None or record.get("pipeline_tag") == pipeline_tag)
                and (gated is None or bool(record.get("gated")) == gated)
            )
        return hit

    def key(repo: Repo) -> SortKey:
        hit = repo.memo.get(order)
        if hit is None:
            hit = repo.memo[order] = _sort_key(repo, sort, direction == "asc")
        return hit

    return sorted(((key(r), r) for r in data.listed_models(as_of) if matches(r)), key=lambda kr: kr[0])


def _limit(value: str | None, page_size: int) -> int:
    """The page size: ``limit`` capped at 1000 (the rest follows through the next link), else the default."""
    if value is None:
        return page_size
    if not value.isdigit() or int(value) < 1:
        raise HubError(400, f'"limit" must be a positive integer, got {value!r}')
    return min(int(value), MAX_PAGE)


def _sort_key(repo: Repo, sort: str, ascending: bool) -> SortKey:
    """The keyset position: the sort value (descending unless ``ascending``), ties by ``_id`` ascending, and
    a model without a usable value after the others (before them when ascending), as MongoDB orders nulls."""
    value = _sort_value(repo, sort)
    if value is None:
        return (0 if ascending else 1, 0.0, repo.record["_id"])
    return (1, value, repo.record["_id"]) if ascending else (0, -value, repo.record["_id"])


def _sort_value(repo: Repo, sort: str) -> float | None:
    if sort in ("lastModified", "createdAt"):
        stamp = repo.last_modified if sort == "lastModified" else repo.record.get("createdAt")
        return _timestamp(stamp) if isinstance(stamp, str) else None
    stats = repo.stats
    value = None if stats is None else {"downloads": stats.downloads, "likes": stats.likes,
                                        "trendingScore": stats.trending_score}[sort]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


@lru_cache(maxsize=1 << 17)
def _timestamp(stamp: str) -> float | None:
    """Seconds of a Hub timestamp; ``None`` for anything else (only hostile replay data has such values)."""
    if not _HUB_TIMESTAMP.match(stamp):
        return None
    try:
        return parse_hub_datetime(stamp).timestamp()
    except ValueError:
        return None


def _encode_cursor(kind: str, key: tuple[Any, ...]) -> str:
    return base64.urlsafe_b64encode(json.dumps([kind, *key]).encode()).decode()


def _decode_cursor(cursor: str, kind: str) -> tuple[Any, ...]:
    """An opaque keyset cursor; anything not made by this server for this query is a 400."""
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        decoded = None
    if isinstance(decoded, list) and decoded and decoded[0] == kind:
        key = tuple(decoded[1:])
        if kind == "tree" and len(key) == 1 and isinstance(key[0], str):
            return key
        if (kind != "tree" and len(key) == 3 and key[0] in (0, 1) and isinstance(key[1], (int, float))
                and not isinstance(key[1], bool) and isinstance(key[2], str)):
            return key
    raise HubError(400, f"Invalid cursor: {cursor[:60]!r}")


def next_url(req: Request, cursor: str) -> str:
    """The absolute next-page URL: every original parameter, in order, plus the new cursor."""
    params = [(k, v) for k, v in req.query if k != "cursor"] + [("cursor", cursor)]
    return f"{req.base_url}{req.path}?{urlencode(params)}"


def _tree(data: ReplayData, as_of: date | None, page_size: int, repo_type: str, repo_id: str, revision: str,
          folder: str, req: Request, storage: Storage) -> Response:
    snapshot = _snapshot(_find(data, as_of, repo_type, repo_id, req), revision)
    expand = req.flag("expand")
    entries = payloads.tree_entries(snapshot, folder, req.flag("recursive"), expand, storage.xet)
    if entries is None:
        raise HubError(404, f"Entry not found: {folder}", "EntryNotFound", snapshot.commit)
    cursor = req.value("cursor")
    start = 0 if cursor is None else bisect_right(entries, _decode_cursor(cursor, "tree")[0], key=lambda e: e["path"])
    limit = min(page_size, TREE_EXPANDED_PAGE if expand else MAX_PAGE)
    page = entries[start:start + limit]
    headers = {}
    if start + limit < len(entries):
        headers["Link"] = f'<{next_url(req, _encode_cursor("tree", (page[-1]["path"],)))}>; rel="next"'
    return json_response(page, headers=headers)


def _resolve(data: ReplayData, as_of: date | None, repo_type: str, repo_id: str, revision: str,
             path_parts: list[str], req: Request, storage: Storage) -> Response:
    """A file: 200 for a regular file; for an LFS file a 302 to the CDN carrying the metadata the client
    reads (``X-Repo-Commit``, ``X-Linked-Etag``, ``X-Linked-Size``, and the Xet signals when announced)."""
    repo = _find(data, as_of, repo_type, repo_id, req, files=True)
    snapshot = _snapshot(repo, unquote(revision))
    path = unquote("/".join(path_parts))
    blob = snapshot.files.get(path)
    if blob is None:
        raise HubError(404, "Entry not found", "EntryNotFound", snapshot.commit)
    headers = {"X-Repo-Commit": snapshot.commit}
    if blob.lfs:
        headers.update({"X-Linked-Etag": f'"{blob.sha256}"', "X-Linked-Size": str(blob.size)})
    if blob.lfs and storage.cdn_url:
        if storage.xet:
            api_type = "models" if repo_type == "model" else "datasets"
            route = f"{req.base_url}/api/{api_type}/{repo_id}/xet-read-token/{snapshot.commit}"
            headers.update({"X-Xet-Hash": payloads.xet_hash(blob), "Link": f'<{route}>; rel="xet-auth"'})
        location = cdn_location(storage.cdn_url, repo.record["_id"], blob)
        return text_response(f"Found. Redirecting to {location}", 302, {**headers, "Location": location})
    headers.update({"Content-Type": mimetypes.guess_type(path)[0] or "application/octet-stream",
                    "ETag": f'"{blob.etag}"'})
    return _content(blob, req, headers)


def cdn_location(cdn_url: str, repo_object_id: str, blob: Blob) -> str:
    """A CDN address for an LFS file, shaped like the Hub's signed ones (content-addressed, file name and
    expiry in the query); the replay CDN serves by content hash and checks no signature."""
    name = blob.path.rsplit("/", 1)[-1]
    disposition = f"inline; filename*=UTF-8''{quote(name)}; filename=\"{name}\";"
    query = urlencode([("response-content-disposition", disposition), ("Expires", "4102444800")])
    return f"{cdn_url}/repos/{repo_object_id}/{blob.sha256}?{query}"


def cdn(data: ReplayData, req: Request) -> Response:
    """What the CDN answers: the LFS file whose sha256 ends the path, with ``Range`` support."""
    parts = req.path.strip("/").split("/")
    blob = data.lfs_blob(parts[-1]) if len(parts) == 3 and parts[0] == "repos" else None
    if req.method not in ("GET", "HEAD") or blob is None:
        return Response(403, {"Content-Type": "application/xml"},
                        b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
                        b"<Message>Access Denied</Message></Error>")
    headers = {"Content-Type": "application/octet-stream", "ETag": f'"{blob.sha256}"'}
    disposition = req.value("response-content-disposition")
    if disposition:
        headers["Content-Disposition"] = disposition
    try:
        return _content(blob, req, headers)
    except HubError as exc:
        return exc.response()


def _content(blob: Blob, req: Request, headers: dict[str, str]) -> Response:
    """A file's bytes (all, or the ``Range`` asked for: 206), no body for a HEAD."""
    headers = {**headers, "Accept-Ranges": "bytes"}
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
