"""The MTEB results repository's files: task results in both formats, and ``model_meta.json``.

A results tree is ``<model org>__<model name>/<revision>/<Task>.json`` plus an optional
``model_meta.json`` per revision folder (reference/mteb.md §1-2). Task files come in two formats:

* current (mteb >= 1.11): ``{"task_name", "mteb_version", "scores": {split: [{hf_subset, languages,
  main_score, <metrics>}]}}``;
* pre-1.11: ``{"mteb_dataset_name", "mteb_version", split: {<metrics>} | {subset: {<metrics>}}}`` with
  metric groups nested (``cos_sim: {ap, spearman}``, ``max: {accuracy}``) and usually no ``main_score``.

Parsing follows mteb's own loader (``TaskResult.from_disk``): metric groups are flattened
(``cos_sim.ap`` -> ``cosine_ap``), and a missing ``main_score`` is taken from the task's *current*
main metric, so a pre-1.11 reranking file (``map`` only, no ``map_at_1000``) has no main score. Besides
the main score, each cell keeps the two metrics the other protocols need: cosine average precision
(pair classification, C-Pack 2023) and ``map`` (reranking before mteb 1.12).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.cmteb.tasks import known_tasks, task_aliases
from pipeline.issues import DataIssue

META_FILE = "model_meta.json"
EXPERIMENTS_DIR = "experiments"

_GROUPS = (("cos_sim", "cosine"), ("cosine", "cosine"), ("manhattan", "manhattan"),
           ("euclidean", "euclidean"), ("dot", "dot"), ("max", "max"), ("similarity", "similarity"))
_NOT_SUBSETS = {"v_measures", "cos_sim", "cosine", "euclidean", "manhattan", "dot", "max", "similarity",
                "scores_per_experiment"}
_TOP_LEVEL = {"dataset_revision", "mteb_dataset_name", "mteb_version", "task_name", "evaluation_time",
              "kg_co2_emissions", "date", "evaluation_phases", "description", "type", "mteb_main_score"}


class ResultFileError(ValueError):
    """A task file is not a results file in either format; the message says what is wrong."""


@dataclass(frozen=True)
class Cell:
    """One (split, subset) score item of a task file."""

    split: str
    subset: str
    languages: tuple[str, ...]
    main_score: Any
    ap_score: Any
    map_score: Any


@dataclass(frozen=True)
class TaskFile:
    """A parsed task file: which task, which format, written by which mteb, and its cells."""

    task_name: str
    file_task_name: str
    file_format: str
    mteb_version: str | None
    cells: tuple[Cell, ...]


def _flatten(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """``{"cos_sim": {"ap": x}}`` -> ``{"cosine_ap": x}`` (mteb's pre-1.11 conversion)."""
    flat = {k: v for k, v in metrics.items() if not isinstance(v, Mapping)}
    for old, new in _GROUPS:
        group = metrics.get(old)
        if isinstance(group, Mapping):
            for key, value in group.items():
                flat.setdefault(f"{new}_{key}", value)
    return flat


def _cell(split: str, subset: str, metrics: Mapping[str, Any], main_metric: str | None,
          languages: tuple[str, ...]) -> Cell:
    flat = _flatten(metrics)
    main = flat["main_score"] if "main_score" in flat else flat.get(main_metric) if main_metric else None
    ap = flat.get("cosine_ap", flat.get("cos_sim_ap"))
    return Cell(split=split, subset=subset, languages=languages, main_score=main, ap_score=ap,
                map_score=flat.get("map"))


def parse_task_file(data: Any, file_task_name: str) -> TaskFile:
    """Parse one task file (either format) into cells; raises :class:`ResultFileError` if it is neither."""
    if not isinstance(data, Mapping):
        raise ResultFileError("not a JSON object")
    name = data.get("task_name") or data.get("mteb_dataset_name") or file_task_name
    if not isinstance(name, str):
        raise ResultFileError(f"task name is not a string: {name!r}")
    current = task_aliases().get(name.lower(), name)
    spec = known_tasks().get(current)
    main_metric = spec.metric if spec and spec.name == current else None
    version = data.get("mteb_version")
    version = version if isinstance(version, str) else None
    if isinstance(data.get("scores"), Mapping):
        cells = []
        for split, items in data["scores"].items():
            if not isinstance(items, list):
                raise ResultFileError(f"scores.{split} is not a list")
            for item in items:
                if not isinstance(item, Mapping):
                    raise ResultFileError(f"scores.{split} holds a non-object item")
                langs = item.get("languages")
                langs = tuple(str(x) for x in langs) if isinstance(langs, list) else ()
                cells.append(_cell(str(split), str(item.get("hf_subset", "default")), item, None, langs))
        return TaskFile(current, file_task_name, "current", version, tuple(cells))
    cells = []
    for split, body in data.items():
        if split in _TOP_LEVEL:
            continue
        if not isinstance(body, Mapping):
            raise ResultFileError(f"split {split!r} is not an object")
        subsets = {k: v for k, v in body.items() if isinstance(v, Mapping) and k not in _NOT_SUBSETS}
        if subsets:
            for subset, metrics in subsets.items():
                cells.append(_cell(str(split), str(subset), metrics, main_metric, ()))
        else:
            cells.append(_cell(str(split), "default", body, main_metric, ()))
    if not cells:
        raise ResultFileError("no scores in either the current or the pre-1.11 format")
    return TaskFile(current, file_task_name, "pre_1.11", version, tuple(cells))


@dataclass
class ModelMeta:
    """The fields of ``model_meta.json`` the warehouse keeps, typed; bad values become None + an issue."""

    model_name: str
    revision: str
    n_parameters: int | None = None
    n_embedding_parameters: int | None = None
    embed_dim: int | None = None
    matryoshka_dims: list[int] | None = None
    """``embed_dim`` declared as a list: the sizes the embedding can be truncated to (largest = ``embed_dim``)."""
    max_tokens: int | None = None
    context_unlimited: bool = False
    """``max_tokens: Infinity``: a static (bag-of-tokens) model reads any length; ``max_tokens`` stays None."""
    license: str | None = None
    open_weights: bool | None = None
    public_training_code: str | None = None
    public_training_data: str | None = None
    training_datasets: list[str] | None = None
    release_date: date | None = None
    adapted_from: str | None = None
    superseded_by: str | None = None
    framework: list[str] | None = None
    reference: str | None = None
    keys: frozenset[str] = frozenset()
    """The keys the file has: a key that is absent is unknown (older mteb wrote fewer), one that is null is
    mteb's "no" (e.g. ``public_training_code: null`` = not public)."""
    issues: list[DataIssue] = field(default_factory=list)


def _number(meta: ModelMeta, key: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, list) and value and all(isinstance(v, (int, float)) for v in value):
        value = max(value)  # Matryoshka models list several sizes; mteb shows the largest
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        meta.issues.append(DataIssue.of("mteb", meta.model_name, key, "not a number", "nulled", value))
        return None
    if not math.isfinite(value):
        return None  # static models declare max_tokens = Infinity: "no limit", not an error
    if value < 0:
        meta.issues.append(DataIssue.of("mteb", meta.model_name, key, "negative", "nulled", value))
        return None
    return int(value)


def _text(meta: ModelMeta, key: str, value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    if isinstance(value, bool):
        return "true" if value else "false"  # public_training_*: a URL, or a bare yes/no
    meta.issues.append(DataIssue.of("mteb", meta.model_name, key, "not a string", "nulled", value))
    return None


def _names(meta: ModelMeta, key: str, value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        value = list(value)  # older dumps: {dataset: [splits]}
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return sorted(set(value))
    meta.issues.append(DataIssue.of("mteb", meta.model_name, key, "not a list of names", "nulled", value))
    return None


def parse_model_meta(data: Any, model_name: str, revision: str) -> ModelMeta:
    """Typed metadata from a ``model_meta.json`` body (names and revision decided by the caller)."""
    meta = ModelMeta(model_name=model_name, revision=revision)
    if not isinstance(data, Mapping):
        meta.issues.append(DataIssue.of("mteb", model_name, META_FILE, "not a JSON object", "nulled", data))
        return meta
    meta.keys = frozenset(k for k in data if isinstance(k, str))
    meta.n_parameters = _number(meta, "n_parameters", data.get("n_parameters"))
    meta.n_embedding_parameters = _number(meta, "n_embedding_parameters", data.get("n_embedding_parameters"))
    meta.embed_dim = _number(meta, "embed_dim", data.get("embed_dim"))
    dims = data.get("embed_dim")
    if isinstance(dims, list) and len(dims) > 1 and meta.embed_dim is not None:
        meta.matryoshka_dims = sorted({int(d) for d in dims if isinstance(d, (int, float))
                                       and not isinstance(d, bool) and 0 < d <= meta.embed_dim})
    meta.max_tokens = _number(meta, "max_tokens", data.get("max_tokens"))
    raw_tokens = data.get("max_tokens")
    meta.context_unlimited = isinstance(raw_tokens, float) and math.isinf(raw_tokens) and raw_tokens > 0
    for key in ("license", "public_training_code", "public_training_data", "adapted_from", "superseded_by",
                "reference"):
        setattr(meta, key, _text(meta, key, data.get(key)))
    open_weights = data.get("open_weights")
    meta.open_weights = open_weights if isinstance(open_weights, bool) else None
    meta.training_datasets = _names(meta, "training_datasets", data.get("training_datasets"))
    meta.framework = _names(meta, "framework", data.get("framework"))
    released = data.get("release_date")
    if released is not None:
        try:
            meta.release_date = date.fromisoformat(str(released)[:10])
        except ValueError:
            meta.issues.append(DataIssue.of("mteb", model_name, "release_date", "not a date", "nulled", released))
    return meta


def model_identity(revision_dir: Path, meta_body: Any) -> tuple[str, str]:
    """(model name, revision) as mteb's ResultCache decides them: ``model_meta.json`` first, else the path."""
    if isinstance(meta_body, Mapping) and isinstance(meta_body.get("name"), str) and meta_body.get("name"):
        revision = meta_body.get("revision")
        return meta_body["name"], revision if isinstance(revision, str) and revision else revision_dir.name
    return revision_dir.parent.name.replace("__", "/"), revision_dir.name


def read_json(path: Path) -> Any:
    """A JSON file; non-finite numbers (``NaN``, ``Infinity``) load as floats, as mteb's loader does."""
    return json.loads(path.read_text(encoding="utf-8"))


def revision_dirs(root: Path) -> Iterator[Path]:
    """Every ``<model>/<revision>/`` folder under a results root, in a stable order."""
    for model_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        yield from sorted(p for p in model_dir.iterdir() if p.is_dir())
