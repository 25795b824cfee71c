"""What a facilitator shows and hands out: the selection page, the slides and the handout, as
plain dicts.

The web slides, the PowerPoint file and the handout PDF are all made from one ``talk`` dict, so
they show the same tools in the same order with the same facts. Every text is cleaned once here
(no control characters, bounded length): the renderers of HTML, PPTX and PDF print it as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from zwk_kb.outputs.present import (
    SHORT_PATH,
    card_url,
    collection_url,
    count_text,
    german_date,
    select_link,
)
from zwk_kb.outputs.qr import MAX_URL_CHARS
from zwk_kb.search.request import clean_text
from zwk_kb.selection import MAX_TOOLS, TITLE_MAX, Parsed, Selection

SENTENCE_MAX = 180
MAX_LISTED = 3
"""Communes and challenges named on a slide (the others as "und 2 weitere")."""
TEXT_MAX = 600
_SENTENCE_END = re.compile(r"(\w*)([.!?])\s+(?=[A-ZÄÖÜ])")
_ABBREVIATIONS = frozenset(
    ["bzw", "ca", "dr", "evtl", "ggf", "inkl", "nr", "str", "tel", "usw", "vgl", "etc", "sog"]
)
"""Words shortened with a full stop that do not end a sentence (also every word under three
letters: ``z. B.``, ``u. a.``, and ordinals like ``3.``)."""


def text(value: Any, limit: int = TEXT_MAX) -> str:
    """A one-line text safe for HTML, XML (PPTX) and PDF: no control characters, bounded."""
    return clean_text(str(value or ""), limit)


def one_sentence(summary: str) -> str:
    """The summary's first sentence (a slide has room for one), cut at ``SENTENCE_MAX``."""
    whole = text(summary)
    first = whole
    for match in _SENTENCE_END.finditer(whole):
        word = match.group(1)
        if match.group(2) != "." or (
            len(word) >= 3 and not word.isdigit() and word.casefold() not in _ABBREVIATIONS
        ):
            first = whole[: match.end(2)]
            break
    if len(first) > SENTENCE_MAX:
        first = first[: SENTENCE_MAX - 1].rsplit(" ", 1)[0] + " …"
    return first


def _communes(card: Mapping[str, Any]) -> str:
    details = card.get("commune_details") or []
    if details:
        parts = [f"{c['name']} ({c['state']})" if c.get("state") else c["name"] for c in details]
    else:
        parts = list(card.get("communes") or [])
    return _listed(parts)


def _listed(values: list[str]) -> str:
    shown = ", ".join(values[:MAX_LISTED])
    more = len(values) - MAX_LISTED
    return text(f"{shown} und {more} weitere" if more > 0 else shown, 300)


def facts(card: Mapping[str, Any]) -> list[dict[str, str]]:
    """The three facts on a slide: Kommune, Herausforderung, Stand/Aufwand."""
    status = text(card.get("status"), 60)
    effort = text(card.get("effort"), 60)
    state = " · ".join(part for part in (status, f"Aufwand {effort}" if effort else "") if part)
    return [
        {"label": "Kommune", "value": _communes(card) or "–"},
        {
            "label": "Herausforderung",
            "value": _listed(list(card.get("challenges") or [])) or "–",
        },
        {"label": "Stand und Aufwand", "value": state or "–"},
    ]


def contact_lines(card: Mapping[str, Any]) -> list[str]:
    contact = card.get("contact") or {}
    lines = [
        text(contact.get("name"), 120),
        text(contact.get("organisation"), 160),
        text(contact.get("email"), 160),
        f"Telefon: {text(contact.get('phone'), 60)}" if contact.get("phone") else "",
    ]
    return [line for line in lines if line]


def tool(card: Mapping[str, Any], base_url: str) -> dict[str, Any]:
    """One tool as slides and handout show it (links absolute, for QR codes and print)."""
    slug = str(card["slug"])
    short_path = SHORT_PATH + quote(slug)
    return {
        "slug": slug,
        "title": text(card.get("title"), 200),
        "summary": text(card.get("summary")),
        "sentence": one_sentence(str(card.get("summary") or "")),
        "plain_summary": text(card.get("plain_summary")),
        "facts": facts(card),
        "contact": contact_lines(card),
        "url": card_url(slug),
        "short_path": short_path,
        "short_url": base_url + short_path,
        "short_label": (base_url + short_path).split("://", 1)[-1],
    }


def talk(
    *,
    title: str,
    subtitle: str,
    cards: Iterable[Mapping[str, Any]],
    base_url: str,
    share_path: str,
    files_path: str,
    back_path: str,
    back_label: str,
    site_name: str,
) -> dict[str, Any]:
    """Title slide, one slide per tool, closing slide with the QR code of ``share_path``.

    ``files_path`` is the address the slides and files hang off (``…/folien``,
    ``…/folien.pptx``, ``…/handzettel.pdf``), ``share_path`` the page everyone gets to.
    """
    tools = [tool(card, base_url) for card in cards]
    share_url = base_url + share_path
    query = files_path.partition("?")[2]
    stem = files_path.partition("?")[0]
    suffix = f"?{query}" if query else ""
    slides = len(tools) + 2
    return {
        "title": text(title, TITLE_MAX) or "Werkzeuge aus dem Werkzeugkoffer",
        "subtitle": text(subtitle, 300),
        "site_name": text(site_name, 120),
        "tools": [
            {**t, "number": n, "previous": n - 1, "next": n + 1} for n, t in enumerate(tools, 2)
        ],
        "count": len(tools),
        "count_line": count_text(len(tools), "Werkzeug", "Werkzeuge") + " aus dem Werkzeugkoffer",
        "slide_count": slides,
        "share_path": share_path,
        "share_url": share_url,
        "share_label": share_url.split("://", 1)[-1],
        "share_qr": len(share_url) <= MAX_URL_CHARS,
        "slides_url": f"{stem}/folien{suffix}",
        "pptx_url": f"{stem}/folien.pptx{suffix}",
        "pdf_url": f"{stem}/handzettel.pdf{suffix}",
        "back_url": back_path,
        "back_label": back_label,
        "slide_ids": [f"folie-{n}" for n in range(1, slides + 1)],
        # the closing slide lists every tool: in two columns and smaller once there are many
        "list_class": "slide-list-long" if len(tools) > 7 else "",
    }


def selection_talk(
    selection: Selection, cards: Mapping[str, Mapping[str, Any]], base_url: str, site_name: str
) -> dict[str, Any]:
    chosen = [cards[s] for s in selection.slugs if s in cards]
    return talk(
        title=selection.title,
        subtitle="",
        cards=chosen,
        base_url=base_url,
        share_path=selection.url(),
        files_path=selection.url(),
        back_path=selection.url(),
        back_label="Zurück zur Auswahl",
        site_name=site_name,
    )


def collection_talk(
    collection: Any, cards: Mapping[str, Mapping[str, Any]], base_url: str, site_name: str
) -> dict[str, Any]:
    chosen = [cards[s] for s in collection.slugs if s in cards]
    when = german_date(collection.date.isoformat()) if collection.date else ""
    subtitle = " · ".join(p for p in (when, collection.event) if p) or site_name
    path = collection_url(collection.name)
    return talk(
        title=collection.title,
        subtitle=subtitle,
        cards=chosen,
        base_url=base_url,
        share_path=path,
        files_path=path,
        back_path=path,
        back_label="Zurück zur Sammlung",
        site_name=site_name,
    )


def card_talk(card: Mapping[str, Any], base_url: str, site_name: str) -> dict[str, Any]:
    """A single card: for its one slide to drop into a facilitator's own deck."""
    path = card_url(str(card["slug"]))
    return talk(
        title=str(card.get("title") or ""),
        subtitle=site_name,
        cards=[card],
        base_url=base_url,
        share_path=path,
        files_path=path,
        back_path=path,
        back_label="Zurück zur Karte",
        site_name=site_name,
    )


# ---- the selection page --------------------------------------------------------------------


def selection_page(
    parsed: Parsed,
    cards: Mapping[str, Mapping[str, Any]],
    base_url: str,
    site_name: str,
    *,
    query: str = "",
    hits: Iterable[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """/auswahl: the tools in order with move/remove links, title form, share link, QR code,
    files; and a search for more tools whose results carry add/remove links."""
    selection = parsed.selection
    slugs = [s for s in selection.slugs if s in cards]
    items = []
    for n, slug in enumerate(slugs):
        card = cards[slug]
        items.append(
            {
                "slug": slug,
                "position": n + 1,
                "title": text(card.get("title"), 200),
                "summary": text(card.get("summary")),
                "url": card_url(slug),
                "up_url": selection.moved(slug, -1).url() if n > 0 else None,
                "down_url": selection.moved(slug, 1).url() if n < len(slugs) - 1 else None,
                "remove_url": selection.removed(slug).url(),
            }
        )
    notes = []
    if parsed.unknown:
        shown = ", ".join(f"„{u}“" for u in parsed.unknown[:5])
        more = f" und {len(parsed.unknown) - 5} weitere" if len(parsed.unknown) > 5 else ""
        notes.append(f"Diese Werkzeuge gibt es nicht (mehr) und wurden weggelassen: {shown}{more}.")
    for old, new in parsed.renamed:
        title = text(cards[new].get("title"), 200) if new in cards else new
        notes.append(f"„{old}“ heißt jetzt „{title}“ und steht unter neuem Namen in der Auswahl.")
    if parsed.title_cut:
        notes.append(f"Der Titel war zu lang und wurde auf {TITLE_MAX} Zeichen gekürzt.")
    share_url = base_url + selection.url()
    talk_dict = selection_talk(selection, cards, base_url, site_name) if slugs else None
    results = [
        {
            **select_link(selection, str(hit["slug"]), text(hit.get("title"), 200)),
            "card_url": card_url(str(hit["slug"])),
            "summary": text(hit.get("summary")),
        }
        for hit in hits
    ]
    return {
        "title": selection.title,
        "heading": f"Auswahl: {selection.title}" if selection.title else "Auswahl",
        "title_max": TITLE_MAX,
        "tools": items,
        "count": len(items),
        "max_tools": MAX_TOOLS,
        "full": selection.full,
        "notes": notes,
        "self_url": selection.url(),
        "share_url": share_url,
        "share_label": share_url.split("://", 1)[-1],
        "share_qr": bool(items) and len(share_url) <= MAX_URL_CHARS,
        "qr_svg_url": selection.url("/auswahl/qr.svg"),
        "talk": talk_dict,
        "slugs": slugs,
        "slugs_text": " ".join(slugs),
        "title_form_params": [("w", s) for s in slugs],
        "search_form_params": selection.params(),
        "query": query,
        "results": results,
        "searched": bool(query),
        "clear_url": Selection((), selection.title).url(),
    }


def presented_in(collections: Iterable[Any], slug: str) -> list[dict[str, str]]:
    """The collections (talks, workshops) a card appears in, for "Vorgestellt in: …"."""
    return [
        {
            "title": c.title,
            "url": collection_url(c.name),
            "date_text": german_date(c.date.isoformat()) if c.date else "",
        }
        for c in collections
        if slug in c.slugs
    ]
