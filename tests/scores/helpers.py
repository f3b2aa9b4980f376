"""A migrated DuckDB file filled row by row, the way the Hub, C-MTEB and smoke flows would have filled it;
and one scoring pass run the way the flow runs it, without Prefect."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipeline.config import Config
from pipeline.scoring import Scores, compute_scores
from warehouse import db
from warehouse.runs import RunRecord, start_run
from warehouse.scores import write_scores

D0 = date(2025, 1, 6)
"""A Monday; fixtures count days from it."""


def day(n: int) -> date:
    return D0 + timedelta(days=n)


@dataclass
class WarehouseBuilder:
    path: Path
    snapshots: list[dict[str, Any]] = field(default_factory=list)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    leaderboard: list[dict[str, Any]] = field(default_factory=list)
    cmteb_models: list[dict[str, Any]] = field(default_factory=list)
    smoke: list[dict[str, Any]] = field(default_factory=list)

    def model(self, model_id: str, created: date | None = date(2024, 1, 1), family: str | None = None,
              base: str | None = None, relation: str | None = None, fixture: bool = False) -> None:
        self.models[model_id] = {"created": created, "family": family or model_id, "base": base, "relation": relation,
                                 "fixture": fixture}

    def snapshot(self, when: date, model_id: str, all_time: int | None, d30: int | None = 1000, **cols: Any) -> None:
        if model_id not in self.models:
            self.model(model_id)
        m = self.models[model_id]
        row = {"snapshot_date": when, "model_id": model_id, "downloads_all_time": all_time, "downloads_30d": d30,
               "likes": 10, "license": "apache-2.0", "library_name": "sentence-transformers",
               "tags": ["sentence-transformers", "zh"], "formats": ["safetensors"], "params": 100_000_000,
               "last_modified": datetime(2024, 12, 1), "base_model": m["base"], "base_relation": m["relation"]}
        row.update(cols)
        self.snapshots.append(row)

    def history(self, model_id: str, days: range, per_day: float, start: int = 100_000, **cols: Any) -> None:
        """Daily snapshots with a constant download rate."""
        for n in days:
            self.snapshot(day(n), model_id, int(start + per_day * (n - days.start)), **cols)

    def board(self, model_id: str, mean: float | None, when: date = D0, protocol: str = "lenient", **types: float) -> None:
        row = {"snapshot_date": when, "protocol": protocol, "model_name": model_id, "model_id": model_id,
               "mean_task_type": mean, "n_tasks": 31, "tasks_expected": 31, "borda_rank": 1}
        row.update({t: mean for t in ("retrieval", "reranking", "sts", "pair_classification", "classification",
                                      "clustering")})
        row.update(types)
        self.leaderboard.append(row)

    def meta(self, model_id: str, when: date = D0, **cols: Any) -> None:
        row = {"snapshot_date": when, "model_name": model_id, "model_id": model_id, "family_id": model_id,
               "meta_revision": "a" * 40, "in_mteb_registry": True, "n_parameters": 100_000_000, "embed_dim": 768,
               "max_tokens": 512, "license": "mit", "zero_shot_pct": 100, "public_training_code": "false",
               "public_training_data": "false", "n_tasks_cmn": 31}
        row.update(cols)
        self.cmteb_models.append(row)

    def smoke_test(self, model_id: str, status: str = "passed", when: date = D0, **cols: Any) -> None:
        """A smoke result of the snapshot ``when`` (``tested_at``, the wall clock, defaults to that day)."""
        row = {"run_id": f"smoke-{len(self.smoke)}", "snapshot_date": when,
               "tested_at": datetime.combine(when, datetime.min.time()), "model_id": model_id, "status": status,
               "failure_class": None if status == "passed" else "load_error",
               "sentences_per_second": 100.0, "embedding_dim": 768}
        row.update(cols)
        self.smoke.append(row)

    def build(self) -> Path:
        with db.writer(self.path) as con:
            _insert(con, "model_snapshots", [{**r, "run_id": "test"} for r in self.snapshots])
            seen = con.execute("SELECT model_id, min(snapshot_date), max(snapshot_date) FROM model_snapshots"
                               " GROUP BY model_id").fetchall()
            con.execute("DELETE FROM models")
            _insert(con, "models", [
                {"model_id": m, "author": m.split("/")[0], "first_seen": first, "last_seen": last,
                 "created_at": datetime.combine(self.models[m]["created"], datetime.min.time())
                 if self.models[m]["created"] else None,
                 "family_id": self.models[m]["family"], "base_model": self.models[m]["base"],
                 "base_relation": self.models[m]["relation"], "fixture": self.models[m]["fixture"]}
                for m, first, last in seen])
            _insert(con, "cmteb_leaderboard", self.leaderboard)
            _insert(con, "cmteb_models", self.cmteb_models)
            _insert(con, "smoke_results", self.smoke)
        self.snapshots, self.leaderboard, self.cmteb_models, self.smoke = [], [], [], []
        return self.path


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    if rows:
        new_rows = pl.DataFrame(rows, infer_schema_length=None)
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM new_rows")


def score(path: Path, as_of: date, cfg: Config, full: bool = False) -> Scores:
    """One scoring pass as the flow runs it (compute read-only, then write), without Prefect."""
    with db.reader(path) as con:
        scores = compute_scores(con, as_of, cfg, full)
    run_id = start_run(path, "scores", as_of)
    write_scores(path, RunRecord(run_id=run_id, flow="scores", snapshot_date=as_of), scores)
    return scores


def rows(path: Path, query: str, params: list | None = None) -> list[dict[str, Any]]:
    with db.reader(path) as con:
        cur = con.execute(query, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]
