"""Query the Hub's model list: the configured searches, unioned and de-duplicated.

Uses huggingface_hub's own HTTP stack (session, headers, token handling, ``http_backoff`` that honours
``Retry-After`` and ``RateLimit`` on 429/5xx) and follows the ``Link: rel="next"`` cursor exactly as
``HfApi.list_models`` does, but keeps each item as the raw JSON object: ``HfApi.list_models`` builds a
``ModelInfo`` inside its generator, so one malformed item (a missing ``id``, a date without ``Z``) would
abort the whole listing. Here such an item becomes a counted :class:`~pipeline.issues.DataIssue`.

Every answer's :data:`~pipeline.provenance.REPLAY_HEADER` is kept: it is how the replay Hub says that it
is the replay Hub (:func:`pipeline.provenance.describe_source`). On top of the client's per-request retries, a whole query is retried with exponential backoff when a
page cannot be read at all (a truncated body, a cursor the server rejects, retries exhausted): pages are
cursor-linked, so the only consistent restart point is the first page.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pipeline import progress
from pipeline.config import EXPAND_FIELDS, HubConfig, HubQuery
from pipeline.issues import DataIssue
from pipeline.provenance import REPLAY_HEADER
from warehouse.redact import redact

log = logging.getLogger(__name__)

DEFAULT_ENDPOINT = "https://huggingface.co"


def default_endpoint() -> str:
    """``$HF_ENDPOINT`` (a mirror or the replay Hub) or huggingface.co."""
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


class HubFetchError(RuntimeError):
    """A query kept failing after every retry; the message names the query and the last error."""


@dataclass
class HubFetch:
    """The union of all queries: raw items by model id, and which queries found each model."""

    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    found_by: dict[str, list[str]] = field(default_factory=dict)
    issues: list[DataIssue] = field(default_factory=list)
    pages: int = 0
    query_retries: int = 0
    per_query: dict[str, int] = field(default_factory=dict)
    announcements: set[str] = field(default_factory=set)
    """The :data:`~pipeline.provenance.REPLAY_HEADER` values the answers carried (none from the Hub or a mirror)."""


def query_params(query: HubQuery, page_size: int, expand: tuple[str, ...] = EXPAND_FIELDS) -> list[tuple[str, Any]]:
    """The query string ``HfApi.list_models`` would send: repeated ``filter`` and ``expand`` keys."""
    params: list[tuple[str, Any]] = [("filter", f) for f in query.filter]
    for key in ("search", "pipeline_tag", "author"):
        value = getattr(query, key)
        if value:
            params.append((key, value))
    params.append(("sort", query.sort))
    params.append(("limit", page_size))
    params.extend(("expand", e) for e in expand)
    return params


def iter_pages(endpoint: str, params: list[tuple[str, Any]], timeout: float,
               token: str | bool | None = None) -> Iterator[tuple[list[Any], str | None]]:
    """Yield each page of ``GET /api/models`` as parsed JSON with the source's announcement header (``None``
    from the Hub or a mirror), following the cursor links."""
    from huggingface_hub.utils import build_hf_headers, hf_raise_for_status, http_backoff

    headers = build_hf_headers(token=token)
    response = http_backoff("GET", f"{endpoint}/api/models", params=params, headers=headers, timeout=timeout)
    while True:
        hf_raise_for_status(response)
        page = response.json()
        if not isinstance(page, list):
            raise ValueError(f"expected a JSON list of models, got {type(page).__name__}")
        yield page, response.headers.get(REPLAY_HEADER)
        next_url = response.links.get("next", {}).get("url")
        if not next_url:
            return
        response = http_backoff("GET", next_url, headers=headers, timeout=timeout)


def _retryable(exc: Exception) -> bool:
    from huggingface_hub.errors import HfHubHTTPError

    if isinstance(exc, HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else None
        # 400 is what a server answers to a cursor it cannot decode: restarting the query helps.
        return status is None or status in (400, 408, 429) or status >= 500
    return isinstance(exc, (ValueError, OSError, json.JSONDecodeError)) or type(exc).__module__.startswith(("httpx", "httpcore"))


def run_query(
    endpoint: str,
    query: HubQuery,
    cfg: HubConfig,
    token: str | bool | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[list[Any], int, int, set[str]]:
    """All raw items of one query, its page count, how many restarts it needed and the announcements its
    answers carried."""
    params = query_params(query, cfg.page_size)
    last: Exception | None = None
    for attempt in range(cfg.query_attempts):
        if attempt:
            wait = cfg.retry_base_seconds * 2 ** (attempt - 1)
            log.warning("query %s failed (%s); restarting in %.1f s", query.name, _one_line(last), wait)
            sleep(wait)
        items: list[Any] = []
        announced: set[str] = set()
        pages = 0
        try:
            for page, said in iter_pages(endpoint, params, cfg.timeout_seconds, token):
                items.extend(page)
                pages += 1
                if said is not None:
                    announced.add(said)
            return items, pages, attempt, announced
        except Exception as exc:
            if not _retryable(exc):
                raise HubFetchError(f"query {query.name!r} failed: {_one_line(exc)}") from None
            last = exc
    raise HubFetchError(
        f"query {query.name!r} failed after {cfg.query_attempts} attempts: {_one_line(last)}"
    ) from None


def fetch_models(cfg: HubConfig, endpoint: str | None = None, token: str | bool | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> HubFetch:
    """Run every configured query and union the results by model id."""
    endpoint = (endpoint or default_endpoint()).rstrip("/")
    out = HubFetch()
    for query in progress.track(cfg.queries, "Hub queries", detail=lambda q: q.name):
        items, pages, retries, announced = run_query(endpoint, query, cfg, token, sleep)
        out.announcements |= announced
        out.pages += pages
        out.query_retries += retries
        out.per_query[query.name] = len(items)
        for item in items:
            model_id = item.get("id") if isinstance(item, dict) else None
            if not isinstance(model_id, str) or not model_id:
                out.issues.append(DataIssue.of("hub", model_id, "id", "item without a string id", "rejected", item))
                continue
            if model_id not in out.items:
                out.items[model_id] = item
                out.found_by[model_id] = []
            if query.name not in out.found_by[model_id]:
                out.found_by[model_id].append(query.name)
    return out


def _one_line(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    text = " ".join(str(exc).split()) or type(exc).__name__
    return redact(f"{type(exc).__name__}: {text}")[:300]
