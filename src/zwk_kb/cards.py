"""The card contract: one table of fields, and ``parse_card`` that reports every problem at once.

The table ``CARD_FIELDS`` is derived from the card schema (``zwk_kb/data/card.schema.json``):
required keys, types, lengths, allowed values and patterns are read from there, so the editor
schema and ``zwk-kb check`` cannot drift apart. What a schema cannot say (vocabulary membership,
``updated`` not before ``published``, images, aliases across cards) is checked here and in
``toolkit.py``.

``parse_card`` is pure: it takes the file's text (already decoded) and the vocabulary and returns
the ``Card`` (if there are no errors) and the list of ``Problem``s, each with line and column.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import frontmatter
import yaml

from zwk_kb import characters, fields
from zwk_kb.fields import FieldError, MultiFieldError
from zwk_kb.markdown import images as body_images
from zwk_kb.markdown import is_safe_link
from zwk_kb.model import SEVERITY_ERROR, SEVERITY_WARNING, Card, Contact, Link, Problem, Vocabulary
from zwk_kb.yamlnodes import YamlProblem, clean_for_message, compose, where

MAX_CARD_BYTES = 256 * 1024
MAX_FRONT_MATTER_CHARS = 32 * 1024
RECOMMENDED_SECTIONS = 2
MAX_MARKUP_NOTES = 10
"""At most this many HTML / unsafe-link hints per card."""
MAX_CHARACTER_NOTES = 10
"""At most this many not-allowed characters of the front matter or body are reported one by one."""
MAX_IMAGES = 50
"""Images checked per card (more are an error: a card is not a gallery)."""
VOCABULARY_FILE = "_vocabulary.yml"

# python-frontmatter's own boundary pattern decides what a "---" line is.
_YAML_BOUNDARY = frontmatter.YAMLHandler.FM_BOUNDARY
_HEADING_RE = re.compile(r"^ {0,3}#{2,3}\s+\S", re.M)
_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")

VocabValidator = Callable[[yaml.Node, Vocabulary, str], object]


@dataclass(frozen=True, slots=True)
class BodyImage:
    """An image referenced in the card body, with its position in the file (for the disk check)."""

    src: str
    alt: str
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class ParsedCard:
    """The outcome of parsing one file: the card if it has no errors, and all problems found."""

    card: Card | None
    problems: tuple[Problem, ...] = ()
    aliases: tuple[tuple[str, int, int], ...] = ()
    """Each former slug with the line and column where it is written (for collision reports)."""
    images: tuple[BodyImage, ...] = ()
    """Local images of the body; ``toolkit.py`` checks that they exist."""


@dataclass(frozen=True, slots=True)
class FieldRule:
    """One front-matter key as the schema defines it, plus the validator built from that."""

    key: str
    required: bool
    label: str
    validator: VocabValidator
    max_length: int | None = None
    """Longest allowed text (for lists: longest item)."""
    choices: tuple[str, ...] = ()
    """Fixed allowed values (schema ``enum``)."""
    pattern: str | None = None
    """Regular expression a text (or each list item) must match."""
    vocabulary: str | None = None
    """Section of ``_vocabulary.yml`` the values must come from."""
    min_items: int = 0
    """Fewest list entries (1 for the required lists)."""


def _static(check: Callable[[yaml.Node], object]) -> VocabValidator:
    return lambda node, vocabulary, hint: check(node)


def _vocab_terms(vocabulary: Vocabulary, section: str) -> tuple[str, ...]:
    if section == "communes":
        return tuple(vocabulary.communes)
    return tuple(getattr(vocabulary, section))


def _vocab_list(section: str, what: str, max_len: int | None) -> VocabValidator:
    def check(node: yaml.Node, vocabulary: Vocabulary, hint: str) -> object:
        terms = _vocab_terms(vocabulary, section)
        return fields.vocab_list(terms, what, hint, max_len)(node)

    return check


def _vocab_single(section: str, what: str) -> VocabValidator:
    def check(node: yaml.Node, vocabulary: Vocabulary, hint: str) -> object:
        try:
            value = fields.scalar(node, f"ein Begriff ({what})")
            fields.check_visible(value, node)
            return fields.vocab_value(value, _vocab_terms(vocabulary, section), what, hint, node)
        except FieldError as exc:  # the message names the field already
            raise MultiFieldError([exc]) from None

    return check


def _string_check(spec: Mapping[str, Any], what: str = "ein Text") -> Callable[[yaml.Node], str]:
    """The validator of one string property of the schema."""
    if spec.get("format") == "date":
        return lambda node: fields.iso_date(node).isoformat()
    if "enum" in spec:
        return fields.one_of(tuple(spec["enum"]), "Der Wert")
    if spec.get("format") == "uri":
        return fields.http_url
    if "pattern" in spec:
        return fields.patterned(spec["pattern"], spec["x-message"], spec.get("maxLength"), what)
    return fields.text(spec.get("maxLength"), what)


def _record(
    spec: Mapping[str, Any], what: str, node: yaml.Node, errors: list[FieldError]
) -> dict[str, str] | None:
    """Check one mapping against an object schema; problems go to ``errors``."""
    if not isinstance(node, yaml.MappingNode):
        errors.append(
            FieldError(
                f"{what}: Erwartet wird eine Zuordnung (schlüssel: wert) mit "
                f"{', '.join(spec['properties'])}.",
                node,
            )
        )
        return None
    allowed = list(spec["properties"])
    values: dict[str, str] = {}
    ok = True
    for key_node, value_node in node.value:
        name = str(getattr(key_node, "value", ""))
        if not isinstance(key_node, yaml.ScalarNode) or name not in allowed:
            close = fields.suggestion(name, allowed)
            hint = f" Meinten Sie „{close}“?" if close else ""
            errors.append(
                FieldError(
                    f"{what}: Unbekannte Angabe {fields.shown(name)}.{hint} Möglich sind: "
                    f"{', '.join(allowed)}.",
                    key_node,
                )
            )
            ok = False
            continue
        if name in values:
            errors.append(FieldError(f"{what}: Die Angabe „{name}“ steht doppelt.", key_node))
            ok = False
            continue
        if not _present(value_node):
            values[name] = ""
            continue
        try:
            values[name] = _string_check(spec["properties"][name])(value_node)
        except FieldError as exc:
            errors.append(FieldError(f"{what} ({name}): {exc.message}", exc.node or value_node))
            ok = False
    for name in spec.get("required", ()):
        if ok and not values.get(name):
            errors.append(FieldError(f"{what}: Die Angabe „{name}“ fehlt.", node))
            ok = False
    return values if ok else None


def _contact_check(spec: Mapping[str, Any]) -> Callable[[yaml.Node], Contact]:
    def check(node: yaml.Node) -> Contact:
        errors: list[FieldError] = []
        values = _record(spec, "Kontakt", node, errors)
        if errors or values is None:
            raise MultiFieldError(errors)
        return Contact(**values)

    return check


def _links_check(
    spec: Mapping[str, Any], item: str = "Link", items: str = "Links"
) -> Callable[[yaml.Node], tuple[Link, ...]]:
    """A list of ``{title, url}`` (``links`` and ``sources`` share the schema's ``link``)."""
    item_spec = spec["items"]

    def check(node: yaml.Node) -> tuple[Link, ...]:
        if not isinstance(node, yaml.SequenceNode):
            raise FieldError(
                f"Erwartet wird eine Liste von {items}; jeder Eintrag beginnt mit „- title: …“ und "
                "hat darunter „url: https://…“.",
                node,
            )
        errors: list[FieldError] = []
        links: list[Link] = []
        for n, entry in enumerate(node.value, 1):
            values = _record(item_spec, f"{item} {n}", entry, errors)
            if values is not None:
                links.append(Link(title=values.get("title") or values["url"], url=values["url"]))
        if errors:
            raise MultiFieldError(errors)
        return tuple(links)

    return check


def _rule(key: str, raw_spec: Mapping[str, Any], required: bool) -> FieldRule:
    """Build the validator for one schema property, by its shape."""
    spec = fields.resolved(raw_spec)
    label: str = spec["x-label"]
    types = fields.schema_types(spec)
    items = spec.get("items", {})
    section = spec.get("x-vocabulary")
    validator: VocabValidator
    if section and "array" in types:
        validator = _vocab_list(section, spec.get("x-item", label), items.get("maxLength"))
        return FieldRule(
            key,
            required,
            label,
            validator,
            items.get("maxLength"),
            vocabulary=section,
            min_items=spec.get("minItems", 0),
        )
    if section:
        validator = _vocab_single(section, spec.get("x-item", label))
        return FieldRule(key, required, label, validator, spec.get("maxLength"), vocabulary=section)
    # Mappings become model objects; a new object property needs its dataclass here.
    if types == {"object"} and key == "contact":
        return FieldRule(key, required, label, _static(_contact_check(spec)))
    if "array" in types and items.get("type") == "object" and key == "links":
        return FieldRule(key, required, label, _static(_links_check(spec)))
    if "array" in types and items.get("type") == "object" and key == "sources":
        return FieldRule(key, required, label, _static(_links_check(spec, "Quelle", "Quellen")))
    if "object" in types or items.get("type") == "object":
        raise ValueError(f"card schema: no model object for property {key!r}")
    if "array" in types:
        if items.get("pattern") != fields.SLUG_RE.pattern:
            raise ValueError(f"card schema: no validator for list property {key!r}")
        return FieldRule(
            key,
            required,
            label,
            _static(fields.slug_list),
            items.get("maxLength"),
            pattern=items["pattern"],
        )
    check: Callable[[yaml.Node], object] = _string_check(spec)
    if spec.get("format") == "date":
        check = fields.iso_date
    return FieldRule(
        key,
        required,
        label,
        _static(check),
        spec.get("maxLength"),
        tuple(spec.get("enum", ())),
        spec.get("pattern"),
    )


def _rules_from_schema(schema: Mapping[str, Any]) -> tuple[FieldRule, ...]:
    required = set(schema.get("required", ()))
    return tuple(_rule(key, spec, key in required) for key, spec in schema["properties"].items())


CARD_SCHEMA = fields.card_schema()
CARD_FIELDS: tuple[FieldRule, ...] = _rules_from_schema(CARD_SCHEMA)
CARD_FIELDS_BY_KEY = {rule.key: rule for rule in CARD_FIELDS}
LIST_KEYS = frozenset(
    rule.key for rule in CARD_FIELDS if rule.vocabulary and rule.key != "tool_type"
)
STATUS_VALUES = CARD_FIELDS_BY_KEY["status"].choices
EFFORT_VALUES = CARD_FIELDS_BY_KEY["effort"].choices
DEFAULT_LICENSE: str = CARD_SCHEMA["properties"]["license"]["default"]


def is_example_hint(problem: Problem) -> bool:
    """Whether ``problem`` is the hint that a card without sources is shown as an example."""
    return problem.field == "sources" and not problem.is_error


def _present(node: yaml.Node) -> bool:
    """Whether a value was given (an empty ``key:`` or ``key: ~`` counts as not given)."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag == "tag:yaml.org,2002:null":
            return False
        if node.style is None and node.value in {"", "~", "null", "Null", "NULL"}:
            return False
        return str(node.value).strip() != "" or node.style is not None
    return True


def content_stamp(data: bytes) -> str:
    """Content hash of a card file: equal stamps mean the index entry is current."""
    return hashlib.blake2b(data, digest_size=12).hexdigest()


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """A card split into its YAML block and its Markdown body, with 1-based start lines."""

    yaml_text: str
    body: str
    yaml_line: int
    body_line: int


def split_front_matter(text: str) -> FrontMatter | None:
    """The YAML block between the first two ``---`` lines, or ``None`` if there is none.

    ``text`` must use ``\\n`` line ends. The opening ``---`` must be the very first line.
    """
    lines = text.split("\n")
    if not lines or not _YAML_BOUNDARY.fullmatch(lines[0]):
        return None
    for index in range(1, len(lines)):
        if _YAML_BOUNDARY.fullmatch(lines[index]):
            front = "\n".join(lines[1:index])
            body = "\n".join(lines[index + 1 :])
            return FrontMatter(front + "\n" if front else "", body, 2, index + 2)
    return None


class _Report:
    """Collects problems of one file with the file's path and the front matter's line offset."""

    def __init__(self, path: str, line_offset: int) -> None:
        self.path = path
        self.offset = line_offset
        self.problems: list[Problem] = []

    def add(
        self,
        message: str,
        field: str = "",
        line: int = 1,
        column: int = 1,
        *,
        warning: bool = False,
    ) -> None:
        self.problems.append(
            Problem(
                path=self.path,
                line=line,
                column=column,
                field=field,
                message=message,
                severity=SEVERITY_WARNING if warning else SEVERITY_ERROR,
            )
        )

    def at_node(
        self, node: yaml.Node | None, message: str, field: str, *, warning: bool = False
    ) -> None:
        if node is None:
            self.add(message, field, line=self.offset + 1, warning=warning)
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
            f"Der Dateiname {fields.shown(slug + '.md')} ist ungültig. Erlaubt sind nur "
            "Kleinbuchstaben a–z, Ziffern und Bindestriche (aus ä wird ae, aus ß wird ss, "
            f"Leerzeichen werden zu -), höchstens {fields.SLUG_MAX} Zeichen, "
            "z. B. „buergerbus-am-see.md“.",
            "slug",
        )
    if len(text) > MAX_CARD_BYTES:
        report.add(
            f"Die Datei ist zu groß (mehr als {MAX_CARD_BYTES // 1024} KB). Bitte kürzen oder "
            "Anhänge verlinken."
        )
        return ParsedCard(None, tuple(report.problems))
    if text.startswith("\ufeff"):
        text = text[1:]
        report.add(
            "Die Datei beginnt mit einem unsichtbaren BOM-Zeichen. Bitte als „UTF-8 ohne BOM“ "
            "speichern.",
            warning=True,
        )
    if "\x00" in text:
        at = text.index("\x00")
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        report.add(
            "Die Datei enthält ein NUL-Zeichen (Binärdaten). Bitte die Datei als reinen Text neu "
            "speichern.",
            line=line,
            column=column,
        )
        return ParsedCard(None, tuple(report.problems))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    split = _split_or_report(text, report)
    if split is None:
        return ParsedCard(None, tuple(report.problems))
    report.offset = split.yaml_line - 1
    if len(split.yaml_text) > MAX_FRONT_MATTER_CHARS:
        report.add(
            "Die Angaben zwischen den ---Linien sind zu lang (höchstens "
            f"{MAX_FRONT_MATTER_CHARS // 1024} "
            "KB). Längere Texte gehören unter die zweite ---Linie.",
            line=split.yaml_line,
        )
        return ParsedCard(None, tuple(report.problems))
    if _check_characters(split.yaml_text, split.yaml_line, report, body=False):
        # YAML would misread them (U+0085 and U+2028 end a line there) or stop at the first one.
        _check_characters(split.body, split.body_line, report, body=True)
        return ParsedCard(None, tuple(report.problems))
    try:
        root = compose(split.yaml_text)
    except YamlProblem as exc:
        report.add(exc.message, line=exc.line + report.offset, column=exc.column)
        return ParsedCard(None, tuple(report.problems))
    if not isinstance(root, yaml.MappingNode):
        kind = (
            "nichts"
            if root is None
            else ("eine Liste" if isinstance(root, yaml.SequenceNode) else "ein einzelner Text")
        )
        report.add(
            f"Zwischen den ---Linien steht {kind} statt Angaben der Form „schlüssel: wert“ "
            "(z. B. „title: Bürgerbus“).",
            line=split.yaml_line,
        )
        return ParsedCard(None, tuple(report.problems))
    values, aliases = _validate_fields(root, vocabulary, report, vocabulary_hint)
    _check_characters(split.body, split.body_line, report, body=True)
    images = _check_body(split.body, split.body_line, report)
    if report.has_errors:  # a card that is not shown is no example card either
        kept = tuple(p for p in report.problems if not is_example_hint(p))
        return ParsedCard(None, kept, aliases, images)
    card = Card(
        slug=slug,
        body=split.body.strip("\n"),
        source_path=path,
        stamp=content_stamp(text.encode("utf-8")),
        **values,  # type: ignore[arg-type]
    )
    return ParsedCard(card, tuple(report.problems), aliases, images)


def _split_or_report(text: str, report: _Report) -> FrontMatter | None:
    stripped = text.lstrip()
    if stripped.startswith("+++"):
        report.add(
            "Die Angaben stehen im TOML-Format (+++). Bitte YAML zwischen zwei ---Linien "
            "verwenden, "
            "z. B. „title: Bürgerbus“.",
        )
        return None
    if stripped.startswith(("{", ";;;")):
        report.add(
            "Die Angaben stehen im JSON-Format. Bitte YAML zwischen zwei ---Linien verwenden, "
            "z. B. „title: Bürgerbus“.",
        )
        return None
    first = text.split("\n", 1)[0]
    if not _YAML_BOUNDARY.fullmatch(first):
        where_hint = (
            " (vor der ersten ---Linie stehen Leerzeilen oder Leerzeichen)"
            if (stripped.startswith("---"))
            else ""
        )
        report.add(
            f"Die Karte muss mit einer Zeile „---“ beginnen{where_hint}. Danach folgen die Angaben "
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
) -> tuple[dict[str, object], tuple[tuple[str, int, int], ...]]:
    seen: dict[str, yaml.Node] = {}
    value_nodes: dict[str, yaml.Node] = {}
    values: dict[str, object] = {}
    for key_node, value_node in root.value:
        if not isinstance(key_node, yaml.ScalarNode):
            report.at_node(
                key_node, "Ein Schlüssel muss ein einfaches Wort sein, z. B. „title“.", ""
            )
            continue
        key = str(key_node.value)
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
        value_nodes[key] = value_node
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
            if rule.required:
                report.at_node(
                    key_node,
                    f"Die Pflichtangabe „{rule.key}“ ({rule.label}) ist leer. Bitte ausfüllen.",
                    key,
                )
            continue
        try:
            values[key] = rule.validator(value_node, vocabulary, hint)
        except MultiFieldError as exc:
            for error in exc.errors:
                report.at_node(error.node or value_node, error.message, key)
        except FieldError as exc:
            report.at_node(exc.node or value_node, f"{rule.label}: {exc.message}", key)
        else:
            if rule.min_items and not values[key]:
                report.at_node(
                    value_node,
                    f"{rule.label}: Bitte mindestens einen Eintrag bei „{key}“ angeben.",
                    key,
                )
    for rule in CARD_FIELDS:
        if rule.required and rule.key not in seen:
            report.add(
                f"Die Pflichtangabe „{rule.key}“ ({rule.label}) fehlt. Bitte ergänzen.",
                rule.key,
                line=report.offset + 1,
            )
    published, updated = values.get("published"), values.get("updated")
    if isinstance(published, dt.date) and isinstance(updated, dt.date) and updated < published:
        report.at_node(
            value_nodes["updated"],
            f"Aktualisiert: Das Datum {updated.isoformat()} liegt vor dem Veröffentlichungsdatum "
            f"{published.isoformat()} (published). Bitte prüfen.",
            "updated",
        )
    if "contact" not in values and "contact" not in seen:
        report.add(
            "Es gibt keinen Kontakt (contact). Andere Kommunen wissen dann nicht, wen sie fragen "
            "können.",
            "contact",
            line=report.offset + 1,
            warning=True,
        )
    if "sources" not in values and not report.has_errors:  # shown as an example: say why
        report.at_node(
            seen.get("sources"),
            "Die Karte nennt keine Quelle (sources). Die Website zeigt sie deshalb als "
            "Beispielkarte. Ist das Werkzeug irgendwo öffentlich beschrieben, zum Beispiel auf "
            "der Seite des Modellprojekts oder der Kommune? Dann bitte unter „sources:“ einen "
            "Eintrag „- title: …“ mit „url: https://…“ ergänzen.",
            "sources",
            warning=True,
        )
    for key, node in value_nodes.items():
        if key in CARD_FIELDS_BY_KEY:
            _warn_html(node, CARD_FIELDS_BY_KEY[key].label, key, report)
    aliases = _alias_positions(root, report.offset) if "aliases" in values else ()
    for key in LIST_KEYS:
        values.setdefault(key, ())
    values.setdefault("license", DEFAULT_LICENSE)
    return values, aliases


def _scalars(node: yaml.Node) -> list[yaml.ScalarNode]:
    if isinstance(node, yaml.ScalarNode):
        return [node]
    if isinstance(node, yaml.SequenceNode):
        return [s for item in node.value for s in _scalars(item)]
    if isinstance(node, yaml.MappingNode):
        return [s for _, item in node.value for s in _scalars(item)]
    return []


def _warn_html(node: yaml.Node, label: str, key: str, report: _Report) -> None:
    """HTML in a front-matter value is shown as text, never run: say so once per field."""
    for scalar in _scalars(node):
        tag = fields.html_tag_in(str(scalar.value))
        if tag:
            report.at_node(
                scalar,
                f"{label}: {fields.shown(tag)} sieht aus wie HTML. HTML wird auf der Website nicht "
                "ausgeführt, sondern als Text angezeigt. Bitte nur Text verwenden.",
                key,
                warning=True,
            )
            return


def _alias_positions(root: yaml.MappingNode, offset: int) -> tuple[tuple[str, int, int], ...]:
    for key_node, value_node in root.value:
        if getattr(key_node, "value", None) == "aliases":
            nodes = [value_node] if isinstance(value_node, yaml.ScalarNode) else value_node.value
            return tuple(
                (str(n.value).strip(), where(n).line + offset, where(n).column) for n in nodes
            )
    return ()


def _check_characters(text: str, first_line: int, report: _Report, *, body: bool) -> bool:
    """Report every character of the front matter or the body that no card may contain, at its
    line and column; whether there was one. An error: such a card would break feeds and exports
    for everyone."""
    if characters.first(text) is None:
        return False
    holds = "Der Text enthält" if body else "Die Angaben enthalten"
    field = "body" if body else ""
    found = 0
    for number, line in enumerate(text.split("\n"), first_line):
        for at, char in characters.find(line):
            found += 1
            if found <= MAX_CHARACTER_NOTES:
                report.add(
                    f"{holds} {characters.describe(char)}. Bitte dieses Zeichen "
                    "entfernen (viele Editoren zeigen es erst mit „Steuerzeichen anzeigen“).",
                    field,
                    line=number,
                    column=at + 1,
                )
    if found > MAX_CHARACTER_NOTES:
        report.add(
            f"{holds} noch {found - MAX_CHARACTER_NOTES} weitere solche Zeichen. "
            "Bitte alle entfernen.",
            field,
            line=first_line,
        )
    return True


def _check_body(body: str, body_line: int, report: _Report) -> tuple[BodyImage, ...]:
    """Recommended sections, markup and images; local images are returned for the disk check."""
    if not body.strip():
        report.add(
            "Die Karte hat keinen Text unter den Angaben. Bitte beschreiben Sie das Werkzeug, "
            "z. B. mit „## Worum geht es?“ und „## So funktioniert es“.",
            "body",
            line=body_line,
            warning=True,
        )
        return ()
    if len(_HEADING_RE.findall(_without_code(body))) < RECOMMENDED_SECTIONS:
        report.add(
            "Der Text hat kaum Abschnitte. Empfohlen sind Überschriften wie „## Worum geht es?“ "
            "und „## So funktioniert es“.",
            "body",
            line=body_line,
            warning=True,
        )
    lines = body.split("\n")
    _check_body_markup(lines, body_line, report)
    local: list[BodyImage] = []
    found = body_images(body)
    if len(found) > MAX_IMAGES:
        report.add(
            f"Die Karte enthält {len(found)} Bilder, erlaubt sind höchstens {MAX_IMAGES}. "
            "Geprüft wurden nur die ersten.",
            "body",
            line=body_line,
        )
    for src, alt, block_line in found[:MAX_IMAGES]:
        line, column = _locate(lines, block_line, src)
        line += body_line - 1
        if not alt.strip():
            report.add(
                f"Das Bild {fields.shown(unquote(src))} hat keinen Alternativtext. Bitte in die "
                "eckigen "
                "Klammern schreiben, was zu sehen ist: ![Bürgerbus vor dem Rathaus](bild.png).",
                "body",
                line=line,
                column=column,
            )
        if src.startswith(("http://", "https://", "//")):
            report.add(
                f"Das Bild {fields.shown(src)} liegt auf einer anderen Website und wird nicht "
                "angezeigt "
                "(Datenschutz). Bitte das Bild im Ordner der Karten ablegen und relativ verlinken.",
                "body",
                line=line,
                column=column,
                warning=True,
            )
        elif src.startswith("mailto:"):
            report.add(f"{fields.shown(src)} ist kein Bild.", "body", line=line, column=column)
        else:
            local.append(BodyImage(src, alt, line, column))
    return tuple(local)


_LINK_TARGET_RE = re.compile(
    r"\]\(\s*<?((?:[^()\s>]|\([^()\s]*\))+)|^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)"
)
_CODE_SPAN_RE = re.compile(r"(`+)(?:(?!\1).)+?\1")


def _check_body_markup(lines: list[str], body_line: int, report: _Report) -> None:
    """Warn about raw HTML (shown as text) and unsafe links (removed) in the body."""
    notes = 0
    fence = ""
    for number, raw in enumerate(lines, body_line):
        match = _FENCE_RE.match(raw)
        if match and (not fence or match.group(1)[0] == fence[0]):
            fence = "" if fence else match.group(1)
            continue
        if fence or raw.startswith(("    ", "\t")) or notes >= MAX_MARKUP_NOTES:
            continue
        line = _CODE_SPAN_RE.sub(lambda m: " " * len(m.group()), raw)
        tag = fields.html_tag_in(line)
        if tag:
            notes += 1
            report.add(
                f"Der Text enthält HTML ({fields.shown(tag)}). HTML wird auf der Website nicht "
                "ausgeführt, sondern als Text angezeigt. Bitte Markdown verwenden, z. B. "
                "**fett** oder [Linktext](https://…).",
                "body",
                line=number,
                column=line.index(tag) + 1,
                warning=True,
            )
        for found in _LINK_TARGET_RE.finditer(line):
            url = found.group(1) or found.group(2) or ""
            if not is_safe_link(url):
                notes += 1
                report.add(
                    f"Der Link {fields.shown(url)} wird entfernt. Erlaubt sind Links mit https://, "
                    "http://, mailto: oder auf andere Karten.",
                    "body",
                    line=number,
                    column=found.start(1 if found.group(1) else 2) + 1,
                    warning=True,
                )


def _without_code(body: str) -> str:
    """The body without fenced code blocks (a ``## `` inside code is not a heading)."""
    out, fence = [], ""
    for line in body.split("\n"):
        match = _FENCE_RE.match(line)
        if match and (not fence or match.group(1)[0] == fence[0]):
            fence = "" if fence else match.group(1)
            continue
        if not fence:
            out.append(line)
    return "\n".join(out)


def _locate(lines: list[str], start: int, src: str) -> tuple[int, int]:
    """Line and column (1-based, within the body) of an image whose block starts at ``start``."""
    needles = [
        f"]({src}",
        f"](<{src}",
        f"]({unquote(src)}",
        f"](<{unquote(src)}",
        src,
        unquote(src),
    ]
    for number in range(start, min(len(lines), start + 200) + 1):
        text = lines[number - 1]
        for needle in needles:
            found = text.find(needle)
            if found >= 0:
                offset = 2 if needle.startswith("](") else 0
                offset += 1 if needle.startswith("](<") else 0
                return number, found + offset + 1
    return start, 1
