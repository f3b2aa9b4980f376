"""The models the results describe: one metadata row per model and snapshot, with its zero-shot share.

A model can have several revision folders, each with its own ``model_meta.json`` (the dump of mteb's
``ModelMeta`` when it was evaluated), and its scores and its metadata often sit in different folders
(BAAI/bge-large-zh-v1.5: scores in ``no_revision_available/``, metadata in its pinned revision). Every
folder is read. The folders are ordered the way mteb itself would trust them - the revision pinned in
mteb's registry, then real revisions over ``external`` imports, then the folder with the most C-MTEB
cells - and each fact is taken from the first folder that states it; ``fact_revisions`` records which.

Zero-shot follows the leaderboard's definition: 100 - the % of ``MTEB(cmn, v1)`` tasks the model was
trained on, where training on a task also counts for the tasks mteb lists as "similar" and a model
inherits the training data of the model it was ``adapted_from``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

import polars as pl

from pipeline.cmteb.results_files import ModelMeta
from pipeline.cmteb.tasks import mteb_cmn_v1

MODEL_SCHEMA: dict[str, pl.DataType] = {
    "model_name": pl.String,
    "meta_revision": pl.String,
    "in_mteb_registry": pl.Boolean,
    "n_parameters": pl.Int64,
    "n_embedding_parameters": pl.Int64,
    "embed_dim": pl.Int64,
    "matryoshka_dims": pl.List(pl.Int64),
    "max_tokens": pl.Int64,
    "context_unlimited": pl.Boolean,
    "license": pl.String,
    "open_weights": pl.Boolean,
    "public_training_code": pl.String,
    "public_training_data": pl.String,
    "training_datasets": pl.List(pl.String),
    "zero_shot_pct": pl.Int64,
    "release_date": pl.Date,
    "adapted_from": pl.String,
    "superseded_by": pl.String,
    "framework": pl.List(pl.String),
    "reference": pl.String,
    "fact_revisions": pl.String,
}
FACTS = ("n_parameters", "n_embedding_parameters", "embed_dim", "matryoshka_dims", "max_tokens", "license",
         "open_weights", "release_date", "adapted_from", "superseded_by", "framework", "reference",
         "training_datasets")
"""Facts taken from the first folder (in mteb's order of trust) whose ``model_meta.json`` states them."""
TRAINING_LINKS = ("public_training_code", "public_training_data")
"""mteb's convention: a link (or true) is public, null is not public - but only where the file has the key;
a file without it (older mteb) says nothing, and the next folder is asked."""


@dataclass(frozen=True)
class RegistryEntry:
    registered: bool
    pinned_revision: str | None


@cache
def registry() -> dict[str, RegistryEntry]:
    """What mteb's model registry says of each model (the leaderboard shows registered models only).

    From ``data/mteb_registry.csv`` (mteb 2.26.24). A name the file does not list is taken as
    registered: the results repository only accepts models mteb knows.
    """
    text = resources.files("pipeline.cmteb").joinpath("data", "mteb_registry.csv").read_text(encoding="utf-8")
    return {r["model_name"]: RegistryEntry(r["in_registry"] == "1", r["pinned_revision"] or None)
            for r in csv.DictReader(text.splitlines())}


def in_registry(model_name: str) -> bool:
    entry = registry().get(model_name)
    return entry is None or entry.registered


def pinned_revision(model_name: str) -> str | None:
    entry = registry().get(model_name)
    return entry.pinned_revision if entry else None


def registry_frame() -> pl.DataFrame:
    """``model_name, in_registry, pinned_revision`` for joins in the protocols."""
    rows = [(name, e.registered, e.pinned_revision) for name, e in registry().items()]
    return pl.DataFrame(rows, schema={"model_name": pl.String, "in_registry": pl.Boolean,
                                      "pinned_revision": pl.String}, orient="row")


def training_with_ancestors(model_name: str, metas: Mapping[str, ModelMeta]) -> set[str] | None:
    """The model's training datasets plus those of the models it was adapted from (None: unknown)."""
    seen: set[str] = set()
    out: set[str] | None = None
    current: str | None = model_name
    while current and current not in seen and current in metas:
        seen.add(current)
        meta = metas[current]
        if meta.training_datasets is not None:
            out = (out or set()) | set(meta.training_datasets)
        elif current == model_name:
            return None
        current = meta.adapted_from
    return out


def trained_tasks(training: Iterable[str]) -> set[str]:
    """The ``MTEB(cmn, v1)`` tasks a model trained on ``training`` is not zero-shot on."""
    training = set(training)
    return {t.name for t in mteb_cmn_v1() if training & {t.name, *t.similar}}


def zero_shot_pct(training: set[str] | None) -> int | None:
    """100 - % of the benchmark's tasks trained on, truncated like mteb; None when training is unknown."""
    if training is None:
        return None
    tasks = mteb_cmn_v1()
    return int(100 - 100 * (len(trained_tasks(training)) / len(tasks)))


def _rank(meta: ModelMeta, cells: Mapping[tuple[str, str], int]) -> tuple:
    pinned = pinned_revision(meta.model_name)
    imported = meta.revision in ("external", "no_revision_available")
    return (meta.revision == pinned, not imported, cells.get((meta.model_name, meta.revision), 0), meta.revision)


def merge_metas(metas: list[ModelMeta]) -> tuple[ModelMeta, dict[str, str]]:
    """One model's folders (most trusted first) as one :class:`ModelMeta`, and the folder each fact came from."""
    merged = replace(metas[0])
    sources: dict[str, str] = {}
    for name in FACTS:
        for meta in metas:
            if getattr(meta, name) is not None:
                setattr(merged, name, getattr(meta, name))
                sources[name] = meta.revision
                break
    if merged.max_tokens is None:
        unlimited = next((m for m in metas if m.context_unlimited), None)
        merged.context_unlimited = unlimited is not None
        if unlimited is not None:
            sources["max_tokens"] = unlimited.revision
    for name in TRAINING_LINKS:
        stated = next((m for m in metas if name in m.keys), None)
        setattr(merged, name, None if stated is None else getattr(stated, name) or "false")
        if stated is not None:
            sources[name] = stated.revision
    return merged, sources


def model_table(metas: Iterable[ModelMeta], scores: pl.DataFrame) -> pl.DataFrame:
    """One row per model with results or metadata: its facts from every folder, and its zero-shot %."""
    counts = scores.group_by("model_name", "revision").len()
    cells = {(r[0], r[1]): r[2] for r in counts.iter_rows()}
    folders: dict[str, list[ModelMeta]] = {}
    for meta in metas:
        folders.setdefault(meta.model_name, []).append(meta)
    merged: dict[str, tuple[ModelMeta, dict[str, str]]] = {
        name: merge_metas(sorted(found, key=lambda m: _rank(m, cells), reverse=True))
        for name, found in folders.items()
    }
    trusted = {name: meta for name, (meta, _) in merged.items()}
    rows = []
    for name in sorted(set(merged) | set(scores["model_name"].unique())):
        meta, sources = merged.get(name, (None, {}))
        row = {k: getattr(meta, k) for k in MODEL_SCHEMA if hasattr(meta, k)} if meta else {"model_name": name}
        row["meta_revision"] = meta.revision if meta else None
        row["in_mteb_registry"] = in_registry(name)
        row["zero_shot_pct"] = (zero_shot_pct(training_with_ancestors(name, trusted)) if row["in_mteb_registry"]
                                else None)
        row["fact_revisions"] = json.dumps(sources, sort_keys=True) if sources else None
        rows.append(row)
    return pl.DataFrame(rows, schema=MODEL_SCHEMA) if rows else pl.DataFrame(schema=MODEL_SCHEMA)
