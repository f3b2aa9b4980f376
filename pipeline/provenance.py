"""Where the Hub numbers come from, as the source says of itself, and when to warn a reader about them.

A Hub snapshot is produced by the Hub (https://huggingface.co), a mirror (any other endpoint, named by
its URL) or the replay Hub of ``radar demo`` and the tests. The replay Hub announces itself: every answer
carries :data:`REPLAY_HEADER`, which the real Hub and its mirrors never send, listing the fields whose
values are synthetic and those assigned by rule. Nothing is inferred from a host name: a mirror on
127.0.0.1 is a mirror, and the replay Hub behind a proxy that keeps the header is still the replay Hub.

Each snapshot's source is stored in ``hub_snapshots`` (warehouse/hub.py); :func:`synthetic_in` tells the
readers (``radar top``, the report) whether any number they show rests on synthetic data.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit, urlunsplit

import duckdb

REPLAY_HEADER = "X-Radar-Replay-Hub"
OFFICIAL_HUB = "https://huggingface.co"
MAX_ANNOUNCEMENT = 200

API_FIELDS: dict[str, str] = {
    "downloads": "downloads_30d",
    "downloadsAllTime": "downloads_all_time",
    "likes": "likes",
    "trendingScore": "trending_score",
    "tags": "tags",
    "pipeline_tag": "pipeline_tag",
    "library_name": "library_name",
    "lastModified": "last_modified",
    "createdAt": "created_at",
}
"""Hub API field -> its ``model_snapshots`` column (the names an announcement may use)."""

WINDOW_DAYS = 84
"""What a ranking or a weekly report shows rests on up to 12 weeks of snapshots (trends, momentum, the
report's history charts): a synthetic snapshot in that window makes them synthetic too."""


def announcement(synthetic: Iterable[str], by_rule: Iterable[str]) -> str:
    """The value of :data:`REPLAY_HEADER`: ``synthetic=downloads,likes; by-rule=tags`` (Hub API names)."""
    return f"synthetic={','.join(synthetic)}; by-rule={','.join(by_rule)}"


def _fields(value: str) -> tuple[str, ...]:
    names = (n.strip() for n in value.split(","))
    return tuple(dict.fromkeys(API_FIELDS[n] for n in names if n in API_FIELDS))


@dataclass(frozen=True)
class HubSource:
    """What produced a Hub snapshot: a row of ``hub_snapshots``."""

    endpoint: str
    kind: str
    """``hub``, ``mirror`` or ``replay``."""
    name: str
    synthetic_fields: tuple[str, ...] = ()
    rule_fields: tuple[str, ...] = ()
    announced: str | None = None


def _public(endpoint: str) -> str:
    """The endpoint without credentials (``https://user:token@host`` -> ``https://host``)."""
    parts = urlsplit(endpoint.rstrip("/"))
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def describe_source(endpoint: str, announcements: Collection[str]) -> HubSource:
    """The source of a snapshot from the endpoint queried and the :data:`REPLAY_HEADER` values its answers
    carried (none from the Hub or a mirror)."""
    public = _public(endpoint)
    if not announcements:
        if public == OFFICIAL_HUB:
            return HubSource(public, "hub", "huggingface.co")
        return HubSource(public, "mirror", public)
    synthetic: dict[str, None] = {}
    rules: dict[str, None] = {}
    for value in sorted(announcements):
        for part in value.split(";"):
            key, _, names = part.partition("=")
            target = {"synthetic": synthetic, "by-rule": rules}.get(key.strip())
            if target is not None:
                target.update(dict.fromkeys(_fields(names)))
    said = " | ".join(sorted(announcements))
    return HubSource(public, "replay", "replay Hub", tuple(synthetic), tuple(rules),
                     "".join(c for c in said if c.isprintable())[:MAX_ANNOUNCEMENT])


@dataclass(frozen=True)
class Synthetic:
    """The synthetic part of what a reader is shown, for the banner."""

    fields: tuple[str, ...]
    """``model_snapshots`` columns with synthetic values (downloads_30d, likes, ...)."""
    rule_fields: tuple[str, ...]
    sources: tuple[str, ...]
    """The kinds of source that declared them (``replay``)."""
    first: date
    last: date
    """The synthetic snapshots' dates within the window."""


def synthetic_in(con: duckdb.DuckDBPyConnection, end: date, days: int = WINDOW_DAYS) -> Synthetic | None:
    """Whether any Hub snapshot of the ``days`` up to ``end`` has synthetic values (``None``: none has).

    A warehouse without ``hub_snapshots`` (before migration 005) has no recorded sources: ``None``.
    """
    try:
        rows = con.execute(
            "SELECT snapshot_date, source_kind, synthetic_fields, rule_fields FROM hub_snapshots"
            " WHERE snapshot_date BETWEEN ? AND ? AND len(coalesce(synthetic_fields, [])) > 0"
            " ORDER BY snapshot_date", [end - timedelta(days=days), end]).fetchall()
    except duckdb.CatalogException:
        return None
    if not rows:
        return None
    fields = dict.fromkeys(f for r in rows for f in r[2])
    rules = dict.fromkeys(f for r in rows for f in (r[3] or []))
    names = dict.fromkeys(r[1] for r in rows if r[1])
    return Synthetic(tuple(fields), tuple(rules), tuple(names), rows[0][0], rows[-1][0])
