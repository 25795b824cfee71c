"""One error handler: JSON under ``/api/``, a German HTML page elsewhere."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from zwk_kb.errors import BadSearchRequest, IndexMissing

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Die Anfrage ist ungültig", "Bitte prüfen Sie die Adresse oder Ihre Eingabe."),
    404: (
        "Seite nicht gefunden",
        "Diese Seite gibt es nicht. Vielleicht wurde das Werkzeug umbenannt. "
        "Suchen Sie es über die Suche.",
    ),
    405: ("Nicht erlaubt", "Diese Seite kann man nur aufrufen, nicht abschicken."),
    413: ("Anfrage zu groß", "Die Anfrage ist zu groß."),
    414: ("Adresse zu lang", "Die Adresse ist zu lang. Bitte kürzen Sie die Suche."),
    429: ("Zu viele Anfragen", "Bitte warten Sie kurz und versuchen Sie es dann noch einmal."),
    500: ("Ein Fehler ist aufgetreten", "Bitte versuchen Sie es später noch einmal."),
    503: (
        "Die Suche ist gerade nicht bereit",
        "Der Suchindex fehlt oder wird gerade erstellt. Bitte versuchen Sie es gleich noch einmal.",
    ),
}


def error_body(status: int, detail: str | None = None) -> dict[str, Any]:
    title, message = MESSAGES.get(status, MESSAGES[500] if status >= 500 else MESSAGES[400])
    return {"error": title, "message": detail or message, "status": status}


def _respond(status: int, detail: str | None = None, headers: Any = None) -> Any:
    body = error_body(status, detail)
    if request.path.startswith("/api/"):
        response = jsonify(body)
    else:
        response = render_template("error.html", canonical_url=None, **body)
    return response, status, headers or {}


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        if exc.response is not None:  # abort(Response(...)): the view already built the answer
            return exc.response
        status = exc.code or 500
        headers = {}
        if status == 405 and exc.get_response().headers.get("Allow"):
            headers["Allow"] = exc.get_response().headers["Allow"]
        detail = None
        if status == 413 and request.path.startswith("/mitmachen"):
            detail = (
                "Die Karte ist zu groß. Eine Karte darf höchstens 256 KB Text haben. Bitte "
                "kürzen Sie den Text oder verlinken Sie lange Anhänge."
            )
        return _respond(status, detail, headers=headers)

    @app.errorhandler(BadSearchRequest)
    def bad_request(exc: BadSearchRequest) -> Any:
        return _respond(400, str(exc))

    @app.errorhandler(IndexMissing)
    def index_missing(exc: IndexMissing) -> Any:
        log.error("%s", exc)
        return _respond(503)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        log.exception("Unerwarteter Fehler", exc_info=exc)
        return _respond(InternalServerError.code)
