"""German matching basics and facet semantics, through the JSON API on the fixture toolkit.

Expected sets are derived from the fixture cards (``expected_slugs``), never typed in.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from flask.testing import FlaskClient

from conftest import FIXTURE_CARDS, VOCABULARY, expected_slugs
from zwk_kb.model import Toolkit


def search(client: FlaskClient, query: str) -> dict[str, Any]:
    response = client.get("/api/search?per_page=50&" + query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def slugs(data: dict[str, Any]) -> set[str]:
    return {r["slug"] for r in data["results"]}


def counts(data: dict[str, Any], facet: str) -> dict[str, int]:
    return {v["value"]: v["count"] for v in data["facets"][facet]}


# ---- German matching ---------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["Kindergärten", "kindergarten", "KINDERGARTEN", "Kindergaerten"])
def test_plural_case_and_umlaut_spellings_find_kindergarten(client: FlaskClient, q: str) -> None:
    data = search(client, f"q={q}")
    assert data["results"] and data["results"][0]["slug"] == "kindergarten-im-dorf"


@pytest.mark.parametrize("q", ["Rosslau", "Roßlau", "rosslau", "ROSSLAU"])
def test_ss_and_sharp_s_are_the_same_letter(client: FlaskClient, q: str) -> None:
    data = search(client, f"q={q}")
    assert "leerstandsboerse-rosslau" in slugs(data)
    assert data["results"][0]["slug"] in expected_slugs("communes", "Dessau-Roßlau")


def test_oe_spelling_finds_umlaut(client: FlaskClient) -> None:
    assert "buergerbus-eckernfoerde" in slugs(search(client, "q=Eckernfoerde"))
    assert "buergerbus-eckernfoerde" in slugs(search(client, "q=Bürgerbus"))


def test_stemming_finds_other_word_forms(client: FlaskClient) -> None:
    # "Zimmer" in the card, the plural "Zimmern"/"Wohnungen" in the query
    assert "wohnen-fuer-hilfe" in slugs(search(client, "q=Wohnungen"))


def test_stop_words_alone_find_nothing_but_do_not_fail(client: FlaskClient) -> None:
    data = search(client, "q=und+der+die+das")
    assert data["total"] == 0 and data["results"] == []


def test_highlight_marks_the_matched_word(client: FlaskClient) -> None:
    [hit] = [
        h
        for h in search(client, "q=Trägerverein")["results"]
        if h["slug"] == "kindergarten-im-dorf"
    ]
    assert re.search(r"<mark[^>]*>Trägerverein</mark>", hit["snippet_html"])


# ---- facet values in other spellings ------------------------------------------------------------


@pytest.mark.parametrize(
    ("param", "given", "stored", "facet"),
    [
        ("commune", "Dessau-Rosslau", "Dessau-Roßlau", "communes"),
        ("commune", "dessau-roßlau", "Dessau-Roßlau", "communes"),
        ("commune", "Bad Saeckingen", "Bad Säckingen", "communes"),
        ("topic", "Mobilitaet", "Mobilität", "topics"),
        ("state", "Baden-Wuerttemberg", "Baden-Württemberg", "state"),
    ],
)
def test_facet_value_spelling_variants_select_the_stored_value(
    client: FlaskClient, param: str, given: str, stored: str, facet: str
) -> None:
    data = search(client, f"{param}={given}")
    field = {"communes": "communes", "topics": "topics", "state": "state"}[facet]
    assert slugs(data) == expected_slugs(field, stored)
    selected = [v for v in data["facets"][facet] if v["selected"]]
    assert [v["value"] for v in selected] == [stored]


# ---- facet counts and semantics ------------------------------------------------------------


def test_browse_all_counts_every_value(client: FlaskClient, toolkit: Toolkit) -> None:
    data = search(client, "")
    assert data["total"] == len(FIXTURE_CARDS)
    expected = Counter(t for card in FIXTURE_CARDS.values() for t in card["meta"]["topics"])
    assert counts(data, "topics") == dict(expected)
    expected_states = Counter(
        s
        for card in FIXTURE_CARDS.values()
        for s in {VOCABULARY["communes"][c]["state"] for c in card["meta"]["communes"]}
    )
    assert counts(data, "state") == dict(expected_states)


def test_values_of_one_facet_combine_with_or(client: FlaskClient) -> None:
    data = search(client, "topic=Wohnen&topic=Integration")
    assert slugs(data) == expected_slugs("topics", "Wohnen") | expected_slugs(
        "topics", "Integration"
    )
    assert data["total"] == len(slugs(data))


def test_different_facets_combine_with_and(client: FlaskClient) -> None:
    data = search(client, "topic=Wohnen&commune=Dessau-Roßlau")
    expected = expected_slugs("topics", "Wohnen") & expected_slugs("communes", "Dessau-Roßlau")
    assert expected and slugs(data) == expected


def test_a_facets_counts_ignore_its_own_selection(client: FlaskClient) -> None:
    data = search(client, "topic=Wohnen")
    topic_counts = counts(data, "topics")
    for topic in VOCABULARY["topics"]:
        assert topic_counts.get(topic, 0) == len(expected_slugs("topics", topic)), topic
    assert [v["value"] for v in data["facets"]["topics"] if v["selected"]] == ["Wohnen"]
    # … while every other facet is counted within the selection
    wohnen = expected_slugs("topics", "Wohnen")
    for commune, count in counts(data, "communes").items():
        assert count == len(wohnen & expected_slugs("communes", commune)), commune


def test_counts_combine_query_and_other_facets(client: FlaskClient) -> None:
    data = search(client, "q=Ehrenamtliche&state=Sachsen-Anhalt")
    text_hits = slugs(search(client, "q=Ehrenamtliche"))
    in_state = expected_slugs("state", "Sachsen-Anhalt")
    assert slugs(data) == text_hits & in_state
    for topic, count in counts(data, "topics").items():
        assert count == len(text_hits & in_state & expected_slugs("topics", topic))


def test_empty_query_with_filters_browses(client: FlaskClient) -> None:
    data = search(client, "status=erprobt&effort=gering")
    assert slugs(data) == expected_slugs("status", "erprobt") & expected_slugs("effort", "gering")


def test_unknown_facet_value_gives_an_empty_result_not_an_error(client: FlaskClient) -> None:
    data = search(client, "topic=Raumfahrt")
    assert data["total"] == 0
    assert {"value": "Raumfahrt", "count": 0, "selected": True} in data["facets"]["topics"]


def test_pages_cut_the_same_ranking(client: FlaskClient) -> None:
    everything = [r["slug"] for r in search(client, "")["results"]]
    first = client.get("/api/search?per_page=3").get_json()
    second = client.get("/api/search?per_page=3&page=2").get_json()
    assert first["total"] == second["total"] == len(everything)
    assert [r["slug"] for r in first["results"] + second["results"]] == everything[:6]


# ---- the bundled toolkit ------------------------------------------------------------------


@pytest.mark.parametrize("q", ["lastenrad", "Lastenrad", "Lastenräder"])
def test_lastenrad_finds_the_barleben_card_first(bundled_client: FlaskClient, q: str) -> None:
    data = bundled_client.get(f"/api/search?q={q}").get_json()
    assert data["results"][0]["slug"] == "mobile-zukunftswerkstatt-lastenrad"
    assert "Barleben" in data["results"][0]["communes"]


def test_bundled_topic_and_commune_facets_narrow_with_correct_counts(
    bundled_client: FlaskClient, bundled_toolkit: Toolkit
) -> None:
    cards = bundled_toolkit.cards
    topic = Counter(t for c in cards for t in c.topics).most_common(1)[0][0]
    with_topic = [c for c in cards if topic in c.topics]
    commune = Counter(x for c in with_topic for x in c.communes).most_common(1)[0][0]
    data = bundled_client.get(f"/api/search?topic={topic}&per_page=50").get_json()
    assert data["total"] == len(with_topic) < len(cards)
    commune_count = {v["value"]: v["count"] for v in data["facets"]["communes"]}[commune]
    assert commune_count == sum(commune in c.communes for c in with_topic)
    narrowed = bundled_client.get(
        f"/api/search?topic={topic}&commune={commune}&per_page=50"
    ).get_json()
    assert narrowed["total"] == commune_count
    assert {r["slug"] for r in narrowed["results"]} == {
        c.slug for c in with_topic if commune in c.communes
    }
