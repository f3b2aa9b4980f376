"""Fault injection: make the replay Hub misbehave the way a real Hub, proxy or network does.

A :class:`FaultPlan` is an ordered list of :class:`FaultRule`. For each request the first rule that
matches (method, regex on the request target, still has budget, wins its seeded coin toss) fires:

* ``status``: answer ``status`` instead (429 with ``Retry-After`` and/or ``RateLimit: "api";r=0;t=N``, 5xx;
  502/503/504 come, as on huggingface.co, from the CDN in front of the Hub: an HTML page, not JSON);
* ``delay``: wait ``seconds`` before answering (longer than a client timeout = a timeout);
* ``truncate``: cut the body to ``keep`` of its length (Content-Length matches: the body is just short);
* ``drop``: announce the whole body, send ``keep`` of it, close the connection;
* ``malformed_item``: corrupt one item of a JSON list (``missing_id`` or ``wrong_types``);
* ``broken_cursor``: put a cursor the server rejects (400) into the ``Link: rel="next"`` URL.

``status`` and ``delay`` act before the request is answered; the others rewrite the answer and only fire
when it has something to rewrite (a body that is not a redirect's, a list, a next link). Rules match the
CDN's requests too (their target holds the file name), so a download can be cut on its way from the CDN.
"""

from __future__ import annotations

import json
import random
from http import HTTPStatus
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from pipeline.replay_hub.api import EDGE_STATUSES, Response, json_response

FAULT_KINDS = ("status", "delay", "truncate", "drop", "malformed_item", "broken_cursor")
BEFORE_KINDS = frozenset({"status", "delay"})
AFTER_KINDS = frozenset(FAULT_KINDS) - BEFORE_KINDS
MALFORMED_VARIANTS = ("missing_id", "wrong_types")
BODIES = ("auto", "json", "html")
LIST_PATHS = r"^/api/models(\?|$)"
BROKEN_CURSOR = "broken-cursor"


@dataclass
class FaultRule:
    """One kind of fault, where it applies and how often."""

    kind: str
    path: str = ""
    """Regex searched in the request target (path and query string); empty = every request."""
    method: str | None = None
    times: int | None = None
    """Fire at most this many times (``None``: no limit)."""
    after: int = 0
    """Let the first ``after`` matching requests through (e.g. fail only the third page)."""
    probability: float = 1.0
    status: int = 503
    retry_after: int | None = None
    ratelimit_reset: int | None = None
    seconds: float = 1.0
    keep: float = 0.5
    variant: str = "missing_id"
    body: str = "auto"
    """Of a ``status`` answer: ``html`` (the CDN's error page), ``json`` (the Hub's), ``auto``: html for 502-504."""
    _seen: int = field(default=0, init=False, repr=False, compare=False)
    _fired: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {FAULT_KINDS}, got {self.kind!r}")
        if not 0 <= self.probability <= 1:
            raise ValueError(f"fault probability must be within [0, 1], got {self.probability}")
        if not 400 <= self.status <= 599:
            raise ValueError(f"fault status must be a 4xx or 5xx code, got {self.status}")
        if not 0 <= self.keep < 1:
            raise ValueError(f"fault keep must be within [0, 1), got {self.keep}")
        if self.variant not in MALFORMED_VARIANTS:
            raise ValueError(f"malformed_item variant must be one of {MALFORMED_VARIANTS}, got {self.variant!r}")
        if self.body not in BODIES:
            raise ValueError(f"fault body must be one of {BODIES}, got {self.body!r}")
        self._regex = re.compile(self.path)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if not k.startswith("_")}


@dataclass
class FaultPlan:
    """Ordered fault rules plus the seed of their coin tosses; safe to share between server threads."""

    rules: list[FaultRule] = field(default_factory=list)
    seed: int = 0

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()

    @classmethod
    def random(cls, seed: int, rate: float, kinds: Iterable[str] = FAULT_KINDS,
               delay_seconds: float = 0.2, retry_after: int = 0) -> FaultPlan:
        """About ``rate`` of the requests get one fault, the kinds evenly, reproducibly for ``seed``.

        Status faults are 429 (``Retry-After: retry_after``), 500 and 503; list corruptions only hit
        ``GET /api/models``. With a sequential client the same seed replays the same faults.
        """
        templates = {
            "status": [FaultRule("status", status=429, retry_after=retry_after), FaultRule("status", status=500),
                       FaultRule("status", status=503)],
            "delay": [FaultRule("delay", seconds=delay_seconds)],
            "truncate": [FaultRule("truncate", method="GET")],
            "drop": [FaultRule("drop", method="GET")],
            "malformed_item": [FaultRule("malformed_item", path=LIST_PATHS, variant=v) for v in MALFORMED_VARIANTS],
            "broken_cursor": [FaultRule("broken_cursor", path=LIST_PATHS)],
        }
        chosen = list(dict.fromkeys(kinds))
        unknown = set(chosen) - set(templates)
        if unknown:
            raise ValueError(f"fault kinds must be among {FAULT_KINDS}, got {sorted(unknown)}")
        rules = []
        for kind in chosen:
            for rule in templates[kind]:
                rule.probability = rate / len(chosen) / len(templates[kind])
                rules.append(rule)
        return cls(rules=rules, seed=seed)

    def to_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, "rules": [rule.to_dict() for rule in self.rules]}

    @classmethod
    def from_dict(cls, payload: Mapping[str, Any]) -> FaultPlan:
        """The inverse of :meth:`to_dict` (the ``POST /_replay/faults`` body); bad input is a ValueError."""
        if not isinstance(payload, Mapping) or not isinstance(payload.get("rules", []), list):
            raise ValueError('a fault plan is an object {"seed": int, "rules": [{"kind": ..., ...}]}')
        names = {f.name for f in fields(FaultRule) if f.init}
        rules = []
        for rule in payload.get("rules", []):
            if not isinstance(rule, Mapping) or set(rule) - names:
                raise ValueError(f"fault rule must be an object with keys among {sorted(names)}, got {rule!r}")
            rules.append(FaultRule(**rule))
        return cls(rules=rules, seed=int(payload.get("seed", 0)))

    def pick(self, method: str, target: str, kinds: frozenset[str],
             applicable: Callable[[FaultRule], bool] = lambda rule: True) -> FaultRule | None:
        """The rule that fires for this request among ``kinds``, counting it; ``None`` if none fires."""
        with self._lock:
            for rule in self.rules:
                if rule.kind not in kinds or (rule.method and rule.method.upper() != method):
                    continue
                if not rule._regex.search(target) or not applicable(rule):
                    continue
                if rule.times is not None and rule._fired >= rule.times:
                    continue
                rule._seen += 1
                if rule._seen <= rule.after:
                    continue
                if rule.probability < 1 and self._rng.random() >= rule.probability:
                    continue
                rule._fired += 1
                return rule
            return None

    def choice(self, n: int) -> int:
        """A seeded index in ``range(n)`` (which list item to corrupt)."""
        with self._lock:
            return self._rng.randrange(n)


EDGE_PAGE = """<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">
<HTML><HEAD><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=iso-8859-1">
<TITLE>ERROR: The request could not be satisfied</TITLE>
</HEAD><BODY>
<H1>{status} {phrase} ERROR</H1>
<H2>The request could not be satisfied.</H2>
<HR noshade size="1px">
CloudFront attempted to establish a connection with the origin, but either the attempt failed or the origin closed
the connection. We can't connect to the server for this app or website at this time. There might be too much traffic
or a configuration error. Try again later, or contact the app or website owner.
<BR clear="all">
<HR noshade size="1px">
<PRE>
Generated by cloudfront (CloudFront)
Request ID: replay-hub-injected-fault
</PRE>
<ADDRESS>
</ADDRESS>
</BODY></HTML>"""
"""CloudFront's error page, as Hub users quote it (docs/replay-hub.md)."""


def status_response(rule: FaultRule) -> Response:
    """The error answer of a ``status`` fault, with the rate-limit headers the rule asks for."""
    headers: dict[str, str] = {}
    if rule.retry_after is not None:
        headers["Retry-After"] = str(rule.retry_after)
    if rule.ratelimit_reset is not None:
        headers["RateLimit"] = f'"api";r=0;t={rule.ratelimit_reset}'
        headers["RateLimit-Policy"] = '"fixed window";"api";q=500;w=300'
    if rule.body == "html" or (rule.body == "auto" and rule.status in EDGE_STATUSES):
        headers.update({"Content-Type": "text/html", "X-Cache": "Error from cloudfront",
                        "Via": "1.1 replay-hub.cloudfront.net (CloudFront)"})
        page = EDGE_PAGE.format(status=rule.status, phrase=HTTPStatus(rule.status).phrase)
        return Response(rule.status, headers, page.encode())
    message = "Too Many Requests" if rule.status == 429 else f"replay Hub injected a {rule.status} error"
    return json_response({"error": message}, rule.status, headers)


def applicable(rule: FaultRule, response: Response, method: str) -> bool:
    """Whether an after-the-answer fault has something to rewrite in this response."""
    if method == "HEAD" or not response.body or 300 <= response.status < 400:
        return False
    if rule.kind == "broken_cursor":
        return 'rel="next"' in response.headers.get("Link", "")
    if rule.kind == "malformed_item":
        return response.status == 200 and response.is_json and _json_list(response.body) is not None
    return True


def inject(rule: FaultRule, response: Response, plan: FaultPlan) -> str:
    """Rewrite ``response`` in place for an after-the-answer fault; returns what was done, for the log."""
    if rule.kind == "truncate":
        kept = int(len(response.body) * rule.keep)
        response.body = response.body[:kept]
        return f"body cut to {kept} bytes"
    if rule.kind == "drop":
        response.cut = int(len(response.body) * rule.keep)
        return f"connection closed after {response.cut} of {len(response.body)} bytes"
    if rule.kind == "broken_cursor":
        response.headers["Link"] = re.sub(r"cursor=[^&>]*", f"cursor={BROKEN_CURSOR}", response.headers["Link"])
        return "next link carries an invalid cursor"
    items = _json_list(response.body) or []
    index = plan.choice(len(items))
    item = items[index] if isinstance(items[index], dict) else {}
    model_id = item.get("id")
    if rule.variant == "missing_id":
        item.pop("id", None)
        item.pop("modelId", None)
    else:
        item.update(downloads="many", likes=-1, tags="zh", createdAt="last week", private="no")
    items[index] = item
    response.body = json.dumps(items, ensure_ascii=False, separators=(",", ":")).encode()
    return f"item {index} ({model_id}) {rule.variant}"


def _json_list(body: bytes) -> list[Any] | None:
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    return parsed if isinstance(parsed, list) and parsed else None
