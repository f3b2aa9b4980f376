"""What changed between two C-MTEB snapshots: models, task results, full means and ranks.

Rows of ``cmteb_changes`` (0-100 scale), one per change:

``new_model`` / ``removed_model``
    a model with results (or metadata) appears / disappears;
``new_result`` / ``changed_result`` / ``removed_result``
    a (model, task) gains a score, changes value or splits, loses its score (``score_available``: the
    mean over the cells the task has, so a split that arrives also counts);
``mean_gained`` / ``mean_lost`` (per protocol)
    a model's ``mean_task`` becomes / stops being computable;
``rank_move`` (per protocol)
    a model's Borda rank changes (``old_rank`` -> ``new_rank``); ``entered`` / ``left`` a board.

Value changes below 1e-9 (float noise) are not changes.
"""

from __future__ import annotations

import polars as pl

from pipeline.cmteb.tables import SnapshotTables

CHANGES_SCHEMA: dict[str, pl.DataType] = {
    "change_type": pl.String, "protocol": pl.String, "model_name": pl.String, "task_name": pl.String,
    "old_value": pl.Float64, "new_value": pl.Float64, "old_rank": pl.Int64, "new_rank": pl.Int64,
    "detail": pl.String,
}
EPSILON = 1e-9


def _frame(columns: dict[str, pl.Expr], df: pl.DataFrame) -> pl.DataFrame:
    exprs = [columns.get(c, pl.lit(None)).cast(t).alias(c) for c, t in CHANGES_SCHEMA.items()]
    return df.select(exprs)


def _models(prev: SnapshotTables, cur: SnapshotTables) -> list[pl.DataFrame]:
    old, new = prev.models.select("model_name"), cur.models.select("model_name")
    return [
        _frame({"change_type": pl.lit("new_model"), "model_name": pl.col("model_name")},
               new.join(old, on="model_name", how="anti")),
        _frame({"change_type": pl.lit("removed_model"), "model_name": pl.col("model_name")},
               old.join(new, on="model_name", how="anti")),
    ]


def _results(prev: SnapshotTables, cur: SnapshotTables) -> pl.DataFrame:
    key = ["model_name", "task_name"]
    pick = [*key, "score_available", "splits"]
    both = prev.scores.select(pick).join(cur.scores.select(pick), on=key, how="full", coalesce=True,
                                         suffix="_new")
    old, new = pl.col("score_available"), pl.col("score_available_new")
    kind = (pl.when(old.is_null() & new.is_not_null()).then(pl.lit("new_result"))
            .when(old.is_not_null() & new.is_null()).then(pl.lit("removed_result"))
            .when(((old - new).abs() > EPSILON) | (pl.col("splits") != pl.col("splits_new")))
            .then(pl.lit("changed_result")))
    both = both.with_columns(kind.alias("_kind")).filter(pl.col("_kind").is_not_null())
    return _frame({"change_type": pl.col("_kind"), "model_name": pl.col("model_name"),
                   "task_name": pl.col("task_name"), "old_value": old, "new_value": new,
                   "detail": pl.format("splits {} -> {}", _joined("splits"), _joined("splits_new"))}, both)


def _joined(col: str) -> pl.Expr:
    return pl.col(col).list.join(",").fill_null("")


def _boards(prev: SnapshotTables, cur: SnapshotTables) -> pl.DataFrame:
    key = ["protocol", "model_name"]
    pick = [*key, "mean_task", "borda_rank"]
    both = prev.leaderboard.select(pick).join(cur.leaderboard.select(pick), on=key, how="full", coalesce=True,
                                              suffix="_new")
    old_rank, new_rank = pl.col("borda_rank"), pl.col("borda_rank_new")
    old_mean, new_mean = pl.col("mean_task"), pl.col("mean_task_new")
    rank_kind = (pl.when(old_rank.is_null() & new_rank.is_not_null()).then(pl.lit("entered"))
                 .when(old_rank.is_not_null() & new_rank.is_null()).then(pl.lit("left"))
                 .when(old_rank != new_rank).then(pl.lit("rank_move")))
    mean_kind = (pl.when(old_mean.is_null() & new_mean.is_not_null()).then(pl.lit("mean_gained"))
                 .when(old_mean.is_not_null() & new_mean.is_null()).then(pl.lit("mean_lost")))
    common = {"protocol": pl.col("protocol"), "model_name": pl.col("model_name"), "old_value": old_mean,
              "new_value": new_mean, "old_rank": old_rank, "new_rank": new_rank}
    ranks = both.with_columns(rank_kind.alias("_kind")).filter(pl.col("_kind").is_not_null())
    means = both.with_columns(mean_kind.alias("_kind")).filter(pl.col("_kind").is_not_null())
    return pl.concat([_frame({**common, "change_type": pl.col("_kind")}, ranks),
                      _frame({**common, "change_type": pl.col("_kind")}, means)])


def compare(prev: SnapshotTables | None, cur: SnapshotTables) -> pl.DataFrame:
    """All changes from ``prev`` to ``cur``; empty for the first snapshot (nothing to compare with)."""
    if prev is None:
        return pl.DataFrame(schema=CHANGES_SCHEMA)
    out = pl.concat([*_models(prev, cur), _results(prev, cur), _boards(prev, cur)])
    order = {"new_model": 0, "removed_model": 1, "mean_gained": 2, "mean_lost": 3, "entered": 4, "left": 5,
             "rank_move": 6, "new_result": 7, "changed_result": 8, "removed_result": 9}
    return out.sort(pl.col("change_type").replace_strict(order, return_dtype=pl.Int8), "protocol", "model_name",
                    "task_name", nulls_last=True)
