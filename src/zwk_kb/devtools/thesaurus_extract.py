"""Regenerates ``data/openthesaurus_de.txt.gz`` from OpenThesaurus' text export.

The shipped extract keeps what the search uses: single words (annotations such as "(ugs.)"
removed), groups of 2 to :data:`MAX_GROUP` members, no figurative, vulgar or dated senses (they
join words that mean something else in a municipal text). Run::

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


def member_word(raw: str) -> str | None:
    """The single word of a thesaurus member, or None (phrases, marked senses, fragments)."""
    if any(mark in raw for mark in _SKIP_MARKS) or "..." in raw:
        return None
    word = _NOTE.sub(" ", raw).strip()
    return word if _WORD.fullmatch(word) else None


def extract(lines: Iterable[str]) -> list[list[str]]:
    """The groups of the extract, in the order of the source, duplicates removed."""
    groups: list[list[str]] = []
    seen: set[tuple[str, ...]] = set()
    for line in lines:
        if line.startswith("#") or not line.strip():
            continue
        members = list(dict.fromkeys(w for w in map(member_word, line.strip().split(";")) if w))
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
