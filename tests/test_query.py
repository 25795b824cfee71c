"""The search request: URL parameters in, URL parameters out. Pure: no Flask, no index."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zwk_kb.search.request import (
    MAX_PAGE,
    MAX_QUERY_CHARS,
    SearchRequest,
    parse_search_args,
    request_from_options,
    split_query,
)


def test_empty_args_browse_first_page() -> None:
    request = parse_search_args({})
    assert request == SearchRequest()
    assert request.is_browse


def test_repeated_parameters_are_several_values_of_one_facet() -> None:
    request = parse_search_args({"topic": ["Wohnen", "Bildung", "Wohnen"], "commune": ["Zerbst"]})
    assert request.selected("topics") == ("Wohnen", "Bildung")
    assert request.selected("communes") == ("Zerbst",)


def test_every_facet_has_its_documented_parameter() -> None:
    params = [
        "topic",
        "commune",
        "challenge",
        "target_group",
        "state",
        "cluster",
        "status",
        "effort",
        "tool_type",
    ]
    request = parse_search_args({p: [f"wert-{p}"] for p in params})
    assert sorted(v for values in request.filters.values() for v in values) == sorted(
        f"wert-{p}" for p in params
    )


def test_unknown_parameters_are_ignored() -> None:
    assert parse_search_args({"foo": ["bar"], "topics": ["Wohnen"]}) == SearchRequest()


@pytest.mark.parametrize(
    ("raw", "page"),
    [
        ("abc", 1),
        ("", 1),
        ("0", 1),
        ("-3", 1),
        ("2", 2),
        (" 7 ", 7),
        ("99999", MAX_PAGE),
        ("1e3", 1),
        ("９", 9),
    ],
)
def test_page_numbers_are_clamped_never_raise(raw: str, page: int) -> None:
    assert parse_search_args({"page": [raw]}).page == page


@pytest.mark.parametrize(("raw", "per_page"), [("0", 1), ("1000", 50), ("abc", 10), ("25", 25)])
def test_per_page_is_clamped(raw: str, per_page: int) -> None:
    assert parse_search_args({"per_page": [raw]}).per_page == per_page


def test_per_page_limits_come_from_settings() -> None:
    request = parse_search_args({"per_page": ["80"]}, per_page=20, max_per_page=100)
    assert request.per_page == 80
    assert parse_search_args({}, per_page=20).per_page == 20


def test_query_text_is_cleaned_and_bounded() -> None:
    request = parse_search_args({"q": ["  Bürger\x00bus\u202e  \t im   Dorf " + "x" * 5000]})
    assert "\x00" not in request.q and "\u202e" not in request.q
    assert request.q.startswith("Bürger bus im Dorf ")
    assert len(request.q) == MAX_QUERY_CHARS


def test_unknown_sort_falls_back_to_relevance() -> None:
    assert parse_search_args({"sort": ["drop table"]}).sort == "relevance"
    assert parse_search_args({"sort": ["newest"]}).sort == "newest"


def test_url_round_trip_keeps_the_whole_state() -> None:
    args = {
        "q": ["Bürgerbus Dorf"],
        "topic": ["Mobilität", "Wohnen"],
        "commune": ["Dessau-Roßlau"],
        "page": ["3"],
        "per_page": ["20"],
        "sort": ["newest"],
    }
    request = parse_search_args(args)
    again = parse_search_args(parse_qs(request.to_query_string()))
    assert again == request


def test_toggle_adds_and_removes_a_value_and_resets_the_page() -> None:
    request = parse_search_args({"topic": ["Wohnen"], "page": ["4"]})
    added = request.toggle("topics", "Bildung")
    assert added.selected("topics") == ("Wohnen", "Bildung")
    assert added.page == 1
    removed = added.toggle("topics", "Wohnen").toggle("topics", "Bildung")
    assert removed.selected("topics") == ()
    assert "topic=" not in removed.to_query_string()


def test_request_from_cli_options_uses_facet_names() -> None:
    request = request_from_options("Kita", {"topics": ["Bildung"], "state": ["Sachsen-Anhalt"]})
    assert request.q == "Kita"
    assert request.selected("topics") == ("Bildung",)
    assert request.selected("state") == ("Sachsen-Anhalt",)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Bürgerbus Dorf", [("Bürgerbus", False, False), ("Dorf", False, False)]),
        (
            '"Wohnen für Hilfe" -Studium',
            [("Wohnen für Hilfe", True, False), ("Studium", False, True)],
        ),
        ("NOT NOT Kita", [("Kita", False, True)]),
        ("a AND b OR c", [("a", False, False), ("b", False, False), ("c", False, False)]),
        ("", []),
    ],
)
def test_split_query_never_exposes_engine_syntax(
    q: str, expected: list[tuple[str, bool, bool]]
) -> None:
    assert [(p.text, p.phrase, p.exclude) for p in split_query(q)] == expected


PARAMS = [
    "q",
    "topic",
    "commune",
    "challenge",
    "target_group",
    "state",
    "cluster",
    "status",
    "effort",
    "tool_type",
    "page",
    "per_page",
    "sort",
    "other",
]
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(PARAMS), st.lists(TEXT, max_size=30)))
def test_any_parameters_parse_and_survive_the_url_round_trip(args: dict[str, list[str]]) -> None:
    request = parse_search_args(args)
    assert 1 <= request.page <= MAX_PAGE and 1 <= request.per_page <= 50
    assert len(request.q) <= MAX_QUERY_CHARS
    assert parse_search_args(parse_qs(request.to_query_string())) == request
