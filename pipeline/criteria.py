"""The eight selection criteria as explainable 0-1 scores.

For every model of the cohort (the Hub models of the latest snapshot on or before ``as_of``) and every
criterion, one row says: the raw measure in its own unit, where it came from, a readable breakdown of its
components, and a score between 0 and 1 that compares it with the rest of the cohort. Per profile the
row adds the weight and the contribution to the model's total.

Unknown is never scored as zero: a criterion without data is ``missing``, and the configured policy
either drops it and renormalises the other weights (``renormalise``) or gives it a fixed, documented
penalty (``penalise``). Values derived rather than measured (speed estimated from the parameter count,
benchmark results taken from the base model of a quantized copy) are flagged ``estimated``.

Every measure, source and normalisation is documented in docs/criteria.md; the constants live here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date

import duckdb
import polars as pl

from pipeline.config import CRITERIA, TASK_TYPES, Profile, ScoresConfig
from pipeline.normalize import is_permissive

TYPE_COLUMNS: dict[str, str] = {
    "Retrieval": "retrieval",
    "Reranking": "reranking",
    "STS": "sts",
    "PairClassification": "pair_classification",
    "Classification": "classification",
    "Clustering": "clustering",
}
"""C-MTEB task type -> its column in ``cmteb_leaderboard``."""

SPEED_K0 = 5.0e9
"""Sentences per second times parameters on the smoke-test machine (2 CPU threads): all-MiniLM-L6-v2, 22.7M
parameters, encodes about 210-275 sentences/s there. Used only until three models have measured speeds."""
SPEED_MIN_CALIBRATION = 3
CONTEXT_MIN, CONTEXT_MAX = 512, 32768
"""Max tokens scored 0 at 512 (or less) and 1 at 32k (or more), log scale."""
SCALABILITY_VARIANT_SHARE = 0.2
"""Share of the scalability score for an efficient variant (ONNX, GGUF, OpenVINO, a quantized copy)."""
EFFICIENT_FORMATS = ("onnx", "gguf", "openvino")
MODEL_FAILURES = ("check_failed", "load_error", "hang", "oom", "crash")
"""Smoke-test failures that say something about the model; others (download errors, budgets) are unknown,
and so is ``unavailable`` (the weights could not be fetched from the endpoint)."""
TRAINING_PARTS = {"zero_shot": 0.5, "data": 0.25, "code": 0.25}
COMMUNITY_PARTS = {"downloads": 0.45, "likes": 0.25, "momentum": 0.15, "recency": 0.15}
MOMENTUM_SCORE = {"rising": 1.0, "new": 0.75, "steady": 0.5, "cooling": 0.25, "fading": 0.0}
RECENT_DAYS, STALE_DAYS = 90, 730
"""Updated within 90 days scores 1 for recency, not for two years 0, linear in between."""

UNITS = {
    "performance": "C-MTEB mean over task types (0-100)",
    "speed": "sentences/s",
    "dimension": "dimensions",
    "fit": "profile-weighted C-MTEB task-type mean (0-100)",
    "training": "transparency (0-1)",
    "scalability": "parameters",
    "compatibility": "share of checks passed (0-1)",
    "community": "downloads (30 d)",
}

_INPUTS = """
WITH
snap AS (SELECT max(snapshot_date) AS d FROM model_snapshots WHERE snapshot_date <= $as_of),
cohort AS (
    SELECT s.*, coalesce(m.family_id, s.model_id) AS family_id
    FROM model_snapshots s JOIN snap ON s.snapshot_date = snap.d LEFT JOIN models m USING (model_id)
),
lb AS (
    SELECT * FROM cmteb_leaderboard
    WHERE protocol = $protocol AND model_id IS NOT NULL AND snapshot_date = (
        SELECT max(snapshot_date) FROM cmteb_leaderboard WHERE protocol = $protocol AND snapshot_date <= $as_of)
    QUALIFY row_number() OVER (PARTITION BY model_id
                               ORDER BY n_tasks DESC NULLS LAST, mean_task_type DESC NULLS LAST, model_name) = 1
),
cm AS (
    SELECT * FROM cmteb_models
    WHERE model_id IS NOT NULL AND snapshot_date = (
        SELECT max(snapshot_date) FROM cmteb_models WHERE snapshot_date <= $as_of)
    QUALIFY row_number() OVER (PARTITION BY model_id ORDER BY n_parameters DESC NULLS LAST, model_name) = 1
),
smoke AS (
    SELECT * FROM smoke_results
    WHERE snapshot_date <= $as_of
      AND (status = 'passed' OR (status = 'failed' AND failure_class IN $model_failures))
    QUALIFY row_number() OVER (PARTITION BY model_id ORDER BY snapshot_date DESC, tested_at DESC) = 1
),
-- Whose benchmark rows stand for a model: its own, else (a quantized copy) its base model's.
src AS (
    SELECT c.model_id,
        CASE WHEN c.model_id IN (SELECT model_id FROM lb) THEN c.model_id
             WHEN c.base_relation = 'quantized' AND c.base_model IN (SELECT model_id FROM lb) THEN c.base_model
        END AS lb_id,
        CASE WHEN c.model_id IN (SELECT model_id FROM cm) THEN c.model_id
             WHEN c.base_relation = 'quantized' AND c.base_model IN (SELECT model_id FROM cm) THEN c.base_model
        END AS cm_id
    FROM cohort c
),
copies AS (
    SELECT DISTINCT base_model AS model_id FROM cohort WHERE base_relation = 'quantized'
    UNION SELECT family_id FROM cohort
    WHERE family_id <> model_id AND base_relation IS NULL AND list_has_any(formats, $efficient)
)
SELECT
    c.model_id, c.snapshot_date, c.family_id, c.base_model, c.base_relation,
    c.downloads_30d, c.likes, c.params AS hub_params, c.license AS hub_license, c.library_name, c.tags,
    c.formats, c.last_modified,
    src.lb_id, lb.snapshot_date AS lb_date, lb.n_tasks, lb.mean_task_type,
    lb.retrieval, lb.reranking, lb.sts, lb.pair_classification, lb.classification, lb.clustering,
    src.cm_id, cm.n_parameters, cm.embed_dim, cm.max_tokens, cm.license AS cm_license, cm.zero_shot_pct,
    CAST(cm.public_training_data AS VARCHAR) AS public_training_data,
    CAST(cm.public_training_code AS VARCHAR) AS public_training_code,
    sm.status AS smoke_status, sm.snapshot_date AS smoke_date, sm.sentences_per_second,
    sm.embedding_dim AS smoke_dim, sm.peak_rss_mb,
    t.momentum, t.anomaly,
    (list_has_any(c.formats, $efficient) OR c.model_id IN (SELECT model_id FROM copies)) AS has_variant
FROM cohort c
JOIN src USING (model_id)
LEFT JOIN lb ON lb.model_id = src.lb_id
LEFT JOIN cm ON cm.model_id = src.cm_id
LEFT JOIN smoke sm ON sm.model_id = c.model_id
LEFT JOIN cohort_trends t ON t.model_id = c.model_id
ORDER BY c.model_id
"""


def load_inputs(con: duckdb.DuckDBPyConnection, as_of: date, protocol: str,
                trends: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per cohort model with every raw input of the criteria.

    ``trends`` are the cohort's ``download_trends`` rows of the snapshot date (momentum, anomaly); by default
    they are read from the table, a caller that has just computed them passes them in.
    """
    if trends is None:
        trends = con.sql(
            "SELECT model_id, CAST(momentum AS VARCHAR) AS momentum, CAST(anomaly AS VARCHAR) AS anomaly"
            " FROM download_trends WHERE as_of = (SELECT max(snapshot_date) FROM model_snapshots"
            " WHERE snapshot_date <= $as_of)",
            params={"as_of": as_of},
        ).pl()
    cohort_trends = trends.select(
        pl.col("model_id").cast(pl.String), pl.col("momentum").cast(pl.String), pl.col("anomaly").cast(pl.String)
    )
    con.register("cohort_trends", cohort_trends)
    try:
        return con.sql(_INPUTS, params={"as_of": as_of, "protocol": protocol, "efficient": list(EFFICIENT_FORMATS),
                                        "model_failures": list(MODEL_FAILURES)}).pl()
    finally:
        con.unregister("cohort_trends")


def score_criteria(inputs: pl.DataFrame, profiles: Mapping[str, Profile], scores: ScoresConfig,
                   as_of: date) -> pl.DataFrame:
    """Every (profile, model, criterion): raw value, source, detail, score, weight and contribution."""
    facts = model_facts(inputs)
    shared = _shared_criteria(inputs, facts, as_of)
    rows = [shared.join(pl.DataFrame({"profile": [name]}), how="cross") for name in profiles]
    rows += [_fit(inputs, name, profile) for name, profile in profiles.items()]
    long = pl.concat(rows, how="diagonal_relaxed")
    weights = pl.DataFrame(
        [(name, c, float(p.weights.get(c, 0.0))) for name, p in profiles.items() for c in CRITERIA],
        schema={"profile": pl.String, "criterion": pl.String, "weight": pl.Float64}, orient="row",
    )
    return _apply_policy(long.join(weights, on=["profile", "criterion"]), scores)


def model_facts(inputs: pl.DataFrame) -> pl.DataFrame:
    """Per model: the licence (Hub, else the benchmark's metadata), whether it allows commercial use,
    parameters and embedding dimension as used by the criteria, for filters and the Pareto front."""
    hub_unknown = pl.col("hub_license").is_null() | pl.col("hub_license").str.to_lowercase().is_in(
        ["other", "unknown", "not specified"])
    license = pl.when(hub_unknown & pl.col("cm_license").is_not_null()).then("cm_license").otherwise("hub_license")
    frame = inputs.select(
        "model_id",
        "family_id",
        license.alias("license"),
        pl.coalesce(_positive("hub_params"), _positive("n_parameters")).cast(pl.Int64).alias("params"),
        pl.coalesce(
            pl.when(pl.col("smoke_status") == "passed").then(_positive("smoke_dim")), _positive("embed_dim")
        ).cast(pl.Int64).alias("embed_dim"),
    )
    verdicts = {v: is_permissive(v) for v in frame["license"].drop_nulls().unique().to_list()}
    return frame.with_columns(
        commercial_use=pl.col("license").replace_strict(verdicts, default=None, return_dtype=pl.Boolean)
    )


def _positive(name: str) -> pl.Expr:
    return pl.when(pl.col(name) > 0).then(pl.col(name))


def _minmax(x: pl.Expr, lower_is_better: bool = False) -> pl.Expr:
    """0-1 across the cohort's known values (1 = best); when all are equal, all are best."""
    lo, hi = x.min(), x.max()
    scaled = (hi - x) / (hi - lo) if lower_is_better else (x - lo) / (hi - lo)
    return pl.when(x.is_null()).then(None).when(hi > lo).then(scaled).otherwise(1.0)


def _fmt(x: pl.Expr, decimals: int = 0) -> pl.Expr:
    return x.round(decimals).cast(pl.Int64 if decimals == 0 else pl.Float64).cast(pl.String)


def _criterion(name: str, raw: pl.Expr, score: pl.Expr, estimated: pl.Expr, source: pl.Expr,
               detail: pl.Expr) -> pl.Expr:
    return pl.struct(
        raw_value=raw.cast(pl.Float64), score=score.cast(pl.Float64),
        estimated=estimated.fill_null(False), source=source, detail=detail,
    ).alias(name)


def _shared_criteria(inputs: pl.DataFrame, facts: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """The seven criteria that do not depend on the profile, in long form (model_id, criterion, ...)."""
    df = inputs.join(facts.select("model_id", "params", "embed_dim", "commercial_use"), on="model_id")
    measured = pl.when((pl.col("smoke_status") == "passed") & (pl.col("sentences_per_second") > 0)).then(
        pl.col("sentences_per_second"))
    df = df.with_columns(measured_sps=measured)
    wide = df.select("model_id", _performance(), _speed(_speed_constant(df)), _dimension(), _training(),
                     _scalability(), _compatibility(), _community(as_of))
    return _long(wide)


def _inherited(col: str) -> pl.Expr:
    """The model's benchmark rows (``lb_id`` or ``cm_id``) are its base model's."""
    return pl.col(col).is_not_null() & (pl.col(col) != pl.col("model_id"))


def _performance() -> pl.Expr:
    mean = pl.col("mean_task_type")
    return _criterion(
        "performance", mean, _minmax(mean), _inherited("lb_id"),
        pl.when(mean.is_not_null()).then(
            pl.concat_str(pl.lit("C-MTEB leaderboard "), pl.col("lb_date").cast(pl.String), _via("lb_id"))),
        pl.when(mean.is_not_null()).then(pl.concat_str(
            pl.lit("Mean (TaskType) "), _fmt(mean, 2), pl.lit(" over "), pl.col("n_tasks").cast(pl.String),
            pl.lit(" tasks")))
        .when(pl.col("lb_id").is_not_null()).then(pl.lit("C-MTEB results incomplete"))
        .otherwise(pl.lit("no C-MTEB results")),
    )


def _speed_constant(df: pl.DataFrame) -> float:
    """``sentences/s x parameters`` on the smoke-test machine: the cohort's median once three are measured."""
    known = df.filter(pl.col("measured_sps").is_not_null() & pl.col("params").is_not_null())
    if known.height < SPEED_MIN_CALIBRATION:
        return SPEED_K0
    return float(known.select((pl.col("measured_sps") * pl.col("params")).median()).item())


def _speed(k: float) -> pl.Expr:
    measured = pl.col("measured_sps")
    sps = pl.coalesce(measured, pl.lit(k) / pl.col("params"))
    return _criterion(
        "speed", sps, _minmax(sps.log()), measured.is_null() & sps.is_not_null(),
        pl.when(measured.is_not_null()).then(pl.concat_str(pl.lit("smoke test "), pl.col("smoke_date").cast(pl.String)))
        .when(sps.is_not_null()).then(pl.lit("estimate from the parameter count")),
        pl.when(measured.is_not_null()).then(pl.concat_str(_fmt(measured), pl.lit(" sentences/s measured")))
        .when(sps.is_not_null()).then(pl.concat_str(
            pl.lit("about "), _fmt(sps), pl.lit(f" sentences/s = {k:.2g} / "), _fmt(pl.col("params") / 1e6),
            pl.lit("M parameters")))
        .otherwise(pl.lit("no smoke test and no parameter count")),
    )


def _dimension() -> pl.Expr:
    dim = pl.col("embed_dim")
    from_smoke = (pl.col("smoke_status") == "passed") & (pl.col("smoke_dim") > 0)
    return _criterion(
        "dimension", dim, _minmax(dim.log(), lower_is_better=True), ~from_smoke & _inherited("cm_id"),
        pl.when(from_smoke).then(pl.lit("smoke test (output checked)"))
        .when(dim.is_not_null()).then(pl.concat_str(pl.lit("C-MTEB model metadata"), _via("cm_id"))),
        pl.when(dim.is_not_null()).then(pl.concat_str(
            _fmt(dim), pl.lit(" dims, "), _fmt(dim * 4 / 1024, 1), pl.lit(" KiB per float32 vector")))
        .otherwise(pl.lit("dimension unknown")),
    )


def _training() -> pl.Expr:
    parts = {"zero_shot": pl.col("zero_shot_pct") / 100, "data": _public("public_training_data"),
             "code": _public("public_training_code")}
    transparency = _weighted_mean(parts, TRAINING_PARTS)
    return _criterion(
        "training", transparency, transparency, _inherited("cm_id"),
        pl.when(transparency.is_not_null()).then(pl.concat_str(pl.lit("C-MTEB model metadata"), _via("cm_id"))),
        pl.when(pl.col("cm_id").is_null()).then(pl.lit("no training metadata")).otherwise(pl.concat_str(
            pl.when(parts["zero_shot"].is_null()).then(pl.lit("zero-shot unknown")).otherwise(
                pl.concat_str(pl.lit("zero-shot "), _fmt(pl.col("zero_shot_pct")), pl.lit("%"))),
            pl.lit(", training data "), _yes_no(parts["data"], "public", "not public"),
            pl.lit(", training code "), _yes_no(parts["code"], "public", "not public"))),
    )


def _scalability() -> pl.Expr:
    size = pl.col("params")
    score = (1 - SCALABILITY_VARIANT_SHARE) * _minmax(size.log(), lower_is_better=True) + (
        SCALABILITY_VARIANT_SHARE * pl.col("has_variant").fill_null(False).cast(pl.Float64))
    return _criterion(
        "scalability", size, score, _positive("hub_params").is_null() & _inherited("cm_id"),
        pl.when(_positive("hub_params").is_not_null()).then(pl.lit("Hub safetensors metadata"))
        .when(size.is_not_null()).then(pl.concat_str(pl.lit("C-MTEB model metadata"), _via("cm_id"))),
        pl.when(size.is_null()).then(pl.lit("parameter count unknown")).otherwise(pl.concat_str(
            _fmt(size / 1e6), pl.lit("M parameters, "),
            pl.when(pl.col("has_variant")).then(pl.lit("ONNX/GGUF/quantized variant available"))
            .otherwise(pl.lit("no ONNX/GGUF/quantized variant")),
            pl.when(pl.col("peak_rss_mb") > 0).then(pl.concat_str(
                pl.lit(", peak memory "), _fmt(pl.col("peak_rss_mb")), pl.lit(" MB"))).otherwise(pl.lit("")))),
    )


def _compatibility() -> pl.Expr:
    checks = {
        "sentence-transformers": pl.when(
            (pl.col("library_name") == "sentence-transformers")
            | pl.col("tags").list.contains("sentence-transformers").fill_null(False)).then(1.0)
        .when(pl.col("library_name").is_not_null() | pl.col("tags").is_not_null()).then(0.0),
        "safetensors": pl.when(pl.col("formats").list.contains("safetensors")).then(1.0)
        .when(pl.col("formats").list.len() > 0).then(0.0),
        "no custom code": pl.when(pl.col("tags").is_null()).then(None)
        .when(pl.col("tags").list.contains("custom_code")).then(0.0).otherwise(1.0),
        "commercial licence": pl.col("commercial_use").cast(pl.Float64),
        "smoke test": pl.when(pl.col("smoke_status") == "passed").then(1.0)
        .when(pl.col("smoke_status") == "failed").then(0.0),
    }
    share = _weighted_mean(checks, dict.fromkeys(checks, 1.0))
    marks = [pl.concat_str(pl.lit(f"{name} "), pl.when(e.is_null()).then(pl.lit("?"))
                           .when(e > 0).then(pl.lit("✓")).otherwise(pl.lit("✗")))
             for name, e in checks.items()]
    return _criterion(
        "compatibility", share, share, pl.lit(False),
        pl.when(share.is_not_null()).then(pl.lit("Hub tags, library and licence; smoke test")),
        pl.concat_str(marks, separator=", "),
    )


def _community(as_of: date) -> pl.Expr:
    updated_days = (pl.lit(as_of) - pl.col("last_modified").cast(pl.Date)).dt.total_days()
    spike = pl.col("anomaly") == "spike"
    parts = {
        "downloads": _minmax(pl.col("downloads_30d").cast(pl.Float64).log1p()),
        "likes": _minmax(pl.col("likes").cast(pl.Float64).log1p()),
        "momentum": pl.when(spike.fill_null(False)).then(None).otherwise(
            pl.col("momentum").replace_strict(MOMENTUM_SCORE, default=None, return_dtype=pl.Float64)),
        "recency": (1 - (updated_days - RECENT_DAYS) / (STALE_DAYS - RECENT_DAYS)).clip(0, 1),
    }
    known = pl.col("downloads_30d").is_not_null() | pl.col("likes").is_not_null()
    return _criterion(
        "community", pl.col("downloads_30d"), pl.when(known).then(_weighted_mean(parts, COMMUNITY_PARTS)),
        pl.lit(False),
        pl.when(known).then(pl.concat_str(pl.lit("Hub snapshot "), pl.col("snapshot_date").cast(pl.String))),
        pl.concat_str(
            pl.coalesce(_fmt(pl.col("downloads_30d")), pl.lit("?")), pl.lit(" downloads/30 d, "),
            pl.coalesce(_fmt(pl.col("likes")), pl.lit("?")), pl.lit(" likes, momentum "),
            pl.coalesce(pl.col("momentum"), pl.lit("unknown")),
            pl.when(spike).then(pl.lit(" (spike flagged: ignored)")).otherwise(pl.lit("")),
            pl.lit(", updated "), pl.coalesce(pl.concat_str(_fmt(updated_days), pl.lit(" days ago")),
                                               pl.lit("at an unknown date"))),
    )


def _via(col: str) -> pl.Expr:
    """", via base model X" when a quantized copy borrows its base model's benchmark rows."""
    return pl.when(pl.col(col) != pl.col("model_id")).then(
        pl.concat_str(pl.lit(", via base model "), pl.col(col))).otherwise(pl.lit(""))


def _public(col: str) -> pl.Expr:
    """MTEB's convention: a link (or true) means public, no link means not public; no metadata is unknown."""
    flag = pl.col(col).is_not_null() & ~pl.col(col).str.to_lowercase().is_in(["false", "0", ""])
    return pl.when(pl.col("cm_id").is_null()).then(None).otherwise(flag).cast(pl.Float64)


def _yes_no(value: pl.Expr, yes: str, no: str) -> pl.Expr:
    return pl.when(value.is_null()).then(pl.lit("unknown")).when(value > 0).then(pl.lit(yes)).otherwise(pl.lit(no))


def _weighted_mean(parts: Mapping[str, pl.Expr], weights: Mapping[str, float]) -> pl.Expr:
    """Weighted mean of the known parts (null when none is known)."""
    num = pl.sum_horizontal([(e * weights[k]).fill_null(0) for k, e in parts.items()])
    den = pl.sum_horizontal([e.is_not_null().cast(pl.Float64) * weights[k] for k, e in parts.items()])
    return pl.when(den > 0).then(num / den)


def _long(wide: pl.DataFrame) -> pl.DataFrame:
    names = [c for c in wide.columns if c != "model_id"]
    return wide.unpivot(index="model_id", on=names, variable_name="criterion").unnest("value")


def _fit(inputs: pl.DataFrame, name: str, profile: Profile) -> pl.DataFrame:
    """Fit for the task: C-MTEB task types weighted by the profile, blended with the context length."""
    weights = {t: float(profile.task_weights.get(t, 0.0)) for t in TASK_TYPES} if profile.task_weights else (
        dict.fromkeys(TASK_TYPES, 1.0))
    used = {t: w for t, w in weights.items() if w > 0}
    parts = {t: pl.col(TYPE_COLUMNS[t]) for t in used}
    typed = _weighted_mean(parts, used)
    tokens = pl.when(pl.col("max_tokens") > 0).then(pl.col("max_tokens"))
    low, high = math.log2(CONTEXT_MIN), math.log2(CONTEXT_MAX)
    context = ((tokens.log(2) - low) / (high - low)).clip(0, 1)
    cw = profile.context_weight
    score = pl.when(context.is_null() | (cw == 0)).then(_minmax(typed)).otherwise(
        (1 - cw) * _minmax(typed) + cw * context)
    described = [pl.concat_str(pl.lit(f"{t} "), pl.coalesce(_fmt(e, 1), pl.lit("?")), pl.lit(f"×{used[t]:g}"))
                 for t, e in parts.items()]
    detail = pl.concat_str(
        pl.concat_str(described, separator=", "),
        pl.when(cw > 0).then(pl.concat_str(pl.lit("; max tokens "), pl.coalesce(_fmt(tokens), pl.lit("?")),
                                           pl.lit(f" ({cw:.0%} of fit)"))).otherwise(pl.lit("")),
    )
    source = pl.when(typed.is_not_null()).then(
        pl.concat_str(pl.lit("C-MTEB leaderboard "), pl.col("lb_date").cast(pl.String), _via("lb_id")))
    wide = inputs.select("model_id", _criterion("fit", typed, pl.when(typed.is_not_null()).then(score),
                                                 _inherited("lb_id"), source, detail))
    return _long(wide).with_columns(profile=pl.lit(name))


def _apply_policy(rows: pl.DataFrame, scores: ScoresConfig) -> pl.DataFrame:
    """Missing data, weights and contributions: ``renormalise`` or ``penalise`` (see docs/criteria.md)."""
    missing = pl.col("raw_value").is_null() | pl.col("score").is_null()
    rows = rows.with_columns(missing=missing)
    if scores.missing_policy == "renormalise":
        counted = pl.when(pl.col("missing")).then(0.0).otherwise(pl.col("weight"))
        used = pl.when(pl.col("missing")).then(None).otherwise(pl.col("score"))
    else:
        counted = pl.col("weight")
        used = pl.when(pl.col("missing")).then(scores.missing_penalty).otherwise(pl.col("score"))
    total = counted.sum().over("profile", "model_id")
    rows = rows.with_columns(
        score=used,
        effective_weight=pl.when(total > 0).then(counted / total).otherwise(0.0),
    ).with_columns(contribution=pl.col("effective_weight") * pl.col("score"))
    return rows.with_columns(
        unit=pl.col("criterion").replace_strict(UNITS, return_dtype=pl.String),
    ).select(
        "profile", "model_id", "criterion", "raw_value", "unit", "score", "weight", "effective_weight",
        "contribution", "missing", "estimated", "source", "detail",
    )
