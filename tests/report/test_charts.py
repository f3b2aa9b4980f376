"""Charts: a real CJK font or a clear error, stable bytes, untrusted labels drawn as plain text."""

from __future__ import annotations

from datetime import date

import pytest
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

from pipeline.report import charts
from pipeline.report.charts import FontError, cjk_font, render_charts
from pipeline.report.model import Charts, DownloadSeries, NoData, QualityPoint, RankSeries


def test_the_chosen_font_draws_the_chinese_labels():
    family = cjk_font()
    path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    charmap = FT2Font(path).get_charmap()
    assert all(ord(c) in charmap for c in "排名靠前模型的每周下载量帕累托前沿语义相似度")


def test_without_a_cjk_font_the_error_says_what_to_install(monkeypatch):
    latin_only = font_manager.FontManager.__new__(font_manager.FontManager)
    latin_only.ttflist = [f for f in font_manager.fontManager.ttflist if f.name == "DejaVu Sans"]
    latin_only.addfont = lambda path: None
    monkeypatch.setattr(font_manager, "fontManager", latin_only)
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [])
    with pytest.raises(FontError, match="apt-get install -y fonts-wqy-microhei"):
        cjk_font.__wrapped__()


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
