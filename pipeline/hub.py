"""Query the Hub's model list: the configured searches, unioned and de-duplicated.

Uses huggingface_hub's own HTTP stack (session, headers, token handling) and follows the
``Link: rel="next"`` cursor exactly as ``HfApi.list_models`` does, but keeps each item as the raw JSON
object: ``HfApi.list_models`` builds a ``ModelInfo`` inside its generator, so one malformed item (a
missing ``id``, a date without ``Z``) would abort the whole listing. Here such an item becomes a counted
:class:`~pipeline.issues.DataIssue`.

Each request is retried under the project's one policy (:mod:`pipeline.retry`: 429/5xx, timeouts and
broken connections, ``Retry-After`` and ``RateLimit`` honoured, each retry logged once); on top of that a
whole query is restarted when a page cannot be read at all (a truncated body, a cursor the server
rejects, retries exhausted): pages are cursor-linked, so the only consistent restart point is the first
page. A Hub that does not answer at all (connection refused, unknown host) fails the step at once, and
all waiting together stays within ``hub.budget_seconds``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pipeline import retry
from pipeline.config import EXPAND_FIELDS, HubConfig, HubQuery
from pipeline.issues import DataIssue
from warehouse.redact import error_line

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


def iter_pages(endpoint: str, params: list[tuple[str, Any]], timeout: float, token: str | bool | None = None,
               policy: retry.RetryPolicy | None = None, sleep: Callable[[float], None] = time.sleep) -> Iterator[list[Any]]:
    """Yield each page of ``GET /api/models`` as parsed JSON, following the cursor links."""
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
        yield page
        next_url = response.links.get("next", {}).get("url")
        if not next_url:
            return
        response = get(next_url)


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
    budget: retry.Budget | None = None,
) -> tuple[list[Any], int, int]:
    """All raw items of one query, its page count and how many restarts it needed."""
    params = query_params(query, cfg.page_size)
    budget = budget or retry.Budget(cfg.budget_seconds)
    requests = retry.RetryPolicy(attempts=6, base_seconds=cfg.retry_base_seconds, budget=budget)
    restarts = retry.RetryPolicy(attempts=cfg.query_attempts, base_seconds=cfg.retry_base_seconds, budget=budget)
    state = {"restarts": 0, "pages": 0}

    def attempt(number: int) -> list[Any]:
        state["restarts"], state["pages"] = number - 1, 0
        items: list[Any] = []
        for page in iter_pages(endpoint, params, cfg.timeout_seconds, token, requests, sleep):
            items.extend(page)
            state["pages"] += 1
        return items

    try:
        items = retry.call(attempt, f"query {query.name}", restarts, endpoint, retry_on=_restartable, sleep=sleep)
    except (retry.HubUnreachable, retry.RetryBudgetSpent) as exc:
        raise HubFetchError(f"query {query.name!r}: {exc}") from None
    except Exception as exc:
        tries = f" after {cfg.query_attempts} attempts" if _restartable(exc) else ""
        raise HubFetchError(f"query {query.name!r} failed{tries}: {error_line(exc)}") from None
    return items, state["pages"], state["restarts"]


def fetch_models(cfg: HubConfig, endpoint: str | None = None, token: str | bool | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> HubFetch:
    """Run every configured query and union the results by model id (all queries share one retry budget)."""
    endpoint = (endpoint or default_endpoint()).rstrip("/")
    out = HubFetch()
    budget = retry.Budget(cfg.budget_seconds)
    for query in cfg.queries:
        items, pages, retries = run_query(endpoint, query, cfg, token, sleep, budget)
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

