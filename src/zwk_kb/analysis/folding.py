"""Folding of German spelling variants, shared by validation, analysis and facet matching."""

from __future__ import annotations

import re
import unicodedata

_SPECIAL_LETTERS = str.maketrans(
    {
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",
        "\u2010": "-",
        "\u2011": "-",
    }
)
_DIGRAPH = re.compile(r"(?<![aeiouyq])([aou])e")
"""``ae``/``oe``/``ue`` written for ``ä``/``ö``/``ü``; not after a vowel (``Feuer``, ``Bauer``)
nor ``ue`` after ``q`` (``Quelle``)."""
_SPACE = re.compile(r"\s+")


def fold_letters(text: str) -> str:
    """Case-fold and drop diacritics, keeping ``ae``/``oe``/``ue`` as written (ß → ss)."""
    text = text.casefold()
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL_LETTERS))
    return "".join(
        c for c in decomposed if not unicodedata.combining(c) and unicodedata.category(c) != "Cf"
    ).translate(_SPECIAL_LETTERS)


def collapse_digraphs(text: str) -> str:
    """Collapse umlaut digraphs so that ``ä``, ``ae`` and ``a`` end up equal."""
    return _DIGRAPH.sub(r"\1", text) if "e" in text else text


def fold(text: str) -> str:
    """Lower-case, ß→ss, strip diacritics (ä→a, é→e), ae/oe/ue→a/o/u, collapse whitespace.

    For facet-value matching and dictionary keys, so that ``Ältere``, ``Aeltere`` and
    ``Altere`` compare equal everywhere in the project.
    """
    return _SPACE.sub(" ", collapse_digraphs(fold_letters(text))).strip()
