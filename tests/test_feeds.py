"""Atom feed, sitemap, OpenSearch, robots.txt and the CSV/JSON export of a search."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from flask.testing import FlaskClient

from conftest import FIXTURE_CARDS, expected_slugs
from zwk_kb.outputs.export import safe_cell, to_csv
from zwk_kb.outputs.feeds import atom_feed, opensearch, robots, sitemap

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
CARDS = [
    {
        "slug": "alt",
        "title": "Alt & gut",
        "summary": "<b>fett</b>",
        "published": "2020-01-01",
        "updated": None,
        "topics": ["Wohnen"],
        "communes": ["Zerbst"],
        "html": "<p>Text</p>",
    },
    {
        "slug": "neu",
        "title": "Neu",
        "summary": "Neu.",
        "published": "2021-01-01",
        "updated": "2024-06-01",
        "topics": [],
        "communes": [],
        "html": "",
    },
]


def test_atom_feed_is_valid_xml_newest_first_and_escaped() -> None:
    text = atom_feed(CARDS, "https://w.example", site_name="ZWK")
    root = ET.fromstring(text)
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}id") for e in entries] == [
        "https://w.example/werkzeuge/neu",
        "https://w.example/werkzeuge/alt",
    ]
    assert root.findtext(f"{ATOM}updated") == "2024-06-01T00:00:00Z"
    assert entries[1].findtext(f"{ATOM}title") == "Alt & gut"
    assert entries[1].findtext(f"{ATOM}summary").startswith("<b>fett</b>")  # text, not markup
    assert entries[1].find(f"{ATOM}category").get("term") == "Wohnen"
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == "https://w.example/feed.xml"


def test_feed_of_an_empty_toolkit_is_still_valid() -> None:
    assert ET.fromstring(atom_feed([], "http://x", site_name="ZWK")).findall(f"{ATOM}entry") == []


def test_sitemap_lists_pages_collections_and_cards_with_lastmod() -> None:
    root = ET.fromstring(sitemap("https://w.example", ["/", "/ueberblick"], CARDS, ["treffen"]))
    locs = [u.findtext(f"{SITEMAP}loc") for u in root.findall(f"{SITEMAP}url")]
    assert locs == [
        "https://w.example/",
        "https://w.example/ueberblick",
        "https://w.example/sammlungen/treffen",
        "https://w.example/werkzeuge/alt",
        "https://w.example/werkzeuge/neu",
    ]
    lastmods = [u.findtext(f"{SITEMAP}lastmod") for u in root.findall(f"{SITEMAP}url")]
    assert lastmods[-2:] == ["2020-01-01", "2024-06-01"]


def test_opensearch_description_points_at_the_search() -> None:
    root = ET.fromstring(
        opensearch("https://w.example", site_name="ZWK-Werkzeugkoffer-mit-langem-Namen")
    )
    assert len(root.findtext(f"{OPENSEARCH}ShortName")) <= 16
    templates = {u.get("type"): u.get("template") for u in root.findall(f"{OPENSEARCH}Url")}
    assert templates["text/html"] == "https://w.example/?q={searchTerms}"
    assert templates["application/json"] == "https://w.example/api/search?q={searchTerms}"


def test_robots_allows_pages_and_names_the_sitemap() -> None:
    text = robots("https://w.example")
    assert "Allow: /" in text and "Sitemap: https://w.example/sitemap.xml" in text


@pytest.mark.parametrize(
    ("url", "mimetype"),
    [
        ("/feed.xml", "application/atom+xml"),
        ("/sitemap.xml", "application/xml"),
        ("/opensearch.xml", "application/opensearchdescription+xml"),
        ("/robots.txt", "text/plain"),
    ],
)
def test_machine_readable_files_are_served(client: FlaskClient, url: str, mimetype: str) -> None:
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == mimetype
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    if url.endswith(".xml"):
        ET.fromstring(response.data)


def test_served_feed_and_sitemap_contain_every_card(client: FlaskClient) -> None:
    feed = ET.fromstring(client.get("/feed.xml").data)
    assert len(feed.findall(f"{ATOM}entry")) == len(FIXTURE_CARDS)
    smap = client.get("/sitemap.xml").get_data(as_text=True)
    for slug in FIXTURE_CARDS:
        assert f"http://localhost/werkzeuge/{slug}</loc>" in smap


def test_pages_announce_feed_and_opensearch(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert 'rel="search" type="application/opensearchdescription+xml"' in html
    assert 'rel="alternate" type="application/atom+xml"' in html


# ---- export ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["=1+2", "+49 30", "-5", "@SUM(A1)", "\tx"])
def test_formula_like_cells_are_defused(value: str) -> None:
    assert safe_cell(value) == "'" + value
    assert safe_cell("Gemeinde " + value) == "Gemeinde " + value


@pytest.mark.parametrize("hidden", ["\r", "\x00", "\x1b", "\x7f", "\x85", "\u202e", "\ufeff"])
def test_a_hidden_control_character_neither_reaches_the_cell_nor_hides_a_formula(
    hidden: str,
) -> None:
    assert safe_cell(hidden + "=1+2") == "'=1+2"
    assert safe_cell("Ge" + hidden + "meinde") == "Gemeinde"


def test_csv_is_excel_friendly_and_defuses_formulas() -> None:
    rows = [
        {
            "slug": "x",
            "title": '=HYPERLINK("http://evil")',
            "summary": "a;b",
            "topics": ["A", "B"],
            "contact": {"name": "N", "email": "n@example.org"},
            "url": "http://h/werkzeuge/x",
        }
    ]
    text = to_csv(rows)
    assert text.startswith("\ufeffTitel;Kurzbeschreibung;")
    parsed = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    header, row = parsed
    record = dict(zip(header, row, strict=True))
    assert record["Titel"].startswith("'=HYPERLINK")
    assert record["Kurzbeschreibung"] == "a;b"
    assert record["Themen"] == "A, B"
    assert record["Kontakt"] == "N, n@example.org"


def test_export_csv_applies_the_facet_filters(client: FlaskClient) -> None:
    response = client.get("/export.csv?topic=Wohnen")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="werkzeuge-')
    rows = list(
        csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    assert {r["Kurzname"] for r in rows} == expected_slugs("topics", "Wohnen")
    assert all(r["Adresse"].startswith("http://localhost/werkzeuge/") for r in rows)


def test_export_json_has_query_filters_and_all_results(client: FlaskClient) -> None:
    response = client.get("/export.json?commune=Dessau-Ro%C3%9Flau&per_page=1&page=3")
    assert response.status_code == 200
    data = json.loads(response.data)
    expected = expected_slugs("communes", "Dessau-Roßlau")
    assert data["total"] == data["exported"] == len(expected)
    assert data["filters"] == {"communes": ["Dessau-Roßlau"]}
    assert {r["slug"] for r in data["results"]} == expected
    assert "html" not in data["results"][0]
    assert data["search_url"].endswith("/?commune=Dessau-Ro%C3%9Flau")


@pytest.mark.parametrize("query", ["q=%00", "page=abc", "topic=" + "x" * 5000, "q=NOT+NOT+x"])
def test_export_survives_bad_input(client: FlaskClient, query: str) -> None:
    assert client.get("/export.csv?" + query).status_code in {200, 414}
    assert client.get("/export.json?" + query).status_code in {200, 414}


def test_search_page_links_both_exports_with_its_filters(client: FlaskClient) -> None:
    html = client.get("/?q=Bus&topic=Mobilit%C3%A4t&page=1").get_data(as_text=True)
    assert 'href="/export.csv?q=Bus&amp;topic=Mobilit%C3%A4t"' in html
    assert 'href="/export.json?q=Bus&amp;topic=Mobilit%C3%A4t"' in html
