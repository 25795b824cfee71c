"""THE index schema and the pure mapping ``Card`` -> index document.

Every field is commented with why it has its type. The schema depends on the toolkit's
vocabulary only through the analyzer's extra dictionary words (commune and topic names must
be known to the compound splitter, and must never be split themselves).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from whoosh import columns
from whoosh import fields as wf
from whoosh.analysis import Analyzer

from zwk_kb.analysis.folding import fold
from zwk_kb.analysis.pipeline import (
    ExactAnalyzer,
    OnePassPositions,
    exact_analyzer,
    german_analyzer,
)
from zwk_kb.facets import FACETS
from zwk_kb.markdown import Rendered, render

if TYPE_CHECKING:  # annotations only: searching needs no card model
    from zwk_kb.model import Card, Vocabulary

SCHEMA_VERSION = 7
"""Bump whenever the schema, the analysis or the document mapping changes: existing indexes are
then rebuilt instead of updated incrementally with a mismatching analyzer."""

SLUG = "slug"
TITLE = "title"
SUMMARY = "summary"
PLAIN_SUMMARY = "plain_summary"
BODY = "body"
FACET_TEXT = "facet_text"
SPELL = "spell"
PUBLISHED = "published"
CHANGED = "changed"
TITLE_ORDER = "title_order"
STAMP = "stamp"
ALIASES = "aliases"
CARD = "card"

TEXT_FIELDS: tuple[str, ...] = (TITLE, FACET_TEXT, SUMMARY, PLAIN_SUMMARY, BODY)
"""The fields a word of a query is searched in (their weights: ``ranking.FIELD_BOOSTS``)."""
MAX_BODY_CHARS = 60_000
FACET_VALUE_SEPARATOR = "\x1f"


def dictionary_words(vocabulary: Vocabulary) -> list[str]:
    """Words the compound splitter must know: every term of the vocabulary, commune names first."""
    words: list[str] = list(vocabulary.communes)
    for commune in vocabulary.communes.values():
        words.extend([commune.state, commune.cluster, commune.kind])
    for terms in (
        vocabulary.topics,
        vocabulary.challenges,
        vocabulary.target_groups,
        vocabulary.tool_types,
    ):
        words.extend(terms)
    for group in vocabulary.synonyms:
        words.extend(group)
    return words


def spelling_analyzer(vocabulary: Vocabulary) -> ExactAnalyzer:
    """The analyzer of the spelling dictionary: folded, unstemmed words and compound parts,
    with the same dictionary words as the search fields."""
    return exact_analyzer(dictionary_words(vocabulary), keep_whole=list(vocabulary.communes))


def _text(analyzer: Analyzer, *, stored: bool) -> wf.TEXT:
    """A German text field with positions (phrases, near queries), filled by the analyzer's
    one-pass path (:class:`~zwk_kb.analysis.pipeline.OnePassPositions`: the same postings)."""
    field = wf.TEXT(analyzer=analyzer, stored=stored, phrase=True)
    field.format = OnePassPositions(field_boost=field.format.field_boost)
    return field


def build_schema(vocabulary: Vocabulary) -> wf.Schema:
    """The one schema of the index."""
    # commune names are proper names: known to the splitter, never split themselves
    words, communes = dictionary_words(vocabulary), list(vocabulary.communes)
    german = german_analyzer(words, keep_whole=communes)
    facet_fields = {
        # KEYWORD with a separator that can't occur in a term: exact, unscored filter terms;
        # not stored, the card's values are in CARD.
        facet.name: wf.KEYWORD(commas=True, lowercase=False, scorable=False)
        for facet in FACETS
    }
    return wf.Schema(
        # unique id; the permalink; stored to map hits back to cards
        **{SLUG: wf.ID(stored=True, unique=True)},
        # TEXT with German analysis, stored for highlighting in results
        **{TITLE: _text(german, stored=True)},
        **{SUMMARY: _text(german, stored=True)},
        **{PLAIN_SUMMARY: _text(german, stored=False)},
        # the body as plain text (no Markdown syntax), stored for snippets
        **{BODY: _text(german, stored=True)},
        # topics, challenges, target groups, communes, state, cluster, type as searchable text,
        # so "Barleben" or "Integration" find the cards classified that way
        **{FACET_TEXT: _text(german, stored=False)},
        # the card's spelling words with their counts (see zwk_kb.search.spelling), so an
        # incremental update can count a changed card's old words out; a column, not a stored
        # field, so the few kilobytes per card are never loaded with the stored fields of a
        # search hit
        **{SPELL: wf.COLUMN(columns.PickleColumn(columns.CompressedBytesColumn()))},
        # sortable dates as ISO strings
        **{PUBLISHED: wf.ID(stored=True, sortable=True)},
        **{CHANGED: wf.ID(stored=True, sortable=True)},
        # the folded title as a sort column: "sorted by title" without reading every title's
        # postings (Whoosh sorts a TEXT field that way: seconds at 10,000 cards)
        **{TITLE_ORDER: wf.ID(sortable=True)},
        # content hash of the card file: incremental updates compare it
        **{STAMP: wf.ID(stored=True)},
        # former slugs, to redirect old links
        **{ALIASES: wf.KEYWORD(stored=True, commas=True, lowercase=False, scorable=False)},
        # everything the views need, as JSON, so pages never re-read or re-render cards
        **{CARD: wf.STORED()},
        **facet_fields,
    )


def facet_term(value: str) -> str:
    """The index term of a facet value (commas are the field's separator, so they are replaced)."""
    return value.replace(",", FACET_VALUE_SEPARATOR).strip()


def facet_value(term: str) -> str:
    return term.replace(FACET_VALUE_SEPARATOR, ",")


def facet_values(card: Card, vocabulary: Vocabulary) -> dict[str, tuple[str, ...]]:
    """The card's value list for every facet, in the order of the facet table."""
    return {facet.name: facet.values_of(card, vocabulary) for facet in FACETS}


def card_data(
    card: Card, vocabulary: Vocabulary, rendered: Rendered | None = None
) -> dict[str, Any]:
    """The card as plain JSON-able data (what the API returns and the pages show)."""
    rendered = rendered or render(card.body)
    communes = []
    for name in card.communes:
        commune = vocabulary.commune(name)
        communes.append(
            {
                "name": name,
                "state": commune.state if commune else "",
                "cluster": commune.cluster if commune else "",
                "kind": commune.kind if commune else "",
            }
        )
    contact = None
    if card.contact is not None:
        contact = {
            "name": card.contact.name,
            "organisation": card.contact.organisation,
            "email": card.contact.email,
            "phone": card.contact.phone,
        }
    return {
        "slug": card.slug,
        "title": card.title,
        "summary": card.summary,
        "plain_summary": card.plain_summary,
        "topics": list(card.topics),
        "communes": list(card.communes),
        "commune_details": communes,
        "challenges": list(card.challenges),
        "target_groups": list(card.target_groups),
        "state": list(facet_values(card, vocabulary)["state"]),
        "cluster": list(facet_values(card, vocabulary)["cluster"]),
        "status": card.status,
        "effort": card.effort,
        "tool_type": card.tool_type,
        "published": card.published.isoformat(),
        "updated": card.updated.isoformat() if card.updated else None,
        "license": card.license,
        "contact": contact,
        "links": [{"title": link.title, "url": link.url} for link in card.links],
        "sources": [{"title": link.title, "url": link.url} for link in card.sources],
        "aliases": list(card.aliases),
        "reused_by": list(card.reused_by),
        "source_path": card.source_path,
        "html": rendered.html,
        "headings": [
            {"level": h.level, "text": h.text, "anchor": h.anchor} for h in rendered.headings
        ],
    }


def card_to_document(card: Card, vocabulary: Vocabulary) -> dict[str, Any]:
    """The index document of one card. Pure: same card and vocabulary, same document."""
    values = facet_values(card, vocabulary)
    rendered = render(card.body)
    body = rendered.text[:MAX_BODY_CHARS]
    # status, effort and source describe the card, not the tool: filters only, not search words
    unsearched = {"status", "effort", "source"}
    facet_words = [v for name, vs in values.items() if name not in unsearched for v in vs]
    facet_text = " . ".join(facet_words)
    doc: dict[str, Any] = {
        SLUG: card.slug,
        TITLE: card.title,
        SUMMARY: card.summary,
        PLAIN_SUMMARY: card.plain_summary,
        BODY: body,
        FACET_TEXT: facet_text,
        # all text for the spelling dictionary; the index run replaces it by its word counts
        SPELL: " ".join([card.title, card.summary, card.plain_summary, facet_text, body]),
        PUBLISHED: card.published.isoformat(),
        CHANGED: card.last_changed.isoformat(),
        TITLE_ORDER: fold(card.title)[:200],
        STAMP: card.stamp,
        ALIASES: ",".join(card.aliases),
        CARD: json.dumps(card_data(card, vocabulary, rendered), ensure_ascii=False),
    }
    for name, vs in values.items():
        doc[name] = ",".join(facet_term(v) for v in vs)
    return doc
