"""The one card writer: key order of the template, quoting only where YAML needs it, every
bundled card written back unchanged, and hostile text that still gives a valid YAML file."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import yaml

from zwk_kb.authoring.cardfile import (
    KEY_ORDER,
    SECTIONS,
    CardValues,
    body_text,
    render_card_file,
    scalar,
    split_sections,
    values_from_card,
)
from zwk_kb.cards import CARD_FIELDS_BY_KEY, parse_card
from zwk_kb.model import Contact, Link
from zwk_kb.toolkit import load_toolkit, load_vocabulary

BUNDLED = Path(__file__).resolve().parent.parent / "toolkit"


def test_key_order_is_the_templates_and_covers_the_contract() -> None:
    template = (BUNDLED / "_template.md").read_text(encoding="utf-8")
    front = template.split("\n---\n", 1)[0]
    keys = re.findall(r"^(?:# )?([a-z_]+):", front, re.M)
    assert tuple(keys) == KEY_ORDER
    assert set(KEY_ORDER) == set(CARD_FIELDS_BY_KEY)
    headings = re.findall(r"^## (.+)$", template, re.M)
    assert tuple(headings) == tuple(s.heading for s in SECTIONS)


def test_every_bundled_card_is_written_back_as_the_same_card() -> None:
    toolkit = load_toolkit(BUNDLED)
    assert len(toolkit.cards) >= 30
    for card in toolkit.cards:
        values = values_from_card(card)
        assert any(values.sections), card.slug  # the bundled cards use the recommended sections
        parsed = parse_card(card.slug, render_card_file(values).text, toolkit.vocabulary)
        assert parsed.card is not None, (card.slug, parsed.problems)
        assert [p for p in parsed.problems if p.is_error] == []
        assert dataclasses.replace(parsed.card, stamp="", source_path="") == dataclasses.replace(
            card, stamp="", source_path=""
        ), card.slug


TRICKY = [
    "Bürgerbus: Nachbarn fahren",
    "ja",
    "no",
    "null",
    "~",
    "123",
    "2024-05-01",
    "- Liste?",
    "# Kommentar",
    "Preis 5 # netto",
    'Er sagte "Hallo"',
    "C:\\Pfad\\datei",
    "zwei\nZeilen",
    "  Leerzeichen  ",
    "Tab\there",
    "NUL\x00Zeichen",
    "Steuer\x07zeichen\x7f\x85",
    "geschütztes\u00a0Leerzeichen",
    "Zeilen\u2028trenner",
    "Emoji 🚌",
    "{{ 7*7 }} {% raw %}",
    "<script>alert(1)</script>",
    "&anker *alias !!python/object",
    "ende:",
    "",
]


@pytest.mark.parametrize("value", TRICKY)
def test_a_scalar_reads_back_as_exactly_the_text(value: str) -> None:
    assert yaml.safe_load(f"k: {scalar(value)}\n") == {"k": value}


def test_plain_text_stays_unquoted_and_yaml_words_are_quoted() -> None:
    assert scalar("Landkreis Uckermark") == "Landkreis Uckermark"
    assert scalar("Förderung, Team Ausbildung") == "Förderung, Team Ausbildung"
    assert scalar("ja") == "ja"  # YAML 1.1 booleans are English words only
    assert scalar("yes") == '"yes"'
    assert scalar("123") == '"123"'
    assert scalar("Bürgerbus: Nachbarn") == '"Bürgerbus: Nachbarn"'


def _values(**changes: object) -> CardValues:
    base = CardValues(
        title="Bürgerbus am See",
        summary="Ehrenamtliche fahren Nachbarn.",
        topics=("Bürgerschaftliches Engagement",),
        communes=("Barleben",),
        challenges=("Mobilität im ländlichen Raum",),
        published="2024-05-01",
        contact=Contact(name="Verein", email="bus@example.org"),
        links=(Link("Handreichung", "https://example.org/a"), Link("", "")),
        sections=("Ein Bus.", "1. Fahren", "", "", ""),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_written_file_shape() -> None:
    file = render_card_file(_values())
    assert file.text == (
        "---\n"
        "title: Bürgerbus am See\n"
        "summary: Ehrenamtliche fahren Nachbarn.\n"
        "topics:\n  - Bürgerschaftliches Engagement\n"
        "communes:\n  - Barleben\n"
        "challenges:\n  - Mobilität im ländlichen Raum\n"
        "published: 2024-05-01\n"
        "contact:\n  name: Verein\n  email: bus@example.org\n"
        "links:\n  - title: Handreichung\n    url: https://example.org/a\n"
        "---\n\n"
        "## Worum geht es?\n\nEin Bus.\n\n"
        "## So funktioniert es\n\n1. Fahren\n"
    )
    lines = file.text.split("\n")
    for number, place in file.lines.items():
        line = lines[number - 1]
        if place == "contact.email":
            assert line == "  email: bus@example.org"
        if place == "links.1.url":
            assert line == "    url: https://example.org/a"
        if place == "sections.2":
            assert line in ("## So funktioniert es", "", "1. Fahren")
    assert {"title", "summary", "contact.name", "links.1.title", "sections.1"} <= set(
        file.lines.values()
    )


@pytest.mark.parametrize("value", ["Bus\x00", "Bus\x07", "Bus\u202e", "Bus\ufeff"])
def test_control_characters_are_reported_by_the_check_not_as_broken_yaml(value: str) -> None:
    vocabulary, _ = load_vocabulary(BUNDLED)
    file = render_card_file(_values(title=value))
    parsed = parse_card("bus", file.text, vocabulary)
    errors = [p for p in parsed.problems if p.is_error]
    assert errors, value
    assert all(p.field == "title" for p in errors), [p.message for p in errors]
    assert all(file.lines.get(p.line) == "title" for p in errors)


def test_sections_that_do_not_fit_the_order_stay_in_the_rest() -> None:
    body = "## Erfahrungen\n\nGut.\n\n## Worum geht es?\n\nSpät.\n\n## Eigenes\n\nText."
    sections, rest = split_sections(body)
    assert sections[3] == "Gut."
    assert rest == "## Worum geht es?\n\nSpät.\n\n## Eigenes\n\nText."
    assert body_text(sections, rest) == body
    intro = "Vorweg.\n\n## Worum geht es?\n\nText."
    assert split_sections(intro) == (("",) * len(SECTIONS), intro)
    fenced = "## Worum geht es?\n\n```\n## kein Abschnitt\n```"
    sections, rest = split_sections(fenced)
    assert sections[0] == "```\n## kein Abschnitt\n```" and rest == ""
