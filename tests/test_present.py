"""The facet lists of the search page: which values are listed, and the links that remove a
selected filter."""

from __future__ import annotations

from zwk_kb.outputs.present import search_page, search_url
from zwk_kb.search.request import parse_search_args


def test_removing_a_filter_links_to_the_same_search_without_it() -> None:
    from zwk_kb.search.service import FacetValue, SearchResult

    request = parse_search_args(
        {"q": ["bürgerbus"], "topic": ["Wohnen", "A & B = C+D"], "state": ["Bayern"]}
    )
    facets = {
        "topics": (FacetValue("Wohnen", 3, True), FacetValue("A & B = C+D", 1, True)),
        "state": (FacetValue("Bayern", 2, True), FacetValue("Sachsen", 4, False)),
    }
    page = search_page(SearchResult(request=request, total=3, hits=(), facets=facets))
    links = {(f["facet"], f["value"]): f["remove_url"] for f in page["active_filters"]}
    assert len(links) == 3
    for (label, value), url in links.items():
        facet = next(b["name"] for b in page["facet_blocks"] if b["label"] == label)
        assert url == search_url(request.toggle(facet, value), "/")
        assert parse_search_args(_args(url)).selected(facet) == tuple(
            v for v in request.selected(facet) if v != value
        )


def _args(url: str) -> dict[str, list[str]]:
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(url).query)


def test_long_facets_list_fifty_values_and_always_the_selected_one() -> None:
    from zwk_kb.search.service import FacetValue, SearchResult

    request = parse_search_args({"commune": ["Kommune 119"]})
    values = tuple(FacetValue(f"Kommune {i}", 200 - i, selected=(i == 119)) for i in range(120))
    result = SearchResult(request=request, total=5, hits=(), facets={"communes": values})
    page = search_page(result)
    block = next(b for b in page["facet_blocks"] if b["name"] == "communes")
    listed = [v["value"] for v in block["values"] + block["more"]]
    assert len(listed) == 50
    assert listed[0] == "Kommune 119"  # the selected value stays visible and checked
    assert block["not_listed"] == 70
    assert block["not_listed_note"].startswith("Und 70 weitere. Nicht dabei?")
    assert page["active_filters"][0]["value"] == "Kommune 119"


# ---- wording made here, printed by the templates ------------------------------------------------


def test_counts_take_the_noun_that_goes_with_the_number() -> None:
    from zwk_kb.outputs.present import count_text, overview_lead

    assert count_text(1, "Werkzeug", "Werkzeuge") == "1 Werkzeug"
    assert count_text(0, "Werkzeug", "Werkzeuge") == "0 Werkzeuge"
    assert count_text(7, "passendes Werkzeug", "passende Werkzeuge") == "7 passende Werkzeuge"
    assert overview_lead(1) == "Im Werkzeugkoffer ist 1 Werkzeug."
    assert overview_lead(12) == "Im Werkzeugkoffer sind 12 Werkzeuge."


def test_the_example_note_names_every_commune_and_agrees_with_their_number() -> None:
    from zwk_kb.outputs.present import example_note

    one = example_note(["Zerbst"])
    assert one.endswith("nicht belegt, dass Zerbst das Werkzeug so umgesetzt hat.")
    three = example_note(["Zerbst", "Bad Säckingen", "Landkreis Höxter"])
    assert three.endswith(
        "dass Zerbst, Bad Säckingen oder Landkreis Höxter das Werkzeug so umgesetzt haben."
    )


def test_a_search_page_says_how_many_tools_it_found_and_why_each_one() -> None:
    from zwk_kb.search.service import Hit, SearchResult

    card = {
        "title": "Dorfladen",
        "summary": "Ein Laden.",
        "topics": ["Wohnen", "Versorgung"],
        "communes": ["Zerbst", "Eckernförde"],
        "challenges": [],
        "published": "2024-01-01",
    }
    hit = Hit("laden", 1.0, card, reasons=("gefunden als „Laden“", "im Titel"))
    request = parse_search_args({"q": ["laden"]})
    one = search_page(SearchResult(request=request, total=1, hits=(hit,), facets={}))
    assert one["result_heading"] == "1 Werkzeug gefunden"
    result = one["results"][0]
    assert result["reasons_text"] == "gefunden als „Laden“; im Titel"
    assert result["communes_text"] == "Zerbst, Eckernförde"
    assert result["topics_text"] == "Wohnen, Versorgung"
    none = search_page(SearchResult(request=request, total=0, hits=(), facets={}))
    assert none["result_heading"] == "0 Werkzeuge gefunden"
    third = parse_search_args({"q": ["laden"], "page": ["3"], "per_page": ["5"]})
    assert (
        search_page(SearchResult(request=third, total=30, hits=(), facets={}))["first_number"] == 11
    )  # the numbers of the hit list go on from the pages before


def test_the_challenge_page_says_how_well_each_tool_fits() -> None:
    from zwk_kb.outputs.present import challenge_page
    from zwk_kb.search.service import FacetValue, Hit

    def card(slug: str, challenges: list[str]) -> dict[str, object]:
        return {
            "slug": slug,
            "title": slug,
            "summary": "",
            "challenges": challenges,
            "communes": ["Zerbst"],
            "commune_details": [{"name": "Zerbst", "kind": "Stadt", "state": "Sachsen-Anhalt"}],
            "sources": [],
        }

    hits = [
        Hit("a", 2.0, card("a", ["Leerstand", "Anbindung"])),
        Hit("b", 1.0, card("b", ["Leerstand"])),
    ]
    page = challenge_page(
        choices=[FacetValue("Leerstand", 2, True), FacetValue("Anbindung", 1, True)],
        chosen=["Leerstand", "Anbindung"],
        profile={},
        hits=hits,
        communes={},
    )
    assert page["result_heading"] == "2 passende Werkzeuge"
    assert page["shown_note"] == ""
    assert page["chosen_text"] == "Leerstand, Anbindung"
    first, second = page["results"]
    assert (first["matched_badge"], first["matched_text"]) == ("2 von 2", "Leerstand, Anbindung")
    assert (second["matched_badge"], second["matched_text"]) == ("1 von 2", "Leerstand")
    assert first["origin"][0]["details"] == "Stadt, Sachsen-Anhalt"


def test_the_contribution_form_words_its_title_errors_buttons_and_rows() -> None:
    from zwk_kb.outputs.present import errors_heading, forge_button, form_title, title_hint, url_row

    assert form_title(editing=False, has_errors=False) == "Werkzeug vorschlagen"
    assert form_title(editing=True, has_errors=True) == "Fehler: Karte bearbeiten"
    assert errors_heading(1) == "Die Karte hat noch einen Fehler"
    assert errors_heading(3) == "Die Karte hat noch 3 Fehler"
    assert "buergerbus.md" in title_hint("buergerbus")
    assert "Bei einer vorhandenen Karte" not in title_hint("")
    assert forge_button("GitLab", editing=True) == "Auf GitLab bearbeiten"
    assert forge_button("GitHub", editing=False) == "Auf GitHub vorschlagen"
    source = url_row("Bericht", "https://example.org", label="Quelle", number=2, is_source=True)
    assert (source["title_label"], source["url_label"]) == ("Quelle 2: Titel", "Quelle 2: Adresse")
    link = url_row("", "", label="Link", number=1, is_source=False)
    assert (link["title_label"], link["title_hint"]) == ("Link 1: Text", "Was steht auf dem Link?")


def test_a_page_description_is_one_line_cut_at_a_word() -> None:
    from zwk_kb.outputs.present import DESCRIPTION_CHARS, page_description

    text = "Ein Werkzeug für alle Generationen.\n\n" + "Begegnung im Dorf " * 30
    short = page_description(text)
    assert len(short) <= DESCRIPTION_CHARS and "\n" not in short
    assert short.endswith(" …") and short[:-2] in " ".join(text.split())
    assert page_description("Kurz und gut") == "Kurz und gut"
