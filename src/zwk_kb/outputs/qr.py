"""QR codes of permalinks (segno lives only here): inline SVG for pages, SVG and PNG downloads.

A facilitator puts the code on a slide or handout; a phone camera opens the card. The code
encodes the absolute permalink (``Settings.base_url`` when set, else the address the request
came to), with error correction level M so a printed code survives smudges.
"""

from __future__ import annotations

import io
import re
from functools import lru_cache

import segno

from zwk_kb.characters import clean, xml_text

MAX_URL_CHARS = 500
ERROR_LEVEL = "m"
_SVG_START_RE = re.compile(r"^<svg ")


@lru_cache(maxsize=256)
def _code(url: str) -> segno.QRCode:
    if not url or len(url) > MAX_URL_CHARS:
        raise ValueError("Die Adresse ist leer oder zu lang für einen QR-Code.")
    return segno.make(url, error=ERROR_LEVEL, micro=False, boost_error=False)


def qr_svg(url: str, *, scale: int = 8, border: int = 4) -> bytes:
    """A standalone SVG file (black on white, with an XML declaration) for slides."""
    buffer = io.BytesIO()
    _code(url).save(
        buffer,
        kind="svg",
        scale=scale,
        border=border,
        dark="#000",
        light="#fff",
        xmldecl=True,
        svgns=True,
        title=clean(url),
        nl=True,
    )
    return buffer.getvalue()


def qr_png(url: str, *, scale: int = 10, border: int = 4) -> bytes:
    """A PNG file (black on white) for slides and office documents."""
    buffer = io.BytesIO()
    _code(url).save(buffer, kind="png", scale=scale, border=border, dark="#000", light="#fff")
    return buffer.getvalue()


def qr_inline_svg(url: str, label: str, *, css_class: str = "qr-code") -> str:
    """SVG markup to put into a page: ``role="img"`` with a German label, size set by CSS.

    No ``style`` attributes (the Content-Security-Policy forbids inline styles).
    """
    buffer = io.BytesIO()
    _code(url).save(
        buffer,
        kind="svg",
        scale=1,
        border=2,
        dark="#000",
        light="#fff",
        xmldecl=False,
        svgns=True,
        omitsize=True,
        svgclass=css_class,
        lineclass=None,
        nl=False,
    )
    svg = buffer.getvalue().decode("ascii")
    return _SVG_START_RE.sub(
        f'<svg role="img" aria-label="{xml_text(label)}" focusable="false" ', svg, count=1
    )
