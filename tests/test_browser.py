"""The real site in a real browser: headless Chromium (Debian's ``chromium``) driven by Playwright.

One ``zwk-kb serve`` process serves a copy of the bundled toolkit on a free local port. Every
browser context blocks and counts requests to any other host (there must be none). The
accessibility scan injects axe-core (npm, pinned in package-lock.json) in a context that bypasses
the Content-Security-Policy; a second context without bypass checks that the CSP blocks nothing.

``make screenshots`` runs only ``test_screenshots`` (with ``ZWK_KB_SCREENSHOTS=<folder>``).
Without Chromium or node_modules the tests are skipped locally and fail in CI (``CI=true``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from zwk_kb.analysis.folding import fold

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("ZWK_KB_CHROMIUM", "/usr/bin/chromium"))
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BUNDLED = ROOT / "toolkit"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
]
CARD = "/werkzeuge/mobile-zukunftswerkstatt-lastenrad"
CARD_ALIAS = "/werkzeuge/lastenrad-werkstatt"
COLLECTION = "werkstatttreffen-barleben-2023"
LONG_CARDS = ("/werkzeuge/kita-personal-gewinnen", "/werkzeuge/regionales-werkstatttreffen")
LONG_WORD = "Grundstücksverkehrsgenehmigungszuständigkeitsübertragungsverordnung"
LONG_URL = (
    "https://www.example.org/foerderung/richtlinien/2024/anlage-3/"
    "antragsformular-fuer-kommunale-zukunftswerkstaetten-mit-erlaeuterungen.pdf?version=final"
)
LONG_CHALLENGE = f"{LONG_WORD} in kleinen Gemeinden mit wenig Personal umsetzen"
"""A challenge added to the test's vocabulary: a facet value, checkbox and chart label that is
longer than a phone is wide, with a word longer than a chart line."""
WIDE_CARD = "/werkzeuge/breite-inhalte"
LONG_PATH = "/srv/zukunftswerkstatt/werkzeugkoffer"
POPULATION = "Einwohnerinnen und Einwohner"
WIDE_CARD_TEXT = f"""---
title: "{LONG_WORD}: Beispiel mit breiten Inhalten"
summary: "Eine Karte mit sehr langer Adresse, langem Wort, Tabelle und Programmcode: {LONG_WORD}."
topics:
  - Bürgerbeteiligung
communes:
  - Barleben
challenges:
  - "{LONG_CHALLENGE}"
  - Sinkende Beteiligung
status: erprobt
effort: gering
published: 2024-05-02
tool_type: Beteiligungsformat
license: CC-BY-4.0
contact:
  name: "Projektteam"
  organisation: "Gemeinde Barleben"
  email: "team@barleben.example.org"
links:
  - title: "{LONG_URL}"
    url: "{LONG_URL}"
---

## Worum geht es?

Ein langes Wort: {LONG_WORD}sänderungsentwurfsbegründungsanlage.

Eine lange Adresse als Text: {LONG_URL}&sprache=de

Ein Link mit langer Adresse: [{LONG_URL}]({LONG_URL}) und <{LONG_URL}>

Code im Text: `zwk-kb index --toolkit {LONG_PATH}/karten --index /var/lib/zwk-kb/suchindex`

## Zahlen

| Gemeinde | {POPULATION} 2011 | {POPULATION} 2022 | Veränderung in Prozent | Bemerkung |
|---|---|---|---|---|
| Barleben | 9000 | 9800 | +8,9 | Zuzug junger Familien in die Neubaugebiete |
| Musterhausen | 12000 | 10500 | -12,5 | Abwanderung nach der Schließung des Werks |

## Programmcode

```
zwk-kb serve --toolkit {LONG_PATH}/karten --index /var/lib/zwk-kb/suchindex --port 8080
```
"""
"""A card with what makes pages wide: a long title word, long addresses, a table and code."""

# every page type, with a name for reports and screenshots
PAGES: dict[str, str] = {
    "suche": "/",
    "suche-gefiltert": "/?q=Lastenrad&topic=B%C3%BCrgerbeteiligung",
    "suche-leer": "/?q=xylophonorchester",
    "karte": CARD,
    "sammlungen": "/sammlungen",
    "sammlung": f"/sammlungen/{COLLECTION}",
    "herausforderungen": "/herausforderungen",
    "herausforderungen-ergebnis": "/herausforderungen?challenge=Fachkr%C3%A4ftemangel"
    "&challenge=Vereinsamung+im+Alter&kind=Stadt",
    "ueberblick": "/ueberblick",
    "barrierefreiheit": "/barrierefreiheit",
    "impressum": "/impressum",
    "datenschutz": "/datenschutz",
    "nicht-gefunden": "/werkzeuge/gibt-es-nicht",
    "karte-breit": WIDE_CARD,
    "suche-breit": "/?q=Grundst%C3%BCcksverkehrsgenehmigung&sort=title",
    "auswahl": "/auswahl?w=generationencafe&w=seniorenbeirat&titel=Vortrag+im+Rat&q=Dorf",
    "folien": "/auswahl/folien?w=generationencafe&w=seniorenbeirat&titel=Vortrag+im+Rat",
    "mitmachen": "/mitmachen",
    "mitmachen-formular": "/mitmachen/neu",
}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(
    e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sourceFile || ''));
});
"""


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (in CI the browser tests must run)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def served(
    command: list[str], work: Path, env: dict[str, str], base: str, probe: str
) -> Iterator[str]:
    """Run ``command`` (a ``zwk-kb serve``) until ``base + probe`` answers 200; stop it after."""
    log = (work / "server.log").open("w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=work)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + probe, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise RuntimeError("Server did not start:\n" + (work / "server.log").read_text())
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        log.close()


@contextlib.contextmanager
def chromium_browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (a failure in CI, a skip elsewhere if missing)."""
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} fehlt (apt-get install chromium)")
    import playwright.sync_api as sync_api

    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``zwk-kb serve`` on a free port, serving a copy of the bundled toolkit."""
    work = tmp_path_factory.mktemp("browser")
    toolkit = work / "toolkit"
    shutil.copytree(BUNDLED, toolkit)
    vocabulary = toolkit / "_vocabulary.yml"
    text = vocabulary.read_text(encoding="utf-8")
    assert "\nchallenges:\n" in text
    vocabulary.write_text(
        text.replace("\nchallenges:\n", f'\nchallenges:\n  - "{LONG_CHALLENGE}"\n', 1),
        encoding="utf-8",
    )
    (toolkit / "breite-inhalte.md").write_text(WIDE_CARD_TEXT, encoding="utf-8")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZWK_KB_")}
    command = [sys.executable, "-m", "zwk_kb", "serve", "--toolkit", str(toolkit)]
    command += ["--index", str(work / "index"), "--port", str(port)]
    with served(command, work, env, f"http://127.0.0.1:{port}", "/") as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium_browser() as chromium:
        yield chromium


class Guard:
    """Blocks and records every request that leaves the local server."""

    def __init__(self, base: str) -> None:
        self.host = urlsplit(base).netloc
        self.external: list[str] = []

    def __call__(self, route: Any) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in {"data", "blob"} or parts.netloc == self.host:
            route.continue_()
        else:
            self.external.append(url)
            route.abort()


@contextlib.contextmanager
def guarded_contexts(browser: Any, base: str, timeout_ms: int, **defaults: Any) -> Iterator[Any]:
    """Factory for browser contexts on ``base``; each one is guarded, and when the factory is
    closed none may have reached another host."""
    contexts: list[tuple[Any, Guard]] = []

    def make(**options: Any) -> Any:
        for key, value in {"locale": "de-DE", **defaults}.items():
            options.setdefault(key, value)
        context = browser.new_context(base_url=base, **options)
        guard = Guard(base)
        context.route("**/*", guard)
        context.set_default_timeout(timeout_ms)
        contexts.append((context, guard))
        return context

    yield make
    external = [url for _, guard in contexts for url in guard.external]
    for context, _ in contexts:
        context.close()
    assert external == [], f"Anfragen an andere Server: {external}"


@pytest.fixture
def new_context(browser: Any, server: str) -> Iterator[Any]:
    """Factory for browser contexts; each one is guarded, and none may reach another host."""
    with guarded_contexts(browser, server, 10_000, viewport={"width": 1280, "height": 900}) as make:
        yield make


def _page(new_context: Any, **options: Any) -> Any:
    return new_context(**options).new_page()


# ---- using the site --------------------------------------------------------------------------


def test_search_finds_the_barleben_card_first_and_opens_it(new_context: Any) -> None:
    page = _page(new_context)
    page.goto("/")
    page.get_by_label("Wonach suchen Sie?").fill("Lastenrad")
    with page.expect_navigation():
        page.get_by_role("button", name="Suchen", exact=True).click()
    assert "q=Lastenrad" in page.url
    first = page.locator("ol.hits > li h3 a").first
    assert first.get_attribute("href") == CARD
    first.click()
    page.wait_for_url("**" + CARD)
    assert page.locator("h1").inner_text() == "Mobile Zukunftswerkstatt mit dem Lastenrad"
    assert page.title().startswith("Mobile Zukunftswerkstatt mit dem Lastenrad")
    # QR code, permalink, short link and downloads are on the page
    assert page.locator(".share-box svg[role=img]").count() == 1
    assert CARD in page.locator(".share-box .permalink").inner_text()
    assert page.locator(f'a[href="{CARD}/qr.svg"]').count() == 1
    assert page.locator(f'a[href="{CARD}/qr.png"]').count() == 1
    # the table of contents jumps to the section
    page.locator(".toc a").first.click()
    assert page.evaluate("location.hash") == "#worum-geht-es"


def test_facet_applies_on_change_with_javascript_and_keeps_focus(new_context: Any) -> None:
    page = _page(new_context)
    page.goto("/")
    total_before = page.locator("#result-heading").inner_text()
    assert page.locator(".autosubmit-hint").is_visible()
    box = page.locator('.facets input[name="topic"]').first
    value = box.get_attribute("value")
    with page.expect_navigation():
        box.check()
    assert "topic=" in page.url
    checked = page.locator(f'.facets input[name="topic"][value="{value}"]')
    assert checked.is_checked()
    assert page.locator("#result-heading").inner_text() != total_before
    focused = page.evaluate("document.activeElement.name + '=' + document.activeElement.value")
    assert focused == f"topic={value}"


def test_facets_work_without_javascript(new_context: Any) -> None:
    page = _page(new_context, java_script_enabled=False)
    page.goto("/?q=Dorf")
    assert not page.locator(".autosubmit-hint").is_visible()
    box = page.locator('.facets input[name="state"]').first
    value = box.get_attribute("value")
    box.check()
    assert "state=" not in page.url  # nothing happens until the button is pressed
    with page.expect_navigation():
        page.get_by_role("button", name="Filter anwenden").click()
    assert "state=" in page.url and "q=Dorf" in page.url
    assert page.locator(f'.facets input[name="state"][value="{value}"]').is_checked()
    assert page.locator(".active-filters").is_visible()


def test_sort_control_works_without_javascript_and_by_keyboard(new_context: Any) -> None:
    page = _page(new_context, java_script_enabled=False)
    page.goto("/?q=Werkstatt&topic=B%C3%BCrgerbeteiligung")
    by_relevance = page.locator("ol.hits > li h3 a").all_inner_texts()
    control = page.get_by_label("Reihenfolge der Ergebnisse")
    assert control.evaluate("s => s.value") == "relevance"
    control.select_option(label="Nach Titel (A bis Z)")
    control.focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Sortieren"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "sort=title" in page.url and "q=Werkstatt" in page.url and "topic=" in page.url
    titles = page.locator("ol.hits > li h3 a").all_inner_texts()
    assert sorted(titles, key=fold) == titles != by_relevance
    assert sorted(titles) == sorted(by_relevance)  # the same cards, only in another order
    assert page.get_by_label("Reihenfolge der Ergebnisse").evaluate("s => s.value") == "title"
    assert page.locator('.facets input[name="topic"]:checked').count() == 1


def test_alias_and_short_link_lead_to_the_card(new_context: Any) -> None:
    page = _page(new_context)
    page.goto(CARD_ALIAS)
    assert page.url.endswith(CARD)
    page.goto("/w/mobile-zukunftswerkstatt-lastenrad")
    assert page.url.endswith(CARD)


def test_collection_shows_its_cards_in_the_curated_order(new_context: Any) -> None:
    page = _page(new_context)
    page.goto("/sammlungen")
    page.get_by_role("link", name="Werkstatttreffen Barleben 2023").click()
    page.wait_for_url(f"**/sammlungen/{COLLECTION}")
    wanted = yaml.safe_load((BUNDLED / "_collections" / f"{COLLECTION}.yml").read_text("utf-8"))[
        "cards"
    ]
    shown = page.locator("ol.collection-cards h2 a").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    assert shown == [f"/werkzeuge/{slug}" for slug in wanted]
    assert page.locator(".collection-head svg[role=img]").count() == 1


def test_challenges_rank_tools_by_chosen_challenges(new_context: Any) -> None:
    page = _page(new_context)
    page.goto("/herausforderungen")
    page.get_by_label(re.compile(r"^Fachkräftemangel")).check()
    page.get_by_label(re.compile(r"^Abwanderung junger Menschen")).check()
    page.get_by_label("Art der Kommune").select_option("Landkreis")
    with page.expect_navigation():
        page.get_by_role("button", name="Passende Werkzeuge zeigen").click()
    badges = page.locator(".hit .match .kern-badge").all_inner_texts()
    counts = [int(text.split()[0]) for text in badges]
    assert counts and counts == sorted(counts, reverse=True)
    assert counts[0] == 2


def test_keyboard_skip_link_goes_to_the_content(new_context: Any) -> None:
    page = _page(new_context)
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Zum Inhalt springen"
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhalt"


def test_print_turns_a_card_into_a_short_handout(new_context: Any) -> None:
    page = _page(new_context)
    page.goto(CARD)
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".site-nav").is_visible()
    assert page.locator(".print-share svg").is_visible()
    assert CARD in page.locator(".print-share").inner_text()
    pages = {}
    for path in (CARD, *LONG_CARDS):
        page.goto(path)
        pdf = page.pdf(format="A4", print_background=False)
        pages[path] = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert all(1 <= n <= 2 for n in pages.values()), pages


def test_print_of_a_search_hides_the_filters(new_context: Any) -> None:
    page = _page(new_context)
    page.goto("/?q=Bus")
    page.emulate_media(media="print")
    assert not page.locator(".facets").is_visible()
    assert page.locator("ol.hits").is_visible()


# ---- accessibility, CSP, small screens -------------------------------------------------------

AXE_REPORT: dict[str, Any] = {}
_PAGES_BY_WIDTH: dict[int, Any] = {}


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        _missing("node_modules/axe-core fehlt (npm ci)")
    return AXE.read_text(encoding="utf-8")


def test_axe_finds_no_serious_or_critical_violations(new_context: Any, axe_source: str) -> None:
    """At desktop and at phone width (where wide tables scroll inside their own box)."""
    failures = []
    for width, name, path in [
        (width, name, path) for width in (1280, 320) for name, path in PAGES.items()
    ]:
        page = _PAGES_BY_WIDTH.get(width) or _PAGES_BY_WIDTH.setdefault(
            width,
            _page(new_context, bypass_csp=True, viewport={"width": width, "height": 900}),
        )
        if width != 1280:
            name = f"{name}-{width}"
        page.goto(path)
        page.add_script_tag(content=axe_source)
        result = page.evaluate(
            "tags => axe.run(document, "
            "{runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            AXE_TAGS,
        )
        violations = [
            {
                "id": v["id"],
                "impact": v["impact"],
                "nodes": len(v["nodes"]),
                "example": v["nodes"][0]["target"] if v["nodes"] else None,
            }
            for v in result["violations"]
        ]
        AXE_REPORT[name] = violations
        bad = [v for v in violations if v["impact"] in {"serious", "critical"}]
        if bad:
            failures.append(f"{name} ({path}): {bad}")
    report = os.environ.get("ZWK_KB_AXE_REPORT")
    if report:
        Path(report).write_text(
            json.dumps(AXE_REPORT, indent=1, ensure_ascii=False), encoding="utf-8"
        )
    assert not failures, "\n".join(failures)


def test_csp_blocks_nothing_on_a_phone(new_context: Any) -> None:
    """Without CSP bypass, at 360 px: no CSP violation, no console error."""
    context = new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    problems = []
    for name, path in PAGES.items():
        errors.clear()
        response = page.goto(path)
        assert response is not None
        page.wait_for_load_state("load")
        violations = page.evaluate("window.__cspViolations")
        console = [e for e in errors if "404" not in e or name != "nicht-gefunden"]
        if violations or console:
            problems.append(f"{name}: csp={violations} console={console}")
    assert not problems, "\n".join(problems)


SIDEWAYS = """() => {
  const width = document.documentElement.clientWidth;
  const boxed = (node) => {  // inside a box that scrolls on its own, or hidden for the eye
    for (let el = node.parentElement; el && el !== document.body; el = el.parentElement) {
      const style = getComputedStyle(el);
      if (style.overflowX === 'auto' || style.overflowX === 'scroll') return true;
      if (style.clip !== 'auto') return true;  // .visually-hidden: for screen readers only
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '');
  const sticking = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    const seen = getComputedStyle(el).clip === 'auto';
    if (box.width > 0 && box.right > width + 1 && seen && !boxed(el)) {
      sticking.push(name(el) + ' ends at ' + Math.round(box.right));
    }
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const box = range.getBoundingClientRect();
    if (box.width > 0 && box.right > width + 1 && !boxed(node)) {
      sticking.push('text "' + node.textContent.trim().slice(0, 30) + '" in '
        + name(node.parentElement) + ' ends at ' + Math.round(box.right));
    }
  }
  const clipped = [];
  for (const svg of document.querySelectorAll('svg.chart')) {
    const view = svg.viewBox.baseVal;
    for (const text of svg.querySelectorAll('text')) {
      const b = text.getBBox();
      if (b.x < view.x - 1 || b.x + b.width > view.x + view.width + 1) {
        clipped.push(svg.id + ': "' + text.textContent.slice(0, 30) + '"');
      }
    }
  }
  return {scroll: document.documentElement.scrollWidth, client: width,
          sticking: sticking.slice(0, 5), clipped: clipped.slice(0, 5)};
}"""
"""What sticks out to the right of the viewport (elements and text, unless inside a box that
scrolls on its own) and which chart labels the chart cuts off."""


@pytest.mark.parametrize("kern", [True, False], ids=["kern", "ohne-kern"])
@pytest.mark.parametrize("width", [320, 360])
def test_no_page_scrolls_sideways(new_context: Any, width: int, kern: bool) -> None:
    """WCAG 1.4.10 Reflow: at 320 and 360 px no page scrolls sideways, as a phone and as a desktop
    browser zoomed to 400 %, with KERN's styles and without them (an install without npm).
    Long words, addresses, code and tables of a card wrap or scroll inside their own box."""
    problems = []
    for mobile in (True, False):
        context = new_context(viewport={"width": width, "height": 740}, is_mobile=mobile)
        if not kern:
            context.route("**/static/vendor/**", lambda route: route.abort())
        page = context.new_page()
        for name, path in PAGES.items():
            response = page.goto(path)
            assert response is not None
            assert response.status == (404 if name == "nicht-gefunden" else 200), path
            found = page.evaluate(SIDEWAYS)
            if (
                found["client"] != width
                or found["scroll"] > found["client"]
                or found["sticking"]
                or found["clipped"]
            ):
                problems.append(f"{name} ({'Handy' if mobile else 'Desktop'}): {found}")
    assert not problems, "\n".join(problems)


def test_wide_card_content_stays_readable_in_its_box(new_context: Any) -> None:
    """At 320 px the wide card's table scrolls inside its box (reachable by keyboard), its code
    wraps, and its long words and addresses are all there."""
    page = _page(new_context, viewport={"width": 320, "height": 740}, is_mobile=True)
    page.goto(WIDE_CARD)
    table = page.locator(".card-body table")
    assert table.evaluate("t => t.scrollWidth > t.clientWidth")  # wider than the phone …
    table.focus()  # … so it takes the focus and scrolls with the arrow keys
    assert page.evaluate("document.activeElement.tagName") == "TABLE"
    page.keyboard.press("ArrowRight")
    for _ in range(40):  # scrolling may be animated
        if table.evaluate("t => t.scrollLeft") > 0:
            break
        page.wait_for_timeout(50)
    assert table.evaluate("t => t.scrollLeft") > 0
    pre = page.locator(".card-body pre")
    assert pre.evaluate("p => p.scrollWidth <= p.clientWidth")
    assert "--port 8080" in pre.inner_text()
    body = page.locator(".card-body").inner_text()
    assert LONG_WORD in page.locator("h1").inner_text() and LONG_URL in body


def test_files_for_sharing_are_served(new_context: Any) -> None:
    page = _page(new_context)
    for path, kind in (
        (f"{CARD}/qr.svg", "image/svg+xml"),
        (f"{CARD}/qr.png", "image/png"),
        (f"/sammlungen/{COLLECTION}/qr.svg", "image/svg+xml"),
        ("/feed.xml", "application/atom+xml"),
        ("/opensearch.xml", "application/opensearchdescription+xml"),
        ("/sitemap.xml", "application/xml"),
        ("/robots.txt", "text/plain"),
    ):
        response = page.request.get(path)
        assert response.status == 200, path
        assert response.headers["content-type"].startswith(kind), path
    export = page.request.get("/export.csv?topic=Wohnen")
    assert export.status == 200 and "attachment" in export.headers["content-disposition"]
    page.goto("/")
    assert (
        page.locator('link[rel="search"][type="application/opensearchdescription+xml"]').count()
        == 1
    )


# ---- screenshots (make screenshots) ----------------------------------------------------------

SCREENSHOT_PAGES = (
    "karte-breit",
    "suche",
    "suche-gefiltert",
    "karte",
    "sammlungen",
    "sammlung",
    "herausforderungen-ergebnis",
    "ueberblick",
    "barrierefreiheit",
)


def test_screenshots(new_context: Any, tmp_path: Path) -> None:
    """Every main page renders at desktop and phone width; `make screenshots` keeps the files."""
    target = os.environ.get("ZWK_KB_SCREENSHOTS")
    folder = ROOT / target if target else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    for label, viewport, mobile in (
        ("desktop", {"width": 1280, "height": 900}, False),
        ("phone", {"width": 360, "height": 740}, True),
        ("phone-320", {"width": 320, "height": 740}, True),
    ):
        page = new_context(viewport=viewport, is_mobile=mobile, device_scale_factor=1).new_page()
        for name in SCREENSHOT_PAGES:
            page.goto(PAGES[name])
            page.wait_for_load_state("load")
            page.screenshot(path=str(folder / f"{name}-{label}.png"), full_page=True)
        if label == "desktop":
            page.goto(CARD)
            page.emulate_media(media="print")
            page.screenshot(path=str(folder / "karte-druck.png"), full_page=True)
            page.emulate_media(media="screen")
    shots = sorted(folder.glob("*.png"))
    assert len(shots) == 3 * len(SCREENSHOT_PAGES) + 1
    assert all(shot.stat().st_size > 10_000 for shot in shots)


# ---- facilitators: selection, slides ---------------------------------------------------------

SELECTION_SEARCH = "/?q=Senioren"
SLIDE_VIEWPORTS = ({"width": 1920, "height": 1080}, {"width": 1280, "height": 720})


def _tab_to(page: Any, selector: str, limit: int = 400) -> None:
    """Press Tab until the focus is on an element matching ``selector`` (as a keyboard user)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def _decode_png(data: bytes) -> list[str]:
    import io

    import zxingcpp
    from PIL import Image

    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(data)).convert("L"))]


def _slide_fits(page: Any, index: int) -> bool:
    """The current slide lies inside the window and no text of it is cut off."""
    return bool(
        page.evaluate(
            """n => {
              const slide = document.getElementById('folie-' + n);
              const r = slide.getBoundingClientRect();
              if (r.left < -1 || r.top < -1 || r.right > innerWidth + 1
                  || r.bottom > innerHeight + 1) return false;
              const seen = [...slide.querySelectorAll('*')].filter(
                e => !e.closest('.visually-hidden'));
              return seen.every(e => {
                const b = e.getBoundingClientRect();
                if (!b.width && !b.height) return true;
                return b.left >= r.left - 1 && b.right <= r.right + 1
                  && b.top >= r.top - 1 && b.bottom <= r.bottom + 1
                  && e.scrollWidth <= e.clientWidth + 1;
              });
            }""",
            index,
        )
    )


def test_facilitator_builds_a_selection_by_keyboard_and_presents_it(
    new_context: Any, server: str, tmp_path: Path
) -> None:
    page = _page(new_context, viewport={"width": 1280, "height": 900})
    page.goto(SELECTION_SEARCH)
    picked: list[str] = []
    for _ in range(5):
        _tab_to(page, "a[data-select]:not(.is-chosen)")
        picked.append(page.evaluate("document.activeElement.dataset.select"))
        page.keyboard.press("Enter")  # added in place, no new page
        assert page.url.endswith(SELECTION_SEARCH)
    assert len(set(picked)) == 5
    assert page.locator("[role=status]").last.inner_text().endswith("5 Werkzeuge.")
    menu = page.locator('.site-nav a[href^="/auswahl"]')
    assert menu.inner_text() == "Auswahl (5)"
    assert page.locator("a[data-selection-link]").inner_text() == "Auswahl ansehen (5)"
    menu.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    shown = page.locator(".selection-title a").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    assert shown == [f"/werkzeuge/{slug}" for slug in picked]

    # reorder: the first tool one place down, by keyboard
    page.locator('a[data-move="down"]').first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    order = [picked[1], picked[0], *picked[2:]]
    shown = page.locator(".selection-title a").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    assert shown == [f"/werkzeuge/{slug}" for slug in order]
    slides_url = page.get_by_role("link", name="Folien im Browser zeigen").get_attribute("href")
    assert slides_url and slides_url.startswith("/auswahl/folien?")

    for viewport in SLIDE_VIEWPORTS:
        slides = _page(new_context, viewport=viewport, device_scale_factor=1)
        slides.goto(slides_url)
        assert slides.locator(".slide.is-current").get_attribute("id") == "folie-1"
        assert _slide_fits(slides, 1)
        for number, slug in enumerate(order, 2):
            slides.keyboard.press("ArrowRight")
            assert slides.evaluate("location.hash") == f"#folie-{number}"
            current = slides.locator(".slide.is-current")
            assert current.get_attribute("id") == f"folie-{number}"
            announced = slides.locator("main [role=status]").inner_text()
            assert announced.startswith(f"Folie {number} von {len(order) + 2}: ")
            assert _slide_fits(slides, number), (viewport, slug)
            if viewport["width"] == 1920:
                shot = slides.screenshot(path=str(tmp_path / f"folie-{number}.png"))
                assert _decode_png(shot) == [f"{server}/w/{slug}"], slug
                assert f"/w/{slug}" in current.locator(".slide-link").inner_text()
        slides.keyboard.press("ArrowRight")
        assert slides.evaluate("location.hash") == f"#folie-{len(order) + 2}"
        assert _slide_fits(slides, len(order) + 2)
        if viewport["width"] == 1920:
            shot = slides.screenshot(path=str(tmp_path / "folie-ende.png"))
            assert _decode_png(shot) == [server + "/auswahl?" + slides_url.split("?", 1)[1]]
        slides.keyboard.press("Home")
        assert slides.evaluate("location.hash") == "#folie-1"
        slides.keyboard.press("End")
        assert slides.evaluate("location.hash") == f"#folie-{len(order) + 2}"
        slides.keyboard.press("ArrowLeft")
        assert slides.evaluate("location.hash") == f"#folie-{len(order) + 1}"
        slides.reload()  # the place is kept in the address
        assert slides.locator(".slide.is-current").get_attribute("id") == f"folie-{len(order) + 1}"

    # axe: the selection page and the slides
    axe = AXE.read_text(encoding="utf-8") if AXE.exists() else _missing("axe-core fehlt")
    check = _page(new_context, bypass_csp=True)
    for path in (page.url.split(server, 1)[1], slides_url):
        check.goto(path)
        check.add_script_tag(content=axe)
        result = check.evaluate(
            "tags => axe.run(document, "
            "{runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            AXE_TAGS,
        )
        bad = [
            (v["id"], v["nodes"][0]["target"])
            for v in result["violations"]
            if v["impact"] in {"serious", "critical"}
        ]
        assert not bad, (path, bad)


def test_selection_travels_in_the_address_without_javascript(new_context: Any) -> None:
    page = _page(new_context, java_script_enabled=False)
    page.goto(SELECTION_SEARCH)
    picked: list[str] = []
    for _ in range(2):
        link = page.locator("a[data-select]:not(.is-chosen)").first
        picked.append(str(link.get_attribute("data-select")))
        with page.expect_navigation():
            link.click()
    assert page.locator("a[data-selection-link]").inner_text() == "Auswahl ansehen (2)"
    assert (
        page.locator(f'a[data-select="{picked[0]}"]')
        .inner_text()
        .startswith("Aus der Auswahl entfernen")
    )
    hit = page.locator(".hit").filter(has=page.locator("a[data-select]:not(.is-chosen)")).first
    third = str(hit.locator("a[data-select]").get_attribute("data-select"))
    with page.expect_navigation():
        hit.locator("h3 a").click()
    assert page.url.split("?", 1)[0].endswith(f"/werkzeuge/{third}")
    with page.expect_navigation():
        page.locator(f'a[data-select="{third}"]').click()
    with page.expect_navigation():
        page.get_by_role("link", name="Auswahl ansehen (3)").click()
    shown = page.locator(".selection-title a").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    assert shown == [f"/werkzeuge/{slug}" for slug in [*picked, third]]


def test_slides_work_without_javascript_and_print_one_slide_per_page(
    new_context: Any, tmp_path: Path
) -> None:
    path = f"/sammlungen/{COLLECTION}/folien"
    page = _page(new_context, java_script_enabled=False)
    page.goto(path)
    count = page.locator(".slide").count()
    wanted = yaml.safe_load((BUNDLED / "_collections" / f"{COLLECTION}.yml").read_text("utf-8"))
    assert count == len(wanted["cards"]) + 2
    page.locator(".deck-index a").nth(3).click()
    assert page.evaluate("location.hash") == "#folie-4"
    top = page.evaluate("document.getElementById('folie-4').getBoundingClientRect().top")
    assert abs(top) < 2  # the anchor brought slide 4 to the top of the window
    page.locator("#folie-4 .slide-next").click()
    assert page.evaluate("location.hash") == "#folie-5"

    printing = _page(new_context)
    printing.goto(path)
    pdf = tmp_path / "folien.pdf"
    printing.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    pdfinfo = shutil.which("pdfinfo")
    if not pdfinfo:
        _missing("pdfinfo fehlt (apt-get install poppler-utils)")
    info = subprocess.run([str(pdfinfo), str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))  # type: ignore[union-attr]
    width, height = (
        float(v)
        for v in re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info.stdout).groups()  # type: ignore[union-attr]
    )
    assert pages == count
    assert width > height  # landscape
