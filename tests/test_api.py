"""The JSON API: the documented objects, repeated parameters, dates, errors as JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from conftest import FIXTURE_CARDS, expected_slugs
from zwk_kb.facets import FACETS

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SEARCH_KEYS = {
    "query",
    "total",
    "match",
    "all_words",
    "page",
    "per_page",
    "results",
    "facets",
    "suggestion",
}
RESULT_KEYS = {"slug", "title", "summary", "url", "topics", "communes", "challenges", "score"}
FACET_KEYS = {"value", "count", "selected"}


def strict_json(text: str) -> Any:
    """Parse JSON the way other languages do: NaN and Infinity are errors."""

    def refuse(name: str) -> None:
        raise ValueError(f"invalid JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def get_json(client: FlaskClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    assert response.mimetype == "application/json"
    return strict_json(response.get_data(as_text=True))


def test_search_returns_the_documented_object(client: FlaskClient) -> None:
    data = get_json(client, "/api/search?q=Ehrenamtliche")
    assert set(data) >= SEARCH_KEYS
    assert data["query"] == "Ehrenamtliche"
    assert isinstance(data["total"], int) and data["total"] >= 1
    assert (data["page"], data["per_page"]) == (1, 10)
    assert data["suggestion"] is None or isinstance(data["suggestion"], str)
    for result in data["results"]:
        assert set(result) >= RESULT_KEYS
        assert result["url"] == f"/werkzeuge/{result['slug']}"
        assert isinstance(result["score"], int | float)
        for key in ("topics", "communes", "challenges"):
            assert result[key] == FIXTURE_CARDS[result["slug"]]["meta"][key]
    assert {f.name for f in FACETS} <= set(data["facets"])
    for values in data["facets"].values():
        for value in values:
            assert set(value) >= FACET_KEYS
            assert isinstance(value["count"], int) and isinstance(value["selected"], bool)


@pytest.mark.parametrize(
    ("url", "match", "all_words"),
    [
        ("/api/search?q=Kindergarten", "all", "total"),
        # no card has both words: the cards with one of them are shown
        ("/api/search?q=Kindergarten+B%C3%BCrgerbus", "some", 0),
        # one card has both words; the cards with one of them follow it
        ("/api/search?q=Kleinbus+Ehrenamtliche", "some", 1),
        # the one card with both words is filtered out: every hit has only some words
        ("/api/search?q=Kleinbus+Ehrenamtliche&topic=Integration", "some", 0),
        ("/api/search", None, None),  # browse: no words to match
        ("/api/search?topic=Wohnen", None, None),
        ("/api/search?q=-Kindergarten", None, None),  # only an excluded word
    ],
)
def test_search_says_whether_every_hit_has_all_the_words(
    client: FlaskClient, url: str, match: str | None, all_words: int | str | None
) -> None:
    data = get_json(client, url)
    assert data["total"] >= 1
    assert data["match"] == match
    assert data["all_words"] == (data["total"] if all_words == "total" else all_words)
    if match == "some":
        assert data["total"] > data["all_words"]


@pytest.mark.parametrize(
    ("query", "note"),
    [
        ("q=Kindergarten+B%C3%BCrgerbus", "Kein Werkzeug enthält alle Suchwörter."),
        ("q=Kleinbus+Ehrenamtliche", "Nur 1 Werkzeug enthält alle Suchwörter."),
        ("q=Kleinbus+Ehrenamtliche&topic=Integration", "Kein Werkzeug enthält alle Suchwörter."),
        ("q=Kindergarten", None),
    ],
)
def test_search_page_says_what_the_api_says_about_the_words(
    client: FlaskClient, query: str, note: str | None
) -> None:
    html = client.get("/?" + query).get_data(as_text=True)
    data = get_json(client, "/api/search?" + query)
    assert ("alle Suchwörter" in html) == (data["match"] == "some")
    if note:
        assert note in html


def test_readme_shows_every_key_of_the_search_object(client: FlaskClient) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## JSON-API") :]
    example = json.loads(section.split("```json\n", 1)[1].split("```", 1)[0])
    assert set(example) == set(get_json(client, "/api/search?q=Kindergarten"))


def test_results_are_ranked_by_score(client: FlaskClient) -> None:
    scores = [r["score"] for r in get_json(client, "/api/search?q=Wohnung+Hilfe")["results"]]
    assert scores and scores == sorted(scores, reverse=True)


def test_repeated_parameters_are_several_values(client: FlaskClient) -> None:
    data = get_json(client, "/api/search?commune=Zerbst&commune=Eckernförde&per_page=50")
    assert {r["slug"] for r in data["results"]} == expected_slugs(
        "communes", "Zerbst"
    ) | expected_slugs("communes", "Eckernförde")
    selected = {v["value"] for v in data["facets"]["communes"] if v["selected"]}
    assert selected == {"Zerbst", "Eckernförde"}


def test_per_page_and_page_are_echoed_as_used(client: FlaskClient) -> None:
    data = get_json(client, "/api/search?per_page=2&page=2")
    assert (data["page"], data["per_page"], len(data["results"])) == (2, 2, 2)
    clamped = get_json(client, "/api/search?per_page=1000&page=abc")
    assert clamped["page"] == 1 and clamped["per_page"] <= 50
    beyond = get_json(client, "/api/search?page=99999")
    assert beyond["results"] == [] and beyond["total"] == len(FIXTURE_CARDS)


def test_card_returns_metadata_and_rendered_html(client: FlaskClient) -> None:
    meta = FIXTURE_CARDS["landarztpraxis-gemeinde"]["meta"]
    data = get_json(client, "/api/werkzeuge/landarztpraxis-gemeinde")
    assert data["slug"] == "landarztpraxis-gemeinde"
    for key in (
        "title",
        "summary",
        "topics",
        "communes",
        "challenges",
        "target_groups",
        "status",
        "effort",
        "tool_type",
    ):
        assert data[key] == meta[key], key
    assert data["published"] == meta["published"].isoformat()
    assert data["updated"] == meta["updated"].isoformat()
    assert ISO_DATE.match(data["published"]) and ISO_DATE.match(data["updated"])
    assert data["contact"]["email"] == "team@example.org"
    assert "<h2" in data["html"] and "Teilzeit" in data["html"]


def test_card_html_in_the_api_is_safe_too(client: FlaskClient) -> None:
    html = get_json(client, "/api/werkzeuge/unsicherer-inhalt")["html"]
    assert "<script" not in html and 'href="javascript:' not in html


def test_card_without_update_date_has_null(client: FlaskClient) -> None:
    assert get_json(client, "/api/werkzeuge/sprachcafe")["updated"] is None


def test_alias_redirects_within_the_api(client: FlaskClient) -> None:
    response = client.get("/api/werkzeuge/leerstand-rosslau")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/api/werkzeuge/leerstandsboerse-rosslau")


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("get", "/api/werkzeuge/gibt-es-nicht", 404),
        ("get", "/api/werkzeuge/%2e%2e", 404),
        ("get", "/api/gibt-es-nicht", 404),
        ("post", "/api/search", 405),
        ("delete", "/api/werkzeuge/sprachcafe", 405),
    ],
)
def test_errors_under_api_are_json(client: FlaskClient, method: str, url: str, status: int) -> None:
    response = getattr(client, method)(url)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = strict_json(response.get_data(as_text=True))
    assert body["status"] == status and body["error"]


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "per_page=0",
        "q=%00",
        "q=NOT+NOT+x",
        "q=" + "(" * 600,
        "topic=Unbekannt",
        "q=" + "x" * 10000,
    ],
)
def test_bad_input_in_the_api_is_never_a_500(client: FlaskClient, query: str) -> None:
    response = client.get("/api/search?" + query)
    assert response.status_code in {200, 400, 414}
    strict_json(response.get_data(as_text=True))
