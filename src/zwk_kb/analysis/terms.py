"""How one German word is analysed: raw token -> its index terms. The one definition.

:func:`token_terms` is the analysis of a word; the rest is derived from it: the Whoosh filters
of :mod:`.pipeline` are its steps (:func:`normalize_step`, :func:`stop_step`, :func:`stem_step`,
:func:`spelling_step`, :func:`spelling_parts_step`) in the same order, the one-pass analyzers
call it once per distinct token, and highlighting and the synonym table ask it which terms a
word has. Pure: no Whoosh.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass

import Stemmer

from zwk_kb.analysis.compounds import (
    MIN_SPLIT_CHARS,
    NO_ADDITIONS,
    Additions,
    compound_parts,
    split,
)
from zwk_kb.analysis.folding import collapse_digraphs, normalize_token
from zwk_kb.analysis.lexicon import MAX_TOKEN_CHARS, STOP_KEYS, lexicon

# --------------------------------------------------------------------------------------------
# Stemming

_stemmers = threading.local()
_NO_PLURAL_S = frozenset({"mais"})


def _stemmer() -> Stemmer.Stemmer:
    """PyStemmer objects are not thread-safe: one per thread."""
    stemmer = getattr(_stemmers, "german", None)
    if stemmer is None:
        stemmer = _stemmers.german = Stemmer.Stemmer("german")
    return stemmer


def _plural_s(word: str) -> str:
    """Drop a plural -s Snowball keeps (Kitas, Autos, Azubis, Tipps, Apps) when the singular
    is a word at least about as frequent; ``Haus``, ``Glas``, ``Basis`` keep theirs."""
    if len(word) < 4 or word[-1] != "s" or word[-2] == "s" or word in _NO_PLURAL_S:
        return word
    table = lexicon()
    base_zipf = table.get(word[:-1], 0.0)
    if base_zipf >= 2.5 and base_zipf >= table.get(word, 0.0) - 0.3:
        return word[:-1]
    return word


@functools.lru_cache(maxsize=65536)
def _stem(key: str) -> str:
    """Snowball German stem of a digraph-collapsed word, after the plural-s rule."""
    return _stemmer().stemWord(_plural_s(key))


@functools.lru_cache(maxsize=65536)
def _analyse_word(word: str, additions: Additions) -> tuple[str, tuple[str, ...]]:
    """(stem of the whole word, stems of its parts) for one folded word without hyphens.

    A compound is stemmed at its head, as German inflects it: ``Ortskern`` and
    ``Ortskerne`` both give ``ortskern`` (Snowball alone cuts ``Ortskern`` to ``ortsk``).
    """
    parts, head = split(word, additions)
    if not parts:
        return _stem(collapse_digraphs(word)), ()
    whole_stem = collapse_digraphs(word[:head]) + _stem(collapse_digraphs(word[head:]))
    part_stems: list[str] = []
    for part in parts:
        stem = _stem(part)
        if stem != whole_stem and stem not in part_stems:
            part_stems.append(stem)
    return whole_stem, tuple(part_stems)


Analysis = tuple[str, tuple[str, ...]]
_ANALYSED_LIMIT = 200_000
"""Words remembered per set of dictionary additions (about 40 MB at most); past it the
table starts over, so odd query words cannot grow it without bound."""
_analysed: dict[Additions, dict[str, Analysis]] = {}


def analyse(text: str, additions: Additions) -> Analysis:
    """Whole-token stem and part stems of a normalised token, remembered per word.

    Splitting a new compound costs about 0.3 ms; a search page shows some 400 distinct words.
    """
    table = _analysed.get(additions)
    if table is None:
        table = _analysed.setdefault(additions, {})
    found = table.get(text)
    if found is None:
        found = _analyse_uncached(text, additions)
        if len(table) >= _ANALYSED_LIMIT:
            table.clear()
        table[text] = found
    return found


def _analyse_uncached(text: str, additions: Additions) -> Analysis:
    """Whole-token stem and part stems; hyphen chains split at the hyphens first."""
    if "-" not in text:
        return _analyse_word(text, additions)
    segments = [s for s in text.split("-") if s]
    if len(segments) <= 1:
        return _analyse_word(segments[0], additions) if segments else ("", ())
    last_stem, _ = _analyse_word(segments[-1], additions)
    whole_stem = collapse_digraphs("".join(segments[:-1])) + last_stem
    part_stems: list[str] = []
    for segment in segments:
        if segment in STOP_KEYS:
            continue
        stem, parts = _analyse_word(segment, additions)
        for s in (stem, *parts):
            if len(s) > 1 and s != whole_stem and s not in part_stems:
                part_stems.append(s)
    return whole_stem, tuple(part_stems)


# --------------------------------------------------------------------------------------------
# The analysis of one token


@dataclass(frozen=True)
class TokenRules:
    """How an analyzer is set up: which dictionary additions, stemmed (search fields, with stop
    words) or not (spelling field: folded words and their unstemmed parts)."""

    additions: Additions = NO_ADDITIONS
    stemmed: bool = True
    stops: frozenset[str] = STOP_KEYS
    min_chars: int = 2
    max_chars: int | None = None


GERMAN = TokenRules()
"""The search fields' rules without dictionary additions (the synonym table's)."""

TokenTerms = tuple[bool, tuple[str, ...]]
"""(does the token keep a position, i.e. is it no stop word; its index terms, whole word first:
the whole stem, then the stems of its parts; ``()`` when it is dropped)."""
_DROPPED: TokenTerms = (False, ())
_NO_TERMS: TokenTerms = (True, ())
MAX_RAW_CHARS = 4 * MAX_TOKEN_CHARS
"""Raw tokens longer than this are dropped before any work or caching is spent on them."""


def token_terms(raw: str, rules: TokenRules = GERMAN) -> TokenTerms:
    """The analysis of one raw token (a match of the token pattern) in index mode.

    German: gender forms and case folded away, stop words removed (no position), the rest
    stemmed with compound parts. Spelling (``rules.stemmed`` false): the folded word with
    digraphs collapsed, then its unstemmed parts. A word that is no stop word but overlong keeps
    its position without terms.
    """
    text = normalize_step(raw)
    if text is None:
        return _DROPPED
    if rules.stemmed:
        if stop_step(text, rules):
            return _DROPPED
        return True, stem_step(text, rules.additions)
    word = spelling_step(text)
    if word is None:
        return _NO_TERMS
    return True, (word, *spelling_parts_step(word, rules.additions))


def normalize_step(raw: str) -> str | None:
    """Step 1: gender forms, case and diacritics (digraphs as written); None: dropped."""
    return None if len(raw) > MAX_RAW_CHARS else normalize_token(raw)


def stop_step(text: str, rules: TokenRules) -> bool:
    """Step 2 (stemmed only): True for a stop word (too short, too long or listed)."""
    size = len(text)
    return (
        size < rules.min_chars
        or (rules.max_chars is not None and size > rules.max_chars)
        or text in rules.stops
    )


def stem_step(text: str, additions: Additions) -> tuple[str, ...]:
    """Step 3 (stemmed): whole stem, then part stems; ``()`` for an overlong token."""
    if len(text) > MAX_TOKEN_CHARS:
        return ()
    whole, parts = analyse(text, additions)
    return (whole, *parts) if whole else ()


def spelling_step(text: str) -> str | None:
    """Step 2 (spelling): digraphs collapsed; None for an overlong token."""
    return None if len(text) > MAX_TOKEN_CHARS else collapse_digraphs(text)


def spelling_parts_step(word: str, additions: Additions) -> tuple[str, ...]:
    """Step 3 (spelling): the unstemmed, folded parts of a compound after the whole word."""
    if len(word) < MIN_SPLIT_CHARS:
        return ()
    return tuple(collapse_digraphs(p) for p in compound_parts(word, additions) if p != word)
