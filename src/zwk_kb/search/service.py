"""Runs a ``SearchRequest`` against the index and returns plain dataclasses.

The words become the engine's query (``query_building``), which the score vectors
(``engine.scoring``) rank; when all words together find (almost) nothing, cards with some of
them follow. Words the index does not know are corrected from the spelling dictionary
("Meinten Sie …?", see ``spelling``).

Facet counts are disjunctive: a facet's counts apply every filter except its own. They are
computed from per-value document sets, built once per searcher generation. No Whoosh object
leaves this module.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh.searching import Searcher

from zwk_kb import degradations
from zwk_kb.analysis.folding import fold
from zwk_kb.analysis.lexicon import word_zipf
from zwk_kb.analysis.pipeline import SynonymTable
from zwk_kb.analysis.thesaurus import shipped as shipped_thesaurus
from zwk_kb.engine.query import Every, Query
from zwk_kb.engine.scoring import DEFAULT_BUDGET, ScoreCache
from zwk_kb.errors import SearchTimeout
from zwk_kb.facets import FACETS
from zwk_kb.search import query_building, ranking, understanding
from zwk_kb.search.facet_sets import FacetSets, bit_mask
from zwk_kb.search.highlighting import (
    TermMatcher,
    fragments_html,
    matched_surface_forms,
    whole_html,
)
from zwk_kb.search.index import SearcherPool
from zwk_kb.search.query_building import Lexicon, Unit
from zwk_kb.search.request import QueryPart, SearchRequest, split_query
from zwk_kb.search.schema import (
    BODY,
    CARD,
    SLUG,
    SUMMARY,
    TITLE,
)
from zwk_kb.search.spelling import SPELLING_FILE, SpellingDictionary, load_dictionary

DEFAULT_TIME_LIMIT = 3.0
"""Seconds one search may take before the user is asked for more precise words."""
FUZZY_MAX_DIST = 2
COMMON_WORD_ZIPF = 4.0
"""A compound part this common in German is a word, not a typo to correct."""
RELATED_DEFAULT = 5
MATCH_CACHE_DOCS = 100_000
"""Matched cards kept in the per-query cache (about 16 MB): facet clicks, paging and sorting
reuse the ranking of the query instead of scoring it again."""
MATCH_CACHE_ENTRIES = 256
FACET_COUNTS_PER_QUERY = 32
"""Filter selections whose facet counts a cached query keeps."""
EXPLAINED_PER_QUERY = 30
"""Cards whose snippets a cached query keeps (the first pages; about 1 KB each)."""
_NO_MARKS: tuple[str, str, tuple[str, ...]] = ("", "", ())
SURFACE_SCAN_CHARS = 4000
MAX_SURFACE_FORMS = 3


@dataclass(frozen=True, slots=True)
class FacetValue:
    """One value of a facet with its count under the other facets' filters."""

    value: str
    count: int
    selected: bool


@dataclass(frozen=True, slots=True)
class Hit:
    """One result: the card's data (as stored in the index) plus why and where it matched."""

    slug: str
    score: float
    card: dict[str, Any]
    snippet: str = ""
    """HTML: escaped text with ``<mark>`` around matches (empty when nothing to show)."""
    title_html: str = ""
    reasons: tuple[str, ...] = ()
    partial: bool = False
    """The card has only some of the words: shown apart, after the cards that answer."""
    """Plain-text notes like "Wortteil: „Generationencafé“" or "Synonym: Ehrenamt → Engagement"."""


@dataclass(frozen=True, slots=True)
class SearchResult:
    request: SearchRequest
    total: int
    hits: tuple[Hit, ...]
    facets: dict[str, tuple[FacetValue, ...]]
    suggestion: str | None = None
    """A corrected query ("Meinten Sie …?"), or None."""
    match: str | None = None
    """``"all"``: every hit has all the words (as typed or in another form, a synonym or the
    correction); ``"some"``: some hits have only some of them (no card has all, or so few that
    cards with some of the words follow); None: no words to match (browse, only excluded or
    stop words) or timed out."""
    all_words: int | None = None
    """How many of the ``total`` hits have all the words (None where ``match`` is None)."""
    corrected: bool = False
    """True when the results come from the corrected query."""
    timed_out: bool = False
    """True when the search ran past its time limit: no results, the user is asked for more
    precise words."""


@dataclass(slots=True)
class _TextMatch:
    """What the words of a query match, before facet filters: the same for every facet
    selection, page and sort order of that query, so it is cached per index state."""

    parts: list[QueryPart]
    units: list[Unit]
    matched: frozenset[int]
    scores: dict[int, float] | None
    """Docnums by score, best first; None: no words, browse order."""
    main: Query | None
    complete: frozenset[int] | None = None
    """The matched cards that have all the words (``matched`` unless cards with some of the
    words were added); None: no words to match."""
    suggestion: str | None = None
    corrected: bool = False
    mask: int | None = None
    """``matched`` as a bit mask, made on first use (facet counts)."""
    size: int = 1
    """What the entry counts against :data:`MATCH_CACHE_DOCS`."""
    facets: dict[Hashable, dict[str, tuple[FacetValue, ...]]] = field(default_factory=dict)
    """Facet counts per selection of filter values (immutable values, shared by requests)."""
    explained: dict[int, tuple[str, str, tuple[str, ...]]] = field(default_factory=dict)
    """Snippet, marked title and reasons of cards shown for the query, by document number."""


class SearchEngine:
    """Answers search requests from the current index; safe to share between threads."""

    def __init__(
        self,
        pool: SearcherPool,
        extra_synonyms: Iterable[Iterable[str]] = (),
        score_budget: int = DEFAULT_BUDGET,
        time_limit: float = DEFAULT_TIME_LIMIT,
    ) -> None:
        self.time_limit = time_limit
        self.pool = pool
        self._extra_synonyms = [list(group) for group in extra_synonyms]
        self._synonyms: SynonymTable | None = None
        self._facet_cache: dict[tuple[str, int], FacetSets] = {}
        self.scores = ScoreCache(score_budget, k1=ranking.BM25_K1, b=ranking.BM25_B)
        self._lock = threading.Lock()
        self._spelling_cache: tuple[Hashable, SpellingDictionary] | None = None
        self._matches: OrderedDict[tuple[Hashable, str], _TextMatch] = OrderedDict()
        self._matches_size = 0

    @property
    def synonyms(self) -> SynonymTable:
        """The synonym table, analysed on first use (not at start-up)."""
        table = self._synonyms
        if table is None:
            with self._lock:
                if self._synonyms is None:
                    self._synonyms = SynonymTable.load(self._extra_synonyms)
                table = self._synonyms
        return table

    # ---- plumbing -------------------------------------------------------------------------
    def _facet_sets(self, searcher: Searcher) -> FacetSets:
        # (generation, commit) of the pool: shared by all threads' searchers of that state, and
        # never reused for another state (id() of a closed reader can be reused by a new one)
        key = self.pool.key()
        with self._lock:
            sets = self._facet_cache.get(key)
        if sets is None:
            sets = FacetSets(searcher)
            self.scores.forget_other_states(key)
            with self._lock:
                if len(self._facet_cache) > 8:
                    self._facet_cache.clear()
                self._facet_cache[key] = sets
        return sets

    def _lexicon(self, searcher: Searcher) -> Lexicon:
        """What building a query needs of this searcher's index state."""
        analyzer = searcher.schema[TITLE].analyzer
        return Lexicon(
            analyze=lambda text: query_building.analyze(analyzer, text),
            doc_frequency=lambda term: self._doc_frequency(searcher, term),
            expansions=lambda text: self.synonyms.expansions(text),
            correct=self._correct,
            **self._understanding(searcher, analyzer),
        )

    def _understanding(self, searcher: Searcher, analyzer: Any) -> dict[str, Any]:
        """The ``Lexicon`` parts for word families, thesaurus, generic words and compound
        typos (``understanding``)."""
        cards = searcher.doc_count()

        def generic(word: str, term: str) -> bool:
            on = max(searcher.doc_frequency(f, term) for f in ranking.FIELD_BOOSTS)
            return understanding.is_generic(word, on, cards)

        def widen(units: list[Unit], parts: list[QueryPart]) -> None:
            try:
                thesaurus, written = shipped_thesaurus(), self._spelling().written
            except Exception as exc:  # the words as typed are still searched
                degradations.record("alternatives", exc)
                return
            understanding.with_alternatives(
                units, parts, self._lexicon_plain(searcher, analyzer), thesaurus, written
            )

        def misspelt(unit: Unit) -> bool:
            # a German word ("Winterdienst") is no typo, even where no card has it
            if unit.reasons or not unit.whole or unit.query is None or word_zipf(unit.text):
                return False
            if self._doc_frequency(searcher, unit.whole):
                return False
            return not self._docs(searcher, unit.query, None, None)

        return {"generic": generic, "widen": widen, "misspelt": misspelt}

    def _lexicon_plain(self, searcher: Searcher, analyzer: Any) -> Lexicon:
        return Lexicon(
            analyze=lambda text: query_building.analyze(analyzer, text),
            doc_frequency=lambda term: self._doc_frequency(searcher, term),
            expansions=lambda text: [],
            correct=lambda word: None,
        )

    @staticmethod
    def _doc_frequency(searcher: Searcher, term: str) -> int:
        return sum(searcher.doc_frequency(f, term) for f in ranking.FIELD_BOOSTS)

    def _correct(self, word: str) -> str | None:
        """The closest word of the cards to a misspelled one, as the cards write it."""
        key = fold(word)
        if len(key) < 4 or len(key) > 40 or not key.isalpha():
            return None
        dictionary = self._spelling()
        found = dictionary.suggest(key, maxdist=FUZZY_MAX_DIST if len(key) > 5 else 1)
        if found is None and not word_zipf(key):
            # a typo in one part of a compound: correct the part, keep the rest
            found = understanding.correct_compound(
                key,
                dictionary.counts.__contains__,
                dictionary.suggest,
                lambda part: word_zipf(part) >= COMMON_WORD_ZIPF,
            )
        return dictionary.written(found) if found else None

    def _spelling(self) -> SpellingDictionary:
        """The spelling dictionary of this thread's index state, read once per state and file
        version (an index run rewrites the file right after its commit)."""
        folder = Path(self.pool.key()[0])
        try:
            stat = (folder / SPELLING_FILE).stat()
            version = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            version = None
        cache_key = (self.pool.key(), version)
        with self._lock:
            cached = self._spelling_cache
        if cached is not None and cached[0] == cache_key:
            return cached[1]
        dictionary = load_dictionary(folder)
        with self._lock:
            self._spelling_cache = (cache_key, dictionary)
        return dictionary

    # ---- search ---------------------------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchResult:
        """The answer to one request; never slower than the time limit by more than one step
        of work (then an empty result with ``timed_out``)."""
        deadline = time.monotonic() + self.time_limit
        try:
            return self._search(request, deadline)
        except SearchTimeout:
            return SearchResult(request=request, total=0, hits=(), facets={}, timed_out=True)

    def _search(self, request: SearchRequest, deadline: float) -> SearchResult:
        searcher = self.pool.searcher()
        sets = self._facet_sets(searcher)
        allowed_by_facet: dict[str, frozenset[int]] = {}
        allowed_masks: dict[str, int] = {}
        resolved: dict[str, tuple[str, ...]] = {}
        for facet in FACETS:
            selected = request.selected(facet.name)
            if not selected:
                continue
            values = tuple(sets.resolve(facet.name, v) for v in selected)
            resolved[facet.name] = values
            docs: set[int] = set()
            mask = 0
            for value in values:
                docs |= sets.values[facet.name].get(value, frozenset())
                mask |= sets.masks[facet.name].get(value, 0)
            allowed_by_facet[facet.name] = frozenset(docs)
            allowed_masks[facet.name] = mask

        text = self._text_match(searcher, sets, request.q, deadline)
        parts, units, matched, scores = text.parts, text.units, text.matched, text.scores
        allowed_all = sets.all_docs
        for docs in allowed_by_facet.values():
            allowed_all = allowed_all & docs
        final = matched & allowed_all
        # the counts depend only on the query's matches and the selected values: computed once
        # per selection (the unfiltered browse page and repeated facet clicks reuse them)
        selection = tuple(sorted(resolved.items()))
        facets = text.facets.get(selection)
        if facets is None:
            if text.mask is None:
                text.mask = sets.all_mask if matched is sets.all_docs else bit_mask(matched)
            facets = self._facet_counts(sets, text.mask, allowed_masks, resolved)
            if len(text.facets) < FACET_COUNTS_PER_QUERY:
                text.facets[selection] = facets
        ranking: Sequence[int] = list(scores) if scores is not None else sets.newest(searcher)
        if request.sort == "newest":
            ranking = sets.newest(searcher)
        elif request.sort == "title":
            ranking = sets.by_title(searcher)
        explain = text.main if scores is not None else None
        hits = (
            self._page(
                searcher,
                request,
                ranking,
                final,
                units,
                parts,
                explain,
                scores or {},
                text.explained,
                complete=text.complete,
            )
            if final
            else ()
        )
        match, all_words = _match_of(text.complete, matched, final)
        return SearchResult(
            request=request,
            total=len(final),
            hits=hits,
            facets=facets,
            suggestion=text.suggestion,
            match=match,
            all_words=all_words,
            corrected=text.corrected,
        )

    def _text_match(
        self, searcher: Searcher, sets: FacetSets, q: str, deadline: float
    ) -> _TextMatch:
        """The query's matches, from the cache when the same words were searched in this
        index state before (a facet click, the next page, another sort order)."""
        key = (self.pool.key(), q)
        with self._lock:
            cached = self._matches.get(key)
            if cached is not None:
                self._matches.move_to_end(key)
                return cached
        failures = degradations.total()
        text = self._match_words(searcher, sets, q, deadline)
        text.size = 1 if text.matched is sets.all_docs else len(text.matched) + 1
        if degradations.total() != failures:
            return text  # a step failed: the next request tries again, not the cached answer
        with self._lock:
            if key not in self._matches and text.size <= MATCH_CACHE_DOCS:
                self._matches[key] = text
                self._matches_size += text.size
                while self._matches and (
                    self._matches_size > MATCH_CACHE_DOCS
                    or len(self._matches) > MATCH_CACHE_ENTRIES
                ):
                    _, old = self._matches.popitem(last=False)
                    self._matches_size -= old.size
        return text

    def clear_caches(self) -> None:
        """Forget cached query matches and term scores: every word is then searched for the
        first time (the benchmark's cold rows). What belongs to the index state itself (facet
        sets, browse orders, field length norms) stays, as it does in a running server."""
        with self._lock:
            self._matches.clear()
            self._matches_size = 0
        self.scores.clear(lengths=False)

    def _match_words(
        self, searcher: Searcher, sets: FacetSets, q: str, deadline: float
    ) -> _TextMatch:
        """Scores every card against the words of ``q``: synonyms, corrections, relaxing."""
        parts, verbs = understanding.read_question(q, split_query(q))
        built = query_building.build(parts, self._lexicon(searcher), verbs)
        units, main, exclude = built.units, built.main, built.exclude
        complete: frozenset[int] | None = None
        scores: dict[int, float] | None = None  # docnums by score, best first; None: by date
        if main is None and parts and exclude is None:
            matched: frozenset[int] = frozenset()  # only stop words: nothing to find
        elif main is None:
            matched = self._docs(searcher, Every(), exclude, deadline) if exclude else sets.all_docs
        else:
            scores = self._ranked(searcher, main, exclude, deadline)
            matched = complete = frozenset(scores)
            # When all words together find (almost) nothing, cards with some of them follow;
            # cards with all words keep a higher weight so they stay on top.
            some = query_building.some_words(parts, units)
            if len(matched) < ranking.BACKFILL_BELOW and some is not None:
                more = self._docs(searcher, some, exclude, deadline)
                if more - matched:
                    main = query_building.all_then_some(main, some, bool(matched))
                    scores = self._ranked(searcher, main, exclude, deadline)
                    matched = frozenset(scores)

        return _TextMatch(
            parts=parts,
            units=units,
            matched=matched,
            scores=scores,
            main=main,
            complete=complete,
            suggestion=built.suggestion,
            corrected=built.corrected,
        )

    def _docs(
        self,
        searcher: Searcher,
        main: Query,
        exclude: Query | None,
        deadline: float | None = None,
    ) -> frozenset[int]:
        q = query_building.with_exclusions(main, exclude)
        try:
            return frozenset(self.scores.evaluate(searcher, self.pool.key(), q, deadline))
        except SearchTimeout:
            raise
        except Exception as exc:
            degradations.record("matching", exc)
            return frozenset()

    def _ranked(
        self,
        searcher: Searcher,
        main: Query,
        exclude: Query | None,
        deadline: float | None = None,
    ) -> dict[int, float]:
        """Every matching card with its score, best first: one scored pass gives both the set
        and the order."""
        q = query_building.with_exclusions(main, exclude)
        try:
            return self.scores.ranked(searcher, self.pool.key(), q, deadline)
        except SearchTimeout:
            raise
        except Exception as exc:
            degradations.record("ranking", exc)
            return {}

    @staticmethod
    def _facet_counts(
        sets: FacetSets,
        matched_mask: int,
        allowed_masks: dict[str, int],
        resolved: dict[str, tuple[str, ...]],
    ) -> dict[str, tuple[FacetValue, ...]]:
        """Counts as bit operations on one integer per value (a set intersection per value
        costs milliseconds at 10,000 cards; ``(a & b).bit_count()`` microseconds)."""
        result: dict[str, tuple[FacetValue, ...]] = {}
        for facet in FACETS:
            base = matched_mask
            for other, mask in allowed_masks.items():
                if other != facet.name:
                    base &= mask
            selected = resolved.get(facet.name, ())
            values = []
            for value, mask in sets.masks[facet.name].items():
                count = (base & mask).bit_count()
                if count or value in selected:
                    values.append(FacetValue(value, count, value in selected))
            for value in selected:
                if value not in sets.values[facet.name]:
                    values.append(FacetValue(value, 0, True))
            folded = sets.sort_keys[facet.name]
            values.sort(key=lambda v: (-v.count, folded.get(v.value) or fold(v.value)))
            result[facet.name] = tuple(values)
        return result

    def _page(
        self,
        searcher: Searcher,
        request: SearchRequest,
        ranking: Sequence[int],
        final: frozenset[int],
        units: list[Unit],
        parts: list[QueryPart],
        main: Query | None,
        scores: dict[int, float],
        explained: dict[int, tuple[str, str, tuple[str, ...]]],
        complete: frozenset[int] | None = None,
    ) -> tuple[Hit, ...]:
        """The hits of the requested page; only these are highlighted and explained."""
        start = (request.page - 1) * request.per_page
        end = start + request.per_page
        page_docs: list[int] = []
        seen = 0
        for docnum in ranking:
            if docnum in final:
                if seen >= start:
                    page_docs.append(docnum)
                    if len(page_docs) >= request.per_page:
                        break
                seen += 1
        if not page_docs or start >= end:
            return ()
        positive_units = [u for u, p in zip(units, parts, strict=True) if not p.exclude]
        explain = main is not None and bool(positive_units)
        # snippets, marked titles and reasons of cards shown for this query before (the same
        # words give the same marks) come from the query's cache entry
        todo = [d for d in page_docs if d not in explained] if explain else []
        failures = degradations.total()
        matched_terms = self._matched_terms(searcher, main, todo) if todo else {}
        query_terms = frozenset().union(*(u.terms for u in positive_units)) if todo else frozenset()
        analyzer = searcher.schema[TITLE].analyzer
        marker: TermMatcher | None = None
        if todo:
            try:
                marker = TermMatcher(analyzer, query_terms)  # one word cache for the whole page
            except ValueError as exc:  # the hits are shown without marks
                degradations.record("snippet", exc)
                marker = None
        hits = []
        for docnum in page_docs:
            stored = searcher.stored_fields(docnum)
            card = json.loads(stored[CARD])
            marks = explained.get(docnum, _NO_MARKS) if explain else _NO_MARKS
            if docnum in todo and marker is not None:
                found = matched_terms.get(docnum, set())
                try:
                    snippet = fragments_html(str(stored.get(BODY, "")), marker, top=2)
                    snippet = snippet or fragments_html(str(stored.get(SUMMARY, "")), marker, top=1)
                    title_html = whole_html(str(stored.get(TITLE, "")), marker)
                except Exception as exc:  # the hit is shown without marks
                    degradations.record("snippet", exc)
                    snippet = title_html = ""
                reasons = _reasons(found, positive_units)
                reasons += self._surface_forms(
                    analyzer, marker, found, stored, parts, positive_units
                )
                marks = (snippet, title_html, tuple(reasons))
                if len(explained) < EXPLAINED_PER_QUERY and degradations.total() == failures:
                    explained[docnum] = marks
            hits.append(
                Hit(
                    slug=stored[SLUG],
                    score=round(scores.get(docnum, 0.0), 4) if request.sort == "relevance" else 0.0,
                    card=card,
                    snippet=marks[0],
                    title_html=marks[1],
                    reasons=marks[2],
                    partial=complete is not None and docnum not in complete,
                )
            )
        return tuple(hits)

    def _matched_terms(
        self, searcher: Searcher, main: Query | None, docnums: Sequence[int]
    ) -> dict[int, set[str]]:
        """Which query terms each of a few cards contains (from the cached term vectors)."""
        if main is None:
            return {}
        try:
            return self.scores.matching_terms(searcher, self.pool.key(), main, list(docnums))
        except Exception as exc:  # hits are shown without "why this hit"
            degradations.record("matched_terms", exc)
            return {}

    @staticmethod
    def _surface_forms(
        analyzer: Any,
        marker: TermMatcher,
        found: set[str],
        stored: dict[str, Any],
        parts: list[QueryPart],
        units: list[Unit],
    ) -> list[str]:
        """Words of the card that matched in another form than typed.

        E.g. "Generationencafé" for "Café".
        """
        matched = found & frozenset().union(*(u.literal for u in units))
        typed = {fold(w) for p in parts if not p.exclude for w in p.text.split()}
        try:
            result = matched_surface_forms(
                [str(stored.get(f, "")) for f in (TITLE, SUMMARY, BODY)],
                matched,
                analyzer,
                MAX_SURFACE_FORMS,
                typed=typed,
                scan_chars=SURFACE_SCAN_CHARS,
                matcher=marker,
            )
        except Exception as exc:
            degradations.record("surface_forms", exc)
            return []
        if not result.forms or result.seen_typed >= typed:
            return []  # every word as typed is in the card: nothing to explain
        return ["gefunden als " + ", ".join(f"„{form}“" for form in result.forms)]

    # ---- single cards ---------------------------------------------------------------------
    def card(self, slug: str) -> dict[str, Any] | None:
        """The stored card data of a slug, or None."""
        searcher = self.pool.searcher()
        fields = searcher.document(slug=slug)
        return json.loads(fields[CARD]) if fields else None

    def slug_for_alias(self, alias: str) -> str | None:
        searcher = self.pool.searcher()
        for fields in searcher.documents(aliases=alias):
            return str(fields[SLUG])
        return None

    def all_cards(self) -> list[dict[str, Any]]:
        """Every card's data, newest first (feeds, sitemaps, overviews)."""
        searcher = self.pool.searcher()
        cards = [json.loads(f[CARD]) for f in searcher.all_stored_fields()]
        cards.sort(key=lambda c: (c.get("updated") or c["published"], c["slug"]), reverse=True)
        return cards

    def related(self, slug: str, limit: int = RELATED_DEFAULT) -> list[dict[str, Any]]:
        """The most similar cards: shared key words of the body, shared topics and challenges."""
        searcher = self.pool.searcher()
        docnum = searcher.document_number(slug=slug)
        if docnum is None:
            return []
        this = json.loads(searcher.stored_fields(docnum)[CARD])
        scores: dict[int, float] = {}
        try:
            similar = searcher.more_like(
                docnum, BODY, top=limit * 4, numterms=ranking.RELATED_KEY_WORDS
            )
            best = max((h.score for h in similar), default=1.0) or 1.0
            for h in similar:
                scores[h.docnum] = h.score / best
        except Exception as exc:  # related by topics and challenges only
            degradations.record("related", exc)
        sets = self._facet_sets(searcher)
        for facet_name, weight in ranking.RELATED_WEIGHTS.items():
            for value in this.get(facet_name, []):
                for doc in sets.values[facet_name].get(value, frozenset()):
                    if doc != docnum:
                        scores[doc] = scores.get(doc, 0.0) + weight
        ranked = sorted(scores, key=lambda d: -scores[d])[:limit]
        return [
            json.loads(searcher.stored_fields(d)[CARD])
            for d in ranked
            if scores[d] > ranking.RELATED_MIN_SCORE
        ]

    def doc_count(self) -> int:
        return self.pool.searcher().doc_count()


def _match_of(
    complete: frozenset[int] | None, matched: frozenset[int], final: frozenset[int]
) -> tuple[str | None, int | None]:
    """``SearchResult.match`` and ``all_words`` of the hits ``final`` (the matched cards under
    the selected filters)."""
    if complete is None:
        return None, None
    all_words = len(final) if complete is matched else len(complete & final)
    return ("all" if all_words == len(final) else "some"), all_words


def _reasons(found: set[str], units: list[Unit]) -> list[str]:
    """Why a hit matched when not by the words as typed: synonyms, spelling corrections."""
    notes: list[str] = []
    for unit in units:
        if found & unit.literal:
            continue  # the word as typed is in the card: no explanation needed
        for term in sorted(found & unit.reasons.keys()):
            if unit.reasons[term] not in notes:
                notes.append(unit.reasons[term])
    return notes[:3]
