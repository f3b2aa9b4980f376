"""Writes of the Hub snapshot: one transaction replaces a date's rows, models and issues together."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date
from pathlib import Path

import pyarrow as pa

from pipeline.issues import DataIssue
from pipeline.model_files import ModelFiles
from pipeline.normalize import ModelRow
from pipeline.provenance import HubSource
from warehouse import db
from warehouse.issues import insert_issues
from warehouse.model_files import insert_files
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
    ("fixture", pa.bool_()),
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
    source: HubSource | None = None,
    fixtures: Collection[str] = (),
    files: Sequence[ModelFiles] = (),
) -> int:
    """Replace ``record.snapshot_date``'s snapshot with ``rows``, record its ``source`` and the configuration
    ``files`` read for it, and close the run, atomically. ``fixtures`` are the ids of the pipeline's own test
    repositories (``models.fixture``)."""
    day: date = record.snapshot_date
    # vars(), not asdict(): asdict deep-copies every list of every row, 90 % of a 20,000-row write.
    snapshot = pa.Table.from_pylist(
        [{**vars(r), "family_id": families.get(r.model_id, r.model_id), "fixture": r.model_id in fixtures}
         for r in rows], schema=SNAPSHOT_SCHEMA
    )
    source = source or HubSource(record.source_version or "unknown", "unknown", None)
    with db.writer(path) as con, db.transaction(con, {"new_snapshot": snapshot}):
        con.execute(
            "CREATE TEMP TABLE touched AS SELECT model_id FROM model_snapshots WHERE snapshot_date = ?"
            " UNION SELECT model_id FROM new_snapshot",
            [day],
        )
        con.execute("DELETE FROM model_snapshots WHERE snapshot_date = ?", [day])
        con.execute("DELETE FROM data_issues WHERE source IN ('hub', 'hub-files') AND snapshot_date = ?", [day])
        con.execute(
            "INSERT INTO model_snapshots BY NAME"
            " SELECT ? AS snapshot_date, ? AS run_id, * EXCLUDE (author, family_id, fixture) FROM new_snapshot",
            [day, record.run_id],
        )
        con.execute("DELETE FROM hub_snapshots WHERE snapshot_date = ?", [day])
        con.execute(
            "INSERT INTO hub_snapshots (snapshot_date, run_id, endpoint, source_kind, source_name, synthetic_fields,"
            " rule_fields, announced) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [day, record.run_id, source.endpoint, source.kind, source.name, list(source.synthetic_fields),
             list(source.rule_fields), source.announced],
        )
        insert_issues(con, record.run_id, day, [*issues, *(i for f in files for i in f.issues)])
        insert_files(con, record.run_id, day, files)
        refresh_models(con)
        con.execute("DROP TABLE temp.touched")
        record.rows_written = len(rows)
        finish_run(con, record)
    return len(rows)


def refresh_models(con) -> None:
    """Recompute ``models`` for the ids in ``temp.touched`` from the whole history, so reruns (and deleted
    dates) stay exact; ``new_snapshot`` (registered by the caller, possibly empty) supplies fresh families."""
    con.execute(
        """
        CREATE TEMP TABLE old_models AS SELECT * FROM models WHERE model_id IN (SELECT model_id FROM touched);
        DELETE FROM models WHERE model_id IN (SELECT model_id FROM touched);
        INSERT INTO models (model_id, author, created_at, first_seen, last_seen, family_id, base_model,
                            base_relation, fixture)
        SELECT h.model_id,
               coalesce(n.author, split_part(h.model_id, '/', 1)) AS author,
               latest.created_at,
               h.first_seen, h.last_seen,
               coalesce(n.family_id, o.family_id, h.model_id) AS family_id,
               latest.base_model, latest.base_relation,
               coalesce(n.fixture, o.fixture, false) AS fixture
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
