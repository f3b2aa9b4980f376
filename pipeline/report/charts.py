"""The report's four charts as SVG text, drawn with matplotlib without pyplot (no global figure state).

Text is stored as glyph outlines in the SVG, so the page shows Chinese correctly on any machine; that
needs a CJK-capable font here at build time. :func:`cjk_font` finds one that really draws Chinese
(``fonts-wqy-microhei`` from Debian is what the project installs), never a last-resort font that has an
entry for every code point but draws the same placeholder box for all of them. Without one the report is
still built: the text inside the charts is drawn in English (titles and captions outside the image stay in
the report's language) and :data:`NO_CJK_FONT` says how to install a font. Output is byte-stable: fixed
``svg.hashsalt``, no date or version metadata, and model ids are drawn as plain text (mathtext off), so a
``$`` in a Hub name cannot break a chart.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import cache

import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.ticker import FuncFormatter, MaxNLocator

from pipeline.report.model import (
    TYPE_COLUMNS,
    BoardRow,
    Charts,
    DownloadSeries,
    NoData,
    QualityPoint,
    RankSeries,
)
from pipeline.report.i18n import TEXT, t
from pipeline.report.weeks import week_of

CJK_FAMILIES: tuple[str, ...] = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)
"""Preferred CJK families, best first; any other installed font that covers the report's Chinese also works."""

INSTALL_HINT = "apt-get install -y fonts-wqy-microhei (or fonts-noto-cjk)"
NO_CJK_FONT = ("no installed font can draw Chinese, so the charts' labels are drawn in English (captions stay "
               f"in the report's language); to draw them in Chinese install a CJK font: {INSTALL_HINT}")
"""The one warning a report build gives when :func:`cjk_font` finds nothing."""
FALLBACK_FAMILY = "DejaVu Sans"
"""matplotlib's bundled default: always installed, Latin only."""

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")

_RC = {
    "svg.hashsalt": "embedding-radar",
    "svg.fonttype": "path",
    "text.parse_math": False,
    "text.usetex": False,
    "axes.unicode_minus": False,
    "figure.dpi": 100,
    "font.size": 10,
}

_METADATA = {"Date": None, "Creator": None}


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    caption: str
    svg: str


def _covers(path: str, chars: set[str]) -> bool:
    """Whether the font at ``path`` has a glyph of its own for every character of ``chars``.

    A last-resort font (matplotlib bundles "Last Resort High-Efficiency") maps every code point of a block
    to one placeholder glyph, so a charmap entry is not enough: the characters must get distinct glyphs.
    """
    try:
        font = FT2Font(path)
    except (OSError, RuntimeError, ValueError):
        return False
    glyphs = {font.get_char_index(ord(c)) for c in chars}
    return 0 not in glyphs and len(glyphs) == len(chars)


def report_chinese() -> set[str]:
    """The Chinese characters of the report's labels: what a chart font must draw."""
    return {c for texts in TEXT.values() for c in texts["zh"] if ord(c) > 0x2E7F}


@cache
def cjk_font() -> str | None:
    """The family name of an installed font that really draws every Chinese character of the report's
    labels, or ``None`` when there is none (the charts then use English labels).

    Fonts installed after matplotlib built its font cache are picked up too (the cache is otherwise only
    rebuilt when matplotlib's version changes).
    """
    needed = report_chinese()
    manager = font_manager.fontManager
    known = {f.fname for f in manager.ttflist}
    for path in font_manager.findSystemFonts():
        if path not in known and path.lower().endswith((".ttf", ".otf", ".ttc")):
            try:
                manager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    candidates = sorted(
        {(f.name, f.fname) for f in manager.ttflist},
        key=lambda nf: (CJK_FAMILIES.index(nf[0]) if nf[0] in CJK_FAMILIES else len(CJK_FAMILIES), nf),
    )
    for name, path in candidates:
        if _covers(path, needed):
            return name
    return None


def families(family: str | None) -> list[str]:
    """The ``font.family`` list: the CJK font first when there is one, then the Latin fallback.

    Always a list of names: a single string is parsed as a fontconfig pattern, which fails on names such
    as "Last Resort High-Efficiency".
    """
    return [family, FALLBACK_FAMILY] if family else [FALLBACK_FAMILY]


@cache
def _glyphs(family: str | None) -> frozenset[int]:
    found: set[int] = set()
    for name in families(family):
        path = font_manager.findfont(font_manager.FontProperties(family=[name]), fallback_to_default=False)
        font = FT2Font(path)
        found |= {code for code in font.get_charmap() if font.get_char_index(code)}
    return frozenset(found)


def drawable(text: str, family: str | None) -> str:
    """``text`` with characters no available font can draw replaced by ``?`` (Hub names are untrusted)."""
    glyphs = _glyphs(family)
    return "".join(c if c == " " or (c.isprintable() and ord(c) in glyphs) else "?" for c in text)


def label_lang(lang: str, family: str | None) -> str:
    """The language of the text drawn inside a chart: the report's, or English without a CJK font."""
    return lang if family or lang == "en" else "en"


def short_name(model_id: str, limit: int = 28) -> str:
    """The part after the organisation, shortened for chart labels."""
    name = model_id.rsplit("/", 1)[-1]
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata=_METADATA, bbox_inches="tight", pad_inches=0.15)
    return buf.getvalue()


def _figure(width: float = 8.0, height: float = 4.6) -> Figure:
    return Figure(figsize=(width, height))


def _count(value: float, _pos: object = None) -> str:
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:g}{suffix}"
    return f"{value:g}"


def downloads_chart(series: list[DownloadSeries], lang: str, family: str | None) -> Chart:
    ink = label_lang(lang, family)
    fig = _figure()
    ax = fig.add_subplot()
    values = [v for s in series for _, v, _ in s.points if v is not None and v > 0]
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        xs = [d for d, _, _ in s.points]
        ys = [v if v is not None and v > 0 else math.nan for _, v, _ in s.points]
        ax.plot(xs, ys, marker="o", markersize=3, linewidth=1.6, color=colour,
                label=drawable(short_name(s.model_id), family))
        bad = [(d, v) for d, v, anomalous in s.points if anomalous and v is not None and v > 0]
        if bad:
            ax.plot([d for d, _ in bad], [v for _, v in bad], linestyle="none", marker="x", markersize=9,
                    markeredgewidth=2, color="#d62728")
    if values and max(values) / max(min(values), 1) > 50:
        ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(_count))
    ax.set_title(t("chart_downloads", ink))
    ax.set_xlabel(t("chart_downloads_x", ink))
    ax.set_ylabel(t("chart_downloads_y", ink))
    ax.grid(True, alpha=0.3)
    fig.autofmt_xdate()
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return Chart("downloads", t("chart_downloads", lang), t("chart_caption_downloads", lang), _svg(fig))


def quality_chart(points: list[QualityPoint], profile: str, lang: str, family: str | None) -> Chart:
    """Quality against parameters; the front is the rankings' own (quality, parameters and dimension), so
    marker size shows the dimension that lets a front model beat a smaller, better-looking one."""
    ink = label_lang(lang, family)
    fig = _figure()
    ax = fig.add_subplot()
    dims = [p.embed_dim for p in points if p.embed_dim]
    largest = max(dims, default=1)

    def size(p: QualityPoint) -> float:
        return 14 + 90 * ((p.embed_dim or 0) / largest)

    front = sorted((p for p in points if p.pareto), key=lambda p: (p.params, p.model_id))
    others = [p for p in points if not p.pareto]
    ax.scatter([p.params for p in others], [p.quality for p in others], s=[size(p) for p in others],
               color="#9aa4ae", alpha=0.8, label=t("chart_others", ink), zorder=2)
    ax.scatter([p.params for p in front], [p.quality for p in front], s=[size(p) for p in front],
               color="#d62728", label=t("chart_pareto", ink), zorder=4)
    for p in front:
        ax.annotate(drawable(short_name(p.model_id, 24), family), (p.params, p.quality),
                    textcoords="offset points", xytext=(5, 5), fontsize=7.5, color="#8b1a1a")
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(_count))
    ax.set_title(t("chart_quality", ink, profile=profile))
    ax.set_xlabel(t("chart_quality_x", ink))
    ax.set_ylabel(t("chart_quality_y", ink))
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return Chart("quality", t("chart_quality", lang, profile=profile), t("chart_caption_quality", lang), _svg(fig))


def bump_chart(series: list[RankSeries], profile: str, lang: str, family: str | None) -> Chart:
    ink = label_lang(lang, family)
    fig = _figure()
    ax = fig.add_subplot()
    worst = 1
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        xs = [d for d, _ in s.points]
        ys = [r if r is not None else math.nan for _, r in s.points]
        worst = max([worst] + [r for r in ys if not math.isnan(r)])
        ax.plot(xs, ys, marker="o", markersize=4, linewidth=2, color=colour)
        last = next(((d, r) for d, r in reversed(s.points) if r is not None), None)
        if last:
            ax.annotate(drawable(short_name(s.model_id, 24), family), last, textcoords="offset points",
                        xytext=(6, 0), va="center", fontsize=8, color=colour)
    ax.set_ylim(worst + 0.5, 0.5)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    weeks = sorted({d for s in series for d, _ in s.points})
    ax.set_xticks(weeks, [week_of(d) for d in weeks])
    ax.set_title(t("chart_bump", ink, profile=profile))
    ax.set_xlabel(t("chart_bump_x", ink))
    ax.set_ylabel(t("chart_bump_y", ink))
    ax.grid(True, axis="x", alpha=0.3)
    ax.margins(x=0.22)
    fig.autofmt_xdate()
    n = len(series)
    return Chart("bump", t("chart_bump", lang, profile=profile), t("chart_caption_bump", lang, n=n), _svg(fig))


def types_chart(rows: list[BoardRow], lang: str, family: str | None) -> Chart:
    ink = label_lang(lang, family)
    fig = _figure(7.0, 5.6)
    ax = fig.add_subplot(projection="polar")
    labels = [t(f"type_{c}", ink) for c in TYPE_COLUMNS]
    angles = [2 * math.pi * i / len(labels) for i in range(len(labels))]
    for i, row in enumerate(rows):
        colour = PALETTE[i % len(PALETTE)]
        values = [float(row.types[c]) for c in TYPE_COLUMNS]
        ax.plot(angles + angles[:1], values + values[:1], linewidth=1.6, color=colour,
                label=drawable(short_name(row.model_id or row.model_name), family))
        ax.fill(angles + angles[:1], values + values[:1], color=colour, alpha=0.06)
    ax.set_xticks(angles)
    ax.set_xticklabels(labels)
    low = min(float(r.types[c]) for r in rows for c in TYPE_COLUMNS)
    ax.set_ylim(max(0.0, math.floor(low / 10) * 10 - 10), 100)
    ax.set_title(t("chart_types", ink), pad=18)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.08, 1.05), frameon=False,
              title=t("chart_types_note", ink), title_fontsize=8)
    return Chart("types", t("chart_types", lang), t("chart_caption_types", lang), _svg(fig))


def render_charts(charts: Charts, profile: str | None, lang: str) -> dict[str, Chart | NoData]:
    """All four charts for ``lang``; a chart without data stays a :class:`NoData` for the report to show."""
    family = cjk_font()
    rc = dict(_RC, **{"font.family": families(family)})
    out: dict[str, Chart | NoData] = {}
    with matplotlib.rc_context(rc):
        out["downloads"] = charts.downloads if isinstance(charts.downloads, NoData) else downloads_chart(
            charts.downloads, lang, family)
        out["quality"] = charts.quality_size if isinstance(charts.quality_size, NoData) else quality_chart(
            charts.quality_size, profile or "", lang, family)
        out["bump"] = charts.bump if isinstance(charts.bump, NoData) else bump_chart(
            charts.bump, profile or "", lang, family)
        out["types"] = charts.type_profile if isinstance(charts.type_profile, NoData) else types_chart(
            charts.type_profile, lang, family)
    return out
