"""Writes of the Hub snapshot: one transaction replaces a date's rows, models and issues together."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

import pyarrow as pa

from pipeline.issues import DataIssue
from pipeline.normalize import ModelRow
from warehouse import db
from warehouse.issues import insert_issues
from warehouse.runs import RunRecord, finish_run

SNAPSHOT_SCHEMA = pa.schema([
    ("model_id", pa.string()),
    ("author", pa.string()),
    ("downloads_30d", pa.int64()),
    ("downloads_all_time", pa.int64()),
    ("likes", pa.int64()),
    ("trending_score", pa.float64()),
    ("pipeline_tag", pa.string()),
    ("library_name", pa.string()),
    ("license", pa.string()),
    ("params", pa.int64()),
    ("tags", pa.list_(pa.string())),
    ("languages", pa.list_(pa.string())),
    ("gated", pa.string()),
    ("disabled", pa.bool_()),
    ("sha", pa.string()),
    ("created_at", pa.timestamp("us")),
    ("last_modified", pa.timestamp("us")),
    ("base_model", pa.string()),
    ("base_relation", pa.string()),
    ("formats", pa.list_(pa.string())),
    ("found_by", pa.list_(pa.string())),
    ("family_id", pa.string()),
])

def known_bases(path: str | Path) -> tuple[dict[str, str | None], dict[str, int | None]]:
    """Declared bases and latest all-time downloads of every model seen before, for family grouping."""
    path = Path(path)
    if not path.is_file():
        return {}, {}
    with db.reader(path) as con:
        rows = con.execute(
            "SELECT m.model_id, m.base_model, s.downloads_all_time FROM models m"
            " LEFT JOIN model_snapshots s ON s.model_id = m.model_id AND s.snapshot_date = m.last_seen"
        ).fetchall()
    return {r[0]: r[1] for r in rows}, {r[0]: r[2] for r in rows}


def write_hub_snapshot(
    path: str | Path,
    record: RunRecord,
    rows: list[ModelRow],
    families: Mapping[str, str],
    issues: list[DataIssue],
) -> int:
    """Replace ``record.snapshot_date``'s snapshot with ``rows`` and close the run, atomically."""
    day: date = record.snapshot_date
    # vars(), not asdict(): asdict deep-copies every list of every row, 90 % of a 20,000-row write.
    snapshot = pa.Table.from_pylist(
        [{**vars(r), "family_id": families.get(r.model_id, r.model_id)} for r in rows], schema=SNAPSHOT_SCHEMA
    )
    with db.writer(path) as con, db.transaction(con, {"new_snapshot": snapshot}):
        con.execute(
            "CREATE TEMP TABLE touched AS SELECT model_id FROM model_snapshots WHERE snapshot_date = ?"
            " UNION SELECT model_id FROM new_snapshot",
            [day],
        )
        con.execute("DELETE FROM model_snapshots WHERE snapshot_date = ?", [day])
        con.execute("DELETE FROM data_issues WHERE source = 'hub' AND snapshot_date = ?", [day])
        con.execute(
            "INSERT INTO model_snapshots BY NAME"
            " SELECT ? AS snapshot_date, ? AS run_id, * EXCLUDE (author, family_id) FROM new_snapshot",
            [day, record.run_id],
        )
        insert_issues(con, record.run_id, day, issues)
        _refresh_models(con)
        con.execute("DROP TABLE temp.touched")
        record.rows_written = len(rows)
        finish_run(con, record)
    return len(rows)


def _refresh_models(con) -> None:
    """Recompute ``models`` for the touched ids from the whole history, so reruns stay exact."""
    con.execute(
        """
        CREATE TEMP TABLE old_models AS SELECT * FROM models WHERE model_id IN (SELECT model_id FROM touched);
        DELETE FROM models WHERE model_id IN (SELECT model_id FROM touched);
        INSERT INTO models
        SELECT h.model_id,
               coalesce(n.author, split_part(h.model_id, '/', 1)) AS author,
               latest.created_at,
               h.first_seen, h.last_seen,
               coalesce(n.family_id, o.family_id, h.model_id) AS family_id,
               latest.base_model, latest.base_relation
        FROM (
            SELECT model_id, min(snapshot_date) AS first_seen, max(snapshot_date) AS last_seen
            FROM model_snapshots WHERE model_id IN (SELECT model_id FROM touched) GROUP BY model_id
        ) h
        JOIN model_snapshots latest ON latest.model_id = h.model_id AND latest.snapshot_date = h.last_seen
        LEFT JOIN new_snapshot n ON n.model_id = h.model_id
        LEFT JOIN old_models o ON o.model_id = h.model_id;
        DROP TABLE old_models;
        """
    )
