"""Production hygiene: security headers on every response (error pages and static files too),
request bounds, conditional GET (ETag / 304), cache headers and the ``/healthz`` probe.

Request bounds answered here (with the site's own headers and error pages) rather than by the
WSGI server, whose own 4xx replies are bare text: over-long query strings (414), too many
parameters (400), request bodies (413 via ``MAX_CONTENT_LENGTH``; only the contribution form
takes one, bounded by the size of the largest card).
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Flask, Response, abort, current_app, jsonify, request

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
MAX_QUERY_STRING_BYTES = 16 * 1024
"""Longer query strings get 414: the longest real search (200 characters and 20 values in
each of nine facets, percent-encoded) stays below it."""
MAX_PARAMETERS = 200
MAX_BODY_BYTES = 16 * 1024
FORM_ENDPOINTS = frozenset({"contribute.form"})
"""The only routes that take a request body: the contribution form (check, preview, file)."""
MAX_FORM_BYTES = 3 * 256 * 1024 + 16 * 1024
"""A form with a card of the largest allowed size (``cards.MAX_CARD_BYTES``, 256 KB; a test
keeps both in step), percent-encoded: one character of German text takes one to nine bytes
there. More gets 413. (Not imported from ``cards``: the server starts without card parsing.)"""
STATIC_MAX_AGE = 3600
PAGE_CACHE_CONTROL = "public, max-age=60"
"""Card pages, search pages and API answers: shared caches may keep them a minute; after that
browsers revalidate with the ETag (an unchanged page costs a 304 without body)."""
ETAG_MAX_BYTES = 2 * 1024 * 1024


def add_headers(response: Response) -> Response:
    """The security headers; also removes any ``Server`` header the app might set."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    response.headers.pop("Server", None)
    return response


def _cacheable(response: Response) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and not response.is_streamed
        and not response.direct_passthrough
        and response.mimetype in ("text/html", "application/json", "text/plain", "text/csv")
        and request.path != "/healthz"
    )


def conditional(response: Response) -> Response:
    """ETag for dynamic GET answers and a 304 when the client already has this version."""
    if response.status_code >= 400:
        response.headers["Cache-Control"] = "no-store"
        return response
    if not _cacheable(response):
        return response
    body = response.get_data()
    if len(body) > ETAG_MAX_BYTES:
        return response
    if "ETag" not in response.headers:
        response.set_etag(hashlib.blake2b(body, digest_size=12).hexdigest())
    response.headers.setdefault("Cache-Control", PAGE_CACHE_CONTROL)
    response.headers.setdefault("Vary", "Accept-Encoding")
    return response.make_conditional(request)


def check_request() -> None:
    """Bounds every request before any view runs (answers go through the error pages)."""
    if len(request.query_string) > MAX_QUERY_STRING_BYTES:
        abort(414)
    if sum(len(values) for values in request.args.listvalues()) > MAX_PARAMETERS:
        abort(400)
    limit = MAX_BODY_BYTES
    if request.endpoint in FORM_ENDPOINTS and request.method == "POST":
        limit = MAX_FORM_BYTES
        request.max_content_length = MAX_FORM_BYTES
        request.max_form_memory_size = MAX_FORM_BYTES
    if request.content_length and request.content_length > limit:
        abort(413)


def healthz() -> Any:
    """Liveness and readiness: 200 with card count, index generation and the software version,
    503 without index; ``degraded``: search steps that failed in this process (answered without
    them), by step."""
    from zwk_kb import __version__, degradations
    from zwk_kb.errors import ZwkKbError
    from zwk_kb.web import AppState

    state: AppState = current_app.extensions["zwk_kb"]
    try:
        state.refresh()
        cards = state.engine.doc_count()
        index_state = state.served.state()
    except ZwkKbError as exc:
        body = {
            "status": "unavailable",
            "version": __version__,
            "cards": 0,
            "generation": None,
            "message": str(exc),
            "degraded": degradations.counts(),
        }
        response = jsonify(body)
        response.status_code = 503
    else:
        body = {
            "status": "ok",
            "version": __version__,
            "cards": cards,
            "generation": index_state.generation,
            "commit": index_state.commit,
            "degraded": degradations.counts(),
        }
        response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


def register(app: Flask) -> None:
    app.config.setdefault("MAX_CONTENT_LENGTH", MAX_BODY_BYTES)
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = STATIC_MAX_AGE  # static: ETag + Last-Modified too
    app.add_url_rule("/healthz", "healthz", healthz, methods=["GET"])
    app.before_request(check_request)
    app.after_request(conditional)
    app.after_request(add_headers)  # registered last, so it runs first and on every response
