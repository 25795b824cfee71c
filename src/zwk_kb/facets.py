"""The one table of facets: card field, URL parameter, CLI option and German label."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: searching needs no card model
    from zwk_kb.model import Card, Vocabulary


@dataclass(frozen=True, slots=True)
class Facet:
    """A filterable property of a card."""

    name: str
    """Index field name and key in the API's ``facets`` object."""
    param: str
    """URL query parameter (repeatable)."""
    label: str
    """German label shown in the UI."""
    values_of: Callable[[Card, Vocabulary], tuple[str, ...]]
    """The card's values for this facet (derived facets look up the commune table)."""


def _communes_attr(attr: str) -> Callable[[Card, Vocabulary], tuple[str, ...]]:
    def values(card: Card, vocabulary: Vocabulary) -> tuple[str, ...]:
        found: list[str] = []
        for name in card.communes:
            commune = vocabulary.commune(name)
            value = getattr(commune, attr, "") if commune else ""
            if value and value not in found:
                found.append(value)
        return tuple(found)

    return values


def _single(attr: str) -> Callable[[Card, Vocabulary], tuple[str, ...]]:
    def values(card: Card, vocabulary: Vocabulary) -> tuple[str, ...]:
        value = getattr(card, attr)
        return (value,) if value else ()

    return values


SOURCED = "mit Quelle"
EXAMPLE = "Beispielkarte"
"""The two values of the ``source`` facet: a card names its sources, or it is an example."""


def _source(card: Card, vocabulary: Vocabulary) -> tuple[str, ...]:
    return (EXAMPLE,) if card.is_example else (SOURCED,)


FACETS: tuple[Facet, ...] = (
    Facet("topics", "topic", "Thema", lambda c, v: c.topics),
    Facet("challenges", "challenge", "Herausforderung", lambda c, v: c.challenges),
    Facet("target_groups", "target_group", "Zielgruppe", lambda c, v: c.target_groups),
    Facet("communes", "commune", "Kommune", lambda c, v: c.communes),
    Facet("state", "state", "Bundesland", _communes_attr("state")),
    Facet("cluster", "cluster", "Cluster", _communes_attr("cluster")),
    Facet("tool_type", "tool_type", "Art des Werkzeugs", _single("tool_type")),
    Facet("status", "status", "Stand", _single("status")),
    Facet("effort", "effort", "Aufwand", _single("effort")),
    Facet("source", "quelle", "Quelle", _source),
)

FACETS_BY_NAME: dict[str, Facet] = {f.name: f for f in FACETS}
FACETS_BY_PARAM: dict[str, Facet] = {f.param: f for f in FACETS}
