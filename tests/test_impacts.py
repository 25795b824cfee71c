"""Each segment's side file of text postings equals Whoosh's own postings, and searching gives
the same answers with it, without it, and with a damaged one.

The side file is what a first search reads instead of Whoosh's position-carrying blocks; if it
ever disagreed with its segment, cards would be ranked by stale weights or missed.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from zwk_kb.engine import sidefile as impacts
from zwk_kb.engine.sidefile import IMPACTS_EXT, segment_impacts
from zwk_kb.model import Toolkit
from zwk_kb.search.index import WRITER_OPTIONS, SearcherPool, build, current_generation, update
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


def test_side_file_of_every_segment_holds_exactly_whooshs_text_postings(
    bundled_toolkit: Toolkit, tmp_path: Path
) -> None:
    _updated_twice(bundled_toolkit, tmp_path)
    pool = SearcherPool(tmp_path)
    searcher = pool.searcher()
    leaves = searcher.leaf_searchers()
    assert len(leaves) >= 2
    checked = 0
    for leaf, _ in leaves:
        reader = leaf.reader()
        for field in sorted(WRITER_OPTIONS["codec"].impact_fields):  # text and facet fields
            side = segment_impacts(reader, field)
            assert side is not None, (reader.segment(), field)
            for btext in reader.lexicon(field):
                # the raw postings, deleted documents included (the scorer drops those itself)
                matcher = reader._terms.matcher(field, btext, reader.schema[field].format)
                ids, weights = side.postings(field, btext)
                assert list(ids) == list(matcher.all_ids()), (field, btext)
                matcher = reader._terms.matcher(field, btext, reader.schema[field].format)
                expected = []
                while matcher.is_active():
                    expected.append(matcher.weight())
                    matcher.next()
                assert list(weights) == expected, (field, btext)
                checked += 1
            ids, weights = side.postings(field, b"gibtesnichtimindex")
            assert (len(ids), len(weights)) == (0, 0)
    assert checked > 1000
    pool.close()


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
        re.sub(re.escape(IMPACTS_EXT) + "$", "", p.name) for p in generation.glob("*" + IMPACTS_EXT)
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
    removed = [p.unlink() for p in missing.rglob("*" + IMPACTS_EXT)]
    assert removed
    assert _answers(missing, synonyms) == expected
    assert degraded_steps().get("term_postings", 0) > 0  # the slower way is counted, not silent

    damaged = tmp_path / "damaged"
    shutil.copytree(with_side, damaged)
    for number, side in enumerate(damaged.rglob("*" + IMPACTS_EXT)):
        side.write_bytes(side.read_bytes()[: 40 + number])  # cut off, directory gone
    impacts._open.clear()
    assert _answers(damaged, synonyms) == expected


def test_positions_narrowed_to_two_bytes_keep_their_values() -> None:
    from array import array

    from zwk_kb.engine.sidefile import _narrow

    values = array("I", [0, 1, 255, 256, 4097, 65535, 300])
    assert _narrow(values) == array("H", values).tobytes()
