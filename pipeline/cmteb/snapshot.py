"""One C-MTEB snapshot from a source version: protocols, warehouse-shaped tables, changes, run details."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from pipeline.cmteb.changes import compare
from pipeline.cmteb.protocols import compute_all
from pipeline.cmteb.sources import SourceSnapshot
from pipeline.cmteb.tables import SnapshotTables, build_tables


@dataclass
class BuiltSnapshot:
    tables: SnapshotTables
    changes: pl.DataFrame
    details: dict[str, Any]


def build_snapshot(source: SourceSnapshot, hub_families: Mapping[str, str],
                   previous: SnapshotTables | None) -> BuiltSnapshot:
    """Everything a snapshot writes, and the figures its run record reports."""
    results = compute_all(source.scores)
    tables = build_tables(results, source.scores, source.metas, hub_families)
    changes = compare(previous, tables)
    board = tables.leaderboard
    per_protocol = {
        p: {"models": int(g.height), "full_mean": int(g["mean_task"].is_not_null().sum())}
        for (p,), g in board.group_by("protocol")
    }
    details = {
        "source": source.source,
        "cells": source.scores.height,
        "models": tables.models.height,
        "on_hub": int(tables.models["model_id"].is_not_null().sum()),
        "protocols": dict(sorted(per_protocol.items())),
        "changes": dict(sorted(Counter(changes["change_type"].to_list()).items())),
        "issues": len(source.issues),
        "issues_by_problem": dict(Counter(i.problem for i in source.issues).most_common(10)),
        "rejected": sum(i.action == "rejected" for i in source.issues),
        **{f"source_{k}": v for k, v in source.details.items()},
    }
    return BuiltSnapshot(tables=tables, changes=changes, details=details)
