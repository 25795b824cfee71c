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

from zwk_kb.analysis.folding import fold

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
and feminine job titles ("Ärztin" → "Arzt")."""


def lookup_keys(word: str) -> list[str]:
    """Keys under which the thesaurus may hold ``word``: the folded word, then the word
    without one inflection or feminine ending (each at least :data:`MIN_KEY_CHARS` long)."""
    key = fold(word)
    keys = [key] if len(key) >= MIN_KEY_CHARS else []
    for ending in _ENDINGS:
        if key.endswith(ending) and len(key) - len(ending) >= MIN_KEY_CHARS:
            keys.append(key[: -len(ending)])
    return list(dict.fromkeys(keys))


def group_weight(size: int) -> float:
    """Closeness of the members of a group of ``size`` words."""
    if size <= CLOSE_GROUP:
        return NEIGHBOUR_WEIGHT
    return NEIGHBOUR_WEIGHT * math.sqrt(CLOSE_GROUP / size)


class Thesaurus:
    """Groups of words of one sense; immutable once built."""

    __slots__ = ("_groups", "_index")

    def __init__(self, groups: list[list[str]]) -> None:
        self._groups: list[tuple[str, ...]] = [tuple(g) for g in groups if len(g) >= 2]
        self._index: dict[str, list[int]] = {}
        for number, group in enumerate(self._groups):
            for member in group:
                self._index.setdefault(fold(member), []).append(number)

    @staticmethod
    def parse(text: str) -> list[list[str]]:
        """Groups of the extract's format: one group a line, members split by ``;``."""
        return [
            [m.strip() for m in line.split(";") if m.strip()]
            for line in text.splitlines()
            if line.strip() and not line.startswith("#")
        ]

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
    return Thesaurus(Thesaurus.parse(text))
