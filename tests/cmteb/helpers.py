"""Test helpers: hand-made result cells (run through the real quality checks) and files on disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from pipeline.cmteb.quality import clean_scores
from pipeline.cmteb.sources import RAW_SCHEMA, with_version_rank
from pipeline.cmteb.tasks import cpack2023, mteb_cmn_v1


def cell(model: str, task: str, split: str, score: float | None, *, revision: str = "a" * 40,
         subset: str = "default", ap: float | None = None, map_score: float | None = None,
         mteb_version: str | None = "1.38.0", file_format: str = "current") -> dict[str, Any]:
    return {"model_name": model, "revision": revision, "task_name": task, "split": split, "subset": subset,
            "score": score, "ap_score": ap, "map_score": map_score, "mteb_version": mteb_version,
            "file_format": file_format, "bad_score": None}


def full_run(model: str, base: float, *, cpack: bool = False, skip: set[tuple[str, str]] = frozenset(),
             **kw: Any) -> list[dict[str, Any]]:
    """Every cell of MTEB(cmn, v1) (and the four extra C-Pack datasets) at ``base`` (+0.001 per task)."""
    specs = {s.name: s for s in mteb_cmn_v1()}
    if cpack:
        specs.update({s.name: s for s in cpack2023() if s.name not in specs})
    rows = []
    for i, spec in enumerate(specs.values()):
        for split in spec.splits:
            if (spec.name, split) in skip:
                continue
            ap = base + 0.05 if spec.type == "PairClassification" else None
            rows.append(cell(model, spec.name, split, base + i / 1000, subset=spec.subset, ap=ap, **kw))
    if cpack:
        rows.append(cell(model, "MultilingualSentiment", "test", base, **kw))  # the leaderboard's second split
    return rows


def scores(rows: list[dict[str, Any]]) -> pl.DataFrame:
    clean, _ = clean_scores(pl.DataFrame(rows, schema=RAW_SCHEMA))
    return with_version_rank(clean)


def write_tree(files: dict[str, bytes], root: Path) -> Path:
    """Write ``relative path -> bytes`` under ``root``."""
    for rel, body in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    return root
