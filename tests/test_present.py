"""Facet links: every checkbox value links to the search with exactly that value added."""

from __future__ import annotations

import pytest

from zwk_kb.present import _add_value_url, search_page, search_url
from zwk_kb.query import parse_search_args


@pytest.mark.parametrize(
    "args",
    [
        {},
        {"q": ["kita & co"]},
        {
            "q": ["bürgerbus"],
            "topic": ["Wohnen", "Mobilität, Verkehr"],
            "state": ["Bayern"],
            "sort": ["newest"],
            "page": ["3"],
            "per_page": ["50"],
        },
    ],
)
def test_fast_facet_link_equals_the_full_request_url(args: dict[str, list[str]]) -> None:
    request = parse_search_args(args)
    for facet in ("topics", "communes", "state", "cluster", "status", "target_groups"):
        for value in ("Dessau-Roßlau", "A & B = C+D", "Bayern", "Ältere Menschen"):
            if value in request.selected(facet):
                continue
            fast = _add_value_url(request, facet, "/")(value)
            assert fast == search_url(request.toggle(facet, value), "/")
            assert "&page=" not in fast  # a new filter starts at page 1


def test_long_facets_list_fifty_values_and_always_the_selected_one() -> None:
    from zwk_kb.search import FacetValue, SearchResult

    request = parse_search_args({"commune": ["Kommune 119"]})
    values = tuple(
        FacetValue(f"Kommune {i}", 200 - i, selected=(i == 119)) for i in range(120)
    )
    result = SearchResult(request=request, total=5, hits=(), facets={"communes": values})
    page = search_page(result)
    block = next(b for b in page["facet_blocks"] if b["name"] == "communes")
    listed = [v["value"] for v in block["values"] + block["more"]]
    assert len(listed) == 50
    assert listed[0] == "Kommune 119"  # the selected value stays visible and checked
    assert block["not_listed"] == 70
    assert page["active_filters"][0]["value"] == "Kommune 119"
