"""Safe Markdown: raw HTML is escaped, only http/https/mailto/relative links survive."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from zwk_kb.analysis.folding import fold

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

_SAFE_SCHEME_RE = re.compile(r"^(https?:|mailto:)", re.I)
_ANY_SCHEME_RE = re.compile(r"^[a-z][a-z0-9+.\-]*:", re.I)
_ANCHOR_RE = re.compile(r"[^a-z0-9]+")
_WS_RE = re.compile(r"\s+")


def is_safe_link(url: str) -> bool:
    """http(s), mailto and relative links only;
    ``javascript:``, ``data:``, ``file:`` are dropped."""
    cleaned = "".join(ch for ch in url if ch.isprintable() and not ch.isspace())
    if _ANY_SCHEME_RE.match(cleaned):
        return bool(_SAFE_SCHEME_RE.match(cleaned))
    return not cleaned.startswith("//")


@cache
def _parser() -> MarkdownIt:
    """The one Markdown parser, made on first use: a process that only searches the index
    (the web app) never imports markdown-it."""
    from markdown_it import MarkdownIt

    class _SafeMarkdownIt(MarkdownIt):
        def validateLink(self, url: str) -> bool:
            return is_safe_link(url)

    md = _SafeMarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False})
    md.options["maxNesting"] = 20
    return md


@dataclass(frozen=True, slots=True)
class Heading:
    """A section heading of a card body, with the anchor id used in the rendered HTML."""

    level: int
    text: str
    anchor: str


def anchor_for(text: str, used: set[str]) -> str:
    """A stable, readable id for a heading ('So funktioniert es' -> 'so-funktioniert-es')."""
    base = _ANCHOR_RE.sub("-", fold(text)).strip("-")[:60] or "abschnitt"
    anchor, n = base, 2
    while anchor in used:
        anchor, n = f"{base}-{n}", n + 1
    used.add(anchor)
    return anchor


def _tokens(body: str) -> list[Token]:
    return _parser().parse(body)


def _add_heading_ids(tokens: list[Token]) -> list[Heading]:
    used: set[str] = set()
    headings = []
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            inline = tokens[i + 1]
            text = _WS_RE.sub(" ", inline.content).strip()
            anchor = anchor_for(text, used)
            token.attrSet("id", anchor)
            headings.append(Heading(int(token.tag[1]), text, anchor))
    return headings


IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp"})
"""Image files a card may show; no SVG (it can carry scripts)."""
MEDIA_PATH = "/medien/"
"""Where the site serves image files that cards reference relative to the toolkit folder."""


def media_path(src: str) -> str | None:
    """The site path of a relative image reference ("bilder/bus.png" -> "/medien/bilder/bus.png"),
    or None for absolute URLs and paths that leave the toolkit folder."""
    if not src or _ANY_SCHEME_RE.match(src) or src.startswith(("/", "\\")):
        return None
    normalized = posixpath.normpath(src.replace("\\", "/"))
    if normalized.startswith("..") or normalized.startswith("/"):
        return None
    return MEDIA_PATH + normalized


@dataclass(frozen=True, slots=True)
class Rendered:
    """A card body parsed once: its HTML, its headings and its plain text."""

    html: str
    headings: list[Heading]
    text: str


def render(body: str) -> Rendered:
    """HTML, headings and plain text from one parse (indexing 10,000 cards parses each once)."""
    tokens = _tokens(body)
    text = _plain_text(tokens)
    found = _add_heading_ids(tokens)
    return Rendered(_render_tokens(tokens), found, text)


def render_html(body: str) -> str:
    """HTML of a card body; headings get ``id`` anchors; links to other sites open normally;
    relative images point to the site's media path."""
    tokens = _tokens(body)
    _add_heading_ids(tokens)
    return _render_tokens(tokens)


def _render_tokens(tokens: list[Token]) -> str:
    _demote_h1(tokens)
    for token in _walk(tokens):
        if token.type == "link_open":
            href = str(token.attrGet("href") or "")
            if href.startswith(("http://", "https://")):
                token.attrSet("rel", "noopener noreferrer nofollow")
        elif token.type == "image":
            src = str(token.attrGet("src") or "")
            if not _ANY_SCHEME_RE.match(src):
                local = media_path(src)
                token.attrSet("src", local or "")
            token.attrSet("loading", "lazy")
        elif token.type == "table_open":
            # a wide table scrolls inside its own box on a phone (the page does not): the box
            # takes the keyboard focus so that it can be scrolled without a mouse
            token.attrSet("tabindex", "0")
    md = _parser()
    return md.renderer.render(tokens, md.options, {})


def _demote_h1(tokens: list[Token]) -> None:
    """The page title is the only h1; a card's own ``#`` headings become h2."""
    for token in tokens:
        if token.type in {"heading_open", "heading_close"} and token.tag == "h1":
            token.tag = "h2"


def _walk(tokens: list[Token]) -> Any:
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


def headings(body: str) -> list[Heading]:
    """The body's headings in order (for a table of contents)."""
    return _add_heading_ids(_tokens(body))


def plain_text(body: str) -> str:
    """The body's words without Markdown syntax, for the index and snippets."""
    return _plain_text(_tokens(body))


def _plain_text(tokens: list[Token]) -> str:
    parts: list[str] = []
    for token in _walk(tokens):
        if token.type in {"text", "code_inline", "code_block", "fence"}:
            parts.append(token.content)
        elif token.type in {"softbreak", "hardbreak", "paragraph_close", "heading_close"}:
            parts.append("\n")
        elif token.type == "image":
            parts.append(str(token.content or ""))
    return _WS_RE.sub(" ", " ".join(parts)).strip()


def images(body: str) -> list[tuple[str, str, int]]:
    """(src, alt text, line) of every image in the body, for the contributor check."""
    found: list[tuple[str, str, int]] = []
    if "![" not in body:
        return found  # every Markdown image starts with "![": no need to parse the body
    for block in _tokens(body):
        line = (block.map[0] + 1) if block.map else 1
        for token in block.children or []:
            if token.type == "image":
                found.append((str(token.attrGet("src") or ""), token.content, line))
    return found
