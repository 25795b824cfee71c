"""The array scorer: what each shape of the engine's query means, that the fast paths (side
files, positions, length columns) run on the bundled index, and the ranking users see.

Whoosh is only the reference where the engine keeps its definition: BM25F of a single term
(Whoosh's formula) and which cards have words near each other (its span matcher).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import query as wq
from whoosh.scoring import BM25F
from whoosh.searching import Searcher

from zwk_kb.devtools.evaluation import load_judgments
from zwk_kb.engine.query import And, AndMaybe, AndNot, BestOf, Every, Near, Or, Term, phrase
from zwk_kb.engine.scoring import (
    DEFAULT_BUDGET,
    FALLBACKS,
    LENGTHS_IN_ONE_READ,
    NEAR_FROM_POSITIONS,
    NEAR_FROM_WHOOSH,
    TERMS_FROM_SIDE_FILE,
    ScoreCache,
    _best_of,
    _intersection,
    _scattered,
    _union,
    _without_deleted,
    to_whoosh,
)
from zwk_kb.model import Toolkit
from zwk_kb.search import ranking
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
    "kitapersonal",
)


def _cache(budget: int = DEFAULT_BUDGET) -> ScoreCache:
    return ScoreCache(budget, k1=ranking.BM25_K1, b=ranking.BM25_B)


def _index_with_deletions(toolkit: Toolkit, path: Path, **change: Any) -> SearcherPool:
    """The toolkit indexed, then two incremental runs (a card changed, one removed): several
    segments with deleted documents."""
    build(toolkit, path)
    cards = list(toolkit.cards)
    changed = dataclasses.replace(cards[0], stamp="x1", **change)
    update(Toolkit(tuple([changed, *cards[1:]]), toolkit.vocabulary), path)
    update(Toolkit(tuple([changed, *cards[2:]]), toolkit.vocabulary), path)
    return SearcherPool(path)


def _assert_fast_paths_only(engine: SearchEngine, queries: list[str]) -> None:
    for text in queries:
        result = engine.search(parse_search_args({"q": [text]}))
        assert not result.timed_out, text
    paths = engine.scores.fast_paths
    assert paths[TERMS_FROM_SIDE_FILE] > 0
    assert paths[NEAR_FROM_POSITIONS] > 0  # compound parts and phrases from positions
    assert paths[LENGTHS_IN_ONE_READ] > 0
    assert not {p: n for p, n in paths.items() if p in FALLBACKS}


def test_every_judged_query_runs_on_the_fast_paths_only(bundled_settings: Any) -> None:
    """The bundled index has side files for every segment: no term, near query or field
    length is read the slow way (the autouse fixture also fails on any degradation)."""
    judgments = load_judgments(ROOT / "relevance" / "judgments.yml")
    pool = SearcherPool(bundled_settings.index)
    engine = SearchEngine(pool)
    _assert_fast_paths_only(engine, [j.query for j in judgments if j.query] + list(EXTRA_QUERIES))
    pool.close()


def test_fast_paths_also_run_with_segments_and_deletions(
    bundled_toolkit: Toolkit, tmp_path: Path
) -> None:
    pool = _index_with_deletions(bundled_toolkit, tmp_path)
    assert pool.searcher().reader().has_deletions()
    engine = SearchEngine(pool, bundled_toolkit.vocabulary.synonyms)
    _assert_fast_paths_only(engine, ["kita", "ehrenamt senioren", "bürgerbus", *EXTRA_QUERIES])
    pool.close()


def test_a_term_scores_whooshs_bm25f_with_segments_and_deletions(
    bundled_toolkit: Toolkit, tmp_path: Path
) -> None:
    """BM25F of one term keeps Whoosh's formula and statistics; deleted cards never score."""
    pool = _index_with_deletions(bundled_toolkit, tmp_path)
    searcher = pool.searcher()
    weighting = BM25F(K1=ranking.BM25_K1, B=ranking.BM25_B)
    reference = Searcher(searcher.reader(), weighting=weighting, closereader=False)
    cache = _cache()
    compared = 0
    for field in ("title", "summary", "body", "facet_text"):
        for text in ("kita", "gemeind", "senior", "ehrenamt", "dorf"):
            ours = cache.evaluate(searcher, pool.key(), Term(field, text, boost=2.0))
            whoosh = {d: s for s, d in reference.search(wq.Term(field, text), limit=None).top_n}
            assert set(ours) == set(whoosh), (field, text)
            for docnum, score in whoosh.items():
                assert math.isclose(ours[docnum], 2.0 * score, rel_tol=1e-9), (field, text)
            compared += len(whoosh)
    assert compared > 50
    pool.close()


def test_each_query_shape_means_what_the_engine_says(bundled_settings: Any) -> None:
    """And needs all parts, Or adds what matches, BestOf = best + tiebreak x the others,
    AndNot excludes, AndMaybe adds the optional part where it matches, boosts multiply, Every
    is every card."""
    pool = SearcherPool(bundled_settings.index)
    searcher = pool.searcher()
    key = pool.key()
    cache = _cache()
    a_q, b_q = Term("body", "kita"), Term("body", "personal", boost=1.5)
    a, b = cache.evaluate(searcher, key, a_q), cache.evaluate(searcher, key, b_q)
    both = set(a) & set(b)
    assert both and set(a) - set(b) and set(b) - set(a)  # overlapping, neither contains the other

    assert cache.evaluate(searcher, key, And((a_q, b_q))) == pytest.approx(
        {d: a[d] + b[d] for d in both}
    )
    assert cache.evaluate(searcher, key, Or((a_q, b_q))) == pytest.approx(
        {d: a.get(d, 0.0) + b.get(d, 0.0) for d in set(a) | set(b)}
    )
    best = cache.evaluate(searcher, key, BestOf((a_q, b_q), tiebreak=0.1))
    assert best == pytest.approx(
        {
            d: max(a.get(d, 0.0), b.get(d, 0.0)) + 0.1 * min(a.get(d, 0.0), b.get(d, 0.0))
            for d in set(a) | set(b)
        }
    )
    assert cache.evaluate(searcher, key, AndNot(a_q, b_q, boost=2.0)) == pytest.approx(
        {d: 2.0 * s for d, s in a.items() if d not in b}
    )
    assert cache.evaluate(searcher, key, Or((a_q, b_q), boost=3.0)) == pytest.approx(
        {d: 3.0 * (a.get(d, 0.0) + b.get(d, 0.0)) for d in set(a) | set(b)}
    )
    every = cache.evaluate(searcher, key, Every())
    assert set(every) == set(searcher.reader().all_doc_ids()) and not any(every.values())
    assert cache.evaluate(searcher, key, And((a_q, Term("body", "xyzzyq")))) == {}
    assert cache.evaluate(searcher, key, AndMaybe(a_q, b_q, boost=2.0)) == pytest.approx(
        {d: 2.0 * (s + b.get(d, 0.0)) for d, s in a.items()}
    )
    pool.close()


def test_ranked_orders_best_first_and_equal_scores_by_document(bundled_settings: Any) -> None:
    pool = SearcherPool(bundled_settings.index)
    searcher = pool.searcher()
    q = Or((Term("body", "gemeind"), Term("title", "dorf", boost=5.0)))
    scores = _cache().evaluate(searcher, pool.key(), q)
    ranked = list(_cache().ranked(searcher, pool.key(), q))
    assert len(ranked) > 10
    assert ranked == sorted(scores, key=lambda d: (-scores[d], d))
    pool.close()


def test_best_of_takes_the_best_alternative_plus_a_tiebreak_share() -> None:
    parts = [{1: 2.0, 2: 1.0}, {1: 1.0, 3: 4.0}, {1: 0.5}]
    assert _as_dict(_best_of([_as_dense(p) for p in parts], 0.1, SIZE)) == pytest.approx(
        {1: 2.0 + 0.1 * 1.5, 2: 1.0, 3: 4.0}
    )


def test_cache_stays_within_its_budget_and_forgets_old_index_states(bundled_settings: Any) -> None:
    pool = SearcherPool(bundled_settings.index)
    searcher = pool.searcher()
    cache = _cache(60)
    for word in ("gemeind", "senior", "kind", "burg", "ehrenamt", "pfleg"):
        cache.evaluate(searcher, "state-a", Term("body", word))
        assert cache._size <= 60
    cache.evaluate(searcher, "state-b", Term("title", "kita"))
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
    from zwk_kb.search.schema import TEXT_FIELDS

    pool = _index_with_deletions(bundled_toolkit, tmp_path, plain_summary="")
    cards = bundled_toolkit.cards
    checked = 0
    cache = _cache()
    for leaf, _ in pool.searcher().leaf_searchers():
        reader = leaf.reader()
        for field in TEXT_FIELDS:
            expected = [
                reader.doc_field_length(d, field, 1) or 1 for d in range(reader.doc_count_all())
            ]
            assert cache._read_lengths(reader, field) == expected, field
            checked += len(expected)
    assert checked > 5 * len(cards)
    assert cache.fast_paths[LENGTHS_IN_ONE_READ] > 0
    assert not FALLBACKS & set(cache.fast_paths)  # every segment's lengths in one read
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

    from zwk_kb.engine.sidefile import segment_postings_file
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
        # the facet sets come from the segments' side files (see test_sidefile.py)
        assert all(segment_postings_file(leaf, facet.name) for leaf, _ in reader.leaf_readers())
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


score_parts = st.lists(
    st.dictionaries(
        st.integers(0, 60), st.floats(0.001, 50, allow_nan=False, allow_infinity=False)
    ),
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(parts=score_parts, tiebreak=st.sampled_from([0.0, 0.1, 0.5]))
def test_array_merges_equal_the_card_by_card_definitions(
    parts: list[dict[int, float]], tiebreak: float
) -> None:
    """Or, BestOf and And over every card at once give what they mean card by card."""
    docs = sorted(set().union(*parts)) if parts else []
    union = {d: sum(p[d] for p in parts if d in p) for d in docs}
    best = {}
    for d in docs:
        found = [p[d] for p in parts if d in p]
        best[d] = max(found) + tiebreak * (sum(found) - max(found))
    assert _as_dict(_union([_as_dense(p) for p in parts], SIZE)) == pytest.approx(union)
    assert _as_dict(_best_of([_as_dense(p) for p in parts], tiebreak, SIZE)) == pytest.approx(best)
    on_all = set.intersection(*(set(p) for p in parts)) if parts else set()
    lookup = {i: _as_dense(p) for i, p in enumerate(parts)}
    expected = {d: sum(p[d] for p in parts) for d in on_all}
    assert _as_dict(_intersection(range(len(parts)), lookup.__getitem__, SIZE)) == pytest.approx(
        expected
    )


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


def test_near_matches_the_cards_with_the_words_within_the_slop(
    bundled_toolkit: Toolkit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parts of a compound near each other ("Personal der Kita" for "Kitapersonal") and
    phrases are matched from the side files' positions: the cards Whoosh's span matcher finds
    (also with several segments and deleted cards), scored as the sum of the terms times the
    boost."""
    pool = _index_with_deletions(bundled_toolkit, tmp_path)
    searcher = pool.searcher()
    key = pool.key()
    cache = _cache()

    def no_whoosh(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("near query handed to Whoosh")

    monkeypatch.setattr(cache, "_whoosh_near", no_whoosh)
    cases = [
        (Near(field, words, slop, ordered, mindist, boost=0.6), False)
        for words, slop, ordered, mindist in NEAR_CASES
        for field in ("body", "title", "summary")
    ] + [
        (phrase(field, words, slop, boost), True)
        for words in (("kita", "personal"), ("leerstand", "ortskern"), ("jung", "mensch"))
        for field, slop, boost in (("body", 1, 1.0), ("title", 1, 5.0), ("summary", 2, 2.5))
    ]
    found = {False: 0, True: 0}
    for q, is_phrase in cases:
        ours = cache.evaluate(searcher, key, q)
        whoosh = {d for _, d in searcher.search(to_whoosh(q), limit=None).top_n}
        assert set(ours) == whoosh, q
        terms = [cache.evaluate(searcher, key, Term(q.field, t)) for t in q.texts]
        assert ours == pytest.approx({d: q.boost * sum(t[d] for t in terms) for d in ours}), q
        found[is_phrase] += len(ours)
    assert found[False] > 20 and found[True] > 3
    pool.close()


def test_near_without_positions_falls_back_to_whoosh_and_says_so(
    bundled_settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    degraded_steps: Any,
) -> None:
    """A side file that cannot give positions: the same cards from Whoosh's span matcher,
    counted as a fallback and a degradation (``/healthz``), never an empty answer."""
    from zwk_kb.engine.sidefile import SegmentPostingsFile

    pool = SearcherPool(bundled_settings.index)
    searcher = pool.searcher()
    q = Near("body", ("kita", "personal"), slop=3)
    expected = _cache().evaluate(searcher, pool.key(), q)
    assert expected
    monkeypatch.setattr(SegmentPostingsFile, "position_keys", lambda *args: None)
    cache = _cache()
    with caplog.at_level(logging.ERROR):
        fallback = cache.evaluate(searcher, pool.key(), q)
    assert "SideFileWithoutPositions" in caplog.text  # the log says why
    assert set(fallback) == set(expected)
    assert fallback == pytest.approx(expected)
    assert cache.fast_paths[NEAR_FROM_WHOOSH] == 1
    assert degraded_steps() == {"near_positions": 1}
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
