"""``radar top``: a profile's ranked shortlist, with the reasons behind each place.

Reads ``rankings``, ``criteria_scores`` and the ``ranking_explanations`` view (read-only). Filters
(``--max-dim``, ``--max-params``, ``--license permissive``) keep only models known to pass them: a model
whose dimension, size or licence is unknown is left out and counted, never assumed to pass. Ranks stay the
profile's ranks, so a filtered list shows where each model stands overall; the reasons compare it with its
neighbours in that overall ranking.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipeline.config import CRITERIA, CRITERIA_ZH, Config, load_config
from pipeline.terminal import cell, visible
from warehouse import db

LICENSE_FILTERS = ("permissive",)
REASONS_PER_NEIGHBOUR = 2
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmbt]?)\s*$", re.IGNORECASE)
_SCALE = {"": 1, "k": 10**3, "m": 10**6, "b": 10**9, "t": 10**12}


class ShortlistError(ValueError):
    """The shortlist cannot be made as asked; the message says why in one line."""


def parse_size(text: str) -> int:
    """A parameter count from ``400M``, ``1.5B``, ``33k`` or a plain number."""
    match = _SIZE.match(text)
    if not match:
        raise ShortlistError(f"--max-params: expected a size like 400M or 1.5B, got {text!r}")
    return int(float(match.group(1)) * _SCALE[match.group(2).lower()])


@dataclass
class Shortlist:
    as_of: date
    profile: str
    description: str
    weights: dict[str, float]
    missing_policy: str
    filters: dict[str, Any]
    models: list[dict[str, Any]]
    counts: dict[str, int] = field(default_factory=dict)
    """ranked, excluded by each filter (over the limit / unknown), and not ranked by status."""


def render_top(db_path: str | Path, profile: str, max_dim: int | None, max_params: int | None,
               license: str | None, n: int, fmt: str, as_of: date | None = None,
               config: Config | None = None) -> str:
    """The shortlist as a rich table (``fmt='table'``) or JSON (``fmt='json'``)."""
    if fmt not in ("table", "json"):
        raise ShortlistError(f"--format: expected table or json, got {fmt!r}")
    chosen = shortlist(db_path, profile, max_dim, max_params, license, n, as_of, config or load_config())
    return json.dumps(_as_json(chosen), ensure_ascii=False, indent=2) if fmt == "json" else _as_table(chosen)


def shortlist(db_path: str | Path, profile: str, max_dim: int | None, max_params: int | None,
              license: str | None, n: int, as_of: date | None, config: Config) -> Shortlist:
    """The top ``n`` ranked models of ``profile`` that pass the filters, with criteria and neighbours."""
    if license is not None and license not in LICENSE_FILTERS:
        raise ShortlistError(f"--license: expected one of {', '.join(LICENSE_FILTERS)}, got {license!r}")
    if n < 1:
        raise ShortlistError(f"-n: expected a positive number, got {n}")
    for flag, value in (("--max-dim", max_dim), ("--max-params", max_params)):
        if value is not None and value <= 0:
            raise ShortlistError(f"{flag}: expected a positive number, got {value}")
    prof = config.profile(profile)
    with db.reader(db_path) as con:
        day = as_of or con.execute("SELECT max(as_of) FROM rankings WHERE profile = ?", [profile]).fetchall()[0][0]
        if day is None:
            raise ShortlistError(f"no rankings for profile {profile!r} yet; run `radar run scores` or `radar demo`")
        params = {"as_of": day, "profile": profile, "max_dim": max_dim, "max_params": max_params,
                  "permissive": license == "permissive", "n": n}
        counts = _counts(con, params)
        if counts["ranked"] == 0 and sum(counts.values()) == 0:
            raise ShortlistError(f"no rankings for profile {profile!r} on {day}")
        models = _rows(con, _SELECTED, params)
        ids = [m["model_id"] for m in models]
        crit = _rows(con, "SELECT * FROM criteria_scores WHERE as_of = $as_of AND profile = $profile"
                          " AND list_contains($ids, model_id)", {"as_of": day, "profile": profile, "ids": ids})
        why = _rows(con, "SELECT e.*, ra.rank AS above_rank, rb.rank AS below_rank FROM ranking_explanations e"
                         " LEFT JOIN rankings ra ON ra.as_of = e.as_of AND ra.profile = e.profile"
                         " AND ra.model_id = e.above_model"
                         " LEFT JOIN rankings rb ON rb.as_of = e.as_of AND rb.profile = e.profile"
                         " AND rb.model_id = e.below_model"
                         " WHERE e.as_of = $as_of AND e.profile = $profile AND list_contains($ids, e.model_id)",
                    {"as_of": day, "profile": profile, "ids": ids})
        ties = {r["tie_group"]: (r["lo"], r["hi"]) for r in _rows(
            con, "SELECT tie_group, min(rank) AS lo, max(rank) AS hi FROM rankings WHERE as_of = $as_of"
                 " AND profile = $profile AND rank IS NOT NULL GROUP BY tie_group",
            {"as_of": day, "profile": profile})}
    for m in models:
        m["criteria"] = {c["criterion"]: c for c in crit if c["model_id"] == m["model_id"]}
        m["tied_ranks"] = ties.get(m["tie_group"])
        m["reasons"] = _reasons(m, [w for w in why if w["model_id"] == m["model_id"]], config.scores.missing_policy)
    filters = {"max_dim": max_dim, "max_params": max_params, "license": license}
    return Shortlist(day, profile, prof.description, dict(prof.weights), models[0]["missing_policy"] if models else
                     config.scores.missing_policy, filters, models, counts)


_SELECTED = """
SELECT r.*, p.raw_value AS cmteb_mean
FROM rankings r
LEFT JOIN criteria_scores p ON p.as_of = r.as_of AND p.profile = r.profile AND p.model_id = r.model_id
                           AND p.criterion = 'performance'
WHERE r.as_of = $as_of AND r.profile = $profile AND r.rank IS NOT NULL
  AND ($max_dim IS NULL OR r.embed_dim <= $max_dim)
  AND ($max_params IS NULL OR r.params <= $max_params)
  AND (NOT $permissive OR r.commercial_use)
ORDER BY r.rank
LIMIT $n
"""

_COUNTS = """
SELECT
    count(*) FILTER (WHERE rank IS NOT NULL) AS ranked,
    count(*) FILTER (WHERE rank IS NOT NULL AND $max_dim IS NOT NULL AND embed_dim > $max_dim) AS dim_over,
    count(*) FILTER (WHERE rank IS NOT NULL AND $max_dim IS NOT NULL AND embed_dim IS NULL) AS dim_unknown,
    count(*) FILTER (WHERE rank IS NOT NULL AND $max_params IS NOT NULL AND params > $max_params) AS params_over,
    count(*) FILTER (WHERE rank IS NOT NULL AND $max_params IS NOT NULL AND params IS NULL) AS params_unknown,
    count(*) FILTER (WHERE rank IS NOT NULL AND $permissive AND commercial_use = false) AS license_not_permissive,
    count(*) FILTER (WHERE rank IS NOT NULL AND $permissive AND commercial_use IS NULL) AS license_unknown,
    count(*) FILTER (WHERE status = 'family_duplicate') AS family_duplicate,
    count(*) FILTER (WHERE status = 'licence_gate') AS licence_gate,
    count(*) FILTER (WHERE status = 'insufficient_data') AS insufficient_data
FROM rankings WHERE as_of = $as_of AND profile = $profile
"""


def _counts(con: Any, params: dict[str, Any]) -> dict[str, int]:
    keep = {k: params[k] for k in ("as_of", "profile", "max_dim", "max_params", "permissive")}
    return {k: int(v or 0) for k, v in _rows(con, _COUNTS, keep)[0].items()}


def _rows(con: Any, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    used = {k: v for k, v in params.items() if f"${k}" in query}
    cur = con.execute(query, used)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def _reasons(model: dict[str, Any], why: list[dict[str, Any]], policy: str) -> list[str]:
    """Readable reasons: what puts the model ahead of the next one, what keeps it behind the previous one,
    ties, unknown and estimated criteria, the Pareto front."""
    out = []
    if why and why[0]["below_model"]:
        ahead = sorted((w for w in why if w["delta_vs_below"] > 1e-9), key=lambda w: -w["delta_vs_below"])
        if ahead:
            parts = ", ".join(f"{w['criterion']} +{w['delta_vs_below']:.3f}" for w in ahead[:REASONS_PER_NEIGHBOUR])
            out.append(f"ahead of #{why[0]['below_rank']} {why[0]['below_model']} on {parts}")
    if why and why[0]["above_model"]:
        behind = sorted((w for w in why if w["delta_vs_above"] < -1e-9), key=lambda w: w["delta_vs_above"])
        if behind:
            parts = ", ".join(f"{w['criterion']} {w['delta_vs_above']:.3f}" for w in behind[:REASONS_PER_NEIGHBOUR])
            out.append(f"behind #{why[0]['above_rank']} {why[0]['above_model']} on {parts}")
    if model["tied_ranks"] and model["tied_ranks"][0] != model["tied_ranks"][1]:
        lo, hi = model["tied_ranks"]
        out.append(f"tied with #{lo}-#{hi} (totals within the tie tolerance)")
    crit = model["criteria"]
    missing = [c for c in CRITERIA if c in crit and crit[c]["missing"] and crit[c]["weight"] > 0]
    if missing:
        how = "weight shared out" if policy == "renormalise" else "penalised"
        out.append(f"unknown: {', '.join(missing)} ({how})")
    estimated = [c for c in CRITERIA if c in crit and crit[c]["estimated"] and not crit[c]["missing"]]
    if estimated:
        out.append("estimated: " + ", ".join(f"{c} ({crit[c]['source']})" for c in estimated))
    if model["pareto"]:
        out.append("Pareto front: nothing ranked is better, smaller and lower-dimensional")
    return out


def _size(value: int | None) -> str:
    if value is None:
        return "?"
    return f"{value / 1e9:.1f}B" if value >= 1e9 else f"{value / 1e6:.0f}M"


def _licence(license: str | None, commercial_use: bool | None) -> str:
    if license is None:
        return "?"
    return license + (" (not commercial)" if commercial_use is False else "")


def _change(value: int | None) -> str:
    if value is None:
        return "new"
    return "=" if value == 0 else (f"▲{value}" if value > 0 else f"▼{-value}")


def _as_table(s: Shortlist) -> str:
    buffer = io.StringIO()
    width = max(shutil.get_terminal_size(fallback=(160, 40)).columns, 120)
    console = Console(file=buffer, width=width, highlight=False, soft_wrap=False)
    weights = ", ".join(f"{c} {w:g}" for c, w in s.weights.items() if w > 0)
    console.print(Text.assemble(("radar top", "bold"), " · profile ", (visible(s.profile), "bold"),
                                f" ({visible(s.description)}) · as of {s.as_of}"))
    console.print(cell(f"weights: {weights} · missing data: {s.missing_policy}"))
    table = Table(show_lines=True)
    for name, justify in (("#", "right"), ("Δ", "center"), ("model", "left"), ("score", "right"),
                          ("C-MTEB", "right"), ("params", "right"), ("dim", "right"), ("licence", "left"),
                          ("reasons", "left")):
        table.add_column(name, justify=justify, overflow="fold")
    for m in s.models:
        tie = m["tied_ranks"]
        rank = f"{m['rank']}" + ("=" if tie and tie[0] != tie[1] else "")
        table.add_row(*(cell(v, keep_newlines=True) for v in (
            rank, _change(m["rank_change"]), m["model_id"] + (" ★" if m["pareto"] else ""),
            f"{m['total_score']:.3f}", "?" if m["cmteb_mean"] is None else f"{m['cmteb_mean']:.2f}",
            _size(m["params"]), "?" if m["embed_dim"] is None else str(m["embed_dim"]),
            _licence(m["license"], m["commercial_use"]),
            "\n".join(visible(r) for r in m["reasons"]) or "-",
        )))
    if s.models:
        console.print(table)
    else:
        console.print("No ranked model passes the filters.")
    console.print(cell(_footer(s)))
    return buffer.getvalue()


def _footer(s: Shortlist) -> str:
    c = s.counts
    parts = [f"{len(s.models)} of {c['ranked']} ranked models shown"]
    if s.filters["max_dim"] is not None:
        parts.append(f"dim > {s.filters['max_dim']}: {c['dim_over']} left out, unknown dim: {c['dim_unknown']}")
    if s.filters["max_params"] is not None:
        parts.append(f"over {_size(s.filters['max_params'])}: {c['params_over']} left out,"
                     f" unknown size: {c['params_unknown']}")
    if s.filters["license"]:
        parts.append(f"not permissive: {c['license_not_permissive']}, unknown licence: {c['license_unknown']}")
    parts.append(f"not ranked: {c['insufficient_data']} with too little data, {c['family_duplicate']} family"
                 f" copies, {c['licence_gate']} by licence gate")
    parts.append("★ Pareto front, = tie group, Δ rank change since last week")
    return "; ".join(parts)


def _as_json(s: Shortlist) -> dict[str, Any]:
    def model(m: dict[str, Any]) -> dict[str, Any]:
        return {
            "rank": m["rank"], "rank_change": m["rank_change"], "tie_group": m["tie_group"],
            "tied_ranks": list(m["tied_ranks"]) if m["tied_ranks"] else None,
            "model_id": m["model_id"], "total_score": m["total_score"], "coverage": m["coverage"],
            "pareto": m["pareto"], "cmteb_mean": m["cmteb_mean"], "quality": m["quality"],
            "params": m["params"], "embed_dim": m["embed_dim"], "license": m["license"],
            "commercial_use": m["commercial_use"], "family_id": m["family_id"],
            "criteria": {
                c: {"name_zh": CRITERIA_ZH[c], **{k: m["criteria"][c][k] for k in (
                    "raw_value", "unit", "score", "weight", "effective_weight", "contribution", "missing",
                    "estimated", "source", "detail")}}
                for c in CRITERIA if c in m["criteria"]
            },
            "reasons": m["reasons"],
        }

    return {
        "as_of": s.as_of.isoformat(), "profile": s.profile, "description": s.description, "weights": s.weights,
        "missing_policy": s.missing_policy, "filters": s.filters, "counts": s.counts,
        "models": [model(m) for m in s.models],
    }
