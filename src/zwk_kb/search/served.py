"""The search engine of an index folder that a running server reads while index runs replace
or update it. The web layer and ``zwk-kb search`` talk to this and to ``SearchEngine``; the
searchers themselves stay in the search modules.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from zwk_kb.search.index import SearcherPool, current_generation, read_meta
from zwk_kb.search.service import DEFAULT_TIME_LIMIT, SearchEngine


@dataclass(frozen=True, slots=True)
class IndexState:
    """Which state of the index the last answer of this thread came from: documents have the
    same numbers in equal states, so caches of per-card data may be kept by it."""

    generation: str
    """Name of the generation folder (``gen-…``)."""
    commit: int
    """Whoosh's commit number inside the generation (an incremental update adds one)."""


class ServedIndex:
    """A ``SearchEngine`` for the current index: a new one (with the synonyms the new index was
    built with, and empty caches) once a full rebuild switched to a new generation; the same
    one across incremental updates (its caches are keyed by the index state). Safe to share
    between threads."""

    def __init__(self, index_dir: Path, *, time_limit: float = DEFAULT_TIME_LIMIT) -> None:
        self.index_dir = index_dir
        self._time_limit = time_limit
        self._pool = SearcherPool(index_dir)
        self._lock = threading.Lock()
        self.current = SearchEngine(self._pool, time_limit=time_limit)
        """The engine the last ``engine()`` call returned (made without opening the index)."""
        self._version = -1

    def engine(self) -> SearchEngine:
        """The engine for the index as it is now (``IndexMissing`` when there is none)."""
        self._pool.searcher()  # opens a newer searcher for this thread if the index changed
        with self._lock:
            if self._pool.version != self._version:
                self._version = self._pool.version
                generation = current_generation(self.index_dir)
                meta = read_meta(generation) if generation else {}
                synonyms = meta.get("synonyms", [])
                self.current = SearchEngine(
                    self._pool,
                    synonyms if isinstance(synonyms, list) else [],
                    time_limit=self._time_limit,
                )
            return self.current

    def state(self) -> IndexState:
        """The index state of this thread's last answer."""
        folder, commit = self._pool.key()
        return IndexState(Path(folder).name, commit)

    def close(self) -> None:
        """Close this thread's searcher (a command line run at its end)."""
        self._pool.close()
