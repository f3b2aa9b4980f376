"""The HTML report in a real headless Chromium: it renders, its charts decode, and it fetches nothing.

Chromium is Debian's ``chromium`` package (``scripts/setup.sh --with-browser`` installs it). Set
``RADAR_REPORT_SCREENSHOT_DIR`` to keep the screenshots (docs/report.md shows how to take one by hand).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html import escape
from pathlib import Path

import matplotlib.image
import pytest

from pipeline.report.render import CSP

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium, or scripts/setup.sh --with-browser)")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]

PROBE = """<script nonce="radar-probe">
window.addEventListener("load", () => {
  const images = [...document.images].map(i => [i.closest("figure").id, i.complete, i.naturalWidth, i.naturalHeight]);
  document.body.setAttribute("data-probe", JSON.stringify(images));
});
</script>"""


def chromium(tmp_path: Path, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *extra, url],
                          capture_output=True, text=True, timeout=120, check=False)


def page_requests(net_log: Path) -> list[str]:
    """URLs the page itself asked for: requests with an initiator (the browser's own background
    requests carry ``not an origin``; navigating to the file is not a network request)."""
    log = json.loads(net_log.read_text(encoding="utf-8"))
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return sorted({
        e["params"]["url"] for e in log["events"]
        if e["type"] == start_job and "url" in e.get("params", {})
        and e["params"].get("initiator", "not an origin") != "not an origin"
    })


@pytest.mark.parametrize("name", ["report.html", "report.en.html"])
def test_report_renders_with_its_charts_and_fetches_nothing(report_dir, tmp_path, name):
    page = report_dir / name
    shot, net_log = tmp_path / f"{page.stem}.png", tmp_path / "net.json"
    run = chromium(tmp_path, page.as_uri(), "--window-size=1280,9000", f"--screenshot={shot}",
                   f"--log-net-log={net_log}")
    assert shot.is_file(), run.stderr[-2000:]
    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[:2] == (9000, 1280)
    assert pixels[:1500].std() > 0.05  # text and tables, not a blank page
    assert page_requests(net_log) == []
    if os.environ.get("RADAR_REPORT_SCREENSHOT_DIR"):
        target = Path(os.environ["RADAR_REPORT_SCREENSHOT_DIR"])
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, target / shot.name)

    # The same page with a probe script allowed by a nonce: every chart decoded to a real size.
    html = page.read_text(encoding="utf-8")
    policy = escape(CSP)
    assert policy in html
    probed = html.replace(policy, escape(CSP + "; script-src 'nonce-radar-probe'"), 1).replace("</body>", PROBE + "</body>", 1)
    probe_page = tmp_path / name
    probe_page.write_text(probed, encoding="utf-8")
    run = chromium(tmp_path, probe_page.as_uri(), "--dump-dom", "--virtual-time-budget=5000")
    match = re.search(r'data-probe="([^"]*)"', run.stdout)
    assert match, run.stderr[-2000:]
    images = json.loads(match.group(1).replace("&quot;", '"'))
    assert [i[0] for i in images] == ["chart-bump", "chart-downloads", "chart-quality", "chart-types"]
    for figure, complete, width, height in images:
        assert complete and width > 300 and height > 200, figure


def test_the_network_check_catches_a_page_that_fetches(tmp_path):
    """The detector above is not vacuous: a page with an external image is caught."""
    page = tmp_path / "leaky.html"
    page.write_text('<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/pixel.png"></body></html>',
                    encoding="utf-8")
    net_log = tmp_path / "net.json"
    chromium(tmp_path, page.as_uri(), "--dump-dom", f"--log-net-log={net_log}", "--virtual-time-budget=3000")
    assert page_requests(net_log) == ["http://127.0.0.1:9/pixel.png"]
