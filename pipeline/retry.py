"""One retry policy for every request to the Hub: what is retried, for how long, and what is not.

A failed request is one of four kinds (:func:`kind_of`):

* ``transport``: the answer did not arrive whole: a 408/429/5xx, a timeout, a connection dropped
  mid-answer, a body cut short. Retried with exponential backoff (a ``Retry-After`` or ``RateLimit``
  header is honoured), within the step's time budget.
* ``unreachable``: there is nobody to ask: connection refused, a name that does not resolve, no route.
  Not retried: minutes of retries against a Hub that is not there only delay the one clear line.
* ``record``: the request was answered, and the answer is about this one request: a path the client
  refuses (``../x``), a 404 for one file, a 400/401/403. Not retried; the caller decides whether that is a
  data issue (one results file) or the step's failure (the dataset itself).
* ``fatal``: anything else (a full disk, a bug). Not retried.

Each retry is logged once, on one line; a step that runs out of its budget
(``hub.budget_seconds``) ends with :class:`RetryBudgetSpent`.
"""

from __future__ import annotations

import errno
import json
import logging
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import urlsplit

from warehouse.redact import error_line

T = TypeVar("T")
log = logging.getLogger(__name__)

TRANSPORT, UNREACHABLE, RECORD, FATAL = "transport", "unreachable", "record", "fatal"
_UNREACHABLE_ERRNOS = {errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN}
_TRANSPORT_STATUS = (408, 429)
_HTTPX = ("httpx", "httpx2", "httpcore")


class HubUnreachable(ConnectionError):
    """Nobody answers at the Hub's address (refused, unknown name, no route); the message says where."""


class RetryBudgetSpent(TimeoutError):
    """A step spent its whole retry budget; the message names what kept failing and the setting."""


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(seen) < 10:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _names(exc: BaseException) -> set[str]:
    return {c.__name__ for c in type(exc).__mro__}


def _status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None)


def http_status(exc: BaseException) -> int | None:
    """The HTTP status behind ``exc`` (huggingface_hub often wraps the answer in another error), if any."""
    for link in _chain(exc):
        status = _status(link)
        if status is not None:
            return status
    return None


def _network_kind(exc: BaseException) -> str | None:
    """``unreachable`` / ``transport`` when ``exc`` itself says so, else None."""
    from_httpx = type(exc).__module__.split(".")[0] in _HTTPX
    names = _names(exc)
    if (from_httpx and "ConnectError" in names) or isinstance(exc, (ConnectionRefusedError, socket.gaierror)) \
            or "OfflineModeIsEnabled" in names:
        return UNREACHABLE
    if isinstance(exc, OSError) and exc.errno in _UNREACHABLE_ERRNOS:
        return UNREACHABLE
    if "HfHubHTTPError" in names:
        status = _status(exc)
        return TRANSPORT if status is None or status in _TRANSPORT_STATUS or status >= 500 else None
    if from_httpx and names & {"TimeoutException", "NetworkError", "ProtocolError", "DecodingError"}:
        return TRANSPORT
    if isinstance(exc, (TimeoutError, ConnectionResetError, ConnectionAbortedError, BrokenPipeError,
                        json.JSONDecodeError)):
        return TRANSPORT   # a JSON answer that does not parse was cut short
    if isinstance(exc, OSError) and "Consistency check failed" in str(exc):
        return TRANSPORT   # huggingface_hub's size check on a download that ended early
    return None


def kind_of(exc: BaseException) -> str:
    """``transport``, ``unreachable``, ``record`` or ``fatal`` (see the module docstring).

    The cause chain is searched first: huggingface_hub wraps a refused connection in "entry not found
    locally", which would otherwise read as a missing file.
    """
    for link in _chain(exc):
        kind = _network_kind(link)
        if kind:
            return kind
    names = _names(exc)
    if "HfHubHTTPError" in names or "EntryNotFoundError" in names or isinstance(exc, ValueError):
        return RECORD
    return FATAL


@dataclass
class Budget:
    """The time one step may spend waiting to retry, counted from its creation."""

    seconds: float
    clock: Callable[[], float] = time.monotonic
    started: float = field(default=0.0)

    def __post_init__(self) -> None:
        self.started = self.clock()

    def spent(self) -> float:
        return self.clock() - self.started

    def left(self) -> float:
        return self.seconds - self.spent()


@dataclass
class RetryPolicy:
    """How one kind of request is retried: ``attempts`` tries in all, waits doubling from ``base_seconds``
    up to ``max_wait_seconds``, never past the step's ``budget``."""

    attempts: int = 5
    base_seconds: float = 1.0
    max_wait_seconds: float = 8.0
    budget: Budget = field(default_factory=lambda: Budget(300.0))
    setting: str = "hub.budget_seconds"
    """The configuration key of the budget, named when it runs out."""


def retry_after(exc: BaseException) -> float | None:
    """Seconds the server asked us to wait (``RateLimit`` reset when exhausted, else ``Retry-After``)."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    from huggingface_hub.utils import parse_ratelimit_headers

    info = parse_ratelimit_headers(headers)
    if info is not None and info.remaining == 0:
        return float(info.reset_in_seconds)
    value = headers.get("Retry-After")
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None


def where(url: str) -> str:
    """``scheme://host[:port]`` of a URL, for messages (never its path, query or credentials)."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}"


def unreachable(exc: BaseException, endpoint: str) -> HubUnreachable:
    return HubUnreachable(f"cannot reach the Hub at {where(endpoint)} ({error_line(exc, 200)}); "
                          "check HF_ENDPOINT and the network")


def call(request: Callable[[int], T], what: str, policy: RetryPolicy, endpoint: str,
         retry_on: Callable[[BaseException], bool] | None = None,
         sleep: Callable[[float], None] = time.sleep) -> T:
    """``request(attempt)`` (1-based), retried on transport faults (or where ``retry_on`` says) under ``policy``.

    Raises :class:`HubUnreachable` at once when nobody answers, :class:`RetryBudgetSpent` when the next
    wait would overrun the budget, and the last error itself after the last attempt or when it is not
    worth retrying.
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            return request(attempt)
        except (HubUnreachable, RetryBudgetSpent):
            raise   # an inner call already decided: retrying the outer one cannot help
        except Exception as exc:
            kind = kind_of(exc)
            if kind == UNREACHABLE:
                raise unreachable(exc, endpoint) from None
            worth = retry_on(exc) if retry_on else kind == TRANSPORT
            if not worth or attempt >= policy.attempts:
                raise
            wait = min(policy.base_seconds * 2 ** (attempt - 1), policy.max_wait_seconds)
            wait = max(wait, retry_after(exc) or 0.0)
            if wait > policy.budget.left():
                raise RetryBudgetSpent(
                    f"{what}: gave up after {policy.budget.spent():.0f} s of retries ({policy.setting} = "
                    f"{policy.budget.seconds:g}); last error: {error_line(exc, 200)}") from None
            log.warning("%s: %s; retry %d of %d in %.1f s", what, error_line(exc, 200), attempt,
                        policy.attempts - 1, wait)
            sleep(wait)
