"""The writer's postings pool hands Whoosh exactly the postings, in exactly the order, that
Whoosh's own pool would: with everything in memory and after spills to disk.

If it did not, a term's postings would be written out of order (Whoosh raises) or cards would
be indexed under the wrong words.
"""

from __future__ import annotations

import glob
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as windex
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import PostingPool, SegmentWriter

from zwk_kb.engine.postings_pool import BYTES_PER_POSTING, TermPool
from zwk_kb.model import Toolkit
from zwk_kb.search import index

FIELDS = ("body", "summary", "title")
TERMS = (b"arbeit", b"buerger", b"bus", b"dorf", b"laden", b"rad")

# one document: (field, term, weight, value) postings, each (field, term) at most once
documents = st.lists(
    st.lists(
        st.tuples(
            st.sampled_from(FIELDS),
            st.sampled_from(TERMS),
            st.sampled_from([1.0, 2.0, 2.5]),
            st.one_of(st.none(), st.binary(max_size=6)),
        ),
        max_size=12,
        unique_by=lambda p: (p[0], p[1]),
    ),
    max_size=40,
)


def _fill(pool: PostingPool, docs: list[list[tuple[str, bytes, float, bytes | None]]]) -> None:
    """Postings as the writer adds them: document by document, numbers ascending."""
    for docnum, postings in enumerate(docs):
        for fieldname, btext, weight, value in postings:
            pool.add((fieldname, btext, docnum, weight, value))


@settings(max_examples=150, deadline=None)
@given(docs=documents, spill_every=st.sampled_from([1, 3, 7, 10_000]))
def test_pool_gives_whooshs_postings_in_whooshs_order(docs: Any, spill_every: int) -> None:
    limitmb = spill_every * BYTES_PER_POSTING / (1024 * 1024)
    with tempfile.TemporaryDirectory() as temp:
        ours = TermPool(FileStorage(temp).create(), None, limitmb=limitmb)
        whooshs = PostingPool(FileStorage(temp).create(), None, limitmb=1024)
        _fill(ours, docs)
        _fill(whooshs, docs)
        total = sum(map(len, docs))
        assert bool(ours.runs) == (spill_every <= total)
        assert list(ours.items()) == list(whooshs.items())
        assert ours.fieldnames == {fieldname for doc in docs for fieldname, *_ in doc}
        assert os.listdir(temp) == []  # the spill files are read once and removed


def _all_postings(path: Path) -> list[tuple[Any, ...]]:
    ix = windex.open_dir(glob.glob(str(path / "gen-*"))[0])
    with ix.reader() as reader:
        return list(reader.iter_postings())


@pytest.mark.parametrize("limitmb", [index.WRITER_LIMIT_MB, 0.2])
def test_index_built_with_the_pool_holds_the_same_postings_as_whooshs(
    bundled_toolkit: Toolkit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limitmb: float
) -> None:
    """0.2 MB spills every ~1,200 postings: the bundled cards then go through many runs."""
    monkeypatch.setitem(index.WRITER_OPTIONS, "limitmb", limitmb)
    index.build(bundled_toolkit, tmp_path / "ours", procs=1)
    monkeypatch.setattr(index, "segment_writer", SegmentWriter)
    index.build(bundled_toolkit, tmp_path / "whooshs", procs=1)
    ours = _all_postings(tmp_path / "ours")
    assert len(ours) > 1000
    assert ours == _all_postings(tmp_path / "whooshs")


def test_a_spill_file_cut_short_is_an_error_not_fewer_postings(tmp_path: Path) -> None:
    pool = TermPool(FileStorage(str(tmp_path)).create(), None, limitmb=BYTES_PER_POSTING / 2**20)
    _fill(pool, [[("body", b"dorf", 1.0, None)], [("body", b"laden", 1.0, b"x")]])
    assert len(pool.runs) == 2
    run = tmp_path / pool.runs[0]
    data = run.read_bytes()
    run.write_bytes(data[: len(data) // 2])  # e.g. the disk filled up while it was written
    with pytest.raises((EOFError, ValueError)):
        list(pool.items())
