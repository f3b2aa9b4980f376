"""The Markdown report on demo-like data: every section is there, and its numbers are the warehouse's."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipeline.report.i18n import t
from pipeline.report.render import md_escape

LAST = date(2026, 8, 17)


def read(report_dir: Path, lang: str) -> str:
    return (report_dir / ("report.md" if lang == "zh" else f"report.{lang}.md")).read_text(encoding="utf-8")


def table_after(md: str, heading: str) -> list[list[str]]:
    """The body rows of the first table after the line ``heading`` (cells still Markdown-escaped)."""
    lines = md.splitlines()
    start = lines.index(heading)
    rows, seen = [], False
    for line in lines[start + 1:]:
        if line.startswith("#") and line != heading:
            break
        if line.startswith("|"):
            seen = True
            if not line.startswith("|---"):
                rows.append([c.strip() for c in _split_cells(line)])
        elif seen:
            break
    return rows[1:]  # without the header row


def _split_cells(line: str) -> list[str]:
    cells, cell, escaped = [], "", False
    for ch in line.strip()[1:-1]:
        if ch == "|" and not escaped:
            cells.append(cell)
            cell = ""
        else:
            cell += ch
        escaped = ch == "\\" and not escaped
    return cells + [cell]


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_all_sections_and_charts_are_present(report_dir, lang):
    md = read(report_dir, lang)
    for heading in (
        t("h_highlights", lang), t("h_headline", lang, n=10), t("h_movers", lang),
        t("h_board", lang, protocol="lenient"), t("h_smoke", lang),
        t("h_compare", lang, profile="balanced"), t("h_method", lang),
    ):
        assert f"## {md_escape(heading)}" in md.splitlines(), heading
    for chart in ("bump", "downloads", "quality", "types"):
        link = f"charts/{chart}.{lang}.svg"
        assert f"]({link})" in md
        assert (report_dir / link).read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert "No data" not in md and "暂无数据" not in md


def test_default_language_gets_the_plain_names_and_links_to_the_other(report_dir):
    zh, en = read(report_dir, "zh"), read(report_dir, "en")
    assert zh.startswith("# Embedding Radar 周报：2026-W34")
    assert en.startswith("# Embedding Radar weekly report: 2026-W34")
    assert "[English version](report.en.md)" in zh
    assert "[中文版](report.md)" in en
    assert "模型性能" in en and "处理速度" in en  # the criteria keep their Chinese names


@pytest.mark.parametrize("profile", ["balanced", "rag"])
def test_headline_numbers_match_the_rankings_table(report_db, report_dir, profile):
    md = read(report_dir, "en")
    heading = next(line for line in md.splitlines() if line.startswith(f"### Profile {profile}:"))
    rows = table_after(md, heading)
    expected = query(report_db, "SELECT rank, model_id, total_score, rank_change, quality FROM rankings"
                     " WHERE as_of = ? AND profile = ? ORDER BY rank LIMIT 10", [LAST, profile])
    assert len(rows) == 10
    for row, (rank, model_id, score, change, quality) in zip(rows, expected):
        assert row[0] == str(rank)
        assert row[2] == md_escape(model_id)
        assert row[3] == ("—" if quality is None else f"{quality:.2f}")
        assert row[4] == f"{score:.3f}"
        assert row[1] == ("new" if change is None else "=" if change == 0 else
                          f"▲{change}" if change > 0 else f"▼{-change}")
    conan = next(r for r in rows if r[2] == "TencentBAC/Conan-embedding-v1")
    assert conan[6] == "cc-by-nc-4.0 · no commercial use"
    xiaobu = next(r for r in rows if r[2] == "lier007/xiaobu-embedding-v2")
    assert xiaobu[6] == "— · commercial use unknown"
    pareto = {m for (m,) in query(report_db, "SELECT model_id FROM rankings WHERE as_of = ? AND profile = ?"
                                  " AND pareto AND rank <= 10", [LAST, profile])}
    assert {md_escape(m) for m in pareto} == {r[2] for r in rows if r[7] == "★"}
    assert "Not ranked: family copies: 1" in md


def test_tie_groups_show_the_ranks_they_span(report_db, report_dir):
    md = read(report_dir, "en")
    rows = table_after(md, next(line for line in md.splitlines() if line.startswith("### Profile balanced:")))
    groups = query(report_db, "SELECT tie_group, min(rank), max(rank) FROM rankings WHERE as_of = ?"
                   " AND profile = 'balanced' GROUP BY 1 HAVING count(*) > 1 AND min(rank) <= 10", [LAST])
    assert groups, "the fixture should contain ties"
    for _, lo, hi in groups:
        for rank in range(lo, min(hi, 10) + 1):
            assert rows[rank - 1][5] == md_escape(f"#{lo}–#{hi}")


def test_movers_match_download_trends(report_db, report_dir, rows):
    md = read(report_dir, "en")
    growth = table_after(md, "### " + t("h_growth", "en", min=100))
    expected = query(report_db, "SELECT model_id, downloads_7d, wow_growth FROM download_trends WHERE as_of = ?"
                     " AND wow_growth > 0 AND downloads_7d >= 100 AND anomaly IS NULL"
                     " ORDER BY wow_growth DESC, model_id LIMIT 10", [LAST])
    assert [(r[0], r[1], r[3]) for r in growth] == [
        (md_escape(m), f"{round(d):,}", f"{g * 100:+.1f}%") for m, d, g in expected]
    new = table_after(md, "### " + t("h_new", "en", n=2))
    assert {r[0] for r in new} == {md_escape("infgrad/Jasper-Token-Compression-600M"), md_escape(rows.HOSTILE)}
    anomalies = table_after(md, "### " + t("h_anomalies", "en"))
    assert [(r[0], r[-1]) for r in anomalies] == [("thenlper/gte-large-zh", "spike (robust z-score)")]
    fading = table_after(md, "### " + t("h_fading", "en"))
    assert {r[0] for r in fading} == {"shibing624/text2vec-base-chinese", "moka-ai/m3e-base"}


def test_leaderboard_matches_cmteb_leaderboard_and_changes(report_db, report_dir):
    md = read(report_dir, "en")
    top = table_after(md, "### " + t("h_board_top", "en", n=10))
    expected = query(report_db, "SELECT borda_rank, coalesce(model_id, model_name), mean_task, retrieval, n_tasks,"
                     " tasks_expected FROM cmteb_leaderboard WHERE snapshot_date = ? AND protocol = 'lenient'"
                     " ORDER BY borda_rank LIMIT 10", [LAST])
    assert [(r[0], r[1], r[2], r[4], r[-1]) for r in top] == [
        (str(b), md_escape(m), f"{mean:.2f}", f"{ret:.2f}", f"{n}/{e}") for b, m, mean, ret, n, e in expected]
    new = {r[0]: r[1] for r in table_after(md, "### " + t("h_new_results", "en"))}
    assert new == {
        "IEITYuan/Yuan-embedding-2.0-zh": "new model, new task results: 31, full mean for the first time",
        "infgrad/Jasper-Token-Compression-600M": "new model, new task results: 31, full mean for the first time",
        md_escape("richinfoai/ritrieve_zh_v1"): "new task results: 6, full mean for the first time",
        "TencentBAC/Conan-embedding-v1": "changed results: 1",
    }
    moves = table_after(md, "### " + t("h_rank_moves", "en"))
    stored = query(report_db, "SELECT model_name, new_rank, old_rank FROM cmteb_changes WHERE change_type = 'rank_move'"
                   " AND protocol = 'lenient' ORDER BY abs(new_rank - old_rank) DESC, new_rank LIMIT 10")
    assert [r[:3] for r in moves] == [[md_escape(m), str(n), str(o)] for m, n, o in stored]
    assert moves[0] == [md_escape("richinfoai/ritrieve_zh_v1"), "3", "11", "▲8"]
    assert "Compared with the snapshot of 2026-08-03." in md
    assert "Protocol: lenient:" in md


def test_coverage_gaps_name_popular_unevaluated_and_unknown_models(report_dir):
    md = read(report_dir, "en")
    popular = next(line for line in md.splitlines() if line.startswith("Popular on the Hub but never evaluated"))
    assert popular.endswith(": 2 (by 30-day downloads, first 2 shown).")
    gaps = table_after(md, popular)
    assert gaps[0] == ["BAAI/bge-m3", "434,619"]
    assert not any("GGUF" in r[0] for r in gaps)  # a quantized copy is not a gap of its own
    unknown = "Evaluated but unknown on the Hub: 1 (first 1 shown)."
    assert table_after(md, unknown) == [["openai/text-embedding-ada-002", "31", "52.74", "12"]]


def test_smoke_tests_show_passes_failures_reasons_speed_and_memory(report_dir):
    md = read(report_dir, "en")
    smoke = table_after(md, "## " + t("h_smoke", "en"))
    assert [(r[0], r[1]) for r in smoke] == [
        ("radar-test/tiny-zh-embed", "passed"), ("DMetaSoul/Dmeta-embedding-zh-small", "passed"),
        ("moka-ai/m3e-base", "passed"), ("BAAI/bge-large-zh-v1.5", "passed"), ("Qwen/Qwen3-Embedding-0.6B", "passed"),
        (md_escape("sentence-transformers/all-MiniLM-L6-v2"), "failed"),
        ("TencentBAC/Conan-embedding-v1", "refused"), ("Kingsoft-LLM/QZhou-Embedding-Zh", "skipped"),
    ]
    dmeta, m3e, minilm, conan, qzhou = smoke[1], smoke[2], smoke[5], smoke[6], smoke[7]
    # tested months later by the wall clock, for the replayed snapshot of 2026-08-17: it belongs to this week
    assert dmeta[2:4] == ["2026-08-17", "190.0"]
    assert m3e[2:8] == ["2026-08-16", "128.2", "2.1", "820", "768", "0.1%"]  # the later budget skip hides nothing
    assert minilm[-2:] == ["a check failed", md_escape("failed checks: unk_rate")]
    assert minilm[7] == "62.0%"
    assert conan[-2:] == ["needs remote code, refused", md_escape("loading needs trust_remote_code")]
    assert qzhou[-2:] == ["larger than the per-model download limit",
                          md_escape("needs 15,160.0 MB > smoke.max_model_mb = 1500")]
    assert m3e[-2:] == ["—", "—"]
    assert "9 models (5 passed, 1 failed, 1 not available, 1 refused, 1 skipped)." in md
    assert "Measured on: Test CPU @ 2.0GHz, threads=2, batch=32." in md
    zh = read(report_dir, "zh")
    assert "共 9 个模型（5 个通过，1 个失败，1 个无法获取权重，1 个拒绝加载，1 个跳过）" in zh


def test_weights_the_endpoint_does_not_serve_are_listed_apart_never_as_failures(report_dir):
    md = read(report_dir, "en")
    tested = [r[0] for r in table_after(md, "## " + t("h_smoke", "en"))]
    assert "lier007/xiaobu-embedding-v2" not in tested
    apart = table_after(md, "### " + t("h_unavailable", "en", n=1))
    assert apart == [["lier007/xiaobu-embedding-v2", "2026-08-17", "this endpoint serves no weight file",
                      "this endpoint lists no weight file for the repository"]]
    zh = read(report_dir, "zh")
    assert "### " + t("h_unavailable", "zh", n=1) in zh and "此端点不提供权重文件" in zh


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_test_repositories_appear_only_in_the_smoke_section(report_dir, rows, lang):
    md = read(report_dir, lang)
    smoke_start = md.index("## " + t("h_smoke", lang))
    smoke_end = md.index("\n## ", smoke_start + 1)
    assert rows.FIXTURE in md[smoke_start:smoke_end]
    assert rows.FIXTURE not in md[:smoke_start] + md[smoke_end:]  # not a gap, a mover, a highlight or ranked


def test_top5_comparison_matches_criteria_scores(report_db, report_dir, rows):
    md = read(report_dir, "en")
    table = table_after(md, "## " + t("h_compare", "en", profile="balanced"))
    models = [m for (m,) in query(report_db, "SELECT model_id FROM rankings WHERE as_of = ? AND profile = 'balanced'"
                                  " ORDER BY rank LIMIT 5", [LAST])]
    scores = {(m, c): s for m, c, s in query(
        report_db, "SELECT model_id, criterion, score FROM criteria_scores WHERE as_of = ? AND profile = 'balanced'",
        [LAST])}
    assert [r[0] for r in table[:8]] == [md_escape(t_) for t_ in (
        "模型性能 (performance)", "处理速度 (speed)", "向量维度 (vector dimension)", "适用性 (fit for the task)",
        "训练数据和方法 (training data and method)", "可扩展性 (scalability)", "兼容性 (compatibility)",
        "社区和支持 (community and support)")]
    speed = table[1]
    for i, model in enumerate(models):
        cell = speed[2 + i]
        if model == rows.UNKNOWN_SPEED:
            assert cell == "unknown"  # missing is shown as unknown, never as a zero
        else:
            assert cell.lstrip("≈").startswith(f"{scores[(model, 'speed')]:.2f} (")
            assert cell.startswith("≈") == (model not in ("BAAI/bge-large-zh-v1.5",))  # measured: a passed smoke test
    assert table[-1][0] == "Total score"


def test_method_names_sources_dates_and_what_is_synthetic_or_estimated(report_dir, rows, cfg):
    md = read(report_dir, "en")
    # a bare URL is escaped (rendered as the same text, never as an automatic link)
    endpoint = rows.HUB_ENDPOINT.replace('://', chr(92) + '://')
    assert f"Hub snapshot: 2026-08-17, from {endpoint} (the replay Hub, which declares synthetic data)." in md
    assert "- ⚠ Synthetic data: the downloads, all-time downloads, likes, trending scores in this report" in md
    assert f"C-MTEB snapshot: 2026-08-17, MTEB results source commit {rows.MTEB_COMMIT}." in md
    assert rows.MTEB_PREVIOUS not in md
    assert "latest smoke test 2026-08-18" in md
    assert ("Estimated rather than measured (top 10 of the balanced profile): 处理速度 (speed): BAAI/bge-m3,"
            " Qwen/Qwen3-Embedding-0.6B,") in md
    assert "| balanced | 27% | 9% | 9% | 9% | 9% | 9% | 9% | 18% |" in md  # 3:1:1:1:1:1:1:2, as stored
    assert "| rag | 17% |" in md and "| cpu-edge |" not in md  # 2 of 12 weight points; only the profiles used
    assert "| hub | nulled | 1 |" in md
    assert "radar report --week 2026-W34 --lang en" in md


def test_highlights_lead_with_the_news(report_dir):
    md = read(report_dir, "en")
    assert "- \\#1 in the balanced profile: BAAI/bge-large-zh-v1.5 (unchanged)." in md
    assert "Fastest download growth: IEITYuan/Yuan-embedding-2.0-zh (+30.0% week over week)." in md
    assert ("Licence alert: 2 of the top 10 in the balanced profile are not known to allow commercial use:"
            " TencentBAC/Conan-embedding-v1, lier007/xiaobu-embedding-v2.") in md
    zh = read(report_dir, "zh")
    assert "- balanced 方案第一名：BAAI/bge-large-zh-v1.5（排名未变）。" in zh


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_first_screen_warns_that_the_hub_numbers_are_synthetic(report_dir, lang):
    md = read(report_dir, lang)
    first_screen = md[: md.index("## " + t("h_highlights", lang))]
    banner = {"en": "> **⚠ Synthetic data: the downloads, all-time downloads, likes, trending scores in this report come"
                    " from the replay Hub (demo data), not from the real Hugging Face Hub",
              "zh": "> **⚠ 合成数据：本报告中的下载量、累计下载量、点赞数、趋势分数来自回放 Hub（演示数据），并非真实的 Hugging Face Hub"}
    assert banner[lang] in first_screen
    assert ("Assigned by rule, not observed: some tags" if lang == "en" else "按规则生成而非观测：部分标签") in first_screen
    page = (report_dir / ("report.html" if lang == "zh" else "report.en.html")).read_text(encoding="utf-8")
    assert page.index('<p class="notice" role="note"><strong>⚠') < page.index("<h2>")
