"""Snapshot dates: the window a snapshot may be dated in, and date options parsed under their own names.

A snapshot date is the UTC day the data describes. One in the future becomes the permanent "latest"
(every real snapshot after it sorts before it); one before the Hub's first creation dates moves every
model's ``first_seen`` back to it. So a snapshot date must lie between :data:`FIRST_SNAPSHOT_DATE` and
today (UTC) plus :data:`CLOCK_SKEW`. A date written by mistake is removed with ``radar admin delete-date``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from pipeline.usage import UsageError

FIRST_SNAPSHOT_DATE = date(2022, 3, 2)
"""The Hub's creation-date epoch: every repository older than it reports ``createdAt`` 2022-03-02, so no
snapshot can describe the Hub before that day."""

CLOCK_SKEW = timedelta(days=1)
"""A machine whose clock runs ahead (or a scheduler in UTC+14) may date a snapshot tomorrow."""


class DateError(UsageError):
    """A date option is malformed or out of range; the message names the option."""


def today() -> date:
    """Today's UTC date."""
    return datetime.now(UTC).date()


def parse_date(text: str, label: str) -> date:
    """``YYYY-MM-DD`` as a date, or a one-line error naming ``label``."""
    try:
        return date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise DateError(f"{label}: expected a date YYYY-MM-DD (e.g. 2026-11-30), got {text!r}") from None


def check_snapshot_date(day: date, label: str, now: date | None = None) -> date:
    """``day`` if a snapshot may be dated on it, else a one-line error naming ``label`` and the window."""
    last = (now or today()) + CLOCK_SKEW
    if not FIRST_SNAPSHOT_DATE <= day <= last:
        raise DateError(f"{label}: {day} is outside the snapshot dates this tool accepts "
                        f"({FIRST_SNAPSHOT_DATE} to {last}, today UTC plus one day of clock skew)")
    return day


def snapshot_date(value: str | date | None, label: str) -> date:
    """A snapshot date from an ISO string, a date or ``None`` (today, UTC), checked against the window."""
    if value is None:
        return today()
    day = value if isinstance(value, date) else parse_date(value, label)
    return check_snapshot_date(day, label)
