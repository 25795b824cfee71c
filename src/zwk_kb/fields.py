"""Small validators for YAML nodes. Each returns the clean value or raises ``FieldError``.

Messages are plain German and say what was expected and what was found, so a contributor
who is not a programmer knows what to change.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import yaml

from zwk_kb.textfold import fold
from zwk_kb.yamlnodes import clean_for_message

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 80
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
URL_RE = re.compile(r"^https?://[^\s/?#]+\.[^\s/?#]+[^\s]*$|^https?://localhost[^\s]*$", re.I)


class FieldError(Exception):
    """A value that breaks the contract; ``node`` says where."""

    def __init__(self, message: str, node: yaml.Node | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.node = node


@dataclass(frozen=True, slots=True)
class Found:
    """A value that was accepted with a note (e.g. case-corrected vocabulary term)."""

    value: object
    notes: tuple[FieldError, ...] = ()


Validator = Callable[[yaml.Node], object]


def shown(value: object) -> str:
    """A received value, quoted German-style and safe to print."""
    return f"„{clean_for_message(value)}“"


def scalar(node: yaml.Node, what: str) -> str:
    if isinstance(node, yaml.ScalarNode):
        return node.value.strip()
    kind = "eine Liste" if isinstance(node, yaml.SequenceNode) else "eine Zuordnung"
    raise FieldError(f"Erwartet wird {what}, gefunden wurde {kind}.", node)


def text(max_len: int, what: str = "ein Text") -> Callable[[yaml.Node], str]:
    def check(node: yaml.Node) -> str:
        value = scalar(node, what)
        if not value:
            raise FieldError("Das Feld ist leer. Bitte einen Text eintragen.", node)
        if any(not ch.isprintable() and ch not in "\n\t" for ch in value):
            raise FieldError("Der Text enthält unsichtbare Steuerzeichen. Bitte entfernen.", node)
        if len(value) > max_len:
            raise FieldError(
                f"Der Text ist {len(value)} Zeichen lang, erlaubt sind höchstens {max_len}. "
                "Bitte kürzen.",
                node,
            )
        return value

    return check


def one_of(choices: Sequence[str], what: str) -> Callable[[yaml.Node], str]:
    def check(node: yaml.Node) -> str:
        value = scalar(node, what)
        return match_choice(value, choices, what, node)

    return check


def match_choice(value: str, choices: Sequence[str], what: str, node: yaml.Node) -> str:
    """The choice ``value`` means; case and umlaut spelling are forgiven, anything else is an error."""
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
    close = difflib.get_close_matches(fold(value), list(folded), n=1, cutoff=0.6)
    return folded[close[0]] if close else None


def vocab_list(choices: Sequence[str], what: str, vocab_hint: str) -> Callable[[yaml.Node], object]:
    """A list whose items must come from the vocabulary; a single string is accepted as one item."""

    def check(node: yaml.Node) -> object:
        items = [node] if isinstance(node, yaml.ScalarNode) else node.value
        if not isinstance(node, yaml.ScalarNode | yaml.SequenceNode):
            raise FieldError(f"Erwartet wird eine Liste von {what}n.", node)
        values: list[str] = []
        errors: list[FieldError] = []
        for item in items:
            try:
                raw = scalar(item, "ein Begriff")
                if not raw:
                    continue
                value = _vocab_value(raw, choices, what, vocab_hint, item)
            except FieldError as exc:
                errors.append(exc)
                continue
            if value not in values:
                values.append(value)
        if errors:
            raise MultiFieldError(errors)
        return tuple(values)

    return check


def _vocab_value(raw: str, choices: Sequence[str], what: str, vocab_hint: str, node: yaml.Node) -> str:
    if raw in choices:
        return raw
    by_fold = {fold(c): c for c in choices}
    if fold(raw) in by_fold:
        return by_fold[fold(raw)]
    hint = suggestion(raw, choices)
    message = f"{what} {shown(raw)} ist nicht im Vokabular."
    if hint:
        message += f" Meinten Sie „{hint}“?"
    message += f" Neue Begriffe bitte in {vocab_hint} ergänzen."
    raise FieldError(message, node)


class MultiFieldError(Exception):
    """Several problems inside one field (e.g. two unknown topics)."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(errors[0].message)
        self.errors = errors


def iso_date(node: yaml.Node) -> dt.date:
    value = scalar(node, "ein Datum")
    if not DATE_RE.match(value):
        raise FieldError(
            f"Erwartet wird ein Datum in der Form JJJJ-MM-TT (z. B. 2024-03-21), gefunden: {shown(value)}.",
            node,
        )
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise FieldError(f"Das Datum {shown(value)} gibt es nicht. Bitte prüfen.", node) from None


def http_url(node: yaml.Node) -> str:
    value = scalar(node, "eine Internetadresse")
    if not URL_RE.match(value) or any(ch in value for ch in "<>\"'`\\") or len(value) > 2000:
        raise FieldError(
            f"Erwartet wird eine Internetadresse, die mit https:// oder http:// beginnt, "
            f"gefunden: {shown(value)}.",
            node,
        )
    return value


def slug_list(node: yaml.Node) -> tuple[str, ...]:
    items = [node] if isinstance(node, yaml.ScalarNode) else node.value
    if not isinstance(node, yaml.ScalarNode | yaml.SequenceNode):
        raise FieldError("Erwartet wird eine Liste früherer Kurznamen.", node)
    values = []
    for item in items:
        value = scalar(item, "ein Kurzname")
        if not is_slug(value):
            raise FieldError(
                f"Der frühere Kurzname {shown(value)} ist ungültig. Erlaubt sind nur Kleinbuchstaben "
                "a–z, Ziffern und Bindestriche.",
                item,
            )
        values.append(value)
    return tuple(values)


def is_slug(value: str) -> bool:
    return bool(SLUG_RE.match(value)) and len(value) <= SLUG_MAX


SPDX_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+-]{1,63}$")


def spdx(node: yaml.Node) -> str:
    value = scalar(node, "eine Lizenz-Kennung")
    if not SPDX_RE.match(value):
        raise FieldError(
            f"Erwartet wird eine Lizenz-Kennung wie „CC-BY-4.0“, gefunden: {shown(value)}.", node
        )
    return value
