"""One card never breaks a shared output.

A generated corpus puts every C0 and C1 control, DEL, U+FFFE/U+FFFF, every other noncharacter,
lone surrogates (YAML escapes make them) and the invisible reordering characters into the title,
summary, plain summary, links, contact and body of cards. ``zwk-kb check`` reports each one with
file, line and column, and no such character reaches the feed, the sitemap, OpenSearch, the SVG
files, the CSV and JSON exports or the check's own text, JSON and GitHub output: read with a strict
XML parser (expat), a CSV and a JSON parser, and byte by byte. The outputs are tested three ways:
cards read from disk through the real site, an index holding such cards (written by a version
without the check, or by any path around it) served by the real site, and the writers alone.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import xml.dom.minidom
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from flask.testing import FlaskClient

from zwk_kb.checks import CheckReport, check_paths, format_github, format_json, format_text
from zwk_kb.cli import main
from zwk_kb.config import Settings
from zwk_kb.model import Card, Contact, Link, Problem, Toolkit
from zwk_kb.outputs.charts import bar_chart_svg, germany_map_svg
from zwk_kb.outputs.export import to_csv, to_json_data
from zwk_kb.outputs.feeds import FEED_ENTRIES, atom_feed, opensearch, sitemap
from zwk_kb.outputs.qr import qr_inline_svg, qr_svg
from zwk_kb.search.index import build
from zwk_kb.toolkit import load_toolkit, load_vocabulary
from zwk_kb.web import create_app

C0 = [chr(c) for c in range(0x20) if chr(c) not in "\t\n"]
C1 = [chr(c) for c in range(0x80, 0xA0)]
NONCHARACTERS = [chr(c) for c in range(0xFDD0, 0xFDF0)] + [
    chr(plane << 16 | low) for plane in range(17) for low in (0xFFFE, 0xFFFF)
]
INVISIBLE = [
    "\u2028",
    "\u2029",
    *map(chr, range(0x202A, 0x202F)),
    *map(chr, range(0x2066, 0x206A)),
    "\ufeff",
]
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
IN_FILES = [*C0, "\x7f", *C1, *NONCHARACTERS, *INVISIBLE]
"""What a UTF-8 card file can hold."""
EVERY = [*IN_FILES, *SURROGATES]
"""... plus what a YAML escape such as ``"\\ud800"`` makes of it."""
EVERY_SET = frozenset(EVERY)
IN_BODY = [ch for ch in IN_FILES if ch not in "\x00\r"]
"""NUL makes the file binary (its own error), CR is a line end: every other one in a body."""
ALL_IN_ONE = "".join(EVERY)
ALL_IN_FILES = "".join(IN_FILES)

VOCABULARY = {
    "topics": ["Wohnen", "Mobilität"],
    "challenges": ["Leerstand"],
    "communes": {"Barleben": {"state": "Sachsen-Anhalt", "cluster": "Nord", "kind": "Gemeinde"}},
}
RAW_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]")
"""C0 controls but tab and line feed, DEL, and the UTF-8 form of the C1 controls."""


def code(char: str) -> str:
    return f"U+{ord(char):04X}"


def yaml_escape(char: str) -> str:
    """The YAML double-quoted escape of one character."""
    return f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}"


def front(meta: dict[str, object]) -> str:
    return yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)


BASE_META: dict[str, object] = {
    "topics": ["Wohnen"],
    "communes": ["Barleben"],
    "challenges": ["Leerstand"],
    "published": "2024-01-01",
}
SECTIONS = "## Worum geht es?\n\nText.\n\n## So funktioniert es\n\nText.\n"


def valid_card(title: str, body: str = SECTIONS) -> str:
    meta = {"title": title, "summary": "Eine Karte.", **BASE_META, "contact": {"name": "Team"}}
    return f"---\n{front(meta)}---\n\n{body}"


def body_card(char: str) -> str:
    body = f"## Worum geht es?\n\nLeere {char}Läden.\n\n## So funktioniert es\n\nText.\n"
    return valid_card("Steuerzeichen im Text", body)


def position(text: str, char: str) -> tuple[int, int]:
    """1-based line and column of the first ``char`` in ``text``."""
    at = text.index(char)
    return text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)


def fields_card(char: str) -> str:
    """Every free-text field holds ``char`` as a YAML escape (the only way to write some)."""
    e = yaml_escape(char)
    lines = [
        "---",
        f'title: "Titel {e} mit Zeichen"',
        f'summary: "Kurz {e} gesagt."',
        f'plain_summary: "Einfach {e} gesagt."',
        front(BASE_META).rstrip("\n"),
        "links:",
        f'  - title: "Link {e} Fahrplan"',
        f'    url: "https://example.org/{e}plan"',
        "contact:",
        f'  name: "Team {e} Nord"',
        "---",
        "",
        SECTIONS,
    ]
    return "\n".join(lines)


FIELD_MARKS = {
    "title": 'title: "Titel',
    "summary": 'summary: "Kurz',
    "plain_summary": 'plain_summary: "Einfach',
    "links": '  - title: "Link',
    "contact": '  name: "Team',
}


def field_lines(text: str) -> list[tuple[str, int]]:
    """(field, line) of each value ``fields_card`` gives a character (a link has two)."""
    found = [(field, position(text, mark)[0]) for field, mark in FIELD_MARKS.items()]
    return sorted([*found, ("links", position(text, "    url:")[0])])


def raw_front_card(char: str) -> str:
    """``char`` written as it is into the title line of the front matter."""
    meta = {"summary": "Eine Karte.", **BASE_META, "contact": {"name": "Team"}}
    return f"---\ntitle: Leer{char}stand\n{front(meta)}---\n\n{SECTIONS}"


# ---- the corpus on disk --------------------------------------------------------------------------

ENTITY_CARD = "entitaeten"
"""Passes the check: Markdown turns ``&#x202E;`` into the character itself when rendering."""
GOOD_CARD = "gute-karte"


def write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "_vocabulary.yml").write_text(front(VOCABULARY), encoding="utf-8")
    for char in IN_BODY:
        (folder / f"body-{ord(char):05x}.md").write_text(body_card(char), encoding="utf-8")
        (folder / f"raw-{ord(char):05x}.md").write_text(raw_front_card(char), encoding="utf-8")
    for char in EVERY:
        (folder / f"fields-{ord(char):05x}.md").write_text(fields_card(char), encoding="utf-8")
    (folder / "alles-im-text.md").write_text(
        valid_card("Alles im Text", SECTIONS + "\n" + "".join(IN_BODY) + "\n"), encoding="utf-8"
    )
    (folder / f"{ENTITY_CARD}.md").write_text(
        valid_card("Zeichen als Entität", SECTIONS + "\nA &#x202E; B &#x2028; C &#x2066; D\n"),
        encoding="utf-8",
    )
    (folder / f"{GOOD_CARD}.md").write_text(valid_card("Gute Karte"), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("zeichen") / "toolkit")


@pytest.fixture(scope="module")
def report(corpus: Path) -> CheckReport:
    return check_paths([corpus])


def problems_of(report: CheckReport, name: str) -> list[Problem]:
    return [p for p in report.problems if Path(p.path).name == name]


# ---- the check ---------------------------------------------------------------------------------


@pytest.mark.parametrize("char", IN_BODY, ids=code)
def test_check_reports_a_character_in_the_body_at_its_line_and_column(
    report: CheckReport, char: str
) -> None:
    line, column = position(body_card(char), char)
    found = problems_of(report, f"body-{ord(char):05x}.md")
    assert [(p.line, p.column, p.field, p.severity) for p in found] == [
        (line, column, "body", "error")
    ]
    assert code(char) in found[0].message and "Bitte dieses Zeichen entfernen" in found[0].message


@pytest.mark.parametrize("char", IN_BODY, ids=code)
def test_check_reports_a_raw_character_in_the_front_matter_at_its_line_and_column(
    report: CheckReport, char: str
) -> None:
    found = problems_of(report, f"raw-{ord(char):05x}.md")
    assert [(p.line, p.column, p.severity) for p in found] == [(2, len("title: Leer") + 1, "error")]
    assert code(char) in found[0].message and "entfernen" in found[0].message


@pytest.mark.parametrize("char", EVERY, ids=code)
def test_check_reports_the_character_in_every_free_text_field(
    report: CheckReport, char: str
) -> None:
    found = problems_of(report, f"fields-{ord(char):05x}.md")
    assert all(p.is_error and code(char) in p.message for p in found), found
    assert sorted((p.field, p.line) for p in found) == field_lines(fields_card(char))


def test_many_characters_in_one_body_are_all_counted(report: CheckReport) -> None:
    found = problems_of(report, "alles-im-text.md")
    assert len(found) == 11 and all(p.is_error and p.field == "body" for p in found)
    assert f"noch {len(IN_BODY) - 10} weitere" in found[-1].message


def test_no_card_with_such_a_character_reaches_the_site(corpus: Path) -> None:
    toolkit = load_toolkit(corpus)
    assert {card.slug for card in toolkit.cards} == {ENTITY_CARD, GOOD_CARD}


def test_the_command_line_check_fails_and_names_the_character(corpus: Path) -> None:
    folder = corpus.parent / "einzeln"
    write_corpus(folder)
    for path in folder.glob("*.md"):
        if path.stem not in {"body-0001b", GOOD_CARD}:
            path.unlink()
    result = CliRunner().invoke(main, ["check", str(folder)])
    assert result.exit_code == 1
    assert "Alles in Ordnung" not in result.output
    line, column = position(body_card("\x1b"), "\x1b")
    assert re.search(rf"body-0001b\.md:{line}:{column}: .*U\+001B.*entfernen", result.output)


# ---- the check's own output ----------------------------------------------------------------------


def strange_names(folder: Path) -> Path:
    """Cards whose file names hold control characters or bytes that are not UTF-8."""
    target = folder.parent / "namen"
    target.mkdir(exist_ok=True)
    (target / "_vocabulary.yml").write_text(front(VOCABULARY), encoding="utf-8")
    raw = os.fsencode(target)
    for name in (b"esc-\x1b[31m.md", b"csi-\xc2\x9b.md", b"zeilen\numbruch\r.md", b"nicht-\xff.md"):
        with open(os.path.join(raw, name), "w", encoding="utf-8") as handle:
            handle.write(fields_card("\x9b"))
    return target


def assert_clean_text(text: str, what: str) -> None:
    data = text.encode("utf-8")  # a lone surrogate (a file name that is not UTF-8) fails here
    found = RAW_CONTROL_BYTES.search(data)
    assert found is None, f"{what}: raw control byte {found.group()!r}"
    assert not EVERY_SET & set(text) - {"\n"}, f"{what}: {sorted(EVERY_SET & set(text))}"


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_check_output_carries_no_raw_control_byte(corpus: Path, fmt: str) -> None:
    report = check_paths([corpus, strange_names(corpus)])
    formatter = {"text": format_text, "json": format_json, "github": format_github}[fmt]
    output = formatter(report)
    assert_clean_text(output, fmt)
    if fmt == "json":
        data = json.loads(output)
        assert len(data["problems"]) == len(report.problems)
        # a line end in a file name stays, written as JSON's \n / \r escape
        assert all(not EVERY_SET & set(p["path"]) - {"\n", "\r"} for p in data["problems"])
    if fmt == "github":
        lines = output.split("\n")
        assert len(lines) == len(report.problems) + 1  # every annotation on one line
        for line in lines[:-1]:
            assert re.match(r"::(error|warning) file=[^,:]*,line=\d+,col=\d+,title=[^,:]*::", line)
        assert "zeilen%0Aumbruch" in output  # GitHub's escape for a line feed in a property


def test_github_annotations_escape_percent_and_line_ends() -> None:
    problem = Problem("a%b\r\nc.md", 1, 1, "title", "50 % sind\r\nzu viel", "error")
    line = format_github(CheckReport(problems=[problem], files=1)).split("\n")[0]
    assert line == (
        "::error file=a%25b%0D%0Ac.md,line=1,col=1,title=zwk-kb check (title)::"
        "50 %25 sind%0D%0Azu viel"
    )


# ---- outputs: the real site over cards read from disk ------------------------------------------


def xml_texts(data: bytes) -> Iterator[str]:
    """Every text and attribute value of an XML file, read by a strict parser (expat)."""
    xml.dom.minidom.parseString(data)
    for element in ET.fromstring(data).iter():
        yield element.tag
        yield element.text or ""
        yield element.tail or ""
        for key, value in element.attrib.items():
            yield key
            yield value


def assert_outputs_clean(client: FlaskClient, slugs: set[str]) -> None:
    for path in ("/feed.xml", "/sitemap.xml", "/opensearch.xml"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_clean_text(response.get_data(as_text=True), path)
        texts = "".join(xml_texts(response.data))
        assert not EVERY_SET & set(texts) - {"\n"}, path
    feed = ET.fromstring(client.get("/feed.xml").data)
    entries = feed.findall("{http://www.w3.org/2005/Atom}entry")
    shown = {e.findtext("{http://www.w3.org/2005/Atom}id").rsplit("/", 1)[1] for e in entries}
    assert shown <= slugs and len(shown) == min(len(slugs), FEED_ENTRIES)
    response = client.get("/export.csv")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # the byte order mark office software needs, nothing more
    assert_clean_text(text[1:].replace("\r\n", "\n"), "/export.csv")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert {row["Kurzname"] for row in rows} == slugs
    response = client.get("/export.json")
    assert response.status_code == 200
    assert_clean_text(response.get_data(as_text=True), "/export.json")
    assert {r["slug"] for r in json.loads(response.data)["results"]} == slugs


def test_the_site_over_the_corpus_serves_well_formed_outputs(corpus: Path, tmp_path: Path) -> None:
    toolkit = load_toolkit(corpus)
    build(toolkit, tmp_path / "index")
    app = create_app(Settings(toolkit=corpus, index=tmp_path / "index"))
    assert_outputs_clean(app.test_client(), {card.slug for card in toolkit.cards})


# ---- outputs: an index that holds such cards --------------------------------------------------


def hostile_card(slug: str, text: str) -> Card:
    """A card the check would refuse, as an index written without the check would hold it."""
    return Card(
        slug=slug,
        title=f"Titel {text}",
        summary=f"Kurz {text}",
        plain_summary=f"Einfach {text}",
        topics=("Wohnen",),
        communes=("Barleben",),
        challenges=("Leerstand",),
        published=dt.date(2024, 1, 1),
        body=f"## Worum geht es?\n\nText {text} Text.\n\n## So funktioniert es\n\n`{text}`\n",
        contact=Contact(name=f"Team {text}", email="team@example.org", phone=f"0{text}1"),
        links=(Link(title=f"Link {text}", url=f"https://example.org/{text}"),),
        source_path=f"{slug}.md",
    )


def test_the_site_over_an_index_with_such_cards_serves_well_formed_outputs(
    tmp_path: Path,
) -> None:
    folder = write_corpus(tmp_path / "toolkit")
    vocabulary, _ = load_vocabulary(folder)
    # one card per character, and one with all of them (a lone surrogate cannot be written to an
    # index: it has no UTF-8 form)
    cards = [hostile_card(f"zeichen-{ord(ch):05x}", ch) for ch in IN_FILES]
    cards.append(hostile_card("alle-zeichen", "=" + ALL_IN_FILES))
    build(Toolkit(cards=tuple(cards), vocabulary=vocabulary), tmp_path / "index")
    settings = Settings(
        toolkit=folder, index=tmp_path / "index", site_name="Werkzeuge\x1b[31m\x07\ufffe"
    )
    assert_outputs_clean(create_app(settings).test_client(), {card.slug for card in cards})


# ---- outputs: the writers alone ----------------------------------------------------------------


def card_data(slug: str, text: str) -> dict[str, object]:
    return {
        "slug": slug,
        "title": f"Titel {text}",
        "summary": f"Kurz {text}",
        "plain_summary": f"Einfach {text}",
        "published": "2024-01-01",
        "updated": None,
        "topics": [f"Thema {text}"],
        "communes": [f"Kommune {text}"],
        "html": f"<p>Text {text}</p>",
        "contact": {"name": f"Team {text}", "email": f"{text}@example.org"},
        "links": [{"title": f"Link {text}", "url": f"https://example.org/{text}"}],
        "url": f"https://example.org/werkzeuge/{slug}",
    }


WRITER_CARDS = [card_data(f"c{n}", ch) for n, ch in enumerate(EVERY)] + [
    card_data("alle", ALL_IN_ONE)
]


def assert_clean_xml(text: str, what: str, holds: str) -> None:
    """Well-formed, nothing of ``EVERY`` in any text or attribute, and ``holds`` is still there."""
    assert_clean_text(text, what)
    found = "".join(xml_texts(text.encode("utf-8")))
    assert not EVERY_SET & set(found) - {"\n"}, what
    assert holds in found, what


def test_feed_sitemap_and_opensearch_are_well_formed_whatever_the_cards_hold() -> None:
    base = "https://w.example" + ALL_IN_ONE
    name = "ZWK" + ALL_IN_ONE
    feed = atom_feed(WRITER_CARDS, base, site_name=name, limit=len(WRITER_CARDS))
    assert_clean_xml(feed, "feed", "<p>Text </p>")
    assert ET.fromstring(feed).findtext("{http://www.w3.org/2005/Atom}title").startswith("ZWK: ")
    assert_clean_xml(sitemap(base, ["/"], WRITER_CARDS, ["sammlung"]), "sitemap", "/werkzeuge/c9")
    description = opensearch(base, site_name=name)
    assert_clean_text(description, "opensearch")
    xml.dom.minidom.parseString(description.encode("utf-8"))


def test_svg_charts_and_qr_codes_are_well_formed_whatever_the_labels_hold() -> None:
    bars = [(f"Thema {ch}", n) for n, ch in enumerate(EVERY)]
    assert_clean_xml(bar_chart_svg("c", "Titel " + ALL_IN_ONE, bars, what="je"), "bars", "Thema")
    assert_clean_xml(germany_map_svg("m", "Titel " + ALL_IN_ONE, {"Sachsen": 2}), "map", "Titel")
    svg = qr_svg("https://w.example/" + ALL_IN_FILES[:40]).decode("utf-8")
    assert_clean_text(svg, "qr")
    xml.dom.minidom.parseString(svg.encode("utf-8"))
    inline = qr_inline_svg("https://w.example/x", "Titel " + ALL_IN_ONE)
    assert_clean_text(inline, "qr inline")
    xml.dom.minidom.parseString(inline.encode("utf-8"))


def test_csv_and_json_exports_hold_no_control_character_and_keep_the_formula_guard() -> None:
    text = to_csv(WRITER_CARDS)
    assert_clean_text(text.removeprefix("\ufeff").replace("\r\n", "\n"), "csv")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == len(WRITER_CARDS) + 1
    hidden = to_csv([{"slug": "x", "title": "\x00=HYPERLINK(1)", "summary": "\u202e@SUM(A1)"}])
    row = next(csv.DictReader(io.StringIO(hidden.lstrip("\ufeff")), delimiter=";"))
    assert row["Titel"] == "'=HYPERLINK(1)" and row["Kurzbeschreibung"] == "'@SUM(A1)"
    data = to_json_data(
        WRITER_CARDS,
        query="Bus" + ALL_IN_ONE,
        filters={"topics": ["Thema" + ALL_IN_ONE]},
        total=len(WRITER_CARDS),
        search_url="https://w.example/?q=Bus",
    )
    dumped = json.dumps(data, ensure_ascii=False)
    assert_clean_text(dumped, "json")
    assert json.loads(dumped)["results"][-1]["title"] == "Titel "
