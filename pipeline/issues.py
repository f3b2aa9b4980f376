"""Data-quality issues: a bad record is counted and reported with its id, never silently dropped."""

from __future__ import annotations

from dataclasses import dataclass

from warehouse.redact import mask_secrets, redact

MAX_EXCERPT = 200
MAX_ID = 200


def printable(value: object, limit: int = MAX_EXCERPT, secrets_only: bool = False) -> str:
    """A short, single-line, control-character-free, redacted rendering of an untrusted value.

    ``secrets_only`` masks just the known token values (for record ids, which must stay recognisable)."""
    text = value if isinstance(value, str) else repr(value)
    text = mask_secrets(text) if secrets_only else redact(text)
    text = "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class DataIssue:
    """One problem with one record from a source.

    ``action`` says what happened to the record: ``rejected`` (not stored), ``nulled`` (stored with the
    field set to NULL) or ``kept`` (stored as is, flagged).
    """

    source: str
    record_id: str | None
    field: str | None
    problem: str
    action: str
    excerpt: str | None = None

    @classmethod
    def of(cls, source: str, record_id: object, field: str | None, problem: str, action: str,
           value: object = None) -> "DataIssue":
        return cls(
            source=source,
            record_id=None if record_id is None else printable(record_id, MAX_ID, secrets_only=True),
            field=field,
            problem=problem,
            action=action,
            excerpt=None if value is None else printable(value),
        )
