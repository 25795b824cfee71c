"""A search step that breaks is logged once per cause, counted in ``/healthz``, and the user
still gets an answer (never a 500, never a silent "no results")."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from whoosh import reading
from whoosh.searching import Searcher

from zwk_kb import degradations
from zwk_kb.analysis.pipeline import GermanAnalyzer, SynonymTable
from zwk_kb.engine.scoring import ScoreCache
from zwk_kb.search import service as search

SECRET = "Frau Müller, Hauptstraße 5"
"""Stands for personal text of a query: it must never reach the log."""


def boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError(SECRET)


def _fresh(app: Flask) -> None:
    """Forget what earlier tests cached, so the step under test runs again."""
    engine = app.extensions["zwk_kb"].engine
    engine.clear_caches()
    engine._facet_cache.clear()


def _degradation_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == degradations.__name__]


def test_a_broken_ranking_is_logged_once_counted_in_healthz_and_not_cached(
    app: Flask,
    client: FlaskClient,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    degraded_steps: Callable[[], dict[str, int]],
) -> None:
    _fresh(app)
    before = client.get("/healthz").get_json()["degraded"]
    monkeypatch.setattr(ScoreCache, "ranked", boom)
    with caplog.at_level(logging.ERROR):
        for _ in range(3):
            response = client.get("/api/search?q=Kindergarten")
            assert response.status_code == 200
            assert response.get_json()["total"] == 0
        assert client.get("/?q=Kindergarten").status_code == 200
    assert degraded_steps() == {"ranking": 4}  # every failure counted: the answer is not cached
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok"
    assert health["degraded"]["ranking"] == before.get("ranking", 0) + 4
    lines = _degradation_lines(caplog)
    assert len(lines) == 1  # once per cause
    assert "ranking" in lines[0] and "RuntimeError" in lines[0]
    assert "test_degradations.py:" in lines[0] and "(boom)" in lines[0]  # where it was raised
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Kindergarten" not in logged and SECRET not in logged
    monkeypatch.undo()
    assert client.get("/api/search?q=Kindergarten").get_json()["total"] >= 1


def _break_sort_column(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sort column fails once (the engine's fast path); Whoosh's sorted search works."""
    for cls in (reading.SegmentReader, reading.MultiReader):
        original = cls.column_reader
        calls: list[int] = []

        def failing_once(
            self: Any, *args: Any, _orig: Any = original, _calls: Any = calls, **kwargs: Any
        ) -> Any:
            _calls.append(1)
            if len(_calls) == 1:
                boom()
            return _orig(self, *args, **kwargs)

        monkeypatch.setattr(cls, "column_reader", failing_once)


# step -> (what to break, the page that runs the step)
FAULTS: dict[str, tuple[Callable[[pytest.MonkeyPatch], None], str]] = {
    "analyse": (
        lambda mp: mp.setattr(GermanAnalyzer, "__call__", boom),
        "/api/search?q=Kindergarten",
    ),
    "synonyms": (
        lambda mp: mp.setattr(SynonymTable, "expansions", boom),
        "/api/search?q=Kindergarten",
    ),
    "matching": (
        lambda mp: mp.setattr(ScoreCache, "evaluate", boom),
        "/api/search?q=Kindergarten+B%C3%BCrgerbus",
    ),
    "ranking": (lambda mp: mp.setattr(ScoreCache, "ranked", boom), "/api/search?q=Kindergarten"),
    "snippet": (lambda mp: mp.setattr(search, "fragments_html", boom), "/?q=Kindergarten"),
    "matched_terms": (
        lambda mp: mp.setattr(ScoreCache, "matching_terms", boom),
        "/?q=Kindergarten",
    ),
    "surface_forms": (
        lambda mp: mp.setattr(search, "matched_surface_forms", boom),
        "/?q=Kinderg%C3%A4rten",
    ),
    "related": (
        lambda mp: mp.setattr(Searcher, "more_like", boom),
        "/werkzeuge/kindergarten-im-dorf",
    ),
    "sort_column": (_break_sort_column, "/?sort=title"),
}


@pytest.mark.parametrize("step", sorted(FAULTS))
def test_every_search_step_that_fails_is_logged_and_counted_and_the_page_still_answers(
    app: Flask,
    client: FlaskClient,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    degraded_steps: Callable[[], dict[str, int]],
    step: str,
) -> None:
    _fresh(app)
    before = client.get("/healthz").get_json()["degraded"].get(step, 0)
    brake, url = FAULTS[step]
    brake(monkeypatch)
    with caplog.at_level(logging.ERROR):
        response = client.get(url)
    monkeypatch.undo()
    assert response.status_code == 200
    assert step in degraded_steps()
    assert client.get("/healthz").get_json()["degraded"][step] > before
    assert any(f"„{step}“" in line for line in _degradation_lines(caplog)) or before
    assert SECRET not in caplog.text
    _fresh(app)


def test_record_counts_every_failure_and_logs_each_cause_once(
    caplog: pytest.LogCaptureFixture, degraded_steps: Callable[[], dict[str, int]]
) -> None:
    def fail(exc: Exception) -> None:
        try:
            raise exc
        except Exception as caught:
            degradations.record("example", caught)

    with caplog.at_level(logging.ERROR):
        for _ in range(3):
            fail(KeyError(SECRET))
        fail(ValueError(SECRET))
    assert degraded_steps() == {"example": 4}
    lines = _degradation_lines(caplog)
    assert [("KeyError" in line, "ValueError" in line) for line in lines] == [
        (True, False),
        (False, True),
    ]
    assert all("test_degradations.py:" in line and "(fail)" in line for line in lines)
    assert SECRET not in caplog.text
