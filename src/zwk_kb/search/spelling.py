"""The spelling dictionary behind "Meinten Sie …?": every word of the cards, folded but not
stemmed (compound parts too), with how often the cards use it and how it is written there.

Why not a Whoosh field: a spelling field with a posting per word and card held more than half
of all postings (3.5 of 6.9 million at 10,000 cards) and so half of the index build time, only
to answer "which indexed word is closest to this typo". The dictionary is a few hundred
kilobytes of JSON next to the index; corrections use Whoosh's own Levenshtein automaton over
its sorted word list: the nearest word, the most frequent among equally near ones.
"""

from __future__ import annotations

import functools
import json
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh.automata.fsa import find_all_matches
from whoosh.automata.lev import levenshtein_automaton

from zwk_kb.analysis.folding import fold
from zwk_kb.analysis.pipeline import ExactAnalyzer

SPELLING_FILE = "spelling.json"
"""Name of the dictionary file in an index generation folder."""


def card_words(text: str, analyzer: ExactAnalyzer) -> tuple[dict[str, int], dict[str, str]]:
    """(word -> occurrences, word -> best written form) of one card's text.

    ``analyzer`` is the spelling analyzer (:func:`zwk_kb.analysis.pipeline.exact_analyzer`). A
    written form is a word of the text that folds to the dictionary word itself
    ("Öffentlichkeitsarbeit" for ``offentlichkeitsarbeit``); compound parts have none unless
    they also occur on their own.
    """
    counts, tokens = analyzer.term_counts(text)
    display: dict[str, str] = {}
    for surface in tokens:
        word = _folded(surface)
        if word in counts and _preferred(surface, display.get(word)):
            display[word] = surface
    return dict(counts), display


_folded = functools.lru_cache(maxsize=65536)(fold)


def _preferred(surface: str, known: str | None) -> bool:
    """Whether ``surface`` is the better written form of a word than ``known``: with umlauts
    or ß rather than without ("Öffentlichkeit", not "Oeffentlichkeit"), capitalised, then
    alphabetical, so the result does not depend on the order cards are read in."""
    if known is None:
        return True
    return _form_key(surface) < _form_key(known)


def _form_key(surface: str) -> tuple[int, bool, str]:
    special = 0 if surface.isascii() else sum(not c.isascii() for c in surface)
    return (-special, not surface[:1].isupper(), surface)


@dataclass
class SpellingDictionary:
    """Word -> number of occurrences in all cards, and word -> how the cards write it."""

    counts: Counter[str] = field(default_factory=Counter)
    display: dict[str, str] = field(default_factory=dict)
    commit: int = -1
    """The index commit the file was written for (-1: unknown)."""
    _sorted: list[str] | None = field(default=None, init=False, repr=False, compare=False)

    def add(self, counts: Mapping[str, int], display: Mapping[str, str] | None = None) -> None:
        """Count one card's words in."""
        self.counts.update(counts)
        known_forms = self.display
        for word, surface in (display or {}).items():
            known = known_forms.get(word)
            if surface != known and _preferred(surface, known):
                known_forms[word] = surface
        self._sorted = None

    def remove(self, counts: Mapping[str, int]) -> None:
        """Count one card's words out (a changed or deleted card)."""
        for word, n in counts.items():
            left = self.counts.get(word, 0) - n
            if left > 0:
                self.counts[word] = left
            else:
                self.counts.pop(word, None)
                self.display.pop(word, None)
        self._sorted = None

    def merge(self, other: SpellingDictionary) -> None:
        """Add another dictionary's counts (the parts of a parallel build)."""
        self.add(other.counts, other.display)

    def __len__(self) -> int:
        return len(self.counts)

    def suggest(self, word: str, maxdist: int) -> str | None:
        """The dictionary word fewest edits away from ``word`` (at most ``maxdist``, never
        ``word`` itself); among equally near ones the most frequent, then the alphabetically
        last. Nearest first: "dorfladn" is "Dorfladen" (1 edit), not the more frequent
        "Dorfplan" (2 edits), which Whoosh's own corrector would pick."""
        words = self._sorted
        if words is None:
            words = self._sorted = sorted(self.counts)
        if not words:
            return None
        for distance in range(1, maxdist + 1):
            dfa = levenshtein_automaton(word, distance, 0).to_dfa()
            best: tuple[int, str] | None = None
            for found in find_all_matches(dfa, _next_word_from(words)):
                if found == word:
                    continue
                candidate = (self.counts[found], found)
                if best is None or candidate > best:
                    best = candidate
            if best is not None:
                return best[1]
        return None

    def written(self, word: str) -> str:
        """How the cards write ``word`` ("Öffentlichkeitsarbeit"), else the word itself."""
        return self.display.get(word, word)

    # ---- file form ------------------------------------------------------------------------
    def to_json(self, commit: int = -1) -> str:
        return json.dumps(
            {
                "commit": commit,
                "counts": dict(sorted(self.counts.items())),
                "display": self.display,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> SpellingDictionary:
        """The dictionary of a file; an unreadable file gives an empty one (no corrections,
        never a failed search)."""
        try:
            data: Any = json.loads(text)
            counts = Counter({str(k): int(v) for k, v in data["counts"].items() if int(v) > 0})
            display = {str(k): str(v) for k, v in data.get("display", {}).items()}
            commit = int(data.get("commit", -1))
        except (ValueError, TypeError, KeyError, AttributeError):
            return cls()
        return cls(counts, display, commit)


def _next_word_from(words: list[str]) -> Callable[[str], str | None]:
    """The automaton's lookup: the first word >= a string. (Whoosh's ``ListCorrector.Skipper``
    skips the word at its cursor and so never finds the first word of the list.)"""

    def lookup(text: str) -> str | None:
        pos = bisect_left(words, text)
        return words[pos] if pos < len(words) else None

    return lookup


def load_dictionary(folder: Path) -> SpellingDictionary:
    """The dictionary of an index generation folder (empty when it has none)."""
    try:
        return SpellingDictionary.from_json((folder / SPELLING_FILE).read_text(encoding="utf-8"))
    except OSError:
        return SpellingDictionary()
