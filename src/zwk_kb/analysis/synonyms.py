"""Synonym groups, matched on analysed words (``Senior`` finds ``Seniorinnen und Senioren``)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from zwk_kb.analysis.folding import TOKEN_RE
from zwk_kb.analysis.lexicon import DATA_DIR
from zwk_kb.analysis.terms import token_terms

SYNONYMS_PATH = DATA_DIR / "synonyms_de.txt"
_SPACE = re.compile(r"\s+")


def _terms(text: str) -> list[tuple[str, int, int]]:
    """(whole-word stem, start, end) of each non-stop word, as the search field sees it."""
    terms: list[tuple[str, int, int]] = []
    for match in TOKEN_RE.finditer(text):
        found = token_terms(match.group())[1]
        if found:
            terms.append((found[0], match.start(), match.end()))
    return terms


class SynonymTable:
    """Groups of interchangeable terms, matched on analysed forms; immutable once built."""

    __slots__ = ("_groups", "_index", "_longest")

    def __init__(self, groups: Iterable[Iterable[str]]) -> None:
        # per group: (member as written, set of its analysed words)
        self._groups: list[tuple[tuple[str, frozenset[str]], ...]] = []
        self._index: dict[tuple[str, ...], list[int]] = {}
        self._longest = 0
        for group in groups:
            members: dict[str, frozenset[str]] = {}
            keys: list[tuple[str, ...]] = []
            for raw in group:
                member = _SPACE.sub(" ", str(raw)).strip()
                key = tuple(stem for stem, _, _ in _terms(member))
                if key and member not in members:
                    members[member] = frozenset(key)
                    keys.append(key)
            if len(members) < 2:
                continue
            number = len(self._groups)
            self._groups.append(tuple(members.items()))
            for key in dict.fromkeys(keys):
                self._index.setdefault(key, []).append(number)
                self._longest = max(self._longest, len(key))

    @staticmethod
    def parse(text: str) -> list[list[str]]:
        """Groups from the file format: one group a line, members split by ``;`` or ``|``,
        ``#`` starts a comment."""
        groups: list[list[str]] = []
        for line in text.splitlines():
            members = [m.strip() for m in re.split(r"[;|]", line.split("#", 1)[0])]
            members = [m for m in members if m]
            if len(members) >= 2:
                groups.append(members)
        return groups

    @classmethod
    def load(cls, extra_groups: Iterable[Iterable[str]] = ()) -> SynonymTable:
        """The shipped list (``data/synonyms_de.txt``) plus a toolkit's own groups."""
        shipped = cls.parse(SYNONYMS_PATH.read_text(encoding="utf-8"))
        return cls([*shipped, *(list(group) for group in extra_groups)])

    def __len__(self) -> int:
        return len(self._groups)

    @property
    def groups(self) -> list[list[str]]:
        """The groups' members as written."""
        return [[member for member, _ in group] for group in self._groups]

    def expansions(self, text: str) -> list[tuple[str, list[str]]]:
        """For each group member found in ``text`` (longest match first, no overlaps):
        (matched surface text, [the group's other members as written in the list]).

        Members whose analysed words are all among the matched words are left out, so
        ``Senioren`` does not expand to ``Seniorinnen und Senioren``.
        """
        terms = _terms(text)
        found: list[tuple[str, list[str]]] = []
        i = 0
        while i < len(terms):
            for size in range(min(self._longest, len(terms) - i), 0, -1):
                key = tuple(stem for stem, _, _ in terms[i : i + size])
                numbers = self._index.get(key)
                if numbers:
                    matched = set(key)
                    others = list(
                        dict.fromkeys(
                            member
                            for number in numbers
                            for member, words in self._groups[number]
                            if not words <= matched
                        )
                    )
                    found.append((text[terms[i][1] : terms[i + size - 1][2]], others))
                    i += size
                    break
            else:
                i += 1
        return found
