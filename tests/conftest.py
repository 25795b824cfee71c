"""Fixtures that build on one another: toolkit_dir -> toolkit -> index_dir -> settings -> app
-> client / runner.

The fixture toolkit is written into a temporary folder by this file. It is deliberately *not*
the bundled ``toolkit/``: its own vocabulary, its own communes (Dessau-Roßlau, Bad Säckingen, …),
umlauts and ß in values, one card with dangerous Markdown and one card that fails validation.
Tests derive expected counts from ``FIXTURE_CARDS`` instead of hard-coding them.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from zwk_kb import degradations
from zwk_kb.config import Settings
from zwk_kb.model import Toolkit
from zwk_kb.search.index import build
from zwk_kb.toolkit import load_toolkit
from zwk_kb.web import create_app

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_TOOLKIT = ROOT / "toolkit"

VOCABULARY: dict[str, Any] = {
    "topics": ["Wohnen", "Bildung", "Gesundheit und Pflege", "Mobilität", "Integration"],
    "challenges": ["Leerstand", "Kinderbetreuung", "Ärztemangel", "Vereinsamung", "Anbindung"],
    "target_groups": ["Familien", "Senioren", "Zugewanderte"],
    "tool_types": ["Konzept", "Methode", "Praxisbeispiel"],
    "communes": {
        "Dessau-Roßlau": {"state": "Sachsen-Anhalt", "cluster": "Ost", "kind": "Stadt"},
        "Zerbst": {"state": "Sachsen-Anhalt", "cluster": "Ost", "kind": "Stadt"},
        "Bad Säckingen": {"state": "Baden-Württemberg", "cluster": "Süd", "kind": "Stadt"},
        "Eckernförde": {"state": "Schleswig-Holstein", "cluster": "Nord", "kind": "Stadt"},
        "Landkreis Höxter": {
            "state": "Nordrhein-Westfalen",
            "cluster": "West",
            "kind": "Landkreis",
        },
    },
}

CONTACT = {"name": "Projektteam", "organisation": "Verwaltung", "email": "team@example.org"}

# Valid cards: front matter (as Python data) and body. Every card has two sections.
FIXTURE_CARDS: dict[str, dict[str, Any]] = {
    "kindergarten-im-dorf": {
        "meta": {
            "title": "Den Kindergarten im Dorf erhalten",
            "summary": "Eine kleine Gemeinde hält ihren Kindergarten offen, indem Eltern und "
            "Verein die Betreuung gemeinsam organisieren.",
            "topics": ["Bildung"],
            "communes": ["Zerbst"],
            "challenges": ["Kinderbetreuung"],
            "target_groups": ["Familien"],
            "status": "erprobt",
            "effort": "mittel",
            "tool_type": "Praxisbeispiel",
            "published": dt.date(2021, 3, 1),
            "updated": dt.date(2023, 6, 15),
        },
        "body": "## Worum geht es?\n\nDer einzige Kindergarten des Ortsteils sollte schließen. "
        "Eltern gründeten einen Trägerverein.\n\n## So funktioniert es\n\nDer Verein stellt "
        "zwei Erzieherinnen ein, die Gemeinde stellt das Gebäude.\n",
    },
    "leerstandsboerse-rosslau": {
        "meta": {
            "title": "Leerstandsbörse für Roßlau",
            "summary": "Leere Läden und Wohnungen im Ortskern werden in einer öffentlichen Börse "
            "gesammelt und an Gründerinnen vermittelt.",
            "topics": ["Wohnen"],
            "communes": ["Dessau-Roßlau"],
            "challenges": ["Leerstand"],
            "status": "in Erprobung",
            "effort": "gering",
            "tool_type": "Methode",
            "published": dt.date(2022, 5, 10),
            "aliases": ["leerstand-rosslau"],
        },
        "body": "## Worum geht es?\n\nIn der Hauptstraße von Roßlau standen viele Geschäfte leer. "
        "Die Stadt sammelt die Objekte auf einer Karte.\n\n## Erfahrungen\n\nAcht Läden "
        "wurden in zwei Jahren neu vermietet.\n",
    },
    "wohnen-fuer-hilfe": {
        "meta": {
            "title": "Wohnen für Hilfe",
            "summary": "Ältere Menschen mit großer Wohnung vermieten ein Zimmer günstig an "
            "Studierende, die dafür im Alltag helfen.",
            "topics": ["Wohnen", "Gesundheit und Pflege"],
            "communes": ["Bad Säckingen"],
            "challenges": ["Vereinsamung"],
            "target_groups": ["Senioren"],
            "status": "erprobt",
            "effort": "gering",
            "tool_type": "Konzept",
            "published": dt.date(2020, 9, 1),
        },
        "body": "## Worum geht es?\n\nEine Stunde Hilfe pro Quadratmeter und Monat.\n\n"
        "## So funktioniert es\n\nDie Wohnberatung bringt beide Seiten zusammen.\n",
    },
    "landarztpraxis-gemeinde": {
        "meta": {
            "title": "Kommunale Landarztpraxis",
            "summary": "Der Landkreis betreibt eine Praxis mit angestellten Ärztinnen, damit die "
            "Versorgung auf dem Land gesichert bleibt.",
            "topics": ["Gesundheit und Pflege"],
            "communes": ["Landkreis Höxter"],
            "challenges": ["Ärztemangel"],
            "target_groups": ["Senioren", "Familien"],
            "status": "erprobt",
            "effort": "hoch",
            "tool_type": "Praxisbeispiel",
            "published": dt.date(2019, 2, 20),
            "updated": dt.date(2024, 1, 8),
        },
        "body": "## Worum geht es?\n\nNiemand wollte die Praxis übernehmen.\n\n"
        "## So funktioniert es\n\nDie Ärztinnen sind angestellt und arbeiten in Teilzeit.\n",
    },
    "buergerbus-eckernfoerde": {
        "meta": {
            "title": "Bürgerbus an der Küste",
            "summary": "Ehrenamtliche fahren einen Kleinbus nach Fahrplan zwischen den Dörfern "
            "und der Stadt.",
            "topics": ["Mobilität"],
            "communes": ["Eckernförde", "Zerbst"],
            "challenges": ["Anbindung"],
            "target_groups": ["Senioren"],
            "status": "erprobt",
            "effort": "mittel",
            "tool_type": "Praxisbeispiel",
            "published": dt.date(2023, 4, 2),
        },
        "body": "## Worum geht es?\n\nDer Linienbus fährt nur zweimal am Tag.\n\n"
        "## So funktioniert es\n\nEin Verein stellt die Fahrerinnen und Fahrer.\n",
    },
    "sprachcafe": {
        "meta": {
            "title": "Sprachcafé für Zugewanderte",
            "summary": "Einmal pro Woche üben Zugewanderte und Einheimische bei Kaffee und Kuchen "
            "Deutsch im Gespräch.",
            "topics": ["Integration", "Bildung"],
            "communes": ["Dessau-Roßlau", "Bad Säckingen"],
            "challenges": ["Vereinsamung"],
            "target_groups": ["Zugewanderte"],
            "status": "Idee",
            "effort": "gering",
            "tool_type": "Methode",
            "published": dt.date(2024, 2, 29),
            "sources": [
                {"title": "Sprachcafé im Werkzeugkoffer", "url": "http://example.org/sprachcafe"}
            ],
        },
        "body": "## Worum geht es?\n\nSprache lernt man am besten im Gespräch.\n\n"
        "## So funktioniert es\n\nEhrenamtliche moderieren die Tische.\n",
    },
    "unsicherer-inhalt": {
        "meta": {
            "title": "Mitfahrbank mit Sonderzeichen",
            "summary": "Eine Bank am Ortsrand zeigt, dass man mitgenommen werden möchte.",
            "topics": ["Mobilität"],
            "communes": ["Landkreis Höxter"],
            "challenges": ["Anbindung"],
            "status": "Idee",
            "effort": "gering",
            "published": dt.date(2022, 8, 8),
            "links": [{"title": "Mehr dazu", "url": "https://example.org/mitfahrbank"}],
            "sources": [
                {"title": "<script>alert(3)</script>Quelle", "url": "https://example.org/q?a=1&b=2"}
            ],
        },
        "body": "## Worum geht es?\n\n<script>alert('xss')</script>\n\n"
        'Klicken Sie [hier](javascript:alert(1)) oder <b onclick="x()">fett</b>.\n\n'
        "## Links\n\n[Gute Seite](https://example.org/bank) und <img src=x onerror=alert(2)>\n",
    },
}

# A card that breaks the contract: its topic is not in the vocabulary.
BROKEN_CARD_SLUG = "kaputte-karte"
BROKEN_TOPIC = "Raumfahrt"


def write_card(directory: Path, slug: str, meta: dict[str, Any], body: str) -> Path:
    """Write one card file in the documented format (YAML front matter between --- lines)."""
    front = yaml.safe_dump(
        {**meta, "contact": meta.get("contact", CONTACT)}, allow_unicode=True, sort_keys=False
    )
    path = directory / f"{slug}.md"
    path.write_text(f"---\n{front}---\n\n{body}", encoding="utf-8")
    return path


def write_toolkit(directory: Path) -> Path:
    """The fixture toolkit: vocabulary, valid cards, one broken card and files that are no cards."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "_vocabulary.yml").write_text(
        yaml.safe_dump(VOCABULARY, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    for slug, card in FIXTURE_CARDS.items():
        write_card(directory, slug, card["meta"], card["body"])
    broken = dict(FIXTURE_CARDS["wohnen-fuer-hilfe"]["meta"], title="Kaputt", topics=[BROKEN_TOPIC])
    write_card(directory, BROKEN_CARD_SLUG, broken, "## A\n\nText.\n\n## B\n\nText.\n")
    # not cards: a template (leading underscore), a hidden file, another extension
    write_card(directory, "_vorlage", FIXTURE_CARDS["sprachcafe"]["meta"], "Vorlage")
    (directory / ".versteckt.md").write_text("kein YAML", encoding="utf-8")
    (directory / "notizen.txt").write_text("keine Karte", encoding="utf-8")
    return directory


def expected_slugs(facet: str, value: str) -> set[str]:
    """Slugs of the valid fixture cards whose ``facet`` (a card field) contains ``value``."""
    found = set()
    for slug, card in FIXTURE_CARDS.items():
        meta = card["meta"]
        if facet in {"state", "cluster"}:
            values = [VOCABULARY["communes"][c][facet] for c in meta["communes"]]
        else:
            raw = meta.get(facet, [])
            values = raw if isinstance(raw, list) else [raw]
        if value in values:
            found.add(slug)
    return found


# ---- a search step that fails silently fails the test -----------------------------------------


def _since(before: dict[str, int]) -> dict[str, int]:
    now = degradations.counts()
    return {step: n - before.get(step, 0) for step, n in now.items() if n != before.get(step, 0)}


@pytest.fixture(autouse=True)
def _search_steps_do_not_fail(request: pytest.FixtureRequest) -> Iterator[None]:
    """A search answered without one of its steps (scoring, snippets, synonyms …) looks like
    a normal answer to the user: any test in which a step failed fails, unless it injects the
    fault itself (fixture ``degraded_steps``)."""
    before = degradations.counts()
    yield
    failed = _since(before)
    if failed and "degraded_steps" not in request.fixturenames:
        pytest.fail(f"Suchschritte fehlgeschlagen (siehe Log): {failed}")


@pytest.fixture
def degraded_steps() -> Callable[[], dict[str, int]]:
    """For tests that inject a fault: the failed search steps since the test began."""
    before = degradations.counts()
    return lambda: _since(before)


# ---- the fixture chain (session scope: built once, read-only) ----------------------------------


@pytest.fixture(scope="session")
def toolkit_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_toolkit(tmp_path_factory.mktemp("toolkit"))


@pytest.fixture(scope="session")
def toolkit(toolkit_dir: Path) -> Toolkit:
    return load_toolkit(toolkit_dir)


@pytest.fixture(scope="session")
def index_dir(toolkit: Toolkit, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("index")
    build(toolkit, directory)
    return directory


@pytest.fixture(scope="session")
def settings(toolkit_dir: Path, index_dir: Path) -> Settings:
    return Settings(toolkit=toolkit_dir, index=index_dir)


@pytest.fixture(scope="session")
def app(settings: Settings) -> Flask:
    application = create_app(settings)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CLI runner whose environment points at the fixture toolkit and index."""
    monkeypatch.delenv("ZWK_KB_TOOLKIT", raising=False)
    monkeypatch.delenv("ZWK_KB_INDEX", raising=False)
    return CliRunner(
        env={"ZWK_KB_TOOLKIT": str(settings.toolkit), "ZWK_KB_INDEX": str(settings.index)}
    )


# ---- the bundled toolkit (what `make run` serves) ---------------------------------------------


@pytest.fixture(scope="session")
def bundled_toolkit() -> Toolkit:
    return load_toolkit(BUNDLED_TOOLKIT)


@pytest.fixture(scope="session")
def bundled_settings(
    bundled_toolkit: Toolkit, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    directory = tmp_path_factory.mktemp("bundled-index")
    build(bundled_toolkit, directory)
    return Settings(toolkit=BUNDLED_TOOLKIT, index=directory)


@pytest.fixture(scope="session")
def bundled_app(bundled_settings: Settings) -> Flask:
    application = create_app(bundled_settings)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def bundled_client(bundled_app: Flask) -> FlaskClient:
    return bundled_app.test_client()


# ---- writable copies for tests that change cards ----------------------------------------------


@pytest.fixture
def fresh_toolkit_dir(tmp_path: Path, toolkit_dir: Path) -> Iterator[Path]:
    """A private copy of the fixture toolkit that a test may change."""
    target = tmp_path / "toolkit"
    shutil.copytree(toolkit_dir, target)
    yield target
