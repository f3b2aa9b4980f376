"""``radar top``: a profile's ranked shortlist, with the reasons behind each place.

Reads ``rankings``, ``criteria_scores``, the ``ranking_explanations`` and ``popular_not_benchmarked`` views
(read-only). Filters (``--max-dim``, ``--max-params``, ``--license permissive``) keep only models known to
pass them: a model whose dimension, size or licence is unknown is left out and counted, never assumed to
pass. Ranks stay the profile's ranks, so a filtered list shows where each model stands overall; the reasons
compare it with its neighbours in that overall ranking.

One row per model series: the sizes of one series (bge-small/base/large-zh-v1.5, Qwen3-Embedding
0.6B/4B/8B) are one choice, so the best-placed size stands for it and the others are listed beside it
(``--all-sizes`` shows every size). Below the ranking, the most downloaded models that have no C-MTEB result
are listed apart: their quality is unknown, so they have no place.

Beside the ranking: each model's latest smoke test as of the ranking date (a repository whose weights the
endpoint does not serve is "not available", never a failure), and a banner above everything when any number
shown rests on synthetic Hub data (the replay Hub of ``radar demo``, as recorded in ``hub_snapshots``).
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

import duckdb
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipeline.config import CRITERIA, CRITERIA_ZH, Config, load_config
from pipeline.output import FORMATS, to_csv
from pipeline.provenance import Synthetic, synthetic_in
from pipeline.report.i18n import has, t
from pipeline.sanitize import visible
from pipeline.terminal import cell
from warehouse import db

LICENSE_FILTERS = ("permissive",)
REASONS_PER_NEIGHBOUR = 2
NOT_BENCHMARKED_SHOWN = 5
"""Popular models without C-MTEB results listed under the ranking."""
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
    synthetic: Synthetic | None = None
    """The synthetic Hub values behind the ranking (``None``: none), for the banner."""
    not_benchmarked: list[dict[str, Any]] = field(default_factory=list)
    """The most downloaded models without a C-MTEB result (``popular_not_benchmarked``)."""
    quality_first: bool = True
    quality_tolerance: float = 1.0
    all_sizes: bool = False


def render_top(db_path: str | Path, profile: str, max_dim: int | None, max_params: int | None,
               license: str | None, n: int, fmt: str, as_of: date | None = None,
               config: Config | None = None, all_sizes: bool = False) -> str:
    """The shortlist as a rich table (``fmt='table'``), CSV or JSON (exact values, for scripts)."""
    if fmt not in FORMATS:
        raise ShortlistError(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    chosen = shortlist(db_path, profile, max_dim, max_params, license, n, as_of, config or load_config(),
                       all_sizes)
    if fmt == "json":
        return json.dumps(_as_json(chosen), ensure_ascii=False, indent=2)
    return _as_csv(chosen) if fmt == "csv" else _as_table(chosen)


def ranking_dates(db_path: str | Path, profile: str) -> list[date]:
    """The dates ``profile`` has rankings for, oldest first."""
    with db.reader(db_path) as con:
        return [r[0] for r in con.execute(
            "SELECT DISTINCT as_of FROM rankings WHERE profile = ? ORDER BY as_of", [profile]).fetchall()]


def shortlist(db_path: str | Path, profile: str, max_dim: int | None, max_params: int | None,
              license: str | None, n: int, as_of: date | None, config: Config, all_sizes: bool = False) -> Shortlist:
    """The top ``n`` ranked model series of ``profile`` that pass the filters (every size with
    ``all_sizes``), with criteria, neighbours, other sizes and the popular models without results."""
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
                  "permissive": license == "permissive", "n": n, "all_sizes": all_sizes}
        counts = _counts(con, params)
        if counts["ranked"] == 0 and sum(counts.values()) == 0:
            raise ShortlistError(f"no rankings for profile {profile!r} on {day}")
        models = _rows(con, _SELECTED, params)
        ids = [m["model_id"] for m in models]
        crit = _rows(con, "SELECT * FROM criteria_scores WHERE as_of = $as_of AND profile = $profile"
                          " AND list_contains($ids, model_id)", {"as_of": day, "profile": profile, "ids": ids})
        why = _rows(con, "SELECT e.*, ra.rank AS above_rank, rb.rank AS below_rank,"
                         " ra.quality AS above_quality, rb.quality AS below_quality,"
                         " ra.quality_band <> r.quality_band AS above_other_band,"
                         " rb.quality_band <> r.quality_band AS below_other_band"
                         " FROM ranking_explanations e"
                         " JOIN rankings r ON r.as_of = e.as_of AND r.profile = e.profile AND r.model_id = e.model_id"
                         " LEFT JOIN rankings ra ON ra.as_of = e.as_of AND ra.profile = e.profile"
                         " AND ra.model_id = e.above_model"
                         " LEFT JOIN rankings rb ON rb.as_of = e.as_of AND rb.profile = e.profile"
                         " AND rb.model_id = e.below_model"
                         " WHERE e.as_of = $as_of AND e.profile = $profile AND list_contains($ids, e.model_id)",
                    {"as_of": day, "profile": profile, "ids": ids})
        popular = _rows(con, "SELECT * FROM popular_not_benchmarked WHERE as_of = $as_of"
                             " ORDER BY popularity_rank, model_id LIMIT $k", {"as_of": day, "k": NOT_BENCHMARKED_SHOWN})
        ties = {r["tie_group"]: (r["lo"], r["hi"]) for r in _rows(
            con, "SELECT tie_group, min(rank) AS lo, max(rank) AS hi FROM rankings WHERE as_of = $as_of"
                 " AND profile = $profile AND rank IS NOT NULL GROUP BY tie_group",
            {"as_of": day, "profile": profile})}
        smoke = {r["model_id"]: r for r in _smoke_rows(con, day, ids)}
        synthetic = synthetic_in(con, day)
    for m in models:
        m["criteria"] = {c["criterion"]: c for c in crit if c["model_id"] == m["model_id"]}
        m["tied_ranks"] = ties.get(m["tie_group"])
        m["smoke"] = smoke.get(m["model_id"])
        m["reasons"] = _reasons(m, [w for w in why if w["model_id"] == m["model_id"]], config.scores.missing_policy,
                                prof.quality_tolerance)
    filters = {"max_dim": max_dim, "max_params": max_params, "license": license}
    return Shortlist(day, profile, prof.description, dict(prof.weights), models[0]["missing_policy"] if models else
                     config.scores.missing_policy, filters, models, counts, synthetic, popular, prof.quality_first,
                     prof.quality_tolerance, all_sizes)


_SMOKE = """
SELECT model_id, status, failure_class, snapshot_date, sentences_per_second FROM smoke_results
WHERE snapshot_date <= $as_of AND list_contains($ids, model_id)
QUALIFY row_number() OVER (PARTITION BY model_id
                           ORDER BY status IN ('skipped', 'unavailable'), snapshot_date DESC, tested_at DESC) = 1
"""
"""Each model's latest smoke test as of the ranking date; a later skip or "not available" does not hide an
earlier real result (the report's rule)."""


def _smoke_rows(con: Any, as_of: date, ids: list[str]) -> list[dict[str, Any]]:
    try:
        return _rows(con, _SMOKE, {"as_of": as_of, "ids": ids})
    except (duckdb.CatalogException, duckdb.BinderException):   # no smoke tests yet, or a schema before 005
        return []


_SELECTED = """
WITH passing AS (
    SELECT r.*, p.raw_value AS cmteb_mean
    FROM rankings r
    LEFT JOIN criteria_scores p ON p.as_of = r.as_of AND p.profile = r.profile AND p.model_id = r.model_id
                               AND p.criterion = 'performance'
    WHERE r.as_of = $as_of AND r.profile = $profile AND r.rank IS NOT NULL
      AND ($max_dim IS NULL OR r.embed_dim <= $max_dim)
      AND ($max_params IS NULL OR r.params <= $max_params)
      AND (NOT $permissive OR r.commercial_use)
),
shown AS (
    SELECT * FROM passing
    QUALIFY $all_sizes OR row_number() OVER (PARTITION BY coalesce(series_id, model_id) ORDER BY rank) = 1
)
SELECT s.*,
       CASE WHEN NOT $all_sizes THEN (
           SELECT list({'model_id': o.model_id, 'rank': o.rank} ORDER BY o.rank) FROM passing o
           WHERE o.series_id = s.series_id AND o.model_id <> s.model_id) END AS other_sizes
FROM shown s
ORDER BY s.rank
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
    count(*) FILTER (WHERE status = 'over_budget') AS over_budget,
    count(*) FILTER (WHERE status = 'insufficient_data') AS insufficient_data,
    count(*) FILTER (WHERE status = 'not_benchmarked') AS not_benchmarked
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


def _reasons(model: dict[str, Any], why: list[dict[str, Any]], policy: str, tolerance: float) -> list[str]:
    """Readable reasons: what puts the model ahead of the next one, what keeps it behind the previous one
    (clearly better quality, or - within the quality tolerance - the criteria), ties, unknown and estimated
    criteria, other sizes, the Pareto front."""
    out = []
    if why and why[0]["below_model"]:
        w0 = why[0]
        if w0["below_other_band"]:
            out.append(f"ahead of #{w0['below_rank']} {w0['below_model']} on quality: a higher band"
                       f" ({model['quality']:.2f} vs {w0['below_quality']:.2f}; bands {tolerance:g} point wide)")
        else:
            ahead = sorted((w for w in why if w["delta_vs_below"] > 1e-9), key=lambda w: -w["delta_vs_below"])
            if ahead:
                parts = ", ".join(f"{w['criterion']} +{w['delta_vs_below']:.3f}"
                                  for w in ahead[:REASONS_PER_NEIGHBOUR])
                out.append(f"ahead of #{w0['below_rank']} {w0['below_model']} on {parts}")
    if why and why[0]["above_model"]:
        w0 = why[0]
        if w0["above_other_band"]:
            out.append(f"behind #{w0['above_rank']} {w0['above_model']} on quality: a lower band"
                       f" ({model['quality']:.2f} vs {w0['above_quality']:.2f})")
        else:
            behind = sorted((w for w in why if w["delta_vs_above"] < -1e-9), key=lambda w: w["delta_vs_above"])
            if behind:
                parts = ", ".join(f"{w['criterion']} {w['delta_vs_above']:.3f}"
                                  for w in behind[:REASONS_PER_NEIGHBOUR])
                out.append(f"behind #{w0['above_rank']} {w0['above_model']} on {parts}")
    if model["tied_ranks"] and model["tied_ranks"][0] != model["tied_ranks"][1]:
        lo, hi = model["tied_ranks"]
        out.append(f"tied with #{lo}-#{hi} (totals within the tie tolerance)")
    crit = model["criteria"]
    missing = [c for c in CRITERIA if c in crit and crit[c]["missing"] and crit[c]["weight"] > 0]
    if missing:
        how = {"renormalise": "weight shared out", "penalise": "fixed penalty"}.get(policy, "lower-quartile score")
        out.append(f"unknown: {', '.join(missing)} ({how})")
    estimated = [c for c in CRITERIA if c in crit and crit[c]["estimated"] and not crit[c]["missing"]]
    if estimated:
        out.append("estimated: " + ", ".join(f"{c} ({crit[c]['source']})" for c in estimated))
    if model.get("other_sizes"):
        out.append("other sizes: " + ", ".join(f"{o['model_id']} (#{o['rank']})" for o in model["other_sizes"]))
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


_SMOKE_WORDS = {"passed": "passed", "failed": "FAILED", "unavailable": "not available", "refused": "refused",
                "skipped": "skipped"}


def _smoke(row: dict[str, Any] | None) -> str:
    """``passed 250/s``, ``FAILED (hang)``, ``not available (no_weights)``, or ``-`` when never tested."""
    if row is None:
        return "-"
    word = _SMOKE_WORDS.get(row["status"], row["status"])
    if row["status"] == "passed":
        return word + (f" {row['sentences_per_second']:.0f}/s" if row["sentences_per_second"] else "")
    return f"{word} ({row['failure_class']})" if row["failure_class"] else word


def synthetic_banner(synthetic: Synthetic) -> str:
    """One warning line: which Hub values behind the ranking are synthetic."""
    def names(fields: tuple[str, ...]) -> str:
        return ", ".join(t(f"field_{f}", "en") if has(f"field_{f}") else f for f in fields)

    sources = " and ".join(t(f"source_{k}", "en") if has(f"source_{k}") else k for k in synthetic.sources)
    text = (f"SYNTHETIC DATA: the {names(synthetic.fields)} come from the {sources} (demo data, Hub snapshots"
            f" {synthetic.first} to {synthetic.last}), not from the real Hugging Face Hub, and so do the community"
            " scores and these ranks")
    if synthetic.rule_fields:
        text += f"; assigned by rule, not observed: {names(synthetic.rule_fields)}"
    return text + "."


def _smoke_footer(models: list[dict[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for m in models:
        status = m["smoke"]["status"] if m["smoke"] else "untested"
        counts[status] = counts.get(status, 0) + 1
    words = {**_SMOKE_WORDS, "unavailable": "not available (weights not served by this endpoint: not failures)",
             "untested": "untested"}
    return "smoke tests of the models shown: " + ", ".join(f"{counts[k]} {w}" for k, w in words.items() if counts.get(k))


def _as_table(s: Shortlist) -> str:
    buffer = io.StringIO()
    width = max(shutil.get_terminal_size(fallback=(160, 40)).columns, 120)
    console = Console(file=buffer, width=width, highlight=False, soft_wrap=False)
    if s.synthetic is not None:
        console.print(f"[bold black on yellow]⚠ {synthetic_banner(s.synthetic)}[/]")
    weights = ", ".join(f"{c} {w:g}" for c, w in s.weights.items() if w > 0)
    order = (f"quality first (bands of {s.quality_tolerance:g} C-MTEB point), then the weighted total"
             if s.quality_first else "the weighted total")
    console.print(Text.assemble(("radar top", "bold"), " · profile ", (visible(s.profile), "bold"),
                                f" ({visible(s.description)}) · as of {s.as_of}"))
    console.print(cell(f"ranked by {order} · weights: {weights} · missing data: {s.missing_policy}"))
    table = Table(show_lines=True)
    for name, justify in (("#", "right"), ("Δ", "center"), ("model", "left"), ("score", "right"),
                          ("quality", "right"), ("C-MTEB", "right"), ("params", "right"), ("dim", "right"),
                          ("licence", "left"), ("smoke", "left"), ("reasons", "left")):
        table.add_column(name, justify=justify, overflow="fold")
    for m in s.models:
        tie = m["tied_ranks"]
        rank = f"{m['rank']}" + ("=" if tie and tie[0] != tie[1] else "")
        table.add_row(*(cell(v, keep_newlines=True) for v in (
            rank, _change(m["rank_change"]), m["model_id"] + (" ★" if m["pareto"] else ""),
            f"{m['total_score']:.3f}", _number(m["quality"]), _number(m["cmteb_mean"]),
            _size(m["params"]), "?" if m["embed_dim"] is None else str(m["embed_dim"]),
            _licence(m["license"], m["commercial_use"]), _smoke(m["smoke"]),
            "\n".join(m["reasons"]) or "-",
        )))
    if s.models:
        console.print(table)
    else:
        console.print("No ranked model passes the filters.")
    console.print(cell(_footer(s)))
    if s.not_benchmarked:
        console.print(Text.assemble("\n", ("Popular, not benchmarked", "bold"),
                                    " (no complete C-MTEB result, so no place in any ranking):"))
        for p in s.not_benchmarked:
            tasks = f"{p['cmteb_tasks']} of 31 C-MTEB tasks" if p["cmteb_tasks"] else "no C-MTEB tasks"
            console.print(cell(f"  {p['model_id']} · {p['downloads_30d'] or 0:,} downloads/30 d · {tasks}"
                               f" · {_size(p['params'])} · dim {p['embed_dim'] or '?'} · {p['license'] or 'licence ?'}"))
    return buffer.getvalue()


def _number(value: float | None) -> str:
    return "?" if value is None else f"{value:.2f}"


def _footer(s: Shortlist) -> str:
    c = s.counts
    unit = "models" if s.all_sizes else "model series (other sizes listed in the reasons; --all-sizes shows all)"
    parts = [f"{len(s.models)} {unit} shown of {c['ranked']} ranked models"]
    if s.filters["max_dim"] is not None:
        parts.append(f"dim > {s.filters['max_dim']}: {c['dim_over']} left out, unknown dim: {c['dim_unknown']}")
    if s.filters["max_params"] is not None:
        parts.append(f"over {_size(s.filters['max_params'])}: {c['params_over']} left out,"
                     f" unknown size: {c['params_unknown']}")
    if s.filters["license"]:
        parts.append(f"not permissive: {c['license_not_permissive']}, unknown licence: {c['license_unknown']}")
    parts.append(f"not ranked: {c['not_benchmarked']} without C-MTEB results, {c['insufficient_data']} with too"
                 f" little data, {c['family_duplicate']} family copies, {c['licence_gate']} by licence gate,"
                 f" {c['over_budget']} over the size budget")
    if s.models:
        parts.append(_smoke_footer(s.models))
    parts.append("quality: the profile's C-MTEB measure; ★ Pareto front, = tie group, Δ rank change since last week")
    return "; ".join(parts)


CSV_COLUMNS = ("rank", "tied", "rank_change", "model_id", "series_id", "quality", "quality_band", "total_score",
               "cmteb_mean", "params", "embed_dim", "license", "commercial_use", "pareto", "coverage", "reasons")


def _as_csv(s: Shortlist) -> str:
    """One row per model, exact values; the reasons joined by `` | ``."""
    rows = []
    for m in s.models:
        tie = m["tied_ranks"]
        rows.append([m["rank"], bool(tie and tie[0] != tie[1]), m["rank_change"], m["model_id"], m["series_id"],
                     m["quality"], m["quality_band"], m["total_score"], m["cmteb_mean"], m["params"], m["embed_dim"],
                     m["license"], m["commercial_use"], m["pareto"], m["coverage"], " | ".join(m["reasons"])])
    return to_csv(CSV_COLUMNS, rows)


def _as_json(s: Shortlist) -> dict[str, Any]:
    def model(m: dict[str, Any]) -> dict[str, Any]:
        return {
            "rank": m["rank"], "rank_change": m["rank_change"], "quality_band": m["quality_band"],
            "tie_group": m["tie_group"], "tied_ranks": list(m["tied_ranks"]) if m["tied_ranks"] else None,
            "model_id": m["model_id"], "series_id": m["series_id"], "total_score": m["total_score"],
            "coverage": m["coverage"], "pareto": m["pareto"], "cmteb_mean": m["cmteb_mean"], "quality": m["quality"],
            "params": m["params"], "embed_dim": m["embed_dim"], "license": m["license"],
            "commercial_use": m["commercial_use"], "family_id": m["family_id"],
            "other_sizes": m.get("other_sizes") or [],
            "criteria": {
                c: {"name_zh": CRITERIA_ZH[c], **{k: m["criteria"][c][k] for k in (
                    "raw_value", "unit", "score", "weight", "effective_weight", "contribution", "missing",
                    "estimated", "source", "detail")}}
                for c in CRITERIA if c in m["criteria"]
            },
            "smoke": None if m["smoke"] is None else {
                "status": m["smoke"]["status"], "failure_class": m["smoke"]["failure_class"],
                "snapshot_date": m["smoke"]["snapshot_date"].isoformat(),
                "sentences_per_second": m["smoke"]["sentences_per_second"]},
            "reasons": m["reasons"],
        }

    return {
        "as_of": s.as_of.isoformat(), "profile": s.profile, "description": s.description, "weights": s.weights,
        "quality_first": s.quality_first, "quality_tolerance": s.quality_tolerance,
        "missing_policy": s.missing_policy, "filters": s.filters, "counts": s.counts,
        "synthetic": None if s.synthetic is None else {
            "fields": list(s.synthetic.fields), "rule_fields": list(s.synthetic.rule_fields),
            "sources": list(s.synthetic.sources), "first": s.synthetic.first.isoformat(),
            "last": s.synthetic.last.isoformat(), "banner": synthetic_banner(s.synthetic)},
        "models": [model(m) for m in s.models],
        "not_benchmarked": [{k: p[k] for k in ("model_id", "popularity_rank", "downloads_30d", "likes", "cmteb_tasks",
                                               "params", "embed_dim", "license")} for p in s.not_benchmarked],
    }
