"""Scores the engine's queries (``engine.query``) term at a time, from cached per-term score
vectors: the one definition of the ranking.

Why: at 10,000 cards a common word ("Pflege", "Gemeinde") stands on thousands of cards in
five text fields, plus its synonyms. Scored document at a time through a tree of pure-Python
matchers (Whoosh's way), such a query spends most of its time in matcher overhead. The BM25F
score of one term on one card only depends on the index state, so it is computed once per
index state (from the segments' side files, see ``sidefile``) and kept as two compact arrays.
A query is then a few array operations over one score per card (numpy, in C): Or = sum,
And = sum where all match, BestOf = best plus tiebreak share of the others, AndNot =
difference, Near = sum of the terms where the side files' positions are near, boosts multiply.

Two fast paths need a segment's side file: the term postings and the positions of ``Near``.
Where a segment has none (an index written by another program, a damaged file), the term is
read through Whoosh's public postings and a ``Near`` is scored by Whoosh's span matcher; each
such fallback is counted in ``fast_paths`` and as a degradation (logged once, ``/healthz``).

The cache is bounded by the number of postings it holds (16 bytes each) and drops the least
recently used entries; an entry of another index state is never used (the key includes it).
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_left
from collections import Counter, OrderedDict
from collections.abc import Hashable
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.collectors import TimeLimit, TimeLimitCollector
from whoosh.query import spans
from whoosh.scoring import BM25F
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from zwk_kb import degradations
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
    positive_terms,
)
from zwk_kb.engine.sidefile import segment_postings_file
from zwk_kb.errors import SearchTimeout

DEFAULT_BUDGET = 2_000_000
"""Postings kept in the cache (16 bytes each): room for the frequent words of a 10,000-card
index while a server process stays within the memory a small server has (the benchmark's
server memory row measures it)."""

Scores = dict[int, float]
Vector = tuple[np.ndarray, np.ndarray]
"""Sparse: the matching documents (int64, ascending) and their scores (float64)."""
Dense = tuple[np.ndarray, np.ndarray]
"""One entry per document of the index: score (float64, 0 where not matched), matched (bool)."""

TERMS_FROM_SIDE_FILE = "terms from side file"
TERMS_FROM_WHOOSH = "terms from Whoosh"
NEAR_FROM_POSITIONS = "near from positions"
NEAR_FROM_WHOOSH = "near from Whoosh"
LENGTHS_IN_ONE_READ = "lengths in one read"
LENGTHS_PER_DOCUMENT = "lengths per document"
FALLBACKS = frozenset({TERMS_FROM_WHOOSH, NEAR_FROM_WHOOSH, LENGTHS_PER_DOCUMENT})
"""The ``fast_paths`` keys that mean a fast path could not run."""


class FastPathUnavailable(Exception):
    """A fast path could not run; recorded as a degradation (whose log names the subclass:
    the reason), never raised to a caller."""


class SegmentWithoutSideFile(FastPathUnavailable):
    """A segment has no (readable) side file: its terms are read through Whoosh."""


class SideFileWithoutPositions(FastPathUnavailable):
    """A side file has no positions of a term: the near query is scored by Whoosh."""


class LengthColumnUnreadable(FastPathUnavailable):
    """The segment's side file has no field lengths: they are read per document."""


def _fell_back(step: str, reason: type[FastPathUnavailable]) -> None:
    """Count ``step``'s fast path as not run and log the reason the first time."""
    try:
        raise reason()
    except FastPathUnavailable as exc:
        degradations.record(step, exc)


class ScoreCache:
    """Score vectors of terms and of near queries, shared by all threads."""

    def __init__(self, budget: int = DEFAULT_BUDGET, *, k1: float, b: float) -> None:
        """``k1`` and ``b``: BM25F's term-frequency saturation and length normalisation."""
        self.budget = budget
        self.k1 = k1
        self.b = b
        self._entries: OrderedDict[Hashable, Vector] = OrderedDict()
        self._size = 0
        # (state, segment, field, avgfl) -> BM25 length norm of every document
        self._lengths: dict[tuple[Any, ...], np.ndarray] = {}
        self._lock = threading.Lock()
        self.fast_paths: Counter[str] = Counter()
        """How often each way of reading a term, a near query or the field lengths ran
        (segments read, not searches): a test asserts the fast paths ran and ``FALLBACKS``
        did not."""

    def _count(self, path: str) -> None:
        with self._lock:
            self.fast_paths[path] += 1

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
        self, searcher: Searcher, state: Hashable, q: Query, deadline: float | None = None
    ) -> Scores:
        """Every matching document with its score.

        Raises ``SearchTimeout`` once ``time.monotonic()`` passes ``deadline``.
        """
        scores, matched = self._dense(searcher, state, q, deadline, searcher.doc_count_all())
        docs = np.flatnonzero(matched)
        return dict(zip(docs.tolist(), scores[docs].tolist(), strict=True))

    def ranked(
        self, searcher: Searcher, state: Hashable, q: Query, deadline: float | None = None
    ) -> Scores:
        """As ``evaluate``, best first; equal scores by document number."""
        scores, matched = self._dense(searcher, state, q, deadline, searcher.doc_count_all())
        docs = np.flatnonzero(matched)
        order = docs[np.argsort(-scores[docs], kind="stable")]
        return dict(zip(order.tolist(), scores[order].tolist(), strict=True))

    def _dense(
        self,
        searcher: Searcher,
        state: Hashable,
        q: Query,
        deadline: float | None,
        size: int,
    ) -> Dense:
        if deadline is not None and time.monotonic() > deadline:
            raise SearchTimeout("Die Suche hat zu lange gedauert.")

        def sub(query: Query) -> Dense:
            return self._dense(searcher, state, query, deadline, size)

        if isinstance(q, Term):  # boosted before it is spread over every card: fewer numbers
            docs, scores = self._term(searcher, state, q.field, q.text)
            return _scattered(docs, scores * q.boost if q.boost != 1.0 else scores, size)
        if isinstance(q, Or):
            return _scaled(_union([sub(p) for p in q.parts], size), q.boost)
        if isinstance(q, And):
            return _scaled(_intersection(q.parts, sub, size), q.boost)
        if isinstance(q, BestOf):
            return _scaled(_best_of([sub(p) for p in q.parts], q.tiebreak, size), q.boost)
        if isinstance(q, AndNot):
            scores, matched = sub(q.positive)
            if matched.any():
                matched = matched & ~sub(q.negative)[1]
                scores = np.where(matched, scores, 0.0)
            return _scaled((scores, matched), q.boost)
        if isinstance(q, AndMaybe):
            (scores, matched), (extra, more) = sub(q.required), sub(q.optional)
            both = np.where(matched & more, scores + extra, scores)
            return _scaled((np.where(matched, both, 0.0), matched), q.boost)
        if isinstance(q, Near):
            return _scaled(_scattered(*self._near(searcher, state, q, deadline), size), q.boost)
        if isinstance(q, Every):
            matched = np.zeros(size, dtype=bool)
            matched[np.fromiter(searcher.reader().all_doc_ids(), dtype=np.int64)] = True
            return np.zeros(size, dtype=np.float64), matched
        raise TypeError(f"keine Suchanfrage: {type(q).__name__}")

    def matching_terms(
        self, searcher: Searcher, state: Hashable, q: Query, docnums: list[int]
    ) -> dict[int, set[str]]:
        """The terms of ``q`` each of a few documents contains (for "why this hit").

        Excluded words (the right side of AndNot) never count; the words of phrases and
        near queries count where they occur at all.
        """
        found: dict[int, set[str]] = {d: set() for d in docnums}
        for field, text in positive_terms(q):
            docs, _ = self._term(searcher, state, field, text)
            for docnum in docnums:
                i = int(np.searchsorted(docs, docnum))
                if i < len(docs) and docs[i] == docnum:
                    found[docnum].add(text)
        return {d: terms for d, terms in found.items() if terms}

    def _near(self, searcher: Searcher, state: Hashable, q: Near, deadline: float | None) -> Vector:
        """Terms of one field near each other, from the positions in the segments' side
        files: the documents containing all terms are known from their cached vectors, so
        only those documents' positions are looked at. Scored as the sum of the terms' scores
        (the caller applies the boost)."""
        key = (state, "near", q.field, q.texts, q.slop, q.ordered, q.mindist)
        vector = self._get(key)
        if vector is not None:
            return vector
        vectors = [self._term(searcher, state, q.field, text) for text in q.texts]
        if len(vectors) < 2:
            vector = vectors[0] if vectors else _EMPTY_VECTOR
            self._put(key, vector)
            return vector
        candidates = vectors[0][0]
        for docs, _ in vectors[1:]:
            candidates = np.intersect1d(candidates, docs, assume_unique=True)
        matched = self._near_documents(searcher, q, candidates.tolist(), deadline)
        if matched is None:
            vector = self._whoosh_near(searcher, q, deadline)
        else:
            docs = np.array(matched, dtype=np.int64)
            scores = np.zeros(len(docs), dtype=np.float64)
            for found, values in vectors:
                scores += values[np.searchsorted(found, docs)]
            vector = (docs, scores)
        self._put(key, vector)
        return vector

    def _near_documents(
        self, searcher: Searcher, q: Near, wanted: list[int], deadline: float | None
    ) -> list[int] | None:
        """Which of the ``wanted`` documents have the terms near each other; None when a
        segment's side file cannot tell (counted as a fallback)."""
        to_bytes = searcher.schema[q.field].to_bytes
        btexts = [to_bytes(text) for text in q.texts]
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
            side = segment_postings_file(reader, q.field)
            if side is None:
                _fell_back("near_positions", SegmentWithoutSideFile)
                return None
            if len(btexts) == 2:  # the engine's case: two parts of a compound
                keys = [side.position_keys(q.field, btext, local) for btext in btexts]
                if keys[0] is None or keys[1] is None:
                    _fell_back("near_positions", SideFileWithoutPositions)
                    return None
                near = _near_pairs(keys[0], keys[1], q.slop, q.ordered, q.mindist)
                matched.extend((near + offset).tolist())
                self._count(NEAR_FROM_POSITIONS)
                continue
            per_term: list[dict[int, Any]] = []
            for btext in btexts:
                found = side.positions(q.field, btext, local)
                if found is None:
                    _fell_back("near_positions", SideFileWithoutPositions)
                    return None
                per_term.append(found)
            for doc in local:
                lists = [found.get(doc) for found in per_term]
                if all(lists) and _near_match(lists, q.slop, q.ordered, q.mindist):
                    matched.append(doc + offset)
            self._count(NEAR_FROM_POSITIONS)
        return matched

    def _whoosh_near(self, searcher: Searcher, q: Near, deadline: float | None) -> Vector:
        """``q`` scored by Whoosh's span matcher, with this scorer's BM25F parameters."""
        self._count(NEAR_FROM_WHOOSH)
        weighting = BM25F(B=self.b, K1=self.k1)
        with Searcher(searcher.reader(), weighting=weighting, closereader=False) as whoosh:
            collector = whoosh.collector(limit=None)
            if deadline is not None:
                collector = TimeLimitCollector(
                    collector, max(0.001, deadline - time.monotonic()), use_alarm=False
                )
            try:
                whoosh.search_with_collector(to_whoosh(q), collector)
            except TimeLimit as exc:
                raise SearchTimeout("Die Suche hat zu lange gedauert.") from exc
            ranked = sorted((docnum, score) for score, docnum in collector.results().top_n)
        return (
            np.array([d for d, _ in ranked], dtype=np.int64),
            np.array([s for _, s in ranked], dtype=np.float64),
        )

    def _term(self, searcher: Searcher, state: Hashable, field: str, text: str) -> Vector:
        key = (state, field, text)
        vector = self._get(key)
        if vector is None:
            vector = self._read_term(searcher, state, field, text)
            self._put(key, vector)
        return vector

    def _read_term(self, searcher: Searcher, state: Hashable, field: str, text: str) -> Vector:
        """BM25F scores of one term on every (not deleted) document, segment by segment:
        ``idf * tf * (K1 + 1) / (tf + K1 * ((1 - B) + B * fl / avgfl))``, Whoosh's formula
        with the statistics of the whole index."""
        if field not in searcher.schema or not searcher.schema[field].scorable:
            return _EMPTY_VECTOR
        btext = searcher.schema[field].to_bytes(text)
        docnums: list[np.ndarray] = []
        scores: list[np.ndarray] = []
        idf: float | None = None
        for leaf_index, (leaf, offset) in enumerate(searcher.leaf_searchers()):
            reader = leaf.reader()
            side = segment_postings_file(reader, field)
            if side is not None:
                # the side file lists exactly the segment's terms: no lookup in Whoosh's table
                ids, weights = side.postings(field, btext)
                self._count(TERMS_FROM_SIDE_FILE)
                if not ids:
                    continue
                local = np.frombuffer(ids, dtype=np.uint32).astype(np.int64)
                tfs = np.frombuffer(weights, dtype=np.float32).astype(np.float64)
                if reader.has_deletions():
                    local, tfs = _without_deleted(local, tfs, reader.segment().deleted_docs())
            else:
                _fell_back("term_postings", SegmentWithoutSideFile)
                self._count(TERMS_FROM_WHOOSH)
                if (field, btext) not in reader:
                    continue
                local, tfs = _public_postings(reader, field, btext)
            if idf is None:
                idf = searcher.idf(field, text)
            norm = self._length_norms(searcher, reader, state, leaf_index, field)
            docnums.append(local + offset)
            scores.append(idf * ((tfs * (self.k1 + 1)) / (tfs + norm[local])))
        if not docnums:
            return _EMPTY_VECTOR
        return np.concatenate(docnums), np.concatenate(scores)

    def _length_norms(
        self, searcher: Searcher, reader: Any, state: Hashable, leaf_index: int, field: str
    ) -> np.ndarray:
        """``K1 * ((1 - B) + B * fl / avgfl)`` per document of a segment: the same for every
        term of a field, so computed once per index state (not per term: 10,000 floats)."""
        avgfl = searcher.avg_field_length(field) or 1
        key = (state, leaf_index, field, avgfl)
        with self._lock:
            norms = self._lengths.get(key)
        if norms is None:
            lengths = np.array(self._read_lengths(reader, field), dtype=np.float64)
            norms = self.k1 * ((1 - self.b) + self.b * lengths / avgfl)
            with self._lock:
                self._lengths[key] = norms
        return norms

    def _read_lengths(self, reader: Any, field: str) -> list[int]:
        """Length of ``field`` in every document of a segment (1 where unknown, as Whoosh's
        scorer assumes): the length bytes in one read from the segment's side file (Whoosh's
        public ``doc_field_length`` seeks and decodes per document), else per document
        (counted as a fallback)."""
        count = reader.doc_count_all()
        lengths = _lengths_in_one_read(reader, field, count)
        if lengths is not None:
            self._count(LENGTHS_IN_ONE_READ)
            return lengths
        _fell_back("field_lengths", LengthColumnUnreadable)
        self._count(LENGTHS_PER_DOCUMENT)
        return [reader.doc_field_length(d, field, 1) or 1 for d in range(count)]


def to_whoosh(q: Near) -> wq.Query:
    """The Whoosh query of a near query (the one shape that still goes to Whoosh, where a
    segment has no side file to read positions from)."""
    terms = [wq.Term(q.field, text) for text in q.texts]
    return spans.SpanNear2(terms, slop=q.slop, ordered=q.ordered, mindist=q.mindist)


def _public_postings(reader: Any, field: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """A term's (document, term frequency) in a segment without a side file, deleted
    documents left out (Whoosh's ``postings`` filters them)."""
    matcher = reader.postings(field, btext)
    ids: list[int] = []
    tfs: list[float] = []
    while matcher.is_active():
        ids.append(matcher.id())
        tfs.append(matcher.weight())
        matcher.next()
    return np.array(ids, dtype=np.int64), np.array(tfs, dtype=np.float64)


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


def _lengths_in_one_read(reader: Any, field: str, count: int) -> list[int] | None:
    """The field lengths of a segment in one read, from its side file (which keeps Whoosh's
    length byte per document); None where the segment has no side file with them."""
    side = segment_postings_file(reader, field)
    raw = side.length_bytes(field, count) if side is not None else None
    if raw is None:
        return None
    table = [byte_to_length(i) or 1 for i in range(256)]
    return [table[b] for b in raw]


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
    """Or: the sum per document over the parts that match it (0.0 where a part does not)."""
    parts = [p for p in parts if p[1].any()]
    if not parts:
        return _empty(size)
    total, matched = parts[0][0].copy(), parts[0][1].copy()
    for scores, more in parts[1:]:
        total += scores
        matched |= more
    return total, matched


def _intersection(parts: Any, evaluate: Any, size: int) -> Dense:
    """And: the sum over the parts where all of them match (the later parts are not
    evaluated once nothing is left)."""
    total: np.ndarray | None = None
    matched = np.zeros(size, dtype=bool)
    for part in parts:
        scores, more = evaluate(part)
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


def _best_of(parts: list[Dense], tiebreak: float, size: int) -> Dense:
    """BestOf: per document the best part's score plus ``tiebreak`` times the sum of the
    other parts that match it."""
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
