"""Searching the cards: the index lifecycle and its one schema, the search request, query
building and ranking, facets, highlighting, spelling, and ``service.SearchEngine`` that runs it.

Rule of this folder: Whoosh's public API plus ``zwk_kb.engine``; what leaves it are plain
dataclasses and dicts, never a Whoosh object.
"""
