"""A model's facts - size, dimension, context, licence - from every source, each with where it came from.

Three sources describe a model, and each is incomplete somewhere:

* the Hub listing (``model_snapshots``): the parameter count counted from the weight files
  (``safetensors.total``) and the licence (``license:*`` tag, else the model card);
* C-MTEB's ``model_meta.json`` (``cmteb_models``, every revision folder read): parameters, embedding
  parameters, dimension (with its Matryoshka sizes), max tokens, licence;
* the repository's configuration files (``model_files``): output dimension, max sequence length,
  vocabulary and hidden size, layers;
* and, for the dimension, the smoke test's measured output (``smoke_results``).

For each fact the first source in :data:`PRECEDENCE` that knows it wins, and the ``*_source`` column
says which. Where two sources state different values, the disagreement is reported as a data issue
(``source = 'facts'``) with both values, and the winner is kept: a wrong licence or size shown without a
warning is worse than an unknown one. Unknown stays NULL - never zero.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from pipeline.issues import DataIssue
from pipeline.normalize import canonical_license, is_permissive

PRECEDENCE: dict[str, tuple[tuple[str, str], ...]] = {
    "params": (("hub_params", "Hub safetensors metadata"), ("cm_params", "C-MTEB model_meta.json")),
    "embed_dim": (("smoke_dim", "smoke test (measured output)"), ("cm_embed_dim", "C-MTEB model_meta.json"),
                  ("files_output_dim", "repository sentence-transformers config"),
                  ("files_hidden_size", "repository config.json hidden_size")),
    "max_tokens": (("cm_max_tokens", "C-MTEB model_meta.json"),
                   ("files_max_tokens", "repository config (sentence-transformers / tokenizer / positions)")),
    "embedding_params": (("cm_embedding_params", "C-MTEB model_meta.json"),
                         ("files_embedding_params", "repository config.json (vocab_size x hidden_size)")),
}
"""Per fact, its sources in order of trust: (input column, label). The Hub's count comes from the weights
themselves; the measured dimension from running the model; C-MTEB's metadata is curated per model."""

UNKNOWN_LICENSES = ("other", "unknown", "not specified", "unspecified")
CONFLICT_TOLERANCE = 0.10
"""Sizes that differ by more than 10 % are reported as a conflict (rounding such as 33.4M vs 33.36M is not)."""

FACT_SCHEMA: dict[str, pl.DataType] = {
    "model_id": pl.String,
    "params": pl.Int64, "params_source": pl.String,
    "embed_dim": pl.Int64, "embed_dim_source": pl.String,
    "matryoshka_dims": pl.List(pl.Int64),
    "max_tokens": pl.Int64, "max_tokens_source": pl.String, "context_unlimited": pl.Boolean,
    "embedding_params": pl.Int64, "embedding_params_source": pl.String,
    "num_layers": pl.Int64,
    "license": pl.String, "license_source": pl.String, "commercial_use": pl.Boolean,
}


def _positive(name: str) -> pl.Expr:
    return pl.when(pl.col(name) > 0).then(pl.col(name))


def _pick(fact: str) -> list[pl.Expr]:
    """The fact's value (first known source) and the label of that source."""
    sources = PRECEDENCE[fact]
    value = pl.coalesce([_positive(col) for col, _ in sources])
    label = pl.coalesce([pl.when(_positive(col).is_not_null()).then(pl.lit(text)) for col, text in sources])
    return [value.cast(pl.Int64).alias(fact), label.alias(f"{fact}_source")]


def _via(label: pl.Expr, id_col: str) -> pl.Expr:
    """C-MTEB facts borrowed by a quantized copy from its base model say so."""
    borrowed = pl.col(id_col).is_not_null() & (pl.col(id_col) != pl.col("model_id"))
    return (pl.when(borrowed & label.str.starts_with("C-MTEB"))
            .then(pl.concat_str(label, pl.lit(" via base model "), pl.col(id_col))).otherwise(label))


def resolve(inputs: pl.DataFrame) -> pl.DataFrame:
    """One row per model: each fact, its source, and whether the licence allows commercial use."""
    unknown_hub = (pl.col("hub_license").is_null()
                   | pl.col("hub_license").str.to_lowercase().is_in(UNKNOWN_LICENSES))
    license = pl.when(unknown_hub & pl.col("cm_license").is_not_null()).then("cm_license").otherwise("hub_license")
    license_source = (pl.when(unknown_hub & pl.col("cm_license").is_not_null()).then(pl.lit("C-MTEB model_meta.json"))
                      .when(pl.col("hub_license").is_not_null()).then(pl.lit("Hub licence tag or model card")))
    measured = inputs.with_columns(
        smoke_dim=pl.when(pl.col("smoke_status") == "passed").then(pl.col("smoke_dim")))
    frame = measured.select(
        "model_id", "lb_id", "cm_id",
        *_pick("params"), *_pick("embed_dim"), *_pick("max_tokens"), *_pick("embedding_params"),
        pl.col("cm_matryoshka_dims").alias("matryoshka_dims"),
        (pl.col("cm_context_unlimited").fill_null(False) & pl.col("cm_max_tokens").is_null()).alias("context_unlimited"),
        _positive("files_num_layers").cast(pl.Int64).alias("num_layers"),
        license.alias("license"), license_source.alias("license_source"),
    ).with_columns(
        pl.when(pl.col("context_unlimited"))
        .then(pl.lit("C-MTEB model_meta.json: max_tokens Infinity (static embeddings read any length)"))
        .otherwise("max_tokens_source").alias("max_tokens_source"),
        pl.when(~pl.col("context_unlimited")).then("max_tokens").alias("max_tokens"),
    ).with_columns(
        _via(pl.col(f"{f}_source"), "cm_id").alias(f"{f}_source")
        for f in ("params", "embed_dim", "max_tokens", "embedding_params", "license")
    )
    licences = frame["license"].drop_nulls().unique().to_list()
    frame = frame.with_columns(pl.col("license").replace_strict(
        {v: canonical_license(v) for v in licences}, default=None, return_dtype=pl.String))
    verdicts = {v: is_permissive(v) for v in frame["license"].drop_nulls().unique().to_list()}
    return _borrow_from_base(frame.with_columns(
        commercial_use=pl.col("license").replace_strict(verdicts, default=None, return_dtype=pl.Boolean),
    ), inputs).select(list(FACT_SCHEMA)).cast(FACT_SCHEMA)


def _borrow_from_base(frame: pl.DataFrame, inputs: pl.DataFrame) -> pl.DataFrame:
    """A quantized copy (GGUF, ONNX int8 ...) has its base model's dimension, context and size: what the copy's
    own repository does not state is taken from the base's resolved facts (rather than from the base's C-MTEB
    metadata alone), and its source says so."""
    base = inputs.select("model_id", "base_model", "base_relation").join(
        frame.rename(lambda c: c if c == "model_id" else f"base_{c}").rename({"model_id": "base_model"}),
        on="base_model", how="inner").filter(pl.col("base_relation") == "quantized")
    if base.height == 0:
        return frame
    frame = frame.join(base.drop("base_relation"), on="model_id", how="left")
    borrowed = []
    for fact in ("params", "embed_dim", "max_tokens", "embedding_params"):
        borrowed_row = pl.col(f"{fact}_source").str.contains(" via base model ", literal=True).fill_null(False)
        take = (pl.col(fact).is_null() | borrowed_row) & pl.col(f"base_{fact}").is_not_null()
        borrowed += [pl.when(take).then(pl.col(f"base_{fact}")).otherwise(pl.col(fact)).alias(fact),
                     pl.when(take).then(pl.concat_str(pl.col(f"base_{fact}_source"), pl.lit(" of base model "),
                                                      pl.col("base_model"))).otherwise(pl.col(f"{fact}_source"))
                     .alias(f"{fact}_source")]
    return frame.with_columns(borrowed)


def conflicts(inputs: pl.DataFrame) -> list[DataIssue]:
    """Where two sources state different values for the same fact: one issue per model and fact."""
    issues: list[DataIssue] = []
    checks: Mapping[str, tuple[str, str, bool]] = {
        "params": ("hub_params", "cm_params", True),
        "embed_dim": ("cm_embed_dim", "files_output_dim", False),
        "max_tokens": ("cm_max_tokens", "files_max_tokens", False),
    }
    for fact, (first, second, relative) in checks.items():
        a, b = pl.col(first), pl.col(second)
        differs = (((a - b).abs() / pl.max_horizontal(a, b)) > CONFLICT_TOLERANCE) if relative else (a != b)
        rows = inputs.filter((a > 0) & (b > 0) & differs).select("model_id", first, second)
        for model_id, x, y in rows.iter_rows():
            issues.append(DataIssue.of("facts", model_id, fact, "sources disagree", f"kept {_label(fact, first)}",
                                       f"{_label(fact, first)}: {x}; {_label(fact, second)}: {y}"))
    licences = inputs.filter(pl.col("hub_license").is_not_null() & pl.col("cm_license").is_not_null())
    for model_id, hub, mteb in licences.select("model_id", "hub_license", "cm_license").iter_rows():
        if None not in (is_permissive(hub), is_permissive(mteb)) and is_permissive(hub) != is_permissive(mteb):
            issues.append(DataIssue.of("facts", model_id, "license", "sources disagree on commercial use",
                                       "kept the Hub licence", f"Hub: {hub}; C-MTEB: {mteb}"))
    return issues


def _label(fact: str, column: str) -> str:
    return dict(PRECEDENCE[fact])[column]
