"""Folding of German spelling variants, the token pattern and gender forms: shared by
validation, analysis and facet matching. Pure (no Whoosh): card reading uses it."""

from __future__ import annotations

import functools
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


fold_token = functools.lru_cache(maxsize=65536)(fold_letters)
""":func:`fold_letters` memoized, for tokens (bounded length) only."""


# --------------------------------------------------------------------------------------------
# Tokens: words, hyphenated chains and gendered forms

# Word characters plus combining marks and soft hyphens, so decomposed umlauts (NFD) and
# hyphenation points do not split a word; \w alone would (and would include "_"). Written as
# runs of word characters (one tight loop in the regex engine) with marks between them: the
# same matches as a per-character alternation, in 35 % less time (every card, every snippet).
_WORD = r"[^\W_]+(?:[\u0300-\u036f\u00ad]+[^\W_]*)*"
_HYPHEN = r"[-\u2010\u2011]"
_GENDER_SUFFIX = r"(?:(?:[:*_/·]|/-)(?:[Ii]nnen|[Ii]n)(?![^\W_])|\((?:[Ii]nnen|[Ii]n)\))"
TOKEN_PATTERN = rf"{_WORD}(?:{_HYPHEN}{_WORD})*{_GENDER_SUFFIX}?"
"""A word, hyphenated chain or gendered form; other punctuation separates tokens."""
EXACT_TOKEN_PATTERN = rf"{_WORD}{_GENDER_SUFFIX}?"
"""Like :data:`TOKEN_PATTERN` but hyphens separate words (spelling field)."""
TOKEN_RE: re.Pattern[str] = re.compile(TOKEN_PATTERN, re.UNICODE)
""":data:`TOKEN_PATTERN` compiled with the flags Whoosh's ``RegexTokenizer`` uses (``rcompile``
adds ``re.UNICODE``): its matches are exactly the analyzer's tokens."""

# --------------------------------------------------------------------------------------------
# Gender forms

_GENDER_MARKED = re.compile(
    r"(?s)(.*[^\W_])(?:(?:[:*_/·]|/-)(?:[Ii]nnen|[Ii]n)|\((?:[Ii]nnen|[Ii]n)\))"
)
_BINNEN_I = re.compile(r"(?s)(.*[a-zäöüß])In(?:nen)?")
_FEMININE_BASE = re.compile(
    r"(?:er|or|ent|ant|eur|ist|ling|olog|agog|urg|eut|är|rät|wirt|wält|ärzt|kund|kolleg"
    r"|freund|nachbar|beamt|expert|köch|held)$"
)
"""Endings of person nouns whose feminine form adds -in/-innen (Bürgerin, Seniorin,
Studentin, Landrätin); ``Termin``, ``Medizin``, ``Kantine``, ``Login`` do not match."""


def degender(text: str) -> str:
    """``Bürger:innen``, ``Bürger*in``, ``BürgerInnen``, ``Bürgerinnen`` → ``Bürger``."""
    if not text or text[-1] not in "nN)":
        return text
    match = _GENDER_MARKED.fullmatch(text) or _BINNEN_I.fullmatch(text)
    if match:
        return match.group(1)
    lower = text.lower()
    for suffix in ("innen", "in"):
        if lower.endswith(suffix):
            base = lower[: -len(suffix)]
            if len(base) >= 4 and _FEMININE_BASE.search(base):
                return text[: len(base)]
            break
    return text


@functools.lru_cache(maxsize=65536)
def normalize_token(text: str) -> str:
    """A raw token with gender forms removed, case-folded, without diacritics (digraphs as
    written): the first step of the analysis of every word."""
    return fold_token(degender(text))
