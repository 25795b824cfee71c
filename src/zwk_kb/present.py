"""Turns search results and cards into plain dicts used by both the HTML pages and the JSON API.

Templates only print and loop over these dicts: every link (facet toggles, pages, card URLs)
is computed here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from zwk_kb.facets import FACETS, FACETS_BY_NAME
from zwk_kb.query import SearchRequest
from zwk_kb.search import SearchResult

SEARCH_PATH = "/"
CARD_PATH = "/werkzeuge/"
MAX_FACET_VALUES_SHOWN = 12


def card_url(slug: str) -> str:
    return CARD_PATH + quote(slug)


def search_url(request: SearchRequest, path: str = SEARCH_PATH) -> str:
    qs = request.to_query_string()
    return f"{path}?{qs}" if qs else path


def filter_url(facet_name: str, value: str, path: str = SEARCH_PATH) -> str:
    """The search filtered by one facet value (links from a card's metadata)."""
    return f"{path}?{urlencode([(FACETS_BY_NAME[facet_name].param, value)])}"


def hit_dict(hit: Any) -> dict[str, Any]:
    card = hit.card
    return {
        "slug": hit.slug,
        "title": card["title"],
        "summary": card["summary"],
        "url": card_url(hit.slug),
        "topics": card["topics"],
        "communes": card["communes"],
        "challenges": card["challenges"],
        "target_groups": card.get("target_groups", []),
        "state": card.get("state", []),
        "tool_type": card.get("tool_type", ""),
        "status": card.get("status", ""),
        "published": card["published"],
        "updated": card.get("updated"),
        "score": hit.score,
        "snippet_html": hit.snippet,
        "title_html": hit.title_html,
        "reasons": list(hit.reasons),
    }


def search_page(result: SearchResult, path: str = SEARCH_PATH) -> dict[str, Any]:
    """Everything the search page and ``/api/search`` show."""
    request = result.request
    facets: dict[str, list[dict[str, Any]]] = {}
    facet_blocks = []
    active = []
    for facet in FACETS:
        values = []
        for fv in result.facets.get(facet.name, ()):
            toggled = request.toggle(facet.name, fv.value)
            entry = {
                "value": fv.value,
                "count": fv.count,
                "selected": fv.selected,
                "toggle_url": search_url(toggled, path),
            }
            values.append(entry)
            if fv.selected:
                active.append({"facet": facet.label, "value": fv.value, "remove_url": entry["toggle_url"]})
        facets[facet.name] = values
        if values:
            shown = [v for v in values if v["selected"]] + [v for v in values if not v["selected"]]
            facet_blocks.append(
                {
                    "name": facet.name,
                    "param": facet.param,
                    "label": facet.label,
                    "values": shown[: max(MAX_FACET_VALUES_SHOWN, sum(v["selected"] for v in values))],
                    "more": shown[MAX_FACET_VALUES_SHOWN:],
                    "has_selected": any(v["selected"] for v in values),
                }
            )
    pages = max(1, -(-result.total // request.per_page))
    suggestion_url = (
        search_url(request.with_query(result.suggestion), path) if result.suggestion else None
    )
    return {
        "query": request.q,
        "total": result.total,
        "page": request.page,
        "per_page": request.per_page,
        "pages": pages,
        "sort": request.sort,
        "results": [hit_dict(h) for h in result.hits],
        "facets": facets,
        "suggestion": result.suggestion,
        "suggestion_url": suggestion_url,
        "relaxed": result.relaxed,
        "corrected": result.corrected,
        "facet_blocks": facet_blocks,
        "active_filters": active,
        "clear_filters_url": search_url(request.without_filters(), path) if active else None,
        "prev_url": search_url(request.with_page(request.page - 1), path) if request.page > 1 else None,
        "next_url": search_url(request.with_page(request.page + 1), path) if request.page < pages else None,
        "page_links": [
            {"number": n, "url": search_url(request.with_page(n), path), "current": n == request.page}
            for n in _page_window(request.page, pages)
        ],
        "hidden_params": [(k, v) for k, v in request.params(include_page=False) if k not in {"q", "sort"}],
        "self_url": search_url(request, path),
    }


def api_search(page: dict[str, Any]) -> dict[str, Any]:
    """The documented JSON object of ``/api/search`` (a subset of the page dict)."""
    keys = ("query", "total", "page", "per_page", "results", "suggestion")
    data = {k: page[k] for k in keys}
    data["facets"] = {
        name: [{"value": v["value"], "count": v["count"], "selected": v["selected"]} for v in values]
        for name, values in page["facets"].items()
    }
    data["results"] = [
        {k: r[k] for k in ("slug", "title", "summary", "url", "topics", "communes", "challenges", "score",
                            "snippet_html", "reasons")}
        for r in page["results"]
    ]
    return data


def _page_window(page: int, pages: int, width: int = 2) -> list[int]:
    low, high = max(1, page - width), min(pages, page + width)
    return list(range(low, high + 1)) if pages > 1 else []


def card_page(card: dict[str, Any], related: list[dict[str, Any]]) -> dict[str, Any]:
    """Everything the card page and ``/api/werkzeuge/<slug>`` show."""
    meta = []
    for facet_name, label in (
        ("topics", "Themen"),
        ("challenges", "Herausforderungen"),
        ("target_groups", "Zielgruppen"),
    ):
        values = card.get(facet_name) or []
        if values:
            meta.append(
                {"label": label, "values": [{"value": v, "url": filter_url(facet_name, v)} for v in values]}
            )
    for facet_name, label in (("tool_type", "Art"), ("status", "Stand"), ("effort", "Aufwand")):
        value = card.get(facet_name)
        if value:
            meta.append({"label": label, "values": [{"value": value, "url": filter_url(facet_name, value)}]})
    communes = [
        {
            **c,
            "url": filter_url("communes", c["name"]),
            "state_url": filter_url("state", c["state"]) if c["state"] else None,
            "cluster_url": filter_url("cluster", c["cluster"]) if c["cluster"] else None,
        }
        for c in card.get("commune_details", [])
    ]
    return {
        **card,
        "url": card_url(card["slug"]),
        "meta": meta,
        "communes_linked": communes,
        "reused_by_linked": [{"value": v, "url": filter_url("communes", v)} for v in card.get("reused_by", [])],
        "related": [
            {"slug": r["slug"], "title": r["title"], "summary": r["summary"], "url": card_url(r["slug"])}
            for r in related
        ],
        "show_toc": len(card.get("headings", [])) >= 4,
    }


def api_card(page: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "slug", "title", "summary", "plain_summary", "url", "topics", "communes", "commune_details",
        "challenges", "target_groups", "state", "cluster", "status", "effort", "tool_type",
        "published", "updated", "license", "contact", "links", "aliases", "reused_by", "html",
        "headings",
    )
    data = {k: page.get(k) for k in keys}
    data["related"] = page["related"]
    return data
