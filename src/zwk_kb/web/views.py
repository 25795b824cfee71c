"""Shared steps of the HTML and JSON views: request -> search -> presented dict."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, abort, current_app, render_template, request

from zwk_kb.present import card_page, search_page
from zwk_kb.query import parse_search_args
from zwk_kb.web import AppState

SLUG_IN_URL_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def state() -> AppState:
    app_state: AppState = current_app.extensions["zwk_kb"]
    app_state.refresh()
    return app_state


def search_data(path: str = "/") -> dict[str, Any]:
    app_state = state()
    args = {key: request.args.getlist(key) for key in request.args}
    search_request = parse_search_args(
        args, per_page=app_state.settings.per_page, max_per_page=app_state.settings.max_per_page
    )
    return search_page(app_state.engine.search(search_request), path)


def card_data(slug: str) -> tuple[dict[str, Any] | None, str | None]:
    """(card page dict, None) or (None, slug to redirect to); 404 for anything else."""
    if len(slug) > 100 or not SLUG_IN_URL_RE.match(slug):
        abort(404)
    app_state = state()
    engine = app_state.engine
    card = engine.card(slug)
    if card is None:
        target = engine.slug_for_alias(slug)
        if target:
            return None, target
        if app_state.settings.dev and slug in app_state.problems_by_path:
            abort(
                Response(
                    render_template(
                        "card_problems.html", slug=slug, problems=app_state.problems_by_path[slug]
                    ),
                    status=422,
                )
            )
        abort(404)
    repository_url = app_state.settings.repository_url
    return card_page(card, engine.related(slug), repository_url=repository_url), None
