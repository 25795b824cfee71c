"""Ways in besides the search box: by challenge and commune profile, the overview, legal pages."""

from __future__ import annotations

import threading
from typing import Any

from flask import Blueprint, render_template, request

from zwk_kb.outputs.present import (
    PROFILE_FIELDS,
    challenge_page,
    commune_table,
    overview_blocks,
    overview_lead,
)
from zwk_kb.search.request import MAX_VALUE_CHARS, MAX_VALUES_PER_FACET, SearchRequest, clean_text
from zwk_kb.web.views import canonical_url, refreshed_state

bp = Blueprint("explore", __name__)
MAX_RANKED = 2000
"""At most this many cards are ranked on /herausforderungen (the page shows the best 60)."""
_communes_cache: dict[str, Any] = {"key": None, "table": {}}
_communes_lock = threading.Lock()


def _commune_table() -> dict[str, dict[str, str]]:
    """Commune -> kind/state/cluster from the cards in the index, rebuilt when the index changes."""
    app_state = refreshed_state()
    key = app_state.served.state()
    with _communes_lock:
        if _communes_cache["key"] == key:
            return dict(_communes_cache["table"])
    table = commune_table(app_state.engine.all_cards())
    with _communes_lock:
        _communes_cache.update(key=key, table=table)
    return table


def _values(name: str, limit: int = MAX_VALUES_PER_FACET) -> list[str]:
    values: list[str] = []
    for raw in request.args.getlist(name)[: limit * 2]:
        value = clean_text(raw, MAX_VALUE_CHARS)
        if value and value not in values:
            values.append(value)
    return values[:limit]


@bp.get("/herausforderungen")
def challenges() -> Any:
    engine = refreshed_state().engine
    chosen = _values("challenge")
    query = clean_text(" ".join(request.args.getlist("q")[:1]), 200)
    profile = {key: (_values(key, 1) or [""])[0] for key, _, _ in PROFILE_FIELDS}
    everything = engine.search(SearchRequest(per_page=1))
    hits: list[Any] = []
    if chosen or any(profile.values()):
        filters = {"challenges": tuple(chosen)} if chosen else {}
        limit = min(max(1, everything.total), MAX_RANKED)
        result = engine.search(SearchRequest(q=query, filters=filters, per_page=limit))
        hits = list(result.hits)
    page = challenge_page(
        choices=list(everything.facets.get("challenges", ())),
        chosen=chosen,
        profile=profile,
        hits=hits,
        communes=_commune_table(),
        query=query,
    )
    return render_template(
        "challenges.html", page=page, canonical_url=canonical_url(page["canonical_path"])
    )


@bp.get("/ueberblick")
def overview() -> Any:
    from zwk_kb.outputs.charts import bar_chart_svg, germany_map_svg, state_names  # this page only

    result = refreshed_state().engine.search(SearchRequest(per_page=1))
    blocks = overview_blocks(result)
    for block in blocks:
        rows = [(row["value"], row["count"]) for row in block["rows"]]
        block["svg"] = bar_chart_svg(block["id"], block["title"], rows, what=block["what"])
    states = next(b for b in blocks if b["facet"] == "state")
    counts = {row["value"]: row["count"] for row in states["rows"]}
    map_rows = [
        {
            "value": name,
            "count": counts.get(name, 0),
            "url": next((row["url"] for row in states["rows"] if row["value"] == name), None),
        }
        for name in state_names()
    ]
    return render_template(
        "overview.html",
        lead=overview_lead(result.total),
        blocks=blocks,
        map_svg=germany_map_svg("chart-karte", "Werkzeuge je Bundesland auf der Karte", counts),
        map_rows=map_rows,
    )


@bp.get("/barrierefreiheit")
def accessibility() -> Any:
    return render_template("accessibility.html")


@bp.get("/impressum")
def imprint() -> Any:
    return render_template("imprint.html")


@bp.get("/datenschutz")
def privacy() -> Any:
    return render_template("privacy.html")
