"""Build one week's report from the warehouse and write it to ``reports/<week>/``.

Files, per language built (the configured default language gets the plain names):

    reports/<week>/report.md, report.html                 default language (``report.lang``, zh)
    reports/<week>/report.<lang>.md, report.<lang>.html   every other language
    reports/<week>/charts/<chart>.<lang>.svg              the charts the Markdown links to

The HTML needs none of the other files. Files are written atomically and their bytes depend only on the
warehouse and the configuration, so rebuilding a past week reproduces them exactly.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.config import Config
from pipeline.report.charts import NO_CJK_FONT, cjk_font, label_lang, render_charts
from pipeline.report.data import gather, report_week
from pipeline.report.model import Headline, ReportData
from pipeline.report.i18n import LANGS
from pipeline.report.render import to_html, to_markdown
from pipeline.report.sections import build_document, report_stem
from pipeline.report.weeks import check_week
from warehouse import db


class ReportError(RuntimeError):
    """The report cannot be built as asked (no data at all, unknown language); one clear line."""


@dataclass
class BuiltReport:
    week: str
    files: list[Path]
    markdown: dict[str, str]
    """Per language, the Markdown without chart links (for places that cannot show the SVG files)."""
    ranking: list[dict[str, Any]]
    seconds: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    """What the reader should fix on this machine (no CJK font: the charts' labels fell back to English)."""


def resolve_langs(lang: str | None) -> tuple[str, ...]:
    """``None`` means every language; otherwise exactly the one asked for."""
    if lang is None:
        return LANGS
    if lang not in LANGS:
        raise ReportError(f"lang: expected one of {', '.join(LANGS)}, got {lang!r}")
    return (lang,)


def load(db_path: str | Path, cfg: Config, week: str | None = None) -> ReportData:
    """The week's data (default: the latest week with data), read through a read-only connection."""
    with db.reader(db_path) as con:
        if week is None:
            week = report_week(con)
            if week is None:
                raise ReportError(f"the warehouse {db_path} holds no snapshots or rankings yet; run `radar demo` or `radar run` first")
        else:
            check_week(con, week)
        return gather(con, week, cfg)


def ranking_rows(data: ReportData) -> list[dict[str, Any]]:
    """The headline rankings as flat rows (every profile's top N), e.g. for a table artifact."""
    if not isinstance(data.headline, Headline):
        return []
    return [
        {"profile": top.profile, "rank": r.rank, "model_id": r.model_id,
         "total_score": None if r.total_score is None else round(r.total_score, 4),
         "rank_change": r.rank_change, "license": r.license, "commercial_use": r.commercial_use}
        for top in data.headline.profiles
        for r in top.rows
    ]


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    os.replace(tmp, path)


def write_report(data: ReportData, cfg: Config, langs: tuple[str, ...], reports_dir: str | Path) -> BuiltReport:
    """Render ``data`` in each of ``langs`` and write the files; returns what was written and how long it took."""
    out_dir = Path(reports_dir) / data.week
    default_lang = cfg.report.lang  # validated by the configuration: zh or en
    built = BuiltReport(week=data.week, files=[], markdown={}, ranking=ranking_rows(data))
    family = cjk_font()
    if any(label_lang(lang, family) != lang for lang in langs):
        built.warnings.append(NO_CJK_FONT)
    for lang in langs:
        started = time.perf_counter()
        charts = render_charts(data.charts, data.method.primary_profile, lang)
        drawn = time.perf_counter()
        doc = build_document(data, charts, lang, default_lang, tuple(o for o in langs if o != lang), cfg.report.top_n)
        stem = report_stem(lang, default_lang)
        for figure in doc.figures():
            _write(out_dir / figure.file_name, figure.svg)
            built.files.append(out_dir / figure.file_name)
        for name, text in ((f"{stem}.md", to_markdown(doc)), (f"{stem}.html", to_html(doc))):
            _write(out_dir / name, text)
            built.files.append(out_dir / name)
        built.markdown[lang] = to_markdown(doc, charts=False)
        built.seconds[f"charts_{lang}"] = drawn - started
        built.seconds[f"render_{lang}"] = time.perf_counter() - drawn
    return built


def build_report(db_path: str | Path, cfg: Config, week: str | None = None, lang: str | None = None,
                 reports_dir: str | Path | None = None) -> BuiltReport:
    """Read, render and write one week's report (all languages unless ``lang`` is given)."""
    langs = resolve_langs(lang)
    started = time.perf_counter()
    data = load(db_path, cfg, week)
    read = time.perf_counter() - started
    built = write_report(data, cfg, langs, reports_dir or cfg.reports_dir)
    built.seconds["read"] = read
    built.seconds["total"] = time.perf_counter() - started
    return built
