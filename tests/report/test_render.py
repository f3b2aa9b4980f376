"""Escaping and self-containment: nothing from the Hub becomes markup, nothing is fetched."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from pipeline.report.render import CSP, Document, Figure, Link, Para, Table, md_escape, to_html, to_markdown


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.refs: list[tuple[str, str, str]] = []
        self.meta: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "meta":
            self.meta.append(dict(attrs))
        for name, value in attrs:
            if name in ("src", "href", "srcset", "action", "poster", "data", "background") or name.startswith("on"):
                self.refs.append((tag, name, value or ""))


def parse(html: str) -> _Refs:
    parser = _Refs()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("name", ["report.html", "report.en.html"])
def test_page_is_self_contained(report_dir, name):
    html = (report_dir / name).read_text(encoding="utf-8")
    page = parse(html)
    assert not {"script", "link", "iframe", "object", "embed", "base", "form"} & set(page.tags)
    images = [v for tag, attr, v in page.refs if tag == "img"]
    assert len(images) == 4 and all(v.startswith("data:image/svg+xml;base64,") for v in images)
    links = [v for tag, attr, v in page.refs if tag == "a"]
    assert links == (["report.en.html"] if name == "report.html" else ["report.html"])
    assert [(t, a) for t, a, _ in page.refs if (t, a) not in (("img", "src"), ("a", "href"))] == []
    assert {"http-equiv": "Content-Security-Policy", "content": CSP} in page.meta
    assert "url(" not in html and "@import" not in html


@pytest.mark.parametrize("name", ["report.html", "report.en.html", "report.md", "report.en.md"])
def test_hub_values_are_escaped_everywhere(report_dir, rows, name):
    text = (report_dir / name).read_text(encoding="utf-8")
    assert "<script" not in text
    assert "alert(1)" in text  # the hostile model is shown, as text
    if name.endswith(".html"):
        assert "evil/&lt;script&gt;alert(1)&lt;/script&gt;|$x$" in text
    else:
        assert md_escape(rows.HOSTILE) in text


def test_markdown_escaping_keeps_tables_and_html_inert():
    assert md_escape("a|b") == "a\\|b"
    assert md_escape("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert md_escape("[x](javascript:alert(1))") == "\\[x\\](javascript:alert(1))"
    assert md_escape("# not a heading") == "\\# not a heading"
    assert md_escape("line\nbreak  and\ttab") == "line break and tab"
    assert md_escape("org/ritrieve_zh_v1") == "org/ritrieve_zh_v1"  # intraword: no emphasis, kept as typed
    assert md_escape("_bold_ *it*") == "\\_bold\\_ \\*it\\*"
    doc = Document("en", "T")
    doc.add(Table(("model",), (("a|b\n| c |",),)))
    table = to_markdown(doc).splitlines()[2:]
    assert table == ["| model |", "|---|", "| a\\|b \\| c \\| |"]


def test_links_can_only_point_at_sibling_reports():
    for stem in ("https://example.com/x", "../../etc/passwd", "/abs", "javascript:alert(1)"):
        doc = Document("en", "T")
        doc.add(Para(("see ", Link("x", stem))))
        with pytest.raises(ValueError, match="relative file names"):
            to_html(doc)


def test_html_escapes_text_attributes_and_figures():
    doc = Document("en", '"><script>x</script>')
    doc.add(Figure("k\"'", '<t>', "<c>", "<svg xmlns='http://www.w3.org/2000/svg'/>", "charts/k.svg"))
    html = to_html(doc)
    assert "<script>" not in html
    assert 'id="chart-k&quot;&#x27;"' in html and 'alt="&lt;t&gt;"' in html
    assert "<svg" not in html  # the chart travels base64-encoded inside its data URI
