"""Every search is time-limited: past the limit the user gets a clear German note, not a
hanging page or an error (ZWK_KB_SEARCH_TIME_LIMIT)."""

from __future__ import annotations

import pytest

from zwk_kb.config import Settings
from zwk_kb.errors import ZwkKbError
from zwk_kb.search.index import SearcherPool
from zwk_kb.search.request import parse_search_args
from zwk_kb.search.service import SearchEngine
from zwk_kb.web import create_app


def test_engine_stops_at_the_limit_and_says_so(settings: Settings) -> None:
    pool = SearcherPool(settings.index)
    hurried = SearchEngine(pool, time_limit=1e-9)
    result = hurried.search(parse_search_args({"q": ["ehrenamt senioren"]}))
    assert result.timed_out and result.total == 0 and result.hits == ()
    relaxed = SearchEngine(pool, time_limit=5.0).search(
        parse_search_args({"q": ["ehrenamt senioren"]})
    )
    assert not relaxed.timed_out and relaxed.total > 0
    pool.close()


def test_page_and_api_explain_a_timed_out_search(settings: Settings) -> None:
    app = create_app(settings.replace(search_time_limit=1e-9))
    client = app.test_client()
    page = client.get("/?q=ehrenamt+senioren")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Diese Suche hat zu lange gedauert" in html
    assert "Leider wurde kein passendes Werkzeug gefunden" not in html
    data = client.get("/api/search?q=ehrenamt+senioren").get_json()
    assert data["timed_out"] is True and data["total"] == 0
    # browsing without words needs no scoring and still answers
    assert client.get("/").status_code == 200


def test_normal_search_reports_no_timeout(client: object) -> None:
    data = client.get("/api/search?q=ehrenamt").get_json()  # type: ignore[attr-defined]
    assert data["timed_out"] is False and data["total"] > 0


@pytest.mark.parametrize("raw", ["0", "-1", "nan", "inf", "abc", "601"])
def test_unusable_time_limits_are_refused_with_a_clear_message(raw: str) -> None:
    with pytest.raises(ZwkKbError, match="SEARCH_TIME_LIMIT"):
        Settings.from_env({"ZWK_KB_SEARCH_TIME_LIMIT": raw})


def test_time_limit_is_read_from_the_environment() -> None:
    assert Settings.from_env({"ZWK_KB_SEARCH_TIME_LIMIT": "0.5"}).search_time_limit == 0.5
