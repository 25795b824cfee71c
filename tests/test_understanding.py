"""Search that understands how people ask: word families, everyday words, questions, generic
words and typos inside compounds.

The pure functions are tested on their own; the search behaviour on the held-out toolkit
(``relevance/heldout``: real cards written without looking at the search code), with queries
written for these tests, not taken from any judgment file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from zwk_kb.analysis.thesaurus import NEIGHBOUR_WEIGHT, Thesaurus, lookup_keys, shipped
from zwk_kb.analysis.wordforms import derived_forms
from zwk_kb.devtools.thesaurus_extract import extract, member_word
from zwk_kb.search import understanding
from zwk_kb.search.index import SearcherPool, build
from zwk_kb.search.ranking import SYNONYM_WEIGHT
from zwk_kb.search.request import QueryPart, parse_search_args, split_query
from zwk_kb.search.service import SearchEngine, SearchResult
from zwk_kb.toolkit import load_toolkit

ROOT = Path(__file__).resolve().parent.parent


# ---- word families ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "family"),
    [
        ("nachhaltig", "nachhaltigkeit"),
        ("Nachhaltigkeit", "nachhaltig"),
        ("gründen", "grundung"),
        ("gründen", "grunder"),
        ("pflegen", "pflege"),
        ("Pflege", "pflegen"),
        ("mobil", "mobilitat"),
        ("Mobilität", "mobil"),
        ("ehrenamtlich", "ehrenamt"),
        ("ehrenamtliche", "ehrenamt"),
        ("Ehrenamt", "ehrenamtlich"),
        ("digitalisieren", "digitalisierung"),
        ("integrieren", "integration"),
        ("Integration", "integrieren"),
        ("fördern", "forderung"),
        ("gefördert", "fordern"),
        ("inklusiv", "inklusion"),
        ("einsam", "einsamkeit"),
        ("barrierefrei", "barrierefreiheit"),
        ("gegründet", "grunden"),
    ],
)
def test_word_family(word: str, family: str) -> None:
    assert family in derived_forms(word)


@pytest.mark.parametrize(
    ("word", "not_family"),
    [
        ("Bürger", "burg"),
        ("Bürger", "burgen"),
        ("Haus", "hau"),
        ("gründen", "grund"),
        ("gedacht", "dachen"),  # an irregular participle is no form of a regular verb
    ],
)
def test_no_family_by_cutting_any_ending(word: str, not_family: str) -> None:
    assert not_family not in derived_forms(word)


def test_short_and_odd_words_have_no_family() -> None:
    assert derived_forms("tun") == []
    assert derived_forms("e-bike") == []
    assert len(derived_forms("verantwortlichkeiten")) <= 8


# ---- thesaurus --------------------------------------------------------------------------------


def test_extract_keeps_words_and_short_phrases_of_plain_senses() -> None:
    lines = [
        "# comment",
        "Arzt;Mediziner;Doktor (ugs.);jemandem den Puls fühlen;Arzt für Allgemeinmedizin",
        "trampen;per Anhalter fahren",
        "Kohle (ugs., fig.);Geld",
        "Deputat...;Konzessions...",
        ";".join(f"Wort{i}" for i in range(30)),
        ";".join([*(f"Wort{c}" for c in "abcdefghij"), *(f"zwei Wort{c}" for c in "abcdefghij")]),
    ]
    assert extract(lines) == [
        ["Arzt", "Mediziner", "Doktor", "Arzt für Allgemeinmedizin"],
        ["trampen", "per Anhalter fahren"],
        [f"Wort{c}" for c in "abcdefghij"],
    ]
    assert member_word("Kohle (ugs., fig.)") is None
    assert member_word("Weißkittel (ugs.)") == "Weißkittel"
    assert member_word("per Anhalter fahren") is None


def test_neighbours_weigh_less_than_hand_synonyms_and_less_in_large_groups() -> None:
    small = ["Krankenschwester", "Pflegekraft"]
    large = ["Auto", "Wagen", "Fahrzeug", "Kraftfahrzeug", "Pkw", "Karre", "Kfz", "Blechkiste"]
    thesaurus = Thesaurus([small, large])
    close = dict(thesaurus.neighbours("Krankenschwester"))
    loose = dict(thesaurus.neighbours("Auto"))
    assert close == {"Pflegekraft": NEIGHBOUR_WEIGHT}
    assert NEIGHBOUR_WEIGHT < SYNONYM_WEIGHT
    assert 0 < loose["Wagen"] < close["Pflegekraft"]
    assert "Auto" not in loose


def test_neighbours_of_inflected_and_feminine_forms() -> None:
    thesaurus = Thesaurus([["Arzt", "Mediziner"], ["Krankenschwester", "Pflegekraft"]])
    assert [w for w, _ in thesaurus.neighbours("Ärztin")] == ["Mediziner"]
    assert [w for w, _ in thesaurus.neighbours("Krankenschwestern")] == ["Pflegekraft"]
    assert "arzt" in lookup_keys("Ärztinnen")


def test_ambiguous_words_are_nobody_s_neighbour() -> None:
    senses = [["frei", f"sinn{i}"] for i in range(5)]
    thesaurus = Thesaurus([["leerstehend", "frei", "unbewohnt"], *senses])
    assert [w for w, _ in thesaurus.neighbours("leerstehend")] == ["unbewohnt"]


def test_reading_the_extract_folds_like_fold() -> None:
    text = "# Kopf\nÄrztin;Mediziner\nCafé;Kaffeehaus;Straße\nQuelle;Bauer;Feuer\n"
    quick = Thesaurus.from_text(text)
    assert dict(quick.neighbours("cafe")) == dict(
        Thesaurus(Thesaurus.parse(text)).neighbours("cafe")
    )
    assert [w for w, _ in quick.neighbours("Aerztin")] == ["Mediziner"]
    assert [w for w, _ in quick.neighbours("Strasse")] == ["Café", "Kaffeehaus"]
    assert [w for w, _ in quick.neighbours("quelle")] == ["Bauer", "Feuer"]


def test_shipped_thesaurus_is_read() -> None:
    thesaurus = shipped()
    assert len(thesaurus) > 20_000
    assert "Pflegekraft" in dict(thesaurus.neighbours("Krankenschwester"))


# ---- questions ---------------------------------------------------------------------------------


def _kept(q: str) -> tuple[list[str], list[str]]:
    parts, verbs = understanding.read_question(q, split_query(q))
    return [p.text for p in parts], [parts[i].text for i in sorted(verbs)]


def test_question_frame_is_dropped_and_verbs_become_optional() -> None:
    words, verbs = _kept("Wie können wir mehr Ehrenamtliche für die Feuerwehr gewinnen?")
    assert "mehr" not in words
    assert verbs == ["gewinnen"]
    words, verbs = _kept("wie begrüßen wir Neugeborene")
    assert verbs == ["begrüßen"]
    words, _ = _kept("ich suche Tipps für Sprachbildung")
    assert words == ["ich", "Sprachbildung"] or "Tipps" not in words
    assert "suche" not in words


def test_keywords_keep_their_words() -> None:
    assert _kept("gute Nachbarschaft") == (["gute", "Nachbarschaft"], [])
    assert _kept("Tipps") == (["Tipps"], [])  # nothing else left: the word is what is asked
    assert _kept("Ehrenamtliche gewinnen") == (["Ehrenamtliche", "gewinnen"], [])


def test_excluded_and_quoted_parts_stay() -> None:
    parts = [QueryPart("suche"), QueryPart("Tipps", exclude=True), QueryPart("Kita")]
    kept, _ = understanding.read_question("suche -Tipps Kita", parts)
    assert kept == [QueryPart("Tipps", exclude=True), QueryPart("Kita")]


# ---- generic words and compound typos -----------------------------------------------------------


def test_generic_words() -> None:
    assert understanding.is_generic("Angebot", 1, 28)
    assert understanding.is_generic("Kinder", 15, 28)  # on more than 40 % of the cards
    assert not understanding.is_generic("Trauercafé", 1, 28)
    assert not understanding.is_generic("Kinder", 2, 3)  # three cards say nothing


def _dictionary(words: set[str]) -> tuple[object, object]:
    from zwk_kb.search.spelling import SpellingDictionary

    dictionary = SpellingDictionary()
    dictionary.add({w: 1 for w in words})
    return dictionary.counts.__contains__, dictionary.suggest


def test_typo_in_one_part_of_a_compound_is_corrected() -> None:
    is_word, suggest = _dictionary(
        {"schulweg", "lotsen", "ehrenamt", "karte", "hitzeschutz", "plan"}
    )
    assert understanding.correct_compound("schulweglotzen", is_word, suggest) == "schulweglotsen"
    assert understanding.correct_compound("ehrenamdkarte", is_word, suggest) == "ehrenamtkarte"


def test_compound_of_real_words_is_not_corrected() -> None:
    is_word, suggest = _dictionary({"feuerwehr", "heute"})
    assert (
        understanding.correct_compound(
            "feuerwehrleute", is_word, suggest, lambda part: part == "leute"
        )
        is None
    )
    assert understanding.correct_compound("xyzzyqwert", is_word, suggest) is None


# ---- the search -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> SearchEngine:
    toolkit = load_toolkit(ROOT / "relevance" / "heldout")
    index_dir = tmp_path_factory.mktemp("understanding-index")
    build(toolkit, index_dir)
    return SearchEngine(SearcherPool(index_dir), toolkit.vocabulary.synonyms)


def run(engine: SearchEngine, q: str) -> SearchResult:
    return engine.search(parse_search_args({"q": [q]}))


def slugs(result: SearchResult) -> list[str]:
    return [hit.slug for hit in result.hits]


@pytest.mark.parametrize(
    ("question", "keywords"),
    [
        ("wie können wir mehr ehrenamtliche für die feuerwehr gewinnen", "feuerwehr ehrenamtliche"),
        ("was können wir für trauernde menschen anbieten", "trauernde"),
        ("gibt es etwas gegen leerstand in der innenstadt", "leerstand innenstadt"),
        ("ich suche etwas für neugeborene", "neugeborene"),
        ("haben sie tipps für die sprachbildung in der kita?", "sprachbildung kita"),
        ("wie bringen wir nachbarn zusammen", "nachbarn"),
        ("wie können senioren länger zu hause wohnen", "senioren wohnen"),
        ("was können wir tun, damit weniger lebensmittel weggeworfen werden", "lebensmittel"),
    ],
)
def test_question_ranks_like_its_keywords(
    engine: SearchEngine, question: str, keywords: str
) -> None:
    asked, typed = slugs(run(engine, question)), slugs(run(engine, keywords))
    assert typed
    assert asked[:3] == typed[:3]


def test_word_family_finds_the_noun_and_says_so(engine: SearchEngine) -> None:
    result = run(engine, "mobil")
    assert "dorfauto-carsharing" in slugs(result)[:3]
    hit = next(h for h in result.hits if h.slug == "dorfauto-carsharing")
    assert "andere Wortform: „mobil“ → „Mobilität“" in hit.reasons


def test_verb_finds_its_participle_without_a_spelling_correction(engine: SearchEngine) -> None:
    result = run(engine, "erzeugen")
    assert slugs(result)[:1] == ["buergerenergiegenossenschaft"]
    assert result.suggestion is None


def test_everyday_word_finds_the_cards_word(engine: SearchEngine) -> None:
    result = run(engine, "krankenschwestern")
    assert slugs(result)[:1] == ["pflegekraefte-aus-dem-ausland"]
    assert any(
        r.startswith("Ähnliches Wort: „krankenschwestern“ → „Pflege")
        for r in result.hits[0].reasons
    )
    assert {"kommunales-versorgungszentrum", "landarzt-stipendium"} <= set(
        slugs(run(engine, "doktor"))[:2]
    )


def test_everyday_word_finds_a_phrase_of_the_cards_words(engine: SearchEngine) -> None:
    # OpenThesaurus groups "Behandlung" with "medizinische Versorgung", which no single word
    # of the cards stands for; the card about the health centre has both words
    result = run(engine, "behandlung")
    assert slugs(result)[:1] == ["kommunales-versorgungszentrum"]
    assert "Ähnliches Wort: „behandlung“ → „medizinische Versorgung“" in result.hits[0].reasons


def test_compound_no_card_has_finds_a_neighbour_of_its_part(engine: SearchEngine) -> None:
    # no card says "Krankenschwester"; one says "Anwerbung" and "Pflegekraft", OpenThesaurus'
    # neighbour of the compound's first part
    result = run(engine, "krankenschwesternanwerbung")
    assert slugs(result)[:1] == ["pflegekraefte-aus-dem-ausland"]
    assert (
        "Ähnliches Wort: „krankenschwesternanwerbung“ → „Pflegekraft“ und „Anwerbung“"
        in result.hits[0].reasons
    )
    assert result.suggestion is None


def test_thesaurus_never_competes_with_a_word_the_cards_use(engine: SearchEngine) -> None:
    # OpenThesaurus has neighbours of "Hitze" ("Gluthitze", "Tropenhitze" …); the cards use
    # "Hitze" itself, so only the word as typed is searched
    result = run(engine, "hitze")
    assert slugs(result)[:1] == ["hitzeschutzplan-aeltere-menschen"]
    assert not any("Ähnliches Wort" in r for hit in result.hits for r in hit.reasons)


def test_generic_word_is_not_required(engine: SearchEngine) -> None:
    result = run(engine, "angebot für trauernde")  # the Trauercafé never says "Angebot"
    assert slugs(result)[:1] == ["trauercafe"]
    assert result.match == "all"


def test_generic_words_alone_are_no_answer(engine: SearchEngine) -> None:
    result = run(engine, "projekt tiefseebergbau")
    assert result.total == 0


@pytest.mark.parametrize(
    ("typo", "slug"),
    [
        ("schulweglotzen", "schulweg-lotsen"),
        ("mittfahrbank", "mitfahrbank"),
        ("senjorenwohngemeinschaft", "senioren-wohngemeinschaft"),
        ("feuerwehrnachwuks", "nachwuchs-freiwillige-feuerwehr"),
    ],
)
def test_typo_inside_a_compound(engine: SearchEngine, typo: str, slug: str) -> None:
    result = run(engine, typo)
    assert slugs(result)[:1] == [slug]
    assert result.suggestion and result.corrected


def test_german_compound_is_not_taken_for_a_typo(engine: SearchEngine) -> None:
    for q in ("feuerwehrleute", "winterdienst"):
        result = run(engine, q)
        assert result.suggestion is None, q
