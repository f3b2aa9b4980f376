"""The C-MTEB task tables, read from the CSV files in ``pipeline/cmteb/data/``.

The tables are data, not code, because they change on purpose and on record: mteb moved
MultilingualSentiment between splits three times in 2025-26 (reference/mteb.md §3a). Two tables:

* ``mteb_cmn_v1.csv``: the 31 tasks of mteb's ``MTEB(cmn, v1)`` with the splits the leaderboard uses,
  the main metric, the file names the task had before mteb 1.11 and the tasks mteb counts as "similar"
  for its zero-shot figure;
* ``cpack2023.csv``: the 35 datasets of the original C-MTEB (C-Pack paper, 2023) with the subset, splits
  and metric that protocol scores them by.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

TASK_TYPES: tuple[str, ...] = (
    "Retrieval", "Reranking", "PairClassification", "Classification", "Clustering", "STS",
)
"""The six C-MTEB task types, in the column order of ``cmteb_leaderboard``."""

TYPE_COLUMNS: dict[str, str] = {
    "Retrieval": "retrieval",
    "Reranking": "reranking",
    "PairClassification": "pair_classification",
    "Classification": "classification",
    "Clustering": "clustering",
    "STS": "sts",
}
"""Task type -> its per-type mean column in the warehouse."""


class TaskTableError(ValueError):
    """A bundled task table is malformed; the message names the file and row."""


@dataclass(frozen=True)
class TaskSpec:
    """One task as a protocol scores it: which cells (split x subset) and which metric."""

    name: str
    type: str
    splits: tuple[str, ...]
    subset: str
    metric: str
    former_names: tuple[str, ...] = ()
    similar: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()


def _split(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(";") if v.strip())


def _read(name: str) -> list[dict[str, str]]:
    text = resources.files("pipeline.cmteb").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def _validated(name: str, specs: list[TaskSpec]) -> tuple[TaskSpec, ...]:
    seen: set[str] = set()
    for i, spec in enumerate(specs, start=2):
        if spec.type not in TASK_TYPES:
            raise TaskTableError(f"{name} line {i}: unknown task type {spec.type!r}")
        if not spec.splits or not spec.subset or not spec.metric:
            raise TaskTableError(f"{name} line {i}: {spec.name}: splits, subset and metric are required")
        if spec.name in seen:
            raise TaskTableError(f"{name} line {i}: duplicate task {spec.name}")
        seen.add(spec.name)
    return tuple(specs)


@cache
def mteb_cmn_v1() -> tuple[TaskSpec, ...]:
    """The 31 tasks of ``MTEB(cmn, v1)`` in mteb's order (main metric = the file's ``main_score``)."""
    rows = _read("mteb_cmn_v1.csv")
    specs = [
        TaskSpec(
            name=r["task_name"], type=r["task_type"], splits=_split(r["splits"]), subset=r["subset"],
            metric=r["main_metric"], former_names=_split(r["former_names"]),
            similar=_split(r["similar_tasks"]), languages=_split(r["languages"]),
        )
        for r in rows
    ]
    return _validated("mteb_cmn_v1.csv", specs)


@cache
def cpack2023() -> tuple[TaskSpec, ...]:
    """The 35 datasets of the original C-MTEB protocol (C-Pack, 2023)."""
    rows = _read("cpack2023.csv")
    former = {t.name: t.former_names for t in mteb_cmn_v1()}
    specs = [
        TaskSpec(
            name=r["task_name"], type=r["task_type"], splits=_split(r["splits"]), subset=r["subset"],
            metric=r["metric"], former_names=former.get(r["task_name"], ()),
        )
        for r in rows
    ]
    return _validated("cpack2023.csv", specs)


@cache
def known_tasks() -> dict[str, TaskSpec]:
    """Every task any protocol uses, by name (the ``MTEB(cmn, v1)`` spec wins for the shared 31)."""
    out = {t.name: t for t in cpack2023()}
    out.update({t.name: t for t in mteb_cmn_v1()})
    return out


@cache
def task_aliases() -> dict[str, str]:
    """Lower-cased current and former task names -> the current name.

    Pre-1.11 result files use former names (``CMedQAv1`` for ``CMedQAv1-reranking``); hand-edited
    files and other tools get the case wrong. Both resolve here; everything else is another benchmark.
    """
    aliases: dict[str, str] = {}
    for spec in known_tasks().values():
        for name in (spec.name, *spec.former_names):
            aliases[name.lower()] = spec.name
    return aliases
