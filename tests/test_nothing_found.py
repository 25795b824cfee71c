"""An honest "nothing": when no card has all the words, the page says so first, offers what
helps, and shows the cards with some of the words apart, under their own heading; the API's
``partial`` flag on each result says the same."""

from __future__ import annotations

import json

from flask.testing import FlaskClient

NOTHING = "/?q=Kindergarten+B%C3%BCrgerbus"  # no fixture card has both words
SOME = "/?q=Kleinbus+Ehrenamtliche"  # one card has both, others one of them


def _html(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _api(client: FlaskClient, url: str) -> dict:
    response = client.get("/api/search" + url[1:])
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True))


def test_page_says_nothing_fits_before_the_partial_matches(client: FlaskClient) -> None:
    html = _html(client, NOTHING)
    nothing = html.index("Kein passendes Werkzeug gefunden")
    heading = html.index('id="partial-heading"')
    first_hit = html.index('<li class="hit">')
    assert nothing < heading < first_hit
    assert "Werkzeuge, die nur einige Ihrer Suchwörter enthalten" in html
    assert '<a href="/mitmachen/neu">Werkzeug vorschlagen</a>' in html
    assert "Werkzeuge gefunden" not in html


def test_answers_come_first_and_partial_matches_follow_apart(client: FlaskClient) -> None:
    html = _html(client, SOME)
    assert "Kein passendes Werkzeug gefunden" not in html
    answers = html.index('<ol class="hits"')
    heading = html.index('id="partial-heading"')
    partial = html.index('<ol class="hits partial"')
    assert answers < heading < partial
    assert html[answers:heading].count('<li class="hit">') == 1


def test_api_flags_partial_matches(client: FlaskClient) -> None:
    nothing = _api(client, NOTHING)
    assert nothing["match"] == "some" and nothing["all_words"] == 0
    assert nothing["results"] and all(r["partial"] for r in nothing["results"])
    some = _api(client, SOME)
    assert [r["partial"] for r in some["results"]][: some["all_words"] + 1] == [False, True]
    full = _api(client, "/?q=Kindergarten")
    assert full["results"] and not any(r["partial"] for r in full["results"])


def test_page_without_any_match_offers_a_new_card(client: FlaskClient) -> None:
    html = _html(client, "/?q=xylophonorchester")
    assert "Leider wurde kein passendes Werkzeug gefunden." in html
    assert '<a href="/mitmachen/neu">Werkzeug vorschlagen</a>' in html
    assert 'id="partial-heading"' not in html
