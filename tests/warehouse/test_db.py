"""Warehouse connections, migrations and the read-only SQL guard, on real DuckDB files."""

import subprocess
import sys
import textwrap

import pytest

from pipeline.output import to_csv, to_json
from warehouse import db
from warehouse.sql import QueryRejected, run_query


def test_migrations_apply_once_in_order(tmp_path):
    path = tmp_path / "w.duckdb"
    with db.writer(path) as con:
        versions = [v for v, _, _ in db.available_migrations()]
        assert db.schema_version(con) == max(versions)
        assert db.migrate(con) == []
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    assert {"runs", "models", "model_snapshots", "data_issues", "schema_migrations"} <= tables


def test_reader_without_a_file_says_what_to_do(tmp_path):
    with pytest.raises(db.WarehouseMissing, match="radar demo"):
        with db.reader(tmp_path / "nothing.duckdb"):
            pass


def test_a_second_process_gets_busy_not_a_traceback(tmp_path):
    path = tmp_path / "w.duckdb"
    with db.writer(path):
        pass
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(path)!r})
            print("locked", flush=True)
            sys.stdin.readline()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(db.WarehouseBusy, match="busy"):
            with db.reader(path, wait_seconds=0.3):
                pass
        with pytest.raises(db.WarehouseBusy, match="retry"):
            with db.writer(path, wait_seconds=0.3):
                pass
    finally:
        holder.communicate("\n", timeout=10)
    with db.reader(path, wait_seconds=0.3) as con:
        assert con.execute("select 1").fetchall() == [(1,)]


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "w.duckdb"
    with db.writer(path) as con:
        con.execute("insert into models (model_id, author, created_at, first_seen, last_seen, family_id, base_model,"
                    " base_relation) values ('a/b', 'a', null, '2026-01-01', '2026-01-02', 'a/b', null, null)")
    return path


@pytest.mark.parametrize(
    "query",
    [
        "insert into models values ('x/y', 'x', null, '2026-01-01', '2026-01-01', 'x/y', null, null)",
        "delete from models",
        "drop table models",
        "attach '/tmp/other.duckdb' as o",
        "copy models to '/tmp/leak.csv'",
        "install httpfs",
        "load httpfs",
        "set enable_external_access = true",
        "select * from read_csv('/etc/passwd')",
        "select * from read_text('/etc/hostname')",
        "select 1; drop table models",
        "pragma database_size",
        "call pragma_version()",
    ],
)
def test_sql_rejects_anything_but_one_read(warehouse, query):
    with pytest.raises(QueryRejected):
        run_query(warehouse, query)
    assert run_query(warehouse, "select count(*) from models").rows == [(1,)]


def test_sql_outputs(warehouse):
    result = run_query(warehouse, "select model_id, first_seen, ['x', 'y'] as l from models")
    assert to_csv(result.columns, result.rows) == 'model_id,first_seen,l\na/b,2026-01-01,"[""x"", ""y""]"\n'
    assert '"first_seen": "2026-01-01"' in to_json(result.columns, result.rows)
