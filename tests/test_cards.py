"""The card contract: fixture pairs in tests/cards/, the schema as rule source, edge cases."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from zwk_kb import fields
from zwk_kb.cards import CARD_FIELDS, CARD_FIELDS_BY_KEY, parse_card, split_front_matter
from zwk_kb.model import Vocabulary
from zwk_kb.vocabulary import parse_vocabulary

ROOT = Path(__file__).resolve().parent.parent
CASES = Path(__file__).resolve().parent / "cards"
SCHEMA_PATH = ROOT / "src" / "zwk_kb" / "data" / "card.schema.json"


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    parsed = parse_vocabulary((CASES / "_vocabulary.yml").read_text(encoding="utf-8"))
    assert parsed.problems == ()
    return parsed.vocabulary


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in dataclasses.asdict(value).items()}
    return value


# ---- fixture pairs: <case>.md + <case>.expected.json --------------------------------------------

CASE_FILES = sorted(p for p in CASES.glob("*.md") if not p.name.startswith("_"))


def test_there_are_enough_cases() -> None:
    assert len(CASE_FILES) >= 12
    for case in CASE_FILES:
        assert case.with_suffix(".expected.json").is_file(), f"{case.name} has no expected.json"


@pytest.mark.parametrize("case", CASE_FILES, ids=lambda p: p.stem)
def test_card_case(case: Path, vocabulary: Vocabulary) -> None:
    expected = json.loads(case.with_suffix(".expected.json").read_text(encoding="utf-8"))
    parsed = parse_card(
        case.stem,
        case.read_bytes().decode("utf-8"),
        vocabulary,
        path=case.name,
        vocabulary_hint="_vocabulary.yml",
    )
    problems = [
        {
            "line": p.line,
            "column": p.column,
            "field": p.field,
            "message": p.message,
            "severity": p.severity,
        }
        for p in parsed.problems
    ]
    assert problems == expected["problems"]
    if expected["card"] is None:
        assert parsed.card is None
        assert any(p["severity"] == "error" for p in problems)
    else:
        assert parsed.card is not None
        card = {
            f.name: _plain(getattr(parsed.card, f.name))
            for f in dataclasses.fields(parsed.card)
            if f.name not in {"stamp", "source_path"}
        }
        assert card == expected["card"]


# ---- the schema is the single source of the field rules -----------------------------------------


def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def test_schema_keys_are_exactly_the_card_fields() -> None:
    schema = _schema()
    assert set(schema["properties"]) == set(CARD_FIELDS_BY_KEY)
    assert {r.key for r in CARD_FIELDS if r.required} == set(schema["required"])
    # every key of the card contract table is there
    assert set(CARD_FIELDS_BY_KEY) == {
        "title",
        "summary",
        "topics",
        "communes",
        "challenges",
        "target_groups",
        "status",
        "effort",
        "published",
        "updated",
        "contact",
        "links",
        "sources",
        "aliases",
        "license",
        "tool_type",
        "plain_summary",
        "reused_by",
    }


def test_schema_limits_equal_the_rule_table() -> None:
    schema = _schema()
    for key, raw in schema["properties"].items():
        spec = fields.resolved(raw, schema)
        rule = CARD_FIELDS_BY_KEY[key]
        items = spec.get("items", {})
        if rule.vocabulary:
            assert rule.vocabulary == spec["x-vocabulary"]
            limit = items.get("maxLength") if "array" in fields.schema_types(spec) else None
            assert rule.max_length == limit, key
            assert rule.min_items == spec.get("minItems", 0), key
        elif "enum" in spec:
            assert rule.choices == tuple(spec["enum"]), key
        elif spec.get("type") == "string":
            assert rule.max_length == spec.get("maxLength"), key
            assert rule.pattern == spec.get("pattern"), key
    assert CARD_FIELDS_BY_KEY["title"].max_length == 120
    assert CARD_FIELDS_BY_KEY["summary"].max_length == 300
    assert CARD_FIELDS_BY_KEY["plain_summary"].max_length == 500
    assert CARD_FIELDS_BY_KEY["status"].choices == ("Idee", "in Erprobung", "erprobt")
    assert CARD_FIELDS_BY_KEY["effort"].choices == ("gering", "mittel", "hoch")


def test_schema_says_what_it_cannot_check() -> None:
    description = _schema()["description"]
    assert "Vokabular" in description and "zwk-kb check" in description


def _front(**overrides: Any) -> str:
    meta: dict[str, Any] = {
        "title": "Bürgerbus",
        "summary": "Ehrenamtliche fahren.",
        "topics": ["Mobilität"],
        "communes": ["Barleben"],
        "challenges": ["Fachkräftemangel"],
        "published": "2024-01-01",
        "contact": {"name": "Team"},
    }
    meta.update(overrides)
    meta = {k: v for k, v in meta.items() if v is not None}
    return (
        "---\n"
        + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
        + "---\n\n## A\n\nx\n\n## B\n\ny\n"
    )


@pytest.mark.parametrize(
    "key", [r.key for r in CARD_FIELDS if r.max_length and not r.vocabulary and not r.pattern]
)
def test_text_limits_from_the_schema_are_enforced(key: str, vocabulary: Vocabulary) -> None:
    limit = CARD_FIELDS_BY_KEY[key].max_length
    assert limit is not None
    ok = parse_card("karte", _front(**{key: "x" * limit}), vocabulary)
    assert ok.card is not None, ok.problems
    too_long = parse_card("karte", _front(**{key: "x" * (limit + 1)}), vocabulary)
    assert too_long.card is None
    assert [p.message for p in too_long.problems if p.is_error] == [
        f"{CARD_FIELDS_BY_KEY[key].label}: Der Text ist {limit + 1} Zeichen lang, erlaubt sind "
        f"höchstens {limit}. Bitte kürzen."
    ]


@pytest.mark.parametrize("key", ["status", "effort"])
def test_enum_values_from_the_schema(key: str, vocabulary: Vocabulary) -> None:
    for value in CARD_FIELDS_BY_KEY[key].choices:
        parsed = parse_card("karte", _front(**{key: value}), vocabulary)
        assert parsed.card is not None and getattr(parsed.card, key) == value
    bad = parse_card("karte", _front(**{key: "fertig"}), vocabulary)
    assert bad.card is None


def test_slug_rule_matches_the_schema_pattern() -> None:
    slug = _schema()["$defs"]["slug"]
    pattern = re.compile(slug["pattern"])
    for good in ["a", "buergerbus-am-see", "2024-rueckblick", "x" * slug["maxLength"]]:
        assert fields.is_slug(good) and pattern.match(good)
    for bad in ["", "Bürgerbus", "a b", "a_b", "-a", "a-", "a--b", "..", "a.b", "x" * 81, "über"]:
        assert not fields.is_slug(bad), bad


def test_bundled_cards_and_template_satisfy_the_schema() -> None:
    import jsonschema

    schema = _schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    cards = sorted((ROOT / "toolkit").glob("*.md"))
    assert len(cards) > 30
    for path in cards:
        text = path.read_text(encoding="utf-8")
        front = split_front_matter(text)
        assert front is not None, path
        # YAML 1.2 (what editors use) reads dates as strings; PyYAML would make them dates.
        data = yaml.load(front.yaml_text, Loader=_Yaml12Loader)
        errors = [e.message for e in validator.iter_errors(data)]
        assert errors == [], f"{path.name}: {errors}"


class _Yaml12Loader(yaml.SafeLoader):
    """SafeLoader without the YAML 1.1 timestamp resolver, like YAML 1.2 editors."""


_Yaml12Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def test_schema_rejects_what_the_check_rejects() -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(_schema())
    base = yaml.safe_load(_front().split("---\n")[1])
    base["published"] = "2024-01-01"
    assert list(validator.iter_errors(base)) == []
    sourced = {**base, "sources": [{"title": "Werkzeugkoffer", "url": "https://example.org/w"}]}
    assert list(validator.iter_errors(sourced)) == []
    for key, value in [
        ("sources", [{"title": "x", "url": "javascript:alert(1)"}]),
        ("sources", [{"url": "https://example.org/ohne-titel"}]),
        ("sources", "https://example.org/kein-eintrag"),
        ("title", "x" * 121),
        ("status", "fertig"),
        ("published", "01.02.2024"),
        ("links", [{"title": "x", "url": "javascript:alert(1)"}]),
        ("aliases", ["Alter Name"]),
        ("contact", {"mail": "a@b.de"}),
        ("topics", []),
        ("license", "CC BY"),
    ]:
        assert list(validator.iter_errors({**base, key: value})), key


# ---- parsing edge cases -------------------------------------------------------------------------


def test_template_is_a_valid_card(vocabulary: Vocabulary) -> None:
    from zwk_kb.toolkit import load_vocabulary

    bundled, _ = load_vocabulary(ROOT / "toolkit")
    text = (ROOT / "toolkit" / "_template.md").read_text(encoding="utf-8")
    parsed = parse_card("vorlage", text, bundled)
    # the template shows ``sources`` as a comment (no made-up source): the one hint says so
    assert [(p.field, p.severity) for p in parsed.problems] == [("sources", "warning")]
    assert parsed.card is not None
    # every field of the contract is shown in the template (aliases as a comment)
    for rule in CARD_FIELDS:
        assert re.search(rf"^#?\s*{rule.key}:", text, re.M), rule.key


def test_problem_lines_are_file_lines_with_blank_lines_after_the_opening(
    vocabulary: Vocabulary,
) -> None:
    text = "---\n\n\ntitle: x\nstatus: fertig\n---\nText\n"
    parsed = parse_card("karte", text, vocabulary)
    status = [p for p in parsed.problems if p.field == "status"]
    assert [(p.line, p.column) for p in status] == [(5, 9)]


def test_body_starts_after_the_closing_line_and_keeps_horizontal_rules(
    vocabulary: Vocabulary,
) -> None:
    text = _front().replace("## B\n\ny\n", "## B\n\n---\n\nunten\n")
    parsed = parse_card("karte", text, vocabulary)
    assert parsed.card is not None
    assert parsed.card.body.endswith("---\n\nunten")
    assert parsed.card.body.startswith("## A")


def test_yaml_values_stay_text(vocabulary: Vocabulary) -> None:
    """PyYAML would turn these into bool/float/int; the contract wants the text as written."""
    text = _front(title="yes", summary="1e3", plain_summary="0x10")
    parsed = parse_card("karte", text.replace("'yes'", "yes").replace("'1e3'", "1e3"), vocabulary)
    assert parsed.card is not None
    assert (parsed.card.title, parsed.card.summary, parsed.card.plain_summary) == (
        "yes",
        "1e3",
        "0x10",
    )


def test_aliases_carry_their_positions(vocabulary: Vocabulary) -> None:
    text = _front(aliases=["alt-eins", "alt-zwei"])
    parsed = parse_card("karte", text, vocabulary)
    lines = text.split("\n")
    assert [a for a, _, _ in parsed.aliases] == ["alt-eins", "alt-zwei"]
    for alias, line, column in parsed.aliases:
        assert lines[line - 1][column - 1 :].startswith(alias)


def test_nbsp_and_soft_hyphen_are_fine_but_bidi_overrides_are_not(vocabulary: Vocabulary) -> None:
    ok = parse_card("karte", _front(title="Bürger\u00adbus\u00a0am See"), vocabulary)
    assert ok.card is not None
    bad = parse_card("karte", _front(title="Bürgerbus \u202eesor"), vocabulary)
    assert bad.card is None
    message = bad.problems[0].message
    assert "U+202E" in message and "\u202e" not in message


def test_oversized_text_is_refused_without_parsing(vocabulary: Vocabulary) -> None:
    text = _front() + "x" * (300 * 1024)
    parsed = parse_card("karte", text, vocabulary)
    assert parsed.card is None
    assert "zu groß" in parsed.problems[0].message


def test_messages_are_bounded_for_huge_values(vocabulary: Vocabulary) -> None:
    text = _front(topics=["W" * 5000], status="s" * 5000)
    parsed = parse_card("karte", text, vocabulary)
    assert parsed.card is None
    for problem in parsed.problems:
        assert len(problem.message) < 400, problem.message


def test_too_many_images_is_one_error_not_thousands(vocabulary: Vocabulary) -> None:
    text = _front() + "\n" + "![](bild.png)\n\n" * 60
    parsed = parse_card("karte", text, vocabulary)
    messages = [p.message for p in parsed.problems]
    assert (
        messages.count(
            "Die Karte enthält 60 Bilder, erlaubt sind höchstens 50. Geprüft wurden nur die ersten."
        )
        == 1
    )
    assert sum("keinen Alternativtext" in m for m in messages) == 50
