"""Plain Whoosh over the same cards, for comparison in benchmarks: StandardAnalyzer, BM25F defaults.

This is deliberately what a naive build would do, so the gain of the German analysis and the
query building in ``search`` is measurable. Not used by the site.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from whoosh import fields as wf
from whoosh import index as windex
from whoosh import query as wq
from whoosh import sorting
from whoosh.analysis import StandardAnalyzer
from whoosh.qparser import MultifieldParser

from zwk_kb.facets import FACETS
from zwk_kb.markdown import plain_text
from zwk_kb.model import Toolkit

TEXT_FIELDS = ("title", "summary", "body")


def baseline_schema() -> wf.Schema:
    facet_fields = {f.name: wf.KEYWORD(commas=True, lowercase=False) for f in FACETS}
    return wf.Schema(
        slug=wf.ID(stored=True, unique=True),
        title=wf.TEXT(analyzer=StandardAnalyzer(), stored=True),
        summary=wf.TEXT(analyzer=StandardAnalyzer(), stored=True),
        body=wf.TEXT(analyzer=StandardAnalyzer(), stored=True),
        **facet_fields,
    )


def build_baseline(toolkit: Toolkit, directory: Path, *, procs: int = 1) -> windex.Index:
    """A plain Whoosh index of the toolkit's cards."""
    directory.mkdir(parents=True, exist_ok=True)
    ix = windex.create_in(str(directory), baseline_schema())
    args = {"procs": procs, "limitmb": 256, "multisegment": True} if procs > 1 else {}
    with ix.writer(**args) as writer:
        for card in toolkit.cards:
            doc = {
                "slug": card.slug,
                "title": card.title,
                "summary": card.summary,
                "body": plain_text(card.body),
            }
            for facet in FACETS:
                doc[facet.name] = ",".join(
                    v.replace(",", " ") for v in facet.values_of(card, toolkit.vocabulary)
                )
            writer.add_document(**doc)
    return ix


def baseline_search(
    ix: windex.Index, q: str, filters: dict[str, list[str]] | None = None, limit: int = 10
) -> list[str]:
    """Slugs of the top results, the way the Whoosh docs show it (MultifieldParser, AND)."""
    by_param = {f.param: f.name for f in FACETS}
    filter_terms = [
        wq.Or([wq.Term(by_param[param], v) for v in values])
        for param, values in (filters or {}).items()
        if param in by_param
    ]
    with ix.searcher() as searcher:
        if q.strip():
            parser = MultifieldParser(list(TEXT_FIELDS), schema=ix.schema)
            try:
                query = parser.parse(q)
            except Exception:
                return []
        else:
            query = wq.Every()
        if filter_terms:
            query = wq.And([query, *filter_terms])
        return [hit["slug"] for hit in searcher.search(query, limit=limit)]


def open_baseline(directory: Path) -> windex.Index:
    """A plain Whoosh index built by :func:`build_baseline`."""
    return windex.open_dir(str(directory))


BENCH_FACETS = ("topics", "challenges", "state", "cluster")
"""The facets counted in the benchmark's plain-Whoosh page (the issue's yardstick: 4 counts)."""


def baseline_page(
    searcher: Any,
    q: str,
    filters: dict[str, list[str]] | None = None,
    *,
    facets: tuple[str, ...] = BENCH_FACETS,
    limit: int = 10,
) -> tuple[int, list[str], dict[str, dict[str, int]]]:
    """One result page the plain-Whoosh way: parsed query, filter terms, ``groupedby`` facet
    counts (Whoosh's cached field facets, simple not disjunctive counts) and body highlights of
    the hits shown. Returns (total, slugs, counts). For the benchmark only
    (``zwk_kb.devtools.bench``).
    """
    by_param = {f.param: f.name for f in FACETS}
    filter_terms = [
        wq.Or([wq.Term(by_param[param], v.replace(",", " ")) for v in values])
        for param, values in (filters or {}).items()
        if param in by_param
    ]
    query: wq.Query
    if q.strip():
        try:
            query = MultifieldParser(list(TEXT_FIELDS), schema=searcher.schema).parse(q)
        except Exception:  # the naive parser can raise; count as no result
            return 0, [], {}
    else:
        query = wq.Every()
    if filter_terms:
        query = wq.And([query, *filter_terms])
    grouping = sorting.Facets()
    for name in facets:
        grouping.add_field(name, allow_overlap=True)
    results = searcher.search(query, limit=limit, groupedby=grouping, maptype=sorting.Count)
    counts = {name: dict(results.groups(name)) for name in facets}
    slugs = []
    for hit in results[:limit]:
        slugs.append(hit["slug"])
        if q.strip():
            hit.highlights("body", top=2)
    return len(results), slugs, counts
