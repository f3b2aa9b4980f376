"""Query the Hub's model list: the configured searches, unioned and de-duplicated.

Uses huggingface_hub's own HTTP stack (session, headers, token handling) and follows the
``Link: rel="next"`` cursor exactly as ``HfApi.list_models`` does, but keeps each item as the raw JSON
object: ``HfApi.list_models`` builds a ``ModelInfo`` inside its generator, so one malformed item (a
missing ``id``, a date without ``Z``) would abort the whole listing. Here such an item becomes a counted
:class:`~pipeline.issues.DataIssue`.

Every answer's :data:`~pipeline.provenance.REPLAY_HEADER` is kept: it is how the replay Hub says that it
is the replay Hub (:func:`pipeline.provenance.describe_source`).

Each request is retried under the project's one policy (:mod:`pipeline.retry`: 429/5xx, timeouts and
broken connections, ``Retry-After`` and ``RateLimit`` honoured, each retry logged once); on top of that a
whole query is restarted when a page cannot be read at all (a truncated body, a cursor the server
rejects, retries exhausted): pages are cursor-linked, so the only consistent restart point is the first
page. A Hub that does not answer at all (connection refused, unknown host) fails the step at once, and
all waiting together stays within ``hub.budget_seconds``.

The Hub moves while a listing is read (counters change, models are created), and its cursor is a keyset
(the last item's sort value and ``_id``): sorted by a counter, a model whose count jumps over the cursor is
skipped and one that falls behind it is served twice. Every query is therefore read by creation date,
newest first, the one sort key that never changes, with the counters taken from the same pages; models
created meanwhile land before the cursor, so a catch-up pass re-reads from the newest until it meets
models already read (docs/replay-hub.md, "A moving Hub").
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pipeline import progress, retry
from pipeline.config import EXPAND_FIELDS, HubConfig, HubQuery
from pipeline.issues import DataIssue
from pipeline.provenance import REPLAY_HEADER
from warehouse.redact import error_line

DEFAULT_ENDPOINT = "https://huggingface.co"
ENUMERATION_SORT = "createdAt"
CATCH_UP_PASSES = 5
CATCH_UP_PAGE = 100
"""Page size of catch-up passes: they usually need the few newest models only."""
_HUB_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


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
    caught_up: int = 0
    """Models the catch-up passes found that the walk had not served (created while it was read)."""
    repeated: int = 0
    """Items a query served more than once (0 on a Hub whose creation-date order holds)."""
    complete_as_of: str | None = None
    """The newest creation time read before the final round: every matching model created up to then is in."""
    announcements: set[str] = field(default_factory=set)
    """The :data:`~pipeline.provenance.REPLAY_HEADER` values the answers carried (none from the Hub or a mirror)."""


@dataclass
class Listing:
    """One query read to its end: the raw items (each model once), the pages read, the catch-up outcome."""

    items: list[Any]
    pages: int
    caught_up: int = 0
    settled: bool = True
    """The last catch-up pass fitted in one page: the listing is complete as of that page."""
    repeated: int = 0
    announced: set[str] = field(default_factory=set)
    """The announcement headers its answers carried."""


def query_params(query: HubQuery, page_size: int, expand: tuple[str, ...] = EXPAND_FIELDS) -> list[tuple[str, Any]]:
    """The query string ``HfApi.list_models`` would send (repeated ``filter`` and ``expand`` keys), sorted
    by creation date."""
    params: list[tuple[str, Any]] = [("filter", f) for f in query.filter]
    for key in ("search", "pipeline_tag", "author"):
        value = getattr(query, key)
        if value:
            params.append((key, value))
    params.append(("sort", ENUMERATION_SORT))
    params.append(("limit", page_size))
    params.extend(("expand", e) for e in expand)
    return params


def iter_pages(endpoint: str, params: list[tuple[str, Any]], timeout: float, token: str | bool | None = None,
               policy: retry.RetryPolicy | None = None,
               sleep: Callable[[float], None] = time.sleep) -> Iterator[tuple[list[Any], str | None]]:
    """Yield each page of ``GET /api/models`` as parsed JSON with the source's announcement header (``None``
    from the Hub or a mirror), following the cursor links."""
    from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status

    headers = build_hf_headers(token=token)
    policy = policy or retry.RetryPolicy()

    def get(url: str, query: list[tuple[str, Any]] | None = None) -> Any:
        def once(_: int) -> Any:
            answer = get_session().get(url, params=query, headers=headers, timeout=timeout)
            hf_raise_for_status(answer)
            return answer
        return retry.call(once, "GET /api/models", policy, endpoint, sleep=sleep)

    response = get(f"{endpoint}/api/models", params)
    while True:
        page = response.json()
        if not isinstance(page, list):
            raise ValueError(f"expected a JSON list of models, got {type(page).__name__}")
        yield page, response.headers.get(REPLAY_HEADER)
        next_url = response.links.get("next", {}).get("url")
        if not next_url:
            return
        response = get(next_url)


def read_listing(endpoint: str, params: list[tuple[str, Any]], timeout: float, token: str | bool | None = None,
                 seen: set[str] | None = None, policy: retry.RetryPolicy | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> Listing:
    """Every page of one query, newest first, then the models created while they were read.

    A walk of one page is complete as of that page. After a longer walk, a catch-up pass reads from the
    newest again (pages of ``CATCH_UP_PAGE``) until a page holds a model already read (everything after
    it is older, so read by the walk); passes repeat until one fits in a single page, which makes the
    listing complete as of that page. ``settled`` is false when ``CATCH_UP_PASSES`` were not enough (models kept being created faster).
    Given the ids a query ``seen`` before, only the catch-up runs (:func:`fetch_models`' final round).
    """
    announced: set[str] = set()
    if seen is None:
        items: list[Any] = []
        pages = 0
        for page, said in iter_pages(endpoint, params, timeout, token, policy, sleep):
            items.extend(page)
            pages += 1
            if said is not None:
                announced.add(said)
        seen = set()
        unique: list[Any] = []
        for item in items:
            model_id = _item_id(item)
            if model_id in seen:
                continue
            if model_id is not None:
                seen.add(model_id)
            unique.append(item)
        listing = Listing(unique, pages, repeated=len(items) - len(unique), announced=announced)
        if pages == 1:
            return listing
    else:
        seen, listing = set(seen), Listing([], 0, announced=announced)
    newest_first = [(k, min(int(v), CATCH_UP_PAGE) if k == "limit" else v) for k, v in params]
    for _ in range(CATCH_UP_PASSES):
        read = 0
        for page, said in iter_pages(endpoint, newest_first, timeout, token, policy, sleep):
            read += 1
            if said is not None:
                listing.announced.add(said)
            fresh = [item for item in page if _item_id(item) not in seen]
            listing.items.extend(fresh)
            listing.caught_up += len(fresh)
            seen.update(model_id for model_id in map(_item_id, fresh) if model_id is not None)
            if len(fresh) < len(page):
                break
        listing.pages += read
        if read <= 1:
            return listing
    listing.settled = False
    return listing


def _item_id(item: Any) -> str | None:
    model_id = item.get("id") if isinstance(item, dict) else None
    return model_id if isinstance(model_id, str) and model_id else None


def _restartable(exc: BaseException) -> bool:
    """Worth restarting the query from its first page: a transport fault the per-request retries did not
    cure, a page that is not the JSON list it should be, or a cursor the server rejects (it answers 400)."""
    if retry.kind_of(exc) == retry.TRANSPORT or isinstance(exc, ValueError) and not hasattr(exc, "response"):
        return True
    return getattr(getattr(exc, "response", None), "status_code", None) == 400


def run_query(
    endpoint: str,
    query: HubQuery,
    cfg: HubConfig,
    token: str | bool | None = None,
    sleep: Callable[[float], None] = time.sleep,
    seen: set[str] | None = None,
    budget: retry.Budget | None = None,
) -> tuple[Listing, int]:
    """One query read to its end (:func:`read_listing`; only caught up past ``seen``) and how many restarts
    it needed; every retry wait counts against ``budget``."""
    params = query_params(query, cfg.page_size)
    budget = budget or retry.Budget(cfg.budget_seconds)
    requests = retry.RetryPolicy(attempts=6, base_seconds=cfg.retry_base_seconds, budget=budget)
    restarts = retry.RetryPolicy(attempts=cfg.query_attempts, base_seconds=cfg.retry_base_seconds, budget=budget)
    state = {"restarts": 0}

    def attempt(number: int) -> Listing:
        state["restarts"] = number - 1
        return read_listing(endpoint, params, cfg.timeout_seconds, token, seen, requests, sleep)

    try:
        listing = retry.call(attempt, f"query {query.name}", restarts, endpoint, retry_on=_restartable, sleep=sleep)
    except (retry.HubUnreachable, retry.RetryBudgetSpent) as exc:
        raise HubFetchError(f"query {query.name!r}: {exc}") from None
    except Exception as exc:
        tries = f" after {cfg.query_attempts} attempts" if _restartable(exc) else ""
        raise HubFetchError(f"query {query.name!r} failed{tries}: {error_line(exc)}") from None
    return listing, state["restarts"]


def fetch_models(cfg: HubConfig, endpoint: str | None = None, token: str | bool | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> HubFetch:
    """Run every configured query and union the results by model id (all queries share one retry budget).

    Each query is complete as of its own last page; a final round catches the earlier queries up, so the
    whole snapshot holds every matching model created up to ``complete_as_of`` (and those found after).
    """
    endpoint = (endpoint or default_endpoint()).rstrip("/")
    out = HubFetch()
    seen: dict[str, set[str]] = {}
    budget = retry.Budget(cfg.budget_seconds)
    for query in progress.track(cfg.queries, "Hub queries", detail=lambda q: q.name):
        listing, retries = run_query(endpoint, query, cfg, token, sleep, budget=budget)
        seen[query.name] = {i for i in map(_item_id, listing.items) if i is not None}
        _merge(out, query, listing, retries)
    out.complete_as_of = max((i.get("createdAt") for i in out.items.values()
                              if isinstance(i.get("createdAt"), str) and _HUB_TIMESTAMP.match(i["createdAt"])),
                             default=None)
    for query in cfg.queries[:-1]:
        _merge(out, query, *run_query(endpoint, query, cfg, token, sleep, seen[query.name], budget))
    return out


def _merge(out: HubFetch, query: HubQuery, listing: Listing, retries: int) -> None:
    """Add one query's listing (or its catch-up) to the union."""
    out.pages += listing.pages
    out.query_retries += retries
    out.per_query[query.name] = out.per_query.get(query.name, 0) + len(listing.items)
    out.caught_up += listing.caught_up
    out.repeated += listing.repeated
    out.announcements |= listing.announced
    if not listing.settled:
        out.issues.append(DataIssue.of(
            "hub", query.name, "listing",
            f"models were still being created after {CATCH_UP_PASSES} catch-up passes; the newest may be "
            "missing from this snapshot and will be in the next", "kept"))
    for item in listing.items:
        model_id = _item_id(item)
        if model_id is None:
            out.issues.append(DataIssue.of("hub", item.get("id") if isinstance(item, dict) else None, "id",
                                           "item without a string id", "rejected", item))
            continue
        if model_id not in out.items:
            out.items[model_id] = item
            out.found_by[model_id] = []
        if query.name not in out.found_by[model_id]:
            out.found_by[model_id].append(query.name)


