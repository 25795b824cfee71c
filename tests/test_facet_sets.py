"""Facet sets: the documents of every facet value, as the index's postings have them."""

from __future__ import annotations

from whoosh import query as wq

from zwk_kb.config import Settings
from zwk_kb.facets import FACETS
from zwk_kb.search.facet_sets import FacetSets, bit_mask
from zwk_kb.search.index import SearcherPool
from zwk_kb.search.schema import CHANGED, TITLE_ORDER, facet_value


def test_facet_sets_hold_each_values_cards_and_both_browse_orders(settings: Settings) -> None:
    pool = SearcherPool(settings.index)
    searcher = pool.searcher()
    sets = FacetSets(searcher)
    assert sets.all_docs == frozenset(searcher.reader().all_doc_ids())
    assert sets.all_mask.bit_count() == searcher.doc_count()
    compared = 0
    for facet in FACETS:
        for term in searcher.reader().lexicon(facet.name):
            value = facet_value(term.decode("utf-8"))
            expected = frozenset(searcher.docs_for_query(wq.Term(facet.name, term.decode())))
            assert sets.values[facet.name][value] == expected
            assert sets.masks[facet.name][value] == bit_mask(expected)
            compared += 1
    assert compared > 10
    newest = searcher.search(wq.Every(), limit=None, sortedby=CHANGED, reverse=True)
    assert sets.newest(searcher) == [d for _, d in newest.top_n]
    by_title = searcher.search(wq.Every(), limit=None, sortedby=TITLE_ORDER)
    assert sets.by_title(searcher) == [d for _, d in by_title.top_n]
    pool.close()


def test_a_value_typed_without_umlauts_or_sharp_s_finds_the_indexed_spelling(
    settings: Settings,
) -> None:
    pool = SearcherPool(settings.index)
    sets = FacetSets(pool.searcher())
    communes = sets.values["communes"]
    spelled = next(v for v in communes if any(c in v for c in "äöüß"))
    plain = spelled.replace("ß", "ss").replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    assert sets.resolve("communes", plain) == spelled
    assert sets.resolve("communes", "Nirgendwo") == "Nirgendwo"
    pool.close()
