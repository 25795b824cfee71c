"""Parsing of a toolkit's controlled vocabulary, ``_vocabulary.yml``."""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from zwk_kb import fields
from zwk_kb.fields import FieldError
from zwk_kb.model import SEVERITY_WARNING, Commune, Problem, Vocabulary
from zwk_kb.yamlnodes import YamlProblem, clean_for_message, compose, where

LIST_KEYS = ("topics", "challenges", "target_groups", "tool_types")
COMMUNE_KEYS = ("state", "cluster", "kind")
KNOWN_KEYS = (*LIST_KEYS, "communes", "synonyms")
MAX_TERM = 120


@dataclass(frozen=True, slots=True)
class ParsedVocabulary:
    """The vocabulary (possibly partial) and every problem found in the file."""

    vocabulary: Vocabulary
    problems: tuple[Problem, ...] = ()


def parse_vocabulary(text: str, *, path: str = "_vocabulary.yml") -> ParsedVocabulary:
    """Parse the vocabulary; broken entries are reported and left out, the rest is kept."""
    problems: list[Problem] = []

    def report(node: yaml.Node | None, message: str, *, warning: bool = False) -> None:
        line, column = (where(node).line, where(node).column) if node is not None else (1, 1)
        problems.append(
            Problem(path, line, column, "", message, SEVERITY_WARNING if warning else "error")
        )

    text = text.removeprefix("\ufeff")
    try:
        root = compose(text)
    except YamlProblem as exc:
        problems.append(Problem(path, exc.line, exc.column, "", exc.message))
        return ParsedVocabulary(Vocabulary(), tuple(problems))
    if not isinstance(root, yaml.MappingNode):
        report(root, "Das Vokabular muss aus Abschnitten wie „topics:“ und „communes:“ bestehen.")
        return ParsedVocabulary(Vocabulary(), tuple(problems))

    lists: dict[str, tuple[str, ...]] = {key: () for key in LIST_KEYS}
    communes: dict[str, Commune] = {}
    synonyms: list[tuple[str, ...]] = []
    seen: set[str] = set()
    for key_node, value in root.value:
        key = str(getattr(key_node, "value", ""))
        if key in seen:
            report(key_node, f"Der Abschnitt „{clean_for_message(key)}“ steht doppelt.")
            continue
        seen.add(key)
        if key in LIST_KEYS:
            lists[key] = _terms(value, key, report)
        elif key == "communes":
            communes = _communes(value, report)
        elif key == "synonyms":
            synonyms = _synonyms(value, report)
        else:
            report(
                key_node,
                f"Unbekannter Abschnitt „{clean_for_message(key)}“ wird ignoriert. "
                f"Möglich sind: {', '.join(KNOWN_KEYS)}.",
                warning=True,
            )
    for key in ("topics", "challenges"):
        if not lists[key]:
            report(None, f"Im Vokabular fehlt der Abschnitt „{key}“ (eine Liste von Begriffen).")
    if not communes:
        report(
            None, "Im Vokabular fehlt der Abschnitt „communes“ (Kommunen mit state, cluster, kind)."
        )
    vocabulary = Vocabulary(
        topics=lists["topics"],
        challenges=lists["challenges"],
        target_groups=lists["target_groups"],
        tool_types=lists["tool_types"],
        communes=communes,
        synonyms=tuple(synonyms),
    )
    return ParsedVocabulary(vocabulary, tuple(problems))


def _terms(node: yaml.Node, key: str, report) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    if not isinstance(node, yaml.SequenceNode):
        report(node, f"„{key}“ muss eine Liste sein (jede Zeile beginnt mit „- “).")
        return ()
    terms: list[str] = []
    for item in node.value:
        try:
            term = fields.text(MAX_TERM, "ein Begriff")(item)
        except FieldError as exc:
            report(item, f"{key}: {exc.message}")
            continue
        if term in terms:
            report(
                item,
                f"Der Begriff „{clean_for_message(term)}“ steht doppelt in „{key}“.",
                warning=True,
            )
            continue
        _warn_html(item, term, report)
        terms.append(term)
    return tuple(terms)


def _communes(node: yaml.Node, report) -> dict[str, Commune]:  # type: ignore[no-untyped-def]
    if not isinstance(node, yaml.MappingNode):
        report(
            node,
            "„communes“ muss eine Zuordnung sein: Name der Kommune, darunter state, cluster, kind.",
        )
        return {}
    communes: dict[str, Commune] = {}
    for name_node, value in node.value:
        try:
            name = fields.text(MAX_TERM, "ein Name")(name_node)
        except FieldError as exc:
            report(name_node, f"communes: {exc.message}")
            continue
        if name in communes:
            report(name_node, f"Die Kommune „{clean_for_message(name)}“ steht doppelt.")
            continue
        _warn_html(name_node, name, report)
        if not isinstance(value, yaml.MappingNode):
            report(
                value, f"Zur Kommune „{clean_for_message(name)}“ gehören state, cluster und kind."
            )
            continue
        entry = {}
        for k, v in value.value:
            if getattr(k, "value", None) in COMMUNE_KEYS:
                try:
                    entry[k.value] = fields.text(MAX_TERM)(v)
                except FieldError as exc:
                    report(v, f"{name}: {exc.message}")
        missing = [k for k in COMMUNE_KEYS if k not in entry]
        if missing:
            report(
                value,
                f"Bei der Kommune „{clean_for_message(name)}“ fehlt: {', '.join(missing)}.",
            )
            continue
        communes[name] = Commune(name=name, **entry)
    return communes


def _warn_html(node: yaml.Node, term: str, report) -> None:  # type: ignore[no-untyped-def]
    tag = fields.html_tag_in(term)
    if tag:
        report(
            node,
            f"{fields.shown(tag)} sieht aus wie HTML. HTML wird auf der Website nicht ausgeführt, "
            "sondern als Text angezeigt. Bitte nur Text verwenden.",
            warning=True,
        )


def _synonyms(node: yaml.Node, report) -> list[tuple[str, ...]]:  # type: ignore[no-untyped-def]
    if not isinstance(node, yaml.SequenceNode):
        report(node, "„synonyms“ muss eine Liste von Listen sein, z. B. - [Kita, Kindergarten].")
        return []
    groups = []
    for group in node.value:
        terms = _terms(group, "synonyms", report)
        if len(terms) >= 2:
            groups.append(terms)
        elif terms:
            report(group, "Eine Synonym-Gruppe braucht mindestens zwei Begriffe.", warning=True)
    return groups
