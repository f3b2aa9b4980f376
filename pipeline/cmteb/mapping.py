"""From MTEB model names to Hub model ids, and from models to families.

MTEB names a model by its Hub id at evaluation time, but the two drift apart: organisations rename
(``voyageai/*`` -> ``mongodb/*``), folders of old results spell the id ``org__name``, hand-written
names get the case wrong. A name is matched, in this order:

1. ``exact``: it is a Hub id;
2. ``org__name``: it is a folder name (``BAAI__bge-m3``) whose ``org/name`` is a Hub id;
3. ``case``: exactly one Hub id equals it ignoring case;
4. ``renamed``: ``data/model_renames.csv`` (mteb's own rename table, plus known moves) maps it to a
   name that matches by 1-3.

Families come from the Hub side (``models.family_id``: a GGUF/ONNX copy, a quantization or a fine-tune
with ``base_model`` belongs to its base's family). An MTEB model the Hub does not list joins the family
of the model it was ``adapted_from`` when that one is known, else it is its own family.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

METHODS = ("exact", "org__name", "case", "renamed")


@dataclass(frozen=True)
class HubMatch:
    model_id: str | None
    method: str | None


@cache
def renames() -> dict[str, str]:
    """Old MTEB model name -> new name, from ``data/model_renames.csv``."""
    text = resources.files("pipeline.cmteb").joinpath("data", "model_renames.csv").read_text(encoding="utf-8")
    return {r["old_name"]: r["new_name"] for r in csv.DictReader(text.splitlines())}


def _direct(name: str, ids: set[str], by_lower: Mapping[str, list[str]]) -> HubMatch | None:
    if name in ids:
        return HubMatch(name, "exact")
    if "/" not in name and "__" in name:
        org, _, rest = name.partition("__")
        candidate = f"{org}/{rest}"
        if candidate in ids:
            return HubMatch(candidate, "org__name")
        name = candidate
    matches = by_lower.get(name.lower(), [])
    if len(matches) == 1:
        return HubMatch(matches[0], "case")
    return None


def map_to_hub(names: Iterable[str], hub_ids: Iterable[str],
               renamed: Mapping[str, str] | None = None) -> dict[str, HubMatch]:
    """Each MTEB name -> its Hub id and how it was found (``HubMatch(None, None)`` if not on the Hub)."""
    ids = set(hub_ids)
    by_lower: dict[str, list[str]] = {}
    for model_id in sorted(ids):
        by_lower.setdefault(model_id.lower(), []).append(model_id)
    renamed = renames() if renamed is None else renamed
    out: dict[str, HubMatch] = {}
    for name in names:
        match = _direct(name, ids, by_lower)
        if match is None and name in renamed:
            target = _direct(renamed[name], ids, by_lower)
            match = HubMatch(target.model_id, "renamed") if target else None
        out[name] = match or HubMatch(None, None)
    return out


def families(matches: Mapping[str, HubMatch], hub_families: Mapping[str, str],
             adapted_from: Mapping[str, str | None]) -> dict[str, str]:
    """MTEB name -> family id: the Hub family of its Hub id, else of the model it was adapted from
    (followed up the chain, matched to the Hub like any name), else its own name."""
    out: dict[str, str] = {}
    for name in matches:
        seen: set[str] = set()
        current: str | None = name
        family = None
        while current and current not in seen and family is None:
            seen.add(current)
            match = matches.get(current)
            if match and match.model_id:
                family = hub_families.get(match.model_id, match.model_id)
            elif current in hub_families:
                family = hub_families[current]
            current = adapted_from.get(current)
        out[name] = family or name
    return out
