"""The HTML pages through Flask's test client: search page, card pages, errors, headers."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from conftest import FIXTURE_CARDS, VOCABULARY, expected_slugs
from zwk_kb.analysis.folding import fold
from zwk_kb.config import Settings
from zwk_kb.web import create_app


class Page(HTMLParser):
    """The parts of a page the tests look at: links, form fields, labels, marks, text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []  # (href, text)
        self.inputs: list[dict[str, str]] = []
        # name, id, _form and options: [value, text, selected]
        self.selects: list[dict[str, Any]] = []
        self.labels: dict[str, str] = {}
        self.forms: list[dict[str, str]] = []
        self.tags: list[tuple[str, dict[str, str]]] = []
        self._href: str | None = None
        self._label_for: str | None = None
        self._form: int | None = None
        self._text: list[str] = []
        self.text_parts: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        if tag == "a" and "href" in a:
            self._href, self._text = a["href"], []
        elif tag == "input":
            self.inputs.append({**a, "_form": str(self._form)})
        elif tag == "select":
            self.selects.append({**a, "_form": str(self._form), "options": []})
        elif tag == "option" and self.selects:
            self.selects[-1]["options"].append([a.get("value", ""), "", "selected" in a])
        elif tag == "label":
            self._label_for, self._text = a.get("for"), []
        elif tag == "form":
            self.forms.append(a)
            self._form = len(self.forms) - 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None
        elif tag == "label" and self._label_for:
            self.labels[self._label_for] = " ".join("".join(self._text).split())
            self._label_for = None

    def handle_data(self, data: str) -> None:
        if self.lasttag == "option" and self.selects and self.selects[-1]["options"]:
            self.selects[-1]["options"][-1][1] += data.strip()
        self._text.append(data)
        self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())

    def hrefs(self, pattern: str) -> list[str]:
        return [h for h, _ in self.links if re.search(pattern, h)]


def get_page(client: FlaskClient, url: str, status: int = 200) -> Page:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    assert response.mimetype == "text/html"
    return Page(response.get_data(as_text=True))


# ---- the search page ---------------------------------------------------------------------------


def test_search_page_has_a_labelled_query_box_in_a_get_form(client: FlaskClient) -> None:
    page = get_page(client, "/")
    assert any(f.get("method", "").lower() == "get" for f in page.forms)
    [box] = [i for i in page.inputs if i.get("name") == "q"]
    assert page.labels.get(box["id"]), "the query box needs a <label for=…>"
    assert "Suchen" in page.text


def test_search_page_is_german(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="de">' in html
    page = Page(html)
    assert f"{len(FIXTURE_CARDS)} Werkzeuge gefunden" in page.text
    assert "Filter" in page.text


def test_facets_are_checkboxes_with_counts(client: FlaskClient) -> None:
    page = get_page(client, "/")
    boxes = [i for i in page.inputs if i.get("type") == "checkbox" and i.get("name") == "topic"]
    assert {b["value"] for b in boxes} == {
        t for c in FIXTURE_CARDS.values() for t in c["meta"]["topics"]
    }
    for box in boxes:
        label = page.labels[box["id"]]
        assert label == f"{box['value']} ({len(expected_slugs('topics', box['value']))})"
    # the other facets are there too, as URL parameters
    names = {i.get("name") for i in page.inputs if i.get("type") == "checkbox"}
    assert {"topic", "commune", "challenge", "state", "cluster", "status", "effort"} <= names


def test_selected_facet_is_checked_and_removable_by_a_link(client: FlaskClient) -> None:
    page = get_page(client, "/?q=Hilfe&topic=Wohnen&commune=Bad+Säckingen")
    checked = {(i["name"], i["value"]) for i in page.inputs if "checked" in i}
    assert checked == {("topic", "Wohnen"), ("commune", "Bad Säckingen")}
    assert "Aktive Filter" in page.text
    [remove] = [h for h, text in page.links if text.startswith("Thema: Wohnen")]
    params = parse_qs(urlsplit(remove).query)
    assert params == {"q": ["Hilfe"], "commune": ["Bad Säckingen"]}
    [clear] = [h for h, text in page.links if text == "Alle Filter entfernen"]
    assert parse_qs(urlsplit(clear).query) == {"q": ["Hilfe"]}


def test_results_show_title_summary_snippet_communes_and_topics(client: FlaskClient) -> None:
    html = client.get("/?q=Trägerverein").get_data(as_text=True)
    page = Page(html)
    card = FIXTURE_CARDS["kindergarten-im-dorf"]["meta"]
    assert ("/werkzeuge/kindergarten-im-dorf", card["title"]) in page.links
    assert card["summary"] in page.text
    assert re.search(r"<mark[^>]*>Trägerverein</mark>", html)
    assert "Zerbst" in page.text and "Bildung" in page.text


def test_query_text_is_escaped_everywhere(client: FlaskClient) -> None:
    html = client.get('/?q=<script>alert(1)</script>"><b>').get_data(as_text=True)
    assert "<script>alert" not in html and '"><b>' not in html
    assert "&lt;script&gt;" in html


def test_pagination_keeps_query_and_filters_in_the_url(client: FlaskClient) -> None:
    url = "/?state=Sachsen-Anhalt&state=Baden-Württemberg&per_page=2"
    expected = expected_slugs("state", "Sachsen-Anhalt") | expected_slugs(
        "state", "Baden-Württemberg"
    )
    total = len(expected)
    page = get_page(client, url)
    assert f"{total} Werkzeuge gefunden" in page.text
    [next_url] = [h for h, text in page.links if text == "Weiter"]
    params = parse_qs(urlsplit(next_url).query)
    assert params == {
        "state": ["Sachsen-Anhalt", "Baden-Württemberg"],
        "page": ["2"],
        "per_page": ["2"],
    }
    seen = set()
    number = 1
    while True:
        current = get_page(client, f"{url}&page={number}")
        seen |= {h.rsplit("/", 1)[1] for h in current.hrefs(r"^/werkzeuge/")}
        if not [h for h, text in current.links if text == "Weiter"]:
            break
        number += 1
    assert number == -(-total // 2)
    assert seen == expected  # every card exactly on one of the pages


def test_result_count_is_singular_for_one(client: FlaskClient) -> None:
    [commune] = [c for c in VOCABULARY["communes"] if len(expected_slugs("communes", c)) == 1][:1]
    assert "1 Werkzeug gefunden" in get_page(client, f"/?commune={commune}").text


def test_no_results_page_helps_in_german(client: FlaskClient) -> None:
    page = get_page(client, "/?q=Raumfahrtbahnhof&topic=Wohnen")
    assert "0 Werkzeuge gefunden" in page.text
    assert "kein passendes Werkzeug" in page.text


def submit(page: Page, form: int, **changes: str) -> dict[str, list[str]]:
    """The parameters a browser sends for a GET form (checked boxes, hidden and text fields)."""
    params: dict[str, list[str]] = {}
    for field in page.inputs:
        if field["_form"] != str(form) or "name" not in field:
            continue
        if field.get("type") == "checkbox" and "checked" not in field:
            continue
        value = changes.get(field["name"], field.get("value", ""))
        params.setdefault(field["name"], []).append(value)
    for select in page.selects:
        if select["_form"] != str(form) or "name" not in select or not select["options"]:
            continue
        chosen = [o[0] for o in select["options"] if o[2]] or [select["options"][0][0]]
        params.setdefault(select["name"], []).append(changes.get(select["name"], chosen[0]))
    return params


def test_both_forms_keep_the_rest_of_the_state(client: FlaskClient) -> None:
    page = get_page(client, "/?q=Hilfe&topic=Wohnen&sort=newest&per_page=5&page=2")
    query_form = next(
        i["_form"] for i in page.inputs if i.get("name") == "q" and i.get("type") != "hidden"
    )
    sent = submit(page, int(query_form), q="Bus")
    assert sent == {"q": ["Bus"], "topic": ["Wohnen"], "sort": ["newest"], "per_page": ["5"]}
    facet_form = next(i["_form"] for i in page.inputs if i.get("type") == "checkbox")
    sent = submit(page, int(facet_form))
    assert sent == {"q": ["Hilfe"], "topic": ["Wohnen"], "sort": ["newest"], "per_page": ["5"]}


def test_search_page_links_its_json_twin(client: FlaskClient) -> None:
    response = client.get("/?q=Bus&topic=Mobilität")
    link = response.headers["Link"]
    url = re.match(r"<([^>]+)>", link).group(1)  # type: ignore[union-attr]
    assert 'rel="alternate"' in link
    assert client.get(url).get_json()["query"] == "Bus"


# ---- card pages ---------------------------------------------------------------------------------


def test_card_page_shows_body_and_metadata(client: FlaskClient) -> None:
    meta = FIXTURE_CARDS["landarztpraxis-gemeinde"]["meta"]
    page = get_page(client, "/werkzeuge/landarztpraxis-gemeinde")
    for text in (
        meta["title"],
        meta["summary"],
        "Teilzeit",
        "Landkreis Höxter",
        VOCABULARY["communes"]["Landkreis Höxter"]["state"],
        "Gesundheit und Pflege",
        "Ärztemangel",
        meta["published"].isoformat(),
        meta["updated"].isoformat(),
    ):
        assert text in page.text, text
    # metadata values link to the search filtered by them
    assert page.hrefs(r"^/\?commune=Landkreis\+H")
    assert page.hrefs(r"^/\?topic=Gesundheit")


def test_card_markdown_is_rendered_safely(client: FlaskClient) -> None:
    html = client.get("/werkzeuge/unsicherer-inhalt").get_data(as_text=True)
    page = Page(html)
    assert "&lt;script&gt;" in html
    # the only scripts are the site's own files (the card's <script> stays text)
    assert [a["src"] for t, a in page.tags if t == "script"] == ["/static/selection.js"]
    assert not [a for t, a in page.tags if any(k.startswith("on") for k in a)]
    assert not [t for t, a in page.tags if t == "img"]
    assert not page.hrefs(r"^\s*javascript:")
    assert "https://example.org/bank" in page.hrefs(r"example\.org/bank")


def test_alias_redirects_permanently_to_the_current_slug(client: FlaskClient) -> None:
    response = client.get("/werkzeuge/leerstand-rosslau")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/werkzeuge/leerstandsboerse-rosslau")


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("/w/sprachcafe", "/werkzeuge/sprachcafe"),
        ("/w/leerstand-rosslau", "/werkzeuge/leerstandsboerse-rosslau"),
    ],
)
def test_short_links_redirect_to_the_card(client: FlaskClient, url: str, target: str) -> None:
    response = client.get(url)
    assert response.status_code in {301, 302, 308}
    assert response.headers["Location"].endswith(target)
    assert client.get(url, follow_redirects=True).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/werkzeuge/gibt-es-nicht",
        "/werkzeuge/%2e%2e",
        "/werkzeuge/%00",
        "/werkzeuge/Sprachcafe",
        "/werkzeuge/" + "a" * 300,
        "/w/gibt-es-nicht",
        "/nirgendwo",
    ],
)
def test_unknown_pages_get_a_german_404(client: FlaskClient, url: str) -> None:
    page = get_page(client, url, status=404)
    assert "Seite nicht gefunden" in page.text
    assert "/" in [h for h, _ in page.links]


# ---- bad input never becomes a 500 ---------------------------------------------------------------

BAD_QUERIES = [
    "page=abc",
    "page=99999",
    "page=-1",
    "per_page=0",
    "per_page=1000",
    "per_page=abc",
    "topic=Unbekannt&commune=Nirgendwo",
    "q=" + "Wort+" * 3000,
    "q=%00%01%02",
    "q=a%00b",
    "q=NOT+NOT+Kita",
    "q=" + "(" * 600 + "x",
    "q=*",
    "q=*ung",
    "q=slug:sprachcafe",
    'q="unbalanced',
    "q=Kita~5",
    "q=%E2%80%AE%D8%B9%D8%B1%D8%A8%D9%8A",
    "q=%ff%fe",
    "q=a&q=b&q=c&q=d",
    "topic=" + "x" * 5000,
    "sort=evil",
    "topic=%00",
    "q=-",
    "q=--",
    "q=-Wohnen",
    "page=1&page=2&per_page=3&per_page=4",
    "commune=" + "&commune=".join(str(n) for n in range(200)),
]


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_bad_search_input_gives_a_normal_page(client: FlaskClient, query: str) -> None:
    response = client.get("/?" + query)
    assert response.status_code in {200, 400, 404, 414}, response.status_code
    assert "Werkzeug" in response.get_data(as_text=True)


def test_page_beyond_the_end_is_an_empty_normal_page(client: FlaskClient) -> None:
    page = get_page(client, "/?page=99999")
    assert f"{len(FIXTURE_CARDS)} Werkzeuge gefunden" in page.text
    assert not page.hrefs(r"^/werkzeuge/")


def test_post_is_refused_with_405_and_allow(client: FlaskClient) -> None:
    response = client.post("/", data={"q": "x"})
    assert response.status_code == 405
    assert "GET" in response.headers.get("Allow", "")
    assert "Nicht erlaubt" in response.get_data(as_text=True)


# ---- headers on every response -----------------------------------------------------------------


def assert_security_headers(response: TestResponse) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp or "default-src 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy")
    assert "Werkzeug" not in response.headers.get("Server", "")


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/?q=Bus",
        "/werkzeuge/sprachcafe",
        "/werkzeuge/leerstand-rosslau",
        "/werkzeuge/nope",
        "/api/search?q=Bus",
        "/api/werkzeuge/sprachcafe",
        "/api/werkzeuge/nope",
        "/api/nope",
        "/static/style.css",
        "/w/sprachcafe",
    ],
)
def test_security_headers_on_every_response(client: FlaskClient, url: str) -> None:
    assert_security_headers(client.get(url))


def test_security_headers_on_405_and_on_unexpected_errors(settings: Settings) -> None:
    app: Flask = create_app(settings)

    @app.get("/kaputt")
    def broken() -> str:
        raise RuntimeError("boom")

    client = app.test_client()
    assert_security_headers(client.post("/"))
    response = client.get("/kaputt")
    assert response.status_code == 500
    assert_security_headers(response)
    body = response.get_data(as_text=True)
    assert "Ein Fehler ist aufgetreten" in body and "boom" not in body and "Traceback" not in body


def test_missing_index_is_a_friendly_503(tmp_path, toolkit_dir) -> None:  # type: ignore[no-untyped-def]
    app = create_app(Settings(toolkit=toolkit_dir, index=tmp_path / "leer"))
    response = app.test_client().get("/")
    assert response.status_code == 503
    assert "Suchindex" in response.get_data(as_text=True)
    assert_security_headers(response)
    assert app.test_client().get("/api/search").get_json()["status"] == 503


URL_PARAMS = ["q", "topic", "commune", "state", "status", "page", "per_page", "sort", "x"]


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(URL_PARAMS), st.text(st.characters(blacklist_categories=("Cs",)))
        ),
        max_size=8,
    )
)
def test_random_parameters_never_break_the_site(app: Flask, pairs: list[tuple[str, str]]) -> None:
    client = app.test_client()
    query = urlencode(pairs)
    for path in ("/", "/api/search"):
        response = client.get(f"{path}?{query}")
        assert response.status_code in {200, 400}, (path, query, response.status_code)


def test_explicit_page_size_survives_paging_when_the_site_default_differs(
    bundled_settings: Settings,
) -> None:
    client = create_app(bundled_settings.replace(per_page=20)).test_client()
    assert len(Page(client.get("/").get_data(as_text=True)).hrefs(r"^/werkzeuge/")) >= 20
    first = get_page(client, "/?per_page=10")
    [next_url] = [h for h, text in first.links if text == "Weiter"]
    assert parse_qs(urlsplit(next_url).query) == {"page": ["2"], "per_page": ["10"]}
    second = get_page(client, next_url)
    assert len(set(second.hrefs(r"^/werkzeuge/")) & set(first.hrefs(r"^/werkzeuge/"))) == 0


# ---- sort control --------------------------------------------------------------------------------


def _titles(page: Page) -> list[str]:
    return [text for href, text in page.links if href.startswith("/werkzeuge/")]


def test_search_form_offers_a_labelled_sort_control(client: FlaskClient) -> None:
    page = get_page(client, "/?q=Hilfe&sort=title")
    query_form = next(
        i["_form"] for i in page.inputs if i.get("name") == "q" and i.get("type") != "hidden"
    )
    [select] = [s for s in page.selects if s.get("name") == "sort"]
    assert select["_form"] == query_form  # one GET form: works without JavaScript
    assert page.labels.get(select["id"]) == "Reihenfolge der Ergebnisse"
    options = {value: (text, selected) for value, text, selected in select["options"]}
    assert options == {
        "relevance": ("Passende zuerst", False),
        "newest": ("Neueste zuerst", False),
        "title": ("Nach Titel (A bis Z)", True),
    }
    html = client.get("/?q=Hilfe").get_data(as_text=True)
    buttons = re.findall(r'<button[^>]*type="submit"[^>]*>(.*?)</button>', html)
    assert any("Sortieren" in b for b in buttons)


def test_browsing_offers_only_the_orders_that_differ(client: FlaskClient) -> None:
    [select] = [s for s in get_page(client, "/?topic=Wohnen").selects if s["name"] == "sort"]
    assert [(v, sel) for v, _, sel in select["options"]] == [("newest", True), ("title", False)]


def test_choosing_a_sort_order_keeps_query_and_filters(client: FlaskClient) -> None:
    page = get_page(client, "/?q=Ort&topic=Wohnen&topic=Mobilit%C3%A4t&per_page=5&page=2")
    query_form = next(
        i["_form"] for i in page.inputs if i.get("name") == "q" and i.get("type") != "hidden"
    )
    sent = submit(page, int(query_form), sort="title")
    assert sent == {
        "q": ["Ort"],
        "topic": ["Wohnen", "Mobilität"],
        "per_page": ["5"],
        "sort": ["title"],
    }
    sorted_page = get_page(client, "/?" + urlencode(sent, doseq=True))
    titles = _titles(sorted_page)
    assert titles == ["Leerstandsbörse für Roßlau", "Mitfahrbank mit Sonderzeichen"]
    assert titles == sorted(titles, key=fold)  # by relevance the Mitfahrbank comes first
    [select] = [s for s in sorted_page.selects if s["name"] == "sort"]
    assert [v for v, _, sel in select["options"] if sel] == ["title"]
    assert "Wohnen" in {i.get("value") for i in sorted_page.inputs if i.get("checked") == ""}
