"""``radar demo`` end to end, as the README runs it, on the bundled data: what a new user sees.

One run of the real command (``.venv/bin/radar demo``, no arguments) in an empty working directory with a
fresh Prefect home; the tests read its output, its warehouse and its report the way a user would. Expected
values come from the recorded data (``data/demo/hub``), not from the code under test. A second check
rebuilds the report on a machine without any CJK font: a mount namespace hides the system font folders
(root and ``unshare`` needed, else skipped with the reason). Run with ``pytest -m e2e``; the demo takes about
two and a half minutes on 2 cores.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from pipeline.config import load_config
from pipeline.report.i18n import t
from tests.conftest import Demo as SessionDemo

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
HUB_DATA = ROOT / "data" / "demo" / "hub"
DEMO_CONFIG = ROOT / "data" / "demo" / "radar.demo.toml"
WEEK = "2026-W48"
SERVED = ("radar-test/", "sentence-transformers/all-MiniLM-L6-v2")
"""The repositories whose files the demo's replay Hub serves (built locally, or from a PyPI package)."""
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "/usr/X11R6/lib/X11/fonts", "/usr/X11/lib/X11/fonts",
             "/usr/lib/openoffice/share/fonts/truetype", str(Path.home() / ".fonts"),
             str(Path.home() / ".local/share/fonts"))


class Demo(SessionDemo):
    def sql(self, query: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.db), read_only=True) as con:
            return con.execute(query, params or []).fetchall()

    def report(self, lang: str) -> str:
        name = "report.md" if lang == "zh" else f"report.{lang}.md"
        return (self.cwd / "reports" / WEEK / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def demo(demo_run: SessionDemo) -> Demo:
    """The session's one ``radar demo`` run (tests/conftest.py), read through this module's helpers."""
    return Demo(demo_run.cwd, demo_run.env, demo_run.stdout, demo_run.seconds)


def _section(md: str, heading: str) -> tuple[str, str]:
    """(the section under ``heading``, the rest of the report)."""
    start = md.index(heading)
    end = md.find("\n## ", start + 1)
    end = len(md) if end < 0 else end
    return md[start:end], md[:start] + md[end:]


def test_the_demo_says_where_its_results_are_and_its_smoke_counts_add_up(demo: Demo):
    out = " ".join(demo.stdout.split())
    assert "Demo finished" in out and f"Warehouse: {demo.cwd / 'data' / 'radar.duckdb'}" in out
    for name in ("report.md", "report.html", "report.en.md", "report.en.html"):
        assert str(demo.cwd / "reports" / WEEK / name) in out
    counts = re.search(r"(\d+) models as of 2026-11-26: (\d+) passed, (\d+) failed, (\d+) not available, "
                       r"(\d+) refused, (\d+) skipped", out)
    assert counts, out[-2000:]
    total, *parts = map(int, counts.groups())
    assert total == sum(parts) == demo.sql("SELECT count(*) FROM smoke_results")[0][0]


def test_every_recorded_date_has_the_models_the_hub_listed(demo: Demo):
    # every default Hub query filters on the zh tag: per date, the recorded rows of models tagged zh
    tagged = {m["id"] for m in map(json.loads, (HUB_DATA / "models.jsonl").read_text().splitlines())
              if "zh" in (m.get("tags") or [])}
    with (HUB_DATA / "history.csv").open(newline="") as f:
        expected = Counter(r["date"] for r in csv.DictReader(f) if r["model_id"] in tagged)
    stored = {str(d): n for d, n in demo.sql("SELECT snapshot_date, count(*) FROM model_snapshots GROUP BY 1")}
    assert stored == dict(expected) and len(stored) == 14


def test_every_profile_is_ranked_and_in_the_report(demo: Demo):
    profiles = list(load_config(DEMO_CONFIG, env={}).profiles)
    ranked = dict(demo.sql("SELECT profile, count(*) FROM rankings WHERE as_of = DATE '2026-11-26'"
                           " AND rank IS NOT NULL GROUP BY 1"))
    assert set(ranked) == set(profiles) and min(ranked.values()) >= 10
    for lang in ("zh", "en"):
        headline, _ = _section(demo.report(lang), "## " + t("h_headline", lang, n=10))
        for profile in profiles:
            assert re.search(rf"^### .*{profile}.*\n\n\|.*\n\|---.*\n\| 1 \|", headline, re.M), (lang, profile)


def test_the_report_exists_in_both_languages_with_its_charts(demo: Demo):
    week = demo.cwd / "reports" / WEEK
    for name in ("report.md", "report.html", "report.en.md", "report.en.html"):
        assert (week / name).stat().st_size > 10_000, name
    charts = {p.name for p in (week / "charts").iterdir()}
    assert charts == {f"{c}.{lang}.svg" for c in ("bump", "downloads", "quality", "types") for lang in ("zh", "en")}
    assert "[English version](report.en.md)" in demo.report("zh") and "(report.md)" in demo.report("en")


def test_smoke_results_belong_to_the_replayed_week_and_feed_its_criteria(demo: Demo):
    assert demo.sql("SELECT DISTINCT snapshot_date FROM smoke_results") == [(demo.sql(
        "SELECT max(snapshot_date) FROM model_snapshots")[0][0],)]
    measured = dict(demo.sql(
        "SELECT model_id, raw_value FROM criteria_scores WHERE as_of = DATE '2026-11-26' AND profile = 'balanced'"
        " AND criterion = 'speed' AND NOT estimated AND source = 'smoke test 2026-11-26'"))
    assert {"radar-test/tiny-zh-embed", "radar-test/tiny-zh-embed-lexical"} <= set(measured)
    assert all(v > 0 for v in measured.values())
    for lang in ("zh", "en"):
        smoke, _ = _section(demo.report(lang), "## " + t("h_smoke", lang))
        assert "| radar-test/tiny-zh-embed | " + t("status_passed", lang) + " | 2026-11-26 |" in smoke
        assert t("nodata_empty", lang, table="smoke_results", end="2026-11-29")[:10] not in smoke


def test_no_repository_without_served_weights_is_counted_as_failed(demo: Demo):
    failed = [m for (m,) in demo.sql("SELECT model_id FROM smoke_results WHERE status = 'failed'")]
    assert failed and all(m.startswith(SERVED) for m in failed)
    unavailable = dict(demo.sql("SELECT model_id, failure_class FROM smoke_results WHERE status = 'unavailable'"))
    real = [m for m in unavailable if not m.startswith(SERVED)]
    assert len(real) >= 4 and set(unavailable.values()) == {"no_weights"}   # the top real models
    en, _ = _section(demo.report("en"), "## " + t("h_smoke", "en"))
    apart = en[en.index("### " + t("h_unavailable", "en", n=len(unavailable))):]
    assert all(m in apart for m in real)


def test_radar_top_and_the_reports_first_screen_say_the_hub_numbers_are_synthetic(demo: Demo):
    top = demo.radar("top", "--profile", "rag", "-n", "10")
    assert top.returncode == 0, top.stderr
    assert top.stdout.startswith("⚠ SYNTHETIC DATA: the downloads")
    for lang in ("zh", "en"):
        md = demo.report(lang)
        first_screen = md[: md.index("## " + t("h_highlights", lang))]
        assert "> **⚠ " in first_screen, lang


def test_test_repositories_appear_nowhere_but_in_the_smoke_section(demo: Demo):
    assert demo.sql("SELECT count(*) FROM rankings WHERE model_id LIKE 'radar-test/%'") == [(0,)]
    assert demo.sql("SELECT count(*) FROM download_trends WHERE model_id LIKE 'radar-test/%'") == [(0,)]
    assert demo.sql("SELECT count(*) FROM cmteb_gap_not_evaluated WHERE model_id LIKE 'radar-test/%'") == [(0,)]
    top = demo.radar("top", "--profile", "cpu-edge", "-n", "50")
    assert top.returncode == 0 and "radar-test/" not in top.stdout
    for lang in ("zh", "en"):
        smoke, rest = _section(demo.report(lang), "## " + t("h_smoke", lang))
        assert "radar-test/" in smoke and "radar-test/" not in rest, lang


def _without_fonts() -> list[str]:
    """A command prefix that runs its command where no system font folder is visible."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("hiding the system fonts needs root and unshare (a private mount namespace)")
    hide = " && ".join(f"mount -t tmpfs none {d}" for d in FONT_DIRS if Path(d).is_dir())
    probe = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", f"{hide} && fc-list | wc -l"],
                           capture_output=True, text=True)
    if probe.returncode != 0 or probe.stdout.strip() != "0":
        pytest.skip(f"cannot hide the system fonts here: {probe.stderr.strip() or probe.stdout.strip()}")
    return ["unshare", "-m", "--propagation", "private", "sh", "-c", f'{hide} && exec "$0" "$@"']


def test_without_a_cjk_font_the_report_is_still_built_with_one_warning(demo: Demo, tmp_path: Path):
    wrap = _without_fonts()
    env = {**demo.env, "MPLCONFIGDIR": str(tmp_path / "mpl")}   # matplotlib scans the fonts afresh
    rebuilt = demo.radar("report", "--week", WEEK, env=env, wrap=wrap)
    assert rebuilt.returncode == 0, rebuilt.stdout[-2000:] + rebuilt.stderr[-2000:]
    said = rebuilt.stdout + rebuilt.stderr
    assert said.count("no installed font can draw Chinese") == 1
    assert "apt-get install -y fonts-wqy-microhei" in said
    chart = (demo.cwd / "reports" / WEEK / "charts" / "downloads.zh.svg").read_text(encoding="utf-8")
    assert "Weekly downloads of the top models" in chart
    assert "> **⚠ 合成数据" in demo.report("zh")
