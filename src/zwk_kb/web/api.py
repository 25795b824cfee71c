"""JSON API: the same dicts as the HTML pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, redirect, url_for

from zwk_kb.outputs.present import api_card, api_search
from zwk_kb.web.views import card_page_or_redirect, requested_search_page

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def search() -> Any:
    return jsonify(api_search(requested_search_page("/")))


@bp.get("/werkzeuge/<slug>")
def card(slug: str) -> Any:
    data, target = card_page_or_redirect(slug)
    if target:
        return redirect(url_for("api.card", slug=target), code=301)
    return jsonify(api_card(data))  # type: ignore[arg-type]
