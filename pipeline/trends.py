"""Download trends from the snapshot history: exact interval downloads, windows, momentum, anomalies.

The Hub gives two counters. The rolling 30-day ``downloads`` cannot be differenced (two overlapping
windows differ by what entered *and* what left), so it is only used as the Hub shows it (the rank). The
cumulative ``downloads_all_time`` can: its difference between two snapshots is exactly the downloads in
between. That difference is spread evenly over the days of the interval, which turns irregular or
missing snapshots into one daily series per model; every window (the last 7 or 28 days, the week
before, ...) is then a difference of running sums on that series.

Unknown is never zero. A day is unknown when its interval's difference is negative (a counter reset or a
data error: flagged ``negative_diff``), when the interval is longer than ``max_gap_days``, or when it lies
before the first snapshot of a model created earlier. A window with any unknown day has no value (NULL);
days before a model's creation are known zeros. The thresholds below are documented in docs/criteria.md.

Loading is SQL; the series arithmetic is vectorised numpy over the per-day grid (one row per model and
day, sorted), where a lag is an index offset. Adding one date reads only ``lookback_days`` of history and
labels one row per model; a full recompute works through the models in chunks to bound its memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import numpy as np
import polars as pl
import polars.selectors as cs

NEW_DAYS = 28
"""A model created (or, creation date unknown, first seen after the history began) this recently is ``new``."""
RISING = 0.10
"""4-week average up more than 10 % on the week before: ``rising``."""
COOLING = -0.10
"""Down more than 10 %: ``cooling``; within +-10 %: ``steady``."""
FADING = -0.30
"""Down more than 30 %, or no downloads for four weeks: ``fading``."""
BASELINE_WEEKS = 8
"""The spike test compares this week's downloads with (up to) the eight weeks before it."""
MIN_BASELINE_WEEKS = 4
"""Fewer known baseline weeks than this (a young model, a short history) and the spike test says nothing."""
SPIKE_Z = 3.5
"""Modified z-score 0.6745 (x - median) / MAD above which a week is a spike (Iglewicz and Hoaglin)."""
MAD_FLOOR = 0.1
"""Smallest MAD used (log units), so a perfectly flat history needs a jump of about 68 % to be a spike."""
SPIKE_MIN_DOWNLOADS = 50
"""Weeks with fewer downloads are never spikes: at a handful of downloads a doubling is noise."""
RANK_LAG_DAYS = 7
"""``rank_change`` compares with the latest snapshot at least this many days earlier."""
LONGEST_WINDOW = 7 * (BASELINE_WEEKS + 1)
"""Days of history the furthest-reaching window needs (the spike baseline)."""
MOMENTUM_REACH = 35
"""Days back the momentum's windows reach (the 4-week average a week earlier): a spike flagged in them is
cleaned out first, so that reach is read on top of the spike test's."""

MOMENTUM_LABELS = ("new", "rising", "steady", "cooling", "fading")
ANOMALIES = ("negative_diff", "spike")
_EPOCH = date(1970, 1, 1)


def lookback_days(max_gap_days: int) -> int:
    """History read before the first output date: the spike test of every week the momentum reads, plus one
    interval that may straddle the start."""
    return LONGEST_WINDOW + MOMENTUM_REACH + max_gap_days


@dataclass(frozen=True)
class History:
    """Snapshot rows of a date range, sorted by (model, day); days are integers (days since 1970-01-01)."""

    points: pl.DataFrame
    """mid, day, a (downloads_all_time), downloads_30d."""
    models: pl.DataFrame
    """mid (= row index), model_id, first_seen, created (day numbers; created may be null)."""
    history_start: int
    """The first snapshot date of the whole warehouse."""
    since: int
    """The first day loaded: a model created on or after it has its whole history in ``points``."""


class HistoryError(RuntimeError):
    """The snapshot history breaks an invariant of the warehouse; the message says which."""


def load_history(con: duckdb.DuckDBPyConnection, first: date, last: date, max_gap_days: int) -> History:
    """Read what the trends of ``first``..``last`` need: the snapshots since ``first - lookback`` and model facts.

    Model facts (``first_seen``, ``created_at``) come from ``models``, which the Hub snapshot keeps in step
    with ``model_snapshots`` in the same transaction; a snapshot row without its model is an error. The
    pipeline's own test repositories (``models.fixture``) have no trends: they are not on the market.
    """
    since = first - timedelta(days=lookback_days(max_gap_days))
    window = {"since": since, "last": last}
    models = con.sql(
        "SELECT CAST(row_number() OVER (ORDER BY model_id) - 1 AS INTEGER) AS mid, model_id, first_seen,"
        " CAST(created_at AS DATE) AS created FROM models"
        " WHERE first_seen <= $last AND last_seen >= $since AND NOT coalesce(fixture, false) ORDER BY mid",
        params=window,
    ).pl()
    con.register("trend_models", models.select("mid", "model_id"))
    try:
        points = con.sql(
            "SELECT i.mid, s.snapshot_date AS day, s.downloads_all_time AS a, s.downloads_30d"
            " FROM model_snapshots s LEFT JOIN trend_models i USING (model_id)"
            " WHERE s.snapshot_date BETWEEN $since AND $last"
            " AND s.model_id NOT IN (SELECT model_id FROM models WHERE fixture)"
            " ORDER BY i.mid NULLS FIRST, s.snapshot_date",
            params=window,
        ).pl()
        if points.height and points["mid"][0] is None:
            orphan, day, n = con.execute(
                "SELECT any_value(model_id), min(snapshot_date), count(DISTINCT model_id) FROM model_snapshots"
                " WHERE snapshot_date BETWEEN $since AND $last AND model_id NOT IN (SELECT model_id FROM trend_models)"
                " AND model_id NOT IN (SELECT model_id FROM models WHERE fixture)", window).fetchall()[0]
            raise HistoryError(f"{n} model(s) in model_snapshots are missing from models (e.g. {orphan!r});"
                               f" rerun the Hub snapshot of {day} to repair the warehouse")
    finally:
        con.unregister("trend_models")
    start = con.execute("SELECT min(snapshot_date) FROM model_snapshots").fetchall()[0][0]
    return History(
        points=points.with_columns(pl.col("day").cast(pl.Int32)),
        models=models.with_columns(pl.col("first_seen", "created").cast(pl.Int32)),
        history_start=_day(start) if start else 0,
        since=_day(since),
    )


CHUNK_ROWS = 1_000_000
"""Snapshot rows computed at a time (whole models), which bounds the memory of a full recompute."""


def compute_trends(history: History, first: date, last: date, max_gap_days: int) -> pl.DataFrame:
    """One row per snapshot row dated ``first``..``last``: the columns of ``download_trends`` (less run_id)."""
    rank, rank_change = _ranks(history.points, _day(first), _day(last))
    mids = history.points["mid"].to_numpy()
    frames = []
    for lo, hi in _model_chunks(mids, CHUNK_ROWS):
        part = History(history.points.slice(lo, hi - lo), history.models, history.history_start, history.since)
        frames.append(_chunk_trends(part, first, last, max_gap_days, rank[lo:hi], rank_change[lo:hi]))
    if not frames:
        frames.append(_chunk_trends(history, first, last, max_gap_days, rank, rank_change))
    return pl.concat(frames)


def _model_chunks(mids: np.ndarray, size: int) -> list[tuple[int, int]]:
    """Row ranges of about ``size`` rows that never split a model (rows are sorted by model)."""
    cuts = np.unique(np.searchsorted(mids, mids[np.arange(size, len(mids), size)]))
    edges = [0, *cuts[cuts > 0].tolist(), len(mids)]
    return [(lo, hi) for lo, hi in zip(edges, edges[1:]) if hi > lo]


def _chunk_trends(history: History, first: date, last: date, max_gap_days: int,
                  rank: np.ndarray, rank_change: np.ndarray) -> pl.DataFrame:
    seg = _segments(history, max_gap_days)
    grid = _Grid.build(seg, history.points["mid"].to_numpy())
    points = history.points
    days = points["day"].to_numpy()
    rows = np.flatnonzero((days >= _day(first)) & (days <= _day(last)))
    tested = (days >= _day(first) - MOMENTUM_REACH - 7) & (days <= _day(last))
    mids = points["mid"].to_numpy()[rows]
    names = history.models["model_id"]
    frame = pl.DataFrame({
        "mid": mids,
        "day": days[rows],
        "a": points["a"].gather(rows),
        "downloads_30d": points["downloads_30d"].gather(rows),
        "interval_downloads": seg.interval_downloads[rows],
        "interval_days": seg.interval_days[rows],
        **grid.metrics(rows, seg.age, tested),
        "rank": rank[rows],
        "rank_change": rank_change[rows],
    }).with_columns(
        model_id=names.cast(pl.Enum(names)).gather(mids),
        first_seen=history.models["first_seen"].gather(mids),
        created=history.models["created"].gather(mids),
    )
    return _labels(frame, history.history_start)


@dataclass(frozen=True)
class _Segments:
    """Per snapshot row: the interval before it (exact differences) and its days on the grid."""

    interval_downloads: np.ndarray
    """``downloads_all_time`` minus the previous snapshot's (NaN for a model's first snapshot)."""
    interval_days: np.ndarray
    rate: np.ndarray
    """Downloads per day over the row's grid days, NaN when unknown."""
    span: np.ndarray
    """Grid days the row covers (0 when ``downloads_all_time`` is missing: the next interval spans it)."""
    first: np.ndarray
    """The row is its model's first grid row in the loaded window."""
    pre_known: np.ndarray
    """The model was created inside the loaded window: days before its first snapshot are known zeros."""
    age: np.ndarray
    """Days since the model's creation when ``pre_known``, else NaN (created before the window)."""


def _segments(history: History, max_gap_days: int) -> _Segments:
    origin = pl.when(pl.col("created") <= pl.col("first_seen")).then(pl.col("created"))
    facts = history.models.select("mid", origin.alias("origin")).with_columns(
        pre_known=pl.col("origin").is_not_null() & (pl.col("origin") >= history.since)
    )
    valid = pl.col("a").is_not_null()
    last_valid = {c: pl.when(valid).then(pl.col(c)).forward_fill().shift(1) for c in ("mid", "day", "a")}
    has_prev = valid & (last_valid["mid"] == pl.col("mid")).fill_null(False)
    seg = history.points.join(facts, on="mid", how="left", maintain_order="left").with_columns(
        interval_downloads=pl.when(has_prev).then(pl.col("a") - last_valid["a"]),
        interval_days=pl.when(has_prev).then(pl.col("day") - last_valid["day"]),
        first=valid & ~has_prev,
    ).with_columns(
        # A model's first snapshot counts from its creation (0 downloads) when that lies inside the window.
        seg_start=pl.coalesce(
            pl.col("day") - pl.col("interval_days"),
            pl.when(pl.col("pre_known")).then(pl.min_horizontal("origin", pl.col("day") - 1)),
            pl.col("day") - 1,
        ),
        seg_diff=pl.coalesce("interval_downloads", pl.when(pl.col("pre_known")).then(pl.col("a"))),
    ).with_columns(
        span=pl.when(valid).then(pl.col("day") - pl.col("seg_start")).otherwise(0),
    ).with_columns(
        rate=pl.when((pl.col("seg_diff") >= 0) & (pl.col("span") <= max_gap_days))
        .then(pl.col("seg_diff") / pl.col("span")),
        age=pl.when(pl.col("pre_known")).then(pl.col("day") - pl.col("origin")),
    )

    def col(name: str, dtype: type = pl.Float64) -> np.ndarray:
        values = seg[name].cast(dtype)
        return (values.fill_null(False) if dtype == pl.Boolean else values).to_numpy(allow_copy=True)

    return _Segments(
        interval_downloads=col("interval_downloads"),
        interval_days=col("interval_days"),
        rate=col("rate"),
        span=col("span", pl.Int64),
        first=col("first", pl.Boolean),
        pre_known=col("pre_known", pl.Boolean),
        age=col("age"),
    )


_METRICS = ("downloads_7d", "downloads_28d", "wow_growth", "ma_4w", "ma_4w_before", "log_growth", "robust_z",
            "ma_4w_clean", "ma_4w_before_clean")


@dataclass(frozen=True)
class _Grid:
    """The per-day grid: one row per model and day, models one after another, days in order.

    Each model starts with ``LONGEST_WINDOW + MOMENTUM_REACH`` padding days: known zeros when the model was
    created inside the window (nothing was downloaded before creation), unknown otherwise. So every window
    of a real day lies inside its own model, and is a plain difference of running sums: ``k`` (known
    downloads) and ``u`` (unknown days) taken rows apart, with no masks.
    """

    rate: np.ndarray
    """Downloads per grid day (NaN: unknown)."""
    k: np.ndarray
    u: np.ndarray
    row_of: np.ndarray
    """Grid row of each snapshot row (its own day), -1 when it has none."""
    span: np.ndarray
    """Grid days each snapshot row's interval covers (its own downloads since the snapshot before)."""
    model_end: np.ndarray
    """Grid row of the last day of each snapshot row's model."""

    @classmethod
    def build(cls, seg: _Segments, mids: np.ndarray) -> "_Grid":
        pad_rate = np.where(seg.pre_known, 0.0, np.nan)
        values = np.column_stack([pad_rate, seg.rate]).ravel()
        counts = np.column_stack([np.where(seg.first, LONGEST_WINDOW + MOMENTUM_REACH, 0), seg.span]).ravel()
        rate = np.repeat(values, counts)
        unknown = np.isnan(rate)
        ends = np.cumsum(counts)[1::2] - 1
        return cls(
            rate=rate,
            k=np.cumsum(np.where(unknown, 0.0, rate)),
            u=np.cumsum(unknown, dtype=np.int64),
            row_of=np.where(seg.span > 0, ends, -1),
            span=seg.span,
            model_end=pl.DataFrame({"end": ends, "mid": mids}).select(pl.col("end").max().over("mid"))
            .to_series().to_numpy(),
        )

    def window(self, days: int, k: np.ndarray | None = None) -> np.ndarray:
        """Downloads in the ``days`` days up to each grid row (NaN if any day is unknown)."""
        k = self.k if k is None else k
        total = np.full(len(k), np.nan)
        unknown = np.ones(len(self.u), dtype=np.int64)
        total[days:] = k[days:] - k[:-days]
        unknown[days:] = self.u[days:] - self.u[:-days]
        return np.where(unknown == 0, total, np.nan)

    def _spike_test(self, at: np.ndarray, age: np.ndarray, week: np.ndarray,
                    d7: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(robust z, spike flag, baseline median in log units) of the 7-day windows ending at grid rows ``at``."""
        nan = np.float32(np.nan)
        baseline = []
        for j in range(1, BASELINE_WEEKS + 1):
            existed = np.isnan(age) | (age >= 7 * j + 6)  # the whole baseline week lies after creation
            baseline.append(np.where(existed, week[at - 7 * j], nan))
        z, med = robust_z(week[at], baseline)
        return z, (z > SPIKE_Z) & (d7[at] >= SPIKE_MIN_DOWNLOADS), med

    def spikes(self, age: np.ndarray, tested: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The spike test on the snapshot rows ``tested`` (a mask; the others are NaN and unflagged): (robust z,
        spike flag, a burst to clean out, the baseline's typical week).

        A flagged week is a burst once the week after it is known and not flagged: downloads fell back. When
        the week after is flagged as well, the level has moved - growth, not a burst - and the week stays as
        it is; while the week after is not known yet, nothing is decided (the row carries its flag).
        """
        rows = np.flatnonzero(tested & (self.row_of >= 0))
        at = self.row_of[rows]
        d7 = self.window(7)
        week = np.log1p(d7).astype(np.float32)
        z_rows, spike_rows, med_rows = self._spike_test(at, age[rows], week, d7)
        z = np.full(len(self.row_of), np.nan, dtype=np.float32)
        med = np.full(len(self.row_of), np.nan, dtype=np.float32)
        spike = np.zeros(len(self.row_of), dtype=bool)
        z[rows], med[rows], spike[rows] = z_rows, med_rows, spike_rows
        burst = np.zeros_like(spike)
        flagged = rows[spike_rows]
        later = self.row_of[flagged] + 7
        known = (later <= self.model_end[flagged]) & ~np.isnan(d7[np.minimum(later, len(d7) - 1)])
        if known.any():
            checked = flagged[known]
            _, again, _ = self._spike_test(later[known], age[checked] + 7, week, d7)
            burst[checked[~again]] = True
        return z, spike, burst, np.expm1(med.astype(np.float64))

    def cleaned(self, burst: np.ndarray, typical_week: np.ndarray) -> np.ndarray:
        """Running sums with every burst - the interval of a flagged week that fell back - brought down to its
        baseline's typical level, so that four weeks later, when it leaves the average, the model does not
        look as if it were fading."""
        rate = self.rate.copy()
        for end, span, level in zip(self.row_of[burst], self.span[burst], typical_week[burst], strict=True):
            days = slice(end - span + 1, end + 1)
            rate[days] = np.minimum(rate[days], level / 7)
        return np.cumsum(np.where(np.isnan(rate), 0.0, rate))

    def metrics(self, rows: np.ndarray, age: np.ndarray, tested: np.ndarray) -> dict[str, np.ndarray]:
        """Window sums, growth, the robust z-score and the burst-cleaned averages of snapshot rows ``rows``
        (NaN where a row has no grid day); ``tested``: the rows whose spike test can matter to them (theirs,
        and the weeks their momentum reads)."""
        at = self.row_of[rows]
        missing = at < 0
        if missing.all():
            return {name: np.full(len(rows), np.nan) for name in _METRICS}
        at = np.where(missing, LONGEST_WINDOW + MOMENTUM_REACH, at)
        z_all, _, burst, typical = self.spikes(age, tested)
        d7_all = self.window(7)
        d28_all = self.window(28)
        d28_clean = self.window(28, self.cleaned(burst, typical)) if burst.any() else d28_all
        d7, before7 = d7_all[at], d7_all[at - 7]
        d28, before28 = d28_all[at], d28_all[at - 7]
        with np.errstate(divide="ignore", invalid="ignore"):
            out = {
                "downloads_7d": d7,
                "downloads_28d": d28,
                "wow_growth": (d7 - before7) / np.maximum(before7, 1.0),
                "ma_4w": d28 / 4,
                "ma_4w_before": before28 / 4,
                "log_growth": np.log((d7 + 1) / (before7 + 1)),
                "robust_z": z_all[rows],
                "ma_4w_clean": d28_clean[at] / 4,
                "ma_4w_before_clean": d28_clean[at - 7] / 4,
            }
        if missing.any():
            for values in out.values():
                values[missing] = np.nan
        return out


def robust_z(x: np.ndarray, baseline: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Modified z-score of ``x`` against the median and MAD of the known baseline columns, and the median
    (NaN when fewer than :data:`MIN_BASELINE_WEEKS` are known).

    Rows with all eight weeks known - nearly all of a long history - take the median with a sorting network
    (19 element-wise min/max steps), which keeps them vectorised: numpy's per-row sort of millions of short
    rows is an order of magnitude slower. The rows with a partial baseline (a young model, the start of the
    history) are sorted with their unknown weeks last, and the median taken from the known ones.
    """
    med = _median(baseline)
    mad = _median([np.abs(c - med) for c in baseline])
    known = np.zeros(len(x), dtype=np.int8)
    for column in baseline:
        known += ~np.isnan(column)
    partial = np.flatnonzero((known >= MIN_BASELINE_WEEKS) & (known < len(baseline)))
    if len(partial):
        part = np.column_stack([c[partial] for c in baseline])
        k = known[partial].astype(np.int64)
        med[partial] = _known_median(part, k)
        mad[partial] = _known_median(np.abs(part - med[partial, None]), k)
    return 0.6745 * (x - med) / np.maximum(mad, MAD_FLOOR), med


def _known_median(rows: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Per row, the median of its ``known`` non-NaN values (``np.sort`` puts NaN last)."""
    ordered = np.sort(rows, axis=1)
    index = np.arange(len(rows))
    return (ordered[index, (known - 1) // 2] + ordered[index, known // 2]) / 2


_NETWORK_8 = ((0, 1), (2, 3), (4, 5), (6, 7), (0, 2), (1, 3), (4, 6), (5, 7), (1, 2), (5, 6), (0, 4), (3, 7),
              (1, 5), (2, 6), (1, 4), (3, 6), (2, 4), (3, 5), (3, 4))


MEDIAN_BLOCK = 1 << 15
"""Rows per block of the sorting network: its 19 steps then run in the CPU cache, not through memory."""


def _median(columns: list[np.ndarray]) -> np.ndarray:
    """Element-wise median of eight columns. A NaN anywhere makes it NaN: ``np.minimum``/``np.maximum``
    propagate NaN, and every output of a sorting network depends on every input."""
    if len(columns) != 8:
        raise ValueError("the sorting network sorts exactly eight columns")
    out = np.empty_like(columns[0])
    for lo in range(0, len(out), MEDIAN_BLOCK):
        v = [c[lo:lo + MEDIAN_BLOCK].copy() for c in columns]
        spare = np.empty_like(v[0])
        for i, j in _NETWORK_8:
            np.minimum(v[i], v[j], out=spare)
            np.maximum(v[i], v[j], out=v[j])
            v[i], spare = spare, v[i]
        out[lo:lo + MEDIAN_BLOCK] = (v[3] + v[4]) / 2
    return out


def _ranks(points: pl.DataFrame, first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
    """Per snapshot row dated ``first``..``last``: rank by the Hub's 30-day downloads among that date's models,
    and its change since the latest snapshot at least ``RANK_LAG_DAYS`` earlier (positive = moved up; NaN when
    not listed then). Other rows get NaN; only the dates needed are ranked."""
    day = points["day"].to_numpy()
    mid = points["mid"].to_numpy()
    days = points["day"].unique().sort().to_numpy()
    wanted = days[(days >= first) & (days <= last)]
    pos = np.searchsorted(days, wanted - RANK_LAG_DAYS, side="right") - 1
    needed = np.union1d(wanted, days[pos[pos >= 0]])
    by_day = pl.col("downloads_30d").rank("min", descending=True).over("day")
    if len(needed) == len(days):
        rank = points.select(by_day.cast(pl.Float32)).to_series().to_numpy(allow_copy=True)
    else:
        chosen = points["day"].is_in(needed.tolist()).to_numpy()
        rank = np.full(len(day), np.nan, dtype=np.float32)
        rank[chosen] = points.filter(pl.Series(chosen)).select(by_day).to_series().to_numpy(allow_copy=True)
    rows = np.flatnonzero((day >= first) & (day <= last))
    at = np.searchsorted(days, day[rows])
    pos = np.searchsorted(days, day[rows] - RANK_LAG_DAYS, side="right") - 1
    prior = np.where(pos >= 0, days[np.maximum(pos, 0)], -1)
    # Rows are sorted by (model, day): a model listed on every date in between has its prior row that many
    # rows back. Only the others (gaps, late entrants) are looked up.
    hit = np.maximum(rows - (at - pos), 0)
    found = (mid[hit] == mid[rows]) & (day[hit] == prior)
    lost = np.flatnonzero(~found & (prior >= 0))
    if len(lost):
        key = mid.astype(np.int64) * 100_000 + day
        want = mid[rows[lost]].astype(np.int64) * 100_000 + prior[lost]
        looked = np.minimum(np.searchsorted(key, want), len(key) - 1)
        hit[lost] = looked
        found[lost] = key[looked] == want
    change = np.full(len(day), np.nan, dtype=np.float32)
    change[rows] = np.where(found, rank[hit], np.nan) - rank[rows]
    return rank, change


def _labels(frame: pl.DataFrame, history_start: int) -> pl.DataFrame:
    """Momentum, anomaly and new-entrant labels, then the table's columns and types."""
    age_created = pl.col("day") - pl.col("created")
    age_seen = pl.col("day") - pl.col("first_seen")
    is_new = pl.when(pl.col("created").is_not_null()).then(age_created < NEW_DAYS).otherwise(
        (pl.col("first_seen") > history_start) & (age_seen < NEW_DAYS)
    )
    now, before = pl.col("ma_4w_clean"), pl.col("ma_4w_before_clean")
    slope = (now - before) / before
    momentum = (
        pl.when(is_new).then(pl.lit("new"))
        .when(now.is_null() | before.is_null()).then(None)
        .when(now == 0).then(pl.lit("fading"))
        .when(before == 0).then(pl.lit("rising"))
        .when(slope > RISING).then(pl.lit("rising"))
        .when(slope >= COOLING).then(pl.lit("steady"))
        .when(slope >= FADING).then(pl.lit("cooling"))
        .otherwise(pl.lit("fading"))
    )
    anomaly = (
        pl.when(pl.col("interval_downloads") < 0).then(pl.lit("negative_diff"))
        .when((pl.col("robust_z") > SPIKE_Z) & (pl.col("downloads_7d") >= SPIKE_MIN_DOWNLOADS)).then(pl.lit("spike"))
    )
    return frame.with_columns(cs.float().fill_nan(None)).select(
        pl.col("day").cast(pl.Date).alias("as_of"),
        "model_id",
        "downloads_30d",
        pl.col("a").alias("downloads_all_time"),
        pl.col("interval_downloads").cast(pl.Int64),
        pl.col("interval_days").cast(pl.Int32),
        "downloads_7d",
        "downloads_28d",
        pl.col("wow_growth").cast(pl.Float32),
        "ma_4w",
        pl.col("log_growth").cast(pl.Float32),
        momentum.cast(pl.Enum(MOMENTUM_LABELS)).alias("momentum"),
        pl.col("robust_z").cast(pl.Float32),
        anomaly.cast(pl.Enum(ANOMALIES)).alias("anomaly"),
        pl.col("rank").cast(pl.Int32),
        pl.col("rank_change").cast(pl.Int32),
        pl.col("first_seen").cast(pl.Date),
        ((pl.col("first_seen") == pl.col("day")) & (pl.col("day") > history_start)).alias("new_entrant"),
    )


def _day(value: date) -> int:
    return (value - _EPOCH).days
