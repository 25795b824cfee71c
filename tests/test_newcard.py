"""``zwk-kb new``: file names from titles, vocabulary choices, and cards that pass the check."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from zwk_kb.authoring.newcard import parse_choices, slugify
from zwk_kb.checks import check_paths
from zwk_kb.cli import main

VOCABULARY = """\
topics: [Wohnen, Mobilität, Öffentlichkeitsarbeit]
challenges: [Leerstand im Ortskern, Fachkräftemangel]
communes:
  Dessau-Roßlau: {state: Sachsen-Anhalt, cluster: Ost, kind: Stadt}
  Barleben: {state: Sachsen-Anhalt, cluster: Nord, kind: Gemeinde}
"""


@pytest.fixture
def toolkit(tmp_path: Path) -> Path:
    folder = tmp_path / "toolkit"
    folder.mkdir()
    (folder / "_vocabulary.yml").write_text(VOCABULARY, encoding="utf-8")
    return folder


def invoke(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner(env={"ZWK_KB_TOOLKIT": ""}).invoke(main, ["new", *args], input=input)
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Bürgerbus am See", "buergerbus-am-see"),
        ("Große Straße: Ärzte & Öffnungszeiten!", "grosse-strasse-aerzte-oeffnungszeiten"),
        ("  Café  für   Senioren (2024) ", "cafe-fuer-senioren-2024"),
        ("ÜBER UNS", "ueber-uns"),
        ("../../etc/passwd", "etc-passwd"),
        ("!!!", ""),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_slugify_cuts_long_titles_at_a_word() -> None:
    slug = slugify("Ein sehr langer Titel " * 10)
    assert len(slug) <= 80 and not slug.endswith("-") and slug.startswith("ein-sehr-langer-titel")


def test_parse_choices_by_number_name_and_spelling() -> None:
    choices = ("Wohnen", "Mobilität", "Öffentlichkeitsarbeit")
    assert parse_choices("1, 3", choices, "Thema") == (["Wohnen", "Öffentlichkeitsarbeit"], [])
    assert parse_choices("mobilitaet; Wohnen; 1", choices, "Thema") == (["Mobilität", "Wohnen"], [])
    picked, errors = parse_choices("Wohnung, 7", choices, "Thema")
    assert picked == []
    assert errors == [
        "Thema „Wohnung“ ist nicht im Vokabular. Meinten Sie „Wohnen“? Neue Begriffe bitte zuerst "
        "in "
        "_vocabulary.yml ergänzen.",
        "Die Nummer 7 gibt es nicht (1 bis 3).",
    ]


def test_non_interactive_card_passes_the_check(toolkit: Path) -> None:
    code, out = invoke(
        "--toolkit",
        str(toolkit),
        "--title",
        "Bürgerbus: Nachbarn fahren",
        "--summary",
        'Ehrenamtliche fahren "Senioren" zum Arzt.',
        "--topic",
        "Mobilität",
        "--topic",
        "wohnen",
        "--commune",
        "Dessau-Rosslau",
        "--challenge",
        "Leerstand im Ortskern",
        "--contact-name",
        "Verein",
        "--contact-email",
        "bus@example.org",
        "--source-url",
        "https://www.dessau.example.org/buergerbus",
        "--source-title",
        "Bürgerbus auf der Seite der Stadt",
    )
    assert code == 0, out
    path = toolkit / "buergerbus-nachbarn-fahren.md"
    assert out.startswith(f"Neue Karte: {path}\n")
    report = check_paths([path])
    assert report.problems == [] and report.files == 1
    text = path.read_text(encoding="utf-8")
    assert 'title: "Bürgerbus: Nachbarn fahren"' in text
    assert "  - Dessau-Roßlau\n" in text  # the vocabulary's spelling
    assert f"published: {dt.date.today().isoformat()}" in text


def test_card_without_contact_passes_with_a_warning(toolkit: Path) -> None:
    code, _ = invoke(
        "--toolkit",
        str(toolkit),
        "--title",
        "Leerstand",
        "--summary",
        "Kurz.",
        "--topic",
        "1",
        "--commune",
        "Barleben",
        "--challenge",
        "2",
    )
    assert code == 0
    report = check_paths([toolkit / "leerstand.md"])
    assert report.errors == []
    assert [p.field for p in report.warnings] == ["contact", "sources"]


def test_a_source_needs_a_title_and_a_valid_address(toolkit: Path) -> None:
    base = ["--toolkit", str(toolkit), "--title", "Leerstand", "--summary", "Kurz."]
    base += ["--topic", "1", "--commune", "Barleben", "--challenge", "2"]
    code, out = invoke(*base, "--source-url", "https://example.org/leerstand")
    assert code == 2 and "Zur Adresse der Quelle gehört ein Titel." in out
    code, out = invoke(*base, "--source-url", "javascript:alert(1)", "--source-title", "X")
    assert code == 1
    assert "Quelle 1 (url): Erwartet wird eine Internetadresse" in out
    assert list(toolkit.glob("*.md")) == []


def test_refuses_to_overwrite(toolkit: Path) -> None:
    existing = toolkit / "leerstand.md"
    existing.write_text("meine Karte", encoding="utf-8")
    code, out = invoke(
        "--toolkit",
        str(toolkit),
        "--title",
        "Leerstand",
        "--summary",
        "Kurz.",
        "--topic",
        "1",
        "--commune",
        "Barleben",
        "--challenge",
        "1",
    )
    assert code == 1
    assert f"Die Datei {existing} gibt es schon." in out
    assert existing.read_text(encoding="utf-8") == "meine Karte"


def test_refuses_a_slug_that_is_another_cards_former_name(toolkit: Path) -> None:
    invoke(
        "--toolkit",
        str(toolkit),
        "--title",
        "Dorfladen neu",
        "--summary",
        "Kurz.",
        "--topic",
        "1",
        "--commune",
        "Barleben",
        "--challenge",
        "1",
    )
    card = toolkit / "dorfladen-neu.md"
    card.write_text(
        card.read_text(encoding="utf-8").replace("---\n\n", "aliases: [dorfladen]\n---\n\n", 1)
    )
    code, out = invoke(
        "--toolkit",
        str(toolkit),
        "--title",
        "Dorfladen",
        "--summary",
        "Kurz.",
        "--topic",
        "1",
        "--commune",
        "Barleben",
        "--challenge",
        "1",
    )
    assert code == 1
    assert "„dorfladen“ ist ein früherer Name der Karte dorfladen-neu." in out
    assert not (toolkit / "dorfladen.md").exists()


def test_unknown_vocabulary_in_flags_is_a_usage_error(toolkit: Path) -> None:
    code, out = invoke(
        "--toolkit",
        str(toolkit),
        "--title",
        "X",
        "--summary",
        "Kurz.",
        "--topic",
        "Wohnung",
        "--commune",
        "Barleben",
        "--challenge",
        "1",
    )
    assert code == 2
    assert "Meinten Sie „Wohnen“?" in out
    assert list(toolkit.glob("*.md")) == []


def test_too_long_summary_is_refused_with_the_check_message(toolkit: Path) -> None:
    code, out = invoke(
        "--toolkit",
        str(toolkit),
        "--title",
        "X",
        "--summary",
        "y" * 301,
        "--topic",
        "1",
        "--commune",
        "Barleben",
        "--challenge",
        "1",
    )
    assert code == 1
    assert "Kurzbeschreibung: Der Text ist 301 Zeichen lang, erlaubt sind höchstens 300." in out
    assert list(toolkit.glob("*.md")) == []


def test_interactive_prompts_offer_the_vocabulary(toolkit: Path) -> None:
    (toolkit / "dorfladen.md").write_text("schon da", encoding="utf-8")
    answers = (
        "\n".join(
            [
                "!!!",  # no usable file name: asked again
                "Dorfladen",  # exists already: asked again
                "Dorfladen im Ortskern",
                "Ein Laden, den das Dorf selbst betreibt.",
                "Wohnung",  # not in the vocabulary: asked again
                "1, Mobilität",
                "barleben",
                "2",
                "Dorfladen eG",
                "laden@example.org",
                "https://www.barleben.example.org/dorfladen",
                "Der Dorfladen auf der Seite der Gemeinde",
            ]
        )
        + "\n"
    )
    code, out = invoke("--toolkit", str(toolkit), input=answers)
    assert code == 0, out
    assert "  1. Wohnen\n  2. Mobilität\n  3. Öffentlichkeitsarbeit" in out
    assert "  1. Dessau-Roßlau\n  2. Barleben" in out
    assert "Thema „Wohnung“ ist nicht im Vokabular. Meinten Sie „Wohnen“?" in out
    assert f"Dateiname: {toolkit / 'dorfladen-im-ortskern.md'}" in out
    assert f"Die Datei {toolkit / 'dorfladen.md'} gibt es schon." in out
    path = toolkit / "dorfladen-im-ortskern.md"
    assert check_paths([path]).problems == []
    text = path.read_text(encoding="utf-8")
    assert "topics:\n  - Wohnen\n  - Mobilität\n" in text
    assert "challenges:\n  - Fachkräftemangel\n" in text
    assert "contact:\n  name: Dorfladen eG\n  email: laden@example.org\n" in text
    assert (
        "sources:\n  - title: Der Dorfladen auf der Seite der Gemeinde\n"
        "    url: https://www.barleben.example.org/dorfladen\n"
    ) in text


def test_new_writes_cards_as_the_websites_form_does(toolkit: Path) -> None:
    """One writer: the file of `zwk-kb new`, read and written again by the form's writer, is
    the same text (key order, quoting, sections)."""
    from zwk_kb.authoring.cardfile import render_card_file, values_from_card
    from zwk_kb.cards import parse_card
    from zwk_kb.toolkit import load_vocabulary

    code, _ = invoke(
        "--toolkit",
        str(toolkit),
        "--title",
        "Bürgerbus: Nachbarn fahren",
        "--summary",
        "Kurz.",
        "--topic",
        "1",
        "--commune",
        "Barleben",
        "--challenge",
        "1",
        "--contact-name",
        "ja",
    )
    assert code == 0
    text = (toolkit / "buergerbus-nachbarn-fahren.md").read_text(encoding="utf-8")
    assert 'title: "Bürgerbus: Nachbarn fahren"\n' in text and '  name: "ja"\n' not in text
    parsed = parse_card("buergerbus-nachbarn-fahren", text, load_vocabulary(toolkit)[0])
    assert parsed.card is not None
    again = render_card_file(values_from_card(parsed.card)).text
    assert again == text
