"""Everyday words and the cards' words: neighbours of a word in OpenThesaurus.

A user types "Krankenschwester", the card says "Pflegekraft". The hand-kept synonym list
(``data/synonyms_de.txt``) covers the toolkit's core terms; the thesaurus covers the rest of
the language, more loosely. So its neighbours weigh less than hand synonyms, and less the
larger the group (a group of two is close, a group of sixteen a loose sense). Which neighbours
count is decided at query time against the index (a word no card contains is no help), so the
extract serves any toolkit. Data: ``data/openthesaurus_de.txt.gz`` (see its SOURCE.md).
"""

from __future__ import annotations

import bisect
import functools
import gzip
import itertools
import math
from pathlib import Path

from zwk_kb.analysis.folding import collapse_digraphs, fold

THESAURUS_PATH = Path(__file__).resolve().parent.parent / "data" / "openthesaurus_de.txt.gz"
NEIGHBOUR_WEIGHT = 0.4
"""Weight of a neighbour from a group of up to :data:`CLOSE_GROUP` words; hand synonyms weigh
0.5 and the word as typed 1."""
CLOSE_GROUP = 4
MAX_SENSES = 3
"""A neighbour standing in more groups than this is ambiguous ("frei", "Recht", "stark"): which
of its senses the user means is anybody's guess, so it is left out."""
MIN_KEY_CHARS = 4
_ENDINGS = ("innen", "in", "ern", "en", "er", "es", "e", "n", "s")
"""Endings tried when the word itself is no entry: plural and case forms ("Krankenschwestern")
and feminine job titles ("Ärztin" → "Arzt"); a masculine one is also tried as feminine."""


def lookup_keys(word: str) -> list[str]:
    """Keys under which the thesaurus may hold ``word``: the folded word, then the word
    without one inflection or feminine ending (each at least :data:`MIN_KEY_CHARS` long)."""
    key = fold(word)
    keys = [key] if len(key) >= MIN_KEY_CHARS else []
    for ending in _ENDINGS:
        if key.endswith(ending) and len(key) - len(ending) >= MIN_KEY_CHARS:
            keys.append(key[: -len(ending)])
    if key.endswith("er") and len(key) >= MIN_KEY_CHARS:  # "Krankenpfleger": "…pflegerin"
        keys.append(key + "in")
    return list(dict.fromkeys(keys))


_UMLAUTS = str.maketrans({"ä": "a", "ö": "o", "ü": "u"})


def folded_lines(text: str) -> list[str]:
    """:func:`fold` applied to every word of a ``;``-separated text, line by line: umlauts and
    ß by one translation of the whole text (``fold``'s Unicode decomposition costs half a
    second over the 85,000 words of the extract), lines with other letters beyond ASCII by
    ``fold`` itself."""
    quick = collapse_digraphs(text.casefold().translate(_UMLAUTS)).split("\n")
    lines = text.split("\n")
    return [
        q if q.isascii() else ";".join(fold(w) for w in line.split(";"))
        for q, line in zip(quick, lines, strict=True)
    ]


def group_weight(size: int) -> float:
    """Closeness of the members of a group of ``size`` words."""
    if size <= CLOSE_GROUP:
        return NEIGHBOUR_WEIGHT
    return NEIGHBOUR_WEIGHT * math.sqrt(CLOSE_GROUP / size)


class Thesaurus:
    """Groups of words of one sense; immutable once built.

    Held as one folded text with every member between ``;`` (``";arzt;mediziner;"`` a line),
    searched with ``str.find`` and ``str.count`` at lookup: a query looks up a few words, and
    building a dictionary of all 85,000 members would cost a quarter of a second of the first
    search after a start.
    """

    __slots__ = ("_folded", "_lines", "_starts")

    def __init__(self, groups: list[list[str]]) -> None:
        kept = [[m for m in group if m] for group in groups]
        kept = [g for g in kept if len(g) >= 2]
        self._setup([";".join(g) for g in kept], [";".join(fold(m) for m in g) for g in kept])

    def _setup(self, lines: list[str], folded: list[str]) -> None:
        """``lines``: the groups, members joined by ``;``; ``folded``: the same, folded."""
        self._lines = lines
        wrapped = [f";{line};" for line in folded]
        self._folded = "\n".join(wrapped)
        self._starts = list(itertools.accumulate((len(x) + 1 for x in wrapped), initial=0))

    @staticmethod
    def parse(text: str) -> list[list[str]]:
        """Groups of the extract's format: one group a line, members split by ``;``."""
        return [
            [m.strip() for m in line.split(";") if m.strip()]
            for line in text.split("\n")
            if line.strip() and not line.startswith("#")
        ]

    @classmethod
    def from_text(cls, text: str) -> Thesaurus:
        """The thesaurus of a text in the extract's format (members without spaces around
        the ``;``, as the extract script writes them)."""
        pairs = [
            (line, key)
            for line, key in zip(text.split("\n"), folded_lines(text), strict=True)
            if ";" in line and not line.startswith("#")
        ]
        thesaurus = cls.__new__(cls)
        thesaurus._setup([line for line, _ in pairs], [key for _, key in pairs])
        return thesaurus

    def __len__(self) -> int:
        return len(self._lines)

    def _groups_of(self, key: str) -> list[int]:
        """Numbers of the groups with a member folded to ``key``."""
        needle, found, at = f";{key};", [], 0
        while (at := self._folded.find(needle, at)) >= 0:
            found.append(bisect.bisect_right(self._starts, at) - 1)
            at += len(needle) - 1
        return list(dict.fromkeys(found))

    def _senses(self, key: str) -> int:
        return self._folded.count(f";{key};")

    def neighbours(self, word: str) -> list[tuple[str, float]]:
        """(member as written, weight) of the groups holding ``word``, closest first, the word
        itself left out. Only the first key that is an entry counts: "Pflegern" is looked up
        as "Pfleger", not also as "Pflege"."""
        for key in lookup_keys(word):
            if ";" in key or "\n" in key:
                return []
            numbers = self._groups_of(key)
            if not numbers:
                continue
            best: dict[str, float] = {}
            for number in numbers:
                group = self._lines[number].split(";")
                weight = group_weight(len(group))
                for member in group:
                    folded = fold(member)
                    if folded == key or self._senses(folded) > MAX_SENSES:
                        continue
                    if weight > best.get(member, 0.0):
                        best[member] = weight
            return sorted(best.items(), key=lambda item: (-item[1], item[0]))
        return []


@functools.cache
def shipped() -> Thesaurus:
    """The shipped extract, read once per process (about an eighth of a second)."""
    try:
        text = gzip.decompress(THESAURUS_PATH.read_bytes()).decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError):
        return Thesaurus([])
    return Thesaurus.from_text(text)
