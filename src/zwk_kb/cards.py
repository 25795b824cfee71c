"""The card contract: one table of fields, and ``parse_card`` that reports every problem at once.

``parse_card`` is pure: it takes the file's text (already decoded) and the vocabulary and returns
either a ``Card`` or the list of ``Problem``s, each with line and column in the file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

import frontmatter
import yaml

from zwk_kb import fields
from zwk_kb.fields import FieldError, MultiFieldError
from zwk_kb.model import SEVERITY_WARNING, Card, Contact, Link, Problem, Vocabulary
from zwk_kb.yamlnodes import YamlProblem, clean_for_message, compose, mapping_items, where

MAX_CARD_BYTES = 256 * 1024
MAX_FRONT_MATTER_CHARS = 32 * 1024
STATUS_VALUES = ("Idee", "in Erprobung", "erprobt")
EFFORT_VALUES = ("gering", "mittel", "hoch")
RECOMMENDED_SECTIONS = 2
VOCABULARY_FILE = "_vocabulary.yml"

# python-frontmatter's own boundary pattern decides what a YAML front matter block is.
_YAML_BOUNDARY = frontmatter.YAMLHandler.FM_BOUNDARY
_HEADING_RE = re.compile(r"^#{2,3}\s+\S", re.M)


@dataclass(frozen=True, slots=True)
class ParsedCard:
    """The outcome of parsing one file: the card if it has no errors, and all problems found."""

    card: Card | None
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class FieldRule:
    """One front-matter key: whether it is required, how it is checked, and its German name."""

    key: str
    required: bool
    label: str
    validator: Callable[[yaml.Node, Vocabulary, str], object]


def _static(check: Callable[[yaml.Node], object]) -> Callable[[yaml.Node, Vocabulary, str], object]:
    return lambda node, vocabulary, hint: check(node)


def _vocab(key: str, what: str) -> Callable[[yaml.Node, Vocabulary, str], object]:
    def check(node: yaml.Node, vocabulary: Vocabulary, hint: str) -> object:
        choices = list(vocabulary.communes) if key == "communes" else getattr(vocabulary, key)
        return fields.vocab_list(choices, what, hint)(node)

    return check


def _tool_type(node: yaml.Node, vocabulary: Vocabulary, hint: str) -> object:
    value = fields.scalar(node, "eine Art des Werkzeugs")
    try:
        return fields.match_choice(value, vocabulary.tool_types, "Die Art des Werkzeugs", node)
    except FieldError as exc:
        raise FieldError(exc.message + f" Neue Arten bitte in {hint} ergänzen.", node) from None


def _contact(node: yaml.Node) -> Contact:
    values: dict[str, str] = {}
    for key, value in _mapping(node, "Kontakt"):
        name = key.value
        if name not in {"name", "organisation", "email", "phone"}:
            raise FieldError(
                f"Unbekannte Angabe {fields.shown(name)} im Kontakt. Möglich sind: name, "
                "organisation, email, phone.",
                key,
            )
        values[name] = fields.text(200, "ein Text")(value) if _present(value) else ""
    if values.get("email") and not re.match(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$", values["email"]):
        raise FieldError(f"Die E-Mail-Adresse {fields.shown(values['email'])} ist ungültig.", node)
    return Contact(**values)


def _links(node: yaml.Node) -> tuple[Link, ...]:
    if not isinstance(node, yaml.SequenceNode):
        raise FieldError("Erwartet wird eine Liste von Links, jeweils mit title und url.", node)
    links = []
    for item in node.value:
        entry = dict((k.value, v) for k, v in _mapping(item, "Link"))
        if "url" not in entry:
            raise FieldError("Zu jedem Link gehört eine Adresse (url).", item)
        url = fields.http_url(entry["url"])
        title = fields.text(200)(entry["title"]) if "title" in entry else url
        links.append(Link(title=title, url=url))
    return tuple(links)


def _mapping(node: yaml.Node, what: str) -> list[tuple[yaml.ScalarNode, yaml.Node]]:
    try:
        return mapping_items(node)
    except YamlProblem:
        raise FieldError(f"{what}: erwartet wird eine Zuordnung (schlüssel: wert).", node) from None


CARD_FIELDS: tuple[FieldRule, ...] = (
    FieldRule("title", True, "Titel", _static(fields.text(120))),
    FieldRule("summary", True, "Kurzbeschreibung", _static(fields.text(300))),
    FieldRule("topics", True, "Themen", _vocab("topics", "Thema")),
    FieldRule("communes", True, "Kommunen", _vocab("communes", "Kommune")),
    FieldRule("challenges", True, "Herausforderungen", _vocab("challenges", "Herausforderung")),
    FieldRule("target_groups", False, "Zielgruppen", _vocab("target_groups", "Zielgruppe")),
    FieldRule("status", False, "Stand", _static(fields.one_of(STATUS_VALUES, "Der Stand"))),
    FieldRule("effort", False, "Aufwand", _static(fields.one_of(EFFORT_VALUES, "Der Aufwand"))),
    FieldRule("published", True, "Veröffentlicht", _static(fields.iso_date)),
    FieldRule("updated", False, "Aktualisiert", _static(fields.iso_date)),
    FieldRule("contact", False, "Kontakt", _static(_contact)),
    FieldRule("links", False, "Links", _static(_links)),
    FieldRule("aliases", False, "Frühere Kurznamen", _static(fields.slug_list)),
    FieldRule("license", False, "Lizenz", _static(fields.spdx)),
    FieldRule("tool_type", False, "Art des Werkzeugs", _tool_type),
    FieldRule("plain_summary", False, "Leichte Sprache", _static(fields.text(500))),
    FieldRule("reused_by", False, "Nachgemacht in", _vocab("communes", "Kommune")),
)
CARD_FIELDS_BY_KEY = {rule.key: rule for rule in CARD_FIELDS}
LIST_KEYS = frozenset({"topics", "communes", "challenges", "target_groups", "reused_by"})


def _present(node: yaml.Node) -> bool:
    """Whether a value was given (an empty ``key:`` counts as not given)."""
    if isinstance(node, yaml.ScalarNode):
        return node.value.strip() != "" and node.tag != "tag:yaml.org,2002:null"
    return True


def content_stamp(data: bytes) -> str:
    """Content hash of a card file: equal stamps mean the index entry is current."""
    return hashlib.blake2b(data, digest_size=12).hexdigest()


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """(front matter, body, line where the body starts) or ``None`` if there is no YAML block."""
    match = _YAML_BOUNDARY.match(text)
    if not match or not text.startswith("---"):
        return None
    parts = _YAML_BOUNDARY.split(text, 2)
    if len(parts) < 3:
        return None
    _, front, body = parts
    body_line = text[: len(text) - len(body)].count("\n") + 1
    return front, body, body_line


class _Report:
    """Collects problems of one file with the file's path and the front matter's line offset."""

    def __init__(self, path: str, line_offset: int) -> None:
        self.path = path
        self.offset = line_offset
        self.problems: list[Problem] = []

    def add(self, message: str, field: str = "", line: int = 1, column: int = 1, *, warning: bool = False) -> None:
        self.problems.append(
            Problem(
                path=self.path,
                line=line,
                column=column,
                field=field,
                message=message,
                severity=SEVERITY_WARNING if warning else "error",
            )
        )

    def at_node(self, node: yaml.Node | None, message: str, field: str, *, warning: bool = False) -> None:
        if node is None:
            self.add(message, field, warning=warning)
            return
        loc = where(node)
        self.add(message, field, loc.line + self.offset, loc.column, warning=warning)

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)


def parse_card(
    slug: str,
    text: str,
    vocabulary: Vocabulary,
    *,
    path: str = "",
    vocabulary_hint: str = VOCABULARY_FILE,
) -> ParsedCard:
    """Parse and validate one card; every problem of the file is reported, not only the first."""
    path = path or f"{slug}.md"
    report = _Report(path, 0)
    if not fields.is_slug(slug):
        report.add(
            f"Der Dateiname {fields.shown(slug)} ist als Kurzname ungültig. Erlaubt sind nur "
            "Kleinbuchstaben a–z, Ziffern und Bindestriche (aus ä wird ae, aus ß wird ss), "
            f"höchstens {fields.SLUG_MAX} Zeichen, z. B. „buergerbus-am-see.md“.",
            "slug",
        )
    if text.startswith("\ufeff"):
        text = text[1:]
        report.add(
            "Die Datei beginnt mit einem unsichtbaren BOM-Zeichen. Bitte als „UTF-8 ohne BOM“ speichern.",
            warning=True,
        )
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        report.add("Die Datei enthält ein NUL-Zeichen. Bitte die Datei neu als Text speichern.", line=line)
        return ParsedCard(None, tuple(report.problems))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    split = _split_or_report(text, report)
    if split is None:
        return ParsedCard(None, tuple(report.problems))
    front, body, body_line = split
    report.offset = 1  # front matter starts on line 2
    if len(front) > MAX_FRONT_MATTER_CHARS:
        report.add("Die Angaben zwischen den ---Linien sind zu lang.", line=2)
        return ParsedCard(None, tuple(report.problems))
    try:
        root = compose(front)
    except YamlProblem as exc:
        report.add(exc.message, line=exc.line + 1, column=exc.column)
        return ParsedCard(None, tuple(report.problems))
    if root is None or not isinstance(root, yaml.MappingNode):
        report.add(
            "Zwischen den ---Linien stehen keine Angaben der Form „schlüssel: wert“.",
            line=2,
        )
        return ParsedCard(None, tuple(report.problems))
    values = _validate_fields(root, vocabulary, report, vocabulary_hint)
    _check_body(body, body_line, report)
    if report.has_errors:
        return ParsedCard(None, tuple(report.problems))
    card = Card(
        slug=slug,
        body=body.strip("\n"),
        source_path=path,
        stamp=content_stamp(text.encode("utf-8")),
        **values,  # type: ignore[arg-type]
    )
    return ParsedCard(card, tuple(report.problems))


def _split_or_report(text: str, report: _Report) -> tuple[str, str, int] | None:
    stripped = text.lstrip()
    if stripped.startswith("+++"):
        report.add(
            "Die Angaben stehen im TOML-Format (+++). Bitte YAML zwischen zwei ---Linien verwenden.",
        )
        return None
    if stripped.startswith("{"):
        report.add(
            "Die Angaben stehen im JSON-Format. Bitte YAML zwischen zwei ---Linien verwenden.",
        )
        return None
    if not text.startswith("---"):
        report.add(
            "Die Karte muss mit einer Zeile „---“ beginnen. Danach folgen die Angaben "
            "(title, summary, …), dann wieder eine Zeile „---“ und dann der Text.",
        )
        return None
    split = split_front_matter(text)
    if split is None:
        report.add(
            "Die Angaben oben werden nicht mit einer Zeile „---“ abgeschlossen. Bitte nach den "
            "Angaben eine Zeile nur mit „---“ einfügen.",
        )
        return None
    return split


def _validate_fields(
    root: yaml.MappingNode, vocabulary: Vocabulary, report: _Report, hint: str
) -> dict[str, object]:
    seen: dict[str, yaml.Node] = {}
    values: dict[str, object] = {}
    for key_node, value_node in root.value:
        if not isinstance(key_node, yaml.ScalarNode):
            report.at_node(key_node, "Ein Schlüssel muss ein einfaches Wort sein.", "")
            continue
        key = key_node.value
        if key in seen:
            first = where(seen[key]).line + report.offset
            report.at_node(
                key_node,
                f"Die Angabe „{clean_for_message(key)}“ steht doppelt (zuerst in Zeile {first}). "
                "Bitte nur einmal angeben.",
                key,
            )
            continue
        seen[key] = key_node
        rule = CARD_FIELDS_BY_KEY.get(key)
        if rule is None:
            close = fields.suggestion(key, list(CARD_FIELDS_BY_KEY))
            hint_text = f" Meinten Sie „{close}“?" if close else ""
            report.at_node(
                key_node,
                f"Unbekannte Angabe „{clean_for_message(key)}“ wird ignoriert.{hint_text}",
                key,
                warning=True,
            )
            continue
        if not _present(value_node):
            continue
        try:
            values[key] = rule.validator(value_node, vocabulary, hint)
        except MultiFieldError as exc:
            for error in exc.errors:
                report.at_node(error.node or value_node, error.message, key)
        except FieldError as exc:
            report.at_node(exc.node or value_node, f"{rule.label}: {exc.message}", key)
    for rule in CARD_FIELDS:
        if rule.required and rule.key not in values and rule.key not in seen:
            report.add(
                f"Die Pflichtangabe „{rule.key}“ ({rule.label}) fehlt. Bitte ergänzen.",
                rule.key,
                line=2,
            )
        elif rule.required and rule.key in seen and rule.key not in values:
            if not any(p.field == rule.key for p in report.problems):
                report.at_node(
                    seen[rule.key], f"Die Pflichtangabe „{rule.key}“ ({rule.label}) ist leer.", rule.key
                )
    for key in LIST_KEYS & {"topics", "communes", "challenges"}:
        if key in values and not values[key] and not any(p.field == key for p in report.problems):
            report.at_node(seen.get(key), f"Bitte mindestens einen Eintrag bei „{key}“ angeben.", key)
    published, updated = values.get("published"), values.get("updated")
    if isinstance(published, dt.date) and isinstance(updated, dt.date) and updated < published:
        report.at_node(
            seen.get("updated"),
            "Aktualisiert: Das Datum liegt vor dem Veröffentlichungsdatum. Bitte prüfen.",
            "updated",
        )
    if "contact" not in values:
        report.add(
            "Es gibt keinen Kontakt (contact). Andere Kommunen wissen dann nicht, wen sie fragen können.",
            "contact",
            line=2,
            warning=True,
        )
    for key in LIST_KEYS:
        values.setdefault(key, ())
    return values


def _check_body(body: str, body_line: int, report: _Report) -> None:
    if len(_HEADING_RE.findall(body)) < RECOMMENDED_SECTIONS and body.strip():
        report.add(
            "Der Text hat kaum Abschnitte. Empfohlen sind Überschriften wie „## Worum geht es?“ "
            "und „## So funktioniert es“.",
            "body",
            line=body_line,
            warning=True,
        )
    if not body.strip():
        report.add(
            "Die Karte hat keinen Text unter den Angaben. Bitte beschreiben Sie das Werkzeug.",
            "body",
            line=body_line,
            warning=True,
        )
