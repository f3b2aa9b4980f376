"""The eight selection criteria as explainable 0-1 scores, each on its own evidence.

For every model of the cohort (the Hub models of the latest snapshot on or before ``as_of``) and every
criterion, one row says: the raw measure in its own unit, where it came from, a readable breakdown of its
components, and a score between 0 and 1. Per profile the row adds the weight and the contribution.

Scores use fixed anchors (documented in docs/criteria.md), not min-max over whoever is in the cohort:
a difference of a tenth of a C-MTEB point stays a tenth of a point, whatever else is listed this week.

Each criterion measures something the others do not: quality (performance), compute (speed: measured,
else estimated from the non-embedding parameters - a large vocabulary costs memory, not time), storage
(dimension, crediting Matryoshka truncation), the profile's task and chunk size (fit), transparency of
training (training), memory footprint and deployment options (scalability), how many stacks load it and
whether its licence is clear (compatibility), and its community (community). docs/criteria.md publishes
their correlations over the ranked models.

Unknown is never scored as zero and never an advantage: a criterion without data is ``missing``; the
policy gives it the cohort's lower-quartile score (``quartile``, the default), a fixed penalty
(``penalise``) or drops it (``renormalise``). A model without a C-MTEB result is not ranked at all by a
profile that weighs quality (pipeline/rankings.py). Values derived rather than measured (speed from the
parameter count, a quantized copy's borrowed benchmark rows) are flagged ``estimated``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date

import duckdb
import polars as pl

from pipeline import facts as model_facts
from pipeline.config import CRITERIA, TASK_TYPES, Profile, ScoresConfig

TYPE_COLUMNS: dict[str, str] = {
    "Retrieval": "retrieval",
    "Reranking": "reranking",
    "STS": "sts",
    "PairClassification": "pair_classification",
    "Classification": "classification",
    "Clustering": "clustering",
}
"""C-MTEB task type -> its column in ``cmteb_leaderboard``."""

QUALITY_ANCHORS = (40.0, 80.0)
"""C-MTEB means (0-100) scored 0 and 1: 40 is a static or English-only model on Chinese, 80 the best
published Chinese models (late 2026); linear between, clipped."""
SPEED_ANCHORS = (3.0, 1000.0)
"""Sentences per second on the smoke-test machine (2 CPU threads) scored 0 and 1, log scale: at 3/s a CPU
cannot keep up with indexing (a 7B model reads about 0.4/s there), at 1000/s the tokenizer is the limit."""
SPEED_K0 = 2.7e9
"""Sentences per second times non-embedding parameters on the smoke-test machine: all-MiniLM-L6-v2
(22.7M parameters, 11.9M of them token and position embeddings) encodes about 230 sentences/s there.
Used until three real models have measured speeds; then their median calibrates it."""
SPEED_MIN_CALIBRATION = 3
MIN_COMPUTE = 1_000_000
"""Floor of the compute estimate: a static embedding model (all parameters are a lookup table) is as fast
as tokenising, not infinitely fast."""
DIM_ANCHORS = (4096, 256)
"""Embedding dimensions scored 0 and 1 (storage and search cost per vector), log scale."""
MATRYOSHKA_FLOOR = 256
"""A Matryoshka model is credited with its smallest declared size of at least 256: below that, truncation
costs noticeable quality."""
FOOTPRINT_ANCHORS = (8e9, 25e6)
"""Parameters scored 0 and 1 for memory footprint (32 GB and 100 MB of float32 weights), log scale."""
DOWNLOAD_ANCHORS = (100.0, 1e6)
"""Hub 30-day downloads scored 0 and 1, log scale."""
LIKE_ANCHORS = (1.0, 1000.0)
CONSISTENCY_ANCHORS = (12.0, 3.0)
"""Standard deviation (C-MTEB points) of a model's six task-type means scored 0 and 1: how evenly it serves
every task, the fit of a profile that names no task."""
CONTEXT_FLOOR = 128
"""Max tokens scored 0 for context; a profile's ``chunk_tokens`` or more score 1 (log scale between)."""
EFFICIENT_FORMATS = ("onnx", "gguf", "openvino")
MODEL_FAILURES = ("check_failed", "load_error", "hang", "oom", "crash")
"""Smoke-test failures that say something about the model; others (download errors, budgets) are unknown,
and so is ``unavailable`` (the weights could not be fetched from the endpoint)."""
TRAINING_PARTS = {"data": 1.0, "code": 1.0, "datasets": 1.0, "paper": 1.0, "zero_shot": 1.0}
SCALABILITY_PARTS = {"footprint": 0.5, "variant": 0.25, "fine_tuning": 0.25}
COMMUNITY_PARTS = {"downloads": 0.4, "likes": 0.2, "momentum": 0.2, "recency": 0.2}
MOMENTUM_SCORE = {"rising": 1.0, "new": 0.75, "steady": 0.5, "cooling": 0.25, "fading": 0.0}
RECENT_DAYS, STALE_DAYS = 90, 730
"""Updated within 90 days scores 1 for recency, not for two years 0, linear in between."""
UNKNOWN_LICENSES = model_facts.UNKNOWN_LICENSES

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
files AS (
    SELECT f.* FROM model_files f JOIN cohort c USING (model_id)
    WHERE f.read_on <= $as_of AND f.error IS NULL
    QUALIFY row_number() OVER (PARTITION BY f.model_id ORDER BY (f.sha = c.sha) DESC, f.read_on DESC) = 1
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
    src.cm_id, cm.meta_revision, cm.n_parameters AS cm_params, cm.n_embedding_parameters AS cm_embedding_params,
    cm.embed_dim AS cm_embed_dim, cm.matryoshka_dims AS cm_matryoshka_dims, cm.max_tokens AS cm_max_tokens,
    cm.context_unlimited AS cm_context_unlimited, cm.license AS cm_license, cm.zero_shot_pct,
    CAST(cm.public_training_data AS VARCHAR) AS public_training_data,
    CAST(cm.public_training_code AS VARCHAR) AS public_training_code,
    cm.training_datasets IS NOT NULL AS training_datasets_declared, cm.reference,
    f.output_dim AS files_output_dim, f.hidden_size AS files_hidden_size, f.max_tokens AS files_max_tokens,
    f.embedding_params AS files_embedding_params, f.num_layers AS files_num_layers,
    sm.status AS smoke_status, sm.snapshot_date AS smoke_date, sm.sentences_per_second,
    sm.embedding_dim AS smoke_dim, sm.peak_rss_mb,
    t.momentum, t.anomaly,
    (list_has_any(c.formats, $efficient) OR c.model_id IN (SELECT model_id FROM copies)) AS has_variant
FROM cohort c
JOIN src USING (model_id)
LEFT JOIN lb ON lb.model_id = src.lb_id
LEFT JOIN cm ON cm.model_id = src.cm_id
LEFT JOIN files f ON f.model_id = c.model_id
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
                   as_of: date, facts: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every (profile, model, criterion): raw value, source, detail, score, weight and contribution."""
    facts = model_facts.resolve(inputs) if facts is None else facts
    df = inputs.join(facts, on="model_id", how="left")
    df = df.with_columns(measured_sps=pl.when(
        (pl.col("smoke_status") == "passed") & (pl.col("sentences_per_second") > 0)).then("sentences_per_second"))
    shared = _long(df.select("model_id", _performance(), _speed(_speed_constant(df)), _dimension(), _training(),
                             _scalability(), _compatibility(), _community(as_of)))
    rows = [shared.join(pl.DataFrame({"profile": [name]}), how="cross") for name in profiles]
    rows += [_fit(df, name, profile) for name, profile in profiles.items()]
    long = pl.concat(rows, how="diagonal_relaxed")
    weights = pl.DataFrame(
        [(name, c, float(p.weights.get(c, 0.0))) for name, p in profiles.items() for c in CRITERIA],
        schema={"profile": pl.String, "criterion": pl.String, "weight": pl.Float64}, orient="row",
    )
    return _apply_policy(long.join(weights, on=["profile", "criterion"]), scores)


def quality(profile: Profile) -> pl.Expr:
    """The profile's quality: the C-MTEB task-type means weighted by its ``task_weights`` (none: all equal).
    The ranking's first key and the Pareto front's quality.

    Every type weighing at least half as much as the profile's heaviest must be known (for ``rag``: Retrieval
    and Reranking; with equal weights: all six); a lighter one the model lacks is left out of the mean.
    A retrieval-only submission therefore has no quality for ``rag``: it is not comparable."""
    weights = task_weights(profile)
    required = [t for t, w in weights.items() if w >= max(weights.values()) / 2]
    complete = pl.all_horizontal(pl.col(TYPE_COLUMNS[t]).is_not_null() for t in required)
    return pl.when(complete).then(_weighted_mean({t: pl.col(TYPE_COLUMNS[t]) for t in weights}, weights))


def task_weights(profile: Profile) -> dict[str, float]:
    """The task types a profile weighs (all six, equally, when it names none)."""
    if not profile.task_weights:
        return dict.fromkeys(TASK_TYPES, 1.0)
    return {t: float(w) for t, w in profile.task_weights.items() if w > 0}


def anchored(x: pl.Expr, low: float, high: float, log: bool = False) -> pl.Expr:
    """``x`` scored 0 at ``low`` and 1 at ``high`` (either order; high < low means less is better), clipped."""
    if log:
        x, low, high = x.log(), math.log(low), math.log(high)
    return ((x - low) / (high - low)).clip(0.0, 1.0) + 0.0  # + 0.0: no "-0.00" where x sits on an anchor


def _fmt(x: pl.Expr, decimals: int = 0) -> pl.Expr:
    return x.round(decimals).cast(pl.Int64 if decimals == 0 else pl.Float64).cast(pl.String)


def _criterion(name: str, raw: pl.Expr, score: pl.Expr, estimated: pl.Expr, source: pl.Expr,
               detail: pl.Expr) -> pl.Expr:
    return pl.struct(
        raw_value=raw.cast(pl.Float64), score=score.cast(pl.Float64),
        estimated=estimated.fill_null(False), source=source, detail=detail,
    ).alias(name)


def _inherited(col: str) -> pl.Expr:
    """The model's benchmark rows (``lb_id`` or ``cm_id``) are its base model's."""
    return pl.col(col).is_not_null() & (pl.col(col) != pl.col("model_id"))


def _via(col: str) -> pl.Expr:
    """", via base model X" when a quantized copy borrows its base model's benchmark rows."""
    return pl.when(pl.col(col) != pl.col("model_id")).then(
        pl.concat_str(pl.lit(", via base model "), pl.col(col))).otherwise(pl.lit(""))


def _performance() -> pl.Expr:
    mean = pl.col("mean_task_type")
    return _criterion(
        "performance", mean, anchored(mean, *QUALITY_ANCHORS), _inherited("lb_id"),
        pl.when(mean.is_not_null()).then(
            pl.concat_str(pl.lit("C-MTEB leaderboard "), pl.col("lb_date").cast(pl.String), _via("lb_id"))),
        pl.when(mean.is_not_null()).then(pl.concat_str(
            pl.lit("Mean (TaskType) "), _fmt(mean, 2), pl.lit(" over "), pl.col("n_tasks").cast(pl.String),
            pl.lit(" tasks")))
        .when(pl.col("lb_id").is_not_null()).then(pl.lit("C-MTEB results incomplete"))
        .otherwise(pl.lit("no C-MTEB results")),
    )


def _compute() -> pl.Expr:
    """Parameters that cost time per token: all of them less the embedding table (a lookup, not a matmul)."""
    params = pl.col("params").cast(pl.Float64)
    compute = pl.coalesce(params - pl.col("embedding_params"), params)
    return pl.when(params.is_not_null()).then(pl.max_horizontal(compute, pl.lit(MIN_COMPUTE)))


def _speed_constant(df: pl.DataFrame) -> float:
    """``sentences/s x compute parameters`` on the smoke-test machine: the median over the cohort's measured
    models once three exist, else :data:`SPEED_K0`."""
    known = df.filter(pl.col("measured_sps").is_not_null() & pl.col("params").is_not_null())
    if known.height < SPEED_MIN_CALIBRATION:
        return SPEED_K0
    return float(known.select((pl.col("measured_sps") * _compute()).median()).item())


def _speed(k: float) -> pl.Expr:
    measured = pl.col("measured_sps")
    estimate = pl.lit(k) / _compute()
    sps = pl.coalesce(measured, estimate)
    embedding_known = pl.col("embedding_params").is_not_null()
    return _criterion(
        "speed", sps, anchored(sps, *SPEED_ANCHORS, log=True), measured.is_null() & sps.is_not_null(),
        pl.when(measured.is_not_null()).then(pl.concat_str(pl.lit("smoke test "), pl.col("smoke_date").cast(pl.String)))
        .when(sps.is_not_null()).then(pl.lit("estimate from the compute parameters")),
        pl.when(measured.is_not_null()).then(pl.concat_str(_fmt(measured), pl.lit(" sentences/s measured")))
        .when(sps.is_not_null()).then(pl.concat_str(
            pl.lit("about "), _fmt(estimate), pl.lit(f" sentences/s = {k:.2g} / "), _fmt(_compute() / 1e6),
            pl.when(embedding_known).then(pl.lit("M non-embedding parameters"))
            .otherwise(pl.lit("M parameters (embedding share unknown)"))))
        .otherwise(pl.lit("no smoke test and no parameter count")),
    )


def _effective_dim() -> pl.Expr:
    """The dimension stored per vector: the smallest declared Matryoshka size of at least 256, else the full one."""
    floor = pl.col("matryoshka_dims").list.eval(pl.element().filter(pl.element() >= MATRYOSHKA_FLOOR)).list.min()
    return pl.coalesce(pl.min_horizontal(floor, pl.col("embed_dim")), pl.col("embed_dim"))


def _dimension() -> pl.Expr:
    dim = _effective_dim()
    truncated = dim < pl.col("embed_dim")
    return _criterion(
        "dimension", dim, anchored(dim, *DIM_ANCHORS, log=True), pl.lit(False),
        pl.col("embed_dim_source"),
        pl.when(dim.is_not_null()).then(pl.concat_str(
            _fmt(dim), pl.lit(" dims, "), _fmt(dim * 4 / 1024, 1), pl.lit(" KiB per float32 vector"),
            pl.when(truncated).then(pl.concat_str(pl.lit(" (Matryoshka: truncated from "), _fmt(pl.col("embed_dim")),
                                                  pl.lit(")"))).otherwise(pl.lit(""))))
        .otherwise(pl.lit("dimension unknown")),
    )


def _public(col: str) -> pl.Expr:
    """A link (or true) is public, ``false`` is not (mteb's null), NULL is unknown."""
    value = pl.col(col).str.to_lowercase()
    return pl.when(value.is_null()).then(None).when(value.is_in(["false", "0", ""])).then(0.0).otherwise(1.0)


def _training() -> pl.Expr:
    read = pl.col("meta_revision").is_not_null()
    arxiv = pl.col("tags").list.eval(pl.element().str.starts_with("arxiv:")).list.any()
    paper = pl.when(arxiv.fill_null(False) | pl.col("reference").str.contains("arxiv.org").fill_null(False)).then(
        1.0).when(pl.col("tags").is_not_null()).then(0.0)
    parts = {
        "data": _public("public_training_data"),
        "code": _public("public_training_code"),
        "datasets": pl.when(read).then(pl.col("training_datasets_declared").cast(pl.Float64)),
        "paper": paper,
        "zero_shot": pl.col("zero_shot_pct") / 100,
    }
    transparency = pl.when(read).then(_weighted_mean(parts, TRAINING_PARTS))
    return _criterion(
        "training", transparency, transparency, _inherited("cm_id"),
        pl.when(transparency.is_not_null()).then(pl.concat_str(pl.lit("C-MTEB model_meta.json"), _via("cm_id"),
                                                               pl.lit("; Hub tags"))),
        pl.when(~read).then(pl.lit("no training metadata read")).otherwise(pl.concat_str(
            pl.lit("training data "), _yes_no(parts["data"], "public", "not public"),
            pl.lit(", code "), _yes_no(parts["code"], "public", "not public"),
            pl.lit(", datasets "), _yes_no(parts["datasets"], "declared", "not declared"),
            pl.lit(", paper "), _yes_no(parts["paper"], "yes", "none linked"),
            pl.lit(", zero-shot "), pl.coalesce(pl.concat_str(_fmt(pl.col("zero_shot_pct")), pl.lit("%")),
                                                pl.lit("unknown")))),
    )


def _has(col: str, value: str) -> pl.Expr:
    return pl.col(col).list.contains(value).fill_null(False)


def _scalability() -> pl.Expr:
    size = pl.col("params")
    custom = _has("tags", "custom_code")
    trainable = (pl.col("library_name") == "sentence-transformers") | _has("tags", "sentence-transformers")
    weights = _has("formats", "safetensors") | _has("formats", "pytorch")
    parts = {
        "footprint": anchored(size.cast(pl.Float64), *FOOTPRINT_ANCHORS, log=True),
        "variant": pl.col("has_variant").fill_null(False).cast(pl.Float64),
        "fine_tuning": pl.when(custom | ~weights).then(0.0).when(trainable).then(1.0).otherwise(0.5),
    }
    score = pl.when(size.is_not_null()).then(_weighted_mean(parts, SCALABILITY_PARTS))
    return _criterion(
        "scalability", size, score, pl.lit(False), pl.col("params_source"),
        pl.when(size.is_null()).then(pl.lit("parameter count unknown")).otherwise(pl.concat_str(
            _fmt(size / 1e6), pl.lit("M parameters ("), _fmt(size * 4 / 2**30, 1), pl.lit(" GB in float32), "),
            pl.when(pl.col("has_variant")).then(pl.lit("ONNX/GGUF/quantized variant available"))
            .otherwise(pl.lit("no ONNX/GGUF/quantized variant")),
            pl.lit(", fine-tuning "),
            pl.when(parts["fine_tuning"] == 1).then(pl.lit("with sentence-transformers"))
            .when(parts["fine_tuning"] > 0).then(pl.lit("with transformers")).otherwise(pl.lit("hard (custom code"
                                                                                               " or no weights)")),
            pl.when(pl.col("peak_rss_mb") > 0).then(pl.concat_str(
                pl.lit(", peak memory "), _fmt(pl.col("peak_rss_mb")), pl.lit(" MB"))).otherwise(pl.lit("")))),
    )


def _compatibility() -> pl.Expr:
    tags_known = pl.col("tags").is_not_null()
    licence = pl.col("license")
    checks = {
        "sentence-transformers": pl.when((pl.col("library_name") == "sentence-transformers")
                                         | _has("tags", "sentence-transformers")).then(1.0)
        .when(tags_known).then(0.0),
        "transformers": pl.when((pl.col("library_name") == "transformers") | _has("tags", "transformers")).then(1.0)
        .when(tags_known).then(0.0),
        "TEI": pl.when(_has("tags", "text-embeddings-inference")).then(1.0).when(tags_known).then(0.0),
        "ONNX/GGUF": pl.when(pl.col("has_variant").fill_null(False)).then(1.0).when(tags_known).then(0.0),
        "no custom code": pl.when(~tags_known).then(None).when(_has("tags", "custom_code")).then(0.0).otherwise(1.0),
        "clear licence": pl.when(licence.is_null()).then(0.0)
        .when(licence.str.to_lowercase().is_in(UNKNOWN_LICENSES)).then(0.5).otherwise(1.0),
        "smoke test": pl.when(pl.col("smoke_status") == "passed").then(1.0)
        .when(pl.col("smoke_status") == "failed").then(0.0),
    }
    share = _weighted_mean(checks, dict.fromkeys(checks, 1.0))
    marks = [pl.concat_str(pl.lit(f"{name} "), pl.when(e.is_null()).then(pl.lit("?"))
                           .when(e >= 1).then(pl.lit("✓")).when(e > 0).then(pl.lit("~")).otherwise(pl.lit("✗")))
             for name, e in checks.items()]
    return _criterion(
        "compatibility", share, share, pl.lit(False),
        pl.when(share.is_not_null()).then(pl.lit("Hub tags, library and licence; smoke test")),
        pl.concat_str(marks, separator=", "),
    )


def _community(as_of: date) -> pl.Expr:
    updated_days = (pl.lit(as_of) - pl.col("last_modified").cast(pl.Date)).dt.total_days()
    parts = {
        "downloads": anchored(pl.col("downloads_30d").cast(pl.Float64) + 1, *DOWNLOAD_ANCHORS, log=True),
        "likes": anchored(pl.col("likes").cast(pl.Float64) + 1, *LIKE_ANCHORS, log=True),
        "momentum": pl.when((pl.col("anomaly") == "spike").fill_null(False)).then(None).otherwise(
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
            pl.when(pl.col("anomaly") == "spike").then(pl.lit(" (spike flagged: ignored)")).otherwise(pl.lit("")),
            pl.lit(", updated "), pl.coalesce(pl.concat_str(_fmt(updated_days), pl.lit(" days ago")),
                                               pl.lit("at an unknown date"))),
    )


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


def _context(chunk_tokens: int) -> pl.Expr:
    """1 when the model reads the profile's whole chunk (or any length), less on a log scale down to 128 tokens."""
    tokens = pl.when(pl.col("max_tokens") > 0).then(pl.col("max_tokens"))
    low, high = math.log2(CONTEXT_FLOOR), math.log2(max(chunk_tokens, CONTEXT_FLOOR * 2))
    part = ((tokens.log(2) - low) / (high - low)).clip(0, 1)
    return pl.when(pl.col("context_unlimited").fill_null(False)).then(1.0).otherwise(part)


def _consistency() -> pl.Expr:
    """How evenly a model serves the six task types: the spread of its type means, anchored."""
    spread = pl.concat_list([pl.col(c) for c in TYPE_COLUMNS.values()]).list.std()
    return spread


def _fit(df: pl.DataFrame, name: str, profile: Profile) -> pl.DataFrame:
    """Fit for the task: the profile's task types (or, naming none, consistency across all six) blended with
    whether the model reads the profile's chunk size."""
    weights = task_weights(profile)
    typed = quality(profile)
    spread = _consistency()
    task_part = (anchored(typed, *QUALITY_ANCHORS) if profile.task_weights
                 else anchored(spread, *CONSISTENCY_ANCHORS))
    context = _context(profile.chunk_tokens)
    cw = profile.context_weight
    score = pl.when(context.is_null() | (cw == 0)).then(task_part).otherwise((1 - cw) * task_part + cw * context)
    described = (pl.concat_str([pl.concat_str(pl.lit(f"{t} "), pl.coalesce(_fmt(pl.col(TYPE_COLUMNS[t]), 1),
                                                                            pl.lit("?")), pl.lit(f"×{w:g}"))
                                for t, w in weights.items()], separator=", ")
                 if profile.task_weights else
                 pl.concat_str(pl.lit("spread of the six task-type means "), pl.coalesce(_fmt(spread, 1), pl.lit("?")),
                               pl.lit(" points")))
    tokens = pl.when(pl.col("context_unlimited").fill_null(False)).then(pl.lit("any length")).otherwise(
        pl.coalesce(_fmt(pl.col("max_tokens")), pl.lit("?")))
    detail = pl.concat_str(
        described,
        pl.when(cw > 0).then(pl.concat_str(pl.lit("; max tokens "), tokens,
                                           pl.lit(f" for {profile.chunk_tokens}-token chunks ({cw:.0%} of fit)")))
        .otherwise(pl.lit("")),
    )
    raw = typed if profile.task_weights else spread
    source = pl.when(typed.is_not_null()).then(
        pl.concat_str(pl.lit("C-MTEB leaderboard "), pl.col("lb_date").cast(pl.String), _via("lb_id")))
    known = typed.is_not_null() & task_part.is_not_null()
    wide = df.select("model_id", _criterion("fit", raw, pl.when(known).then(score), _inherited("lb_id"), source,
                                            detail))
    return _long(wide).with_columns(profile=pl.lit(name))


def _apply_policy(rows: pl.DataFrame, scores: ScoresConfig) -> pl.DataFrame:
    """Missing data, weights and contributions: ``quartile``, ``penalise`` or ``renormalise``
    (docs/criteria.md)."""
    missing = pl.col("raw_value").is_null() | pl.col("score").is_null()
    rows = rows.with_columns(missing=missing)
    if scores.missing_policy == "renormalise":
        counted = pl.when(pl.col("missing")).then(0.0).otherwise(pl.col("weight"))
        used = pl.when(pl.col("missing")).then(None).otherwise(pl.col("score"))
    else:
        if scores.missing_policy == "quartile":
            fallback = pl.col("score").filter(~pl.col("missing")).quantile(0.25, "lower").over("profile", "criterion")
            penalty = pl.coalesce(fallback, pl.lit(scores.missing_penalty))
        else:
            penalty = pl.lit(scores.missing_penalty)
        counted = pl.col("weight")
        used = pl.when(pl.col("missing")).then(penalty).otherwise(pl.col("score"))
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
