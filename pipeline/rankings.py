"""Places per profile: quality first, then the weighted total; tie groups, Pareto front, families and series.

A model's total is the sum of its criteria contributions (0-1). Not every model gets a place (``status``):

* ``not_benchmarked``: the profile weighs quality (performance or fit) and the model has no C-MTEB result.
  Its quality is unknown, so no weighting of the other criteria may rank it; such models are listed
  separately, most downloaded first (view ``popular_not_benchmarked``);
* ``licence_gate``: the profile requires a licence that allows commercial use, and this one does not (or
  it is unknown);
* ``over_budget``: the profile has a ``max_params`` budget and the model is larger (or its size unknown);
* ``insufficient_data``: less than ``scores.min_coverage`` of the profile's weight is known;
* ``family_duplicate``: a better-placed model of the same family (a quantized, GGUF or ONNX copy, a
  fine-tune of the same root) already holds the family's place; ``represented_by`` names it.

The rest are ``ranked``. A quality-first profile (``quality_first``, the built-in default except
``cpu-edge``) sorts by its quality - the C-MTEB task-type means weighted by its ``task_weights`` - in
bands: the best model not yet placed and every model within ``quality_tolerance`` points of it form a
band (``quality_band``, the rank of its first model), and inside a band the weighted total decides. So
cost and popularity choose among models of equal quality, and never lift a model over a clearly better
one. Other profiles rank by the weighted total. Ties (``tie_group``) are models of one band whose totals
lie within ``scores.tie_tolerance`` of their group's leader. ``series_id`` groups the sizes of one model
series (pipeline/families.py) so that a shortlist can show one row per series.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import duckdb
import numpy as np
import polars as pl

from pipeline.config import Profile, ScoresConfig
from pipeline.criteria import quality
from pipeline.families import series_of

STATUSES = ("ranked", "family_duplicate", "licence_gate", "over_budget", "insufficient_data", "not_benchmarked")
QUALITY_CRITERIA = ("performance", "fit")
"""A profile that weighs either needs a C-MTEB result to place a model."""
RANK_CHANGE_DAYS = 7
"""``rank_change`` compares with the latest ranking at least a week older."""


def load_previous(con: duckdb.DuckDBPyConnection, as_of: date) -> pl.DataFrame:
    """Per profile, the ranks of the latest ranking at least ``RANK_CHANGE_DAYS`` before ``as_of``."""
    return con.sql(
        "SELECT r.profile, r.model_id, r.rank AS previous_rank FROM rankings r"
        " JOIN (SELECT profile, max(as_of) AS as_of FROM rankings WHERE as_of <= $before GROUP BY profile) p"
        " USING (profile, as_of) WHERE r.rank IS NOT NULL",
        params={"before": as_of - timedelta(days=RANK_CHANGE_DAYS)},
    ).pl()


def profile_quality(inputs: pl.DataFrame, profiles: Mapping[str, Profile]) -> pl.DataFrame:
    """(profile, model_id, quality): each profile's quality measure for every model (NULL: no C-MTEB result)."""
    return pl.concat([inputs.select(pl.lit(name).alias("profile"), "model_id", quality(p).alias("quality"))
                      for name, p in profiles.items()])


def rank_models(criteria: pl.DataFrame, facts: pl.DataFrame, previous: pl.DataFrame,
                profiles: Mapping[str, Profile], scores: ScoresConfig, qualities: pl.DataFrame) -> pl.DataFrame:
    """One row per (profile, model) with its total, place (or why it has none), band, tie group and Pareto flag.

    ``criteria`` are :func:`pipeline.criteria.score_criteria` rows, ``facts`` :func:`pipeline.facts.resolve`
    rows plus ``family_id``, ``qualities`` :func:`profile_quality` rows.
    """
    known_weight = pl.col("weight").filter(~pl.col("missing")).sum()
    totals = criteria.group_by("profile", "model_id").agg(
        total_score=pl.col("contribution").sum(),
        coverage=pl.when(pl.col("weight").sum() > 0).then(known_weight / pl.col("weight").sum()),
        missing=pl.col("criterion").filter(pl.col("missing") & (pl.col("weight") > 0)).sort(),
        needs_quality=(pl.col("weight").filter(pl.col("criterion").is_in(QUALITY_CRITERIA)).sum() > 0),
    ).with_columns(total_score=pl.when(pl.col("coverage") > 0).then("total_score"))
    settings = pl.DataFrame({
        "profile": list(profiles),
        "license_gate": [p.license_gate for p in profiles.values()],
        "quality_first": [p.quality_first for p in profiles.values()],
        "tolerance": [float(p.quality_tolerance) for p in profiles.values()],
        "max_params": [p.max_params for p in profiles.values()],
    }, schema_overrides={"max_params": pl.Int64})
    df = (totals.join(qualities, on=["profile", "model_id"], how="left")
          .join(facts, on="model_id", how="left").join(settings, on="profile", how="left"))
    status = (
        pl.when(pl.col("needs_quality") & pl.col("quality").is_null()).then(pl.lit("not_benchmarked"))
        .when(pl.col("license_gate") & ~pl.col("commercial_use").fill_null(False)).then(pl.lit("licence_gate"))
        .when(pl.col("max_params").is_not_null() & ~(pl.col("params") <= pl.col("max_params")).fill_null(False))
        .then(pl.lit("over_budget"))
        .when(pl.col("total_score").is_null() | (pl.col("coverage") < scores.min_coverage))
        .then(pl.lit("insufficient_data"))
        .otherwise(pl.lit("eligible"))
    )
    df = _order(df.with_columns(status=status), scores.tie_tolerance)
    eligible = pl.col("status") == "eligible"
    best = pl.col("model_id").filter(eligible).first().over("profile", "family_id")
    df = df.with_columns(represented_by=pl.when(eligible & (pl.col("model_id") != best)).then(best)).with_columns(
        status=pl.when(pl.col("represented_by").is_not_null()).then(pl.lit("family_duplicate"))
        .when(eligible).then(pl.lit("ranked")).otherwise("status")
    )
    ranked = _order(df.filter(pl.col("status") == "ranked"), scores.tie_tolerance).with_columns(
        rank=pl.int_range(1, pl.len() + 1, dtype=pl.Int32).over("profile"))
    ranked = ranked.with_columns(
        quality_band=pl.col("rank").first().over("profile", "band"),
        tie_group=pl.col("rank").first().over("profile", "band", "tie"),
    )
    ranked = ranked.join(pareto_front(ranked), on=["profile", "model_id"], how="left")
    out = df.join(ranked.select("profile", "model_id", "rank", "quality_band", "tie_group", "pareto"),
                  on=["profile", "model_id"], how="left")
    out = out.join(previous, on=["profile", "model_id"], how="left").with_columns(
        rank_change=(pl.col("previous_rank") - pl.col("rank")).cast(pl.Int32),
        missing_policy=pl.lit(scores.missing_policy),
        series_id=pl.col("model_id").map_elements(series_of, return_dtype=pl.String),
    )
    return out.select(
        "profile", "model_id", "rank", "total_score", "coverage", "quality_band", "tie_group", "rank_change",
        "status", "represented_by", "family_id", "series_id", "pareto", "quality", "params", "embed_dim",
        "license", "commercial_use", "missing", "missing_policy",
    ).sort("profile", "rank", "model_id", nulls_last=True)


def _order(df: pl.DataFrame, tie_tolerance: float) -> pl.DataFrame:
    """Sort each profile's models into their places and label their quality band and tie group.

    Quality-first profiles that weigh quality: bands by quality (:func:`bands`), the total inside a band;
    other profiles: one band, the total. Then coverage and model id, so the order is total.
    """
    parts = []
    for part in df.partition_by("profile", maintain_order=True):
        first = part["quality_first"][0] and part["needs_quality"][0]
        tolerance = part["tolerance"][0]
        part = part.sort(["quality", "model_id"], descending=[True, False], nulls_last=True)
        band = (bands(part["quality"].fill_null(-np.inf).to_numpy(), tolerance) if first
                else np.ones(part.height, dtype=np.int64))
        part = part.with_columns(band=pl.Series(band, dtype=pl.Int64)).sort(
            ["band", "total_score", "coverage", "model_id"], descending=[False, True, True, False], nulls_last=True)
        totals = part["total_score"].fill_null(-np.inf).to_numpy()
        ties = np.concatenate([bands(totals[idx], tie_tolerance) + idx[0] * 10_000
                               for idx in _runs(part["band"].to_numpy())]) if part.height else np.array([])
        parts.append(part.with_columns(tie=pl.Series(ties, dtype=pl.Int64)))
    return pl.concat(parts) if parts else df.with_columns(band=pl.lit(None, pl.Int64), tie=pl.lit(None, pl.Int64))


def _runs(values: np.ndarray) -> list[np.ndarray]:
    """Index ranges of equal consecutive values."""
    cuts = np.flatnonzero(np.diff(values)) + 1
    return np.split(np.arange(len(values)), cuts)


def bands(values: np.ndarray, tolerance: float) -> np.ndarray:
    """For values sorted best first: the 1-based position of each one's group leader.

    A group starts at the best value not yet grouped and takes every value within ``tolerance`` of it, so
    no group is wider than the tolerance (chaining neighbours would merge a dense cohort into one group).
    One step per group, each a binary search.
    """
    out = np.empty(len(values), dtype=np.int64)
    i = 0
    while i < len(values):
        j = i + int(np.searchsorted(-values[i:], -(values[i] - tolerance), side="right"))
        j = max(j, i + 1)
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
