"""HTML pages: the search page and the card pages."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from flask import Blueprint, abort, redirect, render_template, send_from_directory, url_for

from zwk_kb.facets import FACETS
from zwk_kb.markdown import IMAGE_SUFFIXES
from zwk_kb.outputs.present import qr_label
from zwk_kb.web.views import (
    canonical_redirect,
    canonical_url,
    card_page_or_redirect,
    carried_selection,
    refreshed_state,
    requested_search_page,
)

bp = Blueprint("pages", __name__)
CARD_QR_LABEL = qr_label("dieser Karte")
bp.before_app_request(canonical_redirect)  # every route, HTML and API: one address each


@bp.app_context_processor
def site() -> dict[str, Any]:
    from flask import current_app

    settings = current_app.extensions["zwk_kb"].settings
    return {
        "site_name": settings.site_name,
        "facet_labels": {f.name: f.label for f in FACETS},
        # pages with parameters in their address pass their own; error pages pass None
        "canonical_url": canonical_url(),
    }


@bp.get("/")
def search() -> Any:
    page = requested_search_page("/")
    response = render_template(
        "search.html", page=page, canonical_url=canonical_url(page["canonical_path"])
    )
    return response, 200, {"Link": f'<{_api_link(page)}>; rel="alternate"; type="application/json"'}


def _api_link(page: dict[str, Any]) -> str:
    self_url = page["self_url"]
    return "/api/search" + (self_url[1:] if self_url.startswith("/?") else "")


@bp.get("/werkzeuge/<slug>")
def card(slug: str) -> Any:
    data, target = card_page_or_redirect(slug)
    if target:
        return redirect(url_for("pages.card", slug=target), code=301)
    problems = refreshed_state().problems_by_path.get(slug, [])
    from zwk_kb.outputs.deck import presented_in
    from zwk_kb.outputs.present import with_selection
    from zwk_kb.web.share import inline_qr_code, load_collections

    carried = carried_selection()
    collections = [
        {**c, "url": with_selection(c["url"], carried)}
        for c in presented_in(load_collections(), slug)
    ]
    qr = inline_qr_code(data["url"], CARD_QR_LABEL)
    return render_template(
        "card.html", card=data, problems=problems, presented_in=collections, qr=qr
    )


@bp.get("/w/<slug>")
def short_link(slug: str) -> Any:
    _, target = card_page_or_redirect(slug)
    return redirect(url_for("pages.card", slug=target or slug), code=301)


@bp.get("/medien/<path:name>")
def media(name: str) -> Any:
    """Images that cards reference relative to the toolkit folder (checked by ``zwk-kb check``)."""
    toolkit = refreshed_state().settings.toolkit.resolve()
    path = (toolkit / name).resolve()
    if (
        PurePosixPath(name).suffix.lower() not in IMAGE_SUFFIXES
        or any(part.startswith((".", "_")) for part in PurePosixPath(name).parts)
        or not path.is_relative_to(toolkit)
        or (toolkit / name).is_symlink()
        or not path.is_file()
    ):
        abort(404)
    return send_from_directory(toolkit, name, max_age=3600)
