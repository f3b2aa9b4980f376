"""Tables for people and for scripts: one renderer behind every command that prints rows.

``table`` is for reading: numbers rounded (``9118908.14285706`` shows as ``9118908.14``), text never cut
(a long model id wraps inside its cell on a terminal, and the table widens when the output goes to a file
or a pipe, so two ids that share a long prefix never look alike), data shown as text (never as rich
markup, control characters escaped). ``csv`` and ``json`` are for scripts: exact values, as stored.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipeline.sanitize import visible
from warehouse.redact import redact

FORMATS = ("table", "csv", "json")


def printable(text: str) -> str:
    """``text`` with control and format characters (ESC, NUL, bidi overrides) shown as escapes, not obeyed."""
    return visible(redact(text))


def display(value: Any, null: str = "NULL") -> str:
    """One value as a person reads it: floats rounded (2 decimals, or 4 significant digits below 1)."""
    if value is None:
        return null
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value == 0 or abs(value) >= 1:
            return f"{value:.2f}"
        return f"{value:.4g}"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple, dict)):
        return printable(json.dumps(_plain(value), ensure_ascii=False))
    return printable(str(value))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _plain(value: Any) -> Any:
    """JSON-ready: dates as ISO strings, decimals as floats, everything nested too."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def render_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], width: int | None = None,
                 title: str | None = None, null: str = "NULL", color: bool = False) -> str:
    """A rich table as text. ``width``: the terminal's (cells wrap to fit, rows get separator lines when
    they do); ``None``: not a terminal, so the table takes the width its longest values need."""
    numeric = [bool(rows) and all(row[i] is None or _is_number(row[i]) for row in rows) for i in range(len(columns))]
    table = Table(title=Text(title) if title else None, show_lines=False)
    for name, right in zip(columns, numeric):
        table.add_column(Text(printable(str(name))), justify="right" if right else "left", overflow="fold")
    for row in rows:
        table.add_row(*(Text(display(v, null)) for v in row))
    natural = Console(file=io.StringIO(), width=100_000).measure(table).maximum
    if width is not None and natural > width:
        table.show_lines = True
    buffer = io.StringIO()
    console = Console(file=buffer, width=max(natural, 20) if width is None else width, force_terminal=color,
                      color_system="standard" if color else None, highlight=False, soft_wrap=False)
    console.print(table)
    return buffer.getvalue()


def to_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Exact values; lists and objects as JSON."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([json.dumps(_plain(v), ensure_ascii=False) if isinstance(v, (list, dict)) else _plain(v)
                         for v in row])
    return out.getvalue()


def to_json(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Exact values: a list of objects, one per row."""
    return json.dumps([dict(zip(columns, map(_plain, row))) for row in rows], ensure_ascii=False, indent=1)


def render(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str, width: int | None = None,
           title: str | None = None, null: str = "NULL", color: bool = False) -> str:
    """``rows`` in ``fmt`` (table, csv or json), ending with a newline."""
    if fmt == "csv":
        return to_csv(columns, rows)
    if fmt == "json":
        return to_json(columns, rows) + "\n"
    return render_table(columns, rows, width, title, null, color)
