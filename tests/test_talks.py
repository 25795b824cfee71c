"""For facilitators: the selection in the address, the web slides, the PowerPoint file and the
handout PDF — read back the way a facilitator's tools read them (python-pptx, poppler's
``pdftotext``/``pdftoppm``, LibreOffice Impress) and with every QR code decoded (zxing-cpp).

Poppler and LibreOffice are Debian packages (``.ci/run`` installs them): without them these
tests are skipped locally and fail in CI.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlencode

import pytest
import zxingcpp
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from pptx import Presentation

from conftest import FIXTURE_CARDS, write_card
from zwk_kb.config import Settings
from zwk_kb.outputs.deck import one_sentence
from zwk_kb.outputs.handout_pdf import pdf_text
from zwk_kb.search.index import build
from zwk_kb.selection import (
    MAX_TOOLS,
    TITLE_MAX,
    Selection,
    TooManyTools,
    ascii_filename,
    content_disposition,
    parse_selection,
)
from zwk_kb.toolkit import load_toolkit
from zwk_kb.web import create_app

BASE = "https://werkzeuge.example.de"
PLAIN_CARD = "vortrag-leichte-sprache"
PLAIN_META = {
    "title": "Rufbus für alle Dörfer",
    "summary": "Ein Kleinbus kommt auf Anruf. Er fährt alle Dörfer der Gemeinde an.",
    "plain_summary": "Sie rufen an. Dann kommt ein Bus. Der Bus bringt Sie in die Stadt.",
    "topics": ["Mobilität"],
    "communes": ["Eckernförde"],
    "challenges": ["Anbindung"],
    "status": "erprobt",
    "effort": "mittel",
    "tool_type": "Praxisbeispiel",
    "published": "2023-01-10",
    "contact": {"name": "Mobilitätsteam", "organisation": "Stadt", "email": "bus@example.org"},
}
COLLECTION = "vortrag-im-rat"
COLLECTION_SLUGS = ["sprachcafe", "kindergarten-im-dorf", PLAIN_CARD]
FIVE = [
    "kindergarten-im-dorf",
    "wohnen-fuer-hilfe",
    "sprachcafe",
    PLAIN_CARD,
    "buergerbus-eckernfoerde",
]
TITLES = {slug: card["meta"]["title"] for slug, card in FIXTURE_CARDS.items()} | {
    PLAIN_CARD: PLAIN_META["title"]
}


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (in CI the file tests must run)")
    pytest.skip(reason)


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if not path:
        _missing(f"{name} fehlt (apt-get install {package})")
    return str(path)


# ---- the selection, pure ---------------------------------------------------------------------

KNOWN = {"a", "b", "c", "neu"}


def resolve(slug: str) -> str | None:
    return "neu" if slug == "alt" else slug if slug in KNOWN else None


def test_selection_keeps_order_drops_duplicates_and_resolves_former_names() -> None:
    parsed = parse_selection({"w": ["c", "a", "c", "alt", "neu", "b"]}, resolve)
    assert parsed.selection.slugs == ("c", "a", "neu", "b")
    assert parsed.renamed == (("alt", "neu"),)
    assert parsed.unknown == ()


def test_unknown_and_path_like_slugs_are_dropped_and_reported() -> None:
    asked = ["a", "../../etc/passwd", "gibt-es-nicht", "A", "a\x00b", "x" * 500]
    parsed = parse_selection({"w": asked}, resolve)
    assert parsed.selection.slugs == ("a",)
    assert len(parsed.unknown) == 5
    assert all(len(u) <= 60 and "\x00" not in u for u in parsed.unknown)


def test_more_than_the_stated_number_of_tools_is_refused_in_german() -> None:
    many = [f"t{n}" for n in range(MAX_TOOLS + 1)]
    with pytest.raises(TooManyTools, match=f"höchstens {MAX_TOOLS} Werkzeuge"):
        parse_selection({"w": many}, lambda s: s)
    assert len(parse_selection({"w": many[:MAX_TOOLS]}, lambda s: s).selection.slugs) == MAX_TOOLS


def test_title_loses_control_characters_and_is_cut_at_the_limit() -> None:
    parsed = parse_selection({"titel": ["Vortrag\x00 im\u202e Rat\r\n\tNord"]}, resolve)
    assert parsed.selection.title == "Vortrag im Rat Nord"
    assert not parsed.title_cut
    long = parse_selection({"titel": ["ä" * (TITLE_MAX + 30)]}, resolve)
    assert long.selection.title == "ä" * TITLE_MAX and long.title_cut
    exact = parse_selection({"titel": ["ö" * TITLE_MAX]}, resolve)
    assert exact.selection.title == "ö" * TITLE_MAX and not exact.title_cut


def test_links_are_the_next_selection() -> None:
    s = Selection(("a", "b", "c"), "Rat & Verwaltung")
    assert s.url() == "/auswahl?w=a&w=b&w=c&titel=Rat%20%26%20Verwaltung"
    assert s.moved("b", -1).slugs == ("b", "a", "c")
    assert s.moved("b", 1).slugs == ("a", "c", "b")
    assert s.moved("a", -1).slugs == s.slugs and s.moved("c", 1).slugs == s.slugs
    assert s.removed("b").slugs == ("a", "c")
    assert s.added("d").slugs == ("a", "b", "c", "d") and s.added("a") == s
    full = Selection(tuple(f"t{n}" for n in range(MAX_TOOLS)))
    assert full.full and full.added("neu") == full


def test_the_browser_keeps_at_most_as_many_tools_as_the_server_accepts() -> None:
    script = (Path(__file__).parent.parent / "src/zwk_kb/static/selection.js").read_text("utf-8")
    assert f"var MAX_TOOLS = {MAX_TOOLS};" in script


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Älter werden im Dorf: Größe zählt", "aelter-werden-im-dorf-groesse-zaehlt.pdf"),
        ("../../etc/passwd", "etc-passwd.pdf"),
        ("CON", "con-auswahl.pdf"),
        ("  ", "auswahl.pdf"),
        ("<script>alert(1)</script>", "script-alert-1-script.pdf"),
        ("Café Ørsted – São Paulo, Łódź", "cafe-orsted-sao-paulo-lodz.pdf"),
    ],
)
def test_file_names_are_safe_on_every_system(title: str, expected: str) -> None:
    assert ascii_filename(title, "pdf") == expected


def test_file_names_are_bounded_and_content_disposition_follows_rfc_6266() -> None:
    name = ascii_filename("Wort " * 100, "pptx")
    assert len(name) <= 80 and name.endswith(".pptx") and not name.startswith("-")
    header = content_disposition('Folien "Größe"/\\ NUL\x07', "pptx")
    assert header.startswith('attachment; filename="folien-groesse-nul.pptx"; ')
    star = header.split("filename*=UTF-8''", 1)[1]
    assert unquote(star) == "Folien Größe NUL.pptx"
    assert re.fullmatch(r"[A-Za-z0-9%._~-]+", star)


def test_a_slide_has_room_for_the_first_sentence() -> None:
    assert one_sentence("Erster Satz. Zweiter Satz.") == "Erster Satz."
    assert one_sentence("Ca. 3 Orte, z. B. am 3. Mai, bzw. Juni. Dann mehr.") == (
        "Ca. 3 Orte, z. B. am 3. Mai, bzw. Juni."
    )
    assert one_sentence("Wirklich? Ja.") == "Wirklich?"
    assert len(one_sentence("wort " * 200)) <= 180


def test_handout_keeps_german_and_writes_out_what_its_font_lacks() -> None:
    assert pdf_text("Größe „Café“ – 5 € …") == "Größe „Café“ – 5 € …"
    assert pdf_text("Şehir Łódź 😀") == "Sehir ?ódz ?"


# ---- the site ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def talks_app(toolkit_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """The fixture toolkit plus a card in Leichter Sprache and one collection; absolute links."""
    work = tmp_path_factory.mktemp("talks")
    toolkit = work / "toolkit"
    shutil.copytree(toolkit_dir, toolkit)
    write_card(toolkit, PLAIN_CARD, PLAIN_META, "## A\n\nText.\n\n## B\n\nText.\n")
    (toolkit / "_collections").mkdir()
    (toolkit / "_collections" / f"{COLLECTION}.yml").write_text(
        "title: Vortrag im Rat\ndate: 2024-05-02\ncards:\n"
        + "".join(f"  - {s}\n" for s in COLLECTION_SLUGS),
        encoding="utf-8",
    )
    build(load_toolkit(toolkit), work / "index")
    app = create_app(Settings(toolkit=toolkit, index=work / "index", base_url=BASE))
    app.config["TESTING"] = True
    return app


@pytest.fixture
def web(talks_app: Flask) -> FlaskClient:
    return talks_app.test_client()


def selection_path(slugs: list[str], title: str = "", path: str = "/auswahl") -> str:
    return Selection(tuple(slugs), title).url(path)


def _hrefs(html: str, pattern: str) -> list[str]:
    return [
        h.replace("&amp;", "&")
        for h in re.findall(r'href="([^"]*)"', html)
        if re.search(pattern, h)
    ]


def test_selection_page_lists_the_tools_in_order_with_working_move_and_remove_links(
    web: FlaskClient,
) -> None:
    html = web.get(selection_path(FIVE[:3], "Rat")).get_data(as_text=True)
    positions = [html.index(f'href="/werkzeuge/{slug}"') for slug in FIVE[:3]]
    assert positions == sorted(positions)
    down = [
        h
        for h in _hrefs(html, r"^/auswahl\?")
        if h == selection_path([FIVE[1], FIVE[0], FIVE[2]], "Rat")
    ]
    assert down, "'Nach unten' of the first tool swaps it with the second"
    moved = web.get(down[0]).get_data(as_text=True)
    assert moved.index(f'href="/werkzeuge/{FIVE[1]}"') < moved.index(f'href="/werkzeuge/{FIVE[0]}"')
    assert selection_path([FIVE[0], FIVE[2]], "Rat") in _hrefs(html, r"^/auswahl\?")  # remove
    # share link (absolute) and the QR code of the selection itself
    assert f"{BASE.split('://')[1]}/auswahl?w=" in html
    assert 'aria-label="QR-Code mit dem Link zu dieser Auswahl"' in html
    for suffix in ("/folien?", "/folien.pptx?", "/handzettel.pdf?"):
        assert _hrefs(html, "^/auswahl" + re.escape(suffix))
    svg = web.get(_hrefs(html, r"^/auswahl/qr\.svg\?")[0])
    assert svg.mimetype == "image/svg+xml" and svg.headers["Content-Disposition"].startswith(
        'attachment; filename="qr-code-rat.svg"'
    )
    encoded = (BASE + selection_path(FIVE[:3], "Rat")).replace("&", "&amp;")
    assert f"<title>{encoded}</title>" in svg.get_data(as_text=True)
    assert web.get("/auswahl/qr.svg").status_code == 404


def test_unknown_tools_are_dropped_with_a_note_and_former_names_resolve(web: FlaskClient) -> None:
    html = web.get("/auswahl?w=leerstand-rosslau&w=gibt-es-nicht&w=..%2F..%2Fetc").get_data(
        as_text=True
    )
    assert "gibt es nicht (mehr)" in html and "„gibt-es-nicht“" in html
    assert 'href="/werkzeuge/leerstandsboerse-rosslau"' in html
    assert "Ausgewählte Werkzeuge (1)" in html


def test_too_many_tools_answer_400_in_german(web: FlaskClient) -> None:
    slugs = list(FIXTURE_CARDS)[:6] * 4
    response = web.get("/auswahl?" + "&".join(f"w={s}{n}" for n, s in enumerate(slugs)))
    assert response.status_code == 400
    assert f"höchstens {MAX_TOOLS} Werkzeuge" in response.get_data(as_text=True)


def test_add_links_on_results_cards_and_collections(web: FlaskClient) -> None:
    search = web.get("/?q=Kindergarten").get_data(as_text=True)
    assert "/?q=Kindergarten&w=kindergarten-im-dorf" in _hrefs(search, r"w=")
    assert "Zur Auswahl hinzufügen" in search
    card = web.get("/werkzeuge/sprachcafe").get_data(as_text=True)
    assert "/werkzeuge/sprachcafe?w=sprachcafe" in _hrefs(card, r"w=")
    page = web.get(f"/sammlungen/{COLLECTION}").get_data(as_text=True)
    whole = selection_path(COLLECTION_SLUGS, "Vortrag im Rat")
    assert whole in _hrefs(page, r"^/auswahl")
    for suffix in ("/folien", "/folien.pptx", "/handzettel.pdf"):
        assert f"/sammlungen/{COLLECTION}{suffix}" in _hrefs(page, "^/sammlungen/")


# ---- the selection travels in the address while browsing without JavaScript ---------------


def _select_href(html: str, slug: str) -> tuple[str, str]:
    """(href, label) of the add/remove link of ``slug``."""
    match = re.search(
        rf'<a href="([^"]*)" data-select="{re.escape(slug)}"[^>]*><span data-select-label>([^<]*)<',
        html,
    )
    assert match, f"no add/remove link for {slug}"
    return match.group(1).replace("&amp;", "&"), match.group(2)


def _bar(html: str) -> tuple[str, str]:
    match = re.search(r'<a href="([^"]*)" data-selection-link[^>]*>([^<]*)</a>', html)
    assert match, "no link to the selection"
    return match.group(1).replace("&amp;", "&"), match.group(2)


def _form_url(html: str, form_class: str, **fields: str) -> str:
    """The address a GET form of the page submits to (hidden inputs plus ``fields``)."""
    form = re.search(rf'<form class="{form_class}"[^>]*action="([^"]*)".*?</form>', html, re.S)
    assert form
    pairs = [
        (k, v.replace("&amp;", "&"))
        for k, v in re.findall(r'type="hidden" name="([^"]*)" value="([^"]*)"', form.group(0))
    ]
    pairs += list(fields.items())
    return form.group(1) + "?" + urlencode(pairs)


def test_a_selection_is_built_by_following_links_only(web: FlaskClient) -> None:
    html = web.get("/?q=Kindergarten").get_data(as_text=True)
    href, label = _select_href(html, "kindergarten-im-dorf")
    assert label == "Zur Auswahl hinzufügen"
    html = web.get(href).get_data(as_text=True)
    assert _select_href(html, "kindergarten-im-dorf")[1] == "Aus der Auswahl entfernen"
    assert _bar(html) == ("/auswahl?w=kindergarten-im-dorf", "Auswahl ansehen (1)")

    # the search form keeps the selection; a result leads to its card with it
    html = web.get(_form_url(html, "search-form", q="Sprachcafé")).get_data(as_text=True)
    card_link = next(h for h in _hrefs(html, r"^/werkzeuge/sprachcafe\?"))
    assert card_link == "/werkzeuge/sprachcafe?w=kindergarten-im-dorf"
    html = web.get(card_link).get_data(as_text=True)
    href, label = _select_href(html, "sprachcafe")
    assert label == "Zur Auswahl hinzufügen"
    html = web.get(href).get_data(as_text=True)
    assert _bar(html) == ("/auswahl?w=kindergarten-im-dorf&w=sprachcafe", "Auswahl ansehen (2)")

    # "Vorgestellt in" leads to the collection, still carrying both
    collection = next(h for h in _hrefs(html, rf"^/sammlungen/{COLLECTION}\?"))
    html = web.get(collection).get_data(as_text=True)
    assert _select_href(html, "sprachcafe")[1] == "Aus der Auswahl entfernen"
    href, label = _select_href(html, PLAIN_CARD)
    assert label == "Zur Auswahl hinzufügen"
    html = web.get(href).get_data(as_text=True)
    selection, label = _bar(html)
    assert label == "Auswahl ansehen (3)"

    page = web.get(selection).get_data(as_text=True)
    titles = re.findall(r'<p class="selection-title"><a href="[^"]*">([^<]*)</a>', page)
    assert titles == [TITLES["kindergarten-im-dorf"], TITLES["sprachcafe"], TITLES[PLAIN_CARD]]


def test_remove_link_takes_the_tool_out_and_keeps_the_order(web: FlaskClient) -> None:
    html = web.get("/werkzeuge/sprachcafe?w=wohnen-fuer-hilfe&w=sprachcafe&w=kindergarten-im-dorf")
    href, label = _select_href(html.get_data(as_text=True), "sprachcafe")
    assert label == "Aus der Auswahl entfernen"
    assert href == "/werkzeuge/sprachcafe?w=wohnen-fuer-hilfe&w=kindergarten-im-dorf"


def test_facets_pages_and_sort_keep_the_selection(web: FlaskClient) -> None:
    carried = "w=sprachcafe&w=kindergarten-im-dorf&titel=Rat"
    html = web.get(f"/?per_page=1&{carried}").get_data(as_text=True)
    next_page = re.search(r'<a href="([^"]*)" rel="next">', html)
    assert next_page
    assert next_page.group(1).replace("&amp;", "&") == f"/?page=2&per_page=1&{carried}"
    facet = _form_url(html, "facet-form", topic="Bildung")
    assert carried in facet
    html = web.get(facet).get_data(as_text=True)
    removes = [h for h in _hrefs(html, r"^/\?") if "topic=Bildung" not in h and "q=" not in h]
    assert f"/?per_page=1&{carried}" in removes
    sort = _form_url(html, "search-form", q="Dorf", sort="title")
    assert "w=sprachcafe&w=kindergarten-im-dorf&titel=Rat" in sort
    html = web.get(sort).get_data(as_text=True)
    assert _bar(html) == ("/auswahl?" + carried, "Auswahl ansehen (2)")


def test_canonical_addresses_leave_the_selection_out(web: FlaskClient) -> None:
    carried = "w=sprachcafe&titel=Rat"
    for path, canonical in (
        (f"/?q=Dorf&{carried}", "/?q=Dorf"),
        (f"/werkzeuge/sprachcafe?{carried}", "/werkzeuge/sprachcafe"),
        (f"/sammlungen/{COLLECTION}?{carried}", f"/sammlungen/{COLLECTION}"),
    ):
        html = web.get(path).get_data(as_text=True)
        found = re.findall(r'<link rel="canonical" href="([^"]*)"', html)
        assert found and found[0].endswith(canonical) and "w=" not in found[0], path


def test_carried_selection_drops_unknown_slugs_and_stops_at_the_limit(web: FlaskClient) -> None:
    many = "&".join(f"w=x{n}" for n in range(MAX_TOOLS * 3))
    response = web.get(f"/?q=Dorf&w=sprachcafe&w=..%2Fetc&w=%3Cb%3E&{many}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _bar(html) == ("/auswahl?w=sprachcafe", "Auswahl ansehen (1)")
    assert "<b>" not in html and "x1" not in html.split("<main", 1)[1]


def test_card_page_names_the_collections_it_was_presented_in(web: FlaskClient) -> None:
    html = web.get("/werkzeuge/sprachcafe").get_data(as_text=True)
    assert "Vorgestellt in" in html
    assert f'<a href="/sammlungen/{COLLECTION}">Vortrag im Rat</a> (2. Mai 2024)' in html
    other = web.get("/werkzeuge/wohnen-fuer-hilfe").get_data(as_text=True)
    assert "Vorgestellt in" not in other


def test_search_on_the_selection_page_builds_the_next_address(web: FlaskClient) -> None:
    html = web.get(selection_path(["sprachcafe"], "Rat") + "&q=Kindergarten").get_data(as_text=True)
    assert selection_path(["sprachcafe", "kindergarten-im-dorf"], "Rat") in _hrefs(
        html, "^/auswahl"
    )
    chosen = web.get(selection_path(["sprachcafe"]) + "&q=Sprachcaf%C3%A9").get_data(as_text=True)
    assert "Aus der Auswahl entfernen" in chosen and "/auswahl" in _hrefs(chosen, "^/auswahl$")


def test_web_slides_have_a_title_slide_one_per_tool_and_a_closing_slide(web: FlaskClient) -> None:
    response = web.get(selection_path(FIVE[:3], "Werkstatt Nord", "/auswahl/folien"))
    html = response.get_data(as_text=True)
    ids = re.findall(r'<section class="slide[^"]*" id="(folie-\d+)"', html)
    assert ids == [f"folie-{n}" for n in range(1, 6)]
    assert "Werkstatt Nord" in html.split('id="folie-2"')[0]
    for n, slug in enumerate(FIVE[:3], 2):
        slide = html.split(f'id="folie-{n}"')[1].split("</section>")[0]
        assert TITLES[slug] in slide
        assert f"werkzeuge.example.de/w/{slug}" in slide  # the short link, printed
        for label in ("Kommune", "Herausforderung", "Stand und Aufwand"):
            assert f"<dt>{label}</dt>" in slide
        assert "<svg" in slide
    # without JavaScript: every slide by anchor; with it: one static file, no inline script
    for n in range(1, 6):
        assert f'href="#folie-{n}"' in html
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/slides.js" defer>']
    assert web.get("/static/slides.js").status_code == 200
    assert web.get(f"/sammlungen/{COLLECTION}/folien").status_code == 200
    assert web.get("/auswahl/folien").status_code == 400  # empty selection: a German hint


def _decode(image: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image.convert("L"))]


def _pptx(web: FlaskClient, path: str) -> tuple[Presentation, str]:
    response = web.get(path)
    assert response.status_code == 200, path
    assert response.mimetype.endswith("presentationml.presentation")
    return Presentation(io.BytesIO(response.data)), response.headers["Content-Disposition"]


def _slide_texts(slide: object) -> list[str]:
    return [s.text_frame.text for s in slide.shapes if s.has_text_frame]  # type: ignore[attr-defined]


def _slide_codes(slide: object) -> list[str]:
    codes = []
    for shape in slide.shapes:  # type: ignore[attr-defined]
        if shape.shape_type == 13:  # picture
            codes += _decode(Image.open(io.BytesIO(shape.image.blob)))
    return codes


def test_pptx_has_editable_titles_and_qr_codes_that_decode_to_the_short_links(
    web: FlaskClient,
) -> None:
    path = selection_path(FIVE, "Werkstatt Nord", "/auswahl/folien.pptx")
    prs, disposition = _pptx(web, path)
    assert 'filename="folien-werkstatt-nord.pptx"' in disposition
    slides = list(prs.slides)
    assert len(slides) == len(FIVE) + 2
    assert prs.slide_width * 9 == prs.slide_height * 16  # 16:9
    assert "Werkstatt Nord" in _slide_texts(slides[0])
    for slide, slug in zip(slides[1:-1], FIVE, strict=True):
        texts = _slide_texts(slide)
        assert TITLES[slug] in texts  # the title as its own text box, not a picture
        assert f"werkzeuge.example.de/w/{slug}" in texts
        assert _slide_codes(slide) == [f"{BASE}/w/{slug}"]
    assert _slide_codes(slides[-1]) == [BASE + selection_path(FIVE, "Werkstatt Nord")]
    assert all(TITLES[s] in "\n".join(_slide_texts(slides[-1])) for s in FIVE)


def test_pptx_of_a_collection_and_of_a_single_card(web: FlaskClient) -> None:
    prs, _ = _pptx(web, f"/sammlungen/{COLLECTION}/folien.pptx")
    assert len(prs.slides) == len(COLLECTION_SLUGS) + 2
    assert _slide_codes(list(prs.slides)[-1]) == [f"{BASE}/sammlungen/{COLLECTION}"]
    card, disposition = _pptx(web, "/werkzeuge/sprachcafe/folien.pptx")
    assert len(card.slides) == 1
    assert _slide_codes(card.slides[0]) == [f"{BASE}/w/sprachcafe"]
    assert "filename*=UTF-8''Folien%20Sprachcaf%C3%A9" in disposition
    assert web.get("/werkzeuge/leerstand-rosslau/folien.pptx").status_code == 301
    assert web.get("/werkzeuge/gibt-es-nicht/folien.pptx").status_code == 404


@pytest.fixture(scope="module")
def handout(talks_app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Path:
    response = talks_app.test_client().get(
        selection_path(FIVE, "Werkstatt Nord", "/auswahl/handzettel.pdf")
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert 'filename="handzettel-werkstatt-nord.pdf"' in response.headers["Content-Disposition"]
    path = tmp_path_factory.mktemp("handout") / "handzettel.pdf"
    path.write_bytes(response.data)
    return path


def test_handout_text_has_every_title_the_plain_summary_and_the_contact(handout: Path) -> None:
    text = subprocess.run(
        [_tool("pdftotext", "poppler-utils"), "-layout", str(handout), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    flat = " ".join(text.split())
    for slug in FIVE:
        assert TITLES[slug] in flat, slug
    assert PLAIN_META["plain_summary"] in flat and "In Leichter Sprache" in flat
    assert "bus@example.org" in flat and "Werkstatt Nord" in flat


def test_handout_qr_codes_decode_to_the_short_links(handout: Path, tmp_path: Path) -> None:
    subprocess.run(
        [
            _tool("pdftoppm", "poppler-utils"),
            "-r",
            "110",
            "-gray",
            "-png",
            str(handout),
            str(tmp_path / "seite"),
        ],
        check=True,
        timeout=60,
    )
    pages = sorted(tmp_path.glob("seite*.png"))
    assert pages
    codes = [code for page in pages for code in _decode(Image.open(page))]
    assert sorted(codes) == sorted(f"{BASE}/w/{slug}" for slug in FIVE)


def test_collection_handout_is_served(web: FlaskClient) -> None:
    response = web.get(f"/sammlungen/{COLLECTION}/handzettel.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert 'filename="handzettel-vortrag-im-rat.pdf"' in response.headers["Content-Disposition"]


def test_libreoffice_impress_converts_the_pptx(web: FlaskClient, tmp_path: Path) -> None:
    soffice = _tool("soffice", "libreoffice-impress")
    source = tmp_path / "folien.pptx"
    source.write_bytes(web.get(selection_path(FIVE[:2], "Impress", "/auswahl/folien.pptx")).data)
    home = tmp_path / "home"
    home.mkdir()
    result = subprocess.run(
        [soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HOME": str(home)},
    )
    converted = tmp_path / "folien.pdf"
    assert result.returncode == 0 and converted.is_file(), result.stderr
    text = subprocess.run(
        [_tool("pdftotext", "poppler-utils"), str(converted), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    assert text.count("\f") >= 4  # title, two tools, closing slide
    flat = " ".join(text.split())
    assert all(TITLES[s] in flat for s in FIVE[:2]) and "Impress" in flat


# ---- hostile selections --------------------------------------------------------------------

HOSTILE_TITLE = '<script>alert(1)</script>\x00\x07\x1b[31m"\u202e' + "x" * 30


@pytest.mark.parametrize("where", ["/auswahl", "/auswahl/folien"])
def test_hostile_title_is_escaped_in_html(web: FlaskClient, where: str) -> None:
    response = web.get(selection_path(FIVE[:2], HOSTILE_TITLE, where))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\u202e]", html)


def test_hostile_title_is_plain_text_in_pptx_and_pdf(web: FlaskClient) -> None:
    pptx = web.get(selection_path(FIVE[:2], HOSTILE_TITLE, "/auswahl/folien.pptx"))
    assert pptx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(pptx.data)) as archive:
        xml = archive.read("ppt/slides/slide1.xml").decode("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in xml and "<script" not in xml
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", xml)
    disposition = pptx.headers["Content-Disposition"]
    assert disposition.isascii() and "\n" not in disposition
    assert re.fullmatch(
        r'attachment; filename="[a-z0-9-]+\.pptx"; filename\*=UTF-8\'\'[A-Za-z0-9%._~-]+',
        disposition,
    )
    pdf = web.get(selection_path(FIVE[:2], HOSTILE_TITLE, "/auswahl/handzettel.pdf"))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")


def test_title_at_the_limit_fits_every_file(web: FlaskClient) -> None:
    title = "Überlänge " * (TITLE_MAX // 10)
    for where in ("/auswahl", "/auswahl/folien", "/auswahl/folien.pptx", "/auswahl/handzettel.pdf"):
        response = web.get(selection_path(FIVE, title, where))
        assert response.status_code == 200, where
        if where.endswith("pptx"):
            prs = Presentation(io.BytesIO(response.data))
            assert title.strip() in _slide_texts(prs.slides[0])
            assert len(response.headers["Content-Disposition"]) < 400


def test_a_full_selection_of_long_slugs_stays_bounded(web: FlaskClient) -> None:
    slugs = [f"{'lang-' * 18}{n}" for n in range(MAX_TOOLS)]
    response = web.get("/auswahl?" + "&".join(f"w={s}" for s in slugs) + "&w=sprachcafe")
    assert response.status_code == 400  # 21 different values
    response = web.get("/auswahl?" + "&".join(f"w={s}" for s in slugs[:-1]) + "&w=sprachcafe")
    assert response.status_code == 200
    assert "Ausgewählte Werkzeuge (1)" in response.get_data(as_text=True)
