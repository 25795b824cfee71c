"""The cached term-at-a-time scorer ranks exactly as Whoosh's own matchers would.

Every query the engine builds for the relevance judgments (synonyms, compound parts, phrases,
spelling corrections, exclusions) is scored both ways on the bundled toolkit; and once more on
an index with several segments and deleted documents (after incremental updates).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import query as wq

from zwk_kb.devtools.evaluation import load_judgments
from zwk_kb.engine.scoring import (
    DisMax,
    ScoreCache,
    _dismax,
    _intersection,
    _scattered,
    _union,
    _without_deleted,
    best_of,
)
from zwk_kb.model import Toolkit
from zwk_kb.search.index import SearcherPool, build, update
from zwk_kb.search.request import parse_search_args
from zwk_kb.search.service import SearchEngine

ROOT = Path(__file__).resolve().parent.parent
EXTRA_QUERIES = (
    '"leerstand im ortskern"',
    "kita -personal",
    "senioren NOT pflege",
    "buergerbus ehrenamt",
    "dolmetcher",
    "gemeinde",
)


def _compare(engine: SearchEngine, queries: list[str]) -> int:
    """Scores of every query the engine ranks, ours vs. Whoosh's; returns how many compared."""
    seen: list[Any] = []
    original = engine.scores._dense

    def recording(searcher: Any, state: Any, q: wq.Query, *args: Any) -> Any:
        seen.append((searcher, q))  # the query and every subquery
        return original(searcher, state, q, *args)

    engine.scores._dense = recording  # type: ignore[method-assign]
    for text in queries:
        engine.search(parse_search_args({"q": [text]}))
    engine.scores._dense = original  # type: ignore[method-assign]
    compared = 0
    for searcher, q in seen:
        ours = ScoreCache().evaluate(searcher, engine.pool.key(), q)
        if isinstance(q, wq.AndNot):
            # Whoosh's AndNot matcher lets some excluded documents through (see
            # test_excluded_word_removes_every_card_containing_it): exclude by hand
            excluded = {d for _, d in searcher.search(q.b, limit=None).top_n}
            whoosh = {
                d: s * q.boost
                for s, d in searcher.search(q.a, limit=None).top_n
                if d not in excluded
            }
        else:
            whoosh = {d: s for s, d in searcher.search(q, limit=None).top_n}
        assert set(ours) == set(whoosh), q
        ranked = list(ScoreCache().ranked(searcher, engine.pool.key(), q))
        assert ranked == sorted(ours, key=lambda d: (-ours[d], d)), q
        for docnum, score in whoosh.items():
            assert math.isclose(ours[docnum], score, rel_tol=1e-9, abs_tol=1e-9), (q, docnum)
        compared += 1
    return compared


def test_scores_equal_whoosh_for_every_judged_query(bundled_settings: Any) -> None:
    judgments = load_judgments(ROOT / "relevance" / "judgments.yml")
    pool = SearcherPool(bundled_settings.index)
    engine = SearchEngine(pool)
    compared = _compare(engine, [j.query for j in judgments if j.query] + list(EXTRA_QUERIES))
    assert compared >= 50
    pool.close()


def _index_with_deletions(toolkit: Toolkit, path: Path, **change: Any) -> SearcherPool:
    """The toolkit indexed, then two incremental runs (a card changed, one removed): several
    segments with deleted documents."""
    build(toolkit, path)
    cards = list(toolkit.cards)
    changed = dataclasses.replace(cards[0], stamp="x1", **change)
    update(Toolkit(tuple([changed, *cards[1:]]), toolkit.vocabulary), path)
    update(Toolkit(tuple([changed, *cards[2:]]), toolkit.vocabulary), path)
    return SearcherPool(path)


def test_scores_equal_whoosh_with_segments_and_deletions(
    bundled_toolkit: Toolkit, tmp_path: Path
) -> None:
    pool = _index_with_deletions(bundled_toolkit, tmp_path)
    searcher = pool.searcher()
    assert searcher.reader().has_deletions() or len(searcher.leaf_searchers()) > 1
    engine = SearchEngine(pool, bundled_toolkit.vocabulary.synonyms)
    assert _compare(engine, ["kita", "ehrenamt senioren", "bürgerbus", "dorfladen"]) >= 4
    pool.close()


@pytest.mark.parametrize("count", [3, 4, 7])
def test_best_of_many_alternatives_scores_the_same_in_whoosh_and_in_the_score_vectors(
    bundled_settings: Any, count: int
) -> None:
    """A word with three or more alternatives (a synonym group) ranks the same whichever path
    scores it: the score vectors or Whoosh's matchers (opaque queries, other callers)."""
    pool = SearcherPool(bundled_settings.index)
    engine = SearchEngine(pool)
    searcher = pool.searcher()
    words = ["Menschen", "Ort", "Bürger", "Land", "Dorf", "Gemeinde", "Verein"][:count]
    alternatives = [engine._term(engine._analyze(searcher, w)[0][0]) for w in words]
    q = DisMax(alternatives, tiebreak=0.1)
    cache = ScoreCache()
    matched_by = [set(cache.evaluate(searcher, pool.key(), a)) for a in alternatives]
    on_all = set.intersection(*matched_by)
    assert len(on_all) >= 3  # cards that every alternative matches: where the pairing differs
    ours = cache.evaluate(searcher, pool.key(), q)
    whoosh = {d: s for s, d in searcher.search(q, limit=None).top_n}
    assert set(ours) == set(whoosh)
    for docnum, score in whoosh.items():
        assert math.isclose(ours[docnum], score, rel_tol=1e-12), docnum
    assert [d for _, d in searcher.search(q, limit=10).top_n] == list(
        cache.ranked(searcher, pool.key(), q)
    )[:10]
    pool.close()


def test_dismax_takes_the_best_alternative_plus_a_tiebreak_share() -> None:
    parts = [{1: 2.0, 2: 1.0}, {1: 1.0, 3: 4.0}, {1: 0.5}]
    assert _as_dict(_dismax([_as_dense(p) for p in parts], 0.1, SIZE)) == pytest.approx(
        {1: 2.0 + 0.1 * 1.5, 2: 1.0, 3: 4.0}
    )


def test_cache_stays_within_its_budget_and_forgets_old_index_states(bundled_settings: Any) -> None:
    pool = SearcherPool(bundled_settings.index)
    searcher = pool.searcher()
    cache = ScoreCache(budget=60)
    for word in ("gemeind", "senior", "kind", "burg", "ehrenamt", "pfleg"):
        cache.evaluate(searcher, "state-a", wq.Term("body", word))
        assert cache._size <= 60
    cache.evaluate(searcher, "state-b", wq.Term("title", "kita"))
    cache.forget_other_states("state-b")
    assert all(key[0] == "state-b" for key in cache._entries)
    pool.close()


def test_excluded_word_removes_every_card_containing_it(bundled_settings: Any) -> None:
    """ "kita -personal": no card mentioning "Personal" anywhere may be listed (Whoosh's own
    AndNot matcher returned the Fachkräfte card whose body mentions it)."""
    pool = SearcherPool(bundled_settings.index)
    engine = SearchEngine(pool)
    kita = engine.search(parse_search_args({"q": ["kita"], "per_page": ["50"]}))
    without = engine.search(parse_search_args({"q": ["kita -personal"], "per_page": ["50"]}))
    assert 0 < without.total < kita.total
    assert without.total == len(without.hits)
    for hit in without.hits:
        text = " ".join([hit.card["title"], hit.card["summary"], hit.card["html"]]).lower()
        assert "personal" not in text, hit.slug
    assert "fachkraeftekampagne-rueckkehrer" in {h.slug for h in kita.hits}
    pool.close()


def test_field_lengths_read_in_one_go_equal_whoosh_per_document(
    bundled_toolkit: Toolkit, tmp_path: Path
) -> None:
    from zwk_kb.engine.scoring import _read_lengths
    from zwk_kb.search.schema import TEXT_FIELD_BOOSTS

    pool = _index_with_deletions(bundled_toolkit, tmp_path, plain_summary="")
    cards = bundled_toolkit.cards
    checked = 0
    for leaf, _ in pool.searcher().leaf_searchers():
        reader = leaf.reader()
        for field in TEXT_FIELD_BOOSTS:
            expected = [
                reader.doc_field_length(d, field, 1) or 1 for d in range(reader.doc_count_all())
            ]
            assert _read_lengths(reader, field) == expected, field
            checked += len(expected)
    assert checked > 5 * len(cards)
    pool.close()


def _answer(engine: SearchEngine, **args: list[str]) -> tuple[Any, ...]:
    result = engine.search(parse_search_args(args))
    facets = {
        name: [(v.value, v.count, v.selected) for v in values]
        for name, values in result.facets.items()
    }
    return result.total, [h.slug for h in result.hits], [h.snippet for h in result.hits], facets


def test_cached_query_matches_answer_facet_clicks_and_pages_like_a_fresh_engine(
    bundled_toolkit: Toolkit, tmp_path: Path
) -> None:
    build(bundled_toolkit, tmp_path)
    pool = SearcherPool(tmp_path)
    warm = SearchEngine(pool, bundled_toolkit.vocabulary.synonyms)
    topic = bundled_toolkit.cards[0].topics[0]
    requests: list[dict[str, list[str]]] = [
        {"q": ["ehrenamt senioren"]},
        {"q": ["ehrenamt senioren"], "topic": [topic]},
        {"q": ["ehrenamt senioren"], "per_page": ["2"], "page": ["2"]},
        {"q": ["ehrenamt senioren"], "sort": ["title"]},
        {"q": ["dolmetcher"]},  # a correction
        {"q": ["kita -personal"]},
        {"q": [""], "topic": [topic]},
    ]
    for args in requests * 2:  # the second round comes from the cache
        fresh = SearchEngine(pool, bundled_toolkit.vocabulary.synonyms)
        assert _answer(warm, **args) == _answer(fresh, **args), args
    assert len(warm._matches) == len({a["q"][0] for a in requests})

    # a changed index is a new state: nothing cached for the old one is served
    cards = list(bundled_toolkit.cards)
    hit = warm.search(parse_search_args({"q": ["ehrenamt senioren"]})).hits[0].slug
    update(Toolkit(tuple(c for c in cards if c.slug != hit), bundled_toolkit.vocabulary), tmp_path)
    after = [h.slug for h in warm.search(parse_search_args({"q": ["ehrenamt senioren"]})).hits]
    assert hit not in after
    pool.close()


def test_query_match_cache_stays_within_its_budget(
    bundled_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zwk_kb.search.service as search_module

    monkeypatch.setattr(search_module, "MATCH_CACHE_DOCS", 40)
    pool = SearcherPool(bundled_settings.index)
    engine = SearchEngine(pool)
    for q in ["kita", "ehrenamt", "bürgerbus", "senioren", "dorfladen", "jugend", "pflege"]:
        engine.search(parse_search_args({"q": [q]}))
        assert engine._matches_size <= 40
        assert engine._matches_size == sum(m.size for m in engine._matches.values())
    engine.clear_caches()
    assert not engine._matches and engine._matches_size == 0
    pool.close()


def test_browse_orders_and_facet_sets_equal_whoosh_with_segments_and_deletions(
    bundled_toolkit: Toolkit, tmp_path: Path
) -> None:
    from whoosh import query as wq

    from zwk_kb.engine.sidefile import segment_impacts
    from zwk_kb.facets import FACETS
    from zwk_kb.search.facet_sets import column_order, field_postings, live_docs
    from zwk_kb.search.schema import CHANGED, TITLE_ORDER

    pool = _index_with_deletions(bundled_toolkit, tmp_path)
    searcher = pool.searcher()
    reader = searcher.reader()
    assert reader.has_deletions() and not reader.is_atomic()
    docs = frozenset(reader.all_doc_ids())
    assert frozenset(np.flatnonzero(live_docs(reader)).tolist()) == docs
    for field, reverse in ((CHANGED, True), (TITLE_ORDER, False)):
        whoosh = searcher.search(wq.Every(), limit=None, sortedby=field, reverse=reverse)
        assert column_order(searcher, docs, field, reverse) == [d for _, d in whoosh.top_n]
    compared = 0
    for facet in FACETS:
        # the facet sets come from the segments' side files (see test_impacts.py)
        assert all(segment_impacts(leaf, facet.name) for leaf, _ in reader.leaf_readers())
        found = field_postings(reader, facet.name)
        assert set(found) == set(reader.lexicon(facet.name))
        for term in reader.lexicon(facet.name):
            expected = frozenset(reader.postings(facet.name, term).all_ids())
            assert frozenset(found[term].tolist()) & docs == expected
            compared += 1
    assert compared > 30
    pool.close()


def test_snippets_of_a_cached_query_stay_bounded_and_equal_fresh_ones(
    bundled_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zwk_kb.search.service as search_module

    monkeypatch.setattr(search_module, "EXPLAINED_PER_QUERY", 3)
    pool = SearcherPool(bundled_settings.index)
    engine = SearchEngine(pool)
    args = {"q": ["kita"], "per_page": ["2"]}
    first = [_answer(engine, **args, page=[str(p)]) for p in (1, 2, 3)]
    entry = next(iter(engine._matches.values()))
    assert len(entry.explained) == 3  # the third page's cards were explained, not kept
    again = [_answer(engine, **args, page=[str(p)]) for p in (1, 2, 3)]
    assert again == first
    assert any(snippet for answer in first for snippet in answer[2])
    pool.close()


def _reference_union(parts: list[dict[int, float]]) -> dict[int, float]:
    """The plain running sum (what the C-level merges must reproduce bit for bit)."""
    parts = sorted((p for p in parts if p), key=len, reverse=True)
    total: dict[int, float] = {}
    for part in parts:
        for docnum, score in part.items():
            total[docnum] = total[docnum] + score if docnum in total else score
    return total


def _reference_dismax(parts: list[dict[int, float]], tiebreak: float) -> dict[int, float]:
    """``best_of`` card by card over the alternatives that match it, in their order."""
    docs = sorted(set().union(*parts)) if parts else []
    return {d: best_of([p[d] for p in parts if d in p], tiebreak) for d in docs}


score_parts = st.lists(
    st.dictionaries(
        st.integers(0, 60), st.floats(0.001, 50, allow_nan=False, allow_infinity=False)
    ),
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(parts=score_parts, tiebreak=st.sampled_from([0.0, 0.1, 0.5]))
def test_fast_merges_give_exactly_the_floats_of_a_running_sum(
    parts: list[dict[int, float]], tiebreak: float
) -> None:
    """Equal scores must stay equal and ranks must not flip by rounding: the merges that run
    in C give bit-identical sums, maxima and intersections."""
    copies = [dict(p) for p in parts]
    assert _as_dict(_union([_as_dense(p) for p in parts], SIZE)) == _reference_union(copies)
    assert _as_dict(_dismax([_as_dense(p) for p in parts], tiebreak, SIZE)) == _reference_dismax(
        copies, tiebreak
    )
    queries = [wq.Term("body", str(i)) for i in range(len(parts))]
    lookup = {q: _as_dense(p) for q, p in zip(queries, parts, strict=True)}
    expected: dict[int, float] | None = None
    for part in parts:
        expected = (
            dict(part)
            if expected is None
            else {d: s + part[d] for d, s in expected.items() if d in part}
        )
    assert _as_dict(_intersection(queries, lookup.__getitem__, SIZE)) == (expected or {})


SIZE = 61


def _as_dense(part: dict[int, float]) -> tuple[np.ndarray, np.ndarray]:
    docs = sorted(part)
    return _scattered(np.array(docs, dtype=np.int64), np.array([part[d] for d in docs]), SIZE)


def _as_dict(dense: tuple[np.ndarray, np.ndarray]) -> dict[int, float]:
    scores, matched = dense
    return {int(d): float(scores[d]) for d in np.flatnonzero(matched)}


NEAR_CASES = (
    (("kita", "personal"), 3, False, 0),
    (("personal", "kita"), 3, True, 0),
    (("fach", "kraft"), 3, False, 0),
    (("kraft", "fach"), 3, True, 0),
    (("gemeind", "rat"), 3, False, 0),
    (("senior", "treff"), 3, False, 1),
    (("dorf", "lad"), 3, False, 0),
    (("jugend", "parlament", "kind"), 6, False, 0),
    (("kind", "betreu"), 3, False, 0),
    (("land", "arzt"), 3, False, 0),
)


def test_near_queries_from_side_file_positions_equal_whooshs_span_matcher(
    bundled_toolkit: Toolkit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parts of a compound near each other ("Personal der Kita" for "Kitapersonal") are
    matched from the side files' positions; same cards and scores as Whoosh's matcher, also
    on an index with several segments and deleted cards."""
    from whoosh.query import spans

    pool = _index_with_deletions(bundled_toolkit, tmp_path)
    searcher = pool.searcher()
    cache = ScoreCache()

    def no_whoosh(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("near query handed to Whoosh")

    monkeypatch.setattr(cache, "_opaque", no_whoosh)
    found = 0
    for words, slop, ordered, mindist in NEAR_CASES:
        for field in ("body", "title", "summary"):
            q = spans.SpanNear2(
                [wq.Term(field, w) for w in words], slop=slop, ordered=ordered, mindist=mindist
            )
            ours = cache.evaluate(searcher, pool.key(), q.with_boost(0.6))
            whoosh = {d: s for s, d in searcher.search(q, limit=None).top_n}
            assert ours == whoosh, (words, field)
            found += len(ours)
    assert found > 20
    phrases = 0
    for words in (["kita", "personal"], ["leerstand", "ortskern"], ["jung", "mensch"]):
        for field, slop, boost in (("body", 1, 1.0), ("title", 1, 5.0), ("summary", 2, 2.5)):
            q = wq.Phrase(field, words, slop=slop, boost=boost)
            ours = cache.evaluate(searcher, pool.key(), q)
            whoosh = {d: s for s, d in searcher.search(q, limit=None).top_n}
            assert ours == whoosh, (words, field)
            phrases += len(ours)
    assert phrases > 3
    pool.close()


@settings(max_examples=300, deadline=None)
@given(
    docs=st.lists(st.integers(0, 5000), unique=True, max_size=400).map(sorted),
    deleted=st.sets(st.integers(0, 5000), max_size=40),
)
def test_deleted_cards_never_score_however_many_there_are(
    docs: list[int], deleted: set[int]
) -> None:
    """A card removed by an update must not come back in a result, whether a segment has a
    few deleted cards (found by bisection) or many (filtered one by one)."""
    ids = np.array(docs, dtype=np.int64)
    tfs = np.array([float(d % 7 + 1) for d in docs])
    kept_ids, kept_tfs = _without_deleted(ids, tfs, deleted)
    expected = [d for d in docs if d not in deleted]
    assert kept_ids.tolist() == expected
    assert kept_tfs.tolist() == [float(d % 7 + 1) for d in expected]
