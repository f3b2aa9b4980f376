"""Snapshot dates: a window from the Hub's creation-date epoch to tomorrow, and errors naming the option."""

from datetime import date, timedelta

import pytest

from pipeline.dates import FIRST_SNAPSHOT_DATE, DateError, check_snapshot_date, parse_date, snapshot_date, today
from pipeline.usage import UsageError


def test_the_window_runs_from_the_hub_epoch_to_tomorrow():
    now = date(2026, 12, 4)
    assert check_snapshot_date(FIRST_SNAPSHOT_DATE, "--date", now) == FIRST_SNAPSHOT_DATE
    assert check_snapshot_date(now + timedelta(days=1), "--date", now) == date(2026, 12, 5)
    for wrong in (FIRST_SNAPSHOT_DATE - timedelta(days=1), now + timedelta(days=2), date(1970, 1, 1), date(2099, 1, 1)):
        with pytest.raises(DateError, match=r"^--date: .* outside the snapshot dates"):
            check_snapshot_date(wrong, "--date", now)


@pytest.mark.parametrize("text", ["2026-13-45", "2026-02-30", "yesterday", "", "2026/11/30"])
def test_a_malformed_date_names_the_option(text):
    with pytest.raises(DateError, match="^--as-of: expected a date YYYY-MM-DD") as caught:
        parse_date(text, "--as-of")
    assert isinstance(caught.value, UsageError)


def test_flows_refuse_a_date_outside_the_window_too():
    """A deployment run with a bad snapshot_date parameter fails before writing anything."""
    from flows.common import day

    assert day(None) == today() and day("2026-11-30") == date(2026, 11, 30)
    with pytest.raises(DateError, match="^snapshot_date: 2099-01-01"):
        day("2099-01-01")
    assert snapshot_date(date(2025, 1, 6), "x") == date(2025, 1, 6)
