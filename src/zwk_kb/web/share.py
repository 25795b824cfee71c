"""Pages and files made to be shared: QR codes, collections, feeds, sitemap, OpenSearch, export.

Everything here reads the index only (cards and the ``collections.json`` that the index build
writes), so it works with a read-only index built elsewhere.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup

from zwk_kb.outputs.present import collection_page, collection_summary, qr_label, search_url
from zwk_kb.search.index import COLLECTIONS_FILE, current_generation
from zwk_kb.search.request import DEFAULT_PER_PAGE, parse_search_args
from zwk_kb.web.views import SLUG_IN_URL_RE, cards_by_slug, carried_selection, refreshed_state

if TYPE_CHECKING:
    from zwk_kb.card_collections import Collection

# QR codes (segno), collections (YAML), feeds and exports are imported by the views that use
# them: the search page, the first page a fresh server answers, needs none of them.

bp = Blueprint("share", __name__)

STATIC_PAGES = ("/", "/herausforderungen", "/sammlungen", "/ueberblick", "/barrierefreiheit")
NAV = (
    ("pages.search", "Suche", {"pages.search", "pages.card"}),
    ("explore.challenges", "Nach Herausforderung", {"explore.challenges"}),
    ("share.collections", "Sammlungen", {"share.collections", "share.collection"}),
    ("explore.overview", "Überblick", {"explore.overview"}),
    ("talks.selection", "Auswahl", {"talks.selection"}),
)
FOOTER = (
    ("contribute.start", "Mitmachen: Werkzeug vorschlagen"),
    ("explore.accessibility", "Barrierefreiheit"),
    ("explore.imprint", "Impressum"),
    ("explore.privacy", "Datenschutz"),
    ("share.feed", "Neue Werkzeuge (Feed)"),
)
QR_CACHE = "public, max-age=86400"
_collections_cache: dict[str, Any] = {"key": None, "value": []}
_collections_lock = threading.Lock()


def public_base_url() -> str:
    """The site's public address without trailing slash (configured, else the request's)."""
    configured = current_app.extensions["zwk_kb"].settings.base_url
    return (configured or request.url_root).rstrip("/")


def _current(endpoint: str, target: str, section: set[str]) -> str | None:
    """aria-current: "page" on the page itself, "true" inside its section (a card under Suche)."""
    if endpoint == target:
        return "page"
    return "true" if endpoint in section else None


@bp.app_context_processor
def share_context() -> dict[str, Any]:
    settings = current_app.extensions["zwk_kb"].settings
    endpoint = request.endpoint or ""
    return {
        "base_url": public_base_url(),
        "nav_links": [
            {"url": url_for(e), "label": label, "current": _current(endpoint, e, section)}
            for e, label, section in NAV
        ],
        "footer_links": [
            {"url": url_for(e), "label": label, "current": "page" if endpoint == e else None}
            for e, label in FOOTER
        ],
        "operator": {
            "name": settings.operator,
            "address_lines": settings.operator_address.splitlines(),
            "email": settings.contact_email,
            "accessibility_reviewed": settings.accessibility_reviewed,
            "repository_url": settings.repository_url,
        },
    }


def inline_qr_code(path: str, label: str) -> Markup:
    """Inline SVG QR code of the absolute address of ``path`` (for pages and print), made by
    the view so that the template only prints it; ``label`` is its text alternative."""
    from zwk_kb.outputs.qr import qr_inline_svg

    return Markup(qr_inline_svg(public_base_url() + path, label))


# ---- QR codes --------------------------------------------------------------------------------


def _file(
    data: bytes | str, mimetype: str, filename: str | None = None, cache: str = ""
) -> Response:
    response = Response(data, mimetype=mimetype)
    if filename:
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    if cache:
        response.headers["Cache-Control"] = cache
    return response


def _card_or_redirect(slug: str, endpoint: str) -> Any:
    if len(slug) > 100 or not SLUG_IN_URL_RE.match(slug):
        abort(404)
    engine = refreshed_state().engine
    if engine.card(slug) is not None:
        return None
    target = engine.slug_for_alias(slug)
    if target:
        return redirect(url_for(endpoint, slug=target), code=301)
    abort(404)


@bp.get("/werkzeuge/<slug>/qr.svg")
def card_qr_svg(slug: str) -> Any:
    moved = _card_or_redirect(slug, "share.card_qr_svg")
    if moved is not None:
        return moved
    from zwk_kb.outputs.qr import qr_svg

    url = public_base_url() + url_for("pages.card", slug=slug)
    return _file(qr_svg(url), "image/svg+xml", f"qr-{slug}.svg", QR_CACHE)


@bp.get("/werkzeuge/<slug>/qr.png")
def card_qr_png(slug: str) -> Any:
    moved = _card_or_redirect(slug, "share.card_qr_png")
    if moved is not None:
        return moved
    from zwk_kb.outputs.qr import qr_png

    url = public_base_url() + url_for("pages.card", slug=slug)
    return _file(qr_png(url), "image/png", f"qr-{slug}.png", QR_CACHE)


# ---- collections -----------------------------------------------------------------------------


def load_collections() -> list[Collection]:
    """The collections stored with the current index generation (cached per file version)."""
    generation = current_generation(refreshed_state().settings.index)
    if generation is None:
        return []
    path = generation / COLLECTIONS_FILE
    try:
        key = f"{path}:{path.stat().st_mtime_ns}"
    except OSError:
        return []
    with _collections_lock:
        if _collections_cache["key"] == key:
            return list(_collections_cache["value"])
    from zwk_kb.card_collections import read_collections_json

    try:
        collections = read_collections_json(path.read_text(encoding="utf-8"))
    except OSError:
        return []
    with _collections_lock:
        _collections_cache.update(key=key, value=collections)
    return list(collections)


def _collection(name: str) -> Collection:
    if len(name) > 100 or not SLUG_IN_URL_RE.match(name):
        abort(404)
    for collection in load_collections():
        if collection.name == name:
            return collection
    abort(404)


@bp.get("/sammlungen")
def collections() -> Any:
    items = [collection_summary(c) for c in load_collections()]
    return render_template("collections.html", collections=items)


@bp.get("/sammlungen/<name>")
def collection(name: str) -> Any:
    found = _collection(name)
    page = collection_page(found, cards_by_slug(found.slugs), carried_selection())
    qr = inline_qr_code(page["url"], qr_label("dieser Sammlung"))
    return render_template("collection.html", collection=page, qr=qr)


@bp.get("/sammlungen/<name>/qr.svg")
def collection_qr_svg(name: str) -> Any:
    from zwk_kb.outputs.qr import qr_svg

    found = _collection(name)
    url = public_base_url() + url_for("share.collection", name=found.name)
    return _file(qr_svg(url), "image/svg+xml", f"qr-sammlung-{found.name}.svg", QR_CACHE)


@bp.get("/sammlungen/<name>/qr.png")
def collection_qr_png(name: str) -> Any:
    from zwk_kb.outputs.qr import qr_png

    found = _collection(name)
    url = public_base_url() + url_for("share.collection", name=found.name)
    return _file(qr_png(url), "image/png", f"qr-sammlung-{found.name}.png", QR_CACHE)


# ---- feeds and machine-readable descriptions ---------------------------------------------------


def site_name() -> str:
    """The site's name as configured (page titles, feeds, slides)."""
    return str(current_app.extensions["zwk_kb"].settings.site_name)


@bp.get("/feed.xml")
def feed() -> Any:
    from zwk_kb.outputs.feeds import ATOM_TYPE, atom_feed

    cards = refreshed_state().engine.all_cards()
    return _file(
        atom_feed(cards, public_base_url(), site_name=site_name()),
        ATOM_TYPE,
        cache="public, max-age=600",
    )


@bp.get("/sitemap.xml")
def sitemap_xml() -> Any:
    from zwk_kb.outputs.feeds import SITEMAP_TYPE, sitemap

    cards = refreshed_state().engine.all_cards()
    names = [c.name for c in load_collections()]
    return _file(sitemap(public_base_url(), STATIC_PAGES, cards, names), SITEMAP_TYPE)


@bp.get("/opensearch.xml")
def opensearch_xml() -> Any:
    from zwk_kb.outputs.feeds import OPENSEARCH_TYPE, opensearch

    return _file(opensearch(public_base_url(), site_name=site_name()), OPENSEARCH_TYPE)


@bp.get("/robots.txt")
def robots_txt() -> Any:
    from zwk_kb.outputs.feeds import robots

    return _file(robots(public_base_url()), "text/plain; charset=utf-8")


# ---- export of a search ----------------------------------------------------------------------


def _export() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    from zwk_kb.outputs.export import MAX_EXPORT, export_rows

    app_state = refreshed_state()
    args = {key: request.args.getlist(key) for key in request.args}
    search_request = parse_search_args(args, per_page=app_state.settings.per_page)
    search_request = replace(search_request, page=1, per_page=MAX_EXPORT)
    result = app_state.engine.search(search_request)
    rows = export_rows([hit.card for hit in result.hits], public_base_url())
    meta = {
        "query": search_request.q,
        "filters": dict(search_request.filters),
        "total": result.total,
        "search_url": public_base_url()
        + search_url(replace(search_request, per_page=DEFAULT_PER_PAGE)),
    }
    return rows, meta


def _export_name(suffix: str) -> str:
    return f"werkzeuge-{dt.date.today().isoformat()}.{suffix}"


@bp.get("/export.csv")
def export_csv() -> Any:
    from zwk_kb.outputs.export import CSV_TYPE, to_csv

    rows, _ = _export()
    response = _file(to_csv(rows), CSV_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{_export_name("csv")}"'
    return response


@bp.get("/export.json")
def export_json() -> Any:
    from zwk_kb.outputs.export import to_json_data

    rows, meta = _export()
    body = json.dumps(to_json_data(rows, **meta), ensure_ascii=False, indent=1)
    response = _file(body, "application/json; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{_export_name("json")}"'
    return response
