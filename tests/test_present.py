"""The facet lists of the search page: which values are listed, and the links that remove a
selected filter."""

from __future__ import annotations

from zwk_kb.outputs.present import search_page, search_url
from zwk_kb.search.request import parse_search_args


def test_removing_a_filter_links_to_the_same_search_without_it() -> None:
    from zwk_kb.search.service import FacetValue, SearchResult

    request = parse_search_args(
        {"q": ["bürgerbus"], "topic": ["Wohnen", "A & B = C+D"], "state": ["Bayern"]}
    )
    facets = {
        "topics": (FacetValue("Wohnen", 3, True), FacetValue("A & B = C+D", 1, True)),
        "state": (FacetValue("Bayern", 2, True), FacetValue("Sachsen", 4, False)),
    }
    page = search_page(SearchResult(request=request, total=3, hits=(), facets=facets))
    links = {(f["facet"], f["value"]): f["remove_url"] for f in page["active_filters"]}
    assert len(links) == 3
    for (label, value), url in links.items():
        facet = next(b["name"] for b in page["facet_blocks"] if b["label"] == label)
        assert url == search_url(request.toggle(facet, value), "/")
        assert parse_search_args(_args(url)).selected(facet) == tuple(
            v for v in request.selected(facet) if v != value
        )


def _args(url: str) -> dict[str, list[str]]:
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(url).query)


def test_long_facets_list_fifty_values_and_always_the_selected_one() -> None:
    from zwk_kb.search.service import FacetValue, SearchResult

    request = parse_search_args({"commune": ["Kommune 119"]})
    values = tuple(FacetValue(f"Kommune {i}", 200 - i, selected=(i == 119)) for i in range(120))
    result = SearchResult(request=request, total=5, hits=(), facets={"communes": values})
    page = search_page(result)
    block = next(b for b in page["facet_blocks"] if b["name"] == "communes")
    listed = [v["value"] for v in block["values"] + block["more"]]
    assert len(listed) == 50
    assert listed[0] == "Kommune 119"  # the selected value stays visible and checked
    assert block["not_listed"] == 70
    assert page["active_filters"][0]["value"] == "Kommune 119"
