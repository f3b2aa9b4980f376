"""Bad input in C-MTEB results: found, fixed where the fix is certain, and always reported.

Every check is a polars expression over the raw cells; each flagged row becomes a
:class:`~pipeline.issues.DataIssue` naming the model and task. What happens to the row:

* a former or wrongly cased task name (``CMedQAv1``) is read as the current one (kept, reported);
* a NaN score, or one that is not a number at all, is stored as NULL (nulled); a missing score stays NULL
  (kept, reported);
* a score on the 0-100 scale (1 < |x| <= 100) is divided by 100 (kept, reported); anything beyond is
  NULL (nulled) - results files hold fractions;
* a duplicated cell (same model, revision, task, split, subset) keeps its highest score, as mteb's
  leaderboard API does; the others are dropped (rejected, reported);
* a row without a model or task name is dropped (rejected, reported).
"""

from __future__ import annotations

import polars as pl

from pipeline.cmteb.tasks import task_aliases
from pipeline.issues import DataIssue

KEY = ["model_name", "revision", "task_name", "split", "subset"]
METRICS = ("score", "ap_score", "map_score")


def _issues(frame: pl.DataFrame, field: str, problem: str, action: str, value: str | None) -> list[DataIssue]:
    out = []
    for row in frame.iter_rows(named=True):
        record = f"{row['model_name']}/{row['task_name']}/{row['split']}"
        out.append(DataIssue.of("mteb", record, field, problem, action, row[value] if value else None))
    return out


def clean_scores(raw: pl.DataFrame) -> tuple[pl.DataFrame, list[DataIssue]]:
    """Checked cells (task names current, scores fractions or NULL, one row per cell) and the issues."""
    issues: list[DataIssue] = []
    nameless = raw.filter(pl.col("model_name").fill_null("").str.strip_chars().eq("")
                          | pl.col("task_name").fill_null("").eq("") | pl.col("split").is_null())
    issues += _issues(nameless, "model_name", "row without a model, task or split", "rejected", None)
    df = raw.join(nameless.select(KEY), on=KEY, how="anti", nulls_equal=True)

    aliases = pl.DataFrame({"_lower": list(task_aliases()), "_current": list(task_aliases().values())})
    df = df.with_columns(pl.col("task_name").str.to_lowercase().alias("_lower")).join(aliases, on="_lower",
                                                                                       how="left")
    renamed = df.filter(pl.col("_current").is_not_null() & (pl.col("_current") != pl.col("task_name")))
    for row in renamed.iter_rows(named=True):
        issues.append(DataIssue.of("mteb", f"{row['model_name']}/{row['task_name']}", "task_name",
                                   f"former or misspelt task name; read as {row['_current']}", "kept",
                                   row["task_name"]))
    df = (df.filter(pl.col("_current").is_not_null())
          .with_columns(pl.col("_current").alias("task_name"), pl.col("subset").fill_null("default"))
          .drop("_lower", "_current"))

    unreadable = pl.col("bad_score").is_not_null()
    issues += _issues(df.filter(unreadable), "score", "score is not a number", "nulled", "bad_score")
    df = df.with_columns((pl.col("score").is_nan().fill_null(False) | unreadable).alias("_reported"))
    for col in METRICS:
        value = pl.col(col)
        issues += _issues(df.filter(value.is_nan()), col, "NaN score", "nulled", col)
        rescale = value.abs().gt(1) & value.abs().le(100)
        issues += _issues(df.filter(rescale), col, "score on the 0-100 scale; divided by 100", "kept", col)
        beyond = value.is_infinite() | value.abs().gt(100)
        issues += _issues(df.filter(beyond & ~value.is_nan()), col, "score outside [-1, 1]", "nulled", col)
        df = df.with_columns(
            pl.when(value.is_nan() | beyond).then(None)
            .when(rescale).then(value / 100)
            .otherwise(value).alias(col)
        )
    missing = df.filter(pl.col("score").is_null() & ~pl.col("_reported"))
    issues += _issues(missing.filter(pl.col("map_score").is_null()), "score", "no main score", "kept", None)
    issues += _issues(missing.filter(pl.col("map_score").is_not_null()), "score",
                      "no main score (pre-1.11 reranking file has only map)", "kept", "map_score")

    df = df.sort([*KEY, "score"], descending=[False] * len(KEY) + [True], nulls_last=True)
    first = pl.struct(KEY).is_first_distinct()
    issues += _issues(df.filter(~first), "score", "duplicate cell; kept the highest score", "rejected", "score")
    clean = df.filter(first).drop("_reported", "bad_score")
    return clean, issues
