"""The everyday commands as a user types them: global options anywhere, ``--format`` wherever a table is
printed, readable numbers, ids never cut, and no Prefect for local work."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from pipeline.cli import hoist_global_options
from pipeline.output import render_table
from tests.cli.helpers import radar
from tests.report.conftest import LAST_WEEK, MODELS


def test_global_options_are_read_before_or_after_the_subcommand():
    assert hoist_global_options(["top", "-n", "3", "--db", "x.duckdb", "--verbose"]) == \
        ["--db", "x.duckdb", "--verbose", "top", "-n", "3"]
    assert hoist_global_options(["sql", "--config=c.toml", "select 1", "--debug"]) == \
        ["--config=c.toml", "--debug", "sql", "select 1"]
    assert hoist_global_options(["sql", "--", "--db"]) == ["sql", "--", "--db"]


@pytest.mark.parametrize("args", [
    ["--db", "{db}", "top", "-n", "2", "--format", "json"],
    ["top", "-n", "2", "--format", "json", "--db", "{db}"],
    ["top", "--db={db}", "-n", "2", "--verbose", "--format", "json"],
])
def test_top_reads_the_same_warehouse_wherever_db_is_given(warehouse, tmp_path, args):
    ran = radar(*[a.replace("{db}", str(warehouse)) for a in args], cwd=tmp_path)
    assert ran.code == 0, ran.stderr
    assert [m["rank"] for m in json.loads(ran.stdout)["models"]] == [1, 2]


def test_top_as_csv_has_exact_values_and_one_row_per_model(warehouse, tmp_path):
    as_json = json.loads(radar("--db", str(warehouse), "top", "-n", "5", "--format", "json").stdout)
    ran = radar("top", "-n", "5", "--format", "csv", "--db", str(warehouse), cwd=tmp_path)
    assert ran.code == 0, ran.stderr
    rows = list(csv.DictReader(io.StringIO(ran.stdout)))
    assert [r["model_id"] for r in rows] == [m["model_id"] for m in as_json["models"]]
    assert [float(r["total_score"]) for r in rows] == [m["total_score"] for m in as_json["models"]]


def test_sql_rounds_numbers_for_reading_and_keeps_them_exact_in_csv_and_json(warehouse, tmp_path):
    query = "SELECT 9118908.14285706::DOUBLE AS downloads_28d, 0.000123456::DOUBLE AS growth, 42 AS n"
    table = radar("--db", str(warehouse), "sql", query, cwd=tmp_path)
    assert table.code == 0, table.stderr
    assert "9118908.14 " in table.stdout and "0.0001235" in table.stdout and "9118908.142857" not in table.stdout
    as_csv = radar("--db", str(warehouse), "sql", query, "--format", "csv", cwd=tmp_path).stdout
    assert as_csv.splitlines()[1] == "9118908.14285706,0.000123456,42"
    as_json = json.loads(radar("--db", str(warehouse), "sql", query, "--format", "json", cwd=tmp_path).stdout)
    assert as_json == [{"downloads_28d": 9118908.14285706, "growth": 0.000123456, "n": 42}]


LONG = ["acme-research-lab/chinese-text-embedding-base-v1.5-finetuned-legal-a",
        "acme-research-lab/chinese-text-embedding-base-v1.5-finetuned-legal-b"]


def _cells(text: str, column: int) -> list[str]:
    """The text of one column per row of a rendered table with row separators (wrapped cells joined)."""
    rows, current = [], []
    for line in text.splitlines():
        if line.startswith(("├", "└")):
            rows.append("".join(current))
            current = []
        elif line.startswith("│"):
            current.append(line.split("│")[column + 1].strip())
    return rows


def test_a_narrow_terminal_wraps_ids_inside_their_cells_and_separates_the_rows():
    text = render_table(["model_id", "downloads_28d"], [[LONG[0], 1.0], [LONG[1], 2.0]], width=50)
    assert max(len(line) for line in text.splitlines()) <= 50
    assert _cells(text, 0) == LONG


def test_a_table_sent_to_a_file_widens_instead_of_cutting(warehouse, tmp_path):
    query = f"SELECT * FROM (VALUES ('{LONG[0]}', 1), ('{LONG[1]}', 2)) t(model_id, n)"
    ran = radar("--db", str(warehouse), "sql", query, env={"COLUMNS": "40"}, cwd=tmp_path)
    assert ran.code == 0, ran.stderr
    assert all(any(model in line for line in ran.stdout.splitlines()) for model in LONG)


@pytest.mark.parametrize("args", [
    ["top", "-n", "3"],
    ["sql", "SELECT count(*) FROM rankings"],
    ["report", "--week", LAST_WEEK, "--lang", "en"],
    ["export", "{tmp}/backup"],
])
def test_local_commands_never_import_prefect_or_record_a_run(warehouse, tmp_path, args):
    db = tmp_path / "radar.duckdb"
    shutil.copy(warehouse, db)
    with duckdb.connect(str(db), read_only=True) as con:
        runs = con.execute("SELECT count(*) FROM runs").fetchone()[0]
    ran = radar("--db", str(db), *[a.replace("{tmp}", str(tmp_path)) for a in args],
                env={"RADAR_REPORTS_DIR": str(tmp_path / "reports")}, cwd=tmp_path)
    assert ran.code == 0, ran.stderr
    assert not ran.prefect and not ran.flows
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == runs


def test_report_writes_the_week_without_a_prefect_server(warehouse, tmp_path):
    ran = radar("report", "--lang", "en", "--db", str(warehouse), env={"RADAR_REPORTS_DIR": str(tmp_path)},
                cwd=tmp_path)
    assert ran.code == 0, ran.stderr
    files = [Path(line) for line in ran.stdout.splitlines()]
    assert sorted(f.name for f in files) == ["report.en.html", "report.en.md"]
    assert all(f.parent == tmp_path / LAST_WEEK and f.is_file() for f in files)
    assert MODELS[0][0] in files[0].read_text(encoding="utf-8")


def test_import_restores_an_export_without_prefect(warehouse, tmp_path):
    assert radar("--db", str(warehouse), "export", str(tmp_path / "b"), cwd=tmp_path).code == 0
    ran = radar("import", str(tmp_path / "b"), "--db", str(tmp_path / "copy.duckdb"), cwd=tmp_path)
    assert ran.code == 0 and not ran.prefect, ran.stderr
    again = radar("import", str(tmp_path / "b"), "--db", str(tmp_path / "copy.duckdb"), cwd=tmp_path)
    assert again.code == 2 and "never overwrites" in again.stderr
