"""Export of a search result (with its facet filters) as CSV for spreadsheets and as JSON.

The CSV is made for German office software: UTF-8 with byte order mark, ``;`` as separator,
lists joined with ``, ``. Cells that a spreadsheet would run as a formula (starting with
``= + - @``, tab or carriage return) get a leading apostrophe (CSV injection). Characters no card
may contain (``characters.clean``) are dropped from both files before that guard, so
that a hidden control character can neither reach a spreadsheet nor hide a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from zwk_kb.characters import clean, clean_data

MAX_EXPORT = 1000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_TYPE = "text/csv; charset=utf-8"

# (column heading, card data key); list values are joined
COLUMNS: tuple[tuple[str, str], ...] = (
    ("Titel", "title"),
    ("Kurzbeschreibung", "summary"),
    ("Adresse", "url"),
    ("Themen", "topics"),
    ("Herausforderungen", "challenges"),
    ("Zielgruppen", "target_groups"),
    ("Kommunen", "communes"),
    ("Bundesländer", "state"),
    ("Cluster", "cluster"),
    ("Nachgemacht in", "reused_by"),
    ("Art", "tool_type"),
    ("Stand", "status"),
    ("Aufwand", "effort"),
    ("Veröffentlicht", "published"),
    ("Aktualisiert", "updated"),
    ("Kontakt", "contact"),
    ("Quellen", "sources"),
    ("Lizenz", "license"),
    ("Kurzname", "slug"),
)
JSON_KEYS = (
    "slug",
    "title",
    "summary",
    "plain_summary",
    "url",
    "topics",
    "challenges",
    "target_groups",
    "communes",
    "commune_details",
    "state",
    "cluster",
    "reused_by",
    "tool_type",
    "status",
    "effort",
    "published",
    "updated",
    "contact",
    "links",
    "sources",
    "license",
)


def safe_cell(value: str) -> str:
    """A cell no spreadsheet runs as a formula and without characters no card may contain."""
    value = clean(value)
    return "'" + value if value.startswith(FORMULA_START) else value


def _cell(card: Mapping[str, Any], key: str) -> str:
    value = card.get(key)
    if value is None:
        return ""
    if key == "contact" and isinstance(value, Mapping):
        return ", ".join(
            str(value[k]) for k in ("name", "organisation", "email", "phone") if value.get(k)
        )
    if key == "sources":  # the addresses; an empty cell is an example card
        return ", ".join(str(s.get("url", "")) for s in value if isinstance(s, Mapping))
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def export_rows(cards: Iterable[Mapping[str, Any]], base_url: str) -> list[dict[str, Any]]:
    """The cards with an absolute ``url``, in result order."""
    return [{**card, "url": base_url + "/werkzeuge/" + str(card["slug"])} for card in cards]


def to_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([heading for heading, _ in COLUMNS])
    for row in rows:
        writer.writerow([safe_cell(_cell(row, key)) for _, key in COLUMNS])
    return buffer.getvalue()


def to_json_data(
    rows: Sequence[Mapping[str, Any]],
    *,
    query: str,
    filters: Mapping[str, Sequence[str]],
    total: int,
    search_url: str,
) -> dict[str, Any]:
    """The JSON export: the search, its filters and the cards (every text ``clean``ed)."""
    data = {
        "query": query,
        "filters": {name: list(values) for name, values in filters.items()},
        "total": total,
        "exported": len(rows),
        "search_url": search_url,
        "results": [{key: row.get(key) for key in JSON_KEYS} for row in rows],
    }
    cleaned: dict[str, Any] = clean_data(data)
    return cleaned
