"""Totals, ranks, tie groups, the Pareto front and family de-duplication, per profile.

A model's total is the sum of its criteria contributions (0-1). Not every model gets a place:

* ``insufficient_data``: less than ``scores.min_coverage`` of the profile's weight is known, so the total
  would rest on a few criteria (under ``renormalise`` a model known only by its downloads could top the list);
* ``licence_gate``: the profile requires a licence that allows commercial use, and this one does not (or
  it is unknown);
* ``family_duplicate``: a better-scoring model of the same family (a quantized, GGUF or ONNX copy, a
  fine-tune of the same root) already holds the family's place; ``represented_by`` names it.

The rest are ``ranked`` 1..n by total (ties broken by coverage, then model id). Models whose totals lie
within ``scores.tie_tolerance`` of their group's leader share a ``tie_group`` (the leader's rank): the data
cannot tell them apart. The Pareto front marks ranked models that no other ranked model beats on quality
(the profile-weighted C-MTEB mean) without costing more parameters or a larger dimension.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import duckdb
import numpy as np
import polars as pl

from pipeline.config import Profile, ScoresConfig

STATUSES = ("ranked", "family_duplicate", "licence_gate", "insufficient_data")
RANK_CHANGE_DAYS = 7
"""``rank_change`` compares with the latest ranking at least a week older."""

_ORDER = (["total_score", "coverage", "model_id"], [True, True, False])


def load_previous(con: duckdb.DuckDBPyConnection, as_of: date) -> pl.DataFrame:
    """Per profile, the ranks of the latest ranking at least ``RANK_CHANGE_DAYS`` before ``as_of``."""
    return con.sql(
        "SELECT r.profile, r.model_id, r.rank AS previous_rank FROM rankings r"
        " JOIN (SELECT profile, max(as_of) AS as_of FROM rankings WHERE as_of <= $before GROUP BY profile) p"
        " USING (profile, as_of) WHERE r.rank IS NOT NULL",
        params={"before": as_of - timedelta(days=RANK_CHANGE_DAYS)},
    ).pl()


def rank_models(criteria: pl.DataFrame, facts: pl.DataFrame, previous: pl.DataFrame,
                profiles: Mapping[str, Profile], scores: ScoresConfig) -> pl.DataFrame:
    """One row per (profile, model) with its total, place (or why it has none), tie group and Pareto flag.

    ``criteria`` are :func:`pipeline.criteria.score_criteria` rows, ``facts`` :func:`pipeline.criteria.model_facts`.
    """
    known_weight = pl.col("weight").filter(~pl.col("missing")).sum()
    totals = criteria.group_by("profile", "model_id").agg(
        total_score=pl.col("contribution").sum(),
        coverage=pl.when(pl.col("weight").sum() > 0).then(known_weight / pl.col("weight").sum()),
        missing=pl.col("criterion").filter(pl.col("missing") & (pl.col("weight") > 0)).sort(),
        quality=pl.col("raw_value").filter(pl.col("criterion") == "fit").first(),
    ).with_columns(total_score=pl.when(pl.col("coverage") > 0).then("total_score"))
    gates = pl.DataFrame({"profile": list(profiles), "license_gate": [p.license_gate for p in profiles.values()]})
    df = totals.join(facts, on="model_id", how="left").join(gates, on="profile", how="left")
    status = (
        pl.when(pl.col("total_score").is_null() | (pl.col("coverage") < scores.min_coverage))
        .then(pl.lit("insufficient_data"))
        .when(pl.col("license_gate") & ~pl.col("commercial_use").fill_null(False)).then(pl.lit("licence_gate"))
        .otherwise(pl.lit("eligible"))
    )
    df = df.with_columns(status=status).sort(["profile", *_ORDER[0]], descending=[False, *_ORDER[1]])
    eligible = pl.col("status") == "eligible"
    best = pl.col("model_id").filter(eligible).first().over("profile", "family_id")
    df = df.with_columns(represented_by=pl.when(eligible & (pl.col("model_id") != best)).then(best)).with_columns(
        status=pl.when(pl.col("represented_by").is_not_null()).then(pl.lit("family_duplicate"))
        .when(eligible).then(pl.lit("ranked")).otherwise("status")
    )
    ranked = df.filter(pl.col("status") == "ranked").with_columns(
        rank=pl.int_range(1, pl.len() + 1, dtype=pl.Int32).over("profile")
    )
    ranked = pl.concat(
        [part.with_columns(tie_group=pl.Series(tie_groups(part["total_score"].to_numpy(), scores.tie_tolerance),
                                               dtype=pl.Int32))
         for part in ranked.partition_by("profile", maintain_order=True)],
        how="vertical",
    ) if ranked.height else ranked.with_columns(tie_group=pl.lit(None, dtype=pl.Int32))
    ranked = ranked.join(pareto_front(ranked), on=["profile", "model_id"], how="left")
    out = df.join(ranked.select("profile", "model_id", "rank", "tie_group", "pareto"),
                  on=["profile", "model_id"], how="left")
    out = out.join(previous, on=["profile", "model_id"], how="left").with_columns(
        rank_change=(pl.col("previous_rank") - pl.col("rank")).cast(pl.Int32),
        missing_policy=pl.lit(scores.missing_policy),
    )
    return out.select(
        "profile", "model_id", "rank", "total_score", "coverage", "tie_group", "rank_change", "status",
        "represented_by", "family_id", "pareto", "quality", "params", "embed_dim", "license", "commercial_use",
        "missing", "missing_policy",
    ).sort("profile", "rank", "model_id", nulls_last=True)


def tie_groups(totals: np.ndarray, tolerance: float) -> np.ndarray:
    """For totals sorted best first: the 1-based position of each one's group leader.

    A group starts at the best model not yet grouped and takes every model within ``tolerance`` of it, so
    no group is wider than the tolerance (chaining neighbours would merge a dense cohort into one group).
    One step per group, each a binary search.
    """
    out = np.empty(len(totals), dtype=np.int64)
    i = 0
    while i < len(totals):
        j = i + int(np.searchsorted(-totals[i:], -(totals[i] - tolerance), side="right"))
        out[i:j] = i + 1
        i = j
    return out


def pareto_front(ranked: pl.DataFrame) -> pl.DataFrame:
    """(profile, model_id, pareto): no other ranked model of the profile has quality at least as high with
    no more parameters and no larger dimension (and is better on one). NULL when one of the three is unknown."""
    parts = []
    for part in ranked.partition_by("profile", maintain_order=True):
        known = part.select(pl.all_horizontal(pl.col("quality", "params", "embed_dim").is_not_null())).to_series()
        front = np.full(part.height, None, dtype=object)
        values = part.filter(known).select("quality", "params", "embed_dim").to_numpy().astype(np.float64)
        front[known.to_numpy()] = _not_dominated(values)
        parts.append(part.select("profile", "model_id").with_columns(pareto=pl.Series(front.tolist(), dtype=pl.Boolean)))
    schema = {"profile": pl.String, "model_id": pl.String, "pareto": pl.Boolean}
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


def _not_dominated(values: np.ndarray, block: int = 512) -> np.ndarray:
    """Rows of (quality, params, dim) that no other row dominates (quality higher, costs lower); pairwise,
    ``block`` rows at a time, so memory stays at ``block x n`` booleans."""
    q, p, d = values[:, 0], values[:, 1], values[:, 2]
    out = np.ones(len(values), dtype=bool)
    for lo in range(0, len(values), block):
        qi, pi, di = q[lo:lo + block, None], p[lo:lo + block, None], d[lo:lo + block, None]
        weakly = (q >= qi) & (p <= pi) & (d <= di)
        strictly = (q > qi) | (p < pi) | (d < di)
        out[lo:lo + block] = ~(weakly & strictly).any(axis=1)
    return out
