"""Provenance is data: a Hub snapshot records what produced it from what the source says about itself.

The replay Hub announces itself (``X-Radar-Replay-Hub``); the real Hub and mirrors never do. A mirror is
played here by a pass-through proxy on 127.0.0.1 in front of the replay Hub that drops the announcement, as
any real mirror would present itself: the same host as the replay Hub, so nothing can be guessed from the
host name. The same data through both: the replay snapshot gets the synthetic-data banner in ``radar top``
and in the report, the mirror's gets none.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.provenance import REPLAY_HEADER, describe_source
from pipeline.report.build import build_report
from pipeline.report.i18n import t
from pipeline.shortlist import render_top
from tests.conftest import REPLAY_DATES
from tests.scores.helpers import score
from warehouse import db

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


class _Mirror(BaseHTTPRequestHandler):
    """Forward every request to the upstream Hub and its answer back, without the replay announcement."""

    protocol_version = "HTTP/1.1"
    upstream: tuple[str, int]

    def do_GET(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        upstream = http.client.HTTPConnection(*self.upstream, timeout=30)
        try:
            upstream.request(self.command, self.path, body or None,
                             {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP})
            answer = upstream.getresponse()
            payload = answer.read()
        finally:
            upstream.close()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in HOP_BY_HOP | {REPLAY_HEADER.lower(), "content-length"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_HEAD = do_GET

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def mirror(replay_hub) -> Iterator[str]:
    handler = type("Mirror", (_Mirror,), {"upstream": ("127.0.0.1", int(replay_hub.url.rsplit(":", 1)[1]))})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_source_is_what_it_says_it_is_never_what_its_host_looks_like():
    assert describe_source("https://huggingface.co/", set()) == describe_source("https://huggingface.co", ())
    hub = describe_source("https://huggingface.co", ())
    assert (hub.kind, hub.name, hub.synthetic_fields) == ("hub", "huggingface.co", ())
    local_mirror = describe_source("http://user:hf_secret@127.0.0.1:8080/hf", ())
    assert (local_mirror.kind, local_mirror.name, local_mirror.synthetic_fields) == (
        "mirror", "http://127.0.0.1:8080/hf", ())
    assert "hf_secret" not in repr(local_mirror)
    replay = describe_source("https://mirror.example.org", {"synthetic=downloads,likes,bogus; by-rule=tags,\x1b[2Jx"})
    assert (replay.kind, replay.synthetic_fields, replay.rule_fields) == ("replay", ("downloads_30d", "likes"), ("tags",))
    assert replay.announced is not None and "\x1b" not in replay.announced


def _snapshots(endpoint: str, replay_hub, config: str, warehouse: Path) -> None:
    from flows.hub_snapshot import hub_snapshot

    for day in REPLAY_DATES:
        replay_hub.as_of = day
        hub_snapshot(snapshot_date=day, config_path=config, db_path=str(warehouse), endpoint=endpoint)


def _first_screen(report_dir: Path, lang: str) -> str:
    md = (report_dir / ("report.md" if lang == "zh" else "report.en.md")).read_text(encoding="utf-8")
    return md[: md.index("## " + t("h_highlights", lang))]


def test_replay_snapshots_carry_the_banner_and_a_mirrors_do_not(prefect_backend, replay_hub, mirror, tmp_path):
    config = tmp_path / "radar.toml"
    config.write_text('[hub]\n[[hub.queries]]\nname = "zh"\nfilter = ["zh"]\n'
                      '[smoke]\nfixtures = ["replay-test/tiny-*"]\n', encoding="utf-8")
    cfg = load_config(config, env={})
    replayed, mirrored = tmp_path / "replay.duckdb", tmp_path / "mirror.duckdb"
    _snapshots(replay_hub.url, replay_hub, str(config), replayed)
    _snapshots(mirror, replay_hub, str(config), mirrored)
    last = REPLAY_DATES[-1]

    with db.reader(replayed) as con:
        rows = con.execute("SELECT source_kind, endpoint, synthetic_fields, rule_fields FROM hub_snapshots"
                           " ORDER BY snapshot_date").fetchall()
        fixtures = con.execute("SELECT model_id FROM models WHERE fixture").fetchall()
        gaps = con.execute("SELECT DISTINCT hub_source, synthetic_counts FROM cmteb_gap_not_evaluated").fetchall()
    assert len(rows) == len(REPLAY_DATES)
    assert all(r[0] == "replay" and r[1] == replay_hub.url for r in rows)
    assert rows[-1][2] == ["downloads_30d", "downloads_all_time", "likes", "trending_score"]
    assert "tags" in rows[-1][3]
    assert fixtures == [("replay-test/tiny-repo",)]
    assert gaps == [("replay", True)]   # the views carry the source
    with db.reader(mirrored) as con:
        rows = con.execute("SELECT source_kind, source_name, synthetic_fields FROM hub_snapshots").fetchall()
        gaps = con.execute("SELECT DISTINCT hub_source, synthetic_counts FROM cmteb_gap_not_evaluated").fetchall()
    assert {(kind, name, tuple(fields)) for kind, name, fields in rows} == {("mirror", mirror, ())}  # 127.0.0.1 too
    assert gaps == [("mirror", False)]

    for warehouse in (replayed, mirrored):
        score(warehouse, last, cfg)
    shown = {w: render_top(w, "cpu-edge", None, None, None, 10, "table", config=cfg) for w in (replayed, mirrored)}
    assert shown[replayed].startswith("⚠ SYNTHETIC DATA: the downloads, all-time downloads, likes, trending scores"
                                      " come from the replay Hub")
    assert "SYNTHETIC" not in shown[mirrored]

    for warehouse, synthetic in ((replayed, True), (mirrored, False)):
        built = build_report(warehouse, cfg, reports_dir=tmp_path / f"reports-{warehouse.stem}")
        report_dir = next(p.parent for p in built.files if p.name == "report.md")
        for lang in ("zh", "en"):
            assert ("⚠" in _first_screen(report_dir, lang)) is synthetic, (warehouse, lang)
        method = (report_dir / "report.en.md").read_text(encoding="utf-8")
        kind = "the replay Hub, which declares synthetic data" if synthetic else "a mirror"
        shown_url = (replay_hub.url if synthetic else mirror).replace("://", "\\://")   # Markdown escapes bare URLs
        assert f"from {shown_url} ({kind})." in method
