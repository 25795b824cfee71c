"""The index writer's postings in memory, grouped by term as they arrive.

Why: Whoosh's writer keeps every posting of a new segment as one ``(field, term, document,
weight, value)`` tuple in a single list and sorts that list when it writes the segment; past
its memory limit it pickles the sorted list to a temporary file posting by posting and merges
the files back. A build process of 5,000 cards holds 1.7 million postings: sorting them
compares field names and terms again and again, and every spill pickles and unpickles each
one. The postings of one term arrive in document order (the writer only ever numbers
documents upwards), so keeping a list per term and sorting only the distinct terms gives the
same postings in the same order.
"""

from __future__ import annotations

import contextlib
import heapq
import marshal
from collections.abc import Iterable, Iterator
from itertools import groupby
from operator import itemgetter
from typing import Any

from whoosh.writing import PostingPool, SegmentWriter

Posting = tuple[str, bytes, int, float, bytes | None]
DocPosting = tuple[int, float, bytes | None]
TermPostings = tuple[str, bytes, list[DocPosting]]

BYTES_PER_POSTING = 180
"""Memory one posting takes here: its (document, weight, value) tuple, the document number,
the float, a ~40-byte value and a list slot (measured with sys.getsizeof over the postings
of 1,000 generated cards: 177 bytes). The writer's ``limitmb`` becomes a number of postings
before a spill to disk, as Whoosh's own estimate (~170 bytes) makes it."""
RUN_CHUNK_TERMS = 2048
"""Terms per marshalled chunk of a spill file: reading a run back holds one chunk."""


class TermPool(PostingPool):
    """Whoosh's ``PostingPool`` (same interface, spills into the same temporary storage)
    with postings kept per (field, term) until the segment is written. A spill writes the
    terms in order, a few thousand per marshalled chunk; the runs are merged term by term."""

    def __init__(self, tempstore: Any, segment: Any, limitmb: int = 128, **kwargs: Any) -> None:
        super().__init__(tempstore, segment, limitmb=limitmb, **kwargs)
        self._terms: dict[tuple[str, bytes], list[DocPosting]] = {}
        self._count = 0
        self._max_count = max(1, self.limit // BYTES_PER_POSTING)

    def add(self, item: Posting) -> None:
        fieldname, btext, docnum, weight, value = item
        postings = self._terms.get((fieldname, btext))
        if postings is None:
            self._terms[(fieldname, btext)] = [(docnum, weight, value)]
        else:
            postings.append((docnum, weight, value))
        self._count += 1
        if self._count >= self._max_count:
            self.save()

    def _sorted_terms(self) -> list[TermPostings]:
        """This pool's terms in order, each with its postings in order."""
        terms = self._terms
        self.fieldnames.update(fieldname for fieldname, _ in terms)
        ordered = []
        for key in sorted(terms):
            postings = terms[key]
            postings.sort()  # in document order already: one pass confirms it
            ordered.append((key[0], key[1], postings))
        return ordered

    def save(self) -> None:
        if not self._terms:
            return
        terms = self._sorted_terms()
        path, f = self._new_run()
        try:
            for start in range(0, len(terms), RUN_CHUNK_TERMS):
                marshal.dump(terms[start : start + RUN_CHUNK_TERMS], f)
            marshal.dump(None, f)  # the end: a file cut short is an error, not fewer postings
        finally:
            f.close()
        self._add_run(path)
        self._terms = {}
        self._count = 0

    def _read_terms(self, path: str) -> Iterator[TermPostings]:
        f = self._open_run(path)
        try:
            while (chunk := marshal.load(f)) is not None:
                yield from chunk
        finally:
            f.close()
            with contextlib.suppress(OSError):  # gone with the temp folder of a failed write
                self._remove_run(path)

    def items(self, maxfiles: int = 128) -> Iterator[Posting]:
        """Every posting in Whoosh's order: by field, term, document, weight, value."""
        if not self.runs:
            return _postings(self._sorted_terms())
        self.save()
        runs, self.runs = self.runs, []
        # runs hold ascending documents: equal terms of several runs join in run order
        merged = heapq.merge(*map(self._read_terms, runs), key=itemgetter(0, 1))
        joined = (
            (fieldname, btext, [p for _, _, postings in group for p in postings])
            for (fieldname, btext), group in groupby(merged, key=itemgetter(0, 1))
        )
        return _postings(joined)


def _postings(terms: Iterable[TermPostings]) -> Iterator[Posting]:
    for fieldname, btext, postings in terms:
        for docnum, weight, value in postings:
            yield fieldname, btext, docnum, weight, value


def segment_writer(ix: Any, **options: Any) -> SegmentWriter:
    """Whoosh's ``SegmentWriter`` for ``ix`` (what ``ix.writer(**options)`` gives), its
    postings kept in a :class:`TermPool`."""
    writer = SegmentWriter(ix, **options)
    limitmb = options.get("limitmb", 128)
    writer.pool = TermPool(writer._tempstorage, writer.newsegment, limitmb=limitmb)
    return writer
