"""Data shown in a terminal: never read as markup, never a control byte.

rich reads ``[bold]`` / ``[link=...]`` in any string it prints: a licence of ``[/x]`` made ``radar top``
and ``radar sql`` die with ``MarkupError``, and ``[link=...]apache-2.0[/link]`` hid its own text. Every value
from the warehouse therefore reaches rich as a :class:`~rich.text.Text` (printed as is), with control
characters and bidi controls shown as visible ``\\u001b`` escapes: a warehouse written before ingestion
sanitised its text, or a ``SELECT chr(27)``, must not drive the terminal either.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from pipeline.sanitize import visible


def cell(value: Any, null: str = "NULL", keep_newlines: bool = False) -> Text:
    """One value for a rich table or line: literal text, safe to print."""
    return Text(null if value is None else visible(str(value), keep_newlines))
