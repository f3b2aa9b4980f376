"""The one sanitiser for text that comes from outside (Hub items, C-MTEB results, model cards).

Text from strangers may carry bytes that act on whoever displays it: terminal escape sequences (ESC),
NUL and other control characters, and Unicode bidi controls that make ``abc.txt`` read as ``txt.cba``
(the "Trojan Source" trick). Such characters never carry meaning in a licence, a tag or a model name,
so they are removed when the text enters the project; a token that a mirror echoes back into its data
is masked the same way. Every change is counted: :func:`clean` returns what it removed, and
:func:`clean_field` turns that into a ``data_issues`` row whose excerpt starts with the SHA-256 of the
raw value (to match it against the source later) followed by an escaped, redacted excerpt.

Everything downstream still escapes for its medium (HTML, Markdown, the terminal), because a warehouse
written by an older version, or a value typed into ``radar sql``, has not been through here.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any, TypeVar

from pipeline.issues import MAX_ID, DataIssue, printable
from warehouse.redact import mask_secrets, secrets

if TYPE_CHECKING:
    import polars as pl

T = TypeVar("T")

BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Arabic letter mark, LRM/RLM, the embeddings and overrides (LRE..RLO), the isolates (LRI..PDI)."""
LINE_BREAKERS = frozenset("\u2028\u2029\x85")
_WHITESPACE_CONTROLS = frozenset("\t\n\r\x0b\x0c")
_SUSPECT = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Cleaned:
    """A cleaned value and what was taken out (empty: the value was already clean)."""

    text: str
    removed: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.removed)


def clean(value: str) -> Cleaned:
    """``value`` without control characters and bidi controls, with secrets masked.

    Whitespace controls (tab, newline, ...) and Unicode line separators become one space, since a single
    line was meant; every other control character (ESC, NUL, DEL, C1) and bidi control is dropped.
    """
    removed: list[str] = []
    text = value
    if _SUSPECT.search(text):
        out = []
        kinds = set()
        for ch in text:
            if ch in _WHITESPACE_CONTROLS or ch in LINE_BREAKERS:
                out.append(" ")
                kinds.add("line breaks")
            elif ch in BIDI_CONTROLS:
                kinds.add("bidi controls")
            elif unicodedata.category(ch) == "Cc":
                kinds.add("control characters")
            else:
                out.append(ch)
        text = "".join(out)
        removed.extend(sorted(kinds))
    masked = mask_secrets(text)
    if masked != text:
        removed.append("a secret")
        text = masked
    return Cleaned(text, tuple(removed))


def visible(text: str, keep_newlines: bool = False) -> str:
    """``text`` with control characters, bidi controls and line separators written as ``\\uXXXX``: for
    output (terminal, reports) of values that may not have been through :func:`clean`."""
    if not _SUSPECT.search(text):
        return text

    def one(ch: str) -> str:
        if ch == "\n" and keep_newlines:
            return ch
        return f"\\u{ord(ch):04x}" if _SUSPECT.match(ch) else ch

    return "".join(map(one, text))


def raw_digest(value: str) -> str:
    """``sha256:<hex>`` of the raw value's UTF-8 bytes (surrogates kept), to find it in the source again."""
    return "sha256:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def clean_field(source: str, record_id: object, field: str, value: str, issues: list[DataIssue],
                action: str = "kept") -> str:
    """Clean one text field of one record; a change is appended to ``issues`` as one ``data_issues`` row."""
    result = clean(value)
    if result.changed:
        issues.append(DataIssue(
            source=source,
            record_id=None if record_id is None else printable(record_id, MAX_ID, secrets_only=True),
            field=field,
            problem=f"removed {', '.join(result.removed)}",
            action=action,
            excerpt=printable(f"{raw_digest(value)} {printable(value, 120)}"),
        ))
    return result.text


RUST_SUSPECT = r"[\x{0}-\x{1f}\x{7f}-\x{9f}\x{61c}\x{200e}\x{200f}\x{2028}\x{2029}\x{202a}-\x{202e}\x{2066}-\x{2069}]"
""":data:`_SUSPECT` for polars (Rust regex syntax)."""


def clean_frame(frame: pl.DataFrame, columns: Sequence[str], source: str,
                record_id: Callable[[dict[str, Any]], str]) -> tuple[pl.DataFrame, list[DataIssue]]:
    """:func:`clean_field` over the text ``columns`` of a frame; only suspect rows are touched (vectorised scan)."""
    import polars as pl

    present = [c for c in columns if c in frame.columns and frame.schema[c] == pl.String]
    if not present or frame.is_empty():
        return frame, []
    suspect = pl.lit(False)
    for name in present:
        col = pl.col(name).fill_null("")
        suspect = suspect | col.str.contains(RUST_SUSPECT)
        for secret in secrets():
            suspect = suspect | col.str.contains(secret, literal=True)
    rows = frame.with_row_index("_row").filter(suspect)
    if rows.is_empty():
        return frame, []
    issues: list[DataIssue] = []
    updates: dict[str, tuple[list[int], list[str]]] = {name: ([], []) for name in present}
    for row in rows.iter_rows(named=True):
        for name in present:
            value = row[name]
            if isinstance(value, str):
                cleaned = clean_field(source, record_id(row), name, value, issues)
                if cleaned != value:
                    updates[name][0].append(row["_row"])
                    updates[name][1].append(cleaned)
    changed = [frame[name].scatter(index, values) for name, (index, values) in updates.items() if index]
    return frame.with_columns(changed), issues


def clean_record(record: T, source: str, record_id: str, issues: list[DataIssue]) -> T:
    """A dataclass record with :func:`clean_field` applied to its text and list-of-text fields."""
    changes: dict[str, Any] = {}
    for f in fields(record):  # type: ignore[arg-type]
        value = getattr(record, f.name)
        if isinstance(value, str):
            cleaned: Any = clean_field(source, record_id, f.name, value, issues)
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            cleaned = [clean_field(source, record_id, f.name, v, issues) for v in value]
        else:
            continue
        if cleaned != value:
            changes[f.name] = cleaned
    return replace(record, **changes) if changes else record  # type: ignore[type-var]
