"""Charts: a real CJK font, or English labels and one warning without one; stable bytes; untrusted labels
drawn as plain text."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import matplotlib
import pytest
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

from pipeline.report import charts
from pipeline.report.build import build_report
from pipeline.report.charts import NO_CJK_FONT, cjk_font, render_charts
from pipeline.report.model import Charts, DownloadSeries, NoData, QualityPoint, RankSeries

BUNDLED = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
"""The fonts matplotlib ships: DejaVu, STIX, Computer Modern and the Last Resort placeholder font."""


def _clear_font_caches() -> None:
    cjk_font.cache_clear()
    charts._glyphs.cache_clear()
    font_manager.FontManager._findfont_cached.cache_clear()


@pytest.fixture
def bundled_fonts_only(monkeypatch) -> Iterator[font_manager.FontManager]:
    """The machine of a pip-only install: matplotlib's real font manager, its list cut to the fonts that
    matplotlib itself ships, and its system-font scan (the real function) pointed at that folder only."""
    manager = font_manager.fontManager
    monkeypatch.setattr(manager, "ttflist", [f for f in manager.ttflist if Path(f.fname).parent == BUNDLED])
    monkeypatch.setattr(font_manager, "findSystemFonts",
                        functools.partial(font_manager.findSystemFonts, fontpaths=[str(BUNDLED)]))
    _clear_font_caches()
    yield manager
    _clear_font_caches()


def test_the_chosen_font_draws_the_chinese_labels():
    family = cjk_font()
    path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    charmap = FT2Font(path).get_charmap()
    assert all(ord(c) in charmap for c in "排名靠前模型的每周下载量帕累托前沿语义相似度")


def test_a_last_resort_font_is_not_a_cjk_font(bundled_fonts_only):
    # matplotlib's Last Resort font has a charmap entry for every code point (it once passed for a CJK font
    # and then broke the report: its hyphenated name was parsed as a fontconfig pattern), but one
    # placeholder glyph per Unicode block.
    last_resort = next(f for f in bundled_fonts_only.ttflist if f.name.startswith("Last Resort"))
    font = FT2Font(last_resort.fname)
    chinese = charts.report_chinese()
    charmap = font.get_charmap()   # once: over a million entries
    assert all(ord(c) in charmap for c in chinese)
    assert len({font.get_char_index(ord(c)) for c in chinese}) < len(chinese) / 10
    assert cjk_font() is None


def test_without_a_cjk_font_the_report_is_built_with_english_chart_labels_and_one_warning(
        bundled_fonts_only, report_db, cfg, tmp_path):
    built = build_report(report_db, cfg, reports_dir=tmp_path)
    assert built.warnings == [NO_CJK_FONT]
    assert "apt-get install -y fonts-wqy-microhei" in NO_CJK_FONT
    out = tmp_path / built.week
    assert {p.name for p in built.files} >= {"report.md", "report.html", "report.en.md", "report.en.html"}
    zh_chart = (out / "charts" / "downloads.zh.svg").read_text(encoding="utf-8")
    assert "Weekly downloads" in zh_chart and "下载" not in zh_chart  # drawn text is kept as SVG comments
    assert zh_chart == (out / "charts" / "downloads.en.svg").read_text(encoding="utf-8")
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "排名靠前模型的每周下载量" in markdown  # the caption outside the image stays Chinese


def _hostile_charts() -> Charts:
    days = [date(2026, 8, 3), date(2026, 8, 10), date(2026, 8, 17)]
    names = ["org/$\\frac{a}{b}$ model", "org/\u202egnp.exe", "org/<b>bold</b> 模型 🚀"]
    return Charts(
        downloads=[DownloadSeries(n, [(d, 1000 * (i + 1), d == days[-1]) for d in days]) for i, n in enumerate(names)],
        quality_size=[QualityPoint(n, 60 + i, 10 ** (8 + i), 768, i == 0) for i, n in enumerate(names)],
        bump=[RankSeries(n, [(d, i + 1) for d in days]) for i, n in enumerate(names)],
        type_profile=NoData("cmteb_leaderboard", "empty"),
    )


def test_untrusted_labels_are_plain_text_and_output_is_stable():
    first = render_charts(_hostile_charts(), "balanced", "zh")
    second = render_charts(_hostile_charts(), "balanced", "zh")
    assert isinstance(first["types"], NoData)
    for key in ("downloads", "quality", "bump"):
        svg = first[key].svg
        assert svg == second[key].svg
        assert "<dc:date>" not in svg and "Matplotlib v" not in svg
        assert "<b>" not in svg and "<script" not in svg
    assert charts.drawable("org/\u202egnp 🚀", cjk_font()) == "org/?gnp ?"
