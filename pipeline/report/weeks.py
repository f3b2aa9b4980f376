"""ISO weeks (``YYYY-Www``) as the report's unit of time.

A weekly report covers one ISO week, Monday to Sunday (UTC dates). It is built from the latest data dated
on or before that Sunday, so rebuilding a past week later reads exactly what existed for it then.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from pipeline.usage import UsageError

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class WeekError(ValueError):
    """A week string is not a valid ISO week; the message shows the expected form."""


def parse_week(week: str) -> tuple[date, date]:
    """The Monday and Sunday of ``week`` (``YYYY-Www``, e.g. ``2026-W35``)."""
    match = _WEEK.match(week.strip()) if isinstance(week, str) else None
    if match is None:
        raise WeekError(f"week: expected YYYY-Www (e.g. 2026-W35), got {week!r}")
    year, number = int(match.group(1)), int(match.group(2))
    try:
        monday = date.fromisocalendar(year, number, 1)
    except ValueError:
        raise WeekError(f"week: {week} does not exist (year {year} has no week {number})") from None
    return monday, monday + timedelta(days=6)


def week_of(day: date) -> str:
    """The ISO week a date belongs to, as ``YYYY-Www``."""
    year, number, _ = day.isocalendar()
    return f"{year}-W{number:02d}"


def latest_week(days: Iterable[date | None]) -> str | None:
    """The week of the newest date in ``days`` (the latest week with data), or None when there is none."""
    newest = max((d for d in days if d is not None), default=None)
    return None if newest is None else week_of(newest)


def one_per_week(days: Iterable[date]) -> list[date]:
    """The last date of each ISO week among ``days``, oldest first: one point per week for history charts."""
    last: dict[str, date] = {}
    for day in sorted(set(days)):
        last[week_of(day)] = day
    return sorted(last.values())


class WeekWithoutData(UsageError):
    """The week asked for holds no snapshot and no ranking: a report of "no data" would only mislead."""


DATA_DATES = (("model_snapshots", "snapshot_date"), ("rankings", "as_of"))
"""A week has data when one of these is dated inside it."""


def check_week(con: Any, week: str, label: str = "week") -> None:
    """Raise :class:`WeekWithoutData` unless a Hub snapshot or a ranking is dated inside ``week``."""
    monday, sunday = parse_week(week)
    tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    dated = [(t, c) for t, c in DATA_DATES if t in tables]
    inside = any(con.execute(f"SELECT 1 FROM {t} WHERE {c} BETWEEN ? AND ? LIMIT 1", [monday, sunday]).fetchall()
                 for t, c in dated)
    if inside:
        return
    spans = [con.execute(f"SELECT min({c}), max({c}) FROM {t}").fetchone() for t, c in dated]
    first = min((s[0] for s in spans if s[0] is not None), default=None)
    last = max((s[1] for s in spans if s[1] is not None), default=None)
    have = f"the warehouse has data from {week_of(first)} to {week_of(last)}" if first else "the warehouse has no data yet"
    raise WeekWithoutData(f"{label}: {week} has no data ({monday} to {sunday}); {have}")
