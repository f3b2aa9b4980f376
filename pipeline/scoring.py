"""One scoring pass: the trends still missing up to ``as_of``, then the criteria and rankings of ``as_of``.

The pipeline's own test repositories (``models.fixture``) are kept out of the market: the cohort that the
criteria are normalised over and that is ranked leaves them out, so they cannot shift a real model's score.
They still get criteria rows (scored against the market plus themselves), so what their smoke tests
measured is visible in ``criteria_scores``, but never a ``rankings`` row.

Reads only (a read-only connection); :func:`warehouse.scores.write_scores` stores the result in one
transaction. Trends are incremental: each run computes the snapshot dates after the last one with trends
(always including the latest snapshot on or before ``as_of``, so a rerun replaces it); ``full`` recomputes
the whole history, e.g. after a backfill of old snapshots.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

import duckdb
import polars as pl

from pipeline import criteria, facts, rankings, trends
from pipeline.config import Config
from pipeline.issues import DataIssue


class ScoringError(RuntimeError):
    """Scores cannot be computed as asked; the message says why and what to do."""


@dataclass
class Scores:
    """Everything one scoring pass writes."""

    as_of: date
    snapshot_date: date
    trend_dates: tuple[date, date]
    trends: pl.DataFrame
    facts: pl.DataFrame
    criteria: pl.DataFrame
    rankings: pl.DataFrame
    issues: list[DataIssue] = field(default_factory=list)
    """Facts on which two sources disagree (``data_issues``, source ``facts``)."""
    details: dict = field(default_factory=dict)


def trend_dates(con: duckdb.DuckDBPyConnection, as_of: date, full: bool = False) -> tuple[date, date]:
    """The snapshot dates whose trends this pass (re)computes: ``first``..``last`` (the snapshot of ``as_of``)."""
    last, start, done = con.execute(
        "SELECT (SELECT max(snapshot_date) FROM model_snapshots WHERE snapshot_date <= $as_of),"
        " (SELECT min(snapshot_date) FROM model_snapshots),"
        " (SELECT max(as_of) FROM download_trends WHERE as_of <= $as_of)",
        {"as_of": as_of},
    ).fetchall()[0]
    if last is None:
        raise ScoringError(f"no Hub snapshot on or before {as_of}; run `radar run hub` (or `radar demo`) first")
    if full or done is None or done >= last:
        return (start if full or done is None else last), last
    pending = con.execute(
        "SELECT min(snapshot_date) FROM model_snapshots WHERE snapshot_date > ?", [done]
    ).fetchall()[0][0]
    return pending, last


def compute_scores(con: duckdb.DuckDBPyConnection, as_of: date, cfg: Config, full: bool = False) -> Scores:
    """Trends for the pending snapshot dates, then the eight criteria and the rankings of every profile."""
    clock = time.perf_counter()
    first, last = trend_dates(con, as_of, full)
    gap = cfg.scores.max_gap_days
    trend_rows = trends.compute_trends(trends.load_history(con, first, last, gap), first, last, gap)
    seconds = {"trends": time.perf_counter() - clock}
    inputs = criteria.load_inputs(con, as_of, cfg.scores.protocol, trend_rows.filter(pl.col("as_of") == last))
    known = facts.resolve(inputs)
    fixture = pl.col("model_id").is_in(fixture_ids(con))
    market = inputs.filter(~fixture)
    scored = criteria.score_criteria(market, cfg.profiles, cfg.scores, as_of, known)
    fixtures = (criteria.score_criteria(inputs, cfg.profiles, cfg.scores, as_of, known).filter(fixture)
                if market.height < inputs.height else scored.clear())
    seconds["criteria"] = time.perf_counter() - clock - seconds["trends"]
    ranked = rankings.rank_models(scored, known.join(market.select("model_id", "family_id"), on="model_id"),
                                  rankings.load_previous(con, as_of), cfg.profiles, cfg.scores,
                                  rankings.profile_quality(market, cfg.profiles))
    scored = pl.concat([scored, fixtures])
    seconds["rankings"] = time.perf_counter() - clock - seconds["trends"] - seconds["criteria"]
    conflicts = facts.conflicts(market)
    anomalies = trend_rows["anomaly"].value_counts().drop_nulls()
    details = {
        "snapshot_date": last.isoformat(),
        "trend_dates": [first.isoformat(), last.isoformat()],
        "trend_rows": trend_rows.height,
        "anomalies": {str(a): int(n) for a, n in anomalies.iter_rows()},
        "cohort": market.height,
        "fixtures": inputs.height - market.height,
        "cmteb_date": _first(inputs["lb_date"].drop_nulls()),
        "protocol": cfg.scores.protocol,
        "missing_policy": cfg.scores.missing_policy,
        "ranked": {p: int(n) for p, n in ranked.filter(pl.col("status") == "ranked")
                   .group_by("profile").len().sort("profile").iter_rows()},
        "facts_known": {f: int(known[f].is_not_null().sum()) for f in ("params", "embed_dim", "max_tokens")},
        "fact_conflicts": len(conflicts),
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
    }
    return Scores(as_of, last, (first, last), trend_rows, known, scored, ranked, conflicts, details)


def fixture_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The pipeline's own test repositories (``models.fixture``, from ``smoke.fixtures``)."""
    return [r[0] for r in con.execute("SELECT model_id FROM models WHERE fixture ORDER BY 1").fetchall()]


def _first(values: pl.Series) -> str | None:
    return str(values[0]) if values.len() else None
