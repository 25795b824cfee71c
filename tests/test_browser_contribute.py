"""Contributing a card in a real browser (headless Chromium), keyboard only, as a contributor.

One ``zwk-kb serve --dev`` process serves a copy of the bundled toolkit with a repository and an
editors' address configured; in dev mode a card file dropped into that copy is indexed and shown
within a second, so the downloaded card can be compared with its preview on the same site.

The walk: open the form, submit it with mistakes (Enter in the title field), read the errors,
fix them, preview, download. The downloaded file passes ``zwk-kb check``, dropped into the
toolkit it shows on its page what the preview showed, and the prefilled forge link and the
e-mail link decode to exactly that file. At 1280 and 360 px, with and without JavaScript;
axe-core on the empty form, the form with errors and the preview.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from test_browser import (
    AXE,
    AXE_TAGS,
    BUNDLED,
    CSP_LISTENER,
    ROOT,
    _free_port,
    _missing,
    chromium_browser,
    guarded_contexts,
    served,
)
from zwk_kb.authoring.contribute import check_submission, parse_form
from zwk_kb.checks import check_paths
from zwk_kb.toolkit import load_vocabulary

REPOSITORY = "https://github.com/zwk/werkzeugkoffer"
EDITORS = "redaktion@example.org"
FORM = "/mitmachen/neu"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(base URL, toolkit folder) of a dev-mode server with repository and e-mail configured."""
    work = tmp_path_factory.mktemp("contribute")
    toolkit = work / "toolkit"
    shutil.copytree(BUNDLED, toolkit)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZWK_KB_")}
    env.update(ZWK_KB_REPOSITORY_URL=REPOSITORY, ZWK_KB_CONTACT_EMAIL=EDITORS)
    command = [sys.executable, "-m", "zwk_kb", "serve", "--dev", "--port", str(port)]
    command += ["--toolkit", str(toolkit), "--index", str(work / "index")]
    with served(command, work, env, f"http://127.0.0.1:{port}", FORM) as base:
        yield base, toolkit


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium_browser() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        _missing("node_modules/axe-core fehlt (npm ci)")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def new_context(browser: Any, site: tuple[str, Path]) -> Iterator[Any]:
    with guarded_contexts(browser, site[0], 15_000, accept_downloads=True) as make:
        yield make


TAB_STOPS_AHEAD = """s => {
  const stops = [...document.querySelectorAll('a[href], button, input, select, textarea')].filter(
    e => !e.disabled && e.tabIndex >= 0 && e.type !== 'hidden' && e.getClientRects().length &&
      (e.type !== 'radio' || e.checked));
  const from = stops.indexOf(document.activeElement);
  const to = stops.findIndex(e => e.matches(s));
  return from >= 0 && to > from ? to - from : 0;
}"""


def tab_to(page: Any, selector: str, limit: int = 400) -> None:
    """Press Tab until the focused element matches ``selector`` (keyboard only). The presses
    that the page's tab stops say are needed come without a look at the focus in between."""
    for _ in range(max(0, page.evaluate(TAB_STOPS_AHEAD, selector) - 1)):
        page.keyboard.press("Tab")
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} ist mit der Tab-Taste nicht erreichbar")


def retype(page: Any, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(text)


def axe_serious(page: Any, axe_source: str) -> list[dict[str, Any]]:
    page.add_script_tag(content=axe_source)
    result = page.evaluate(
        "tags => axe.run(document, "
        "{runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return [
        {"id": v["id"], "impact": v["impact"], "example": v["nodes"][0]["target"]}
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


WALKS = [
    pytest.param(1280, True, id="1280-js"),
    pytest.param(360, True, id="360-js"),
    pytest.param(1280, False, id="1280-ohne-js"),
    pytest.param(360, False, id="360-ohne-js"),
]


@pytest.mark.parametrize(("width", "javascript"), WALKS)
def test_a_contributor_writes_checks_previews_and_downloads_a_card(
    new_context: Any,
    site: tuple[str, Path],
    axe_source: str,
    tmp_path: Path,
    width: int,
    javascript: bool,
) -> None:
    toolkit = site[1]
    context = new_context(
        viewport={"width": width, "height": 800},
        is_mobile=width < 500,
        java_script_enabled=javascript,
        bypass_csp=javascript,  # axe is injected; the CSP itself is checked in the test below
    )
    page = context.new_page()
    shots = Path(os.environ.get("ZWK_KB_SCREENSHOTS") or tmp_path)
    if not shots.is_absolute():
        shots = ROOT / shots
    shots.mkdir(parents=True, exist_ok=True)
    label = f"{width}{'' if javascript else '-ohne-js'}"
    title = f"Dorfladen gemeinsam betreiben {label}"
    page.goto(FORM)
    if javascript:
        assert axe_serious(page, axe_source) == [], "leeres Formular"

    # first try, with mistakes: no summary, no topic, a broken e-mail address
    tab_to(page, "#f-title")
    page.keyboard.type(title)
    tab_to(page, "#f-section_1")
    page.keyboard.type("Das Dorf betreibt seinen Laden **selbst**.")
    tab_to(page, "#f-section_2")
    page.keyboard.type("1. Genossenschaft gründen\n2. Laden öffnen")
    tab_to(page, "#f-challenges")
    page.keyboard.press("Space")
    tab_to(page, "#f-communes")
    page.keyboard.press("Space")
    tab_to(page, "#f-contact_email")
    page.keyboard.type("laden@")
    with page.expect_navigation():  # Enter in a text field sends the form: "Vorschau und prüfen"
        page.keyboard.press("Enter")

    expected = check_submission(
        parse_form(
            {
                "title": [title],
                "published": [time.strftime("%Y-%m-%d")],
                "license": ["CC-BY-4.0"],
                "section_1": ["Das Dorf betreibt seinen Laden **selbst**."],
                "section_2": ["1. Genossenschaft gründen\n2. Laden öffnen"],
                "challenges": [page.get_attribute("#f-challenges", "value") or ""],
                "communes": [page.get_attribute("#f-communes", "value") or ""],
                "contact_email": ["laden@"],
            }
        ),
        load_vocabulary(toolkit)[0],
        lambda slug: None,
    )
    summary = page.locator("#fehler a").all_inner_texts()
    assert summary == [f.message for f in expected.errors]
    assert len(summary) == 3
    assert page.locator("#fehler").get_attribute("role") == "alert"
    if javascript:
        assert page.evaluate("document.activeElement.id") == "fehler"
    email = page.locator("#f-contact_email")
    assert email.get_attribute("aria-invalid") == "true"
    described = (email.get_attribute("aria-describedby") or "").split()
    assert any(
        "E-Mail-Adresse „laden@“ ist ungültig" in page.locator(f"#{d}").inner_text()
        for d in described
    )
    assert email.input_value() == "laden@"  # nothing typed is lost
    assert page.locator("#f-title").input_value() == title
    assert page.title().startswith("Fehler:")
    if javascript:
        assert axe_serious(page, axe_source) == [], "Formular mit Fehlern"
    if width == 360:
        page.screenshot(path=str(shots / f"mitmachen-fehler-{label}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1

    # fix them: each error in the summary leads to its field
    tab_to(page, "#fehler a[href='#f-summary']")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "f-summary"
    page.keyboard.type("Das Dorf kauft im eigenen Laden ein.")
    tab_to(page, "#f-topics")
    page.keyboard.press("Space")
    retype(page, "#f-contact_email", "laden@dorf.example.org")
    tab_to(page, "button.kern-btn--primary[value=pruefen]")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.locator("#fehler").count() == 0
    assert page.locator("#ergebnis").is_visible()
    file_text = page.locator("#datei").input_value()
    preview_body = page.locator(".preview-frame .card-body").inner_html()
    preview_meta = page.locator(".preview-frame .card-meta dl").inner_html()
    assert page.locator(".preview-frame h1").inner_text() == title
    assert "<strong>selbst</strong>" in preview_body
    forge = urlsplit(page.locator("#forge-link").get_attribute("href") or "")
    assert f"{forge.scheme}://{forge.netloc}{forge.path}" == f"{REPOSITORY}/new/main/toolkit"
    assert parse_qs(forge.query)["value"] == [file_text]
    slug = parse_qs(forge.query)["filename"][0].removesuffix(".md")
    mail = urlsplit(page.locator("#mail-link").get_attribute("href") or "")
    assert mail.scheme == "mailto" and parse_qs(mail.query)["body"] == [file_text]
    if javascript:
        assert axe_serious(page, axe_source) == [], "Vorschau"
    if width == 360:
        page.screenshot(path=str(shots / f"mitmachen-vorschau-{label}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1

    # download: the file the check accepts, indexed it shows what the preview showed
    tab_to(page, "button[value=herunterladen]")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename == f"{slug}.md"
    data = Path(download.value.path()).read_text(encoding="utf-8")
    assert data == file_text
    card = toolkit / f"{slug}.md"
    card.write_text(data, encoding="utf-8")
    report = check_paths([card])
    assert report.errors == [] and report.files == 1
    deadline = time.monotonic() + 15
    while True:
        response = page.goto(f"/werkzeuge/{slug}")
        if response is not None and response.status == 200:
            break
        assert time.monotonic() < deadline, "die Karte wurde nicht indexiert"
        time.sleep(0.5)
    assert page.locator("article h1").inner_text() == title
    assert page.locator(".card-body").inner_html() == preview_body
    assert page.locator(".card-meta dl").inner_html() == preview_meta


def test_editing_a_card_fills_the_form_and_hands_in_the_changed_file(new_context: Any) -> None:
    page = new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.goto("/werkzeuge/buergerbus-verein")
    page.get_by_role("link", name="Diese Karte bearbeiten").click()
    page.wait_for_url("**/mitmachen/bearbeiten/buergerbus-verein")
    assert page.locator("#f-section_1").input_value().strip()
    page.locator("#f-summary").fill("Eine geänderte Kurzbeschreibung.")
    with page.expect_navigation():
        page.locator("button.kern-btn--primary[value=pruefen]").click()
    assert page.locator("#ergebnis").is_visible(), page.locator("main").inner_text()[:2000]
    text = page.locator("#datei").input_value()
    assert "summary: Eine geänderte Kurzbeschreibung.\n" in text
    forge = page.locator("#forge-link").get_attribute("href")
    assert forge == f"{REPOSITORY}/edit/main/toolkit/buergerbus-verein.md"
    assert "Bitte kopieren" in page.locator("#forge-copy-hint").inner_text()


def test_the_form_keeps_the_csp_and_fits_a_phone(new_context: Any) -> None:
    """Without CSP bypass, at 360 px: the form's script runs, nothing is blocked, no sideways
    scrolling; with JavaScript a link row is added without a round trip."""
    context = new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    for path in ("/mitmachen", FORM):
        page.goto(path)
        assert page.evaluate("window.__cspViolations") == [], path
        assert page.evaluate("document.documentElement.scrollWidth") <= 361, path
    page.locator("#f-title").fill("x" * 130)
    assert "130 von 120 Zeichen" in page.locator("#f-title-hint .counter").inner_text()
    rows = page.locator(".link-row").count()
    page.locator(".link-rows .add-row").click()
    assert page.locator(".link-row").count() == rows + 1
    assert page.url.endswith(FORM)  # no round trip
    assert page.evaluate("document.activeElement.id") == f"f-link_title-{rows + 1}"
    page.locator(f"#f-link_url-{rows + 1}").fill("ftp://x")
    page.locator(f"#f-link_title-{rows + 1}").focus()
    assert (
        "Erwartet wird eine Internetadresse"
        in page.locator(f"#f-link_url-{rows + 1}-live").inner_text()
    )
    page.get_by_role("button", name=f"Link {rows + 1} entfernen").click()
    assert page.locator(".link-row").count() == rows
    page.locator(".link-row").first.get_by_role("button", name="Link 1 entfernen").click()
    assert page.locator(".link-row label").first.inner_text().startswith("Link 1:")
    page.locator("#f-contact_email").fill("laden@")
    page.locator("#f-contact_phone").focus()  # leaving the field checks it
    live = page.locator("#f-contact_email-live")
    assert live.is_visible()
    assert "Die E-Mail-Adresse „laden@“ ist ungültig." in live.inner_text()
    assert "f-contact_email-live" in (
        page.locator("#f-contact_email").get_attribute("aria-describedby") or ""
    )
    page.locator("#f-contact_email").fill("laden@dorf.example.org")
    assert not live.is_visible()
    page.locator("#f-communes-filter").fill("Barl")
    visible = page.locator("#f-communes-list li:visible").all_inner_texts()
    assert [t.strip() for t in visible] == ["Barleben"]
    assert errors == []


def test_the_real_server_takes_a_long_card_and_answers_a_too_large_form_itself(
    site: tuple[str, Path],
) -> None:
    """waitress in front of the app: a form with a long card reaches the check (not waitress's
    bare 413), and a form above the bound gets the site's own German 413."""
    from urllib.error import HTTPError
    from urllib.parse import urlencode

    from zwk_kb.web.security import MAX_FORM_BYTES

    def post(body: bytes) -> tuple[int, str, str]:
        request = urllib.request.Request(
            site[0] + FORM,
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.headers.get("Content-Security-Policy", ""), ""
        except HTTPError as error:
            text = error.read().decode("utf-8", "replace")
            return error.code, error.headers.get("Content-Security-Policy", ""), text

    long_card = urlencode({"title": "Lange Karte", "section_1": "Ein langer Abschnitt. " * 5000})
    status, csp, _ = post(long_card.encode())
    assert status == 422 and "default-src 'self'" in csp  # checked: topics etc. are missing
    status, csp, text = post(b"section_1=" + b"x" * (MAX_FORM_BYTES + 1))
    assert status == 413 and "default-src 'self'" in csp
    assert "Eine Karte darf höchstens 256 KB Text haben" in text
