"""``_vocabulary.yml``: parsing, problems with positions, and the bundled vocabulary."""

from __future__ import annotations

from pathlib import Path

from zwk_kb.vocabulary import parse_vocabulary

ROOT = Path(__file__).resolve().parent.parent

GOOD = """\
topics:
  - Wohnen
  - Mobilität
challenges: [Leerstand]
target_groups: [Familien]
tool_types: [Methode]
communes:
  Dessau-Roßlau: {state: Sachsen-Anhalt, cluster: Ost, kind: Stadt}
  Barleben:
    state: Sachsen-Anhalt
    cluster: Nord
    kind: Gemeinde
synonyms:
  - [Kita, Kindergarten]
"""


def _messages(text: str) -> list[tuple[int, int, str, str]]:
    parsed = parse_vocabulary(text, path="v.yml")
    return [(p.line, p.column, p.severity, p.message) for p in parsed.problems]


def test_good_vocabulary() -> None:
    parsed = parse_vocabulary(GOOD)
    assert parsed.problems == ()
    vocab = parsed.vocabulary
    assert vocab.topics == ("Wohnen", "Mobilität")
    assert vocab.challenges == ("Leerstand",)
    assert vocab.tool_types == ("Methode",)
    barleben = vocab.commune("Barleben")
    assert barleben is not None and (barleben.state, barleben.cluster, barleben.kind) == (
        "Sachsen-Anhalt",
        "Nord",
        "Gemeinde",
    )
    assert vocab.states == ("Sachsen-Anhalt",)
    assert vocab.clusters == ("Nord", "Ost")
    assert vocab.synonyms == (("Kita", "Kindergarten"),)


def test_bom_and_crlf_are_accepted() -> None:
    parsed = parse_vocabulary("\ufeff" + GOOD.replace("\n", "\r\n"))
    assert parsed.problems == ()
    assert parsed.vocabulary.topics == ("Wohnen", "Mobilität")


def test_missing_sections_are_errors() -> None:
    assert _messages("topics: [Wohnen]\n") == [
        (
            1,
            1,
            "error",
            "Im Vokabular fehlt der Abschnitt „challenges“ (eine Liste von Begriffen).",
        ),
        (
            1,
            1,
            "error",
            "Im Vokabular fehlt der Abschnitt „communes“ (Kommunen mit state, cluster, kind).",
        ),
    ]


def test_commune_without_state_is_reported_and_left_out() -> None:
    text = GOOD.replace("    state: Sachsen-Anhalt\n", "")
    parsed = parse_vocabulary(text, path="v.yml")
    assert "Barleben" not in parsed.vocabulary.communes
    assert "Dessau-Roßlau" in parsed.vocabulary.communes
    assert [(p.line, p.message) for p in parsed.problems] == [
        (10, "Bei der Kommune „Barleben“ fehlt: state.")
    ]


def test_duplicates_and_unknown_sections() -> None:
    text = GOOD.replace("  - Mobilität\n", "  - Mobilität\n  - Wohnen\n") + "themen: [x]\n"
    assert _messages(text) == [
        (4, 5, "warning", "Der Begriff „Wohnen“ steht doppelt in „topics“."),
        (
            16,
            1,
            "warning",
            "Unbekannter Abschnitt „themen“ wird ignoriert. Möglich sind: topics, challenges, "
            "target_groups, tool_types, communes, synonyms.",
        ),
    ]


def test_duplicate_commune_key_is_an_error() -> None:
    text = GOOD.replace(
        "  Barleben:\n", "  Barleben: {state: X, cluster: Y, kind: Z}\n  Barleben:\n"
    )
    parsed = parse_vocabulary(text, path="v.yml")
    assert [(p.line, p.column, p.severity, p.message) for p in parsed.problems] == [
        (10, 3, "error", "Die Kommune „Barleben“ steht doppelt.")
    ]
    # the first entry wins
    first = parsed.vocabulary.commune("Barleben")
    assert first is not None and first.state == "X"


def test_anchors_and_python_tags_are_refused_with_position() -> None:
    assert _messages("topics: &t [Wohnen]\nchallenges: *t\n")[0][:2] == (1, 9)
    problems = _messages("topics: !!python/object/apply:os.system [ls]\n")
    assert problems[0][:3] == (1, 9, "error")
    assert "Besondere YAML-Typen" in problems[0][3]


def test_not_a_mapping() -> None:
    assert _messages("- Wohnen\n- Mobilität\n") == [
        (
            1,
            1,
            "error",
            "Das Vokabular muss aus Abschnitten wie „topics:“ und „communes:“ bestehen.",
        )
    ]


def test_html_in_terms_is_a_warning() -> None:
    problems = _messages(GOOD.replace("- Mobilität", '- "<img src=x onerror=alert(1)>"'))
    assert problems == [
        (
            3,
            5,
            "warning",
            "„<img src=x onerror=alert(1)>“ sieht aus wie HTML. HTML wird auf der Website nicht "
            "ausgeführt, sondern als Text angezeigt. Bitte nur Text verwenden.",
        ),
    ]


def test_syntax_error_has_german_message_and_position() -> None:
    problems = _messages("topics:\n  - Wohnen\n - Mobilität\n")
    assert problems[0][:3] == (3, 2, "error")
    assert problems[0][3].startswith("Fehler im YAML-Format: die Einrückung stimmt nicht.")


def test_bundled_vocabulary() -> None:
    parsed = parse_vocabulary((ROOT / "toolkit" / "_vocabulary.yml").read_text(encoding="utf-8"))
    assert parsed.problems == ()
    vocab = parsed.vocabulary
    assert len(vocab.topics) == 13  # the ZWK toolkit's 13 topic fields
    assert "Öffentlichkeitsarbeit" in vocab.topics
    assert len(vocab.communes) >= 15
    assert len(vocab.states) >= 6 and len(vocab.clusters) >= 3
