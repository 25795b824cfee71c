"""Each segment's side file of text and facet postings equals Whoosh's own postings of that
segment, and searching gives the same answers with it, without it, with a damaged one and with
one written by another Python version.

The side file is what a first search reads instead of Whoosh's position-carrying blocks; if it
ever disagreed with its segment, cards would be ranked by stale weights or missed.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as windex
from whoosh.util.numeric import byte_to_length

from zwk_kb.engine import sidefile
from zwk_kb.engine.sidefile import (
    DEGRADATION_STEP,
    MAGIC,
    POSTINGS_FILE_EXT,
    segment_postings_file,
)
from zwk_kb.model import Toolkit
from zwk_kb.search import index
from zwk_kb.search.index import (
    SIDE_FILE_FIELDS,
    SearcherPool,
    build,
    current_generation,
    update,
)
from zwk_kb.search.request import parse_search_args
from zwk_kb.search.service import SearchEngine

QUERIES = (
    "kita personal",
    "buergerbeteiligung",
    "Dolmetscher",
    "senioren -pflege",
    "ehrenamt jugend",
)


def _updated_twice(toolkit: Toolkit, path: Path) -> None:
    """Build, then two incremental runs (a card changed, one removed): new segments, deletions
    and Whoosh merging the small ones."""
    build(toolkit, path)
    cards = list(toolkit.cards)
    changed = dataclasses.replace(cards[0], stamp="x1", title=cards[0].title + " Dorfladen")
    update(Toolkit(tuple([changed, *cards[1:]]), toolkit.vocabulary), path)
    update(Toolkit(tuple([changed, *cards[2:]]), toolkit.vocabulary), path)


def _answers(path: Path, synonyms: Any) -> list[tuple[Any, ...]]:
    pool = SearcherPool(path)
    engine = SearchEngine(pool, synonyms)
    found = []
    for text in QUERIES:
        result = engine.search(parse_search_args({"q": [text]}))
        hits = [(hit.slug, round(hit.score, 9), hit.snippet) for hit in result.hits]
        counts = {
            name: [(v.value, v.count) for v in values] for name, values in result.facets.items()
        }
        found.append((result.total, hits, counts))
    pool.close()
    return found


def _check_every_segment(path: Path, min_segments: int) -> int:
    """Compare each segment's side file with Whoosh's postings of the same segment: the live
    documents of every term, their weights and word positions. Returns the terms checked."""
    pool = SearcherPool(path)
    searcher = pool.searcher()
    leaves = searcher.leaf_searchers()
    assert len(leaves) >= min_segments
    checked = 0
    for leaf, _ in leaves:
        reader = leaf.reader()
        for field in sorted(SIDE_FILE_FIELDS):  # text and facet fields
            side = segment_postings_file(reader, field)
            assert side is not None, (reader.segment(), field)
            positions = reader.schema[field].format.supports("positions")
            for btext in reader.lexicon(field):
                # the side file keeps deleted documents too (the scorer drops those itself)
                ids, weights = side.postings(field, btext)
                live = [
                    (d, w) for d, w in zip(ids, weights, strict=True) if not reader.is_deleted(d)
                ]
                matcher = reader.postings(field, btext)
                expected = []
                while matcher.is_active():
                    expected.append((matcher.id(), matcher.weight()))
                    matcher.next()
                assert live == expected, (field, btext)
                if positions and expected:
                    docs = [d for d, _ in expected]
                    found = side.positions(field, btext, docs)
                    matcher = reader.postings(field, btext)
                    assert found == dict(matcher.items_as("positions")), (field, btext)
                checked += 1
            if reader.schema[field].scorable:  # the lengths BM25F reads, as Whoosh stores them
                count = reader.doc_count_all()
                raw = side.length_bytes(field, count)
                assert raw is not None, field
                lengths = [byte_to_length(b) or 1 for b in raw]  # 1: unknown, as Whoosh scores
                assert lengths == [reader.doc_field_length(d, field, 1) or 1 for d in range(count)]
            ids, weights = side.postings(field, b"gibtesnichtimindex")
            assert (len(ids), len(weights)) == (0, 0)
    pool.close()
    return checked


def test_side_file_of_every_segment_holds_exactly_whooshs_text_postings(
    bundled_toolkit: Toolkit, tmp_path: Path
) -> None:
    """After a build, an update that adds a segment and one that merges segments."""
    _updated_twice(bundled_toolkit, tmp_path)
    assert _check_every_segment(tmp_path, 2) > 1000


def test_each_worker_of_a_parallel_build_writes_its_segments_side_file(
    bundled_toolkit: Toolkit, tmp_path: Path
) -> None:
    build(bundled_toolkit, tmp_path, procs=2)
    assert _check_every_segment(tmp_path, 2) > 1000
    generation = current_generation(tmp_path)
    assert generation is not None
    assert sorted(p.name for p in generation.iterdir() if p.is_dir()) == []  # workers' folders


def test_whoosh_deletes_the_side_files_of_segments_it_merged_away(
    bundled_toolkit: Toolkit, tmp_path: Path
) -> None:
    _updated_twice(bundled_toolkit, tmp_path)
    generation = current_generation(tmp_path)
    assert generation is not None
    pool = SearcherPool(tmp_path)
    live = {leaf.reader().segment().segment_id() for leaf, _ in pool.searcher().leaf_searchers()}
    pool.close()
    side_files = {
        re.sub(re.escape(POSTINGS_FILE_EXT) + "$", "", p.name)
        for p in generation.glob("*" + POSTINGS_FILE_EXT)
    }
    assert side_files == live


def test_same_answers_with_missing_or_damaged_side_files(
    bundled_toolkit: Toolkit, tmp_path: Path, degraded_steps: Callable[[], dict[str, int]]
) -> None:
    synonyms = bundled_toolkit.vocabulary.synonyms
    with_side = tmp_path / "with"
    _updated_twice(bundled_toolkit, with_side)
    expected = _answers(with_side, synonyms)
    assert all(total > 0 for total, *_ in expected), [t for t, *_ in expected]

    missing = tmp_path / "missing"
    shutil.copytree(with_side, missing)
    removed = [p.unlink() for p in missing.rglob("*" + POSTINGS_FILE_EXT)]
    assert removed
    assert _answers(missing, synonyms) == expected
    # the slower way is counted, not silent: terms, field lengths and facet sets read through
    # Whoosh
    assert {"term_postings", "field_lengths", "facet_postings"} <= set(degraded_steps())

    damaged = tmp_path / "damaged"
    shutil.copytree(with_side, damaged)
    for number, side in enumerate(damaged.rglob("*" + POSTINGS_FILE_EXT)):
        side.write_bytes(side.read_bytes()[: 40 + number])  # cut off, directory gone
    assert _answers(damaged, synonyms) == expected
    assert {DEGRADATION_STEP, "term_postings"} <= set(degraded_steps())  # counted, not silent


def test_a_side_file_of_another_python_version_is_ignored_and_counted(
    bundled_toolkit: Toolkit, tmp_path: Path, degraded_steps: Callable[[], dict[str, int]]
) -> None:
    """Its directory is marshalled, and marshal's format may differ between Python versions:
    such a file is never read, the search answers from Whoosh's postings, and the step is
    counted for /healthz."""
    synonyms = bundled_toolkit.vocabulary.synonyms
    ours = tmp_path / "ours"
    build(bundled_toolkit, ours)
    expected = _answers(ours, synonyms)
    other = tmp_path / "other"
    shutil.copytree(ours, other)
    sides = list(other.rglob("*" + POSTINGS_FILE_EXT))
    assert sides
    for side in sides:
        data = side.read_bytes()
        assert data.startswith(MAGIC)
        python = bytes([MAGIC[-3], MAGIC[-2] + 1, MAGIC[-1]])  # the next minor version
        side.write_bytes(MAGIC[:-3] + python + data[len(MAGIC) :])
    pool = SearcherPool(other)
    for leaf, _ in pool.searcher().leaf_searchers():
        assert segment_postings_file(leaf.reader(), "body") is None
    pool.close()
    assert degraded_steps() == {DEGRADATION_STEP: len(sides)}
    assert _answers(other, synonyms) == expected


def test_positions_narrowed_to_two_bytes_keep_their_values() -> None:
    from array import array

    values = array("I", [0, 1, 255, 256, 4097, 65535, 300])
    assert sidefile._narrow(values) == array("H", values).tobytes()


def _all_postings(path: Path) -> list[tuple[Any, ...]]:
    generation = current_generation(path)
    assert generation is not None
    ix = windex.open_dir(str(generation))
    with ix.reader() as reader:
        return list(reader.iter_postings())


def test_writing_the_side_file_leaves_whooshs_postings_as_whoosh_writes_them(
    bundled_toolkit: Toolkit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The side file is teed off the postings on their way into Whoosh's segment: the index
    holds the same postings as one written by Whoosh's own writer (which writes no side file)."""
    build(bundled_toolkit, tmp_path / "ours", procs=1)
    monkeypatch.setattr(
        index, "segment_writer", lambda ix, _fields, **options: ix.writer(**options)
    )
    build(bundled_toolkit, tmp_path / "whooshs", procs=1)
    whooshs = current_generation(tmp_path / "whooshs")
    assert whooshs is not None and not list(whooshs.glob("*" + POSTINGS_FILE_EXT))
    ours = _all_postings(tmp_path / "ours")
    assert len(ours) > 1000
    assert ours == _all_postings(tmp_path / "whooshs")


def test_an_index_run_under_another_python_version_rebuilds_the_index(
    bundled_toolkit: Toolkit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index keeps marshalled and pickled data: an index run under another Python writes
    it all anew instead of updating what it may misread."""
    build(bundled_toolkit, tmp_path)
    assert not update(bundled_toolkit, tmp_path).rebuilt
    major, minor = sys.version_info[:2]
    monkeypatch.setattr(index.sys, "version_info", (major, minor + 1, 0))
    index.code_fingerprint.cache_clear()
    try:
        assert update(bundled_toolkit, tmp_path).rebuilt
    finally:
        monkeypatch.undo()
        index.code_fingerprint.cache_clear()
