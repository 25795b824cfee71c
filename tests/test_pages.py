"""Pages through Flask's test client: card sharing, challenges, legal pages, layout.

The real-browser checks (axe-core, keyboard, print, 360 px) are in ``test_browser.py``.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient

from conftest import FIXTURE_CARDS
from zwk_kb.config import Settings
from zwk_kb.web import create_app

PAGES = [
    "/",
    "/?q=Bus&topic=Mobilit%C3%A4t",
    "/werkzeuge/sprachcafe",
    "/sammlungen",
    "/herausforderungen",
    "/herausforderungen?challenge=Vereinsamung&kind=Stadt",
    "/ueberblick",
    "/barrierefreiheit",
    "/impressum",
    "/datenschutz",
    "/werkzeuge/gibt-es-nicht",
]


class Tags(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [
            a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())
        ]


def html_of(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


@pytest.mark.parametrize("url", PAGES)
def test_every_page_has_landmarks_skip_link_one_h1_and_no_inline_code(
    client: FlaskClient, url: str
) -> None:
    status = 404 if "gibt-es-nicht" in url else 200
    html = html_of(client, url, status)
    tags = Tags(html)
    assert '<html lang="de">' in html
    assert tags.find("a", href="#inhalt") and tags.find("main", id="inhalt")
    assert tags.find("header") and tags.find("footer")
    assert len(tags.find("h1")) == 1
    assert tags.find("nav", **{"aria-label": "Hauptmenü"})
    # the CSP forbids inline styles and scripts: none may be in the markup
    assert not [a for _, a in tags.tags if "style" in a]
    assert not [t for t, a in tags.tags if t == "style"]
    assert not [a for t, a in tags.tags if t == "script" and "src" not in a]
    assert not [a for _, a in tags.tags if any(k.startswith("on") for k in a)]
    assert re.search(r"<title>[^<]+ – |<title>[^<]+</title>", html)


@pytest.mark.parametrize(
    "url", [*PAGES, "/feed.xml", "/export.csv", "/werkzeuge/sprachcafe/qr.png"]
)
def test_new_pages_carry_the_security_headers(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_every_form_control_has_a_label(client: FlaskClient) -> None:
    for url in ("/", "/herausforderungen"):
        tags = Tags(html_of(client, url))
        labelled = {a["for"] for a in tags.find("label") if "for" in a}
        controls = [
            a for t, a in tags.tags if t in {"input", "select"} and a.get("type") != "hidden"
        ]
        assert controls
        assert all(c["id"] in labelled for c in controls), url


def test_navigation_marks_the_current_page(client: FlaskClient) -> None:
    tags = Tags(html_of(client, "/ueberblick"))
    assert tags.find("a", href="/ueberblick", **{"aria-current": "page"})
    card = Tags(html_of(client, "/werkzeuge/sprachcafe"))
    assert card.find("a", href="/", **{"aria-current": "true"})


# ---- the card page -----------------------------------------------------------------------------


def test_card_page_has_sharing_meta_tags(client: FlaskClient) -> None:
    html = html_of(client, "/werkzeuge/sprachcafe")
    tags = Tags(html)
    meta = {
        a.get("property") or a.get("name"): a["content"]
        for a in tags.find("meta")
        if "content" in a
    }
    card = FIXTURE_CARDS["sprachcafe"]["meta"]
    assert meta["og:title"] == card["title"] and meta["og:description"] == card["summary"]
    assert meta["og:url"] == "http://localhost/werkzeuge/sprachcafe"
    assert meta["og:type"] == "article" and meta["og:locale"] == "de_DE"
    assert meta["twitter:card"] == "summary" and meta["twitter:title"] == card["title"]
    assert meta["description"] == card["summary"]
    # no ZWK_KB_BASE_URL: the canonical address is path-absolute, never the request's Host
    assert tags.find("link", rel="canonical", href="/werkzeuge/sprachcafe")


def test_card_page_offers_permalink_short_link_and_qr_downloads(client: FlaskClient) -> None:
    html = html_of(client, "/werkzeuge/sprachcafe")
    tags = Tags(html)
    assert "http://localhost/werkzeuge/sprachcafe" in html
    assert tags.find("a", href="/w/sprachcafe")
    assert tags.find("a", href="/werkzeuge/sprachcafe/qr.svg")
    assert tags.find("a", href="/werkzeuge/sprachcafe/qr.png")
    assert (
        len(tags.find("svg", role="img", **{"aria-label": "QR-Code mit dem Link zu dieser Karte"}))
        == 2
    )


def test_edit_link_opens_the_contribution_form_filled_from_the_card(client: FlaskClient) -> None:
    html = html_of(client, "/werkzeuge/sprachcafe")
    assert '<a href="/mitmachen/bearbeiten/sprachcafe">Diese Karte bearbeiten</a>' in html
    assert '<a href="/mitmachen">Fehlt ein Werkzeug? Schlagen Sie es vor.</a>' in html


def test_card_names_communes_with_kind_state_cluster_and_its_origin(client: FlaskClient) -> None:
    html = html_of(client, "/werkzeuge/sprachcafe")
    assert "Entstanden oder erprobt in Stadt Dessau-Roßlau und Stadt Bad Säckingen." in html
    assert "Ansprechpartner ist" not in html  # the communes are the origin, not the contact
    assert 'href="/?state=Sachsen-Anhalt"' in html and 'href="/?cluster=S%C3%BCd"' in html


def test_long_cards_get_a_table_of_contents(bundled_client: FlaskClient) -> None:
    html = html_of(bundled_client, "/werkzeuge/mobile-zukunftswerkstatt-lastenrad")
    assert 'aria-labelledby="toc-heading"' in html
    assert '<a href="#so-funktioniert-es">So funktioniert es</a>' in html
    assert '<h2 id="so-funktioniert-es">' in html
    reused = html_of(bundled_client, "/werkzeuge/buergerbus-verein")
    assert "Nachgemacht in" in reused and 'href="/?commune=Vogelsbergkreis"' in reused


# ---- challenges and communes like mine ---------------------------------------------------------


def test_challenge_page_lists_every_challenge_with_counts(client: FlaskClient) -> None:
    tags = Tags(html_of(client, "/herausforderungen"))
    boxes = {a["value"] for a in tags.find("input", type="checkbox", name="challenge")}
    assert boxes == {c for card in FIXTURE_CARDS.values() for c in card["meta"]["challenges"]}
    assert {a.get("value") for a in tags.find("option")} >= {"", "Stadt", "Landkreis", "Nord"}


def _result_slugs(html: str) -> list[str]:
    section = html.split('id="result-heading"', 1)[1]
    return re.findall(r'<h3><a href="/werkzeuge/([a-z0-9-]+)">', section)


def test_tools_meeting_more_chosen_challenges_come_first(bundled_client: FlaskClient) -> None:
    html = html_of(
        bundled_client,
        "/herausforderungen?challenge=Fachkr%C3%A4ftemangel&challenge=Abwanderung+junger+Menschen",
    )
    slugs = _result_slugs(html)
    counts = [
        int(n) for n in re.findall(r'kern-badge--info"><span class="kern-label">(\d) von 2', html)
    ]
    assert len(counts) == len(slugs) > 3
    assert counts == sorted(counts, reverse=True) and counts[0] == 2


def test_commune_profile_brings_similar_communes_first(client: FlaskClient) -> None:
    html = html_of(
        client, "/herausforderungen?challenge=Vereinsamung&kind=Stadt&state=Baden-W%C3%BCrttemberg"
    )
    slugs = _result_slugs(html)
    assert set(slugs) == {"wohnen-fuer-hilfe", "sprachcafe"}
    assert (
        "Ähnliche Kommune: Bad Säckingen – Art der Kommune: Stadt, Bundesland: Baden-Württemberg"
        in html
    )
    only_profile = html_of(client, "/herausforderungen?kind=Landkreis")
    assert set(_result_slugs(only_profile)) == {"landarztpraxis-gemeinde", "unsicherer-inhalt"}


def test_challenge_page_survives_bad_input(client: FlaskClient) -> None:
    for query in (
        "challenge=%00",
        "kind=" + "x" * 5000,
        "challenge=Unbekannt",
        "q=NOT+NOT+x&kind=Stadt",
    ):
        assert client.get("/herausforderungen?" + query).status_code in {200, 414}


# ---- legal pages ------------------------------------------------------------------------------


def test_legal_pages_say_what_the_operator_must_fill_in(client: FlaskClient) -> None:
    assert "ZWK_KB_OPERATOR" in html_of(client, "/impressum")
    assert "keine Cookies" in html_of(client, "/datenschutz")
    html = html_of(client, "/barrierefreiheit")
    assert "Erklärung zur Barrierefreiheit" in html and "Schlichtungsverfahren" in html


def test_legal_pages_show_the_configured_operator(settings: Settings) -> None:
    app = create_app(
        settings.replace(
            operator="Gemeinde Musterhausen",
            operator_address="Rathausplatz 1\n12345 Musterhausen",
            contact_email="kontakt@musterhausen.example",
            accessibility_reviewed="1. Juli 2025",
        )
    )
    client = app.test_client()
    imprint = html_of(client, "/impressum")
    assert "Gemeinde Musterhausen" in imprint and "Rathausplatz 1<br>" in imprint
    assert 'href="mailto:kontakt@musterhausen.example"' in html_of(client, "/barrierefreiheit")
    assert "Stand dieser Erklärung: 1. Juli 2025" in html_of(client, "/barrierefreiheit")
    assert "Gemeinde Musterhausen" in html_of(client, "/datenschutz")


def test_footer_links_the_legal_pages_everywhere(client: FlaskClient) -> None:
    tags = Tags(html_of(client, "/werkzeuge/gibt-es-nicht", 404))
    hrefs = {a["href"] for a in tags.find("a") if "href" in a}
    assert {"/barrierefreiheit", "/impressum", "/datenschutz", "/feed.xml"} <= hrefs


def test_kern_styles_are_linked_and_served(app: Flask) -> None:
    client = app.test_client()
    html = html_of(client, "/")
    for path in ("/static/vendor/kern/kern.min.css", "/static/vendor/kern/fonts/fira-sans.css"):
        assert path in html
        assert client.get(path).status_code == 200
    assert "/static/style.css" in html
    assert "http://" not in "".join(re.findall(r'<link[^>]+href="([^"]+)"', html)).replace(
        "http://localhost", ""
    )


# ---- one address per page ---------------------------------------------------------------------

ROUTE_SAMPLES = {
    "slug": "sprachcafe",
    "name": "werkstatttreffen-barleben-2023",
    "filename": "style.css",
}
"""Example arguments for the routes' placeholders (a new placeholder needs an entry here)."""
MEDIA_SAMPLE = "bilder/beispiel.jpg"


def _route_samples(app: Flask) -> list[str]:
    """One address per GET route of the app, with example arguments (all routes, API included)."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in (rule.methods or ()):
                continue
            args = {a: ROUTE_SAMPLES[a] for a in rule.arguments}
            if rule.endpoint == "pages.media":
                args = {"name": MEDIA_SAMPLE}
            urls.append(url_for(rule.endpoint, **args))
    return sorted(set(urls))


def test_every_route_answers_a_trailing_slash_with_308_to_its_one_address(
    bundled_app: Flask,
) -> None:
    client = bundled_app.test_client()
    urls = _route_samples(bundled_app)
    assert {"/", "/werkzeuge/sprachcafe", "/api/search", "/static/style.css"} <= set(urls)
    query = "?q=B%C3%BCrgerbus&topic=Wohnen&topic=Bildung&leer="
    wrong = []
    for url in urls:
        if url == "/":
            continue
        for variant in (url + "/", url + "//"):
            response = client.get(variant + query)
            location = response.headers.get("Location", "")
            if response.status_code != 308 or location != url + query:
                wrong.append(f"{variant}: {response.status_code} {location}")
        response = client.get(url + query)
        if response.status_code in {301, 302, 307, 308} and not url.startswith("/w/"):
            wrong.append(f"{url}: {response.status_code} (the one address must not redirect)")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    "url",
    [
        "/werkzeuge/sprachcafe/",
        "/sammlungen/",
        "/herausforderungen/",
        "/ueberblick/",
        "/barrierefreiheit/",
        "/impressum/",
        "/datenschutz/",
        "/api/search/",
        "/api/werkzeuge/sprachcafe/",
        "/feed.xml/",
        "/werkzeuge/sprachcafe/qr.svg/",
        "/static/style.css/",
    ],
)
def test_trailing_slash_is_not_a_second_address(client: FlaskClient, url: str) -> None:
    response = client.get(url + "?q=Bus")
    assert response.status_code == 308
    assert response.headers["Location"] == url.rstrip("/") + "?q=Bus"
    assert client.get(response.headers["Location"]).status_code == 200


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("/werkzeuge/sprachcafe/?next=//evil.example", "localhost"),
        ("/werkzeuge/sprachcafe/", "evil.example"),
        ("/sammlungen/?x=%0d%0aSet-Cookie:%20a=b", "localhost"),
        ("/impressum/?%ff%fe=%00", "localhost"),
    ],
)
def test_the_redirect_stays_on_this_site_and_keeps_the_query_safely(
    client: FlaskClient, url: str, host: str
) -> None:
    response = client.get(url, headers={"Host": host})
    assert response.status_code == 308
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert parts.scheme == "" and parts.netloc == "" and parts.path.startswith("/")
    assert not parts.path.startswith("//") and "\r" not in location and "\n" not in location
    assert "Set-Cookie" not in response.headers
    assert parts.query == (url.split("?", 1)[1] if "?" in url else "")  # as sent, still encoded


def _canonical(client: FlaskClient, url: str, status: int = 200) -> list[str]:
    return [a["href"] for a in Tags(html_of(client, url, status)).find("link", rel="canonical")]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_names_its_one_address_and_error_pages_none(
    client: FlaskClient, url: str
) -> None:
    if "gibt-es-nicht" in url:
        assert _canonical(client, url, 404) == []
        return
    [href] = _canonical(client, url)
    assert href.startswith("/") and not href.startswith("//")
    assert client.get(href).status_code == 200


def test_canonical_address_is_absolute_with_the_configured_base_url(settings: Settings) -> None:
    app = create_app(settings.replace(base_url="https://werkzeuge.example.de/"))
    client = app.test_client()
    for url, expected in (
        ("/werkzeuge/sprachcafe", "/werkzeuge/sprachcafe"),
        ("/ueberblick", "/ueberblick"),
        ("/?q=Bus", "/?q=Bus"),
    ):
        response = client.get(url, headers={"Host": "evil.example"})
        tags = Tags(response.get_data(as_text=True))
        hrefs = [a["href"] for a in tags.find("link", rel="canonical")]
        assert hrefs == ["https://werkzeuge.example.de" + expected]


def test_search_page_canonical_keeps_query_filters_and_page_only(settings: Settings) -> None:
    client = create_app(settings.replace(per_page=2)).test_client()
    assert _canonical(
        client, "/?topic=Wohnen&utm_source=feed&q=Hilfe&topic=Wohnen&sort=relevance&page=1"
    ) == ["/?q=Hilfe&topic=Wohnen"]
    assert _canonical(client, "/?page=2") == ["/?page=2"]  # page 2 of the plain list is its own
    # another order or page size shows the same cards: its canonical is the plain list's start
    assert _canonical(client, "/?q=&page=2&sort=title") == ["/"]
    assert _canonical(client, "/?topic=Bildung&per_page=5&page=2") == ["/?topic=Bildung"]
    assert _canonical(client, "/?page=999") == ["/"]  # beyond the end


def test_challenge_page_canonical_is_its_choices_in_a_fixed_order(client: FlaskClient) -> None:
    assert _canonical(client, "/herausforderungen?x=1") == ["/herausforderungen"]
    assert _canonical(
        client,
        "/herausforderungen?kind=Stadt&challenge=Vereinsamung&challenge=Anbindung"
        "&challenge=Vereinsamung&utm=x",
    ) == ["/herausforderungen?challenge=Anbindung&challenge=Vereinsamung&kind=Stadt"]


def test_redirect_keeps_the_path_prefix_of_a_site_under_a_sub_path(client: FlaskClient) -> None:
    base = "http://localhost/werkzeugkoffer/"
    response = client.get("/werkzeuge/sprachcafe/?q=Bus", base_url=base)
    assert response.status_code == 308
    assert response.headers["Location"] == "/werkzeugkoffer/werkzeuge/sprachcafe?q=Bus"
    assert client.get("/", base_url=base).status_code == 200  # the start page keeps its slash
    for url in ("/werkzeuge/sprachcafe", "/?q=Bus"):
        tags = Tags(client.get(url, base_url=base).get_data(as_text=True))
        assert [a["href"] for a in tags.find("link", rel="canonical")] == ["/werkzeugkoffer" + url]


def test_configured_base_url_names_the_site_with_its_prefix(settings: Settings) -> None:
    app = create_app(settings.replace(base_url="https://example.de/werkzeugkoffer"))
    client = app.test_client()
    for url in ("/werkzeuge/sprachcafe", "/?q=Bus", "/herausforderungen"):
        response = client.get(url, base_url="http://localhost/werkzeugkoffer/")
        tags = Tags(response.get_data(as_text=True))
        hrefs = [a["href"] for a in tags.find("link", rel="canonical")]
        assert hrefs == ["https://example.de/werkzeugkoffer" + url]
