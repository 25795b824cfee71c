"""Regenerates ``data/openthesaurus_de.txt.gz`` from OpenThesaurus' text export.

The shipped extract keeps what the search uses: single words and short phrases (annotations
such as "(ugs.)" removed), groups of 2 to :data:`MAX_GROUP` members, no figurative, vulgar or
dated senses (they join words that mean something else in a municipal text). Run::

    python -m zwk_kb.devtools.thesaurus_extract /usr/share/openthesaurus-de/openthesaurus.txt \
        | gzip -n -9 > src/zwk_kb/data/openthesaurus_de.txt.gz
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable

MAX_GROUP = 16
"""Larger groups are loose senses ("machen", "Sache"): their members are rarely interchangeable."""
_SKIP_MARKS = (
    "fig.",
    "derb",
    "vulg.",
    "veraltet",
    "veraltend",
    "abwertend",
    "ironisch",
    "scherzh",
    "historisch",
    "Jargon",
    "österr.",
    "schweiz.",
    "regional",
    "lat.",
)
_NOTE = re.compile(r"\s*\([^)]*\)\s*")
_WORD = re.compile(r"[A-Za-zÄÖÜäöüß][A-Za-zÄÖÜäöüß-]*[A-Za-zäöüß]")
HEADER = (
    "# Auszug aus OpenThesaurus (https://www.openthesaurus.de), LGPL-2.1, siehe "
    "openthesaurus_de.SOURCE.md\n"
)


MAX_PHRASE_WORDS = 3
_WORDS = str.split
_PLACEHOLDERS = frozenset(
    _WORDS(
        "sich jemand jemanden jemandem jemands etwas etw jmd jmdn jmdm jmds man einer eines einem "
        "einen ein eine der die das den dem des sein seine ihr ihre"
    )
)
"""Words that mark an idiom's slot ("jemandem auf die Finger schauen") or its frame: a phrase
with one of them is a figure of speech, not a name of the thing."""


def member_word(raw: str) -> str | None:
    """The single word of a thesaurus member, or None (phrases, marked senses, fragments)."""
    text = member_text(raw)
    return text if text is not None and " " not in text else None


def member_text(raw: str) -> str | None:
    """The word or short phrase ("per Anhalter fahren", up to :data:`MAX_PHRASE_WORDS`
    words, no idiom slot) of a thesaurus member, or None (marked senses, fragments)."""
    if any(mark in raw for mark in _SKIP_MARKS) or "..." in raw:
        return None
    words = _NOTE.sub(" ", raw).split()
    if not 1 <= len(words) <= MAX_PHRASE_WORDS or not all(map(_WORD.fullmatch, words)):
        return None
    if len(words) > 1 and any(w.casefold() in _PLACEHOLDERS for w in words):
        return None
    return " ".join(words)


def extract(lines: Iterable[str]) -> list[list[str]]:
    """The groups of the extract, in the order of the source, duplicates removed; a group
    too large with its phrases keeps its single words."""
    groups: list[list[str]] = []
    seen: set[tuple[str, ...]] = set()
    for line in lines:
        if line.startswith("#") or not line.strip():
            continue
        members = list(dict.fromkeys(w for w in map(member_text, line.strip().split(";")) if w))
        if len(members) > MAX_GROUP:
            members = [m for m in members if " " not in m]
        key = tuple(sorted(members))
        if 2 <= len(members) <= MAX_GROUP and key not in seen:
            seen.add(key)
            groups.append(members)
    return groups


def main(argv: list[str]) -> int:
    with open(argv[1], encoding="utf-8") as source:
        groups = extract(source)
    sys.stdout.write(HEADER + "".join(";".join(g) + "\n" for g in groups))
    return 0


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    raise SystemExit(main(sys.argv))
