"""The report as a small document tree, rendered to Markdown and to one self-contained HTML page.

Sections build blocks of plain text; only this module turns text into markup, and it escapes every
string on the way out. So a model id from the Hub such as ``<script>…`` or ``a|b`` can never become
markup, whichever section it came through. The HTML page has everything inline (CSS, charts as SVG data
URIs) and a Content-Security-Policy that forbids any fetch, so it opens offline and leaks nothing.
Output is a pure function of the tree: no clock, no randomness.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field

from pipeline.report.i18n import HTML_LANG
from pipeline.sanitize import visible


@dataclass(frozen=True)
class Link:
    text: str
    stem: str
    """A sibling report file without its extension (``report.en``); each renderer adds its own, so the
    Markdown links to Markdown and the page to the page. Never an external URL."""


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Para:
    parts: tuple[str | Link, ...]
    muted: bool = False


@dataclass(frozen=True)
class Notice:
    """A warning the reader must not miss (synthetic data), set apart from the text around it."""

    text: str


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Code:
    text: str


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()
    """Per column: right-align (numbers)."""


@dataclass(frozen=True)
class Figure:
    key: str
    title: str
    caption: str
    svg: str
    file_name: str
    """Where the Markdown version finds the chart, relative to the report."""


Block = Heading | Para | Notice | Bullets | Code | Table | Figure


@dataclass
class Document:
    lang: str
    title: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)

    def figures(self) -> list[Figure]:
        return [b for b in self.blocks if isinstance(b, Figure)]


_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|~])")
_MD_EDGE_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
"""An underscore inside a word never starts emphasis (CommonMark), so ``ritrieve_zh_v1`` stays as typed."""


_MD_AUTOLINK = re.compile(r"(?i)(?:\b(?:https?|ftp|mailto)(?=:)|\bwww(?=\.))(.)")
"""What GitHub's autolink extension turns into a link without any brackets: a URL scheme or ``www.``.
Escaping the punctuation (``https\\://``, ``www\\.``) renders the same text and breaks the match."""


def md_escape(text: str) -> str:
    """Text safe in Markdown (and in the HTML that Markdown renderers pass through): no markup, no link
    (bracketed or bare), no control character."""
    text = visible(re.sub(r"\s+", " ", str(text))).replace("&", "&amp;")
    text = _MD_SPECIAL.sub(lambda m: {"<": "&lt;", ">": "&gt;"}.get(m.group(1), "\\" + m.group(1)), text)
    text = _MD_EDGE_UNDERSCORE.sub(r"\\_", text)
    text = _MD_AUTOLINK.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(1), text)
    return "\\" + text if text.startswith("#") else text


def _href(href: str) -> str:
    if ":" in href or href.startswith(("/", "\\")) or ".." in href:
        raise ValueError(f"report links must be relative file names, got {href!r}")
    return href


def to_markdown(doc: Document, charts: bool = True) -> str:
    """GitHub-flavoured Markdown; charts as links to their SVG files (``charts=False`` drops them)."""
    out: list[str] = [f"# {md_escape(doc.title)}", ""]
    for block in doc.blocks:
        if isinstance(block, Heading):
            out += ["#" * block.level + " " + md_escape(block.text), ""]
        elif isinstance(block, Para):
            text = "".join(
                f"[{md_escape(p.text)}]({_href(p.stem + '.md')})" if isinstance(p, Link) else md_escape(p)
                for p in block.parts
            )
            out += [f"*{text}*" if block.muted else text, ""]
        elif isinstance(block, Notice):
            out += [f"> **{md_escape(block.text)}**", ""]
        elif isinstance(block, Bullets):
            out += [f"- {md_escape(item)}" for item in block.items] + [""]
        elif isinstance(block, Code):
            fence = "````" if "```" in block.text else "```"
            out += [f"{fence}sql", block.text, fence, ""]
        elif isinstance(block, Table):
            numeric = block.numeric or (False,) * len(block.header)
            out.append("| " + " | ".join(md_escape(h) for h in block.header) + " |")
            out.append("|" + "|".join("---:" if n else "---" for n in numeric) + "|")
            out += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in block.rows]
            out.append("")
        elif isinstance(block, Figure) and charts:
            out += [f"![{md_escape(block.title)}]({_href(block.file_name)})", "", f"*{md_escape(block.caption)}*", ""]
    return "\n".join(out).rstrip("\n") + "\n"


_CSS = """
body{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei","PingFang SC","Microsoft YaHei","Source Han Sans SC",
system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1280px;margin:2rem auto;padding:0 1rem;color:#1f2328;
line-height:1.55}
h1{font-size:1.7rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}
h2{font-size:1.35rem;margin-top:2.2rem;border-bottom:1px solid #eaeef2;padding-bottom:.2rem}
h3{font-size:1.1rem;margin-top:1.5rem}
table{border-collapse:collapse;margin:.6rem 0 1rem;font-size:.9rem;display:block;overflow-x:auto}
th,td{border:1px solid #d0d7de;padding:.25rem .55rem;vertical-align:top}
th{background:#f6f8fa;text-align:left}
th,td{white-space:nowrap}
td.n{text-align:right;font-variant-numeric:tabular-nums}
td.w{white-space:normal;min-width:10rem;overflow-wrap:anywhere}
tr:nth-child(even) td{background:#fbfcfd}
.muted{color:#59636e;font-size:.9rem}
.notice{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:.6rem .8rem}
figure{margin:1rem 0 1.5rem}
figure img{max-width:100%;height:auto;border:1px solid #eaeef2}
figcaption{color:#59636e;font-size:.85rem}
pre{background:#f6f8fa;padding:.6rem;overflow-x:auto;font-size:.85rem}
.lang{float:right;font-size:.9rem}
"""

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
"""Nothing may be fetched: images only from inline data URIs, styles only inline, no scripts."""


def _svg_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _cell_class(text: str, numeric: bool) -> str:
    """Numbers right-aligned; long text (an error message) may wrap, everything else stays on one line."""
    return "n" if numeric else "w" if len(text) > 60 else "t"


def to_html(doc: Document) -> str:
    """One self-contained HTML page: inline CSS, charts as data URIs, a CSP that blocks every fetch."""
    def e(text: str) -> str:
        return html.escape(visible(text, keep_newlines=True))

    out = [
        "<!DOCTYPE html>",
        f'<html lang="{e(HTML_LANG.get(doc.lang, doc.lang))}">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{e(CSP)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{e(doc.title)}</title>",
        f"<style>{_CSS.strip()}</style>",
        "</head>",
        "<body>",
        f"<h1>{e(doc.title)}</h1>",
    ]
    for block in doc.blocks:
        if isinstance(block, Heading):
            out.append(f"<h{block.level}>{e(block.text)}</h{block.level}>")
        elif isinstance(block, Para):
            text = "".join(
                f'<a href="{e(_href(p.stem + ".html"))}">{e(p.text)}</a>' if isinstance(p, Link) else e(p) for p in block.parts
            )
            out.append(f'<p class="muted">{text}</p>' if block.muted else f"<p>{text}</p>")
        elif isinstance(block, Notice):
            out.append(f'<p class="notice" role="note"><strong>{e(block.text)}</strong></p>')
        elif isinstance(block, Bullets):
            out.append("<ul>" + "".join(f"<li>{e(item)}</li>" for item in block.items) + "</ul>")
        elif isinstance(block, Code):
            out.append(f"<pre><code>{e(block.text)}</code></pre>")
        elif isinstance(block, Table):
            numeric = block.numeric or (False,) * len(block.header)
            head = "".join(f"<th>{e(h)}</th>" for h in block.header)
            body = "".join(
                "<tr>" + "".join(f'<td class="{_cell_class(c, n)}">{e(c)}</td>' for c, n in zip(row, numeric)) + "</tr>"
                for row in block.rows
            )
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif isinstance(block, Figure):
            out.append(
                f'<figure id="chart-{e(block.key)}"><img src="{_svg_uri(block.svg)}" alt="{e(block.title)}">'
                f"<figcaption>{e(block.caption)}</figcaption></figure>"
            )
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
