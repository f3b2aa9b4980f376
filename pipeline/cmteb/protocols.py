"""The three C-MTEB protocols, computed from the same cells, as polars expression pipelines.

``leaderboard``
    mteb's own summary table for ``MTEB(cmn, v1)`` (mteb 2.26 ``_create_summary_table``), exactly:
    registered models only; per (model, task) one revision folder (pinned revision +1000, a parseable
    ``mteb_version`` +100, a real revision +10, then the newest mteb version); per task the mean of the
    main score over the benchmark's splits, NULL if the model lacks a (split, subset) that any model has;
    ``Mean (Task)``, per-type means and ``Mean (TaskType)`` NULL as soon as one task is; Borda rank from
    the per-task means over every model with a row (missing tasks earn nothing).
``cpack2023``
    the original C-MTEB (C-Pack paper, 2023): 35 datasets (the 31 plus AmazonReviews zh, MassiveIntent
    and MassiveScenario zh-CN, STS22 zh), pair classification by cosine AP, reranking by MAP (``map``;
    ``map_at_1000`` is its name since mteb 1.12), MultilingualSentiment on validation only; every
    declared cell required.
``lenient``
    the 31 tasks with the two documented legacy gaps accepted, each use flagged: MultilingualSentiment
    without its test split scored on validation alone, and a pre-1.11 reranking file (no ``map_at_1000``)
    scored by its ``map``. So the popular 2023 runs (bge-*-zh, m3e, text2vec) get a comparable mean.

Scores stay fractions here; the warehouse stores them x100.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from pipeline.cmteb.models import registry_frame
from pipeline.cmteb.tasks import TASK_TYPES, TYPE_COLUMNS, TaskSpec, cpack2023, mteb_cmn_v1

PROTOCOLS: tuple[str, ...] = ("leaderboard", "cpack2023", "lenient")
IMPORTED_REVISIONS = ("external", "no_revision_available")

PER_TASK_SCHEMA: dict[str, pl.DataType] = {
    "model_name": pl.String, "task_name": pl.String, "task_type": pl.String, "revision": pl.String,
    "splits": pl.List(pl.String), "value": pl.Float64, "partial": pl.Float64, "fallback": pl.String,
}


@dataclass(frozen=True)
class ProtocolResult:
    """One protocol on one snapshot: per-task values and the board (one row per ranked model)."""

    protocol: str
    per_task: pl.DataFrame
    board: pl.DataFrame


def _spec_frame(specs: tuple[TaskSpec, ...]) -> pl.DataFrame:
    rows = [(s.name, s.type, split, s.subset, s.metric) for s in specs for split in s.splits]
    return pl.DataFrame(rows, schema={"task_name": pl.String, "task_type": pl.String, "split": pl.String,
                                      "subset": pl.String, "metric": pl.String}, orient="row")


def _cells(scores: pl.DataFrame, protocol: str) -> pl.LazyFrame:
    """The protocol's cells with their ``value`` (and ``fallback`` when lenient used one)."""
    specs = cpack2023() if protocol == "cpack2023" else mteb_cmn_v1()
    cells = scores.lazy().join(_spec_frame(specs).lazy(), on=["task_name", "split", "subset"], how="inner")
    if protocol == "leaderboard":
        registered = registry_frame().lazy().filter(~pl.col("in_registry")).select("model_name")
        cells = cells.join(registered, on="model_name", how="anti")
    if protocol == "cpack2023":
        value = (pl.when(pl.col("metric") == "cosine_ap").then(pl.col("ap_score"))
                 .when(pl.col("metric") == "map").then(pl.coalesce("map_score", "score"))
                 .otherwise(pl.col("score")))
        fallback = pl.lit(None, pl.String)
    elif protocol == "lenient":
        use_map = (pl.col("task_type") == "Reranking") & pl.col("score").is_null() & pl.col("map_score").is_not_null()
        value = pl.when(use_map).then(pl.col("map_score")).otherwise(pl.col("score"))
        fallback = pl.when(use_map).then(pl.lit("map")).otherwise(pl.lit(None, pl.String))
    else:
        value, fallback = pl.col("score"), pl.lit(None, pl.String)
    return cells.with_columns(value.alias("value"), fallback.alias("fallback"))


def _choose_revisions(cells: pl.LazyFrame) -> pl.LazyFrame:
    """Keep, per (model, task), the cells of the one revision folder mteb's ``join_revisions`` picks."""
    pinned = registry_frame().lazy().select("model_name", "pinned_revision")
    folders = (
        cells.group_by("model_name", "task_name", "revision")
        .agg(pl.col("has_mteb_version").any(), pl.col("version_rank").max())
        .join(pinned, on="model_name", how="left")
        .with_columns(
            (1000 * (pl.col("revision") == pl.col("pinned_revision")).fill_null(False).cast(pl.Int32)
             + 100 * pl.col("has_mteb_version").cast(pl.Int32)
             + 10 * (~pl.col("revision").is_in(IMPORTED_REVISIONS)).cast(pl.Int32)).alias("priority")
        )
        .sort(["priority", "version_rank", "revision"], descending=[True, True, False], nulls_last=True)
        .group_by("model_name", "task_name", maintain_order=True)
        .first()
        .select("model_name", "task_name", "revision")
    )
    return cells.join(folders, on=["model_name", "task_name", "revision"], how="semi")


def _per_task(cells: pl.LazyFrame, protocol: str, declared: dict[str, int]) -> pl.LazyFrame:
    """One row per (model, task): the mean over its cells and whether every required cell is there."""
    scored = pl.col("value").is_not_null()
    per_task = cells.group_by("model_name", "task_name", "task_type").agg(
        pl.col("revision").first(),
        pl.col("split").filter(scored).unique().sort().alias("splits"),
        pl.col("value").mean().alias("partial"),
        pl.struct("split", "subset").filter(scored).n_unique().alias("n_scored"),
        pl.col("fallback").drop_nulls().first().alias("fallback"),
        pl.col("value").filter(scored & (pl.col("split") == "validation")).first().alias("validation"),
    )
    if protocol == "leaderboard":
        required = (cells.filter(scored).group_by("task_name")
                    .agg((pl.col("subset").n_unique() * pl.col("split").n_unique()).alias("required")))
    else:
        required = pl.LazyFrame({"task_name": list(declared), "required": list(declared.values())},
                                schema={"task_name": pl.String, "required": pl.UInt32})
    per_task = per_task.join(required, on="task_name", how="left")
    complete = pl.col("n_scored") >= pl.col("required")
    if protocol == "lenient":
        test_missing = ((pl.col("task_name") == "MultilingualSentiment") & ~complete
                        & pl.col("validation").is_not_null() & (pl.col("n_scored") == 1))
        per_task = per_task.with_columns(
            pl.when(test_missing).then(pl.lit("validation_only")).otherwise(pl.col("fallback")).alias("fallback"),
            pl.when(test_missing).then(pl.col("validation")).when(complete).then(pl.col("partial"))
            .otherwise(None).alias("value"),
        )
    else:
        per_task = per_task.with_columns(pl.when(complete).then(pl.col("partial")).otherwise(None).alias("value"))
    return per_task.select(list(PER_TASK_SCHEMA))


def _borda(per_task: pl.DataFrame, n_models: int) -> pl.DataFrame:
    """mteb's long-form Borda count: ``n_models - rank`` per task (average ties), summed, ranked (min)."""
    return (
        per_task.lazy()
        .with_columns(pl.col("partial").rank("average", descending=True).over("task_name").alias("_r"))
        .group_by("model_name")
        .agg((n_models - pl.col("_r")).sum().alias("_points"))
        .with_columns(pl.col("_points").rank("min", descending=True).cast(pl.Int64).alias("borda_rank"))
        .select("model_name", "borda_rank")
        .collect()
    )


def _board(per_task: pl.DataFrame, tasks: list[str], specs: dict[str, TaskSpec]) -> pl.DataFrame:
    wide = per_task.pivot(on="task_name", index="model_name", values="value")
    for task in tasks:
        if task not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.Float64).alias(task))
    wide = wide.filter(pl.any_horizontal(pl.col(t).is_not_null() for t in tasks))
    types = [t for t in TASK_TYPES if any(specs[name].type == t for name in tasks)]
    type_means = [pl.mean_horizontal([pl.col(n) for n in tasks if specs[n].type == t], ignore_nulls=False)
                  .alias(TYPE_COLUMNS[t]) for t in types]
    board = wide.select(
        "model_name", *type_means,
        pl.mean_horizontal([pl.col(t) for t in tasks], ignore_nulls=False).alias("mean_task"),
        pl.sum_horizontal(pl.col(t).is_not_null() for t in tasks).cast(pl.Int64).alias("n_tasks"),
    ).with_columns(
        pl.mean_horizontal([pl.col(TYPE_COLUMNS[t]) for t in types], ignore_nulls=False).alias("mean_task_type"),
        pl.lit(len(tasks), pl.Int64).alias("tasks_expected"),
    )
    for t in TASK_TYPES:
        if TYPE_COLUMNS[t] not in board.columns:
            board = board.with_columns(pl.lit(None, pl.Float64).alias(TYPE_COLUMNS[t]))
    fallbacks = (per_task.filter(pl.col("fallback").is_not_null())
                 .group_by("model_name")
                 .agg((pl.col("task_name") + ":" + pl.col("fallback")).sort().alias("fallbacks")))
    borda = _borda(per_task, board.height)
    return (
        board.join(borda, on="model_name", how="left")
        .join(fallbacks, on="model_name", how="left")
        .with_columns(pl.col("fallbacks").fill_null([]))
        .select("model_name", "mean_task", "mean_task_type", *TYPE_COLUMNS.values(), "n_tasks", "tasks_expected",
                "borda_rank", "fallbacks")
        .sort("borda_rank", "model_name")
    )


def compute(scores: pl.DataFrame, protocol: str) -> ProtocolResult:
    """One protocol over cleaned cells (``sources``' output)."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; expected one of {PROTOCOLS}")
    specs_list = cpack2023() if protocol == "cpack2023" else mteb_cmn_v1()
    specs = {s.name: s for s in specs_list}
    declared = {s.name: len(s.splits) for s in specs_list}
    cells = _choose_revisions(_cells(scores, protocol))
    per_task = _per_task(cells, protocol, declared).collect()
    if protocol == "leaderboard":
        tasks = [s.name for s in specs_list if s.name in set(per_task["task_name"])]
    else:
        tasks = [s.name for s in specs_list]
    board = _board(per_task, tasks, specs) if per_task.height else _empty_board()
    return ProtocolResult(protocol, per_task.sort("model_name", "task_name"), board)


def _empty_board() -> pl.DataFrame:
    return pl.DataFrame(schema={
        "model_name": pl.String, "mean_task": pl.Float64, "mean_task_type": pl.Float64,
        **{c: pl.Float64 for c in TYPE_COLUMNS.values()}, "n_tasks": pl.Int64, "tasks_expected": pl.Int64,
        "borda_rank": pl.Int64, "fallbacks": pl.List(pl.String),
    })


def compute_all(scores: pl.DataFrame) -> dict[str, ProtocolResult]:
    """All three protocols, as stored side by side for every snapshot."""
    return {p: compute(scores, p) for p in PROTOCOLS}
