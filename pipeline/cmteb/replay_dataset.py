"""The HF dataset ``mteb/results`` as the replay Hub serves it, rebuilt from the bundled real results.

``data/sources/mteb/`` holds the C-MTEB rows of the results repository at commit ``f4cc6c8b``
(2026-08-20) as a CSV, plus every ``model_meta.json``. From those this module writes what the dataset
holds upstream:

* ``data/train-00000-of-00001.parquet``: the columns and types mteb 2.26's ``BenchmarkResults._to_dataset``
  pushes (reference/mteb.md §5), one row per (model, revision, task, split, subset), main score as a
  fraction, NULL where mteb loads none (pre-1.11 reranking files, NaN in the file);
* ``results/<org>__<name>/<revision>/...``: the part of the results tree the pipeline reads -
  ``model_meta.json`` and the pair-classification and reranking task files - in the file's own format
  (current or pre-1.11) with the metrics the CSV kept (the dataset began as a git mirror of the
  results repository, so this is its layout);
* ``README.md``: a dataset card.

:func:`results_tree` also lays out the whole tree (every task file), which is how
``scripts/mteb_reference_table.py`` feeds the same data to mteb itself.

The demo replays four dated versions over 2026-08-31..2026-11-26 (:func:`demo_stages`): the real
results, staged so that models arrive, a model's full Chinese run lands after its multilingual results,
and a missing split is filled in. Every value is real; only the arrival dates are staged. The last
version is the bundled snapshot unchanged. Bytes are deterministic (sorted rows, sorted keys).
"""

from __future__ import annotations

import io
import json
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.cmteb.models import in_registry, trained_tasks, training_with_ancestors
from pipeline.cmteb.results_files import META_FILE, parse_model_meta
from pipeline.cmteb.sources import EXTRA_TASK_TYPES
from pipeline.cmteb.tasks import known_tasks, mteb_cmn_v1
from pipeline.replay_hub import RepoVersion

PARQUET_PATH = "data/train-00000-of-00001.parquet"

_STR = {"dtype": "large_string", "_type": "Value"}
_FEATURES = {"info": {"features": {
    "model_name": _STR, "model_revision": _STR, "task_name": _STR, "split": _STR,
    "language": {"feature": _STR, "_type": "LargeList"}, "subset": _STR,
    "score": {"dtype": "float64", "_type": "Value"}, "experiments": _STR,
    "is_public": {"dtype": "bool", "_type": "Value"}, "trained_on": {"dtype": "bool", "_type": "Value"},
}}}
PARQUET_SCHEMA = pa.schema([
    ("model_name", pa.large_string()),
    ("model_revision", pa.large_string()),
    ("task_name", pa.large_string()),
    ("split", pa.large_string()),
    ("language", pa.large_list(pa.large_string())),
    ("subset", pa.large_string()),
    ("score", pa.float64()),
    ("experiments", pa.large_string()),
    ("is_public", pa.bool_()),
    ("trained_on", pa.bool_()),
], metadata={"huggingface": json.dumps(_FEATURES, separators=(", ", ": "))})
"""What mteb 2.26.24's ``BenchmarkResults._to_dataset()`` pushes: ``_build_pre_agg_df``'s columns as a
``datasets.Dataset`` (large strings, Hugging Face features); ``experiments`` is NULL for plain results."""

_NESTED = {"cosine_spearman": ("cos_sim", "spearman"), "max_accuracy": ("max", "accuracy")}
_MAP_FALLBACK = "derived:map(fallback_for_map_at_1000)"

DEMO_DATES = (date(2026, 9, 28), date(2026, 10, 26), date(2026, 11, 16))
"""valid_from of the demo's second, third and fourth versions (the first is valid from the start)."""


@dataclass(frozen=True)
class Bundle:
    """The bundled extract: score rows (CSV) and ``model_meta.json`` bodies by (folder, revision)."""

    scores: pl.DataFrame
    metas: dict[tuple[str, str], dict[str, Any]]
    names: dict[str, str]


def load_bundle(sources_dir: Path) -> Bundle:
    """Read ``cmteb_scores.csv`` and ``model_meta.jsonl`` from ``data/sources/mteb``.

    The extract wrote the non-finite numbers of the files (``max_tokens: Infinity`` of static models) as
    null and listed them in ``extract_stats.json``; they are restored here, so the files served are the
    repository's own.
    """
    sources_dir = Path(sources_dir)
    scores = pl.read_csv(sources_dir / "cmteb_scores.csv", infer_schema_length=None,
                         schema_overrides={"revision": pl.String, "mteb_version": pl.String,
                                           "experiment": pl.String, "languages": pl.String})
    stats = json.loads((sources_dir / "extract_stats.json").read_text(encoding="utf-8"))
    infinite = {entry.rsplit(".model_meta.", 1)[0]: entry.rsplit(".", 1)[1]
                for entry in stats.get("model_meta_nonfinite_values_set_to_null", [])}
    metas: dict[tuple[str, str], dict[str, Any]] = {}
    names: dict[str, str] = {}
    with (sources_dir / "model_meta.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            names[record["model_dir"]] = record["model_name"]
            meta = record["model_meta"]
            if meta is not None and not record["experiment"]:
                key = infinite.get(record["model_name"])
                if key is not None and key in meta and meta[key] is None:
                    meta = {**meta, key: math.inf}
                metas[(record["model_dir"], record["revision"])] = meta
    return Bundle(scores=scores, metas=metas, names=names)


def _metric_entry(metrics: dict[str, Any], metric: str, value: Any) -> None:
    group = _NESTED.get(metric)
    if group:
        metrics.setdefault(group[0], {})[group[1]] = value
    else:
        metrics[metric] = value


def _score(row: dict[str, Any]) -> float | None:
    if row["main_score_source"] == "file_nan":
        return math.nan
    return row["main_score"]


def _current_file(rows: list[dict[str, Any]]) -> dict[str, Any]:
    first = rows[0]
    scores: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        value = _score(row)
        item: dict[str, Any] = {"hf_subset": row["hf_subset"],
                                "languages": (row["languages"] or "").split(";") if row["languages"] else [],
                                "main_score": value, row["main_metric"]: value}
        if row["ap_score"] is not None:
            item["cosine_ap"] = row["ap_score"]
        scores[row["split"]].append(item)
    return {"dataset_revision": first["dataset_revision"], "task_name": first["file_task_name"],
            "mteb_version": first["mteb_version"], "scores": dict(scores),
            "evaluation_time": first["evaluation_time"], "kg_co2_emissions": None}


def _pre_1_11_file(rows: list[dict[str, Any]]) -> dict[str, Any]:
    first = rows[0]
    body: dict[str, Any] = {"dataset_revision": first["dataset_revision"],
                            "mteb_dataset_name": first["file_task_name"], "mteb_version": first["mteb_version"]}
    for row in rows:
        metrics: dict[str, Any] = {}
        source = row["main_score_source"]
        if source == _MAP_FALLBACK:
            metrics["map"] = row["main_score"]
        else:
            _metric_entry(metrics, row["main_metric"], _score(row))
            if source == "file":
                metrics["main_score"] = _score(row)
        if row["ap_score"] is not None:
            metrics.setdefault("cos_sim", {})["ap"] = row["ap_score"]
        split = body.setdefault(row["split"], {})
        if row["hf_subset"] == "default":
            split.update(metrics)
        else:
            split[row["hf_subset"]] = metrics
    first_split = body[first["split"]]
    first_split["evaluation_time"] = first["evaluation_time"]
    return body


def _json(body: Any) -> bytes:
    return (json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def results_tree(bundle: Bundle, scores: pl.DataFrame | None = None,
                 task_types: Iterable[str] | None = None) -> dict[str, bytes]:
    """``results/<model_dir>/<revision>/<file>`` -> bytes: the task files of ``scores`` (default: all; only
    of ``task_types`` when given) and the ``model_meta.json`` of every revision folder of their models -
    including folders that hold no C-MTEB scores, where many models keep their metadata."""
    scores = bundle.scores if scores is None else scores
    wanted = set(task_types) if task_types is not None else None
    files: dict[str, bytes] = {}
    grouped: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in scores.iter_rows(named=True):
        if wanted is None or row["task_type"] in wanted:
            grouped[(row["model_dir"], row["revision"], row["file_task_name"])].append(row)
    for (model_dir, revision, task), rows in sorted(grouped.items()):
        rows.sort(key=lambda r: (r["split"], r["hf_subset"]))
        body = _current_file(rows) if rows[0]["file_format"] == "current" else _pre_1_11_file(rows)
        files[f"results/{model_dir}/{revision}/{task}.json"] = _json(body)
    models = set(scores["model_dir"].unique())
    for (model_dir, revision), meta in sorted(bundle.metas.items()):
        if model_dir in models:
            files[f"results/{model_dir}/{revision}/{META_FILE}"] = _json(meta)
    return dict(sorted(files.items()))


def _languages(scores: pl.DataFrame) -> pl.DataFrame:
    """Pre-1.11 rows carry no languages; mteb fills them from the task's metadata, as does this."""
    known = (scores.filter(pl.col("languages").is_not_null())
             .group_by("task_name", "hf_subset").agg(pl.col("languages").first().alias("_known")))
    return (scores.join(known, on=["task_name", "hf_subset"], how="left")
            .with_columns(pl.coalesce("languages", "_known").fill_null("Unknown").str.split(";").alias("language"))
            .drop("_known"))


def _trained_on(bundle: Bundle, scores: pl.DataFrame) -> pl.DataFrame:
    metas = {}
    for (model_dir, revision), body in bundle.metas.items():
        name = bundle.names.get(model_dir, model_dir.replace("__", "/"))
        metas.setdefault(name, parse_model_meta(body, name, revision))
    rows = []
    for name in scores["model_name"].unique().sort():
        training = training_with_ancestors(name, metas) if in_registry(name) else None
        tasks = trained_tasks(training) | (training & set(known_tasks())) if training else set()
        rows += [(name, task) for task in sorted(tasks)]
    trained = pl.DataFrame(rows, schema={"model_name": pl.String, "task_name": pl.String}, orient="row")
    return scores.join(trained.with_columns(pl.lit(True).alias("trained_on")), on=["model_name", "task_name"],
                       how="left").with_columns(pl.col("trained_on").fill_null(False))


def results_parquet(bundle: Bundle, scores: pl.DataFrame | None = None) -> bytes:
    """The dataset's parquet for ``scores`` (default: all rows), deterministic bytes."""
    scores = bundle.scores if scores is None else scores
    frame = _trained_on(bundle, _languages(scores)).with_columns(
        pl.when(pl.col("main_score_source") == _MAP_FALLBACK).then(None)
        .otherwise(pl.col("main_score")).alias("score"),
    ).sort("model_name", "revision", "task_name", "split", "hf_subset")
    table = pa.table({
        "model_name": frame["model_name"].to_arrow(),
        "model_revision": frame["revision"].to_arrow(),
        "task_name": frame["task_name"].to_arrow(),
        "split": frame["split"].to_arrow(),
        "language": frame["language"].to_arrow(),
        "subset": frame["hf_subset"].to_arrow(),
        "score": frame["score"].to_arrow(),
        "experiments": pa.nulls(frame.height, pa.large_string()),
        "is_public": pa.array([True] * frame.height),
        "trained_on": frame["trained_on"].to_arrow(),
    }).cast(PARQUET_SCHEMA)
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd", write_statistics=True)
    return sink.getvalue()


def dataset_card(note: str) -> bytes:
    """The dataset's README.md: card header (as upstream: the ``mteb`` benchmark tag) and provenance."""
    return (
        "---\nbenchmark: mteb\ntype: evaluation\nconfigs:\n- config_name: default\n  data_files:\n"
        "  - split: train\n    path: data/train-*\n---\n\n"
        "# MTEB results (replay)\n\n"
        "The C-MTEB rows of the MTEB results repository (`embeddings-benchmark/results` at commit\n"
        "`f4cc6c8b`, 2026-08-20), served by Embedding Radar's replay Hub. `data/` has mteb's main-score\n"
        "parquet (one row per model, revision, task, split and subset; scores are fractions);\n"
        "`results/` has `model_meta.json` and the pair-classification and reranking task files.\n\n"
        f"{note}\n"
    ).encode()


def _complete_models(bundle: Bundle) -> list[str]:
    """Registered models with every benchmark cell of ``MTEB(cmn, v1)``, best mean over tasks first."""
    cells = {(t.name, split) for t in mteb_cmn_v1() for split in t.splits}
    benchmark = bundle.scores.filter(pl.col("in_benchmark") == 1, pl.col("main_score").is_not_null(),
                                     pl.col("main_score_source") != _MAP_FALLBACK)
    per_model = (benchmark.group_by("model_name", "task_name").agg(pl.col("main_score").mean(), pl.len())
                 .group_by("model_name").agg(pl.col("main_score").mean().alias("mean"),
                                             pl.col("len").sum().alias("n")))
    complete = per_model.filter(pl.col("n") == len(cells), pl.col("model_name").map_elements(in_registry,
                                                                                               pl.Boolean))
    return complete.sort(["mean", "model_name"], descending=[True, False])["model_name"].to_list()


def demo_stages(bundle: Bundle) -> list[tuple[date | None, pl.DataFrame, str]]:
    """The four versions: (valid_from, score rows, what changed). Staged by rule, from real rows only.

    Among registered models with a full ``MTEB(cmn, v1)`` result, best mean over the tasks first:
    the 2 newest arrive in version 4, the next 2 in version 3 and the next 2 in version 2; the next 2 have
    only their five MTEB(Multilingual) tasks until version 2 (their Chinese run lands then); the next 2
    lack the MultilingualSentiment test split until version 3.
    """
    scores = bundle.scores
    ordered = _complete_models(bundle)
    v4_new, v3_new, v2_new, late, split_late = (ordered[0:2], ordered[2:4], ordered[4:6], ordered[6:8],
                                                ordered[8:10])
    multilingual = ["CovidRetrieval", "CmedqaRetrieval", "T2Reranking", "CMedQAv2-reranking", "STSB"]
    name = pl.col("model_name")
    held_split = name.is_in(split_late) & (pl.col("task_name") == "MultilingualSentiment") & (pl.col("split") == "test")
    held_run = name.is_in(late) & ~pl.col("task_name").is_in(multilingual)
    v4 = scores
    v3 = v4.filter(~name.is_in(v4_new))
    v2 = v3.filter(~name.is_in(v3_new) & ~held_split)
    v1 = v2.filter(~name.is_in(v2_new) & ~held_run)
    return [
        (None, v1, "Version 1 of 4 (demo): the bundled results less the models and runs that arrive later."),
        (DEMO_DATES[0], v2, f"Version 2 of 4 (demo): new models {', '.join(v2_new)}; full Chinese runs of "
                            f"{', '.join(late)}."),
        (DEMO_DATES[1], v3, f"Version 3 of 4 (demo): new models {', '.join(v3_new)}; MultilingualSentiment "
                            f"test split of {', '.join(split_late)}."),
        (DEMO_DATES[2], v4, f"Version 4 of 4 (demo): new models {', '.join(v4_new)}; equal to the bundled "
                            "snapshot."),
    ]


def mteb_results_versions(sources_dir: Path) -> list[RepoVersion]:
    """The dated versions of the ``mteb/results`` dataset repo for the replay Hub."""
    bundle = load_bundle(sources_dir)
    versions = []
    for valid_from, scores, note in demo_stages(bundle):
        files = {PARQUET_PATH: results_parquet(bundle, scores), "README.md": dataset_card(note),
                 **results_tree(bundle, scores, EXTRA_TASK_TYPES)}
        versions.append(RepoVersion(valid_from=valid_from, files=files))
    return versions
