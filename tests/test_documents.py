"""Card -> index document: pure mapping, one schema, safe stored HTML."""

from __future__ import annotations

import json
import re

from conftest import FIXTURE_CARDS, VOCABULARY
from zwk_kb.facets import FACETS
from zwk_kb.model import Toolkit
from zwk_kb.search.schema import (
    BODY,
    CARD,
    SLUG,
    build_schema,
    card_data,
    card_to_document,
    facet_term,
    facet_value,
)

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def test_schema_has_one_field_per_facet(toolkit: Toolkit) -> None:
    schema = build_schema(toolkit.vocabulary)
    assert {f.name for f in FACETS} <= set(schema.names())
    assert schema[SLUG].unique


def test_document_is_pure(toolkit: Toolkit) -> None:
    card = toolkit.by_slug()["sprachcafe"]
    assert card_to_document(card, toolkit.vocabulary) == card_to_document(card, toolkit.vocabulary)


def test_derived_facets_come_from_the_commune_table(toolkit: Toolkit) -> None:
    card = toolkit.by_slug()["sprachcafe"]
    doc = card_to_document(card, toolkit.vocabulary)
    communes = FIXTURE_CARDS["sprachcafe"]["meta"]["communes"]
    states = {VOCABULARY["communes"][c]["state"] for c in communes}
    assert {facet_value(t) for t in doc["state"].split(",")} == states
    assert {facet_value(t) for t in doc["communes"].split(",")} == set(communes)


def test_facet_values_with_commas_survive_the_keyword_field() -> None:
    value = "Begegnung, Beratung und Selbsthilfe"
    assert "," not in facet_term(value)
    assert facet_value(facet_term(value)) == value


def test_body_is_indexed_as_plain_text_without_markdown(toolkit: Toolkit) -> None:
    doc = card_to_document(toolkit.by_slug()["kindergarten-im-dorf"], toolkit.vocabulary)
    assert "Trägerverein" in doc[BODY]
    assert "##" not in doc[BODY]


def test_stored_card_has_iso_dates_and_rendered_html(toolkit: Toolkit) -> None:
    card = toolkit.by_slug()["landarztpraxis-gemeinde"]
    stored = json.loads(card_to_document(card, toolkit.vocabulary)[CARD])
    assert (
        stored["published"]
        == FIXTURE_CARDS["landarztpraxis-gemeinde"]["meta"]["published"].isoformat()
    )
    assert ISO_DATE.match(stored["updated"])
    assert "<h2" in stored["html"] and "Teilzeit" in stored["html"]
    assert card_data(toolkit.by_slug()["sprachcafe"], toolkit.vocabulary)["updated"] is None


def test_stored_html_has_no_raw_html_and_no_script_links(toolkit: Toolkit) -> None:
    html = card_data(toolkit.by_slug()["unsicherer-inhalt"], toolkit.vocabulary)["html"]
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "<b " not in html and "<img" not in html
    assert 'href="javascript:' not in html
    assert 'href="https://example.org/bank"' in html
