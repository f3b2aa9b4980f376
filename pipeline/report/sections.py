"""Turn the week's data into the report's sections, in one language.

Plain text only: numbers are formatted here, markup and escaping happen in :mod:`pipeline.report.render`.
A section without data prints why (:class:`~pipeline.report.data.NoData`) and the report goes on.
"""

from __future__ import annotations

from datetime import date, datetime

from pipeline.config import CRITERIA
from pipeline.report.charts import Chart
from pipeline.report.data import LIST_LIMIT, MIN_WEEKLY_DOWNLOADS
from pipeline.report.model import (
    TYPE_COLUMNS,
    Compare,
    Headline,
    Leaderboard,
    Method,
    Movers,
    NewResult,
    NoData,
    ReportData,
    Smoke,
    SmokeRow,
    TrendRow,
    status_rank,
)
from pipeline.report.i18n import criterion_label, has, t
from pipeline.provenance import Synthetic
from pipeline.report.render import Block, Bullets, Code, Document, Figure, Heading, Link, Notice, Para, Table

DASH = "—"
_LICENCE = {True: "lic_commercial", False: "lic_no_commercial", None: "lic_unknown"}
"""``rankings.commercial_use`` -> the words for it."""


def report_stem(lang: str, default_lang: str) -> str:
    """``report`` for the configured default language, ``report.<lang>`` for the others."""
    return "report" if lang == default_lang else f"report.{lang}"


def chart_file(key: str, lang: str) -> str:
    return f"charts/{key}.{lang}.svg"


def fmt_int(value: int | float | None) -> str:
    return DASH if value is None else f"{int(round(value)):,}"


def fmt_num(value: float | None, digits: int = 2) -> str:
    return DASH if value is None else f"{value:.{digits}f}"


def fmt_pct(value: float | None, signed: bool = True) -> str:
    """A ratio as a percentage (0.123 -> +12.3%)."""
    return DASH if value is None else f"{value * 100:{'+' if signed else ''}.1f}%"


def fmt_date(value: date | datetime | None) -> str:
    if value is None:
        return DASH
    return (value.date() if isinstance(value, datetime) else value).isoformat()


def fmt_change(change: int | None, lang: str) -> str:
    """Rank change: positive means the model moved up."""
    if change is None:
        return t("rank_new", lang)
    return "=" if change == 0 else f"▲{change}" if change > 0 else f"▼{-change}"


def _label(prefix: str, value: str | None, lang: str) -> str:
    """A stored code word (momentum, status) in ``lang`` when known, else as stored."""
    if value is None:
        return DASH
    key = f"{prefix}_{value.lower()}"
    return t(key, lang) if has(key) else value


def no_data(section: NoData, lang: str, end: date, protocol: str = "") -> Para:
    return Para((t(f"nodata_{section.reason}", lang, table=section.table, detail=section.detail,
                   end=end.isoformat(), protocol=protocol),), muted=True)


def _figure(chart: Chart | NoData, lang: str, end: date) -> Block:
    if isinstance(chart, NoData):
        return no_data(chart, lang, end)
    return Figure(chart.key, chart.title, chart.caption, chart.svg, chart_file(chart.key, lang))


def _profile_description(profile: str, description: str, lang: str) -> str:
    key = f"profile_{profile}"
    return t(key, lang) if has(key) else description or profile


def highlights(data: ReportData, lang: str) -> list[Block]:
    items: list[str] = []
    if isinstance(data.headline, Headline):
        for top in data.headline.profiles:
            if top.rows:
                first = top.rows[0]
                change = (t("newly_ranked", lang) if first.rank_change is None else t("unchanged", lang)
                          if first.rank_change == 0 else t("was_rank", lang, rank=first.rank + first.rank_change))
                items.append(t("hl_leader", lang, profile=top.profile, model=first.model_id, change=change))
        main = data.headline.profiles[0] if data.headline.profiles else None
        if main:
            flagged = [r.model_id for r in main.rows if r.commercial_use is not True]
            if flagged:
                items.append(t("hl_licence", lang, n=len(flagged), top=len(main.rows), profile=main.profile,
                               models=", ".join(flagged)))
    if isinstance(data.movers, Movers):
        if data.movers.growth:
            g = data.movers.growth[0]
            items.append(t("hl_growth", lang, model=g.model_id, growth=fmt_pct(g.wow_growth)))
        if data.movers.n_new:
            items.append(t("hl_new", lang, n=data.movers.n_new))
        if data.movers.n_anomalies:
            items.append(t("hl_anomalies", lang, n=data.movers.n_anomalies))
    if isinstance(data.smoke, Smoke):
        items.append(t("hl_smoke", lang, summary=smoke_summary(data.smoke, lang)))
    return [Heading(2, t("h_highlights", lang)), Bullets(tuple(items)) if items else Para((t("no_data", lang),), muted=True)]


def headline(data: ReportData, n: int, lang: str, charts: dict[str, Chart | NoData]) -> list[Block]:
    end = data.method.week_end
    blocks: list[Block] = [Heading(2, t("h_headline", lang, n=n))]
    section = data.headline
    if isinstance(section, NoData):
        return blocks + [no_data(section, lang, end)]
    blocks.append(Para((t("headline_intro", lang, as_of=fmt_date(section.as_of)),)))
    header = tuple(t(k, lang) for k in ("col_rank", "col_change", "col_model", "col_quality", "col_score", "col_tie",
                                        "col_licence", "col_pareto", "col_sizes"))
    for top in section.profiles:
        desc = _profile_description(top.profile, top.description, lang)
        blocks.append(Heading(3, t("profile_heading", lang, profile=top.profile, description=desc, n=top.n_ranked)))
        rows = tuple(
            (
                str(r.rank),
                fmt_change(r.rank_change, lang),
                r.model_id,
                fmt_num(r.quality, 2),
                fmt_num(r.total_score, 3),
                t("tie_range", lang, lo=r.tie_ranks[0], hi=r.tie_ranks[1]) if r.tie_ranks else DASH,
                f"{r.license or DASH} · {t(_LICENCE[r.commercial_use], lang)}",
                "★" if r.pareto else "",
                t("list_sep", lang).join(f"{m} (#{rank})" for m, rank in r.other_sizes) or DASH,
            )
            for r in top.rows
        )
        blocks.append(Table(header, rows, (True, True, False, True, True, False, False, False, False)))
        if top.not_ranked:
            items = t("list_sep", lang).join(
                t(f"notrank_{status}", lang, n=n) if has(f"notrank_{status}") else f"{status}: {n}"
                for status, n in top.not_ranked.items())
            blocks.append(Para((t("not_ranked", lang, items=items),), muted=True))
    blocks.append(Para((t("headline_note", lang),), muted=True))
    if section.not_benchmarked:
        blocks.append(Heading(3, t("h_not_benchmarked", lang)))
        blocks.append(Para((t("not_benchmarked_intro", lang, n=section.n_not_benchmarked,
                              k=len(section.not_benchmarked)),)))
        header = tuple(t(k, lang) for k in ("col_model", "col_downloads_30d", "col_cmteb_tasks", "col_params",
                                            "col_licence"))
        rows = tuple((p.model_id, fmt_int(p.downloads_30d), f"{p.cmteb_tasks} / 31", _raw(p.params).strip(" ()") or DASH,
                      p.license or DASH) for p in section.not_benchmarked)
        blocks.append(Table(header, rows, (False, True, True, True, False)))
    blocks.append(_figure(charts["bump"], lang, end))
    return blocks


def _trend_table(rows: list[TrendRow], lang: str, flag: bool = False) -> Table:
    keys = ["col_model", "col_downloads_7d", "col_downloads_28d", "col_wow", "col_momentum", "col_dl_rank"]
    if flag:
        keys.append("col_flag")
    out = []
    for r in rows:
        row = [r.model_id, fmt_int(r.downloads_7d), fmt_int(r.downloads_28d), fmt_pct(r.wow_growth),
               _label("momentum", r.momentum, lang),
               DASH if r.rank is None else f"{r.rank} ({fmt_change(r.rank_change, lang)})"]
        if flag:
            row.append(_label("anomaly", r.anomaly, lang))
        out.append(tuple(row))
    numeric = (False, True, True, True, False, True) + ((False,) if flag else ())
    return Table(tuple(t(k, lang) for k in keys), tuple(out), numeric)


def movers(data: ReportData, lang: str, charts: dict[str, Chart | NoData]) -> list[Block]:
    end = data.method.week_end
    blocks: list[Block] = [Heading(2, t("h_movers", lang))]
    section = data.movers
    if isinstance(section, NoData):
        return blocks + [no_data(section, lang, end)]
    none = Para((t("none_this_week", lang),), muted=True)
    blocks.append(Para((t("movers_intro", lang, as_of=fmt_date(section.as_of)),)))
    blocks.append(Heading(3, t("h_growth", lang, min=MIN_WEEKLY_DOWNLOADS)))
    blocks.append(_trend_table(section.growth, lang) if section.growth else none)
    blocks.append(Heading(3, t("h_new", lang, n=section.n_new)))
    if section.new_entrants:
        header = tuple(t(k, lang) for k in ("col_model", "col_first_seen", "col_downloads_30d"))
        rows = tuple((e.model_id, fmt_date(e.first_seen), fmt_int(e.downloads_30d)) for e in section.new_entrants)
        blocks.append(Table(header, rows, (False, False, True)))
    else:
        blocks.append(none)
    blocks.append(Heading(3, t("h_fading", lang)))
    blocks.append(_trend_table(section.fading, lang) if section.fading else none)
    blocks.append(Heading(3, t("h_anomalies", lang)))
    blocks.append(_trend_table(section.anomalies, lang, flag=True) if section.anomalies else none)
    blocks.append(_figure(charts["downloads"], lang, end))
    return blocks


def _what_changed(n: NewResult, lang: str) -> str:
    parts = [t("chg_new_model", lang)] if n.new_model else []
    if n.new_results:
        parts.append(t("chg_new_results", lang, n=n.new_results))
    if n.changed_results:
        parts.append(t("chg_changed_results", lang, n=n.changed_results))
    if n.mean_gained:
        parts.append(t("chg_mean_gained", lang))
    return t("list_sep", lang).join(parts)


def leaderboard(data: ReportData, protocol: str, lang: str, charts: dict[str, Chart | NoData]) -> list[Block]:
    end = data.method.week_end
    section = data.leaderboard
    blocks: list[Block] = [Heading(2, t("h_board", lang, protocol=protocol))]
    if isinstance(section, NoData):
        return blocks + [no_data(section, lang, end, protocol)]
    blocks.append(_board_status(section, lang))
    type_names = [t(f"type_{c}", lang) for c in TYPE_COLUMNS]
    header = (t("col_borda", lang), t("col_model", lang), t("col_mean_task", lang), t("col_mean_type", lang),
              *type_names, t("col_tasks", lang))
    rows = tuple(
        (str(b.borda_rank), b.model_id or b.model_name, fmt_num(b.mean_task), fmt_num(b.mean_task_type),
         *(fmt_num(b.types[c]) for c in TYPE_COLUMNS), f"{b.n_tasks}/{b.tasks_expected}")
        for b in section.top
    )
    blocks += [Heading(3, t("h_board_top", lang, n=LIST_LIMIT)),
               Table(header, rows, (True, False) + (True,) * (len(header) - 2))]
    none = Para((t("none_this_week", lang),), muted=True)
    if section.new_this_week:
        blocks.append(Heading(3, t("h_new_results", lang)))
        new_rows = tuple((n.model_name, _what_changed(n, lang), fmt_num(n.mean_task), fmt_int(n.borda_rank))
                         for n in section.new_results)
        new_header = tuple(t(k, lang) for k in ("col_mteb_name", "col_what_changed", "col_mean_task", "col_borda"))
        blocks.append(Table(new_header, new_rows, (False, False, True, True)) if new_rows else none)
        blocks.append(Heading(3, t("h_rank_moves", lang)))
        move_rows = tuple((m.model_name, str(m.new_rank), str(m.old_rank), fmt_change(m.old_rank - m.new_rank, lang))
                          for m in section.rank_moves)
        move_header = tuple(t(k, lang) for k in ("col_mteb_name", "col_borda", "col_prev_rank", "col_change"))
        blocks.append(Table(move_header, move_rows, (False, True, True, True)) if move_rows else none)
    blocks.append(Heading(3, t("h_gaps", lang)))
    blocks.append(Para((t("gap_popular", lang, n=section.n_popular_unevaluated, k=len(section.popular_unevaluated)),)))
    if section.popular_unevaluated:
        blocks.append(Table(
            tuple(t(k, lang) for k in ("col_model", "col_downloads_30d")),
            tuple((g.model_id, fmt_int(g.downloads_30d)) for g in section.popular_unevaluated),
            (False, True),
        ))
    blocks.append(Para((t("gap_unknown", lang, n=section.n_evaluated_unknown, k=len(section.evaluated_unknown)),)))
    if section.evaluated_unknown:
        blocks.append(Table(
            tuple(t(k, lang) for k in ("col_mteb_name", "col_tasks", "col_mean_task", "col_borda")),
            tuple((u.model_name, str(u.n_tasks), fmt_num(u.mean_task), fmt_int(u.borda_rank))
                  for u in section.evaluated_unknown),
            (False, True, True, True),
        ))
    blocks.append(_figure(charts["quality"], lang, end))
    return blocks


def _board_status(section: Leaderboard, lang: str) -> Para:
    intro = t("board_intro", lang, date=fmt_date(section.snapshot_date), n=section.n_models, full=section.n_full_mean)
    if not section.new_this_week:
        tail = t("board_stale", lang, date=fmt_date(section.snapshot_date))
    elif section.previous_date is None:
        tail = t("board_first", lang)
    else:
        tail = t("board_compared", lang, date=fmt_date(section.previous_date))
    return Para((intro, " ", tail))


def smoke_summary(section: Smoke, lang: str) -> str:
    """``6 models (3 passed, 1 failed, 2 not available)`` in the smoke flow's status order (the counts add up)."""
    items = t("list_sep", lang).join(
        t(f"count_{status}", lang, n=n) if has(f"count_{status}") else f"{n} {status}"
        for status, n in sorted(section.counts.items(), key=lambda sn: (status_rank(sn[0]), sn[0]))
    )
    return t("count_total", lang, n=sum(section.counts.values()), items=items)


def _reason_detail(s: SmokeRow, lang: str) -> tuple[str, str]:
    """The reason in the reader's language, and the flow's own message (or the failed checks)."""
    detail = s.error or (t("failed_checks", lang, checks=", ".join(s.failed_checks)) if s.failed_checks else DASH)
    return _label("failure", s.failure_class, lang), detail


def smoke(data: ReportData, lang: str) -> list[Block]:
    end = data.method.week_end
    blocks: list[Block] = [Heading(2, t("h_smoke", lang))]
    section = data.smoke
    if isinstance(section, NoData):
        return blocks + [no_data(section, lang, end)]
    intro = t("smoke_intro", lang, end=fmt_date(end), summary=smoke_summary(section, lang))
    setup = t("smoke_setup", lang, setup=section.setup) if section.setup else ""
    blocks.append(Para((intro, " ", setup) if setup else (intro,)))
    keys = ("col_model", "col_status", "col_snapshot", "col_sps", "col_load", "col_rss", "col_dim", "col_unk",
            "col_reason", "col_detail")
    rows = []
    for s in section.rows:
        if s.status == "unavailable":
            continue
        rows.append((
            s.model_id, _label("status", s.status, lang), fmt_date(s.snapshot_date), fmt_num(s.sentences_per_second, 1),
            fmt_num(s.load_seconds, 1), fmt_int(s.peak_rss_mb), fmt_int(s.embedding_dim),
            fmt_pct(s.unk_rate, signed=False), *_reason_detail(s, lang),
        ))
    if rows:
        blocks.append(Table(tuple(t(k, lang) for k in keys), tuple(rows),
                            (False, False, False, True, True, True, True, True, False, False)))
    unavailable = [s for s in section.rows if s.status == "unavailable"]
    if unavailable:
        blocks += [Heading(3, t("h_unavailable", lang, n=len(unavailable))),
                   Para((t("unavailable_intro", lang),), muted=True),
                   Table(tuple(t(k, lang) for k in ("col_model", "col_snapshot", "col_reason", "col_detail")),
                         tuple((s.model_id, fmt_date(s.snapshot_date), *_reason_detail(s, lang)) for s in unavailable),
                         (False, False, False, False))]
    return blocks


def _raw(value: float | None) -> str:
    """A criterion's raw measure, compact (parameters and download counts run into millions)."""
    if value is None:
        return ""
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e4, "k")):
        if abs(value) >= limit:
            return f" ({value / limit:.3g}{suffix})"
    return f" ({value:.4g})"


def compare(data: ReportData, lang: str, policy: str, charts: dict[str, Chart | NoData]) -> list[Block]:
    end = data.method.week_end
    section = data.compare
    profile = section.profile if isinstance(section, Compare) else (data.method.primary_profile or DASH)
    blocks: list[Block] = [Heading(2, t("h_compare", lang, profile=profile))]
    if isinstance(section, NoData):
        return blocks + [no_data(section, lang, end)]
    header = (t("col_criterion", lang), t("col_weight", lang), *section.models)
    rows = []
    for criterion in CRITERIA:
        cells = []
        for model in section.models:
            cell = section.cells.get((model, criterion))
            if cell is None or cell.missing or cell.score is None:
                cells.append(t("unknown", lang))
            else:
                cells.append(("≈" if cell.estimated else "") + fmt_num(cell.score) + _raw(cell.raw_value))
        rows.append((criterion_label(criterion, lang), fmt_num(section.weights.get(criterion), 2), *cells))
    rows.append((t("row_total", lang), "", *(fmt_num(section.totals.get(m), 3) for m in section.models)))
    blocks.append(Table(header, tuple(rows), (False, True) + (True,) * len(section.models)))
    blocks.append(Para((t("compare_note", lang, policy=policy),), muted=True))
    blocks.append(_figure(charts["types"], lang, end))
    return blocks


def synthetic_banner(synthetic: Synthetic, lang: str) -> str:
    """The warning on the report's first screen: which Hub values are synthetic, and what that touches."""
    sep = t("enum_sep", lang)

    def names(fields: tuple[str, ...]) -> str:
        return sep.join(t(f"field_{f}", lang) if has(f"field_{f}") else f for f in fields)

    source = sep.join(t(f"source_{k}", lang) if has(f"source_{k}") else k for k in synthetic.sources)
    text = t("banner_synthetic", lang, fields=names(synthetic.fields), source=source,
             first=fmt_date(synthetic.first), last=fmt_date(synthetic.last))
    if synthetic.rule_fields:
        text += t("banner_rules", lang, fields=names(synthetic.rule_fields))  # the English one starts with a space
    return text


def method(m: Method, lang: str, top_n: int) -> list[Block]:
    unknown = t("unknown_source", lang)
    protocol_key = f"protocol_{m.protocol}"
    kind = f"kind_{m.hub_kind or 'unknown'}"
    items = [
        t("m_week", lang, week=m.week, start=fmt_date(m.week_start), end=fmt_date(m.week_end)),
        t("m_hub", lang, date=fmt_date(m.hub_snapshot), source=m.hub_source or unknown,
          kind=t(kind, lang) if has(kind) else m.hub_kind),
    ]
    if m.synthetic is not None:
        items.append(synthetic_banner(m.synthetic, lang))
    items += [
        t("m_mteb", lang, date=fmt_date(m.mteb_snapshot), source=m.mteb_source or unknown),
        t("m_protocol", lang, text=t(protocol_key, lang) if has(protocol_key) else m.protocol),
        t("m_dates", lang, trends=fmt_date(m.trends_as_of), rankings=fmt_date(m.rankings_as_of),
          smoke=fmt_date(m.smoke_latest)),
        t(f"m_policy_{m.missing_policy}", lang) if has(f"m_policy_{m.missing_policy}") else m.missing_policy,
    ]
    if m.primary_profile is not None:
        estimated = "; ".join(f"{criterion_label(c, lang)}: {', '.join(models)}" for c, models in m.estimated.items())
        items.append(t("m_estimated", lang, primary=m.primary_profile, top=top_n, items=estimated)
                     if estimated else t("m_measured", lang, primary=m.primary_profile, top=top_n))
    blocks: list[Block] = [Heading(2, t("h_method", lang)), Bullets(tuple(items)), Para((t("m_weights", lang),))]
    header = (t("col_profile", lang), *(criterion_label(c, lang) for c in CRITERIA))
    rows = []
    for profile, weights in m.weights.items():
        total = sum(weights.values()) or 1.0
        rows.append((profile, *(f"{weights[c] / total * 100:.0f}%" for c in CRITERIA)))
    blocks.append(Table(header, tuple(rows), (False,) + (True,) * len(CRITERIA)))
    if m.data_issues:
        blocks.append(Para((t("m_issues", lang),)))
        blocks.append(Table(tuple(t(k, lang) for k in ("col_source", "col_action", "col_count")),
                            tuple((s, a, fmt_int(n)) for s, a, n in m.data_issues), (False, False, True)))
    else:
        blocks.append(Para((t("m_no_issues", lang),)))
    blocks.append(Para((t("m_reproduce", lang, week=m.week, code=lang),)))
    as_of = fmt_date(m.rankings_as_of) if m.rankings_as_of else fmt_date(m.week_end)
    blocks.append(Code(
        f"SELECT profile, rank, model_id, total_score, tie_group, rank_change\n"
        f"FROM rankings WHERE as_of = DATE '{as_of}' AND rank <= {top_n}\nORDER BY profile, rank;"
    ))
    return blocks


def build_document(data: ReportData, charts: dict[str, Chart | NoData], lang: str, default_lang: str,
                   other_langs: tuple[str, ...], top_n: int) -> Document:
    """The whole report for one language, ready to render."""
    m = data.method
    doc = Document(lang=lang, title=t("title", lang, week=data.week))
    parts: list[str | Link] = [t("subtitle", lang, start=fmt_date(m.week_start), end=fmt_date(m.week_end))]
    for other in other_langs:
        parts += [" ", Link(t("lang_link", other), report_stem(other, default_lang))]
    doc.add(Para(tuple(parts)))
    if m.synthetic is not None:
        doc.add(Notice(synthetic_banner(m.synthetic, lang)))
    doc.add(*highlights(data, lang))
    doc.add(*headline(data, top_n, lang, charts))
    doc.add(*movers(data, lang, charts))
    doc.add(*leaderboard(data, m.protocol, lang, charts))
    doc.add(*smoke(data, lang))
    doc.add(*compare(data, lang, m.missing_policy, charts))
    doc.add(*method(m, lang, top_n))
    return doc
