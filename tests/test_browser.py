"""The real site in a real browser: headless Chromium (Debian's ``chromium``) driven by Playwright.

One ``zwk-kb serve`` process serves a copy of the bundled toolkit on a free local port. Every
browser context blocks and counts requests to any other host (there must be none). The
accessibility scan injects axe-core (npm, pinned in package-lock.json) in a context that bypasses
the Content-Security-Policy; a second context without bypass checks that the CSP blocks nothing.

``make screenshots`` runs only ``test_screenshots`` (with ``ZWK_KB_SCREENSHOTS=<folder>``).
Without Chromium or node_modules the tests are skipped locally and fail in CI (``CI=true``).
"""

from __future__ import annotations

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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``zwk-kb serve`` on a free port, serving a copy of the bundled toolkit."""
    work = tmp_path_factory.mktemp("browser")
    toolkit = work / "toolkit"
    shutil.copytree(BUNDLED, toolkit)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZWK_KB_")}
    log = (work / "server.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zwk_kb",
            "serve",
            "--toolkit",
            str(toolkit),
            "--index",
            str(work / "index"),
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=work,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/", timeout=2) as response:
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


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} fehlt (apt-get install chromium)")
    import playwright.sync_api as sync_api

    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


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


@pytest.fixture
def new_context(browser: Any, server: str) -> Iterator[Any]:
    """Factory for browser contexts; each one is guarded, and none may reach another host."""
    contexts: list[tuple[Any, Guard]] = []

    def make(**options: Any) -> Any:
        options.setdefault("viewport", {"width": 1280, "height": 900})
        options.setdefault("locale", "de-DE")
        context = browser.new_context(base_url=server, **options)
        guard = Guard(server)
        context.route("**/*", guard)
        context.set_default_timeout(10_000)
        contexts.append((context, guard))
        return context

    yield make
    external = [url for _, guard in contexts for url in guard.external]
    for context, _ in contexts:
        context.close()
    assert external == [], f"Anfragen an andere Server: {external}"


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


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        _missing("node_modules/axe-core fehlt (npm ci)")
    return AXE.read_text(encoding="utf-8")


def test_axe_finds_no_serious_or_critical_violations(new_context: Any, axe_source: str) -> None:
    page = _page(new_context, bypass_csp=True)
    failures = []
    for name, path in PAGES.items():
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


def test_csp_blocks_nothing_and_pages_fit_a_phone(new_context: Any) -> None:
    """Without CSP bypass, at 360 px: no CSP violation, no console error, no sideways scrolling."""
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
        width = page.evaluate("document.documentElement.scrollWidth")
        if violations or console or width > 361:
            problems.append(f"{name}: csp={violations} console={console} width={width}")
    assert not problems, "\n".join(problems)


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
    assert len(shots) == 2 * len(SCREENSHOT_PAGES) + 1
    assert all(shot.stat().st_size > 10_000 for shot in shots)
