"""Download trends on hand-checkable histories, in a real DuckDB file."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pipeline.trends import MIN_BASELINE_WEEKS, SPIKE_Z, compute_trends, load_history
from tests.scores.helpers import WarehouseBuilder, day, rows, score
from warehouse import db


def trends(path: Path, first: date, last: date, gap: int = 28) -> dict[tuple[str, date], dict[str, Any]]:
    with db.reader(path) as con:
        history = load_history(con, first, last, gap)
    frame = compute_trends(history, first, last, gap)
    return {(r["model_id"], r["as_of"]): r for r in frame.to_dicts()}


def test_a_steady_model_has_exact_windows_once_its_history_covers_them(wh: WarehouseBuilder):
    wh.history("a/steady", range(0, 71), per_day=100)
    t = trends(wh.build(), day(0), day(70))
    assert t["a/steady", day(0)]["interval_downloads"] is None
    assert t["a/steady", day(1)]["interval_downloads"] == 100 and t["a/steady", day(1)]["interval_days"] == 1
    # Day 0 has no previous snapshot: what was downloaded that day is unknown, so 7-day windows start on day 7.
    assert t["a/steady", day(6)]["downloads_7d"] is None
    assert t["a/steady", day(7)]["downloads_7d"] == 700
    assert t["a/steady", day(27)]["downloads_28d"] is None
    assert t["a/steady", day(28)]["downloads_28d"] == 2800
    last = t["a/steady", day(70)]
    assert (last["downloads_7d"], last["downloads_28d"], last["ma_4w"]) == (700, 2800, 700)
    assert last["wow_growth"] == 0 and last["log_growth"] == 0
    assert t["a/steady", day(34)]["momentum"] is None  # the 4-week average of a week ago is not known yet
    assert t["a/steady", day(35)]["momentum"] == "steady"
    assert last["robust_z"] == 0 and last["anomaly"] is None


def test_a_jump_in_all_time_downloads_is_counted_and_flagged_as_a_spike(wh: WarehouseBuilder):
    wh.history("a/jumpy", range(0, 71), per_day=100)
    wh.snapshot(day(71), "a/jumpy", 100_000 + 70 * 100 + 100 + 50_000)
    row = trends(wh.build(), day(71), day(71))["a/jumpy", day(71)]
    assert row["interval_downloads"] == 50_100
    assert row["downloads_7d"] == 600 + 50_100
    assert row["wow_growth"] == pytest.approx((50_700 - 700) / 700)
    assert row["robust_z"] > SPIKE_Z and row["anomaly"] == "spike"
    assert row["momentum"] == "rising"  # what the week shows; the flag says it may be a burst


def test_a_model_missing_for_a_week_has_its_downloads_spread_over_the_gap(wh: WarehouseBuilder):
    wh.history("a/away", range(0, 30), per_day=100)  # days 0..29, then gone for days 30..36
    wh.snapshot(day(37), "a/away", 100_000 + 29 * 100 + 1600)
    wh.history("a/other", range(0, 38), per_day=10)
    t = trends(wh.build(), day(0), day(37))
    assert ("a/away", day(33)) not in t
    back = t["a/away", day(37)]
    assert (back["interval_days"], back["interval_downloads"]) == (8, 1600)
    assert back["downloads_7d"] == 7 * 200  # 1600 over 8 days
    assert back["downloads_28d"] == 20 * 100 + 8 * 200  # days 10..29 at 100, days 30..37 at 200


def test_a_negative_difference_is_flagged_reported_and_never_used(wh: WarehouseBuilder, cfg):
    wh.history("a/reset", range(0, 41), per_day=100)
    wh.snapshot(day(41), "a/reset", 100_000 + 40 * 100 - 5000)
    for n in range(42, 50):
        wh.snapshot(day(n), "a/reset", 100_000 + 40 * 100 - 5000 + (n - 41) * 100)
    path = wh.build()
    t = trends(path, day(0), day(49))
    assert t["a/reset", day(41)]["anomaly"] == "negative_diff"
    assert t["a/reset", day(41)]["interval_downloads"] == -5000
    assert all(t["a/reset", day(n)]["downloads_7d"] is None for n in range(41, 48))
    assert t["a/reset", day(48)]["downloads_7d"] == 700
    assert t["a/reset", day(49)]["downloads_28d"] is None
    score(path, day(49), cfg)
    issues = rows(path, "SELECT * FROM data_issues WHERE source = 'scores'")
    assert [(i["record_id"], i["snapshot_date"], i["field"], i["action"], i["excerpt"]) for i in issues] == [
        ("a/reset", day(41), "downloads_all_time", "kept", "104000 -> 99000")]


def test_an_interval_longer_than_the_maximum_gap_is_unknown_not_spread(wh: WarehouseBuilder):
    wh.history("a/gappy", range(0, 11), per_day=100)
    for n in range(51, 61):
        wh.snapshot(day(n), "a/gappy", 200_000 + (n - 51) * 100)
    t = trends(wh.build(), day(0), day(60))
    assert t["a/gappy", day(51)]["interval_days"] == 41
    assert t["a/gappy", day(51)]["downloads_7d"] is None
    assert t["a/gappy", day(57)]["downloads_7d"] is None
    assert t["a/gappy", day(58)]["downloads_7d"] == 700
    with_long_gap = trends(wh.path, day(0), day(60), gap=60)
    assert with_long_gap["a/gappy", day(51)]["downloads_7d"] == pytest.approx(7 * (100_000 - 1000) / 41)


def test_weekly_snapshots_give_exact_weekly_downloads(wh: WarehouseBuilder):
    for week in range(0, 10):
        wh.snapshot(day(7 * week), "a/weekly", 1000 + 700 * week + 50 * week * week)
    t = trends(wh.build(), day(0), day(63))
    assert t["a/weekly", day(7)]["downloads_7d"] == pytest.approx(750)
    assert t["a/weekly", day(63)]["downloads_7d"] == pytest.approx(700 + 50 * (81 - 64))
    assert t["a/weekly", day(63)]["downloads_28d"] == pytest.approx((700 * 9 + 50 * 81) - (700 * 5 + 50 * 25))


def test_a_model_created_inside_the_history_counts_from_zero_and_is_new(wh: WarehouseBuilder):
    wh.history("a/old", range(0, 20), per_day=100)
    wh.model("a/fresh", created=day(10))
    wh.snapshot(day(12), "a/fresh", 300)
    wh.snapshot(day(13), "a/fresh", 400)
    t = trends(wh.build(), day(0), day(13))
    fresh = t["a/fresh", day(12)]
    assert fresh["downloads_7d"] == 300  # nothing before day 10, 150 a day on days 11 and 12
    assert fresh["momentum"] == "new" and fresh["new_entrant"] is True
    assert t["a/fresh", day(13)]["new_entrant"] is False
    assert t["a/old", day(0)]["new_entrant"] is False  # the warehouse's first date has no new entrants


def test_a_snapshot_without_all_time_downloads_keeps_its_row_and_the_next_interval_spans_it(wh: WarehouseBuilder):
    wh.history("a/holey", range(0, 20), per_day=100)
    wh.snapshot(day(20), "a/holey", None)
    wh.snapshot(day(21), "a/holey", 100_000 + 21 * 100)
    wh.snapshot(day(21), "a/countless", None)
    t = trends(wh.build(), day(0), day(21))
    assert t["a/countless", day(21)]["downloads_7d"] is None and t["a/countless", day(21)]["rank"] is not None
    assert t["a/holey", day(20)]["downloads_7d"] is None
    assert (t["a/holey", day(21)]["interval_days"], t["a/holey", day(21)]["downloads_7d"]) == (2, 700)


@pytest.mark.parametrize(("after", "checked", "label"), [
    (100, 57, "steady"), (150, 57, "rising"), (200, 57, "rising"), (200, 64, "rising"), (40, 57, "cooling"),
    (0, 64, "fading"),
])
def test_momentum_follows_the_documented_thresholds(wh: WarehouseBuilder, after: int, checked: int, label: str):
    total = 100_000
    for n in range(0, checked + 1):
        total += 0 if n == 0 else (100 if n <= 50 else after)
        wh.snapshot(day(n), "a/m", total)
    assert trends(wh.build(), day(checked), day(checked))["a/m", day(checked)]["momentum"] == label


def test_rank_follows_the_hubs_30_day_count_and_its_change_over_a_week(wh: WarehouseBuilder):
    wh.snapshot(day(0), "a/one", 100, d30=500)
    wh.snapshot(day(0), "a/two", 100, d30=1000)
    wh.snapshot(day(7), "a/one", 200, d30=2000)
    wh.snapshot(day(7), "a/two", 200, d30=1000)
    wh.snapshot(day(7), "a/three", 200, d30=None)
    t = trends(wh.build(), day(0), day(7))
    assert (t["a/two", day(0)]["rank"], t["a/one", day(0)]["rank"]) == (1, 2)
    assert (t["a/one", day(7)]["rank"], t["a/one", day(7)]["rank_change"]) == (1, 1)
    assert (t["a/two", day(7)]["rank"], t["a/two", day(7)]["rank_change"]) == (2, -1)
    assert t["a/three", day(7)]["rank"] is None and t["a/three", day(7)]["rank_change"] is None


def test_adding_one_date_gives_the_same_rows_as_recomputing_everything(wh: WarehouseBuilder):
    wh.history("a/steady", range(0, 100), per_day=100)
    wh.history("a/gappy", range(0, 30), per_day=50)
    wh.history("a/gappy", range(45, 100), per_day=70, start=200_000)
    wh.history("a/jumpy", range(0, 99), per_day=20)
    wh.snapshot(day(99), "a/jumpy", 100_000 + 98 * 20 + 30_000)
    wh.model("a/fresh", created=day(60))
    wh.history("a/fresh", range(70, 100), per_day=5, start=400)
    path = wh.build()
    full = trends(path, day(0), day(99))
    one = trends(path, day(99), day(99))
    assert set(one) == {k for k in full if k[1] == day(99)}
    for key, row in one.items():
        assert row == pytest.approx(full[key], nan_ok=True), key


def test_computing_in_chunks_of_models_changes_nothing(wh: WarehouseBuilder, monkeypatch):
    wh.history("a/early", range(0, 60), per_day=100)
    wh.model("b/late", created=day(30))
    wh.history("b/late", range(40, 60), per_day=30, start=500)
    wh.history("c/gappy", range(0, 20), per_day=10)
    wh.history("c/gappy", range(30, 60), per_day=10, start=100_300)
    path = wh.build()
    whole = trends(path, day(0), day(59))
    monkeypatch.setattr("pipeline.trends.CHUNK_ROWS", 7)
    chunked = trends(path, day(0), day(59))
    assert chunked.keys() == whole.keys()
    for key, row in chunked.items():
        assert row == pytest.approx(whole[key], nan_ok=True), key


def test_a_history_without_any_all_time_count_still_gives_rows(wh: WarehouseBuilder):
    wh.snapshot(day(0), "a/countless", None, d30=5)
    t = trends(wh.build(), day(0), day(0))
    row = t["a/countless", day(0)]
    assert (row["downloads_7d"], row["momentum"], row["rank"], row["downloads_30d"]) == (None, None, 1, 5)


def weekly(wh: WarehouseBuilder, model: str, weeks: list[int], start: int = 100_000) -> None:
    """Weekly snapshots with the given downloads per week."""
    total = start
    for n, downloads in enumerate(weeks):
        total += downloads if n else 0
        wh.snapshot(day(7 * n), model, total)


def test_a_one_week_burst_is_flagged_and_moves_momentum_neither_up_nor_down_later(wh: WarehouseBuilder):
    # The demo's planted case (xiaobu-embedding-v2, 2026-10-12): a week at 25x, then back to normal.
    weeks = [0, 2000, 2000, 2000, 2000, 2000, 50_000, 2000, 2000, 2000, 2000, 2000, 2000]
    weekly(wh, "a/burst", weeks)
    t = trends(wh.build(), day(0), day(7 * 12))
    burst = t["a/burst", day(42)]
    assert burst["anomaly"] == "spike" and burst["robust_z"] > SPIKE_Z
    # Week by week as the flow computes them: on the burst, its week rises (and is flagged); once the week after
    # falls back it is a burst, cleaned out, so nothing fades when it leaves the 4-week average.
    path = wh.path
    labels = [trends(path, day(7 * n), day(7 * n))["a/burst", day(7 * n)]["momentum"] for n in range(5, 13)]
    assert labels == ["steady", "rising", "steady", "steady", "steady", "steady", "steady", "steady"]
    assert t["a/burst", day(56)]["ma_4w"] > 10_000  # the stored average keeps what really happened


def test_a_lasting_jump_is_growth_once_the_next_week_confirms_it(wh: WarehouseBuilder):
    weeks = [0, 2000, 2000, 2000, 2000, 2000, 6000, 6000, 6000, 6000]
    weekly(wh, "a/jump", weeks)
    t = trends(wh.build(), day(0), day(63))
    assert t["a/jump", day(42)]["anomaly"] == "spike"
    assert [t["a/jump", day(7 * n)]["momentum"] for n in (6, 7, 8)] == ["rising"] * 3  # never cleaned away


@pytest.mark.parametrize(("known_weeks", "flagged"), [(MIN_BASELINE_WEEKS - 1, False), (MIN_BASELINE_WEEKS, True),
                                                      (5, True)])
def test_the_spike_test_uses_the_baseline_weeks_that_exist_down_to_a_minimum(
        wh: WarehouseBuilder, known_weeks: int, flagged: bool):
    # The first snapshot has no interval before it, so n weekly snapshots give n - 1 known weeks.
    weekly(wh, "a/short", [0] + [2000] * known_weeks + [50_000])
    last = day(7 * (known_weeks + 1))
    row = trends(wh.build(), last, last)["a/short", last]
    assert (row["anomaly"] == "spike") is flagged
    assert (row["robust_z"] is None) is (known_weeks < MIN_BASELINE_WEEKS)
