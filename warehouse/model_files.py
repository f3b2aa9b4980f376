"""Which repositories' configuration files to read this snapshot, and their rows in ``model_files``.

Files are read once per commit: a repository whose listed commit was read before is not read again, so
after the first snapshot only new and changed models cost requests. Rows read on a snapshot date are
replaced when that date is rerun, which keeps reruns exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from pipeline.model_files import ModelFiles
from warehouse import db


@dataclass(frozen=True)
class Candidate:
    """A listed model: id, listed commit and 30-day downloads (for the reading order)."""

    model_id: str
    sha: str | None
    downloads: int | None


FILES_SCHEMA = pa.schema([
    ("model_id", pa.string()), ("sha", pa.string()), ("hidden_size", pa.int64()), ("num_layers", pa.int64()),
    ("vocab_size", pa.int64()), ("max_position_embeddings", pa.int64()), ("model_type", pa.string()),
    ("output_dim", pa.int64()), ("max_seq_length", pa.int64()), ("tokenizer_max_length", pa.int64()),
    ("max_tokens", pa.int64()), ("embedding_params", pa.int64()), ("files", pa.list_(pa.string())),
    ("error", pa.string()),
])


def files_to_read(path: str | Path, snapshot_date: date, candidates: Sequence[Candidate],
                  limit: int) -> list[tuple[str, str | None]]:
    """Up to ``limit`` (model id, commit) pairs not read yet (or read on this date, which a rerun redoes):
    models with C-MTEB results first - their facts decide rankings - then the most downloaded."""
    if limit <= 0 or not candidates:
        return []
    table = pa.Table.from_pylist([c.__dict__ for c in candidates],
                                 schema=pa.schema([("model_id", pa.string()), ("sha", pa.string()),
                                                   ("downloads", pa.int64())]))
    with db.reader(path) as con:
        con.register("candidates", table)
        rows = con.execute(
            "SELECT c.model_id, c.sha FROM candidates c"
            " LEFT JOIN model_files f ON f.model_id = c.model_id AND f.sha IS NOT DISTINCT FROM c.sha"
            "   AND f.read_on <> $day"
            " WHERE f.model_id IS NULL"
            " ORDER BY c.model_id IN (SELECT model_id FROM cmteb_models WHERE model_id IS NOT NULL) DESC,"
            "   c.downloads DESC NULLS LAST, c.model_id LIMIT $limit",
            {"day": snapshot_date, "limit": limit},
        ).fetchall()
    return [(r[0], r[1]) for r in rows]


def insert_files(con: duckdb.DuckDBPyConnection, run_id: str, snapshot_date: date,
                 files: Iterable[ModelFiles]) -> int:
    """Replace what was read on ``snapshot_date`` with ``files``, inside the caller's transaction."""
    rows = [{"model_id": f.model_id, "sha": f.sha, "hidden_size": f.hidden_size, "num_layers": f.num_layers,
             "vocab_size": f.vocab_size, "max_position_embeddings": f.max_position_embeddings,
             "model_type": f.model_type, "output_dim": f.output_dim, "max_seq_length": f.max_seq_length,
             "tokenizer_max_length": f.tokenizer_max_length, "max_tokens": f.max_tokens,
             "embedding_params": f.embedding_params, "files": f.files, "error": f.error} for f in files]
    con.execute("DELETE FROM model_files WHERE read_on = ?", [snapshot_date])
    if not rows:
        return 0
    con.register("new_files", pa.Table.from_pylist(rows, schema=FILES_SCHEMA))
    try:
        con.execute("DELETE FROM model_files WHERE (model_id, coalesce(sha, '')) IN"
                    " (SELECT (model_id, coalesce(sha, '')) FROM new_files)")
        con.execute("INSERT INTO model_files BY NAME SELECT *, ? AS read_on, ? AS run_id FROM new_files",
                    [snapshot_date, run_id])
    finally:
        con.unregister("new_files")
    return len(rows)
