"""Safe YAML reading with positions: every scalar stays a string, every node keeps its line.

Cards and the vocabulary come from strangers. Instead of letting PyYAML construct Python objects
(dates, booleans, ``!!binary``, aliases that explode), we only *compose* the node tree, refuse
anchors, aliases and unknown tags, and hand the validators plain nodes with line and column.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml
from yaml import MappingNode, Node, ScalarNode, SequenceNode

from zwk_kb import characters

__all__ = [
    "Located",
    "MappingNode",
    "Node",
    "ScalarNode",
    "SequenceNode",
    "YamlProblem",
    "clean_for_message",
    "compose",
    "explain_yaml_error",
    "mapping_items",
    "to_plain",
    "where",
]

SAFE_TAGS = frozenset(
    {
        "tag:yaml.org,2002:str",
        "tag:yaml.org,2002:map",
        "tag:yaml.org,2002:seq",
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:null",
        "tag:yaml.org,2002:timestamp",
    }
)
MAX_DEPTH = 20


class YamlProblem(Exception):
    """A YAML text that cannot be used; ``line``/``column`` are 1-based within the text."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True, slots=True)
class Located:
    """Where a node starts (1-based)."""

    line: int
    column: int


def where(node: yaml.Node) -> Located:
    return Located(node.start_mark.line + 1, node.start_mark.column + 1)


_FAST_LOADER = getattr(yaml, "CSafeLoader", None)
"""libyaml's loader: C instead of Python, so valid front matter (nearly every card) loads in
a fraction of the time; errors are always re-read with the
pure-Python loader so that messages and positions never depend on which loader is installed."""


def _check_events(text: str, loader: type = yaml.SafeLoader) -> None:
    """Refuse anchors, aliases, foreign tags and deep nesting before anything is built."""
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        mark = event.start_mark
        line, column = mark.line + 1, mark.column + 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise YamlProblem(
                "YAML-Anker und -Verweise (& und *) sind nicht erlaubt. "
                "Bitte schreiben Sie den Wert direkt hin.",
                line,
                column,
            )
        tag = getattr(event, "tag", None)
        if tag and tag not in SAFE_TAGS and tag != "!":
            raise YamlProblem(
                "Besondere YAML-Typen (mit !!) sind nicht erlaubt. Bitte nur Text und Listen "
                "verwenden.",
                line,
                column,
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise YamlProblem("Die Angaben sind zu tief verschachtelt.", line, column)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def compose(text: str) -> yaml.Node | None:
    """The node tree of one YAML document, or ``YamlProblem`` with a German message and position."""
    if _FAST_LOADER is not None:
        try:
            _check_events(text, _FAST_LOADER)
            return yaml.compose(text, Loader=_FAST_LOADER)
        except Exception:
            pass
    try:
        _check_events(text)
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except YamlProblem:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        column = mark.column + 1 if mark else 1
        raise YamlProblem(
            f"Fehler im YAML-Format: {explain_yaml_error(exc.context, exc.problem)}",
            line,
            column,
        ) from None
    except yaml.reader.ReaderError as exc:
        at = max(0, min(int(exc.position), len(text)))
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        code = exc.character if isinstance(exc.character, int) else 0
        raise YamlProblem(
            f"Die Angaben enthalten {characters.describe(chr(code))}. Bitte entfernen.",
            line,
            column,
        ) from None
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        raise YamlProblem(
            f"Die Angaben sind kein gültiges YAML ({_short(type(exc).__name__)})."
        ) from None


# PyYAML's problem texts (English) -> what a contributor should do, in German; first match wins.
_YAML_HINTS: tuple[tuple[str, str], ...] = (
    (
        "mapping values are not allowed",
        "unerwarteter Doppelpunkt. Steht im Text ein „: “? Dann den ganzen Text in "
        "Anführungszeichen "
        'setzen, z. B. title: "Bürgerbus: so geht\'s".',
    ),
    ("found character '\\t'", "ein Tabulator. Bitte zum Einrücken Leerzeichen verwenden."),
    (
        "cannot start any token",
        "ein Wert beginnt mit einem Sonderzeichen. Bitte den Text in Anführungszeichen setzen.",
    ),
    (
        "unknown escape character",
        "ein \\ in doppelten Anführungszeichen. Bitte einfache Anführungszeichen ' verwenden.",
    ),
    ("quoted scalar", "ein Anführungszeichen wird nicht geschlossen."),
    (
        "flow sequence",
        "eine eckige Klammer [ wird nicht richtig geschlossen (oder es fehlt ein Komma).",
    ),
    (
        "flow mapping",
        "eine geschweifte Klammer { wird nicht richtig geschlossen (oder es fehlt ein Komma).",
    ),
    (
        "could not find expected ':'",
        "in dieser Zeile fehlt der Doppelpunkt nach dem Namen der Angabe.",
    ),
    (
        "single document",
        "eine Zeile „---“ oder „...“ beendet die Angaben zu früh. Bitte die Zeile löschen.",
    ),
    (
        "but found '<scalar>'",
        "hier beginnt unerwartet ein Text. Oft fehlt weiter oben ein schließendes "
        "Anführungszeichen, "
        "oder die Zeile ist falsch eingerückt.",
    ),
    (
        "expected <block end>",
        "die Einrückung stimmt nicht. Alle Angaben beginnen ganz links, Listeneinträge mit "
        "zwei Leerzeichen und „- “.",
    ),
    (
        "document start",
        "die Angaben sind hier zu Ende (eine Zeile „...“ davor?) oder falsch eingerückt. Alle "
        "Angaben "
        "beginnen ganz links; Zeilen mit „...“ bitte löschen.",
    ),
    (
        "expected the node content",
        "an dieser Stelle fehlt ein Wert, oder ein Text beginnt mit einem Sonderzeichen. Bitte "
        "den Text "
        "in Anführungszeichen setzen.",
    ),
)


def explain_yaml_error(context: str | None, problem: str | None) -> str:
    """A German explanation of a PyYAML syntax error."""
    text = f"{context or ''} {problem or ''}"
    for needle, hint in _YAML_HINTS:
        if needle in text:
            return hint
    return (
        "ungültige Schreibweise. Häufige Ursachen: ein Doppelpunkt im Text ohne "
        "Anführungszeichen, falsche Einrückung oder ein Tabulator."
    )


def mapping_items(node: yaml.Node) -> list[tuple[yaml.ScalarNode, yaml.Node]]:
    """Key/value node pairs of a mapping node (keys must be plain scalars)."""
    if not isinstance(node, yaml.MappingNode):
        raise YamlProblem("Hier wird eine Zuordnung (schlüssel: wert) erwartet.", *_pos(node))
    items = []
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            raise YamlProblem("Ein Schlüssel muss ein einfaches Wort sein.", *_pos(key))
        items.append((key, value))
    return items


def _pos(node: yaml.Node) -> tuple[int, int]:
    loc = where(node)
    return loc.line, loc.column


def _short(text: str, limit: int = 80) -> str:
    return clean_for_message(text, limit)


def clean_for_message(text: object, limit: int = 60) -> str:
    """Text safe to print in a message: no control characters, bounded length."""
    cleaned = characters.printable(str(text)[: limit * 4])
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    return cleaned


def to_plain(node: yaml.Node) -> object:
    """Plain Python data (str / list / dict of those); scalars stay strings."""
    if isinstance(node, yaml.ScalarNode):
        return node.value
    if isinstance(node, yaml.SequenceNode):
        return [to_plain(item) for item in node.value]
    if isinstance(node, yaml.MappingNode):
        return {str(to_plain(k)): to_plain(v) for k, v in node.value}
    return None
