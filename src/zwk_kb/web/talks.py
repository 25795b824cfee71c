"""For facilitators: the selection in the address (``/auswahl``), web slides, the PowerPoint file
and the handout PDF of a selection, a collection or a single card.

Nothing is stored on the server: every answer is made from the URL and the index. python-pptx
and the PDF library are imported only by the views that make those files.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template, request

from zwk_kb.outputs.present import qr_label
from zwk_kb.search.request import SearchRequest
from zwk_kb.selection import (
    Parsed,
    TooManyTools,
    content_disposition,
    parse_selection,
    search_text,
)
from zwk_kb.web.share import (
    _card_or_redirect,
    _collection,
    inline_qr_code,
    public_base_url,
    site_name,
)
from zwk_kb.web.views import cards_by_slug, refreshed_state, resolve_slug

bp = Blueprint("talks", __name__)

SEARCH_RESULTS = 10
FILE_CACHE = "private, max-age=300"


def _parsed() -> Parsed:
    args = {key: request.args.getlist(key) for key in ("w", "titel", "q")}
    try:
        return parse_selection(args, resolve_slug)
    except TooManyTools as exc:
        body = render_template("error.html", error="Zu viele Werkzeuge", message=str(exc))
        abort(Response(body, status=400, mimetype="text/html"))


def _download(data: bytes, mimetype: str, title: str, suffix: str, fallback: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(title, suffix, fallback)
    response.headers["Cache-Control"] = FILE_CACHE
    return response


# ---- the selection ---------------------------------------------------------------------------


@bp.get("/auswahl")
def selection() -> Any:
    from zwk_kb.outputs.deck import selection_page

    parsed = _parsed()
    query = search_text({"q": request.args.getlist("q")})
    hits: list[dict[str, Any]] = []
    if query:
        result = refreshed_state().engine.search(SearchRequest(q=query, per_page=SEARCH_RESULTS))
        hits = [hit.card for hit in result.hits]
    page = selection_page(
        parsed,
        cards_by_slug(parsed.selection.slugs),
        public_base_url(),
        site_name(),
        query=query,
        hits=hits,
    )
    qr = inline_qr_code(page["self_url"], qr_label("dieser Auswahl")) if page["share_qr"] else None
    return render_template("selection.html", page=page, qr=qr)


def _selection_talk() -> tuple[dict[str, Any], str]:
    from zwk_kb.outputs.deck import selection_talk

    selection = _parsed().selection
    cards = cards_by_slug(selection.slugs)
    if not cards:
        body = render_template(
            "error.html",
            error="Die Auswahl ist leer",
            message="Bitte wählen Sie zuerst Werkzeuge aus: auf der Seite „Auswahl“ oder über "
            "„Zur Auswahl hinzufügen“ bei den Suchergebnissen.",
        )
        abort(Response(body, status=400, mimetype="text/html"))
    return selection_talk(selection, cards, public_base_url(), site_name()), "auswahl"


@bp.get("/auswahl/qr.svg")
def selection_qr_svg() -> Any:
    """The QR code of the selection's address, for a facilitator's own slides."""
    from zwk_kb.outputs.qr import MAX_URL_CHARS, qr_svg

    selection = _parsed().selection
    url = public_base_url() + selection.url()
    if not selection.slugs or len(url) > MAX_URL_CHARS:
        abort(404)
    response = Response(qr_svg(url), mimetype="image/svg+xml")
    response.headers["Content-Disposition"] = content_disposition(
        f"QR-Code {selection.title}", "svg", "auswahl"
    )
    return response


@bp.get("/auswahl/folien")
def selection_slides() -> Any:
    talk, _ = _selection_talk()
    return _slides(talk)


@bp.get("/auswahl/folien.pptx")
def selection_pptx() -> Any:
    return _pptx(*_selection_talk())


@bp.get("/auswahl/handzettel.pdf")
def selection_pdf() -> Any:
    return _pdf(*_selection_talk())


# ---- collections and single cards ------------------------------------------------------------


def _collection_talk(name: str) -> tuple[dict[str, Any], str]:
    from zwk_kb.outputs.deck import collection_talk

    found = _collection(name)
    return collection_talk(
        found, cards_by_slug(found.slugs), public_base_url(), site_name()
    ), "sammlung"


@bp.get("/sammlungen/<name>/folien")
def collection_slides(name: str) -> Any:
    talk, _ = _collection_talk(name)
    return _slides(talk)


@bp.get("/sammlungen/<name>/folien.pptx")
def collection_pptx(name: str) -> Any:
    return _pptx(*_collection_talk(name))


@bp.get("/sammlungen/<name>/handzettel.pdf")
def collection_pdf(name: str) -> Any:
    return _pdf(*_collection_talk(name))


@bp.get("/werkzeuge/<slug>/folien.pptx")
def card_pptx(slug: str) -> Any:
    from zwk_kb.outputs.deck import card_talk

    moved = _card_or_redirect(slug, "talks.card_pptx")
    if moved is not None:
        return moved
    card = refreshed_state().engine.card(slug)
    if card is None:  # removed between the two look-ups
        abort(404)
    return _pptx(card_talk(card, public_base_url(), site_name()), "werkzeug", single=True)


# ---- the web slides and the files -------------------------------------------------------------


def _slides(talk: dict[str, Any]) -> str:
    """The web slides: a QR code per tool (its short link) and one of the shared page."""
    qr_codes = {
        t["slug"]: inline_qr_code(t["short_path"], qr_label(f"„{t['title']}“"))
        for t in talk["tools"]
    }
    share_qr = (
        inline_qr_code(talk["share_path"], qr_label("allen Werkzeugen dieser Folien"))
        if talk["share_qr"]
        else None
    )
    return render_template("slides.html", talk=talk, qr_codes=qr_codes, share_qr=share_qr)


def _pptx(talk: dict[str, Any], fallback: str, single: bool = False) -> Response:
    from zwk_kb.outputs.slides_pptx import PPTX_TYPE, talk_pptx

    data = talk_pptx(talk, single=single)
    return _download(data, PPTX_TYPE, f"Folien {talk['title']}", "pptx", fallback)


def _pdf(talk: dict[str, Any], fallback: str) -> Response:
    from zwk_kb.outputs.handout_pdf import PDF_TYPE, talk_pdf

    data = talk_pdf(talk)
    return _download(data, PDF_TYPE, f"Handzettel {talk['title']}", "pdf", fallback)
