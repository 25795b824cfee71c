"""Scores the engine's Whoosh queries term at a time, from cached per-term score vectors.

Why: at 10,000 cards a common word ("Pflege", "Gemeinde") stands on thousands of cards in
five text fields, plus its synonyms. Whoosh scores such a query document at a time through a
tree of pure-Python matchers: 100–500 ms per query here, most of it matcher overhead. The
BM25F score of one term on one card only depends on the index state, so it is computed once
per index state (decoding the posting blocks in bulk) and kept as two compact arrays. A query
is then a few dictionary merges: Or = sum over the union, And = sum over the intersection,
DisjunctionMax = best plus tiebreak share, AndNot = difference, boosts multiply: the same
arithmetic Whoosh's matchers do (``tests/test_scoring.py`` compares both on every query of the
relevance judgments). Queries this module does not take apart (phrases, spans) are scored by
Whoosh once per index state and cached the same way.

The cache is bounded by the number of postings it holds (12 bytes each) and drops the least
recently used entries; an entry of another index state is never used (the key includes it).
"""

from __future__ import annotations

import threading
import time
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Hashable
from operator import add
from typing import Any

from whoosh import query as wq
from whoosh.collectors import TimeLimit, TimeLimitCollector
from whoosh.matching import FilterMatcher
from whoosh.query import spans
from whoosh.scoring import BM25FScorer
from whoosh.searching import Searcher

from zwk_kb.errors import SearchTimeout
from zwk_kb.impacts import segment_impacts

DEFAULT_BUDGET = 2_000_000
"""Postings kept in the cache (16 bytes each, about 32 MB): the frequent words of a 10,000-card
index. Measured: after 2,500 different queries on 10k cards the cache held 2.0 million postings
and the process 173 MB, under the 200 MB a small server should need."""

Scores = dict[int, float]
Vector = tuple[array, array]  # docnums ('l'), scores ('d')


class ScoreCache:
    """Score vectors of terms and of opaque subqueries, shared by all threads."""

    def __init__(self, budget: int = DEFAULT_BUDGET) -> None:
        self.budget = budget
        self._entries: OrderedDict[Hashable, Vector] = OrderedDict()
        self._size = 0
        # (state, segment, field, k1, b, avgfl) -> BM25 length norm of every document
        self._lengths: dict[tuple[Any, ...], list[float]] = {}
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
        if deadline is not None and time.monotonic() > deadline:
            raise SearchTimeout("Die Suche hat zu lange gedauert.")

        def sub(query: wq.Query) -> Scores:
            return self.evaluate(searcher, state, query, deadline)

        if isinstance(q, wq.Term):
            docs, scores = self._term(searcher, state, q)
            if q.boost != 1.0:
                scores = map(q.boost.__mul__, scores)  # type: ignore[assignment]
            return dict(zip(docs, scores, strict=True))
        if isinstance(q, wq.AndNot):
            positive = sub(q.a)
            if positive:
                for docnum in sub(q.b):
                    positive.pop(docnum, None)
            return _scaled(positive, q.boost)
        if isinstance(q, wq.DisjunctionMax):
            return _scaled(_dismax([sub(s) for s in q.subqueries], q.tiebreak), q.boost)
        if type(q) is wq.Or and not q.minmatch and q.scale is None:
            return _scaled(_union([sub(s) for s in q.subqueries]), q.boost)
        if type(q) is wq.And:
            return _scaled(_intersection(q.subqueries, sub), q.boost)
        if isinstance(q, spans.SpanNear2):
            near = self._near(searcher, state, q, deadline)
            if near is not None:
                return self._vector_scores(near)
        if isinstance(q, wq.Phrase) and len(q.words) > 1:
            # Whoosh matches a phrase as SpanNear2(ordered, mindist=1) and then applies its boost
            terms = [wq.Term(q.fieldname, word) for word in q.words]
            in_order = spans.SpanNear2(terms, slop=q.slop, ordered=True, mindist=1)
            near = self._near(searcher, state, in_order, deadline)
            if near is not None:
                return _scaled(self._vector_scores(near), q.boost)
        return self._vector_scores(self._opaque(searcher, state, q, deadline))

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
                i = bisect_left(docs, docnum)
                if i < len(docs) and docs[i] == docnum:
                    found[docnum].add(word)
        return {d: terms for d, terms in found.items() if terms}

    @staticmethod
    def _vector_scores(vector: Vector) -> Scores:
        return dict(zip(vector[0], vector[1], strict=True))

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
            vector = (array("l", (d for d, _ in ranked)), array("d", (s for _, s in ranked)))
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
        candidates = set(vectors[0][0])
        for docs, _ in vectors[1:]:
            candidates.intersection_update(docs)
        wanted = sorted(candidates)
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
        scores = array("d")
        for doc in matched:
            scores.append(_tree_sum([v[1][bisect_left(v[0], doc)] for v in vectors]))
        vector = (array("l", matched), scores)
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
        """BM25F scores of one term on every (not deleted) document, read block by block."""
        docnums: array = array("l")
        scores: array = array("d")
        if field not in searcher.schema:
            return docnums, scores
        weighting = searcher.weighting
        btext = searcher.schema[field].to_bytes(text) if isinstance(text, str) else text
        for leaf_index, (leaf, offset) in enumerate(searcher.leaf_searchers()):
            reader = leaf.reader()
            if (field, text) not in reader:
                continue
            scorer = weighting.scorer(leaf, field, text)
            impacts = segment_impacts(reader, field)
            if impacts is not None and isinstance(scorer, BM25FScorer):
                ids, weights = impacts.postings(field, btext)
                if reader.has_deletions():
                    deleted = set(reader.segment().deleted_docs())
                    kept = [i for i, d in enumerate(ids) if d not in deleted]
                    ids = array("I", [ids[i] for i in kept])
                    weights = array("f", [weights[i] for i in kept])
                self._add_bm25(
                    docnums, scores, ids, weights, offset, scorer, reader, state, leaf_index, field
                )
                continue
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
                ids, weights = _postings_in_blocks(matcher)
                if deleted is not None:
                    kept = [i for i, d in enumerate(ids) if d not in deleted]
                    ids, weights = [ids[i] for i in kept], [weights[i] for i in kept]
                self._add_bm25(
                    docnums, scores, ids, weights, offset, scorer, reader, state, leaf_index, field
                )
            else:  # another weighting or codec: Whoosh's own scorer, posting by posting
                while matcher.is_active():
                    docnum = matcher.id()
                    if deleted is None or docnum not in deleted:
                        docnums.append(docnum + offset)
                        scores.append(float(matcher.score()))
                    matcher.next()
        return docnums, scores

    def _add_bm25(
        self,
        docnums: array,
        scores: array,
        ids: Any,
        weights: Any,
        offset: int,
        scorer: BM25FScorer,
        reader: Any,
        state: Hashable,
        leaf_index: int,
        field: str,
    ) -> None:
        """Append one segment's postings of a term with their BM25F scores."""
        idf, k1 = scorer.idf, scorer.K1
        # Whoosh's bm25(): idf * (tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl))
        norm = self._length_norms(reader, state, leaf_index, field, scorer)
        # comprehensions, not a loop of appends: this is the cost of a first search
        if isinstance(ids, array):
            ids = ids.tolist()  # array('l').extend() takes no array('I')
        docnums.extend([d + offset for d in ids] if offset else ids)
        scores.extend(
            [idf * ((tf * (k1 + 1)) / (tf + norm[d])) for d, tf in zip(ids, weights, strict=True)]
        )

    def _length_norms(
        self, reader: Any, state: Hashable, leaf_index: int, field: str, scorer: BM25FScorer
    ) -> list[float]:
        """``K1 * ((1 - B) + B * fl / avgfl)`` per document of a segment: the same for every
        term of a field, so computed once per index state (not per term: 10,000 floats)."""
        k1, b, avgfl = scorer.K1, scorer.B, scorer.avgfl
        key = (state, leaf_index, field, k1, b, avgfl)
        with self._lock:
            norms = self._lengths.get(key)
        if norms is None:
            norms = [k1 * ((1 - b) + b * fl / avgfl) for fl in _read_lengths(reader, field)]
            with self._lock:
                self._lengths[key] = norms
        return norms


def _near_match(positions: list[Any], slop: int, ordered: bool, mindist: int) -> bool:
    """Whoosh's ``SpanNear2Matcher._get_spans`` on plain positions: spans of the first term
    grow by each next term within ``slop`` (and at least ``mindist``) of them."""
    if len(positions) == 2 and not ordered and mindist == 0:
        # the engine's case (two parts of a compound): any pair at most ``slop`` apart
        others = positions[1]
        count = len(others)
        for p in positions[0]:
            j = bisect_left(others, p - slop)
            if j < count and others[j] <= p + slop:
                return True
        return False
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


def _tree_sum(values: list[float]) -> float:
    """Sum in the order of Whoosh's binary tree of intersection matchers."""
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
    except Exception:
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


def _scaled(scores: Scores, boost: float) -> Scores:
    if boost != 1.0:
        # zip/map run in C; an in-place loop costs two dictionary operations per card
        return dict(zip(scores.keys(), map(boost.__mul__, scores.values()), strict=True))
    return scores


def _add_into(total: Scores, part: Scores, best: Scores | None = None) -> set[int]:
    """``total += part`` per document (and ``best = max(best, part)``), in place; returns the
    documents in both. Set operations and map() run in C: a word's five fields, or a word and
    its synonyms, share thousands of cards at 10,000, and a Python loop over them was most of
    a search. The additions happen in the same order as one running sum over the parts, so
    the floats are identical."""
    common = total.keys() & part.keys()
    sums = list(map(add, map(total.__getitem__, common), map(part.__getitem__, common)))
    total.update(part)
    total.update(zip(common, sums, strict=True))
    if best is not None:
        highs = list(map(max, map(best.__getitem__, common), map(part.__getitem__, common)))
        best.update(part)
        best.update(zip(common, highs, strict=True))
    return common


def _union(parts: list[Scores]) -> Scores:
    parts = [p for p in parts if p]
    if not parts:
        return {}
    parts.sort(key=len, reverse=True)
    total = parts[0]
    for other in parts[1:]:
        _add_into(total, other)
    return total


def _intersection(subqueries: list[wq.Query], evaluate: Any) -> Scores:
    total: Scores | None = None
    for sub in subqueries:
        scores = evaluate(sub)
        if total is None:
            total = scores
        else:
            common = total.keys() & scores.keys()
            total = dict(
                zip(
                    common,
                    map(add, map(total.__getitem__, common), map(scores.__getitem__, common)),
                    strict=True,
                )
            )
        if not total:
            return {}
    return total or {}


def _dismax(parts: list[Scores], tiebreak: float) -> Scores:
    """Best alternative per document plus ``tiebreak`` times the others (as the engine's
    corrected DisjunctionMax matcher)."""
    parts = [p for p in parts if p]
    if not parts:
        return {}
    if len(parts) == 1:
        return parts[0]
    total = dict(parts[0])
    best = dict(parts[0])
    overlap: set[int] = set()
    for part in parts[1:]:
        overlap |= _add_into(total, part, best)
    # a document in one part only keeps its score (best == total there)
    best.update({d: best[d] + tiebreak * (total[d] - best[d]) for d in overlap})
    return best
