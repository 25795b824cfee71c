"""Per-value document sets of every facet, built once per index state: the disjunctive facet
counts, filters and browse orders of ``service`` are set and bit operations on them.

Document numbers come a segment at a time from the segments' side files (or Whoosh's posting
blocks), not one call per document.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.searching import Searcher

from zwk_kb import degradations
from zwk_kb.analysis.folding import fold
from zwk_kb.engine.sidefile import segment_postings_file
from zwk_kb.facets import FACETS
from zwk_kb.search.schema import CHANGED, TITLE, TITLE_ORDER, facet_value


class FacetSets:
    """Per-value document sets of every facet for one searcher generation."""

    def __init__(self, searcher: Searcher) -> None:
        reader = searcher.reader()
        live = live_docs(reader)
        every = np.flatnonzero(live)
        self.all_docs: frozenset[int] = frozenset(every.tolist())
        self.all_mask = bit_mask(every)
        self.values: dict[str, dict[str, frozenset[int]]] = {}
        self.masks: dict[str, dict[str, int]] = {}
        for facet in FACETS:
            per_value: dict[str, frozenset[int]] = {}
            masks: dict[str, int] = {}
            for term, found in field_postings(reader, facet.name).items():
                docs = found[live[found]]
                if docs.size:
                    value = facet_value(term.decode("utf-8"))
                    per_value[value] = frozenset(docs.tolist())
                    masks[value] = bit_mask(docs)
            self.values[facet.name] = per_value
            self.masks[facet.name] = masks
        self.sort_keys: dict[str, dict[str, str]] = {
            name: {v: fold(v) for v in per_value} for name, per_value in self.values.items()
        }
        self.folded: dict[str, dict[str, str]] = {
            name: {key: v for v, key in keys.items()} for name, keys in self.sort_keys.items()
        }
        self._newest: list[int] | None = None
        self._by_title: list[int] | None = None

    # browse orders, once per index state on first use (a search by relevance needs neither);
    # ``searcher``: any searcher of this index state
    def newest(self, searcher: Searcher) -> list[int]:
        """All cards, newest first."""
        if self._newest is None:
            self._newest = column_order(searcher, self.all_docs, CHANGED, reverse=True)
        return self._newest

    def by_title(self, searcher: Searcher) -> list[int]:
        """All cards by title."""
        if self._by_title is None:
            # an index from before the sort column (schema 4) still sorts, only slower
            field = TITLE_ORDER if TITLE_ORDER in searcher.schema else TITLE
            self._by_title = column_order(searcher, self.all_docs, field)
        return self._by_title

    def resolve(self, facet: str, requested: str) -> str:
        """The index's spelling of a requested value ('Dessau-Rosslau' -> 'Dessau-Roßlau')."""
        if requested in self.values.get(facet, {}):
            return requested
        return self.folded.get(facet, {}).get(fold(requested), requested)


def column_order(
    searcher: Searcher, docs: frozenset[int], field: str, reverse: bool = False
) -> list[int]:
    """``docs`` in the order of a sortable field's column, as Whoosh's ``sortedby`` gives it
    (by key, then document number; ``reverse`` reverses both), from one pass over the column
    instead of a sorted search (a fifth of a second at 10,000 cards on every start)."""
    reader = searcher.reader()
    if reader.has_column(field):
        try:
            keys = list(reader.column_reader(field, translate=False))
        except Exception as exc:  # sorted by Whoosh below (slower, same order)
            degradations.record("sort_column", exc)
            keys = []
        if len(keys) >= reader.doc_count_all():
            return sorted(docs, key=lambda d: (keys[d], d), reverse=reverse)
    found = searcher.search(wq.Every(), limit=None, sortedby=field, reverse=reverse)
    return [docnum for _, docnum in found.top_n]


def live_docs(reader: Any) -> np.ndarray:
    """Per document number: not deleted? Set per segment, not asked per document (Whoosh's
    ``all_doc_ids`` asks every document whether it is deleted: 10,000 calls at 10k)."""
    live = np.ones(reader.doc_count_all(), dtype=bool)
    for leaf, offset in reader.leaf_readers():
        if leaf.has_deletions():
            deleted = np.fromiter(leaf.segment().deleted_docs(), dtype=np.int64)
            live[deleted + offset] = False
    return live


class FacetPostingsWithoutSideFile(Exception):
    """A segment has no (readable) side file: a facet's documents are read through Whoosh."""


def _count_fallback(field: str) -> None:
    """The slow path ran: counted in ``/healthz`` and logged once, never silent."""
    try:
        raise FacetPostingsWithoutSideFile(field)
    except FacetPostingsWithoutSideFile as exc:
        degradations.record("facet_postings", exc)


def field_postings(reader: Any, field: str) -> dict[bytes, np.ndarray]:
    """Document numbers (int64, ascending) of every term of a (facet) field, a segment at a
    time: from the segment's side file where it has one, else (no or a damaged side file)
    from Whoosh's matcher, one by one (half a second for all facets at 10k). May include
    deleted documents: the caller keeps the live ones."""
    parts: dict[bytes, list[np.ndarray]] = {}
    for leaf, offset in reader.leaf_readers():
        if field not in leaf.indexed_field_names():
            continue
        side = segment_postings_file(leaf, field)
        if side is not None:
            terms = side.field_documents(field)
        else:
            _count_fallback(field)
            terms = [
                (term, np.fromiter(leaf.postings(field, term).all_ids(), dtype=np.int64))
                for term in leaf.lexicon(field)
            ]
        for term, docs in terms:
            parts.setdefault(term, []).append(docs.astype(np.int64) + offset)
    return {term: np.concatenate(arrays) for term, arrays in parts.items()}


def bit_mask(docs: Iterable[int] | np.ndarray) -> int:
    """A document set as one integer with bit ``d`` set for document ``d``."""
    if not isinstance(docs, np.ndarray):
        docs = np.fromiter(docs, dtype=np.int64)
    if not docs.size:
        return 0
    bits = np.zeros(int(docs.max()) + 1, dtype=bool)
    bits[docs] = True
    return int.from_bytes(np.packbits(bits, bitorder="little").tobytes(), "little")
