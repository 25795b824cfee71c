"""German search behaviour on a small toolkit written here, not the bundled one.

Each test names the class of query it covers: inflection, umlauts, compounds, synonyms,
gendered forms, typos, phrases and operators, ranking, why-it-matched, related tools.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zwk_kb.search.index import SearcherPool, build
from zwk_kb.search.request import SearchRequest, parse_search_args
from zwk_kb.search.service import SearchEngine, SearchResult
from zwk_kb.toolkit import load_toolkit

VOCABULARY = {
    "topics": ["Integration", "Mobilität", "Bildung", "Wohnen", "Bürgerschaftliches Engagement"],
    "challenges": ["Sprachbarrieren", "Anbindung", "Kinderbetreuung", "Leerstand"],
    "target_groups": ["Zugewanderte", "Ältere Menschen", "Familien"],
    "tool_types": ["Methode", "Praxisbeispiel"],
    "communes": {
        "Weißenfels": {"state": "Sachsen-Anhalt", "cluster": "Ost", "kind": "Stadt"},
        "Gröditz": {"state": "Sachsen", "cluster": "Ost", "kind": "Stadt"},
        "Ahlen": {"state": "Nordrhein-Westfalen", "cluster": "West", "kind": "Stadt"},
    },
    "synonyms": [["Sprachcafé", "Sprachtreff"]],
}


def card(title: str, summary: str, body: str, **meta: Any) -> dict[str, Any]:
    front = {
        "title": title,
        "summary": summary,
        "topics": meta.pop("topics", ["Integration"]),
        "communes": meta.pop("communes", ["Ahlen"]),
        "challenges": meta.pop("challenges", ["Sprachbarrieren"]),
        "published": dt.date(2024, 1, 1),
        "contact": {"name": "Team"},
        **meta,
    }
    return {"front": front, "body": body}


CARDS = {
    "dolmetscherpool": card(
        "Ein Dolmetscherpool für das Rathaus",
        "Ehrenamtliche übersetzen bei Terminen im Amt.",
        "## Worum geht es?\n\n"
        "Sprachmittlerinnen begleiten Zugewanderte.\n\n## Ablauf\n\nPer Telefon.\n",
        target_groups=["Zugewanderte"],
    ),
    "lastenrad-tour": card(
        "Mit dem Lastenrad durch die Ortsteile",
        "Ein rollender Infostand sammelt Ideen der Bürger:innen.",
        "## Worum geht es?\n\n"
        "Das Team fährt mit dem Rad zu den Menschen.\n\n## Ablauf\n\nJeden Samstag.\n",
        topics=["Mobilität"],
        communes=["Weißenfels"],
        challenges=["Anbindung"],
    ),
    "generationencafe": card(
        "Generationencafé im Stadtteil",
        "Jung und Alt treffen sich jede Woche bei Kaffee und Kuchen.",
        "## Worum geht es?\n\n"
        "Ältere Menschen erzählen, Kinder hören zu.\n\n## Ablauf\n\nMittwochs.\n",
        topics=["Bürgerschaftliches Engagement"],
        target_groups=["Ältere Menschen"],
    ),
    "kita-personal": card(
        "Kita-Personal gewinnen",
        "Quereinstieg und Ausbildung bringen neue Erzieherinnen in die Kindergärten.",
        "## Worum geht es?\n\n"
        "Die Stadt wirbt um Fachkräfte.\n\n## Ablauf\n\nPraxisintegrierte Ausbildung.\n",
        topics=["Bildung"],
        challenges=["Kinderbetreuung"],
        communes=["Gröditz"],
    ),
    "buergerbus": card(
        "Bürgerbus fährt ins Dorf",
        "Ein Verein betreibt einen Kleinbus, wo der Nahverkehr fehlt.",
        "## Worum geht es?\n\n"
        "Ehrenamtliche Fahrerinnen und Fahrer.\n\n## Ablauf\n\nFeste Linien.\n",
        topics=["Mobilität"],
        challenges=["Anbindung"],
        communes=["Gröditz"],
    ),
    "jung-kauft-alt": card(
        "Förderprogramm Jung kauft Alt",
        "Junge Familien bekommen einen Zuschuss, wenn sie ein altes Haus kaufen.",
        "## Worum geht es?\n\nLeerstand im Ortskern vermeiden.\n\n## Ablauf\n\nAntrag stellen.\n",
        topics=["Wohnen"],
        challenges=["Leerstand"],
        communes=["Weißenfels"],
        target_groups=["Familien"],
    ),
    "sprachtreff": card(
        "Sprachtreff in der Bibliothek",
        "Deutsch üben im Gespräch mit Freiwilligen.",
        "## Worum geht es?\n\nEinmal pro Woche.\n\n## Ablauf\n\nOhne Anmeldung.\n",
        target_groups=["Zugewanderte"],
    ),
    "engagement-boerse": card(
        "Börse für bürgerschaftliches Engagement",
        "Vereine finden Freiwillige für kurze Einsätze.",
        "## Worum geht es?\n\nVermittlung per Aushang und online.\n\n## Ablauf\n\nSprechstunde.\n",
        topics=["Bürgerschaftliches Engagement"],
        challenges=["Leerstand"],
    ),
    "integration-weissenfels": card(
        "Integrationskonzept der Stadt",
        "Ein abgestimmtes Konzept bündelt die Angebote für Neuzugewanderte.",
        "## Worum geht es?\n\nAlle Ämter ziehen mit.\n\n## Ablauf\n\nJährliche Konferenz.\n",
        communes=["Weißenfels"],
    ),
    "passing-mention": card(
        "Jahresbericht der Verwaltung",
        "Was im letzten Jahr geschah.",
        "## Worum geht es?\n\n"
        "Unter vielem anderen wurde auch Integration besprochen.\n\n"
        "## Ablauf\n\nDer Bericht erscheint jährlich.\n",
        topics=["Wohnen"],
        challenges=["Leerstand"],
        communes=["Gröditz"],
    ),
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> SearchEngine:
    folder = tmp_path_factory.mktemp("german")
    (folder / "_vocabulary.yml").write_text(yaml.safe_dump(VOCABULARY, allow_unicode=True), "utf-8")
    for slug, data in CARDS.items():
        text = "---\n" + yaml.safe_dump(data["front"], allow_unicode=True) + "---\n" + data["body"]
        (folder / f"{slug}.md").write_text(text, "utf-8")
    toolkit = load_toolkit(folder)
    assert len(toolkit.cards) == len(CARDS), toolkit.errors
    index_dir = tmp_path_factory.mktemp("german-index")
    build(toolkit, index_dir)
    return SearchEngine(SearcherPool(index_dir), toolkit.vocabulary.synonyms)


def run(engine: SearchEngine, q: str, **filters: list[str]) -> SearchResult:
    return engine.search(parse_search_args({"q": [q], **filters}))


def slugs(result: SearchResult) -> list[str]:
    return [hit.slug for hit in result.hits]


def first(engine: SearchEngine, q: str) -> str | None:
    found = slugs(run(engine, q))
    return found[0] if found else None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Kindergarten", "kita-personal"),  # card says "Kindergärten"
        ("Integrationskonzeptes", "integration-weissenfels"),
        ("Lastenräder", "lastenrad-tour"),
    ],
)
def test_inflection(engine: SearchEngine, query: str, expected: str) -> None:
    assert first(engine, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("buergerbus", "buergerbus"),
        ("burgerbus", "buergerbus"),
        ("Weissenfels", "lastenrad-tour"),
        ("generationencafe", "generationencafe"),
        ("foerderprogramm", "jung-kauft-alt"),
    ],
)
def test_umlauts_and_sharp_s(engine: SearchEngine, query: str, expected: str) -> None:
    assert expected in slugs(run(engine, query))[:3]


def test_umlaut_spelling_of_facet_values(engine: SearchEngine) -> None:
    by_umlaut = run(engine, "", commune=["Weißenfels"])
    by_ss = run(engine, "", commune=["Weissenfels"])
    assert by_umlaut.total == by_ss.total == 3
    selected = [v for v in by_ss.facets["communes"] if v.selected]
    assert [v.value for v in selected] == ["Weißenfels"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Dolmetscher", "dolmetscherpool"),  # part finds the whole
        ("Rad", "lastenrad-tour"),
        ("Generationen Café", "generationencafe"),  # separate words find the compound
        ("Kitapersonal", "kita-personal"),  # compound finds "Kita-Personal"
        ("Personal", "kita-personal"),
    ],
)
def test_compounds(engine: SearchEngine, query: str, expected: str) -> None:
    assert first(engine, query) == expected


def test_compound_parts_do_not_flood_results(engine: SearchEngine) -> None:
    # "Rad" must not match every word that merely contains the letters r-a-d
    assert slugs(run(engine, "Rad")) == ["lastenrad-tour"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Ehrenamt", "engagement-boerse"),  # built-in group: bürgerschaftliches Engagement
        ("Senioren", "generationencafe"),  # built-in group: ältere Menschen
        ("Übersetzer", "dolmetscherpool"),
        ("Sprachcafé", "sprachtreff"),  # the toolkit's own group from _vocabulary.yml
        ("ÖPNV", "buergerbus"),  # abbreviation → Nahverkehr
    ],
)
def test_synonyms_and_abbreviations(engine: SearchEngine, query: str, expected: str) -> None:
    assert expected in slugs(run(engine, query))[:2]


def test_synonym_match_says_why(engine: SearchEngine) -> None:
    hit = next(h for h in run(engine, "Ehrenamt").hits if h.slug == "engagement-boerse")
    assert any("Ehrenamt" in r and "Engagement" in r for r in hit.reasons)


@pytest.mark.parametrize(
    "form", ["Bürger:innen", "Bürger*innen", "Bürger_innen", "BürgerInnen", "Bürger"]
)
def test_gendered_forms_find_each_other(engine: SearchEngine, form: str) -> None:
    assert "lastenrad-tour" in slugs(run(engine, form))


def test_typo_finds_card_and_suggests(engine: SearchEngine) -> None:
    result = run(engine, "Dolmetcher")
    assert slugs(result)[:1] == ["dolmetscherpool"]
    assert result.suggestion is not None
    assert result.suggestion.lower().startswith("dolmetscher")


def test_no_suggestion_for_correct_words(engine: SearchEngine) -> None:
    assert run(engine, "Dolmetscherpool").suggestion is None


def test_quoted_phrase(engine: SearchEngine) -> None:
    assert slugs(run(engine, '"jung kauft alt"')) == ["jung-kauft-alt"]
    assert run(engine, '"alt kauft jung"').total == 0


def test_minus_excludes(engine: SearchEngine) -> None:
    with_bus = set(slugs(run(engine, "Mobilität")))
    without = set(slugs(run(engine, "Mobilität -Bürgerbus")))
    assert "buergerbus" in with_bus
    assert "buergerbus" not in without
    assert "lastenrad-tour" in without


def test_and_or_are_optional(engine: SearchEngine) -> None:
    assert slugs(run(engine, "Kita Personal"))[:1] == ["kita-personal"]
    assert slugs(run(engine, "Kita AND Personal"))[:1] == ["kita-personal"]
    either = set(slugs(run(engine, "Bürgerbus OR Lastenrad")))
    assert {"buergerbus", "lastenrad-tour"} <= either


def test_classified_card_ranks_above_passing_mention(engine: SearchEngine) -> None:
    ranking = slugs(run(engine, "Integration"))
    assert ranking.index("integration-weissenfels") < ranking.index("passing-mention")


def test_title_counts_more_than_body(engine: SearchEngine) -> None:
    # "Leerstand" is in the body of jung-kauft-alt and a challenge of three cards
    ranking = slugs(run(engine, "Förderprogramm"))
    assert ranking[0] == "jung-kauft-alt"


def test_facet_values_are_searchable_text(engine: SearchEngine) -> None:
    assert set(slugs(run(engine, "Gröditz"))) == {"kita-personal", "buergerbus", "passing-mention"}


def test_highlight_marks_decompounded_word(engine: SearchEngine) -> None:
    hit = run(engine, "Café").hits[0]
    assert hit.slug == "generationencafe"
    assert re.search(r"<mark[^>]*>Generationencafé</mark>", hit.title_html)
    assert any("Generationencafé" in r for r in hit.reasons)


def test_related_tools(engine: SearchEngine) -> None:
    related = [c["slug"] for c in engine.related("dolmetscherpool")]
    assert 1 <= len(related) <= 5
    assert "dolmetscherpool" not in related
    assert related[0] in {"sprachtreff", "integration-weissenfels"}


EXPENSIVE = [
    "*",
    "*ung",
    "a* b* c* d*",
    " OR ".join(f"wort{i}" for i in range(5000)),
    "(" * 500 + "x" + ")" * 500,
    "NOT NOT x",
    "slug:kita-personal",
    "title:*",
    '"' * 301,
    "x~/99",
    "\x00" * 50,
]


@pytest.mark.parametrize("query", EXPENSIVE, ids=range(len(EXPENSIVE)))
def test_expensive_or_broken_shapes_are_bounded(engine: SearchEngine, query: str) -> None:
    result = engine.search(parse_search_args({"q": [query]}))
    assert result.total >= 0
    # bounded: the request keeps at most 200 characters of the query
    assert len(result.request.q) <= 200


def test_field_syntax_is_just_text(engine: SearchEngine) -> None:
    # "slug:kita-personal" must not reach the slug field
    assert run(engine, "slug:buergerbus").total == run(engine, "slug buergerbus").total


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=120))
def test_no_query_ever_raises(engine: SearchEngine, text: str) -> None:
    result = engine.search(SearchRequest(q=text))
    assert result.total >= 0
    if result.suggestion:
        assert not re.search(r"[<>]", result.suggestion)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.sampled_from(
            ["kita", "-", '"', "(", ")", "OR", "NOT", "*", "bürger", ":", "~", "^2", "ä"]
        ),
        max_size=12,
    )
)
def test_operator_soup_never_raises(engine: SearchEngine, pieces: list[str]) -> None:
    assert engine.search(SearchRequest(q=" ".join(pieces))).total >= 0


def test_index_is_reusable_from_disk(tmp_path: Path, engine: SearchEngine) -> None:
    """The analyzer is pickled into the index: opening it in a fresh pool must work."""
    pool_dir = engine.pool.index_dir
    fresh = SearchEngine(SearcherPool(pool_dir))
    assert fresh.search(SearchRequest(q="Dolmetscher")).hits[0].slug == "dolmetscherpool"


@pytest.mark.parametrize("old_module", ["zwk_kb.analysis", "zwk_kb.analysis.pipeline"])
def test_index_whose_schema_names_an_older_module_path_still_searches(
    engine: SearchEngine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    old_module: str,
) -> None:
    """Indexes pickle their analyzers by import path; ones written when the analysis lived in
    one module (``zwk_kb.analysis``, later ``zwk_kb.analysis.pipeline``) must open and find."""
    import shutil

    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC

    from zwk_kb.analysis import compounds, pipeline
    from zwk_kb.search.index import current_generation

    source = current_generation(Path(engine.pool.key()[0]).parent)
    assert source is not None
    shutil.copytree(source.parent, tmp_path / "index", symlinks=True)
    generation = current_generation(tmp_path / "index")
    assert generation is not None
    storage = FileStorage(str(generation))
    toc = TOC.read(storage, "MAIN")
    for old_toc in generation.glob("_MAIN_*.toc"):
        old_toc.unlink()
    with monkeypatch.context() as patch:
        for obj in (
            pipeline.GermanAnalyzer,
            pipeline.ExactAnalyzer,
            pipeline.NormalizeFilter,
            pipeline.CompoundStemFilter,
            pipeline.DigraphFilter,
            pipeline.CompoundPartsFilter,
            pipeline.OnePassPositions,
            compounds._interned,
        ):
            patch.setattr(obj, "__module__", old_module)
        toc.write(storage, "MAIN")
    written = b"".join(path.read_bytes() for path in generation.glob("_MAIN_*.toc"))
    assert f"c{old_module}\nGermanAnalyzer\n".encode() in written
    assert f"c{old_module}\n_interned\n".encode() in written

    pool = SearcherPool(tmp_path / "index")
    try:
        result = SearchEngine(pool).search(parse_search_args({"q": ["Dolmetscher"]}))
        assert [hit.slug for hit in result.hits][:1] == ["dolmetscherpool"]
        assert "<mark" in "".join(hit.snippet for hit in result.hits)
    finally:
        pool.close()


def test_changed_shipped_synonyms_take_effect(
    engine: SearchEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index was built with one synonym list; the program then ships another: a server
    started afterwards expands with the new groups, without a new index run."""
    from zwk_kb.analysis import synonyms

    def search(q: str) -> SearchResult:
        return SearchEngine(engine.pool).search(parse_search_args({"q": [q]}))

    assert search("Zauberwort").total == 0
    shipped = tmp_path / "synonyms_de.txt"
    text = synonyms.SYNONYMS_PATH.read_text(encoding="utf-8")
    shipped.write_text(text + "\nZauberwort; Dolmetscherpool\n", encoding="utf-8")
    monkeypatch.setattr(synonyms, "SYNONYMS_PATH", shipped)
    result = search("Zauberwort")
    assert slugs(result)[:1] == ["dolmetscherpool"]
    reasons = [reason for hit in result.hits for reason in hit.reasons]
    assert "Ähnliches Wort: „Zauberwort“ → „Dolmetscherpool“" in reasons
