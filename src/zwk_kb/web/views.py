"""Shared steps of the HTML and JSON views: request -> search -> presented dict."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, unquote

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BuildError, RequestRedirect

from zwk_kb.outputs.present import absolute_url, card_page, search_page
from zwk_kb.search.request import parse_search_args
from zwk_kb.selection import Selection, parse_selection
from zwk_kb.web import AppState
from zwk_kb.web.security import MAX_QUERY_STRING_BYTES

SLUG_IN_URL_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SLASHES_RE = re.compile(r"/{2,}")
_QUERY_SAFE = "=&;+%/?:@!$'()*,-._~"
"""Characters a query string keeps as they are when it is copied into a ``Location`` header
(everything else, e.g. raw bytes that are not ASCII, is percent-encoded)."""


def _route() -> tuple[str, dict[str, Any]] | None:
    """Endpoint and arguments of the route this request reached. Repeated slashes
    (``/ueberblick//``) are merged first, as the router does with a redirect of its own."""
    if request.url_rule is not None and request.endpoint is not None:
        return request.endpoint, dict(request.view_args or {})
    if not isinstance(request.routing_exception, RequestRedirect):
        return None
    adapter = current_app.create_url_adapter(request)
    if adapter is None:
        return None
    try:
        endpoint, args = adapter.match(_SLASHES_RE.sub("/", request.path), request.method)
    except HTTPException:
        return None
    return str(endpoint), dict(args)


def route_path() -> str | None:
    """The address the reached route builds from its own arguments, within the site (without
    the path prefix the site may be served under, without query string); None when no route
    matched. No address of this site ends in a slash but the start page: a path argument that
    took a trailing slash into itself (static files, media) loses it."""
    route = _route()
    if route is None:
        return None
    try:
        built = url_for(route[0], **route[1])
    except BuildError:
        return None
    root = request.script_root
    path = built[len(root) :] if built.startswith(root + "/") else built
    if path != "/" and path.endswith("/"):
        path = path.rstrip("/") or "/"
    return path


def canonical_redirect() -> Any:
    """One address per page: a request that reached a route under another spelling of its
    address (a trailing slash: ``/werkzeuge/x/``, ``/api/search/``; repeated slashes) gets one
    308 to the address the route builds, with the query string kept. The target comes from
    the reached route, never from the request's text, so it always stays on this site."""
    path = route_path()
    if (
        path is None
        or unquote(path) == request.path
        or not path.startswith("/")
        or path.startswith(("//", "/\\"))
        or len(request.query_string) > MAX_QUERY_STRING_BYTES  # the request bounds answer: 414
    ):
        return None
    target = request.script_root + path
    query = quote(request.query_string, safe=_QUERY_SAFE)
    return redirect(f"{target}?{query}" if query else target, code=308)


def canonical_url(path: str | None = None) -> str | None:
    """For ``<link rel="canonical">``: ``path`` within the site (pages whose address has
    parameters say which ones count) or else the reached route's own address; None without a
    route. Absolute under ``ZWK_KB_BASE_URL`` (which names the site with any path prefix),
    else path-absolute on this server: never built from the request's Host header."""
    path = path if path is not None else route_path()
    if path is None:
        return None
    base_url = current_app.extensions["zwk_kb"].settings.base_url
    return absolute_url(path, base_url) if base_url else request.script_root + path


def refreshed_state() -> AppState:
    """The app's settings and search engine, brought up to date first: in dev mode changed
    cards are indexed, and a newer index generation gets a new engine (``AppState.refresh``).
    Named so beside the facet ``state``, the Bundesland."""
    app_state: AppState = current_app.extensions["zwk_kb"]
    app_state.refresh()
    return app_state


def resolve_slug(slug: str) -> str | None:
    """The current slug of the card ``slug`` names (itself or a former name), else None."""
    engine = refreshed_state().engine
    if engine.card(slug) is not None:
        return slug
    return engine.slug_for_alias(slug)


def cards_by_slug(slugs: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The stored cards of ``slugs`` in their order; slugs without a card are left out."""
    engine = refreshed_state().engine
    return {slug: card for slug in slugs if (card := engine.card(slug)) is not None}


def carried_selection() -> Selection:
    """The facilitator's selection this search, card or collection page carries along in its
    address (``w``, ``titel``): checked as on ``/auswahl``, but never refused; unknown slugs
    and those beyond the limit are left out quietly."""
    if "w" not in request.args and "titel" not in request.args:
        return Selection()
    args = {"w": request.args.getlist("w"), "titel": request.args.getlist("titel")[:1]}
    return parse_selection(args, resolve_slug, refuse_too_many=False).selection


def requested_search_page(path: str = "/") -> dict[str, Any]:
    app_state = refreshed_state()
    args = {key: request.args.getlist(key) for key in request.args}
    search_request = parse_search_args(
        args, per_page=app_state.settings.per_page, max_per_page=app_state.settings.max_per_page
    )
    return search_page(app_state.engine.search(search_request), path, carried_selection())


def card_page_or_redirect(slug: str) -> tuple[dict[str, Any] | None, str | None]:
    """(card page dict, None) or (None, slug to redirect to); 404 for anything else."""
    if len(slug) > 100 or not SLUG_IN_URL_RE.match(slug):
        abort(404)
    app_state = refreshed_state()
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
                        "card_problems.html",
                        slug=slug,
                        problems=app_state.problems_by_path[slug],
                        canonical_url=None,
                    ),
                    status=422,
                )
            )
        abort(404)
    repository_url = app_state.settings.repository_url
    page = card_page(
        card, engine.related(slug), repository_url=repository_url, selection=carried_selection()
    )
    return page, None
