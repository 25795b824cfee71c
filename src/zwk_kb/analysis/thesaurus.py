"""Everyday words and the cards' words: neighbours of a word in OpenThesaurus.

A user types "Krankenschwester", the card says "Pflegekraft". The hand-kept synonym list
(``data/synonyms_de.txt``) covers the toolkit's core terms; the thesaurus covers the rest of
the language, more loosely. So its neighbours weigh less than hand synonyms, and less the
larger the group (a group of two is close, a group of sixteen a loose sense). Which neighbours
count is decided at query time against the index (a word no card contains is no help), so the
extract serves any toolkit. Data: ``data/openthesaurus_de.txt.gz`` (see its SOURCE.md).
"""

from __future__ import annotations

import functools
import gzip
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
    """Groups of words of one sense; immutable once built."""

    __slots__ = ("_groups", "_index")

    def __init__(self, groups: list[list[str]], keys: list[list[str]] | None = None) -> None:
        """``keys``: :func:`fold` of every member, when the caller has them already."""
        self._groups: list[tuple[str, ...]] = []
        self._index: dict[str, list[int]] = {}
        index = self._index
        for n, group in enumerate(groups):
            if len(group) < 2:
                continue
            number = len(self._groups)
            self._groups.append(tuple(group))
            for key in keys[n] if keys is not None else map(fold, group):
                found = index.get(key)
                if found is None:
                    index[key] = [number]
                elif found[-1] != number:
                    found.append(number)

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
        """The thesaurus of a text in the extract's format."""
        lines = [
            (line, key)
            for line, key in zip(text.split("\n"), folded_lines(text), strict=True)
            if line.strip() and not line.startswith("#")
        ]
        return cls(
            [[m.strip() for m in line.split(";") if m.strip()] for line, _ in lines],
            [[k.strip() for k in key.split(";") if k.strip()] for _, key in lines],
        )

    def __len__(self) -> int:
        return len(self._groups)

    def neighbours(self, word: str) -> list[tuple[str, float]]:
        """(member as written, weight) of the groups holding ``word``, closest first, the word
        itself left out. Only the first key that is an entry counts: "Pflegern" is looked up
        as "Pfleger", not also as "Pflege"."""
        for key in lookup_keys(word):
            numbers = self._index.get(key)
            if not numbers:
                continue
            best: dict[str, float] = {}
            for number in numbers:
                group = self._groups[number]
                weight = group_weight(len(group))
                for member in group:
                    folded = fold(member)
                    if folded == key or len(self._index.get(folded, ())) > MAX_SENSES:
                        continue
                    if weight > best.get(member, 0.0):
                        best[member] = weight
            return sorted(best.items(), key=lambda item: (-item[1], item[0]))
        return []


@functools.cache
def shipped() -> Thesaurus:
    """The shipped extract, read once per process (about a tenth of a second)."""
    try:
        text = gzip.decompress(THESAURUS_PATH.read_bytes()).decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError):
        return Thesaurus([])
    return Thesaurus.from_text(text)
