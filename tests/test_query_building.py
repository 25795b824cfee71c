"""Query building as pure functions: the words of a query become the engine's query, with the
weights of ``ranking`` (no Flask, no index on disk: the lexicon is a few dictionaries)."""

from __future__ import annotations

import pytest
from whoosh.analysis import StandardAnalyzer

from zwk_kb.engine.query import And, AndNot, BestOf, Every, Near, Or, Term, positive_terms
from zwk_kb.search import query_building as qb
from zwk_kb.search import ranking
from zwk_kb.search.query_building import Lexicon
from zwk_kb.search.request import split_query
from zwk_kb.search.schema import TEXT_FIELDS

ANALYSED = {
    "kita": [["kita"]],
    "personal": [["personal"]],
    "kitapersonal": [["kitapersonal", "kita", "personal"]],
    "dorfladen": [["dorflad", "dorf", "lad"]],
    "ehrenamt": [["ehrenamt"]],
    "engagement": [["engagement"]],
    "freiwilligenarbeit": [["freiwilligenarbeit", "freiwillig", "arbeit"]],
    "leerstand im ortskern": [["leerstand"], ["ortskern"]],
    "leerstandimortskern": [["leerstandimortskern"]],
    "dolmetcher": [["dolmetch"]],
    "dolmetscher": [["dolmetsch"]],
}
FREQUENCY = {"kita": 9, "personal": 4, "dorflad": 7, "ehrenamt": 5, "dolmetsch": 2}


def _lexicon(synonyms: dict[str, list[str]] | None = None) -> Lexicon:
    groups = synonyms or {}
    return Lexicon(
        analyze=lambda text: ANALYSED.get(text.lower(), [[text.lower()]] if text else []),
        doc_frequency=lambda term: FREQUENCY.get(term, 0),
        expansions=lambda text: [(s, alts) for s, alts in groups.items() if s in text.lower()],
        correct=lambda word: "dolmetscher" if word.lower() == "dolmetcher" else None,
    )


def _fields(term: str, scale: float = 1.0) -> Or:
    return Or(tuple(Term(f, term, b * scale) for f, b in ranking.FIELD_BOOSTS.items()))


def test_the_weight_table_covers_exactly_the_searched_fields() -> None:
    assert tuple(ranking.FIELD_BOOSTS) == TEXT_FIELDS
    assert ranking.FIELD_BOOSTS["title"] > ranking.FIELD_BOOSTS["body"]


def test_a_word_is_searched_in_every_text_field_with_its_weight() -> None:
    built = qb.build(split_query("Kita"), _lexicon())
    assert built.main == _fields("kita")
    assert built.exclude is None and built.suggestion is None


def test_all_words_are_required() -> None:
    built = qb.build(split_query("Kita Personal"), _lexicon())
    assert built.main == And((_fields("kita"), _fields("personal")))


def test_a_rare_compound_is_also_searched_as_its_parts_near_each_other() -> None:
    built = qb.build(split_query("Kitapersonal"), _lexicon())
    near = Or(
        tuple(
            Near(f, ("kita", "personal"), slop=ranking.PARTS_SLOP, boost=ranking.PARTS_BOOST)
            for f in ranking.FIELD_BOOSTS
        )
    )
    assert built.main == Or((_fields("kitapersonal"), near))
    assert built.units[0].known  # all parts occur, though the whole word does not


def test_a_common_compound_is_not_searched_as_its_parts() -> None:
    assert FREQUENCY["dorflad"] >= ranking.PARTS_BELOW_DF
    assert qb.build(split_query("Dorfladen"), _lexicon()).main == _fields("dorflad")


def test_synonyms_count_as_the_best_alternative_at_half_weight_without_parts() -> None:
    lexicon = _lexicon({"ehrenamt": ["Engagement", "Freiwilligenarbeit"]})
    built = qb.build(split_query("Ehrenamt"), lexicon)
    assert built.main == BestOf(
        (
            _fields("ehrenamt"),
            _fields("engagement", ranking.SYNONYM_WEIGHT),
            _fields("freiwilligenarbeit", ranking.SYNONYM_WEIGHT),  # no parts
        ),
        tiebreak=ranking.BEST_OF_TIEBREAK,
    )
    unit = built.units[0]
    assert unit.literal == {"ehrenamt"}
    assert unit.reasons["engagement"] == "Ähnliches Wort: „ehrenamt“ → „Engagement“"


def test_a_phrase_wants_its_words_in_order_or_joined_as_one_word() -> None:
    built = qb.build(split_query('"Leerstand im Ortskern"'), _lexicon())
    assert isinstance(built.main, Or)
    *phrases, joined = built.main.parts
    assert joined == _fields("leerstandimortskern")
    assert phrases == [
        Near(f, ("leerstand", "ortskern"), ranking.PHRASE_SLOP, ordered=True, mindist=1, boost=b)
        for f, b in ranking.FIELD_BOOSTS.items()
    ]


def test_an_unknown_word_is_widened_by_its_correction() -> None:
    built = qb.build(split_query("Dolmetcher"), _lexicon())
    assert built.main == Or((_fields("dolmetch"), _fields("dolmetsch")))
    assert built.suggestion == "dolmetscher" and built.corrected
    assert built.units[0].reasons["dolmetsch"] == "Schreibweise: „Dolmetcher“ → „dolmetscher“"


def test_excluded_words_never_count_and_alone_exclude_from_every_card() -> None:
    built = qb.build(split_query("Kita -Personal"), _lexicon())
    assert built.main == _fields("kita") and built.exclude == Or((_fields("personal"),))
    q = qb.with_exclusions(built.main, built.exclude)
    assert q == AndNot(_fields("kita"), Or((_fields("personal"),)))
    assert {text for _, text in positive_terms(q)} == {"kita"}
    only = qb.build(split_query("-Personal"), _lexicon())
    assert only.main is None
    assert qb.with_exclusions(only.main, only.exclude) == AndNot(Every(), only.exclude)


@pytest.mark.parametrize(
    ("query", "wanted"),
    [
        ("Kita Personal", True),  # both known
        ("Kita xyzzy", True),  # half of the words known
        ("Kita", False),  # one word: nothing to relax
        ("Kita xyzzy qwerty", False),  # most words unknown
    ],
)
def test_some_words_only_when_at_least_half_were_found_as_typed(query: str, wanted: bool) -> None:
    parts = split_query(query)
    built = qb.build(parts, _lexicon())
    assert (qb.some_words(parts, built.units) is not None) is wanted


def test_cards_with_all_words_count_more_when_some_words_are_added() -> None:
    main, some = _fields("kita"), _fields("personal")
    assert qb.all_then_some(main, some, True) == Or(
        (Or(main.parts, boost=ranking.ALL_WORDS_BOOST), some)
    )
    assert qb.all_then_some(main, some, False) == some


def test_analysed_terms_are_grouped_by_position_without_stop_words() -> None:
    groups = qb.analyze(StandardAnalyzer(), "the Kita and the Personal")
    assert groups == [["kita"], ["personal"]]
