"""Collections (``_collections/<name>.yml``): parsing, problems, the index hook and the pages."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import yaml
from flask.testing import FlaskClient

from conftest import BUNDLED_TOOLKIT, FIXTURE_CARDS
from zwk_kb.card_collections import (
    Collection,
    collections_json,
    load_collections,
    parse_collection,
    read_collections_json,
)
from zwk_kb.config import Settings
from zwk_kb.search.index import COLLECTIONS_FILE, build, current_generation
from zwk_kb.toolkit import load_toolkit
from zwk_kb.web import create_app

KNOWN = set(FIXTURE_CARDS)
GOOD = """\
title: "Werkstatttreffen Zerbst"
date: 2024-05-02
event: Regionales Treffen
intro: |
  Zwei Tage, drei Werkzeuge.
cards:
  - sprachcafe
  - kindergarten-im-dorf
  - wohnen-fuer-hilfe
"""


def messages(problems: list) -> list[str]:  # type: ignore[type-arg]
    return [p.message for p in problems]


def test_a_good_collection_keeps_the_order_of_its_cards() -> None:
    collection, problems = parse_collection("treffen", GOOD, KNOWN)
    assert problems == []
    assert collection == Collection(
        name="treffen",
        title="Werkstatttreffen Zerbst",
        slugs=("sprachcafe", "kindergarten-im-dorf", "wohnen-fuer-hilfe"),
        intro="Zwei Tage, drei Werkzeuge.",
        date=dt.date(2024, 5, 2),
        event="Regionales Treffen",
        source_path="_collections/treffen.yml",
    )


def test_unknown_card_is_an_error_with_a_suggestion_and_is_left_out() -> None:
    text = GOOD.replace("  - kindergarten-im-dorf", "  - kindergarten-im-dor")
    collection, problems = parse_collection("treffen", text, KNOWN)
    assert collection is not None and "kindergarten-im-dor" not in collection.slugs
    [problem] = problems
    assert problem.is_error and problem.field == "cards" and problem.line == 8
    assert "„kindergarten-im-dor“ gibt es nicht" in problem.message
    assert "Meinten Sie „kindergarten-im-dorf“?" in problem.message


def test_duplicate_card_and_unknown_key_are_warnings() -> None:
    text = GOOD + "  - sprachcafe\nfarbe: blau\n"
    collection, problems = parse_collection("treffen", text, KNOWN)
    assert collection is not None and collection.slugs.count("sprachcafe") == 1
    assert all(not p.is_error for p in problems)
    assert any("steht zweimal" in m for m in messages(problems))
    assert any("„farbe“ ist unbekannt" in m for m in messages(problems))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cards: [sprachcafe]\n", "braucht einen Titel"),
        ("title: Ohne Karten\nevent: x\n", "Liste der Karten"),
        ("title: X\nevent: y\ncards: sprachcafe\n", "Liste von Karten"),
        ("title: X\nevent: y\ncards: []\n", "keine gültige Karte"),
        ("title: [a, b]\nevent: y\ncards: [sprachcafe]\n", "Erwartet wird ein Text"),
        ("title: X\ndate: 2024-02-30\ncards: [sprachcafe]\n", "gibt es nicht"),
        ("title: &a X\nevent: *a\ncards: [sprachcafe]\n", "Anker"),
        ("title: X\n  event: y\n", "YAML"),
        ("", "leer"),
        ("- a\n- b\n", "Zuordnung"),
        ("title: " + "x" * 200 + "\nevent: y\ncards: [sprachcafe]\n", "höchstens 120"),
    ],
)
def test_broken_collections_are_reported_in_plain_german(text: str, expected: str) -> None:
    collection, problems = parse_collection("kaputt", text, KNOWN)
    errors = [p for p in problems if p.is_error]
    assert errors, problems
    assert any(expected in p.message for p in errors), messages(problems)
    if expected not in {"gibt es nicht", "höchstens 120", "Erwartet wird ein Text"}:
        assert collection is None


@pytest.mark.parametrize("key", ["title", "intro", "event"])
@pytest.mark.parametrize("escape", ["\\e", "\\x07", "\\x9b", "\\uffff", "\\ud800", "\\u202e"])
def test_a_control_character_in_a_collection_text_is_an_error(key: str, escape: str) -> None:
    lines = {"title": 'title: "Treffen{c}Zerbst"', "intro": 'intro: "Zwei{c}Tage"'}
    lines["event"] = 'event: "Regionales{c}Treffen"'
    text = "\n".join(v.format(c=escape if k == key else " ") for k, v in lines.items())
    collection, problems = parse_collection("treffen", text + "\ncards: [sprachcafe]\n", KNOWN)
    found = [p for p in problems if p.field == key]
    assert [(p.line, p.severity) for p in found] == [(list(lines).index(key) + 1, "error")]
    assert "Bitte entfernen" in found[0].message
    assert collection is None or getattr(collection, key) == ""


def test_date_or_event_is_recommended() -> None:
    collection, problems = parse_collection("x", "title: X\ncards: [sprachcafe]\n", KNOWN)
    assert collection is not None
    [warning] = problems
    assert not warning.is_error and "Datum (date) oder einen Anlass (event)" in warning.message


def test_file_name_must_work_as_an_address() -> None:
    collection, problems = parse_collection("Mein Treffen", GOOD, KNOWN)
    assert collection is None and "taugt nicht als Adresse" in problems[0].message


def test_load_collections_reads_the_folder_and_skips_other_files(tmp_path: Path) -> None:
    folder = tmp_path / "_collections"
    folder.mkdir()
    (folder / "treffen.yml").write_text(GOOD, encoding="utf-8")
    (folder / "kaputt.yaml").write_text("title: X\n", encoding="utf-8")
    (folder / "_vorlage.yml").write_text(GOOD, encoding="utf-8")
    (folder / "notiz.txt").write_text(GOOD, encoding="utf-8")
    collections, problems = load_collections(tmp_path, KNOWN)
    assert [c.name for c in collections] == ["treffen"]
    assert [Path(p.path).name for p in problems if p.is_error] == ["kaputt.yaml"]
    assert load_collections(tmp_path / "nirgends", KNOWN) == ([], [])


def test_json_round_trip_sorts_newest_first(tmp_path: Path) -> None:
    folder = tmp_path / "_collections"
    folder.mkdir()
    (folder / "alt.yml").write_text(GOOD.replace("2024-05-02", "2020-01-01"), encoding="utf-8")
    (folder / "neu.yml").write_text(GOOD, encoding="utf-8")
    (folder / "ohne-datum.yml").write_text(
        "title: Z\nevent: e\ncards: [sprachcafe]\n", encoding="utf-8"
    )
    stored = read_collections_json(collections_json(tmp_path, KNOWN))
    assert [c.name for c in stored] == ["neu", "alt", "ohne-datum"]
    assert stored[0].slugs == ("sprachcafe", "kindergarten-im-dorf", "wohnen-fuer-hilfe")
    assert read_collections_json("kein json") == []


def test_the_bundled_collections_are_valid() -> None:
    toolkit = load_toolkit(BUNDLED_TOOLKIT)
    collections, problems = load_collections(BUNDLED_TOOLKIT, toolkit.by_slug())
    assert [p.format() for p in problems] == []
    assert {c.name for c in collections} >= {
        "werkstatttreffen-barleben-2023",
        "gut-versorgt-auf-dem-land",
    }
    barleben = next(c for c in collections if c.name == "werkstatttreffen-barleben-2023")
    assert barleben.date == dt.date(2023, 3, 21)
    assert barleben.slugs[:2] == (
        "regionales-werkstatttreffen",
        "mobile-zukunftswerkstatt-lastenrad",
    )


# ---- the index build stores them; the web app reads only the index -----------------------------


@pytest.fixture
def collection_site(tmp_path: Path, toolkit_dir: Path) -> tuple[FlaskClient, Path]:
    toolkit = tmp_path / "toolkit"
    shutil.copytree(toolkit_dir, toolkit)
    (toolkit / "_collections").mkdir()
    (toolkit / "_collections" / "treffen.yml").write_text(GOOD, encoding="utf-8")
    index = tmp_path / "index"
    build(load_toolkit(toolkit), index)
    shutil.rmtree(toolkit / "_collections")  # the site must not need the files any more
    app = create_app(Settings(toolkit=toolkit, index=index))
    return app.test_client(), index


def test_index_build_writes_collections_json(collection_site: tuple[FlaskClient, Path]) -> None:
    _, index = collection_site
    generation = current_generation(index)
    assert generation is not None
    data = json.loads((generation / COLLECTIONS_FILE).read_text(encoding="utf-8"))
    assert [c["name"] for c in data["collections"]] == ["treffen"]


def test_collection_pages_come_from_the_index(collection_site: tuple[FlaskClient, Path]) -> None:
    client, _ = collection_site
    listing = client.get("/sammlungen").get_data(as_text=True)
    assert "Werkstatttreffen Zerbst" in listing and 'href="/sammlungen/treffen"' in listing
    assert "2. Mai 2024" in listing
    page = client.get("/sammlungen/treffen")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    positions = [html.index(f'href="/werkzeuge/{slug}"') for slug in yaml.safe_load(GOOD)["cards"]]
    assert positions == sorted(positions)
    assert 'role="img"' in html and "QR-Code mit dem Link zu dieser Sammlung" in html
    assert client.get("/sammlungen/treffen/qr.svg").mimetype == "image/svg+xml"
    assert client.get("/sammlungen/treffen/qr.png").data.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "url",
    [
        "/sammlungen/gibt-es-nicht",
        "/sammlungen/%2e%2e",
        "/sammlungen/A-B",
        "/sammlungen/gibt-es-nicht/qr.svg",
    ],
)
def test_unknown_collections_are_404(collection_site: tuple[FlaskClient, Path], url: str) -> None:
    client, _ = collection_site
    response = client.get(url)
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.get_data(as_text=True)


def test_a_toolkit_without_collections_has_an_empty_list(client: FlaskClient) -> None:
    response = client.get("/sammlungen")
    assert response.status_code == 200
    assert "Es gibt noch keine Sammlungen" in response.get_data(as_text=True)
