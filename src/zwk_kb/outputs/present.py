"""Turns search results and cards into plain dicts used by both the HTML pages and the JSON API.

Templates only print and loop over these dicts: every link (facet toggles, pages, card URLs)
and every sentence made of pieces (counts with their noun, lists of names, labels) is made
here, so the wording is tested without a template and reads the same on every page.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import quote, urlencode

from zwk_kb.facets import EXAMPLE, FACETS, FACETS_BY_NAME
from zwk_kb.search.request import SORTS, SearchRequest
from zwk_kb.search.service import SearchResult
from zwk_kb.selection import MAX_TOOLS, SELECTION_PATH, Selection, clean_title

SEARCH_PATH = "/"
NO_SELECTION = Selection()
CARD_PATH = "/werkzeuge/"
MAX_FACET_VALUES_SHOWN = 12
MAX_FACET_VALUES_LISTED = 50
"""At most this many values per facet as checkboxes (the most frequent; selected ones first):
400 commune checkboxes help nobody on a phone and cost the page its speed. The others are
found by typing the name into the search field (commune names are searchable)."""


# ---- wording ---------------------------------------------------------------------------------


def count_text(count: int, one: str, many: str) -> str:
    """The number with the noun as it goes with it: "1 Werkzeug", "5 Werkzeuge"."""
    return f"1 {one}" if count == 1 else f"{count} {many}"


def listed(names: Sequence[str], last: str = "und") -> str:
    """Names as German writes a list: "A", "A und B", "A, B und C" (``last`` joins the last
    two: "und", "oder")."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + f" {last} " + names[-1]


def qr_label(target: str) -> str:
    """The text alternative of a QR code: where the code leads ("dieser Karte", "„Titel“")."""
    return f"QR-Code mit dem Link zu {target}"


def example_note(commune_names: Sequence[str]) -> str:
    """Why an example card (one without a source) proves nothing about its communes."""
    verb = "haben" if len(commune_names) > 1 else "hat"
    return (
        "Diese Karte ist ein Beispiel. Sie zeigt, wie so ein Werkzeug aussehen kann. "
        "Die Karte nennt aber keine Quelle. Es ist also nicht belegt, dass "
        f"{listed(commune_names, 'oder')} das Werkzeug so umgesetzt {verb}."
    )


def overview_lead(total: int) -> str:
    """The first sentence of the overview page: how many tools the toolkit holds."""
    verb = "ist" if total == 1 else "sind"
    return f"Im Werkzeugkoffer {verb} {count_text(total, 'Werkzeug', 'Werkzeuge')}."


def form_title(*, editing: bool, has_errors: bool) -> str:
    """The contribution form's page title: what it is for, "Fehler:" first while any remain."""
    title = "Karte bearbeiten" if editing else "Werkzeug vorschlagen"
    return f"Fehler: {title}" if has_errors else title


def errors_heading(count: int) -> str:
    """The heading of the form's error summary."""
    return "Die Karte hat noch einen Fehler" if count == 1 else f"Die Karte hat noch {count} Fehler"


def title_hint(original: str = "") -> str:
    """The hint under the title field; a card being edited keeps its file name."""
    hint = (
        "Wie heißt das Werkzeug? Zum Beispiel „Bürgerbus: Nachbarn fahren Nachbarn“. "
        "Aus dem Titel wird der Dateiname."
    )
    return (
        f"{hint} Bei einer vorhandenen Karte bleibt der Dateiname {original}.md."
        if original
        else hint
    )


def forge_button(forge_label: str, *, editing: bool) -> str:
    """The button that opens the repository's page for the card file."""
    return f"Auf {forge_label} {'bearbeiten' if editing else 'vorschlagen'}"


def url_row(title: str, url: str, *, label: str, number: int, is_source: bool) -> dict[str, str]:
    """One row of the form's sources or links: its values and the labels of its two fields
    ("Quelle 2: Titel", "Quelle 2: Adresse")."""
    return {
        "title": title,
        "url": url,
        "title_label": f"{label} {number}: {'Titel' if is_source else 'Text'}",
        "title_hint": "Wie heißt die Seite oder der Artikel?"
        if is_source
        else "Was steht auf dem Link?",
        "url_label": f"{label} {number}: Adresse",
    }


def card_url(slug: str) -> str:
    return CARD_PATH + quote(slug)


def search_url(request: SearchRequest, path: str = SEARCH_PATH) -> str:
    qs = request.to_query_string()
    return f"{path}?{qs}" if qs else path


def with_selection(url: str, selection: Selection) -> str:
    """``url`` carrying the facilitator's selection (``w``, ``titel``), so that it survives
    browsing without JavaScript; ``url`` unchanged for an empty selection."""
    qs = selection.query_string()
    if not qs:
        return url
    return f"{url}{'&' if '?' in url else '?'}{qs}"


def select_link(
    selection: Selection,
    slug: str,
    title: str,
    at: Callable[[Selection], str] = Selection.url,
) -> dict[str, Any]:
    """The add or remove link of one tool: ``at`` the next state of the selection (the same
    page carrying it, or the selection page); no link when a full selection cannot take it."""
    chosen = slug in selection.slugs
    url: str | None
    if chosen:
        url, label = at(selection.removed(slug)), "Aus der Auswahl entfernen"
    elif selection.full:
        url, label = None, f"Die Auswahl ist voll ({MAX_TOOLS} Werkzeuge)"
    else:
        url, label = at(selection.added(slug)), "Zur Auswahl hinzufügen"
    return {"slug": slug, "title": title, "url": url, "label": label, "chosen": chosen}


def selection_bar(selection: Selection) -> dict[str, Any]:
    """The "Auswahl ansehen (n)" link of pages that carry the selection."""
    count = len(selection.slugs)
    return {
        "url": selection.url(SELECTION_PATH),
        "count": count,
        "label": f"Auswahl ansehen ({count})",
        "slugs": " ".join(selection.slugs),
    }


def absolute_url(path: str, base_url: str = "") -> str:
    """``path`` under the configured public address; path-absolute without one (an address built
    from the request's Host header would be whatever the client sent)."""
    return base_url.rstrip("/") + path if base_url else path


def canonical_search_url(request: SearchRequest, pages: int, path: str = SEARCH_PATH) -> str:
    """The one address of a search page: the query, the filters (cleaned, in the facets' order,
    without duplicates) and the page number. Sort order and page size are left out: they show
    the same cards in another order or slice, so such a page points to the start of the plain
    result list. Unknown parameters never get in."""
    plain = request.sort == "relevance" and request.per_page == request.default_per_page
    page = request.page if plain and request.page <= pages else 1
    canonical = replace(
        request, sort="relevance", per_page=request.default_per_page, page=page, keep=()
    )
    return search_url(canonical, path)


def filter_url(
    facet_name: str, value: str, path: str = SEARCH_PATH, selection: Selection = NO_SELECTION
) -> str:
    """The search filtered by one facet value (links from a card's metadata)."""
    url = f"{path}?{urlencode([(FACETS_BY_NAME[facet_name].param, value)])}"
    return with_selection(url, selection)


def hit_dict(
    hit: Any, selection: Selection = NO_SELECTION, at: Callable[[Selection], str] = Selection.url
) -> dict[str, Any]:
    card = hit.card
    select = select_link(selection, hit.slug, card["title"], at)
    return {
        "slug": hit.slug,
        "title": card["title"],
        "summary": card["summary"],
        "url": with_selection(card_url(hit.slug), selection),
        "topics": card["topics"],
        "communes": card["communes"],
        "challenges": card["challenges"],
        "target_groups": card.get("target_groups", []),
        "state": card.get("state", []),
        "tool_type": card.get("tool_type", ""),
        "status": card.get("status", ""),
        "is_example": not card.get("sources"),
        "published": card["published"],
        "updated": card.get("updated"),
        "score": hit.score,
        "snippet_html": hit.snippet,
        "title_html": hit.title_html,
        "reasons": list(hit.reasons),
        "partial": hit.partial,
        "reasons_text": "; ".join(hit.reasons),
        "communes_text": ", ".join(card["communes"]),
        "topics_text": ", ".join(card["topics"]),
        "select_url": select["url"],
        "select_label": select["label"],
        "chosen": select["chosen"],
    }


def search_page(
    result: SearchResult, path: str = SEARCH_PATH, selection: Selection = NO_SELECTION
) -> dict[str, Any]:
    """Everything the search page and ``/api/search`` show. The facilitator's ``selection``
    travels in every link and form of the page (``request.keep``); add/remove links lead to
    this same page with the next selection."""
    request = replace(result.request, keep=tuple(selection.params()))

    def here(next_selection: Selection) -> str:
        return search_url(replace(request, keep=tuple(next_selection.params())), path)

    facets: dict[str, list[dict[str, Any]]] = {}
    facet_blocks = []
    active = []
    for facet in FACETS:
        values = []
        # values are checkboxes of one GET form, so only a selected value needs a link of its
        # own (to remove it); a link per value would be a URL encoding per listed value
        for fv in result.facets.get(facet.name, ()):
            values.append({"value": fv.value, "count": fv.count, "selected": fv.selected})
            if fv.selected:
                remove_url = search_url(request.toggle(facet.name, fv.value), path)
                active.append({"facet": facet.label, "value": fv.value, "remove_url": remove_url})
        facets[facet.name] = values
        if values:
            shown = [v for v in values if v["selected"]] + [v for v in values if not v["selected"]]
            not_listed = max(0, len(shown) - MAX_FACET_VALUES_LISTED)
            facet_blocks.append(
                {
                    "name": facet.name,
                    "param": facet.param,
                    "label": facet.label,
                    "values": shown[
                        : max(MAX_FACET_VALUES_SHOWN, sum(v["selected"] for v in values))
                    ],
                    "more": shown[MAX_FACET_VALUES_SHOWN:MAX_FACET_VALUES_LISTED],
                    "not_listed": not_listed,
                    "not_listed_note": f"Und {not_listed} weitere. Nicht dabei? "
                    "Schreiben Sie den Namen oben in das Suchfeld.",
                    "has_selected": any(v["selected"] for v in values),
                }
            )
    pages = max(1, -(-result.total // request.per_page))
    results = [hit_dict(h, selection, here) for h in result.hits]
    answered = result.match != "some" or bool(result.all_words)  # False: no card has all words
    suggestion_url = (
        search_url(request.with_query(result.suggestion), path) if result.suggestion else None
    )
    return {
        "query": request.q,
        "total": result.total,
        "result_heading": count_text(result.total, "Werkzeug", "Werkzeuge") + " gefunden"
        if answered
        else "Kein passendes Werkzeug gefunden",
        "page": request.page,
        "per_page": request.per_page,
        "first_number": (request.page - 1) * request.per_page + 1,
        "pages": pages,
        "sort": request.sort,
        "results": results,
        # the cards with all the words, then apart those with only some of them
        "answers": [r for r in results if not r["partial"]],
        "partial_results": [r for r in results if r["partial"]],
        "partial_first_number": (request.page - 1) * request.per_page
        + 1
        + sum(not r["partial"] for r in results),
        "facets": facets,
        "suggestion": result.suggestion,
        "suggestion_url": suggestion_url,
        "match": result.match,
        "all_words": result.all_words,
        "match_note": match_note(result),
        "answered": answered,
        "corrected": result.corrected,
        "timed_out": result.timed_out,
        "facet_blocks": facet_blocks,
        "active_filters": active,
        "clear_filters_url": search_url(request.without_filters(), path) if active else None,
        "prev_url": search_url(request.with_page(request.page - 1), path)
        if request.page > 1
        else None,
        "next_url": search_url(request.with_page(request.page + 1), path)
        if request.page < pages
        else None,
        "page_links": [
            {
                "number": n,
                "url": search_url(request.with_page(n), path),
                "current": n == request.page,
            }
            for n in _page_window(request.page, pages)
        ],
        # state the two GET forms must carry along: the query form everything but the query and
        # the sort order, the filter form everything but the filters (each form supplies its
        # own part)
        "hidden_params": [
            (k, v) for k, v in request.params(include_page=False) if k not in {"q", "sort"}
        ],
        "facet_form_params": [
            (k, v)
            for k, v in request.params(include_page=False)
            if k in {"q", "sort", "per_page", "w", "titel"}
        ],
        "self_url": search_url(request, path),
        "canonical_path": canonical_search_url(request, pages, path),
        "sort_options": sort_options(request),
        "selection": selection_bar(selection),
        **export_links(replace(request, keep=())),
    }


def origin_text(communes: Sequence[Mapping[str, Any]]) -> str:
    """Where the tool comes from, as one sentence ("Entstanden oder erprobt in Stadt A und
    Gemeinde B."): the card's communes are where it was built or used, not its contact."""
    names = [
        f"{c['kind']} {c['name']}"
        if c.get("kind") and not c["name"].startswith(c["kind"])
        else c["name"]
        for c in communes
    ]
    if not names:
        return ""
    return f"Entstanden oder erprobt in {listed(names)}."


def match_note(result: SearchResult) -> str | None:
    """The sentence telling that not every hit has all the search words (page and CLI), or
    None when they all do (or there are no words)."""
    if result.match != "some" or result.all_words is None:
        return None
    if result.all_words == 0:
        return (
            "Kein Werkzeug enthält alle Suchwörter. "
            "Hier sind Werkzeuge, die einige davon enthalten."
        )
    if result.all_words == 1:
        return "Nur 1 Werkzeug enthält alle Suchwörter. Die anderen Treffer enthalten einige davon."
    return (
        f"Nur {result.all_words} Werkzeuge enthalten alle Suchwörter. "
        "Die anderen Treffer enthalten einige davon."
    )


SORT_LABELS = {
    "relevance": "Passende zuerst",
    "newest": "Neueste zuerst",
    "title": "Nach Titel (A bis Z)",
}
"""The sort orders of ``query.SORTS`` as the search page names them."""


def sort_options(request: SearchRequest) -> list[dict[str, Any]]:
    """The choices of the sort control: value, German label, whether it is the current one.

    Without search words there is nothing to match, and the plain order is the newest first:
    the control then offers only the two orders that differ."""
    current = request.sort
    sorts: tuple[str, ...] = SORTS
    if request.is_browse:
        sorts = tuple(s for s in SORTS if s != "relevance")
        current = "newest" if current == "relevance" else current
    return [
        {"value": sort, "label": SORT_LABELS[sort], "selected": sort == current} for sort in sorts
    ]


def api_search(page: dict[str, Any]) -> dict[str, Any]:
    """The documented JSON object of ``/api/search`` (a subset of the page dict)."""
    keys = (
        "query",
        "total",
        "match",
        "all_words",
        "page",
        "per_page",
        "results",
        "suggestion",
        "timed_out",
    )
    data = {k: page[k] for k in keys}
    data["facets"] = {
        name: [
            {"value": v["value"], "count": v["count"], "selected": v["selected"]} for v in values
        ]
        for name, values in page["facets"].items()
    }
    data["results"] = [
        {
            k: r[k]
            for k in (
                "slug",
                "title",
                "summary",
                "url",
                "topics",
                "communes",
                "challenges",
                "is_example",
                "score",
                "snippet_html",
                "reasons",
                "partial",
            )
        }
        for r in page["results"]
    ]
    return data


def _page_window(page: int, pages: int, width: int = 2) -> list[int]:
    low, high = max(1, page - width), min(pages, page + width)
    return list(range(low, high + 1)) if pages > 1 else []


def card_page(
    card: dict[str, Any],
    related: list[dict[str, Any]],
    *,
    repository_url: str = "",
    selection: Selection = NO_SELECTION,
) -> dict[str, Any]:
    """Everything the card page and ``/api/werkzeuge/<slug>`` show; links to searches and
    other cards carry the facilitator's ``selection``."""
    here = card_url(card["slug"])
    select = select_link(selection, card["slug"], card["title"], lambda s: with_selection(here, s))
    sel = selection
    meta = []
    for facet_name, label in (
        ("topics", "Themen"),
        ("challenges", "Herausforderungen"),
        ("target_groups", "Zielgruppen"),
    ):
        values = card.get(facet_name) or []
        if values:
            meta.append(
                {
                    "label": label,
                    "values": [
                        {"value": v, "url": filter_url(facet_name, v, selection=sel)}
                        for v in values
                    ],
                }
            )
    for facet_name, label in (("tool_type", "Art"), ("status", "Stand"), ("effort", "Aufwand")):
        value = card.get(facet_name)
        if value:
            meta.append(
                {
                    "label": label,
                    "values": [
                        {"value": value, "url": filter_url(facet_name, value, selection=sel)}
                    ],
                }
            )
    communes = [
        {
            **c,
            "url": filter_url("communes", c["name"], selection=sel),
            "state_url": filter_url("state", c["state"], selection=sel) if c["state"] else None,
            "cluster_url": filter_url("cluster", c["cluster"], selection=sel)
            if c["cluster"]
            else None,
        }
        for c in card.get("commune_details", [])
    ]
    return {
        **card,
        "url": card_url(card["slug"]),
        "meta": meta,
        "communes_linked": communes,
        "origin_text": origin_text(communes),
        "reused_by_linked": [
            {"value": v, "url": filter_url("communes", v, selection=sel)}
            for v in card.get("reused_by", [])
        ],
        "related": [
            {
                "slug": r["slug"],
                "title": r["title"],
                "summary": r["summary"],
                "url": with_selection(card_url(r["slug"]), sel),
            }
            for r in related
        ],
        "show_toc": len(card.get("headings", [])) >= 4,
        "select_url": select["url"],
        "select_label": select["label"],
        "chosen": select["chosen"],
        "selection": selection_bar(sel),
        "search_url": with_selection(SEARCH_PATH, sel),
        "pptx_url": card_url(card["slug"]) + "/folien.pptx",
        "is_example": not card.get("sources"),
        "example_note": example_note([c["name"] for c in communes]),
        "examples_url": filter_url("source", EXAMPLE, selection=sel),
        **share_links(card["slug"], repository_url),
    }


def api_card(page: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "slug",
        "title",
        "summary",
        "plain_summary",
        "url",
        "topics",
        "communes",
        "commune_details",
        "challenges",
        "target_groups",
        "state",
        "cluster",
        "status",
        "effort",
        "tool_type",
        "published",
        "updated",
        "license",
        "contact",
        "links",
        "sources",
        "is_example",
        "aliases",
        "reused_by",
        "html",
        "headings",
    )
    data = {k: page.get(k) for k in keys}
    data["related"] = page["related"]
    return data


# ---- sharing, challenges, commune profiles, collections, overview ---------------------

SHORT_PATH = "/w/"
COLLECTIONS_PATH = "/sammlungen"
CHALLENGES_PATH = "/herausforderungen"
PROFILE_FIELDS: tuple[tuple[str, str, int], ...] = (
    ("kind", "Art der Kommune", 3),
    ("state", "Bundesland", 2),
    ("cluster", "Cluster", 1),
)
"""Commune profile fields: URL parameter (= commune table key), German label, ranking weight."""
MAX_CHALLENGE_RESULTS = 60


def share_links(slug: str, repository_url: str = "") -> dict[str, Any]:
    """Short link, QR code files and the 'edit this card' link of a card (paths, not absolute)."""
    base = card_url(slug)
    edit_url = f"{repository_url.rstrip('/')}/toolkit/{quote(slug)}.md" if repository_url else None
    return {
        "short_url": SHORT_PATH + quote(slug),
        "qr_svg_url": base + "/qr.svg",
        "qr_png_url": base + "/qr.png",
        "edit_url": edit_url,
    }


def commune_table(cards: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """Commune name -> {state, cluster, kind}, collected from the cards' commune details."""
    table: dict[str, dict[str, str]] = {}
    for card in cards:
        for c in card.get("commune_details", []):
            table.setdefault(
                c["name"], {"state": c["state"], "cluster": c["cluster"], "kind": c["kind"]}
            )
    return table


def profile_choices(
    table: dict[str, dict[str, str]], profile: dict[str, str]
) -> list[dict[str, Any]]:
    """The select boxes of the commune profile: every known kind, state and cluster."""
    blocks = []
    for key, label, _ in PROFILE_FIELDS:
        values = sorted({c[key] for c in table.values() if c.get(key)})
        blocks.append(
            {
                "name": key,
                "label": label,
                "options": [{"value": v, "selected": profile.get(key) == v} for v in values],
            }
        )
    return blocks


def profile_match(
    card: dict[str, Any], profile: dict[str, str], table: dict[str, dict[str, str]]
) -> tuple[int, list[str]]:
    """How similar the card's communes (original and "nachgemacht in") are to the profile."""
    best, reasons = 0, []
    for name in [*card.get("communes", []), *card.get("reused_by", [])]:
        commune = table.get(name)
        if not commune:
            continue
        score, why = 0, []
        for key, label, weight in PROFILE_FIELDS:
            wanted = profile.get(key)
            if wanted and commune.get(key) == wanted:
                score += weight
                why.append(f"{label}: {wanted}")
        if score > best:
            best, reasons = score, [f"{name} – " + ", ".join(why)]
    return best, reasons


def _origin(card: dict[str, Any]) -> list[dict[str, Any]]:
    """The card's communes, each with its search link and "Stadt, Sachsen-Anhalt" (kind and
    state, as far as known)."""
    return [
        {
            **c,
            "url": filter_url("communes", c["name"]),
            "details": ", ".join(part for part in (c.get("kind"), c.get("state")) if part),
        }
        for c in card.get("commune_details", [])
    ]


def challenge_page(
    *,
    choices: list[Any],
    chosen: list[str],
    profile: dict[str, str],
    hits: list[Any],
    communes: dict[str, dict[str, str]],
    query: str = "",
) -> dict[str, Any]:
    """/herausforderungen: ranked by chosen challenges met, then commune likeness, then relevance.

    ``choices`` are the challenge facet values (with counts); ``hits`` the search hits of the cards
    that address any chosen challenge (all cards when only a profile is given); ``communes`` the
    commune table (``commune_table``).
    """
    table = communes
    asked = bool(chosen) or any(profile.values())
    ranked = []
    for position, hit in enumerate(hits):
        card = hit.card
        matched = [c for c in chosen if c in card.get("challenges", [])]
        if chosen and not matched:
            continue
        similarity, reasons = profile_match(card, profile, table)
        if not chosen and similarity == 0:
            continue
        ranked.append((len(matched), similarity, -position, card, matched, reasons))
    ranked.sort(key=lambda r: (-r[0], -r[1], -r[2]))
    results = [
        {
            "slug": card["slug"],
            "title": card["title"],
            "summary": card["summary"],
            "url": card_url(card["slug"]),
            "matched": matched,
            "matched_count": len(matched),
            "matched_badge": f"{len(matched)} von {len(chosen)}",
            "matched_text": ", ".join(matched),
            "profile_reasons": reasons,
            "profile_text": "; ".join(reasons),
            "origin": _origin(card),
            "contact": card.get("contact"),
            "is_example": not card.get("sources"),
            "reused_by_linked": [
                {"value": v, "url": filter_url("communes", v)} for v in card.get("reused_by", [])
            ],
        }
        for _, _, _, card, matched, reasons in ranked[:MAX_CHALLENGE_RESULTS]
    ]
    search_params = [("q", query)] if query else []
    search_params += [("challenge", c) for c in chosen]
    canonical_params = [("challenge", c) for c in sorted(chosen, key=fold_key)]
    canonical_params += [(key, profile[key]) for key, _, _ in PROFILE_FIELDS if profile.get(key)]
    canonical_params += [("q", query)] if query and canonical_params else []
    return {
        "challenges": [
            {"value": fv.value, "count": fv.count, "checked": fv.value in chosen, "id": f"h-{n}"}
            for n, fv in enumerate(sorted(choices, key=lambda v: fold_key(v.value)), 1)
        ],
        "chosen": chosen,
        "chosen_text": ", ".join(chosen),
        "query": query,
        "profile": profile,
        "profile_blocks": profile_choices(table, profile),
        "asked": asked,
        "results": results,
        "total": len(ranked),
        "shown": len(results),
        "result_heading": count_text(len(ranked), "passendes Werkzeug", "passende Werkzeuge"),
        "shown_note": f"Gezeigt werden die ersten {len(results)}."
        if len(ranked) > len(results)
        else "",
        "search_url": f"{SEARCH_PATH}?{urlencode(search_params)}" if chosen else None,
        "canonical_path": CHALLENGES_PATH
        + (f"?{urlencode(canonical_params)}" if canonical_params else ""),
    }


def fold_key(text: str) -> str:
    """Sort key that puts umlauts next to their base letters (Ä next to A)."""
    return text.casefold().replace("ä", "a").replace("ö", "o").replace("ü", "u").replace("ß", "ss")


def collection_url(name: str) -> str:
    return f"{COLLECTIONS_PATH}/{quote(name)}"


DESCRIPTION_CHARS = 200
"""Length of a page's description for search engines and link previews."""


def page_description(text: str) -> str:
    """``text`` on one line, cut at a word to at most ``DESCRIPTION_CHARS`` characters."""
    return textwrap.shorten(text, DESCRIPTION_CHARS, placeholder=" …")


def collection_summary(collection: Any) -> dict[str, Any]:
    return {
        "name": collection.name,
        "title": collection.title,
        "intro": collection.intro,
        "date": collection.date.isoformat() if collection.date else None,
        "date_text": german_date(collection.date.isoformat()) if collection.date else "",
        "event": collection.event,
        "count": len(collection.slugs),
        "count_text": count_text(len(collection.slugs), "Werkzeug", "Werkzeuge"),
        "url": collection_url(collection.name),
    }


def collection_page(
    collection: Any, cards: dict[str, dict[str, Any]], selection: Selection = NO_SELECTION
) -> dict[str, Any]:
    """/sammlungen/<name>: the collection's cards in the curated order (missing ones left out);
    links to cards and the add/remove links carry the facilitator's ``selection``."""
    here = collection_url(collection.name)
    items = []
    for slug in collection.slugs:
        card = cards.get(slug)
        if card is None:
            continue
        select = select_link(selection, slug, card["title"], lambda s: with_selection(here, s))
        items.append(
            {
                "slug": slug,
                "title": card["title"],
                "summary": card["summary"],
                "url": with_selection(card_url(slug), selection),
                "short_url": SHORT_PATH + quote(slug),
                "origin": _origin(card),
                "origin_names": ", ".join(
                    f"{c['name']} ({c['state']})" if c.get("state") else c["name"]
                    for c in card.get("commune_details", [])
                ),
                "topics": card.get("topics", []),
                "reused_by": card.get("reused_by", []),
                "reused_by_text": ", ".join(card.get("reused_by", [])),
                "contact": card.get("contact"),
                "select_url": select["url"],
                "select_label": select["label"],
                "chosen": select["chosen"],
            }
        )
    base = collection_url(collection.name)
    return {
        **collection_summary(collection),
        "intro_paragraphs": collection.intro.split("\n\n") if collection.intro else [],
        "description": page_description(collection.intro or collection.title),
        "cards": items,
        "selection_url": Selection(
            tuple(i["slug"] for i in items[:MAX_TOOLS]), clean_title(collection.title)
        ).url(),
        "selection_cut": len(items) > MAX_TOOLS,
        "selection": selection_bar(selection),
        "search_url": with_selection(SEARCH_PATH, selection),
        "max_tools": MAX_TOOLS,
        "slides_url": base + "/folien",
        "pptx_url": base + "/folien.pptx",
        "pdf_url": base + "/handzettel.pdf",
        "qr_svg_url": base + "/qr.svg",
        "qr_png_url": base + "/qr.png",
    }


GERMAN_MONTHS = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)


def german_date(iso: str | None) -> str:
    """'2023-03-21' -> '21. März 2023' (empty for no date)."""
    if not iso:
        return ""
    year, month, day = (int(p) for p in iso.split("-"))
    return f"{day}. {GERMAN_MONTHS[month - 1]} {year}"


OVERVIEW_FACETS: tuple[tuple[str, str, str], ...] = (
    ("topics", "Werkzeuge je Thema", "je Thema"),
    ("challenges", "Werkzeuge je Herausforderung", "je Herausforderung"),
    ("state", "Werkzeuge je Bundesland", "je Bundesland"),
    ("cluster", "Werkzeuge je Cluster", "je Cluster"),
)


def overview_blocks(result: SearchResult) -> list[dict[str, Any]]:
    """One block per overview chart: id, title, rows (value, count, link to the filtered search)."""
    blocks = []
    for facet_name, title, what in OVERVIEW_FACETS:
        values = sorted(
            result.facets.get(facet_name, ()), key=lambda v: (-v.count, fold_key(v.value))
        )
        blocks.append(
            {
                "id": "chart-" + facet_name.replace("_", "-"),
                "facet": facet_name,
                "title": title,
                "what": what,
                "label": FACETS_BY_NAME[facet_name].label,
                "rows": [
                    {"value": v.value, "count": v.count, "url": filter_url(facet_name, v.value)}
                    for v in values
                ],
            }
        )
    return blocks


def export_links(request: SearchRequest) -> dict[str, str]:
    """CSV and JSON downloads of the whole result (filters and sort kept, no page)."""
    params = [(k, v) for k, v in request.params(include_page=False) if k != "per_page"]
    qs = urlencode(params)
    suffix = f"?{qs}" if qs else ""
    return {"export_csv_url": "/export.csv" + suffix, "export_json_url": "/export.json" + suffix}
