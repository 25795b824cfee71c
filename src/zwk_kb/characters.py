"""Characters a card may not contain, defined once: the check reports them, every output drops them.

A card comes from a stranger's editor or terminal. Control characters (ESC of a coloured terminal
line, BEL, backspace, DEL, the C1 range), halves of surrogate pairs, Unicode noncharacters
(U+FFFE, U+FFFF, U+FDD0–U+FDEF and the last two code points of every plane) and the invisible
characters that reorder or split what a reader sees mean nothing to a reader, and several of them
make an XML file unreadable for every program that parses it. Tab and line feed are ordinary text.

``find`` / ``describe`` serve the card check (fields and body); ``clean`` serves the writers of
shared outputs (feed, sitemap, SVG, CSV, JSON), so that a card that reaches them by any path (an
index built by an older version, a value no rule looks at) cannot break them. ``printable`` is
the stricter rule for text shown on a terminal (the check's messages and file names).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from html import escape
from typing import Any

_CANDIDATES_RE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 controls except tab and line feed, DEL, C1 controls
    "\u2028\u2029"  # line and paragraph separator
    "\u202a-\u202e\u2066-\u2069"  # bidi embeddings, overrides and isolates
    "\ud800-\udfff"  # halves of surrogate pairs (only YAML escapes like "\\ud800" make them)
    "\ufdd0-\ufdef\ufeff\ufffe\uffff"  # noncharacters; zero-width no-break space (BOM)
    "\U0001fffe-\U0010ffff]"  # holds the noncharacters U+1FFFE … U+10FFFF, see _not_allowed
)
"""Every character a card may not contain, plus the rest of the last planes: one range instead of
32 single code points: the regular expression engine tests a range in one step, a set of single
code points one by one, and the scan runs over every character of the largest allowed card."""


def _not_allowed(char: str) -> bool:
    """Whether a ``_CANDIDATES_RE`` match is not allowed: above the BMP only the noncharacters
    (the last two code points of each plane) are."""
    point = ord(char)
    return point <= 0xFFFF or point & 0xFFFE == 0xFFFE


# fmt: off
_C0_NAMES = (
    "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF",
    "VT", "FF", "CR", "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK",
    "SYN", "ETB", "CAN", "EM", "SUB", "ESC", "FS", "GS", "RS", "US",
)
_C1_NAMES = (
    "PAD", "HOP", "BPH", "NBH", "IND", "NEL", "SSA", "ESA", "HTS", "HTJ", "VTS",
    "PLD", "PLU", "RI", "SS2", "SS3", "DCS", "PU1", "PU2", "STS", "CCH", "MW",
    "SPA", "EPA", "SOS", "SGC", "SCI", "CSI", "ST", "OSC", "PM", "APC",
)
# fmt: on
_GERMAN = {
    "BEL": "Klingelzeichen",
    "BS": "Rückschritt",
    "VT": "vertikaler Tabulator",
    "FF": "Seitenvorschub",
    "CR": "Wagenrücklauf",
    "ESC": "Escape, oft der Rest einer Terminal-Farbe wie „[31m“",
    "DEL": "Löschzeichen",
    "NEL": "Zeilenende aus alten Systemen",
    "CSI": "Terminal-Steuerfolge",
}


def find(text: str) -> Iterator[tuple[int, str]]:
    """(position, character) of every character ``text`` may not contain, in order."""
    for found in _CANDIDATES_RE.finditer(text):
        if _not_allowed(found.group()):
            yield found.start(), found.group()


def first(text: str) -> tuple[int, str] | None:
    """The first character ``text`` may not contain, with its position, or ``None``."""
    return next(find(text), None)


def code(char: str) -> str:
    """The code point as people look it up: ``U+001B``."""
    return f"U+{ord(char):04X}"


def describe(char: str) -> str:
    """What the character is, in German, with its code point (for the check's messages)."""
    point = ord(char)
    if point < 0x20 or point == 0x7F or 0x80 <= point <= 0x9F:
        short = (
            _C0_NAMES[point]
            if point < 0x20
            else ("DEL" if point == 0x7F else _C1_NAMES[point - 0x80])
        )
        german = _GERMAN.get(short)
        name = f"{short}, {german}" if german else short
        return f"ein unsichtbares Steuerzeichen ({code(char)}, {name})"
    if 0xD800 <= point <= 0xDFFF:
        return f"eine halbe Zeichen-Kodierung ({code(char)}, allein kein Zeichen)"
    if 0xFDD0 <= point <= 0xFDEF or point & 0xFFFE == 0xFFFE:
        return f"ein Nicht-Zeichen ({code(char)}, in keinem Text erlaubt)"
    if point in (0x2028, 0x2029):
        return f"ein unsichtbarer Zeilentrenner ({code(char)})"
    if point == 0xFEFF:
        return f"ein unsichtbares Zeichen ({code(char)}, Byte-Order-Mark)"
    name = unicodedata.name(char, "")
    return f"ein unsichtbares Richtungszeichen ({code(char)}{', ' + name if name else ''})"


def _drop(found: re.Match[str]) -> str:
    return "" if _not_allowed(found.group()) else found.group()


def clean(text: str) -> str:
    """``text`` without the characters a card may not contain (for every shared output)."""
    return _CANDIDATES_RE.sub(_drop, text) if _CANDIDATES_RE.search(text) else text


def xml_text(value: object) -> str:
    """``value`` as XML character data, safe in element text and in a quoted attribute.

    The one escaping function of every XML the site writes (feed, sitemap, OpenSearch, SVG):
    whatever a card contains, the result is well-formed XML 1.0 (no control character, no
    noncharacter, no lone surrogate; ``& < > " '`` escaped).
    """
    return escape(clean(str(value)), quote=True)


def printable(text: str, *, keep: str = "") -> str:
    """``text`` safe to print on a terminal or in a CI log: every character that is not
    printable (a control, a format character, a file name's undecodable byte) becomes a space
    (if it is one) or U+FFFD, except those in ``keep``."""
    return "".join(
        ch
        if ch.isprintable() or ch in keep
        else (" " if ch.isspace() else "\N{REPLACEMENT CHARACTER}")
        for ch in text
    )


def clean_data(value: Any) -> Any:
    """JSON-like data (str, list, tuple, dict) with every text and key ``clean``ed."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean_data(k): clean_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_data(v) for v in value]
    return value
