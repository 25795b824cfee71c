"""Hostile requests against the Flask app: query-syntax abuse, NUL bytes, invalid UTF-8, huge and
repeated parameters, path traversal in slugs, reflected XSS (via ``q`` and via "Meinten Sie"),
open-redirect attempts and wrong methods.

For every request: no 5xx, no unescaped echo of markup, bounded time, and the security headers
(CSP without 'unsafe-inline' with object-src/base-uri/frame-ancestors, nosniff,
Referrer-Policy, no server version). Redirects stay on this site.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from zwk_kb.search.request import MAX_PARTS, MAX_QUERY_CHARS

MAX_SECONDS = 3.0
XSS = "<script>alert(1)</script>"
MARKERS = ("<script>alert", "<img src=x onerror", "<svg onload", "<b>fett</b>", "<iframe")
"""Raw request markup that must never appear unescaped in an HTML answer."""
DOWNLOADS = {
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


@dataclass(frozen=True)
class Case:
    """One hostile request and what must hold besides the general rules."""

    name: str
    path: str
    method: str = "GET"
    status: set[int] = field(default_factory=lambda: {200, 301, 308, 400, 404, 414})
    kwargs: dict[str, Any] = field(default_factory=dict)


def q(text: str, path: str = "/", extra: str = "") -> str:
    return f"{path}?q={quote(text, safe='')}{extra}"


NESTED = "(" * 500 + "x" + ")" * 500
MANY_OR = " OR ".join(f"wort{n}" for n in range(5000))
SOME_OR = " OR ".join(f"w{n}" for n in range(600))

CASES: list[Case] = [
    # query-syntax abuse, on the HTML page and in the API
    *[
        Case(f"{name}{' api' if path != '/' else ''}", q(text, path))
        for path in ("/", "/api/search")
        for name, text in [
            ("not-not", "NOT NOT x"),
            ("nested-parens", NESTED),
            ("lone-star", "*"),
            ("leading-wildcard", "*ung"),
            ("field-syntax", "slug:sprachcafe"),
            ("unbalanced-quote", '"Sprachcafé'),
            ("fuzzy-too-long", "Kita~/99"),
            ("range", "[a TO z]"),
        ]
    ],
    Case("5000-or-terms", q(MANY_OR), status={200, 400, 414}),
    Case("600-or-terms", q(SOME_OR)),
    Case("5000-or-terms api", q(MANY_OR, "/api/search"), status={200, 400, 414}),
    Case("all-fields", q("*:*")),
    Case("backslash", q("\\")),
    Case("operators-only", q("AND OR NOT NICHT ODER")),
    Case("minus-only", q("- -- ---")),
    # NUL bytes, control and bidi characters, invalid UTF-8
    Case("nul-in-q", "/?q=abc%00def"),
    Case("nul-only", "/?q=%00"),
    Case("nul-in-facet", "/api/search?topic=Wohnen%00"),
    Case("invalid-utf8-q", "/?q=%ff%fe"),
    Case("invalid-utf8-facet", "/api/search?topic=%ff%fe%fd"),
    Case("invalid-utf8-path", "/werkzeuge/%ff%fe"),
    Case("bidi-override", "/?q=%E2%80%AEabc"),
    Case("overlong-utf8", "/?q=%c0%af%c0%ae"),
    # huge and repeated parameters
    Case("q-10000-chars", q("Kindergarten" * 800)),
    Case("q-repeated", "/?" + "&".join(["q=Bus"] * 100)),
    Case("facet-300-values", "/?" + "&".join(f"topic=t{n}" for n in range(300))),
    Case("facet-huge-value", "/api/search?commune=" + "x" * 12000),
    Case("query-string-too-long", "/?q=" + "y" * 20000, status={414}),
    Case("param-name-huge", "/?" + "n" * 5000 + "=1"),
    Case("page-text", "/?page=abc&per_page=zwei"),
    Case("page-negative", "/api/search?page=-5&per_page=-1"),
    Case("page-huge", "/api/search?page=99999999999999999999999&per_page=100000"),
    Case("page-float", "/api/search?page=1e9&per_page=1.5"),
    Case("sort-unknown", "/?sort=__import__('os')"),
    # reflected XSS via q, facets and "Meinten Sie"
    Case("xss-q", q(XSS)),
    Case("xss-q-attribute", q('"><img src=x onerror=alert(1)>')),
    Case("xss-q-javascript", q("javascript:alert(1)")),
    Case("xss-suggestion", q(f"Kindergartn {XSS}")),
    Case("xss-suggestion-markup", q("Sprachcaffe <b>fett</b>")),
    Case("xss-facet", "/?topic=" + quote("<svg onload=alert(1)>")),
    Case("xss-facet-attribute", "/?commune=" + quote('" onmouseover=alert(1) x="')),
    Case("xss-404-path", "/" + quote(XSS)),
    Case("xss-card-slug", "/werkzeuge/" + quote(XSS)),
    Case("xss-feed", "/feed.xml?q=" + quote(XSS)),
    Case("xss-export", "/export.json?topic=" + quote(XSS)),
    # path traversal in slugs and static files
    Case("traversal-encoded-slash", "/werkzeuge/..%2f..%2fetc%2fpasswd"),
    Case("traversal-dotdot", "/werkzeuge/%2e%2e"),
    Case("traversal-dotdot-slash", "/werkzeuge/%2e%2e%2f%2e%2e%2fetc%2fpasswd"),
    Case("traversal-nul", "/werkzeuge/sprachcafe%00"),
    Case("traversal-nul-only", "/werkzeuge/%00"),
    Case("traversal-backslash", "/werkzeuge/..%5c..%5cwindows%5cwin.ini"),
    Case("traversal-api", "/api/werkzeuge/..%2f..%2fetc%2fpasswd"),
    Case("traversal-static", "/static/..%2f..%2fsrc%2fzwk_kb%2findex.py"),
    Case("traversal-static-plain", "/static/../../pyproject.toml"),
    Case("traversal-qr", "/werkzeuge/..%2f..%2fetc/qr.svg"),
    Case("slug-uppercase", "/werkzeuge/SPRACHCAFE"),
    Case("slug-very-long", "/werkzeuge/" + "a" * 5000),
    # open redirects
    Case("redirect-double-slash", "//evil.example"),
    Case("redirect-double-slash-path", "//evil.example/werkzeuge/sprachcafe"),
    Case("redirect-short-encoded", "/w/%2f%2fevil.example"),
    Case("redirect-short-double-slash", "/w//evil.example"),
    Case("redirect-short-scheme", "/w/https:%2f%2fevil.example"),
    Case("redirect-alias-suffix", "/werkzeuge/leerstand-rosslau%2f%2fevil.example"),
    Case("redirect-backslash", "/%5cevil.example"),
    Case("redirect-alias", "/w/leerstand-rosslau"),
    Case(
        "redirect-alias-host",
        "/werkzeuge/leerstand-rosslau",
        kwargs={"headers": {"Host": "evil.example"}},
    ),
    Case(
        "redirect-forwarded-host",
        "/w/sprachcafe",
        kwargs={"headers": {"X-Forwarded-Host": "evil.example"}},
    ),
    Case("redirect-api-alias", "/api/werkzeuge/leerstand-rosslau"),
    # the one-address redirect (trailing and repeated slashes) never leaves the site
    Case("slash-card", "/werkzeuge/sprachcafe/", status={308}),
    Case("slash-next-param", "/werkzeuge/sprachcafe/?next=//evil.example", status={308}),
    Case(
        "slash-host",
        "/werkzeuge/sprachcafe/",
        status={308},
        kwargs={"headers": {"Host": "evil.example"}},
    ),
    Case("slash-double-evil", "/w//evil.example/"),
    Case("slash-encoded-evil", "/werkzeuge/%2f%2fevil.example/"),
    Case("slash-backslash", "/werkzeuge/%5c%5cevil.example/"),
    Case("slash-crlf-query", "/impressum/?a=%0d%0aLocation:%20http://evil.example", status={308}),
    Case("slash-api", "/api/search/?q=" + quote(XSS), status={308}),
    Case("slash-query-too-long", "/sammlungen/?q=" + "y" * 20000, status={414}),
    # wrong methods
    Case("post-search", "/", "POST", {405}),
    Case("put-api", "/api/search", "PUT", {405}),
    Case("delete-card", "/werkzeuge/sprachcafe", "DELETE", {405}),
    Case("patch-api-card", "/api/werkzeuge/sprachcafe", "PATCH", {405}),
    Case("post-api-big-body", "/api/search", "POST", {405, 413}, {"data": "x" * 40000}),
    Case("post-healthz", "/healthz", "POST", {405}),
    Case("trace", "/", "TRACE", {405}),
    Case("head", "/?q=Bus", "HEAD", {200}),
    # facilitators' selections: many, unknown and path-like tools, markup in the title
    *[
        Case(f"selection-{name}{where.replace('/', '-')}", f"/auswahl{where}?{query}")
        for where in ("", "/folien", "/folien.pptx", "/handzettel.pdf")
        for name, query in [
            ("10000-w", "&".join(["w=sprachcafe"] * 10000)),
            ("10000-different-w", "&".join(f"w=s{n}" for n in range(10000))),
            ("21-w", "&".join(f"w=s{n}" for n in range(21))),
            ("path-like", "w=..%2F..%2Fetc%2Fpasswd&w=%00&w=..%5Cwin.ini&w=sprachcafe"),
            ("xss-slug", "w=" + quote(XSS) + "&w=sprachcafe"),
            ("xss-title", "w=sprachcafe&titel=" + quote(XSS + '"><img src=x onerror=alert(1)>')),
            ("control-title", "w=sprachcafe&titel=%00%07%1b%5B31m%E2%80%AE%0d%0aSet-Cookie:x"),
            ("huge-title", "w=sprachcafe&titel=" + "%C3%BC" * 2000),
            ("invalid-utf8", "w=%ff%fe&titel=%c0%af"),
        ]
    ],
    Case("selection-empty-slides", "/auswahl/folien"),
    Case("collection-slides-traversal", "/sammlungen/..%2f..%2fetc/folien"),
    Case("card-pptx-traversal", "/werkzeuge/..%2f..%2fetc%2fpasswd/folien.pptx"),
    Case("card-pptx-xss", "/werkzeuge/" + quote(XSS) + "/folien.pptx"),
    # odd headers
    Case(
        "garbage-etag", "/werkzeuge/sprachcafe", kwargs={"headers": {"If-None-Match": '"x", *, ,'}}
    ),
    Case(
        "garbage-range",
        "/static/style.css",
        kwargs={"headers": {"Range": "bytes=9-1,abc"}},
        status={200, 206, 416},
    ),
    Case("huge-cookie", "/", kwargs={"headers": {"Cookie": "a=" + "b" * 20000}}),
    Case("accept-json", "/werkzeuge/nope", kwargs={"headers": {"Accept": "application/json"}}),
    # the facilitator's selection carried along on search and card pages
    Case("carried-many-w", "/?q=Dorf&" + "w=a&" * 3500),
    Case("carried-many-w-card", "/werkzeuge/sprachcafe?" + "w=sprachcafe&" * 3500),
    Case("carried-150-w-card", "/werkzeuge/sprachcafe?" + "w=sprachcafe&" * 150),
    Case("carried-xss-w", "/werkzeuge/sprachcafe?w=" + quote(XSS) + "&w=" + quote('"><svg on=')),
    Case("carried-path-w", "/?w=..%2F..%2Fetc%2Fpasswd&w=%2Fetc&w=sprachcafe%00"),
    Case("carried-xss-titel", "/?w=sprachcafe&titel=" + quote(XSS + "\x00\u202e")),
    Case("carried-huge-titel", "/werkzeuge/sprachcafe?titel=" + "t" * 9000),
]


@pytest.fixture(scope="module")
def hostile_client(app: Flask) -> FlaskClient:
    return app.test_client()


def check_headers(response: TestResponse) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors"):
        assert directive in csp, (directive, csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy")
    server = response.headers.get("Server", "")
    assert not any(ch.isdigit() for ch in server), server  # no version leak


class _Elements(HTMLParser):
    """Every start tag with its attributes, as a browser would parse the page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.script_text.append(data)


def check_no_echo(response: TestResponse) -> None:
    """No markup from the request became markup in the page (escaped text is fine)."""
    if response.mimetype == "application/json":
        return  # JSON data, served as application/json with nosniff: never rendered as HTML
    if response.mimetype in DOWNLOADS:
        return  # binary files, read back by tests/test_talks.py
    body = response.get_data(as_text=True)
    for marker in MARKERS:
        assert marker not in body, marker
    parser = _Elements()
    parser.feed(body)
    for tag, attrs in parser.tags:
        assert tag not in {"iframe", "object", "embed", "svg"} or "onload" not in str(attrs), tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, value)
            if name in {"href", "src", "action", "formaction"} and value:
                assert not value.strip().lower().startswith(("javascript:", "data:text")), value
    assert not any("alert(" in text for text in parser.script_text)


def check_redirect(response: TestResponse) -> None:
    if 300 <= response.status_code < 400:
        location = response.headers.get("Location", "")
        parts = urlsplit(location)
        # relative, or absolute to the very host the client asked for (Werkzeug's 308 for "//")
        assert parts.netloc in ("", "localhost"), location
        assert parts.path.startswith("/") and not parts.path.startswith(("//", "/\\")), location
        assert "evil" not in parts.netloc


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_request_is_answered_cleanly(hostile_client: FlaskClient, case: Case) -> None:
    started = time.monotonic()
    response = hostile_client.open(case.path, method=case.method, **case.kwargs)
    elapsed = time.monotonic() - started
    assert response.status_code < 500, response.status_code
    assert response.status_code in case.status, response.status_code
    assert elapsed < MAX_SECONDS, elapsed
    check_headers(response)
    check_no_echo(response)
    check_redirect(response)
    if response.status_code == 405:
        assert "GET" in response.headers.get("Allow", "")
        if case.path.startswith("/api/"):
            assert response.mimetype == "application/json"
            assert response.get_json()["status"] == 405


def test_there_are_at_least_60_hostile_requests() -> None:
    assert len(CASES) >= 60


def test_xss_in_the_query_is_shown_escaped(hostile_client: FlaskClient) -> None:
    body = hostile_client.get(q(XSS)).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_suggestion_with_markup_is_escaped_in_text_and_link(hostile_client: FlaskClient) -> None:
    response = hostile_client.get(q(f"Kindergartn {XSS}"))
    body = response.get_data(as_text=True)
    assert "<script>" not in body
    api = hostile_client.get(q(f"Kindergartn {XSS}", "/api/search")).get_json()
    if api["suggestion"]:
        assert "Kindergarten" in api["suggestion"]
        assert "Meinten Sie" in body


def test_query_length_and_term_count_are_bounded(hostile_client: FlaskClient) -> None:
    data = hostile_client.get(q("Bus " * 1000, "/api/search")).get_json()
    assert len(data["query"]) <= MAX_QUERY_CHARS
    words = hostile_client.get(q(SOME_OR, "/api/search")).get_json()["query"].split()
    assert len(words) <= MAX_QUERY_CHARS // 2
    assert MAX_PARTS <= 32


def test_page_and_per_page_are_clamped(hostile_client: FlaskClient) -> None:
    data = hostile_client.get("/api/search?page=99999999999&per_page=100000").get_json()
    assert 1 <= data["page"] <= 1000 and 1 <= data["per_page"] <= 50
    data = hostile_client.get("/api/search?page=-3&per_page=0").get_json()
    assert data["page"] == 1 and data["per_page"] >= 1


def test_wildcards_are_never_expanded(hostile_client: FlaskClient) -> None:
    star = hostile_client.get(q("*ung", "/api/search")).get_json()
    literal = hostile_client.get(q("ung", "/api/search")).get_json()
    assert star["total"] == literal["total"]  # "*" is dropped, never turned into a term scan


def test_405_keeps_the_allow_header_and_the_site_headers(hostile_client: FlaskClient) -> None:
    for method in ("POST", "PUT", "DELETE"):
        response = hostile_client.open("/api/search", method=method)
        assert response.status_code == 405
        assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}
        check_headers(response)


# ---- the contribution form: the one route that takes a request body ----------------------------

FORM_PATH = "/mitmachen/neu"
VALID_FORM: dict[str, str] = {
    "title": "Sprachcafé im Dorf",
    "summary": "Ein Treffpunkt zum Deutschlernen.",
    "topics": "Integration",
    "communes": "Zerbst",
    "challenges": "Vereinsamung",
    "published": "2024-05-01",
    "section_1": "Text.",
    "section_2": "Mehr Text.",
}
FORM_PAYLOADS: dict[str, bytes] = {
    "xss": XSS.encode(),
    "xss-attribute": b'"><img src=x onerror=alert(1)>',
    "xss-url": b"javascript:alert(1)",
    "template": b"{{ 7*7 }}{% raw %}${7*7}<%= 7*7 %>",
    "control": "a\x00b\x07c\x1b[31md\u202ee\ufeff\r\n--- \n".encode(),
    "invalid-utf8": b"\xff\xfe\xc0\xaf\xed\xa0\x80",
    "oversized": b"x" * 120_000,
}


CHOSEN_FIELDS = {
    "topics",
    "challenges",
    "target_groups",
    "communes",
    "reused_by",
    "status",
    "effort",
    "tool_type",
    "new_commune_state",
    "new_commune_kind",
    "new_commune_cluster",
}
"""Fields chosen from lists: a value outside the list is checked, but not shown as typed."""


def _form_fields() -> list[str]:
    from zwk_kb.authoring.contribute import MULTI_FIELDS, SINGLE_FIELDS

    return sorted((SINGLE_FIELDS | MULTI_FIELDS) - {"aktion"})


def _body(fields: dict[str, bytes | str]) -> bytes:
    parts = []
    for name, value in fields.items():
        raw = value.encode() if isinstance(value, str) else value
        parts.append(quote(name).encode() + b"=" + quote(raw, safe="").encode())
    return b"&".join(parts)


def _post(client: FlaskClient, body: bytes, **kwargs: Any) -> TestResponse:
    return client.post(
        FORM_PATH, data=body, content_type="application/x-www-form-urlencoded", **kwargs
    )


@pytest.mark.parametrize("payload", sorted(FORM_PAYLOADS))
@pytest.mark.parametrize("field_name", _form_fields())
def test_every_form_field_survives_hostile_values(
    hostile_client: FlaskClient, field_name: str, payload: str
) -> None:
    fields: dict[str, bytes | str] = {**VALID_FORM, field_name: FORM_PAYLOADS[payload]}
    for prefix in ("link", "source"):
        pair = (f"{prefix}_title", f"{prefix}_url")
        if field_name in pair:
            fields[pair[1 - pair.index(field_name)]] = ""
    started = time.monotonic()
    response = _post(hostile_client, _body(fields))
    assert time.monotonic() - started < MAX_SECONDS
    assert response.status_code in {200, 400, 422}, response.status_code
    check_headers(response)
    check_no_echo(response)
    body = response.get_data(as_text=True)
    typed = field_name not in CHOSEN_FIELDS and not field_name.startswith("order_")
    if payload == "template" and response.status_code != 400 and typed:
        assert "{{ 7*7 }}" in body  # shown as typed, never evaluated
    if payload == "control":
        assert "\x00" not in body and "\x1b" not in body


def test_a_hostile_valid_card_is_previewed_escaped(hostile_client: FlaskClient) -> None:
    fields = {
        **VALID_FORM,
        "title": '"><img src=x onerror=alert(1)>',
        "summary": XSS,
        "plain_summary": "<iframe src=x>",
        "contact_name": "<b>fett</b>",
        "section_1": f"{XSS}\n\n[Link](javascript:alert(1)) <svg onload=alert(1)>",
        "link_title": XSS,
        "link_url": "https://example.org/weg?a=1&b=2",
        "source_title": XSS,
        "source_url": "https://example.org/quelle?a=1&b=2",
    }
    response = _post(hostile_client, _body(fields))
    assert response.status_code == 200
    check_headers(response)
    check_no_echo(response)
    assert 'class="preview-frame"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("name", "body", "status"),
    [
        ("10000-link-rows", b"&".join([b"link_title=&link_url="] * 10_000), {400}),
        ("10000-source-rows", b"&".join([b"source_title=&source_url="] * 10_000), {400}),
        ("unknown-field", _body({**VALID_FORM, "__class__": "x"}), {400}),
        ("repeated-title", _body(VALID_FORM) + b"&title=zwei", {400}),
        ("repeated-action", _body(VALID_FORM) + b"&aktion=pruefen&aktion=zeile", {400}),
        ("1000-topics", b"&".join([b"topics=Wohnen"] * 1000), {400}),
        ("edit-unknown-card", _body({**VALID_FORM, "original": "gibt-es-nicht"}), {400}),
        ("edit-traversal", _body({**VALID_FORM, "original": "../../etc/passwd"}), {400}),
        ("nul-in-name", b"tit%00le=x", {400}),
        ("no-equals", b"title&&&=&=x", {200, 400, 422}),
    ],
)
def test_malformed_form_requests_get_a_german_400(
    hostile_client: FlaskClient, name: str, body: bytes, status: set[int]
) -> None:
    response = _post(hostile_client, body)
    assert response.status_code in status, (name, response.status_code)
    check_headers(response)
    check_no_echo(response)
    if response.status_code == 400:
        assert "Die Anfrage ist ungültig" in response.get_data(as_text=True)


def test_form_body_above_the_bound_is_413_and_a_file_upload_is_400(
    hostile_client: FlaskClient,
) -> None:
    from zwk_kb.web.security import MAX_FORM_BYTES

    response = _post(hostile_client, b"section_1=" + b"x" * MAX_FORM_BYTES)
    assert response.status_code == 413
    check_headers(response)
    assert "Anfrage zu groß" in response.get_data(as_text=True)
    upload = hostile_client.post(
        FORM_PATH,
        data={"title": "x", "datei": (io.BytesIO(b"x"), "karte.md")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 400
    check_headers(upload)


def test_carried_selection_is_bounded_and_escaped(hostile_client: FlaskClient) -> None:
    many = "&".join(f"w=x{n}" for n in range(150))  # under the request bounds (MAX_PARAMETERS)
    response = hostile_client.get(f"/?q=Dorf&w=sprachcafe&{many}&titel=" + quote(XSS))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="w" value="sprachcafe"' in html
    assert 'name="w" value="x0"' not in html  # unknown slugs are not carried along
    assert XSS not in html and 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in html
