"""The engine's own queries: the few shapes a search asks of the scorer, as frozen dataclasses.

Why: the ranking is defined once, by the array scorer (``engine.scoring``) evaluating these
shapes; Whoosh's query classes each bring a matcher with scoring rules of its own (its
``DisjunctionMax`` pairs alternatives up, its span queries drop their boost), which the engine
no longer has to reproduce. A query is hashable, so it can key a cache. Meaning of the scores:

- ``Term``: BM25F of one analysed term in one field, times ``boost``.
- ``Or``: the sum of the parts that match a card (a card matches if any part does).
- ``And``: the sum of the parts, only on cards that all parts match.
- ``BestOf``: the best-scoring part plus ``tiebreak`` times the sum of the other matching parts.
- ``Near``: the terms of one field within ``slop`` words of each other (and at least
  ``mindist`` apart; in their order if ``ordered``); scored as the sum of the terms' scores.
- ``AndNot``: the cards of ``positive`` (with its scores) that ``negative`` does not match.
- ``AndMaybe``: the cards of ``required``; its score plus ``optional``'s where that matches too.
- ``Every``: every card, score 0.

Every shape's ``boost`` multiplies its score.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TypeAlias


@dataclass(frozen=True, slots=True)
class Term:
    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class Or:
    parts: tuple[Query, ...]
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class And:
    parts: tuple[Query, ...]
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class BestOf:
    parts: tuple[Query, ...]
    tiebreak: float
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class Near:
    field: str
    texts: tuple[str, ...]
    slop: int
    ordered: bool = False
    mindist: int = 0
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class AndNot:
    positive: Query
    negative: Query
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class AndMaybe:
    required: Query
    optional: Query
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class Every:
    boost: float = 1.0


Query: TypeAlias = Term | Or | And | BestOf | Near | AndNot | AndMaybe | Every


def phrase(field: str, texts: tuple[str, ...], slop: int, boost: float = 1.0) -> Near:
    """Words in their order, each within ``slop`` words after the one before (a phrase)."""
    return Near(field, texts, slop=slop, ordered=True, mindist=1, boost=boost)


def boosted(q: Query, boost: float) -> Query:
    """``q`` with its boost replaced."""
    return dataclasses.replace(q, boost=boost)


def positive_terms(q: Query) -> set[tuple[str, str]]:
    """The (field, text) pairs whose presence on a card counts for ``q``: every term except
    those of an excluded (``AndNot.negative``) part."""
    if isinstance(q, Term):
        return {(q.field, q.text)}
    if isinstance(q, Near):
        return {(q.field, text) for text in q.texts}
    if isinstance(q, AndNot):
        return positive_terms(q.positive)
    if isinstance(q, AndMaybe):
        return positive_terms(q.required) | positive_terms(q.optional)
    if isinstance(q, (Or, And, BestOf)):
        return set().union(*(positive_terms(part) for part in q.parts))
    return set()
