"""Raw Hub items -> typed snapshot rows, with every problem counted.

Hub data is untrusted: ids, tags and card data come from strangers. A record whose id is unusable is
rejected; a field that is the wrong type, negative, absurd or dated in the future is stored as NULL and
reported. Either way a :class:`~pipeline.issues.DataIssue` names the model and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pipeline.issues import DataIssue
from pipeline.sanitize import clean_field
from warehouse.redact import mask_secrets

# The Hub's rules for repo names: letters, digits, "-", "_", "."; no "--" or ".."; at most 96 characters.
_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_])?"
MODEL_ID = re.compile(rf"^{_NAME}/{_NAME}$")
SHA = re.compile(r"^[0-9a-f]{40}$")
MAX_COUNT = 10**12
MAX_TAGS = 500
MAX_TAG_LEN = 200
MAX_LICENSE_LEN = 100

RELATIONS = ("quantized", "finetune", "adapter", "merge")
FORMAT_TAGS = {
    "safetensors": "safetensors", "pytorch": "pytorch", "onnx": "onnx", "gguf": "gguf",
    "openvino": "openvino", "tf": "tensorflow", "jax": "jax", "coreml": "coreml", "mlx": "mlx",
}
LANGUAGES = frozenset(
    "zh en multilingual ja ko fr de es ru ar pt it nl pl tr vi th id hi bn ur fa he uk cs sv fi da no el hu ro"
    " ms ta te yue wuu lzh cmn".split()
)
PERMISSIVE_LICENSES = frozenset(
    "mit apache-2.0 bsd bsd-2-clause bsd-3-clause cc-by-4.0 cc-by-sa-4.0 cc0-1.0 unlicense isc zlib"
    " openrail bigscience-openrail-m creativeml-openrail-m artistic-2.0 bsl-1.0 mpl-2.0 cc-by-3.0"
    " cc-by-sa-3.0 ecl-2.0 pddl odc-by".split()
)


@dataclass
class ModelRow:
    """One model on one snapshot date, columns as in ``model_snapshots``."""

    model_id: str
    author: str | None = None
    downloads_30d: int | None = None
    downloads_all_time: int | None = None
    likes: int | None = None
    trending_score: float | None = None
    pipeline_tag: str | None = None
    library_name: str | None = None
    license: str | None = None
    params: int | None = None
    tags: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    gated: str | None = None
    disabled: bool | None = None
    sha: str | None = None
    created_at: datetime | None = None
    last_modified: datetime | None = None
    base_model: str | None = None
    base_relation: str | None = None
    formats: list[str] = field(default_factory=list)
    found_by: list[str] = field(default_factory=list)


def valid_model_id(value: object) -> bool:
    """Whether ``value`` is a well-formed ``namespace/name`` id (no traversal, no odd characters)."""
    return (
        isinstance(value, str)
        and MODEL_ID.match(value) is not None
        and ".." not in value
        and "--" not in value
    )


def parse_hub_datetime(value: object) -> datetime | None:
    """Parse the Hub's ISO timestamps (``...Z`` or an offset) to naive UTC; None if unparseable."""
    if not isinstance(value, str) or not 10 <= len(value) <= 40:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def license_of(tags: list[str], card: object) -> str | None:
    """The licence from ``license:*`` tags, else from the card's metadata."""
    for tag in tags:
        if tag.startswith("license:"):
            return tag.split(":", 1)[1] or None
    if isinstance(card, dict):
        value = card.get("license")
        if isinstance(value, list) and value and isinstance(value[0], str):
            value = value[0]
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


LICENSE_ALIASES = {"apache-2": "apache-2.0", "apache 2.0": "apache-2.0", "apache2": "apache-2.0",
                   "apache-2.0 license": "apache-2.0", "mit license": "mit"}
"""Spellings of common licences outside the Hub's own ids (C-MTEB metadata writes ``apache-2``)."""


def canonical_license(license: str | None) -> str | None:
    """The Hub's id for a licence spelled another way; other values lower-cased as they are."""
    if not license or not license.strip():
        return None
    value = license.strip().lower()
    return LICENSE_ALIASES.get(value, value)


def is_permissive(license: str | None) -> bool | None:
    """Whether a licence allows commercial use; None when unknown."""
    value = canonical_license(license)
    if not value:
        return None
    if value in PERMISSIVE_LICENSES:
        return True
    if value in ("other", "unknown", "not specified"):
        return None
    return False


def base_of(tags: list[str]) -> tuple[str | None, str | None]:
    """``(base model, relation)`` from ``base_model:[relation:]org/name`` tags."""
    plain = None
    for tag in tags:
        if not tag.startswith("base_model:"):
            continue
        rest = tag[len("base_model:"):]
        relation, _, target = rest.partition(":")
        if relation in RELATIONS and valid_model_id(target):
            return target, relation
        if valid_model_id(rest) and plain is None:
            plain = rest
    return (plain, "base") if plain else (None, None)


def normalize_item(item: dict[str, Any], snapshot_date: date, found_by: list[str] | None = None) -> tuple[ModelRow | None, list[DataIssue]]:
    """Turn one raw ``/api/models`` item into a row, or reject it; always report what was wrong."""
    issues: list[DataIssue] = []
    model_id = item.get("id")

    def issue(field_name: str, problem: str, action: str, value: object = None) -> None:
        issues.append(DataIssue.of("hub", model_id, field_name, problem, action, value))

    if not valid_model_id(model_id):
        issue("id", "malformed model id", "rejected", model_id)
        return None, issues
    if mask_secrets(model_id) != model_id:
        issue("id", "model id contains a secret", "rejected")
        return None, issues

    row = ModelRow(model_id=model_id, found_by=sorted(found_by or []))
    latest_ok = datetime.combine(snapshot_date + timedelta(days=1), datetime.min.time())

    author = item.get("author")
    if author is None or (isinstance(author, str) and author == model_id.split("/")[0]):
        row.author = model_id.split("/")[0]
    else:
        issue("author", "author does not match the id's namespace", "kept", author)
        row.author = model_id.split("/")[0]

    for key, attr in (("downloads", "downloads_30d"), ("downloadsAllTime", "downloads_all_time"), ("likes", "likes")):
        value = item.get(key)
        if value is None:
            issue(key, "missing", "nulled")
        elif isinstance(value, bool) or not isinstance(value, int):
            issue(key, "not an integer", "nulled", value)
        elif value < 0:
            issue(key, "negative count", "nulled", value)
        elif value > MAX_COUNT:
            issue(key, "absurd count", "nulled", value)
        else:
            setattr(row, attr, value)

    trending = item.get("trendingScore")
    if isinstance(trending, (int, float)) and not isinstance(trending, bool) and abs(trending) < 1e12:
        row.trending_score = float(trending)
    elif trending is not None:
        issue("trendingScore", "not a number", "nulled", trending)

    tags = item.get("tags")
    if isinstance(tags, list):
        clean = [t for t in tags if isinstance(t, str) and 0 < len(t) <= MAX_TAG_LEN]
        if len(clean) != len(tags):
            issue("tags", "non-string or oversized tags dropped", "kept", [t for t in tags if t not in clean][:3])
        if len(clean) > MAX_TAGS:
            issue("tags", f"more than {MAX_TAGS} tags, truncated", "kept", len(clean))
            clean = clean[:MAX_TAGS]
        row.tags = [clean_field("hub", model_id, "tags", t, issues) for t in clean]
    elif tags is not None:
        issue("tags", "not a list", "nulled", tags)

    for key in ("pipeline_tag", "library_name"):
        value = item.get(key)
        if isinstance(value, str) and 0 < len(value) <= 100:
            setattr(row, key, clean_field("hub", model_id, key, value, issues))
        elif value is not None:
            issue(key, "not a short string", "nulled", value)

    for key, attr in (("createdAt", "created_at"), ("lastModified", "last_modified")):
        value = item.get(key)
        if value is None:
            continue
        parsed = parse_hub_datetime(value)
        if parsed is None:
            issue(key, "unparseable date", "nulled", value)
        elif parsed > latest_ok:
            issue(key, "date in the future", "nulled", value)
        else:
            setattr(row, attr, parsed)

    sha = item.get("sha")
    if isinstance(sha, str) and SHA.match(sha):
        row.sha = sha
    elif sha is not None:
        issue("sha", "not a 40-hex commit", "nulled", sha)

    gated = item.get("gated")
    if gated in (False, "auto", "manual"):
        row.gated = "false" if gated is False else gated
    elif gated is not None:
        issue("gated", "unknown gating value", "nulled", gated)

    disabled = item.get("disabled")
    if isinstance(disabled, bool):
        row.disabled = disabled
    elif disabled is not None:
        issue("disabled", "not a boolean", "nulled", disabled)

    safetensors = item.get("safetensors")
    if isinstance(safetensors, dict):
        total = safetensors.get("total")
        if isinstance(total, int) and not isinstance(total, bool) and 0 < total <= MAX_COUNT:
            row.params = total
        else:
            issue("safetensors.total", "not a positive integer", "nulled", total)
    elif safetensors is not None:
        issue("safetensors", "not an object", "nulled", safetensors)

    card = item.get("cardData")
    if card is not None and not isinstance(card, dict):
        issue("cardData", "not an object", "nulled", card)
    license = license_of(row.tags, card)
    if license is not None:
        license = clean_field("hub", model_id, "license", license, issues) or None
    if license is not None and len(license) > MAX_LICENSE_LEN:
        issue("license", f"longer than {MAX_LICENSE_LEN} characters", "nulled", license)
        license = None
    row.license = license
    row.languages = sorted({t for t in row.tags if t in LANGUAGES})
    row.base_model, row.base_relation = base_of(row.tags)
    formats = {FORMAT_TAGS[t] for t in row.tags if t in FORMAT_TAGS}
    if row.library_name == "gguf":
        formats.add("gguf")
    row.formats = sorted(formats)
    return row, issues


def normalize_all(items: dict[str, dict[str, Any]], found_by: dict[str, list[str]], snapshot_date: date) -> tuple[list[ModelRow], list[DataIssue]]:
    """Normalise every fetched item; rows sorted by id so a snapshot is reproducible."""
    rows: list[ModelRow] = []
    issues: list[DataIssue] = []
    for model_id in sorted(items):
        row, problems = normalize_item(items[model_id], snapshot_date, found_by.get(model_id))
        issues.extend(problems)
        if row is not None:
            rows.append(row)
    return rows, issues
