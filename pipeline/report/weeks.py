"""ISO weeks (``YYYY-Www``) as the report's unit of time.

A weekly report covers one ISO week, Monday to Sunday (UTC dates). It is built from the latest data dated
on or before that Sunday, so rebuilding a past week later reads exactly what existed for it then.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta

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
