"""Backups and upgrades on real DuckDB files: `radar export`/`import` round trips exactly, and a
warehouse made by an older schema version upgrades in place with its data intact.

Every table is filled by a generator that reads the live schema (types, keys, NOT NULL), so a table or
column added by a later migration is covered without touching this file; a column type the generator
does not know fails the test with the type's name instead of being skipped.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipeline.normalize import ModelRow
from warehouse import db
from warehouse.backup import BackupError, export_parquet, import_parquet, table_order
from warehouse.hub import write_hub_snapshot
from warehouse.runs import RunRecord, start_run

ROWS = 6
TEXTS = (
    "v{i}",
    "v{i} 中文 \u202eevil\u202c <script>alert('x')</script> \"dq\" \\ back",
    "v{i}\nsecond line\ttab \U0001f600",
    "v{i} " + "x" * 5000,
)


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def value_sql(t: duckdb.typing.DuckDBPyType, i: int) -> str:
    """A SQL literal of type ``t`` for row ``i``: distinct per row, deterministic, edge-flavoured."""
    kind, name = t.id, str(t)
    if kind == "list":
        child = t.children[0][1]
        items = [] if i % 4 == 3 else [value_sql(child, i), value_sql(child, i + 1)]
        return f"CAST([{', '.join(items)}] AS {name})"
    if kind == "struct":
        fields = ", ".join(f"{_sql_text(n)}: {value_sql(ct, i)}" for n, ct in t.children)
        return f"CAST({{{fields}}} AS {name})"
    if kind == "map":
        (_, key), (_, val) = t.children
        return f"CAST(MAP {{{value_sql(key, i)}: {value_sql(val, i)}}} AS {name})"
    scalar = {
        "varchar": lambda: _sql_text(json.dumps({"i": i, "s": "中文 <b>&"}) if name == "JSON" else TEXTS[i % 4].format(i=i)),
        "boolean": lambda: "true" if i % 2 else "false",
        "tinyint": lambda: str(i), "utinyint": lambda: str(i), "smallint": lambda: str(i * 100),
        "integer": lambda: str(i * 100_000), "uinteger": lambda: str(i * 100_000),
        "bigint": lambda: str(i * 1_000_000_000_007), "ubigint": lambda: str(i * 1_000_000_000_007),
        "hugeint": lambda: f"{i}{'9' * 30}",
        "double": lambda: f"{i}.5e{(i % 3) * 100}", "float": lambda: f"{i}.25",
        "decimal": lambda: f"{i}.25",
        "date": lambda: f"DATE '2026-01-01' + {i}",
        "timestamp": lambda: f"TIMESTAMP '2026-01-01 12:34:56.123456' + INTERVAL ({i}) HOUR",
        "timestamp with time zone": lambda: f"TIMESTAMPTZ '2026-01-01 12:34:56.123456+00' + INTERVAL ({i}) HOUR",
        "uuid": lambda: f"'00000000-0000-4000-8000-{i:012d}'",
        "blob": lambda: f"'\\x00\\xff{i}'::BLOB",
    }.get(kind)
    if scalar is None:
        pytest.fail(f"the test data generator does not know column type {name}; add it to value_sql")
    return f"CAST({scalar()} AS {name})"


def fill_every_table(con: duckdb.DuckDBPyConnection, rows: int = ROWS) -> dict[str, int]:
    """Insert ``rows`` generated rows into every table but ``schema_migrations``; NULLs where allowed."""
    keyed = {(t, c) for t, cols in con.execute(
        "SELECT table_name, constraint_column_names FROM duckdb_constraints()"
        " WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY')").fetchall() for c in cols}
    counts = {}
    for table in table_order(con):
        if table == "schema_migrations":
            continue
        columns = con.execute(
            "SELECT column_name, is_nullable FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
            [table]).fetchall()
        types = con.sql(f'SELECT * FROM "{table}" LIMIT 0').types
        for i in range(rows):
            values = [
                "NULL" if i % 3 == 2 and nullable and (table, col) not in keyed else value_sql(t, i)
                for (col, nullable), t in zip(columns, types)
            ]
            con.execute(f'INSERT INTO "{table}" VALUES ({", ".join(values)})')
        counts[table] = rows
    return counts


def dump(path: Path) -> dict[str, list[tuple]]:
    """Every table, every row, in a stable order, plus the column types."""
    with db.reader(path) as con:
        tables = sorted(r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall())
        out = {}
        for table in tables:
            out[f"{table}:types"] = con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
                [table]).fetchall()
            out[table] = con.execute(f'SELECT * FROM "{table}" ORDER BY ALL').fetchall()
    return out


@pytest.fixture
def full_warehouse(tmp_path: Path) -> Path:
    """Every table of the current schema filled, plus one real Hub snapshot written by the pipeline."""
    path = tmp_path / "full.duckdb"
    with db.writer(path) as con:
        fill_every_table(con)
    run_id = start_run(path, "hub_snapshot", date(2026, 11, 16))
    rows = [ModelRow(model_id=f"org/m{i}", author="org", downloads_30d=10 * i, tags=["zh", "license:mit"],
                     languages=["zh"], trending_score=0.5 + i) for i in range(4)]
    write_hub_snapshot(path, RunRecord(run_id=run_id, flow="hub_snapshot", snapshot_date=date(2026, 11, 16)),
                       rows, {}, [])
    return path


def test_export_import_round_trip_is_exact(full_warehouse: Path, tmp_path: Path) -> None:
    before = dump(full_warehouse)
    summary = export_parquet(full_warehouse, tmp_path / "backup")
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    tables = {t["name"]: t["rows"] for t in manifest["tables"]}
    assert "schema_migrations" in tables and set(tables) == {k for k in before if ":" not in k}
    assert manifest["schema_version"] == max(v for v, _, _ in db.available_migrations())
    assert all(tables[name] == len(before[name]) for name in tables)
    assert summary["rows"] == sum(tables.values()) and summary["tables"] == len(tables)
    assert all((tmp_path / "backup" / f"{name}.parquet").is_file() for name in tables)

    restored = tmp_path / "restored" / "radar.duckdb"
    assert import_parquet(tmp_path / "backup", restored)["rows"] == summary["rows"]
    after = dump(restored)
    assert after.keys() == before.keys()
    for key in before:
        assert after[key] == before[key], key
    assert sorted(p.name for p in restored.parent.iterdir()) == ["radar.duckdb"]


def test_the_restored_warehouse_takes_the_next_snapshot(full_warehouse: Path, tmp_path: Path) -> None:
    export_parquet(full_warehouse, tmp_path / "backup")
    restored = tmp_path / "restored.duckdb"
    import_parquet(tmp_path / "backup", restored)
    run_id = start_run(restored, "hub_snapshot", date(2026, 11, 23))
    write_hub_snapshot(restored, RunRecord(run_id=run_id, flow="hub_snapshot", snapshot_date=date(2026, 11, 23)),
                       [ModelRow(model_id="org/m1", author="org")], {}, [])
    with db.reader(restored) as con:
        assert con.execute("SELECT first_seen::VARCHAR, last_seen::VARCHAR FROM models WHERE model_id = 'org/m1'"
                           ).fetchall() == [("2026-11-16", "2026-11-23")]


def test_import_refuses_an_existing_warehouse_and_leaves_it_untouched(full_warehouse: Path, tmp_path: Path) -> None:
    export_parquet(full_warehouse, tmp_path / "backup")
    target = tmp_path / "existing.duckdb"
    target.write_bytes(b"precious")
    with pytest.raises(BackupError, match="already exists"):
        import_parquet(tmp_path / "backup", target)
    assert target.read_bytes() == b"precious"


def test_export_refuses_a_folder_that_is_not_empty(full_warehouse: Path, tmp_path: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(BackupError, match="not an empty folder"):
        export_parquet(full_warehouse, tmp_path / "busy")
    assert [p.name for p in (tmp_path / "busy").iterdir()] == ["notes.txt"]


def _tamper(folder: Path, change) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    change(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    ("problem", "message"),
    [
        ("no_manifest", "unfinished"),
        ("wrong_count", "the manifest says"),
        ("traversal", "tables must be a list"),
        ("unknown_table", "does not match schema version"),
        ("future_version", "knows up to"),
        ("missing_column", "columns do not match"),
        ("missing_file", "is missing"),
    ],
)
def test_import_refuses_a_bad_backup_and_writes_nothing(full_warehouse: Path, tmp_path: Path, problem: str, message: str) -> None:
    folder = tmp_path / "backup"
    export_parquet(full_warehouse, folder)
    if problem == "no_manifest":
        (folder / "manifest.json").unlink()
    elif problem == "wrong_count":
        _tamper(folder, lambda m: next(t for t in m["tables"] if t["name"] == "models").update(rows=999))
    elif problem == "traversal":
        _tamper(folder, lambda m: m["tables"].append({"name": "x", "file": "../../etc/passwd", "rows": 0}))
    elif problem == "unknown_table":
        (folder / 'x"; DROP TABLE runs; --.parquet').write_bytes((folder / "runs.parquet").read_bytes())
        _tamper(folder, lambda m: m["tables"].append({"name": 'x"; DROP TABLE runs; --', "file": 'x"; DROP TABLE runs; --.parquet', "rows": 0}))
    elif problem == "future_version":
        _tamper(folder, lambda m: m.update(schema_version=999))
    elif problem == "missing_column":
        with duckdb.connect() as con:
            con.execute(f"COPY (SELECT * EXCLUDE (author) FROM read_parquet('{folder}/models.parquet'))"
                        f" TO '{folder}/m2.parquet' (FORMAT parquet)")
        (folder / "m2.parquet").replace(folder / "models.parquet")
    else:
        (folder / "runs.parquet").unlink()
    target = tmp_path / "restored.duckdb"
    with pytest.raises(BackupError, match=message):
        import_parquet(folder, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup", "full.duckdb"]


def test_cli_export_and_import(full_warehouse: Path, tmp_path: Path) -> None:
    def radar(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], capture_output=True, text=True,
                              timeout=120, cwd=tmp_path)

    done = radar("--db", str(full_warehouse), "export", "out")
    assert done.returncode == 0, done.stderr
    assert "exported" in done.stdout and "tables" in done.stdout
    done = radar("--db", str(tmp_path / "copy.duckdb"), "import", "out")
    assert done.returncode == 0, done.stderr
    again = radar("--db", str(tmp_path / "copy.duckdb"), "import", "out")
    message = " ".join(again.stderr.split())
    assert again.returncode != 0 and "already exists" in message and "Traceback" not in message
    assert dump(tmp_path / "copy.duckdb") == dump(full_warehouse)


def rows_of(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> list[tuple]:
    """The given columns of every row (columns a later migration adds are left out)."""
    listed = ", ".join(f'"{c}"' for c in columns)
    return con.execute(f'SELECT {listed} FROM "{table}" ORDER BY ALL').fetchall()


def _older_versions() -> list[int]:
    versions = [v for v, _, _ in db.available_migrations()]
    return [v for v in versions if v < max(versions)] or [max(versions)]


@pytest.mark.parametrize("old_version", _older_versions())
def test_an_older_warehouse_upgrades_in_place_with_its_data(tmp_path: Path, old_version: int) -> None:
    path = tmp_path / "old.duckdb"
    with db.writer(path, migrate_schema=False) as con:
        db.migrate(con, up_to=old_version)
        assert db.schema_version(con) == old_version
        fill_every_table(con)
        old_tables = {t: [r[0] for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index", [t]).fetchall()]
            for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        before = {t: rows_of(con, t, cols) for t, cols in old_tables.items()}

    with db.writer(path) as con:   # what every command does on open: migrate to the current schema
        latest = max(v for v, _, _ in db.available_migrations())
        assert db.schema_version(con) == latest
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        after = {t: rows_of(con, t, cols) for t, cols in old_tables.items()}
    fresh = tmp_path / "fresh.duckdb"
    with db.writer(fresh) as con:
        expected_tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert tables == expected_tables
    for table in old_tables:
        if table == "criteria_scores":   # a view since 007: it computes these two from the weights stored
            keep = [c for c in old_tables[table] if c not in ("effective_weight", "contribution")]
            with db.reader(path) as con:
                assert rows_of(con, table, keep) == sorted(tuple(r[old_tables[table].index(c)] for c in keep)
                                                           for r in before[table]), table
        elif table == "schema_migrations":
            assert [r[0] for r in after[table]] == [v for v, _, _ in db.available_migrations()]
        else:
            assert after[table] == before[table], table

    run_id = start_run(path, "hub_snapshot", date(2030, 1, 1))
    write_hub_snapshot(path, RunRecord(run_id=run_id, flow="hub_snapshot", snapshot_date=date(2030, 1, 1)),
                       [ModelRow(model_id="org/after-upgrade")], {}, [])
    with db.reader(path) as con:
        assert con.execute("SELECT status FROM runs WHERE run_id = ?", [run_id]).fetchall() == [("completed",)]
