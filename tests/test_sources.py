"""Sources and example cards: the ``quelle`` filter, the Beispielkarte note and badge, Quellen.

Expected sets come from ``FIXTURE_CARDS`` (cards with a ``sources`` entry) and, for the bundled
toolkit, from the card files themselves.
"""

from __future__ import annotations

import csv
import io
import json
import re
from urllib.parse import quote

from click.testing import CliRunner
from flask.testing import FlaskClient

from conftest import FIXTURE_CARDS
from zwk_kb.cli import main
from zwk_kb.model import Toolkit

SOURCED = {slug for slug, card in FIXTURE_CARDS.items() if card["meta"].get("sources")}
EXAMPLES = set(FIXTURE_CARDS) - SOURCED
NOTE = "Diese Karte ist ein Beispiel."
BADGE = '<span class="kern-label">Beispielkarte</span>'


def _api(client: FlaskClient, query: str) -> dict:
    response = client.get("/api/search?per_page=50&" + query)
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True))


def test_api_filters_on_the_source_facet(client: FlaskClient) -> None:
    assert SOURCED and EXAMPLES  # the fixture has both kinds
    examples = _api(client, "quelle=Beispielkarte")
    assert {r["slug"] for r in examples["results"]} == EXAMPLES
    assert all(r["is_example"] for r in examples["results"])
    sourced = _api(client, "quelle=" + quote("mit Quelle"))
    assert {r["slug"] for r in sourced["results"]} == SOURCED
    assert not any(r["is_example"] for r in sourced["results"])
    counts = {v["value"]: v["count"] for v in _api(client, "")["facets"]["source"]}
    assert counts == {"Beispielkarte": len(EXAMPLES), "mit Quelle": len(SOURCED)}
    # both values: OR within the facet, so every card
    both = _api(client, "quelle=Beispielkarte&quelle=" + quote("mit Quelle"))
    assert {r["slug"] for r in both["results"]} == set(FIXTURE_CARDS)


def test_the_source_facet_combines_with_other_filters(client: FlaskClient) -> None:
    data = _api(client, "quelle=Beispielkarte&commune=" + quote("Dessau-Roßlau"))
    expected = {s for s in EXAMPLES if "Dessau-Roßlau" in FIXTURE_CARDS[s]["meta"]["communes"]}
    assert {r["slug"] for r in data["results"]} == expected


def test_api_card_lists_sources_or_says_it_is_an_example(client: FlaskClient) -> None:
    for slug in FIXTURE_CARDS:
        data = json.loads(client.get(f"/api/werkzeuge/{slug}").get_data(as_text=True))
        assert data["sources"] == FIXTURE_CARDS[slug]["meta"].get("sources", [])
        assert data["is_example"] is (slug in EXAMPLES)


def test_example_card_page_carries_the_note(client: FlaskClient) -> None:
    for slug in EXAMPLES:
        html = client.get(f"/werkzeuge/{slug}").get_data(as_text=True)
        assert NOTE in html, slug
        note = html[html.index(NOTE) : html.index("</section>", html.index(NOTE))]
        for commune in FIXTURE_CARDS[slug]["meta"]["communes"]:
            assert commune in note  # names the commune it may not have built the tool
        assert 'href="/?quelle=Beispielkarte"' in note
        assert ">Quellen</h3>" not in html


def test_sourced_card_page_shows_its_sources_escaped(client: FlaskClient) -> None:
    html = client.get("/werkzeuge/sprachcafe").get_data(as_text=True)
    assert NOTE not in html and BADGE not in html
    assert ">Quellen</h3>" in html
    assert '<a href="http://example.org/sprachcafe" rel="noopener noreferrer nofollow">' in html
    hostile = client.get("/werkzeuge/unsicherer-inhalt").get_data(as_text=True)
    assert "<script>alert(3)</script>" not in hostile
    assert "&lt;script&gt;alert(3)&lt;/script&gt;Quelle" in hostile
    assert 'href="https://example.org/q?a=1&amp;b=2"' in hostile


def test_result_list_shows_the_badge_only_on_examples(client: FlaskClient) -> None:
    html = client.get("/?per_page=50").get_data(as_text=True)
    hits = re.findall(r'<li class="hit">.*?</li>\n', html, re.S)
    assert len(hits) == len(FIXTURE_CARDS)
    for hit in hits:
        slug = re.search(r'href="/werkzeuge/([a-z0-9-]+)"', hit).group(1)  # type: ignore[union-attr]
        assert (BADGE in hit) is (slug in EXAMPLES), slug


def test_search_page_offers_and_applies_the_filter(client: FlaskClient) -> None:
    html = client.get("/?quelle=" + quote("mit Quelle")).get_data(as_text=True)
    assert 'name="quelle"' in html and ">Quelle<" in html
    assert BADGE not in html
    for slug in SOURCED:
        assert f'href="/werkzeuge/{slug}"' in html
    for slug in EXAMPLES:
        assert f'href="/werkzeuge/{slug}"' not in html


def test_cli_search_filters_on_the_source(runner: CliRunner) -> None:
    result = runner.invoke(
        main, ["search", "--quelle", "Beispielkarte", "--per-page", "50", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert {r["slug"] for r in json.loads(result.output)["results"]} == EXAMPLES
    result = runner.invoke(main, ["search", "--quelle", "mit Quelle", "--json"])
    assert {r["slug"] for r in json.loads(result.output)["results"]} == SOURCED


# ---- the bundled toolkit --------------------------------------------------------------------

MODEL_PROJECT_TOOLS = {
    "kommunalprofil",
    "werkstattplan",
    "halbzeitbilanz",
    "mobile-zukunftswerkstatt-lastenrad",
}
"""The model project's own tools that its public pages describe: sourced cards."""


def test_bundled_cards_are_sourced_or_shown_as_examples(
    bundled_toolkit: Toolkit, bundled_client: FlaskClient
) -> None:
    assert bundled_toolkit.errors == ()
    for card in bundled_toolkit.cards:
        html = bundled_client.get(f"/werkzeuge/{card.slug}").get_data(as_text=True)
        if card.sources:
            assert ">Quellen</h3>" in html and NOTE not in html, card.slug
            for source in card.sources:
                assert f'href="{source.url}"' in html, card.slug
        else:
            assert NOTE in html and ">Quellen</h3>" not in html, card.slug


def test_bundled_sources_are_web_addresses_and_cover_the_model_tools(
    bundled_toolkit: Toolkit,
) -> None:
    sourced = {card.slug for card in bundled_toolkit.cards if card.sources}
    assert sourced >= MODEL_PROJECT_TOOLS
    for card in bundled_toolkit.cards:
        for source in card.sources:
            assert re.fullmatch(r"https?://[^\s/]+\.[^\s/]+/?\S*", source.url), card.slug
            assert source.title.strip(), card.slug


def test_exports_carry_the_sources(client: FlaskClient) -> None:
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/export.csv").get_data(as_text=True).lstrip("\ufeff")),
            delimiter=";",
        )
    )
    by_slug = {r["Kurzname"]: r["Quellen"] for r in rows}
    assert by_slug["sprachcafe"] == "http://example.org/sprachcafe"
    assert all(by_slug[slug] == "" for slug in EXAMPLES)
    data = json.loads(client.get("/export.json").get_data(as_text=True))
    sources = {r["slug"]: r["sources"] for r in data["results"]}
    assert sources == {s: FIXTURE_CARDS[s]["meta"].get("sources", []) for s in FIXTURE_CARDS}


def test_challenge_page_marks_example_cards(client: FlaskClient) -> None:
    challenge = FIXTURE_CARDS["sprachcafe"]["meta"]["challenges"][0]
    html = client.get("/herausforderungen?challenge=" + quote(challenge)).get_data(as_text=True)
    hits = re.findall(r'<li class="hit">.*?</li>', html, re.S)
    assert any(BADGE in hit for hit in hits) and not all(BADGE in hit for hit in hits)
    for hit in hits:
        slug = re.search(r'href="/werkzeuge/([a-z0-9-]+)"', hit).group(1)  # type: ignore[union-attr]
        assert (BADGE in hit) is (slug in EXAMPLES), slug
