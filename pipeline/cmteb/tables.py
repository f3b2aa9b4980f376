"""One snapshot in the shape of the warehouse tables: per-task scores, boards, models (0-100 scale).

The protocols work on fractions, as the results files store them; the SQL surface shows the
leaderboard's 0-100 scale. The conversion happens here, once, so the warehouse writes frames as they
are and :mod:`pipeline.cmteb.changes` compares like with like (a stored snapshot and a new one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from pipeline.cmteb.mapping import families, map_to_hub
from pipeline.cmteb.models import MODEL_SCHEMA, model_table
from pipeline.cmteb.protocols import PROTOCOLS, ProtocolResult
from pipeline.cmteb.results_files import ModelMeta
from pipeline.cmteb.tasks import TYPE_COLUMNS, cpack2023, mteb_cmn_v1

SCORES_SCHEMA: dict[str, pl.DataType] = {
    "model_name": pl.String, "task_name": pl.String, "task_type": pl.String,
    "in_mteb_cmn": pl.Boolean, "in_cpack2023": pl.Boolean, "revision": pl.String,
    "splits": pl.List(pl.String), "score": pl.Float64, "score_available": pl.Float64,
    "score_lenient": pl.Float64, "score_cpack2023": pl.Float64, "lenient_fallback": pl.String,
}
LEADERBOARD_SCHEMA: dict[str, pl.DataType] = {
    "protocol": pl.String, "model_name": pl.String, "model_id": pl.String,
    "mean_task": pl.Float64, "mean_task_type": pl.Float64, **{c: pl.Float64 for c in TYPE_COLUMNS.values()},
    "n_tasks": pl.Int64, "tasks_expected": pl.Int64, "borda_rank": pl.Int64, "fallbacks": pl.List(pl.String),
}
MODELS_SCHEMA: dict[str, pl.DataType] = {
    "model_name": pl.String, "model_id": pl.String, "match_method": pl.String, "family_id": pl.String,
    **{k: v for k, v in MODEL_SCHEMA.items() if k != "model_name"}, "n_tasks_cmn": pl.Int64,
}
_SCALED_BOARD = ["mean_task", "mean_task_type", *TYPE_COLUMNS.values()]


@dataclass
class SnapshotTables:
    """The rows of ``cmteb_scores``, ``cmteb_leaderboard`` and ``cmteb_models`` for one snapshot."""

    scores: pl.DataFrame
    leaderboard: pl.DataFrame
    models: pl.DataFrame


def _x100(*cols: str) -> list[pl.Expr]:
    return [(pl.col(c) * 100).alias(c) for c in cols]


def scores_table(results: Mapping[str, ProtocolResult]) -> pl.DataFrame:
    """Per (model, task): the three protocols' values side by side, plus the cell facts (revision, splits,
    the mean over the scores present) of the leaderboard where it has the task, else of lenient/cpack2023."""
    key = ["model_name", "task_name"]
    frames = {
        p: results[p].per_task.select(*key, "task_type", "revision", "splits", "value", "partial", "fallback")
        for p in PROTOCOLS
    }
    lb, le, cp = frames["leaderboard"], frames["lenient"], frames["cpack2023"]
    joined = (lb.join(le, on=key, how="full", coalesce=True, suffix="_le")
              .join(cp, on=key, how="full", coalesce=True, suffix="_cp"))
    cmn = {t.name for t in mteb_cmn_v1()}
    cpack = {t.name for t in cpack2023()}
    return joined.select(
        *key,
        pl.coalesce("task_type", "task_type_le", "task_type_cp").alias("task_type"),
        pl.col("task_name").is_in(cmn).alias("in_mteb_cmn"),
        pl.col("task_name").is_in(cpack).alias("in_cpack2023"),
        pl.coalesce("revision", "revision_le", "revision_cp").alias("revision"),
        pl.coalesce("splits", "splits_le", "splits_cp").alias("splits"),
        (pl.col("value") * 100).alias("score"),
        (pl.when(pl.col("revision").is_not_null()).then(pl.col("partial"))
         .otherwise(pl.coalesce("partial_le", "partial_cp")) * 100).alias("score_available"),
        (pl.col("value_le") * 100).alias("score_lenient"),
        (pl.col("value_cp") * 100).alias("score_cpack2023"),
        pl.col("fallback_le").alias("lenient_fallback"),
    ).sort(key)


def build_tables(results: Mapping[str, ProtocolResult], scores: pl.DataFrame, metas: list[ModelMeta],
                 hub_families: Mapping[str, str]) -> SnapshotTables:
    """The snapshot's three tables; ``hub_families`` is ``models.model_id -> family_id`` of the Hub side."""
    per_task = scores_table(results)
    models = model_table(metas, scores)
    matches = map_to_hub(models["model_name"].to_list(), hub_families)
    adapted = dict(zip(models["model_name"], models["adapted_from"], strict=True))
    family = families(matches, hub_families, adapted)
    scored = pl.any_horizontal(pl.col(c).is_not_null() for c in ("score_available", "score_lenient", "score_cpack2023"))
    n_cmn = (per_task.filter(pl.col("in_mteb_cmn") & scored)
             .group_by("model_name").agg(pl.len().cast(pl.Int64).alias("n_tasks_cmn")))
    models = (models.with_columns(
        pl.col("model_name").replace_strict({n: m.model_id for n, m in matches.items()}, default=None,
                                            return_dtype=pl.String).alias("model_id"),
        pl.col("model_name").replace_strict({n: m.method for n, m in matches.items()}, default=None,
                                            return_dtype=pl.String).alias("match_method"),
        pl.col("model_name").replace_strict(family, default=None, return_dtype=pl.String).alias("family_id"),
    ).join(n_cmn, on="model_name", how="left").with_columns(pl.col("n_tasks_cmn").fill_null(0))
              .select(list(MODELS_SCHEMA)))
    ids = models.select("model_name", "model_id")
    boards = [results[p].board.with_columns(pl.lit(p).alias("protocol")) for p in PROTOCOLS]
    leaderboard = (pl.concat(boards).join(ids, on="model_name", how="left")
                   .with_columns(_x100(*_SCALED_BOARD)).select(list(LEADERBOARD_SCHEMA)))
    return SnapshotTables(scores=per_task.select(list(SCORES_SCHEMA)), leaderboard=leaderboard, models=models)
