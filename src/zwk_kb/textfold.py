"""Folding of German spelling variants, shared by validation, analysis and facet matching."""

from __future__ import annotations

import re
import unicodedata

_SPACE_RE = re.compile(r"\s+")
_UMLAUT_DIGRAPHS = re.compile(r"(?<!q)(ae|oe|ue)")


def fold(text: str) -> str:
    """Lower-case, ß→ss, strip diacritics (ä→a, é→e), ae/oe/ue→a/o/u, collapse whitespace.

    Used where two spellings of the same word must compare equal: 'Dessau-Roßlau',
    'dessau-rosslau' and 'Dessau-Rosslau'; 'Öffentlichkeitsarbeit' and 'Oeffentlichkeitsarbeit'.
    """
    lowered = text.casefold()  # casefold already maps ß to ss
    decomposed = unicodedata.normalize("NFKD", lowered)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = _UMLAUT_DIGRAPHS.sub(lambda m: m.group(0)[0], stripped)
    return _SPACE_RE.sub(" ", stripped).strip()
