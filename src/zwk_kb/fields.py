"""Small validators for YAML nodes. Each returns the clean value or raises ``FieldError``.

Messages are plain German and say what was expected and what was found, so a contributor
who is not a programmer knows what to change. The limits (lengths, patterns, allowed values)
come from the card schema, ``zwk_kb/data/card.schema.json``, the single source of the field rules.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

from zwk_kb import characters
from zwk_kb.analysis.folding import fold
from zwk_kb.yamlnodes import Node, ScalarNode, SequenceNode, clean_for_message

SCHEMA_RESOURCE = ("data", "card.schema.json")
"""Where the card schema lives inside the package (shipped in the wheel as package data)."""


@cache
def card_schema() -> dict[str, Any]:
    """The card front-matter JSON Schema, parsed."""
    ref = resources.files("zwk_kb").joinpath(*SCHEMA_RESOURCE)
    return json.loads(ref.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def resolved(spec: Mapping[str, Any], schema: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``spec`` with a local ``$ref`` merged in (keywords beside the ``$ref`` win), recursively."""
    schema = schema if schema is not None else card_schema()
    out: dict[str, Any] = {}
    ref = spec.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = schema
        for part in ref[2:].split("/"):
            target = target[part]
        out.update(resolved(target, schema))
    out.update({k: v for k, v in spec.items() if k != "$ref"})
    if isinstance(out.get("items"), Mapping):
        out["items"] = resolved(out["items"], schema)
    if isinstance(out.get("properties"), Mapping):
        out["properties"] = {k: resolved(v, schema) for k, v in out["properties"].items()}
    return out


def schema_types(spec: Mapping[str, Any]) -> frozenset[str]:
    """The JSON types a schema entry allows, as a set."""
    kind = spec.get("type", ())
    return frozenset([kind] if isinstance(kind, str) else kind)


def _def(name: str) -> dict[str, Any]:
    return resolved(card_schema()["$defs"][name])


_SLUG_SPEC = _def("slug")
_DATE_SPEC = _def("date")
_LINK_URL_SPEC = resolved(card_schema()["properties"]["links"])["items"]["properties"]["url"]

SLUG_RE = re.compile(_SLUG_SPEC["pattern"])
SLUG_MAX: int = _SLUG_SPEC["maxLength"]
DATE_RE = re.compile(_DATE_SPEC["pattern"])
URL_RE = re.compile(_LINK_URL_SPEC["pattern"])
URL_MAX: int = _LINK_URL_SPEC["maxLength"]

# An HTML tag as people write them (``<b>``, ``</div>``, ``<img src=x>``); Markdown autolinks like
# ``<https://…>`` and ``<name@example.org>`` are not tags.
_TAG_RE = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>|<!--")


def html_tag_in(value: str) -> str | None:
    """The first thing in ``value`` that looks like an HTML tag (shown escaped, never executed)."""
    found = _TAG_RE.search(value)
    return found.group() if found else None


class FieldError(Exception):
    """A value that breaks the contract; ``node`` says where."""

    def __init__(self, message: str, node: Node | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.node = node


class MultiFieldError(Exception):
    """Several problems inside one field (e.g. two unknown topics); each has its own node."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(errors[0].message)
        self.errors = errors


Validator = Callable[[Node], object]


def shown(value: object) -> str:
    """A received value, quoted German-style and safe to print (bounded, no control characters)."""
    return f"„{clean_for_message(value)}“"


def scalar(node: Node, what: str) -> str:
    """The text of a scalar node; a list or mapping is an error naming what was expected."""
    if isinstance(node, ScalarNode):
        return str(node.value).strip()
    kind = "eine Liste" if isinstance(node, SequenceNode) else "eine Zuordnung (schlüssel: wert)"
    raise FieldError(f"Erwartet wird {what}, gefunden wurde {kind}.", node)


def check_visible(value: str, node: Node | None) -> str:
    """``value`` unless it holds a character no card may contain (``characters.find``)."""
    found = characters.first(value)
    if found:
        at, char = found
        raise FieldError(
            f"Der Text enthält an Stelle {at + 1} {characters.describe(char)}. Bitte entfernen.",
            node,
        )
    return value


def text(max_len: int | None, what: str = "ein Text") -> Callable[[Node], str]:
    """A non-empty single text of at most ``max_len`` characters."""

    def check(node: Node) -> str:
        value = scalar(node, what)
        if not value:
            raise FieldError("Das Feld ist leer. Bitte einen Text eintragen.", node)
        check_visible(value, node)
        if max_len is not None and len(value) > max_len:
            raise FieldError(
                f"Der Text ist {len(value)} Zeichen lang, erlaubt sind höchstens {max_len}. "
                "Bitte kürzen.",
                node,
            )
        return value

    return check


def patterned(
    pattern: str, message: str, max_len: int | None = None, what: str = "ein Text"
) -> Callable[[Node], str]:
    """A text that must match ``pattern``; ``message`` (with ``{value}``) explains the rule."""
    regex = re.compile(pattern)

    def check(node: Node) -> str:
        value = text(None, what)(node)
        too_long = max_len is not None and len(value) > max_len
        if too_long or not regex.match(value):
            raise FieldError(message.format(value=shown(value)), node)
        return value

    return check


def one_of(choices: Sequence[str], what: str) -> Callable[[Node], str]:
    """One of a fixed list of values (case and umlaut spelling are forgiven)."""

    def check(node: Node) -> str:
        value = scalar(node, what)
        return match_choice(value, choices, what, node)

    return check


def match_choice(value: str, choices: Sequence[str], what: str, node: Node) -> str:
    """The choice ``value`` means; case and umlaut spelling are forgiven, the rest is an error."""
    if value in choices:
        return value
    by_fold = {fold(c): c for c in choices}
    if fold(value) in by_fold:
        return by_fold[fold(value)]
    hint = suggestion(value, choices)
    allowed = ", ".join(f"„{c}“" for c in choices[:12]) + (" …" if len(choices) > 12 else "")
    message = f"{what} {shown(value)} ist nicht erlaubt."
    if hint:
        message += f" Meinten Sie „{hint}“?"
    message += f" Möglich sind: {allowed}."
    raise FieldError(message, node)


def suggestion(value: str, choices: Sequence[str]) -> str | None:
    """The closest allowed value, for 'Meinten Sie …?'."""
    folded = {fold(c): c for c in choices}
    close = difflib.get_close_matches(fold(value)[:200], list(folded), n=1, cutoff=0.6)
    return folded[close[0]] if close else None


def items_of(node: Node, what: str) -> list[Node]:
    """The items of a list node; a single scalar counts as a list of one."""
    if isinstance(node, ScalarNode):
        return [node]
    if isinstance(node, SequenceNode):
        return list(node.value)
    raise FieldError(f"Erwartet wird eine Liste ({what}), gefunden wurde eine Zuordnung.", node)


def vocab_list(
    choices: Sequence[str], what: str, vocab_hint: str, max_len: int | None = None
) -> Callable[[Node], object]:
    """A list whose items must come from the vocabulary; a single string is accepted as one item."""

    def item(node: Node) -> str | None:
        raw = scalar(node, f"ein Begriff ({what})")
        if not raw:
            return None
        check_visible(raw, node)
        return vocab_value(raw, choices, what, vocab_hint, node, max_len)

    return lambda node: each_item(node, what, item)


def each_item(node: Node, what: str, check_item: Callable[[Node], str | None]) -> tuple[str, ...]:
    """Check every item of a list (``None`` = skip it); all bad items are reported together,
    repeated values are kept once."""
    values: list[str] = []
    errors: list[FieldError] = []
    for item in items_of(node, what):
        try:
            value = check_item(item)
        except FieldError as exc:
            errors.append(exc)
            continue
        if value is not None and value not in values:
            values.append(value)
    if errors:
        raise MultiFieldError(errors)
    return tuple(values)


def vocab_value(
    raw: str,
    choices: Sequence[str],
    what: str,
    vocab_hint: str,
    node: Node,
    max_len: int | None = None,
) -> str:
    """The vocabulary term ``raw`` means (case and umlaut spelling forgiven), or a hint."""
    if raw in choices:
        return raw
    by_fold = {fold(c): c for c in choices}
    if fold(raw) in by_fold:
        return by_fold[fold(raw)]
    if max_len is not None and len(raw) > max_len:
        raise FieldError(
            f"{what}: Der Begriff ist {len(raw)} Zeichen lang, erlaubt sind höchstens {max_len}.",
            node,
        )
    hint = suggestion(raw, choices)
    message = f"{what} {shown(raw)} ist nicht im Vokabular."
    if hint:
        message += f" Meinten Sie „{hint}“?"
    message += f" Neue Begriffe bitte in {vocab_hint} ergänzen."
    raise FieldError(message, node)


def iso_date(node: Node) -> dt.date:
    """A real calendar date written as YYYY-MM-DD."""
    value = scalar(node, "ein Datum")
    if not DATE_RE.match(value):
        raise FieldError(_DATE_SPEC["x-message"].format(value=shown(value)), node)
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise FieldError(f"Das Datum {shown(value)} gibt es nicht. Bitte prüfen.", node) from None


def http_url(node: Node) -> str:
    """An absolute http or https address (no ``javascript:``, no ``data:``, no spaces)."""
    value = check_visible(scalar(node, "eine Internetadresse"), node)
    if len(value) > URL_MAX or not URL_RE.match(value):
        raise FieldError(_LINK_URL_SPEC["x-message"].format(value=shown(value)), node)
    return value


def slug_list(node: Node) -> tuple[str, ...]:
    """A list of slugs (former file names of a card); all bad entries are reported."""

    def item(item: Node) -> str:
        value = scalar(item, "ein Kurzname")
        if not is_slug(value):
            raise FieldError(
                "Frühere Kurznamen: " + _SLUG_SPEC["x-message"].format(value=shown(value)), item
            )
        return value

    return each_item(node, "frühere Kurznamen", item)


def is_slug(value: str) -> bool:
    """Whether ``value`` is a valid card slug (file name without ``.md``)."""
    return bool(SLUG_RE.match(value)) and len(value) <= SLUG_MAX
