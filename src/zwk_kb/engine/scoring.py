"""Scores the engine's Whoosh queries term at a time, from cached per-term score vectors.

Why: at 10,000 cards a common word ("Pflege", "Gemeinde") stands on thousands of cards in
five text fields, plus its synonyms. Whoosh scores such a query document at a time through a
tree of pure-Python matchers: 100–500 ms per query here, most of it matcher overhead. The
BM25F score of one term on one card only depends on the index state, so it is computed once
per index state (from the segments' side files, see ``impacts``) and kept as two compact
arrays. A query is then a few array operations over one score per card (numpy, in C: a
synonym-rich query touches 50,000 postings, which cost 50–70 ms as Python dictionaries):
Or = sum, And = sum where all match, ``DisMax`` = best plus tiebreak share (``best_of``),
AndNot = difference, boosts multiply. The arithmetic is Whoosh's, in the order of its
additions (``tests/test_scoring.py`` compares both on every query of the relevance
judgments); ``DisMax`` brings its own Whoosh matcher, so both paths score it by ``best_of``. Queries
this module does not take apart (spans of other shapes) are scored by Whoosh once per index
state and cached the same way.

The cache is bounded by the number of postings it holds (16 bytes each) and drops the least
recently used entries; an entry of another index state is never used (the key includes it).
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from typing import Any, NamedTuple

import numpy as np
from whoosh import matching
from whoosh import query as wq
from whoosh.collectors import TimeLimit, TimeLimitCollector
from whoosh.matching import FilterMatcher
from whoosh.query import spans
from whoosh.scoring import BM25F, BM25FScorer
from whoosh.searching import Searcher

from zwk_kb import degradations
from zwk_kb.engine.sidefile import segment_impacts
from zwk_kb.errors import SearchTimeout

DEFAULT_BUDGET = 2_000_000
"""Postings kept in the cache (16 bytes each, about 32 MB): the frequent words of a 10,000-card
index. Measured: after 2,500 different queries on 10k cards the cache held 2.0 million postings
and the process 173 MB, under the 200 MB a small server should need."""

Scores = dict[int, float]
Vector = tuple[np.ndarray, np.ndarray]
"""Sparse: the matching documents (int64, ascending) and their scores (float64)."""
Dense = tuple[np.ndarray, np.ndarray]
"""One entry per document of the index: score (float64, 0 where not matched), matched (bool)."""


def best_of(scores: Sequence[float], tiebreak: float) -> float:
    """The score of a card that several alternatives of one word match (the word as typed and
    its synonyms): the best alternative's score plus ``tiebreak`` times the sum of the others,
    summed in the order of the alternatives. The one definition of best-of scoring:
    ``_dismax`` computes it for every card at once, ``DisMax``'s matcher card by card."""
    best = max(scores)
    return best + tiebreak * (sum(scores) - best)


class DisMax(wq.DisjunctionMax):
    """The best-scoring alternative counts, plus a small tiebreak share of the others
    (``best_of``), whichever path evaluates it.

    Whoosh's own ``DisjunctionMax`` pairs the alternatives up in a tree of two-way matchers:
    with three or more alternatives the nested pairs give other scores than the best of all,
    and its matcher takes the maximum of sub-matchers that stand on *different* cards.
    """

    def matcher(self, searcher: Any, context: Any = None) -> matching.Matcher:
        subs = [q.matcher(searcher, context) for q in self.subqueries]
        if not subs:
            return matching.NullMatcher()
        m = subs[0] if len(subs) == 1 else _BestOfMatcher(subs, self.tiebreak)
        return matching.WrappingMatcher(m, self.boost) if self.boost != 1.0 else m


class _BestOfMatcher(matching.Matcher):
    """Whoosh's document-at-a-time form of ``best_of``: the union of all alternatives, each
    card scored from the alternatives standing on it, in the alternatives' order."""

    def __init__(self, subs: list[matching.Matcher], tiebreak: float) -> None:
        self._subs = subs
        self.tiebreak = tiebreak

    def _current(self) -> list[matching.Matcher]:
        active = [m for m in self._subs if m.is_active()]
        if not active:
            return []
        first = min(m.id() for m in active)
        return [m for m in active if m.id() == first]

    def is_active(self) -> bool:
        return any(m.is_active() for m in self._subs)

    def id(self) -> int:
        return min(m.id() for m in self._subs if m.is_active())

    def next(self) -> None:
        for m in self._current():
            m.next()

    def skip_to(self, id: int) -> None:
        for m in self._subs:
            if m.is_active() and m.id() < id:
                m.skip_to(id)

    def score(self) -> float:
        return best_of([m.score() for m in self._current()], self.tiebreak)

    def weight(self) -> float:
        return sum(m.weight() for m in self._current())

    def max_quality(self) -> float:
        """An upper bound of ``score`` (``best_of`` grows with every alternative's score)."""
        active = [m.max_quality() for m in self._subs if m.is_active()]
        return best_of(active, self.tiebreak) if active else 0.0

    def value(self) -> Any:
        return self._current()[0].value()

    def value_as(self, astype: str) -> Any:
        return self._current()[0].value_as(astype)

    def supports(self, astype: str) -> bool:
        return all(m.supports(astype) for m in self._subs)

    def children(self) -> list[matching.Matcher]:
        return list(self._subs)

    def depth(self) -> int:
        return 1 + max(m.depth() for m in self._subs)

    def reset(self) -> None:
        for m in self._subs:
            m.reset()

    def copy(self) -> _BestOfMatcher:
        return _BestOfMatcher([m.copy() for m in self._subs], self.tiebreak)

    def replace(self, minquality: float = 0) -> matching.Matcher:
        # no alternative may be dropped for a low quality: its tiebreak share still counts
        subs = [m.replace(0) for m in self._subs if m.is_active()]
        subs = [m for m in subs if m.is_active()]
        if not subs:
            return matching.NullMatcher()
        if len(subs) == 1:
            return subs[0]
        if len(subs) == len(self._subs) and all(
            a is b for a, b in zip(subs, self._subs, strict=True)
        ):
            return self
        return _BestOfMatcher(subs, self.tiebreak)


class BM25Params(NamedTuple):
    """What scoring a term with BM25F needs: its idf, the field's ``K1``, ``B`` and average
    length (the attributes of Whoosh's ``BM25FScorer`` that :meth:`ScoreCache._bm25` reads)."""

    idf: float
    K1: float
    B: float
    avgfl: float


def _bm25_params(weighting: Any, leaf: Searcher, field: str, text: Any) -> BM25Params | None:
    """The numbers of ``BM25F.scorer(leaf, field, text)`` without making the scorer, whose
    set-up looks the term up in the segment's term table once more for bounds a whole-vector
    score never uses (a tenth of a first search); ``None`` for another weighting or a field
    that is not scored (Whoosh's scorer then decides)."""
    if type(weighting) is not BM25F or not leaf.schema[field].scorable:
        return None
    parent = leaf.get_parent()  # as BM25FScorer: global statistics from the top searcher
    return BM25Params(
        idf=parent.idf(field, text),
        K1=weighting.K1,
        B=weighting._field_B.get(field, weighting.B),
        avgfl=parent.avg_field_length(field) or 1,
    )


class ScoreCache:
    """Score vectors of terms and of opaque subqueries, shared by all threads."""

    def __init__(self, budget: int = DEFAULT_BUDGET) -> None:
        self.budget = budget
        self._entries: OrderedDict[Hashable, Vector] = OrderedDict()
        self._size = 0
        # (state, segment, field, k1, b, avgfl) -> BM25 length norm of every document
        self._lengths: dict[tuple[Any, ...], np.ndarray] = {}
        self._lock = threading.Lock()

    # ---- cache plumbing ------------------------------------------------------------------
    def _get(self, key: Hashable) -> Vector | None:
        with self._lock:
            vector = self._entries.get(key)
            if vector is not None:
                self._entries.move_to_end(key)
            return vector

    def _put(self, key: Hashable, vector: Vector) -> None:
        size = len(vector[0]) + 1
        if size > self.budget:
            return
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = vector
            self._size += size
            while self._size > self.budget and self._entries:
                _, old = self._entries.popitem(last=False)
                self._size -= len(old[0]) + 1

    def clear(self, lengths: bool = True) -> None:
        """Forget every score vector; with ``lengths=False`` keep the per-field length norms,
        which belong to the index state rather than to any search."""
        with self._lock:
            self._entries.clear()
            if lengths:
                self._lengths.clear()
            self._size = 0

    def forget_other_states(self, state: Hashable) -> None:
        """Drop the entries of index states other than ``state`` (after a new index)."""
        with self._lock:
            for key in [k for k in self._entries if k[0] != state]:  # type: ignore[index]
                self._size -= len(self._entries.pop(key)[0]) + 1
            for key in [k for k in self._lengths if k[0] != state]:
                del self._lengths[key]

    # ---- evaluation ----------------------------------------------------------------------
    def evaluate(
        self, searcher: Searcher, state: Hashable, q: wq.Query, deadline: float | None = None
    ) -> Scores:
        """Every matching document with its score, as Whoosh would compute it.

        Raises ``SearchTimeout`` once ``time.monotonic()`` passes ``deadline``.
        """
        scores, matched = self._dense(searcher, state, q, deadline, searcher.doc_count_all())
        docs = np.flatnonzero(matched)
        return dict(zip(docs.tolist(), scores[docs].tolist(), strict=True))

    def ranked(
        self, searcher: Searcher, state: Hashable, q: wq.Query, deadline: float | None = None
    ) -> Scores:
        """As ``evaluate``, best first; equal scores by document number (as Whoosh orders
        them: a stable sort of the ascending documents)."""
        scores, matched = self._dense(searcher, state, q, deadline, searcher.doc_count_all())
        docs = np.flatnonzero(matched)
        order = docs[np.argsort(-scores[docs], kind="stable")]
        return dict(zip(order.tolist(), scores[order].tolist(), strict=True))

    def _dense(
        self,
        searcher: Searcher,
        state: Hashable,
        q: wq.Query,
        deadline: float | None,
        size: int,
    ) -> Dense:
        if deadline is not None and time.monotonic() > deadline:
            raise SearchTimeout("Die Suche hat zu lange gedauert.")

        def sub(query: wq.Query) -> Dense:
            return self._dense(searcher, state, query, deadline, size)

        if isinstance(q, wq.Term):
            docs, scores = self._term(searcher, state, q)
            return _scattered(docs, scores * q.boost if q.boost != 1.0 else scores, size)
        if isinstance(q, wq.AndNot):
            scores, matched = sub(q.a)
            if matched.any():
                matched = matched & ~sub(q.b)[1]
                scores = np.where(matched, scores, 0.0)
            return _scaled((scores, matched), q.boost)
        if isinstance(q, DisMax):
            return _scaled(_dismax([sub(s) for s in q.subqueries], q.tiebreak, size), q.boost)
        if type(q) is wq.Or and not q.minmatch and q.scale is None:
            return _scaled(_union([sub(s) for s in q.subqueries], size), q.boost)
        if type(q) is wq.And:
            return _scaled(_intersection(q.subqueries, sub, size), q.boost)
        if isinstance(q, wq.AndMaybe):  # the required part, plus the optional one where it matches
            (scores, matched), (extra, more) = sub(q.a), sub(q.b)
            return np.where(matched & more, scores + extra, scores), matched  # no boost: Whoosh's
        if isinstance(q, spans.SpanNear2):
            near = self._near(searcher, state, q, deadline)
            if near is not None:
                return _scattered(*near, size)
        if isinstance(q, wq.Phrase) and len(q.words) > 1:
            # Whoosh matches a phrase as SpanNear2(ordered, mindist=1) and then applies its boost
            terms = [wq.Term(q.fieldname, word) for word in q.words]
            in_order = spans.SpanNear2(terms, slop=q.slop, ordered=True, mindist=1)
            near = self._near(searcher, state, in_order, deadline)
            if near is not None:
                return _scaled(_scattered(*near, size), q.boost)
        return _scattered(*self._opaque(searcher, state, q, deadline), size)

    def matching_terms(
        self, searcher: Searcher, state: Hashable, q: wq.Query, docnums: list[int]
    ) -> dict[int, set[str]]:
        """The terms of ``q`` each of a few documents contains (for "why this hit").

        Excluded words (the right side of AndNot) never count; the words of phrases and
        spans count where they occur at all.
        """
        found: dict[int, set[str]] = {d: set() for d in docnums}
        for fieldname, text in _positive_terms(q):
            if fieldname not in searcher.schema:
                continue
            docs, _ = self._term(searcher, state, wq.Term(fieldname, text))
            word = text.decode("utf-8") if isinstance(text, bytes) else str(text)
            for docnum in docnums:
                i = int(np.searchsorted(docs, docnum))
                if i < len(docs) and docs[i] == docnum:
                    found[docnum].add(word)
        return {d: terms for d, terms in found.items() if terms}

    def _opaque(
        self, searcher: Searcher, state: Hashable, q: wq.Query, deadline: float | None = None
    ) -> Vector:
        """A query scored by Whoosh itself (phrases, spans …), once per index state."""
        key = (state, "query", q)
        vector = self._get(key)
        if vector is None:
            collector = searcher.collector(limit=None)
            if deadline is not None:
                collector = TimeLimitCollector(
                    collector, max(0.001, deadline - time.monotonic()), use_alarm=False
                )
            try:
                searcher.search_with_collector(q, collector)
            except TimeLimit as exc:
                raise SearchTimeout("Die Suche hat zu lange gedauert.") from exc
            results = collector.results()
            ranked = sorted((docnum, score) for score, docnum in results.top_n)
            vector = (
                np.array([d for d, _ in ranked], dtype=np.int64),
                np.array([s for _, s in ranked], dtype=np.float64),
            )
            self._put(key, vector)
        return vector

    def _near(
        self, searcher: Searcher, state: Hashable, q: spans.SpanNear2, deadline: float | None
    ) -> Vector | None:
        """Terms of one field near each other (the parts of a compound), from the positions in
        the segments' side files: the documents containing all terms are known from their
        cached vectors, so only those documents' positions are looked at. ``None`` when a
        segment has no side file (Whoosh then scores the query).

        Scored as Whoosh's ``SpanNear2`` matcher: the sum of the terms' scores in Whoosh's
        order of additions, and without the query's own boost (Whoosh ignores it).
        """
        terms = q.qs
        if len(terms) < 2 or not all(
            isinstance(t, wq.Term) and t.fieldname == terms[0].fieldname and t.boost == 1.0
            for t in terms
        ):
            return None
        key = (state, "near", q)
        vector = self._get(key)
        if vector is not None:
            return vector
        field = terms[0].fieldname
        vectors = [self._term(searcher, state, t) for t in terms]
        candidates = vectors[0][0]
        for docs, _ in vectors[1:]:
            candidates = np.intersect1d(candidates, docs, assume_unique=True)
        wanted: list[int] = candidates.tolist()
        to_bytes = searcher.schema[field].to_bytes if field in searcher.schema else None
        btexts = [
            t.text if isinstance(t.text, bytes) or to_bytes is None else to_bytes(t.text)
            for t in terms
        ]
        matched: list[int] = []
        for leaf, offset in searcher.leaf_searchers() if wanted else ():
            if deadline is not None and time.monotonic() > deadline:
                raise SearchTimeout("Die Suche hat zu lange gedauert.")
            reader = leaf.reader()
            lo = bisect_left(wanted, offset)
            hi = bisect_left(wanted, offset + reader.doc_count_all())
            local = [d - offset for d in wanted[lo:hi]]
            if not local:
                continue
            impacts = segment_impacts(reader, field)
            if impacts is None:
                return None
            if len(btexts) == 2:  # the engine's case: two parts of a compound
                keys = [impacts.position_keys(field, btext, local) for btext in btexts]
                if keys[0] is None or keys[1] is None:
                    return None
                near = _near_pairs(keys[0], keys[1], q.slop, q.ordered, q.mindist)
                matched.extend((near + offset).tolist())
                continue
            per_term: list[dict[int, Any]] = []
            for btext in btexts:
                found = impacts.positions(field, btext, local)
                if found is None:
                    return None
                per_term.append(found)
            for doc in local:
                lists = [found.get(doc) for found in per_term]
                if all(lists) and _near_match(lists, q.slop, q.ordered, q.mindist):
                    matched.append(doc + offset)
        docs = np.array(matched, dtype=np.int64)
        # elementwise: each document's sum in Whoosh's order
        scores = _tree_sum([v[1][np.searchsorted(v[0], docs)] for v in vectors])
        vector = (docs, scores if len(vectors) > 1 else scores.copy())
        self._put(key, vector)
        return vector

    def _term(self, searcher: Searcher, state: Hashable, q: wq.Term) -> Vector:
        key = (state, q.fieldname, q.text)
        vector = self._get(key)
        if vector is None:
            vector = self._read_term(searcher, state, q.fieldname, q.text)
            self._put(key, vector)
        return vector

    def _read_term(self, searcher: Searcher, state: Hashable, field: str, text: Any) -> Vector:
        """BM25F scores of one term on every (not deleted) document, segment by segment."""
        docnums: list[np.ndarray] = []
        scores: list[np.ndarray] = []
        if field not in searcher.schema:
            return _EMPTY_VECTOR
        weighting = searcher.weighting
        btext = searcher.schema[field].to_bytes(text) if isinstance(text, str) else text
        for leaf_index, (leaf, offset) in enumerate(searcher.leaf_searchers()):
            reader = leaf.reader()
            impacts = segment_impacts(reader, field)
            if impacts is not None:
                # the side file lists exactly the segment's terms: no lookup in Whoosh's table
                ids, weights = impacts.postings(field, btext)
                if not ids:
                    continue
                scorer = _bm25_params(weighting, leaf, field, text)
                if scorer is None:
                    scorer = weighting.scorer(leaf, field, text)
                if isinstance(scorer, (BM25FScorer, BM25Params)):
                    local = np.frombuffer(ids, dtype=np.uint32).astype(np.int64)
                    tfs = np.frombuffer(weights, dtype=np.float32).astype(np.float64)
                    if reader.has_deletions():
                        local, tfs = _without_deleted(local, tfs, reader.segment().deleted_docs())
                    docnums.append(local + offset)
                    scores.append(self._bm25(local, tfs, scorer, reader, state, leaf_index, field))
                    continue
            elif (field, text) not in reader:
                continue
            else:
                scorer = weighting.scorer(leaf, field, text)
            matcher = reader.postings(field, text, scorer=scorer)
            deleted: Any = None
            if isinstance(matcher, FilterMatcher):  # the segment has deleted documents
                if matcher._exclude:
                    deleted = matcher._ids
                    matcher = matcher.child
                else:
                    deleted = None  # an allow-list: let Whoosh walk it
            if deleted is not None and not hasattr(matcher, "_read_ids"):
                matcher = reader.postings(field, text, scorer=scorer)
                deleted = None
            if isinstance(scorer, BM25FScorer) and hasattr(matcher, "_read_ids"):
                block_ids, block_weights = _postings_in_blocks(matcher)
                local = np.array(block_ids, dtype=np.int64)
                tfs = np.array(block_weights, dtype=np.float64)
                if deleted is not None:
                    local, tfs = _without_deleted(local, tfs, deleted)
                docnums.append(local + offset)
                scores.append(self._bm25(local, tfs, scorer, reader, state, leaf_index, field))
            else:  # another weighting or codec: Whoosh's own scorer, posting by posting
                found: list[int] = []
                values: list[float] = []
                while matcher.is_active():
                    docnum = matcher.id()
                    if deleted is None or docnum not in deleted:
                        found.append(docnum + offset)
                        values.append(float(matcher.score()))
                    matcher.next()
                docnums.append(np.array(found, dtype=np.int64))
                scores.append(np.array(values, dtype=np.float64))
        if not docnums:
            return _EMPTY_VECTOR
        return np.concatenate(docnums), np.concatenate(scores)

    def _bm25(
        self,
        ids: np.ndarray,
        tfs: np.ndarray,
        scorer: BM25FScorer | BM25Params,
        reader: Any,
        state: Hashable,
        leaf_index: int,
        field: str,
    ) -> np.ndarray:
        """One segment's BM25F scores of a term: Whoosh's bm25(), ``idf * (tf * (K1 + 1)) /
        (tf + K1 * ((1 - B) + B * fl / avgfl))``, elementwise. Each step is the same IEEE
        operation on the same doubles as Whoosh's (the float32 weights widened exactly), so
        the scores are identical."""
        norm = self._length_norms(reader, state, leaf_index, field, scorer)
        return scorer.idf * ((tfs * (scorer.K1 + 1)) / (tfs + norm[ids]))

    def _length_norms(
        self,
        reader: Any,
        state: Hashable,
        leaf_index: int,
        field: str,
        scorer: BM25FScorer | BM25Params,
    ) -> np.ndarray:
        """``K1 * ((1 - B) + B * fl / avgfl)`` per document of a segment: the same for every
        term of a field, so computed once per index state (not per term: 10,000 floats)."""
        k1, b, avgfl = scorer.K1, scorer.B, scorer.avgfl
        key = (state, leaf_index, field, k1, b, avgfl)
        with self._lock:
            norms = self._lengths.get(key)
        if norms is None:
            norms = np.array(
                [k1 * ((1 - b) + b * fl / avgfl) for fl in _read_lengths(reader, field)],
                dtype=np.float64,
            )
            with self._lock:
                self._lengths[key] = norms
        return norms


def _near_pairs(
    first: np.ndarray, second: np.ndarray, slop: int, ordered: bool, mindist: int
) -> np.ndarray:
    """The documents where an occurrence of the second term is within ``slop`` (and at least
    ``mindist``) words of one of the first (after it, if ``ordered``): ``_near_match`` for two
    terms, on ``document << 32 | position`` keys of all documents at once."""
    if ordered:
        ranges = [(mindist, slop)]
    elif mindist == 0:
        ranges = [(-slop, slop)]
    else:
        ranges = [(mindist, slop), (-slop, -mindist)]
    hit = np.zeros(len(first), dtype=bool)
    for low, high in ranges:
        if low <= high:
            hit |= np.searchsorted(second, first + high, "right") > np.searchsorted(
                second, first + low, "left"
            )
    return np.unique(first[hit] >> 32)


def _near_match(positions: list[Any], slop: int, ordered: bool, mindist: int) -> bool:
    """Whoosh's ``SpanNear2Matcher._get_spans`` on plain positions: spans of the first term
    grow by each next term within ``slop`` (and at least ``mindist``) of them."""
    current = [(p, p) for p in positions[0]]
    last = len(positions) - 1
    for number, others in enumerate(positions[1:], 1):
        grown: set[tuple[int, int]] = set()
        count = len(others)
        for start, end in current:
            j = bisect_left(others, start if ordered else max(0, start - slop))
            while j < count:
                other = others[j]
                j += 1
                if other < start - slop or (ordered and start > other):
                    continue
                if other > end + slop:
                    break
                if start <= other <= end:
                    dist = 0
                elif end < other:
                    dist = other - end
                else:
                    dist = start - other
                if mindist <= dist <= slop:
                    if number == last:
                        return True  # only whether spans remain matters, not which
                    grown.add((min(start, other), max(end, other)))
        if not grown:
            return False
        current = sorted(grown)
    return False


def _without_deleted(
    ids: np.ndarray, tfs: np.ndarray, deleted: Any
) -> tuple[np.ndarray, np.ndarray]:
    """A segment's postings without its deleted documents (a card removed or replaced by an
    update stays in its old segment until the next merge, marked deleted)."""
    gone = np.fromiter(deleted, dtype=np.int64)
    if not len(gone):
        return ids, tfs
    kept = ~np.isin(ids, gone)
    return ids[kept], tfs[kept]


def _tree_sum(values: list[Any]) -> Any:
    """Sum in the order of Whoosh's binary tree of intersection matchers (of numbers, or
    elementwise of arrays)."""
    if len(values) == 1:
        return values[0]
    half = len(values) // 2
    return _tree_sum(values[:half]) + _tree_sum(values[half:])


def _positive_terms(q: wq.Query) -> set[tuple[str, Any]]:
    if isinstance(q, wq.AndNot):
        return _positive_terms(q.a)
    if isinstance(q, wq.Term):
        return {(q.fieldname, q.text)}
    if isinstance(q, wq.CompoundQuery):
        return set().union(*(_positive_terms(sub) for sub in q.subqueries))
    try:
        return set(q.terms())
    except Exception as exc:  # the hit is shown without "why this hit"
        degradations.record("query_terms", exc)
        return set()


def _postings_in_blocks(matcher: Any) -> tuple[list[int], list[float]]:
    """All (docnum, weight) of a whoosh3 leaf matcher, decoded a block at a time (the public
    per-posting API costs twice as much)."""
    ids: list[int] = []
    weights: list[float] = []
    while matcher.is_active():
        matcher._read_ids()
        matcher._read_weights()
        ids.extend(matcher._ids)
        weights.extend(matcher._weights)
        matcher._next_block()
    return ids, weights


def _read_lengths(reader: Any, field: str) -> list[int]:
    """Length of ``field`` in every document of a segment (1 where unknown, as Whoosh's
    scorer assumes)."""
    count = reader.doc_count_all()
    try:
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
        from whoosh.util.numeric import byte_to_length

        column = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
        if column is not None:
            table = [byte_to_length(i) or 1 for i in range(256)]
            lengths = [table[b] for b in _length_bytes(column, count)]
            if len(lengths) >= count:
                return lengths
    except (AttributeError, ImportError, TypeError):
        pass
    return [reader.doc_field_length(d, field, 1) or 1 for d in range(count)]


def _length_bytes(column: Any, count: int) -> Any:
    """The length bytes of a segment's documents in one read: iterating Whoosh's column
    reader seeks and reads one byte per document (about 10 ms per field at 10,000 cards)."""
    if (
        getattr(column, "_typecode", None) == "B"
        and getattr(column, "_fixedlen", None) == 1
        and hasattr(column, "_dbfile")
    ):
        stored = min(column._count, count)
        raw = column._dbfile.get(column._basepos, stored) if stored else b""
        if len(raw) == stored:
            return raw + bytes([column._default]) * (count - stored)
    return column


_EMPTY_VECTOR: Vector = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))


def _scattered(docs: np.ndarray, scores: np.ndarray, size: int) -> Dense:
    dense = np.zeros(size, dtype=np.float64)
    dense[docs] = scores
    matched = np.zeros(size, dtype=bool)
    matched[docs] = True
    return dense, matched


def _empty(size: int) -> Dense:
    return np.zeros(size, dtype=np.float64), np.zeros(size, dtype=bool)


def _scaled(part: Dense, boost: float) -> Dense:
    return (part[0] * boost, part[1]) if boost != 1.0 else part


def _union(parts: list[Dense], size: int) -> Dense:
    """Sum per document over the parts that match it. Adding a 0.0 where a part does not match
    leaves a sum unchanged, so each document's score is the running sum of its own parts'
    scores, in this order (the most frequent part first)."""
    parts = [p for p in parts if p[1].any()]
    if not parts:
        return _empty(size)
    parts.sort(key=lambda p: int(np.count_nonzero(p[1])), reverse=True)
    total, matched = parts[0][0].copy(), parts[0][1].copy()
    for scores, more in parts[1:]:
        total += scores
        matched |= more
    return total, matched


def _intersection(subqueries: list[wq.Query], evaluate: Any, size: int) -> Dense:
    """Sum over the subqueries where all of them match (the later ones are not evaluated once
    nothing is left)."""
    total: np.ndarray | None = None
    matched = np.zeros(size, dtype=bool)
    for sub in subqueries:
        scores, more = evaluate(sub)
        if total is None:
            total, matched = scores.copy(), more.copy()
        else:
            total += scores
            matched &= more
        if not matched.any():
            return _empty(size)
    if total is None:
        return _empty(size)
    return np.where(matched, total, 0.0), matched


def _dismax(parts: list[Dense], tiebreak: float, size: int) -> Dense:
    """``best_of`` for every document at once: the same IEEE operations in the same order
    (adding the 0.0 of a part that does not match leaves the sum unchanged), so the scores
    are identical. Where only one part matches, total == best exactly, so the document keeps
    that part's score."""
    parts = [p for p in parts if p[1].any()]
    if not parts:
        return _empty(size)
    if len(parts) == 1:
        return parts[0]
    total, best, matched = parts[0][0].copy(), parts[0][0].copy(), parts[0][1].copy()
    for scores, more in parts[1:]:
        total += scores
        np.maximum(best, scores, out=best)
        matched |= more
    return best + tiebreak * (total - best), matched
