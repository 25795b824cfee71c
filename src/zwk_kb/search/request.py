"""The search request: what the user asked for, parsed from URL parameters and written back.

The URL is the state: every filter, page and sort is a query parameter, so a search can be
shared, bookmarked and used without JavaScript. Parsing never raises for bad input; it clamps.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from zwk_kb.facets import FACETS, FACETS_BY_NAME

MAX_QUERY_CHARS = 200
MAX_VALUES_PER_FACET = 20
MAX_VALUE_CHARS = 120
MAX_PAGE = 1000
DEFAULT_PER_PAGE = 10
MAX_PER_PAGE = 50
SORTS = ("relevance", "newest", "title")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def clean_text(value: str, limit: int) -> str:
    """Drop control and bidi characters, collapse whitespace, cut to ``limit`` characters."""
    value = _CONTROL_RE.sub(" ", value)
    return " ".join(value.split())[:limit]


def _int(values: Sequence[str], default: int, low: int, high: int) -> int:
    if not values:
        return default
    try:
        number = int(values[0].strip()[:9])
    except ValueError:
        return default
    return min(max(number, low), high)


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """One search: text, selected facet values, page and sort."""

    q: str = ""
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    sort: str = "relevance"
    default_per_page: int = field(default=DEFAULT_PER_PAGE, compare=False, repr=False)
    """The site's page size (``ZWK_KB_PER_PAGE``): links leave ``per_page`` out only for it."""
    keep: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    """Parameters every link of the page carries along without searching by them: the
    facilitator's selection (``w``, ``titel``), parsed and checked by ``selection``."""

    @property
    def is_browse(self) -> bool:
        return not self.q.strip()

    def selected(self, facet: str) -> tuple[str, ...]:
        return self.filters.get(facet, ())

    def toggle(self, facet: str, value: str) -> SearchRequest:
        """The request with ``value`` added to or removed from the facet; back to page 1."""
        current = self.selected(facet)
        values = tuple(v for v in current if v != value) if value in current else (*current, value)
        filters = {k: v for k, v in self.filters.items() if k != facet}
        if values:
            filters[facet] = values
        return replace(self, filters=filters, page=1)

    def without_filters(self) -> SearchRequest:
        return replace(self, filters={}, page=1)

    def with_page(self, page: int) -> SearchRequest:
        return replace(self, page=page)

    def with_query(self, q: str) -> SearchRequest:
        return replace(self, q=q, page=1)

    def params(self, *, include_page: bool = True) -> list[tuple[str, str]]:
        """The request as URL parameters (repeated keys for several values)."""
        pairs: list[tuple[str, str]] = []
        if self.q:
            pairs.append(("q", self.q))
        for facet in FACETS:
            for value in self.selected(facet.name):
                pairs.append((facet.param, value))
        if self.sort != "relevance":
            pairs.append(("sort", self.sort))
        if include_page and self.page > 1:
            pairs.append(("page", str(self.page)))
        if self.per_page != self.default_per_page:
            pairs.append(("per_page", str(self.per_page)))
        pairs.extend(self.keep)
        return pairs

    def to_query_string(self) -> str:
        return urlencode(self.params())


def parse_search_args(
    args: Mapping[str, Sequence[str]],
    *,
    per_page: int = DEFAULT_PER_PAGE,
    max_per_page: int = MAX_PER_PAGE,
) -> SearchRequest:
    """A ``SearchRequest`` from URL parameters (``{"q": ["…"], "topic": ["a", "b"]}``).

    Unknown keys are ignored, numbers clamped, texts cleaned and bounded; never raises.
    """
    q = clean_text(" ".join(args.get("q", [])[:3]), MAX_QUERY_CHARS)
    filters: dict[str, tuple[str, ...]] = {}
    for facet in FACETS:
        raw = args.get(facet.param, [])
        values: list[str] = []
        for value in raw[: MAX_VALUES_PER_FACET * 2]:
            cleaned = clean_text(value, MAX_VALUE_CHARS)
            if cleaned and cleaned not in values:
                values.append(cleaned)
        if values:
            filters[facet.name] = tuple(values[:MAX_VALUES_PER_FACET])
    sort = (args.get("sort") or ["relevance"])[0]
    return SearchRequest(
        q=q,
        filters=filters,
        page=_int(args.get("page", []), 1, 1, MAX_PAGE),
        per_page=_int(args.get("per_page", []), per_page, 1, max_per_page),
        sort=sort if sort in SORTS else "relevance",
        default_per_page=per_page,
    )


def request_from_options(
    q: str, options: Mapping[str, Iterable[str]], **kwargs: int
) -> SearchRequest:
    """A request from CLI options keyed by facet name (``{"topics": ["Wohnen"]}``)."""
    args: dict[str, list[str]] = {"q": [q]}
    for name, values in options.items():
        args[FACETS_BY_NAME[name].param] = list(values)
    return parse_search_args(args, **kwargs)


@dataclass(frozen=True, slots=True)
class QueryPart:
    """One piece of the user's query: a word or a quoted phrase, possibly excluded with ``-``."""

    text: str
    phrase: bool = False
    exclude: bool = False


_PART_RE = re.compile(r'(-?)"([^"]*)"?|(\S+)')
MAX_PARTS = 24
_FIELD_COLON_RE = re.compile(r":(?!in(?:nen)?\b)", re.IGNORECASE)


def split_query(q: str) -> list[QueryPart]:
    """Words and quoted phrases of a query; AND/OR/NOT and syntax characters are not required.

    ``-wort`` and ``-"eine phrase"`` exclude; ``AND``/``UND`` are dropped (all words are
    wanted anyway), ``OR``/``ODER`` are dropped (words are ranked, not required), ``NOT x`` /
    ``NICHT x`` excludes x. Anything else is just text.
    """
    parts: list[QueryPart] = []
    negate_next = False
    # "feld:wert" is no field syntax here, just two words; gender colons (Bürger:innen) stay
    q = _FIELD_COLON_RE.sub(" ", q)
    for match in _PART_RE.finditer(q):
        minus, phrase, word = match.groups()
        if phrase is not None:
            text = " ".join(phrase.split())
            if text:
                parts.append(QueryPart(text, phrase=True, exclude=bool(minus) or negate_next))
            negate_next = False
            continue
        if word in {"AND", "UND", "&&", "OR", "ODER", "||"}:
            continue
        if word in {"NOT", "NICHT"}:
            negate_next = True
            continue
        exclude = negate_next
        negate_next = False
        if word.startswith("-") and len(word) > 1:
            exclude, word = True, word.lstrip("-")
        word = word.strip("+-*?~^:()[]{}!\\/&|'\".,;")
        if word:
            parts.append(QueryPart(word, exclude=exclude))
        if len(parts) >= MAX_PARTS:
            break
    return parts
