from datetime import date

import pytest

from pipeline.report.weeks import WeekError, latest_week, one_per_week, parse_week, week_of


def test_week_round_trip_across_a_year_boundary():
    assert parse_week("2026-W01") == (date(2025, 12, 29), date(2026, 1, 4))
    assert week_of(date(2025, 12, 29)) == "2026-W01"
    assert week_of(date(2027, 1, 3)) == "2026-W53"
    assert parse_week("2026-W53") == (date(2026, 12, 28), date(2027, 1, 3))


@pytest.mark.parametrize("bad", ["2026-W54", "2025-W53", "2026-35", "2026-W5", "W35", "", None])
def test_bad_weeks_fail_with_the_expected_form(bad):
    with pytest.raises(WeekError, match="week"):
        parse_week(bad)


def test_latest_week_and_one_point_per_week():
    days = [date(2026, 8, 17), date(2026, 8, 19), None, date(2026, 8, 10)]
    assert latest_week(days) == "2026-W34"
    assert latest_week([None]) is None
    assert one_per_week([d for d in days if d]) == [date(2026, 8, 10), date(2026, 8, 19)]
