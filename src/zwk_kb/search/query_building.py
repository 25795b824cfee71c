"""Turns the words of a user's query into the engine's query (``engine.query``).

German query building: each word of the query is analysed like the indexed text (stemming,
umlaut folding, compound parts, gender forms); a word matches if its whole form or all its
parts occur. Synonym groups widen a word or phrase to its alternatives; a word the index does
not know is widened by its spelling correction. All words are required (And); when that finds
(almost) nothing, the words found as typed are also ranked alone (``some_words``).

Pure functions: what they need of the index (the analyzer, document frequencies, synonyms,
spelling) comes in a ``Lexicon`` of plain callables, so they are tested without Flask or a disk
index. The weights come from ``ranking``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from zwk_kb import degradations
from zwk_kb.analysis.folding import fold
from zwk_kb.engine.query import (
    And,
    AndMaybe,
    AndNot,
    BestOf,
    Every,
    Near,
    Or,
    Query,
    Term,
    boosted,
    phrase,
)
from zwk_kb.search import ranking
from zwk_kb.search.request import QueryPart

MAX_TERMS_PER_UNIT = 24
"""Analysed terms kept per word (a long word yields its stem, parts and gender forms)."""
MAX_EXPANSIONS = 8
"""Synonym groups applied to one query."""


@dataclass(frozen=True, slots=True)
class Lexicon:
    """What building a query asks of the index and the word lists."""

    analyze: Callable[[str], list[list[str]]]
    """Analysed terms grouped by position: ``[[whole, part, part], [whole], …]``."""
    doc_frequency: Callable[[str], int]
    """On how many cards (summed over the text fields) an analysed term occurs."""
    expansions: Callable[[str], list[tuple[str, list[str]]]]
    """Synonym groups a text contains: (surface, alternatives)."""
    correct: Callable[[str], str | None]
    """The closest known word to a misspelled one, or None."""
    generic: Callable[[str, str], bool] = lambda word, term: False
    """Whether a word (as typed, and its whole-word term) is generic: not required beside
    specific words, no ground for cards with only some of the words."""
    widen: Callable[[list[Unit], list[QueryPart]], None] | None = None
    """Adds other words for the units' words (word families, thesaurus), after synonyms."""
    misspelt: Callable[[Unit], bool] = lambda found: False
    """Whether a unit the index knows only by its parts may be misspelt: its parts find
    nothing together and it is no word of the language."""


@dataclass(slots=True)
class Unit:
    """The query for one word/phrase of the user's query, and the terms it may match."""

    text: str
    query: Query | None
    terms: set[str] = field(default_factory=set)
    reasons: dict[str, str] = field(default_factory=dict)
    """Terms that came from a synonym or a spelling correction, with the note to show."""
    known: bool = True
    literal: frozenset[str] = frozenset()
    """Terms of the words as typed (stems and compound parts)."""
    whole: str = ""
    """The whole-word term of a one-word unit ("" for phrases and several words)."""
    generic: bool = False
    """A generic word or a question's verb: only adds to the score beside specific words."""
    borrowed: bool = False
    """The cards have the word only as a thesaurus neighbour: no ground to show cards with
    only some of the query's words."""


@dataclass(slots=True)
class Built:
    """A query's units (one per part of the query) and what the scorer evaluates."""

    units: list[Unit]
    main: Query | None
    """All positive words required; None: no words to rank (browse, only excluded words)."""
    exclude: Query | None
    """Cards matching this are removed; None: nothing excluded."""
    suggestion: str | None = None
    corrected: bool = False


def analyze(analyzer: Any, text: str) -> list[list[str]]:
    """Analysed terms of ``text`` grouped by position (``Lexicon.analyze``)."""
    groups: dict[int, list[str]] = {}
    try:
        # mode="index": the analyzer then also emits compound parts (same position), which
        # the query needs to match a compound the cards only contain split, or vice versa
        for token in analyzer(text, mode="index", positions=True):
            if getattr(token, "stopped", False):
                continue
            group = groups.setdefault(token.pos, [])
            if token.text not in group and len(group) < MAX_TERMS_PER_UNIT:
                group.append(token.text)
    except Exception as exc:  # a word that cannot be analysed is not searched for
        degradations.record("analyse", exc)
        return []
    return [groups[pos] for pos in sorted(groups)][:MAX_TERMS_PER_UNIT]


def term_query(term: str, boost_scale: float = 1.0) -> Query:
    """One analysed term in every text field, the fields weighted and summed."""
    return Or(tuple(Term(f, term, b * boost_scale) for f, b in ranking.FIELD_BOOSTS.items()))


def near_query(parts: Sequence[str], boost: float) -> Query:
    """The parts of a compound close together in one field ("Personal der Kita" for
    "Kitapersonal", or inside another compound), not scattered over the whole card; each
    field with the same ``boost`` (see ``ranking.PARTS_BOOST``)."""
    return Or(
        tuple(
            Near(f, tuple(parts), slop=ranking.PARTS_SLOP, boost=boost)
            for f in ranking.FIELD_BOOSTS
        )
    )


def word_query(
    groups: list[list[str]],
    boost_scale: float = 1.0,
    *,
    doc_frequency: Callable[[str], int] | None = None,
) -> Query | None:
    """All positions required; at each position the whole word or all of its parts.

    The parts are only asked for with ``doc_frequency`` and when the whole compound is rare
    in the index (``ranking.PARTS_BELOW_DF``).
    """
    per_position: list[Query] = []
    for group in groups:
        whole, parts = group[0], group[1:]
        q = term_query(whole, boost_scale)
        if parts and doc_frequency is not None and doc_frequency(whole) < ranking.PARTS_BELOW_DF:
            q = Or((q, near_query(parts, boost_scale * ranking.PARTS_BOOST)))
        per_position.append(q)
    if not per_position:
        return None
    return per_position[0] if len(per_position) == 1 else And(tuple(per_position))


def phrase_query(
    groups: list[list[str]], joined: list[list[str]], boost_scale: float = 1.0
) -> Query | None:
    """The words in their order in one field; or, as ``joined`` (the phrase analysed without
    its spaces), one word: "repair café" is also the compound "Repair-Café"."""
    words = tuple(g[0] for g in groups)
    if not words:
        return None
    if len(words) == 1:
        return term_query(words[0], boost_scale)
    phrases: list[Query] = [
        phrase(f, words, ranking.PHRASE_SLOP, b * boost_scale)
        for f, b in ranking.FIELD_BOOSTS.items()
    ]
    if len(joined) == 1:
        phrases.append(term_query(joined[0][0], boost_scale))
    return Or(tuple(phrases))


def unit(part: QueryPart, lexicon: Lexicon) -> Unit:
    """The query of one word or phrase, and whether the index knows it."""
    groups = lexicon.analyze(part.text)
    if part.phrase:
        joined = lexicon.analyze("".join(part.text.split())) if part.text else []
        query = phrase_query(groups, joined)
    else:
        query = word_query(groups, doc_frequency=lexicon.doc_frequency)
    terms = {t for g in groups for t in g}
    whole = groups[0][0] if len(groups) == 1 and not part.phrase else ""
    found = Unit(part.text, query, terms, literal=frozenset(terms), whole=whole)
    found.generic = bool(whole) and not part.exclude and lexicon.generic(part.text, whole)
    if query is not None and not part.exclude:
        found.known = any(lexicon.doc_frequency(g[0]) for g in groups) or all(
            len(g) > 1 and any(lexicon.doc_frequency(p) for p in g[1:]) for g in groups
        )
    return found


def with_synonyms(units: list[Unit], parts: list[QueryPart], lexicon: Lexicon) -> None:
    """Widen units (or runs of units) that match a synonym group with its alternatives."""
    text = " ".join(p.text for p in parts if not p.exclude)
    try:
        expansions = lexicon.expansions(text)
    except Exception as exc:  # the words as typed are still searched
        degradations.record("synonyms", exc)
        return
    positive = [i for i, p in enumerate(parts) if not p.exclude]
    for surface, alternatives in expansions[:MAX_EXPANSIONS]:
        span = _find_span([fold(parts[i].text) for i in positive], fold(surface))
        if span is None:
            continue
        indexes = [positive[i] for i in range(span[0], span[1])]
        first = units[indexes[0]]
        originals = [units[i].query for i in indexes if units[i].query is not None]
        if not originals:
            continue
        alt_queries: list[Query] = []
        for alternative in alternatives[: ranking.MAX_ALTERNATIVES]:
            groups = lexicon.analyze(alternative)
            # whole words only: the parts of an alternative ("Kinder", "Tag", "Stätte")
            # scattered over a card are no evidence for it
            q = word_query(groups, boost_scale=ranking.SYNONYM_WEIGHT)
            if q is None:
                continue
            alt_queries.append(q)
            for g in groups:
                for t in g:
                    first.terms.add(t)
                    first.reasons.setdefault(t, f"Ähnliches Wort: „{surface}“ → „{alternative}“")
        if not alt_queries:
            continue
        combined = originals[0] if len(originals) == 1 else And(tuple(originals))  # type: ignore[arg-type]
        # the best of "what was typed" and its alternatives counts, they don't add up
        first.query = BestOf((combined, *alt_queries), tiebreak=ranking.BEST_OF_TIEBREAK)  # type: ignore[arg-type]
        first.known = True
        for i in indexes[1:]:
            units[i].query = None
            first.terms |= units[i].terms
        # "Menschen mit Behinderung" is specific though "Menschen" alone is generic
        first.generic = all(units[i].generic for i in indexes)


def build(
    parts: list[QueryPart], lexicon: Lexicon, optional: frozenset[int] = frozenset()
) -> Built:
    """The query of all parts: synonyms, spelling corrections of unknown words, exclusions.
    ``optional``: indexes of parts that only add to the score (a question's verbs)."""
    if not parts:
        return Built([], None, None)
    units = [unit(p, lexicon) for p in parts]
    for i in optional:
        units[i].generic = True
    with_synonyms(units, parts, lexicon)
    if lexicon.widen is not None:
        lexicon.widen(units, parts)
    fixed_words: dict[int, str] = {}
    for i, (part, u) in enumerate(zip(parts, units, strict=True)):
        if part.exclude or part.phrase or u.query is None:
            continue
        if u.known and not lexicon.misspelt(u):
            continue
        correction = lexicon.correct(part.text)
        if correction:
            fixed_words[i] = correction
    suggestion: str | None = None
    corrected = False
    if fixed_words:
        suggestion = " ".join(
            (fixed_words.get(i, p.text if not p.phrase else f'"{p.text}"'))
            if not p.exclude
            else f"-{p.text}"
            for i, p in enumerate(parts)
        )
        for i, correction in fixed_words.items():
            new = unit(QueryPart(correction), lexicon)
            if new.query is not None and units[i].query is not None:
                units[i].query = Or((units[i].query, new.query))  # type: ignore[arg-type]
                units[i].terms |= new.terms
                for t in new.terms:
                    units[i].reasons.setdefault(
                        t, f"Schreibweise: „{parts[i].text}“ → „{correction}“"
                    )
                corrected = True
    excluded = [u.query for p, u in zip(parts, units, strict=True) if p.exclude and u.query]
    main = required_and_optional(
        [u for p, u in zip(parts, units, strict=True) if not p.exclude and u.query]
    )
    exclude = Or(tuple(excluded)) if excluded else None
    return Built(units, main, exclude, suggestion, corrected)


def required_and_optional(units: list[Unit]) -> Query | None:
    """All words required, except generic ones when specific ones are there: those only add
    to the score ("Angebot für Trauernde" finds the Trauercafé that never says "Angebot")."""
    specific = [u.query for u in units if not u.generic and u.query is not None]
    generic = [u.query for u in units if u.generic and u.query is not None]
    if not specific:
        specific, generic = generic, []
    if not specific:
        return None
    required = specific[0] if len(specific) == 1 else And(tuple(specific))
    if not generic:
        return required
    optional = generic[0] if len(generic) == 1 else Or(tuple(generic))
    return AndMaybe(required, boosted(optional, optional.boost * ranking.GENERIC_WEIGHT))


def some_words(parts: list[QueryPart], units: list[Unit]) -> Query | None:
    """The query for cards with only some of the words, or None where that is not wanted.

    Only with words found as typed, and only when they are at least half of the query: "kita
    xyzzy" shows Kita tools, "skigebiet beschneiung" (one word unknown, the other only a
    far-fetched correction) shows nothing. Generic words ("Gemeinde", "Angebot") shared with
    a card make it no answer, and they count on neither side of "half of the query".
    """
    active = [u for p, u in zip(parts, units, strict=True) if not p.exclude and u.query]
    literal = [
        u.query
        for u in active
        if u.known and not u.generic and not u.borrowed and u.query is not None
    ]
    specific = [u for u in active if not u.generic]
    if len(active) < 2 or not literal or 2 * len(literal) < len(specific):
        return None
    return literal[0] if len(literal) == 1 else Or(tuple(literal))


def all_then_some(main: Query, some: Query, any_with_all: bool) -> Query:
    """Cards with all words first (their score counts ``ranking.ALL_WORDS_BOOST`` times), then
    the cards with some of them."""
    if not any_with_all:
        return some
    return Or((boosted(main, ranking.ALL_WORDS_BOOST), some))


def with_exclusions(main: Query | None, exclude: Query | None) -> Query:
    """``main`` (every card where None) without the cards ``exclude`` matches."""
    positive = main if main is not None else Every()
    return AndNot(positive, exclude) if exclude is not None else positive


def _find_span(words: list[str], surface: str) -> tuple[int, int] | None:
    """Indexes [start, end) of consecutive words whose joined text is ``surface``."""
    for start in range(len(words)):
        joined = ""
        for end in range(start, len(words)):
            joined = f"{joined} {words[end]}".strip()
            if joined == surface:
                return start, end + 1
            if len(joined) >= len(surface):
                break
    return None
