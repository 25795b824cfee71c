"""Machine-readable views of the toolkit: Atom feed, sitemap, OpenSearch description, robots.txt.

Pure functions from card data (as stored in the index) and the site's absolute address to text.
Every value goes through ``characters.xml_text``: the XML stays well-formed whatever a card holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from zwk_kb.characters import xml_text

FEED_ENTRIES = 50
FEED_PATH = "/feed.xml"
SITEMAP_PATH = "/sitemap.xml"
OPENSEARCH_PATH = "/opensearch.xml"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
OPENSEARCH_TYPE = "application/opensearchdescription+xml; charset=utf-8"
SITEMAP_TYPE = "application/xml; charset=utf-8"


def card_path(slug: str) -> str:
    return "/werkzeuge/" + quote(slug)


def _changed(card: Mapping[str, Any]) -> str:
    return str(card.get("updated") or card["published"])


def _timestamp(day: str) -> str:
    """RFC 3339 time of a card date (the cards only know days)."""
    return dt.date.fromisoformat(day).isoformat() + "T00:00:00Z"


def atom_feed(
    cards: Iterable[Mapping[str, Any]], base_url: str, *, site_name: str, limit: int = FEED_ENTRIES
) -> str:
    """Atom 1.0 feed of the newest and most recently updated tools."""
    entries = sorted(cards, key=lambda c: (_changed(c), c["slug"]), reverse=True)[:limit]
    updated = _timestamp(_changed(entries[0])) if entries else "2000-01-01T00:00:00Z"
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de">',
        f"<title>{xml_text(site_name)}: neue und aktualisierte Werkzeuge</title>",
        "<subtitle>Lösungen von Kommunen für Kommunen im demografischen Wandel</subtitle>",
        f"<id>{xml_text(base_url + '/')}</id>",
        f'<link rel="self" type="application/atom+xml" href="{xml_text(base_url + FEED_PATH)}"/>',
        f'<link rel="alternate" type="text/html" href="{xml_text(base_url + "/")}"/>',
        f"<updated>{updated}</updated>",
        f"<author><name>{xml_text(site_name)}</name></author>",
        "<generator>zwk-kb</generator>",
    ]
    for card in entries:
        url = base_url + card_path(card["slug"])
        status = "aktualisiert" if card.get("updated") else "neu"
        author = ", ".join(card.get("communes") or []) or site_name
        lines += [
            "<entry>",
            f"<title>{xml_text(card['title'])}</title>",
            f"<id>{xml_text(url)}</id>",
            f'<link rel="alternate" type="text/html" href="{xml_text(url)}"/>',
            f"<published>{_timestamp(card['published'])}</published>",
            f"<updated>{_timestamp(_changed(card))}</updated>",
            f"<author><name>{xml_text(author)}</name></author>",
            *(
                f'<category term="{xml_text(t)}" label="{xml_text(t)}"/>'
                for t in card.get("topics", [])
            ),
            f"<summary>{xml_text(card['summary'])} ({status})</summary>",
            f'<content type="html">{xml_text(card.get("html", ""))}</content>',
            "</entry>",
        ]
    lines.append("</feed>")
    return "\n".join(lines) + "\n"


def sitemap(
    base_url: str,
    pages: Sequence[str],
    cards: Iterable[Mapping[str, Any]],
    collections: Sequence[str] = (),
) -> str:
    """sitemap.xml: the fixed pages, every card (with its last change) and every collection."""
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for path in pages:
        lines.append(f"<url><loc>{xml_text(base_url + path)}</loc></url>")
    for name in collections:
        lines.append(f"<url><loc>{xml_text(base_url + '/sammlungen/' + quote(name))}</loc></url>")
    for card in sorted(cards, key=lambda c: c["slug"]):
        lines.append(
            f"<url><loc>{xml_text(base_url + card_path(card['slug']))}</loc>"
            f"<lastmod>{xml_text(_changed(card))}</lastmod></url>"
        )
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def opensearch(base_url: str, *, site_name: str) -> str:
    """OpenSearch 1.1 description: lets a browser's search box search the toolkit."""
    short = site_name[:16]
    return (
        "\n".join(
            [
                '<?xml version="1.0" encoding="utf-8"?>',
                '<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/">',
                f"<ShortName>{xml_text(short)}</ShortName>",
                f"<Description>{xml_text(site_name)}: Werkzeuge von Kommunen für Kommunen "
                "durchsuchen</Description>",
                "<InputEncoding>UTF-8</InputEncoding>",
                "<Language>de-de</Language>",
                f'<Url type="text/html" method="get" '
                f'template="{xml_text(base_url + "/?q={searchTerms}")}"/>',
                f'<Url type="application/json" method="get" '
                f'template="{xml_text(base_url + "/api/search?q={searchTerms}")}"/>',
                f'<Url type="application/opensearchdescription+xml" rel="self" '
                f'template="{xml_text(base_url + OPENSEARCH_PATH)}"/>',
                "</OpenSearchDescription>",
            ]
        )
        + "\n"
    )


def robots(base_url: str) -> str:
    """robots.txt: everything may be read; exports and the API are for people and programs."""
    return (
        "User-agent: *\n"
        "Allow: /\n"
        "Disallow: /api/\n"
        "Disallow: /export.csv\n"
        "Disallow: /export.json\n"
        f"Sitemap: {base_url}{SITEMAP_PATH}\n"
    )
