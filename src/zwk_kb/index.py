"""Index lifecycle: full builds into a fresh folder with an atomic switch, incremental updates.

Layout of the index folder::

    CURRENT           name of the generation readers use (replaced atomically)
    gen-<time>-<pid>/ one complete Whoosh index each; old ones are removed after a switch
    meta.json         inside each generation: vocabulary hash, card count, format version
    write.lock        held by the one process that writes

Readers only ever see a generation that was complete and verified when CURRENT named it.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as windex
from whoosh.searching import Searcher

from zwk_kb.documents import SLUG, STAMP, build_schema, card_to_document
from zwk_kb.errors import IndexBusy, IndexMissing, ZwkKbError
from zwk_kb.model import Toolkit, Vocabulary

CURRENT_FILE = "CURRENT"
META_FILE = "meta.json"
LOCK_FILE = "write.lock"
FORMAT_VERSION = 1
KEEP_GENERATIONS = 2

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Changes:
    """What an index run did."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    rebuilt: bool = False
    total: int = 0

    @property
    def count(self) -> int:
        return len(self.added) + len(self.changed) + len(self.removed)


def vocabulary_hash(vocabulary: Vocabulary) -> str:
    """Changes of the vocabulary change derived facets and the analyzer: they force a rebuild."""
    payload = json.dumps(
        {
            "format": FORMAT_VERSION,
            "topics": vocabulary.topics,
            "challenges": vocabulary.challenges,
            "target_groups": vocabulary.target_groups,
            "tool_types": vocabulary.tool_types,
            "communes": {k: [c.state, c.cluster, c.kind] for k, c in vocabulary.communes.items()},
            "synonyms": vocabulary.synonyms,
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def current_generation(index_dir: Path) -> Path | None:
    """The folder of the generation readers should use, or ``None`` when there is none."""
    try:
        name = (index_dir / CURRENT_FILE).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    path = index_dir / name
    if not name.startswith("gen-") or "/" in name or not path.is_dir():
        return None
    return path


def read_meta(generation: Path) -> dict[str, object]:
    try:
        data = json.loads((generation / META_FILE).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def open_index(index_dir: Path) -> windex.Index:
    """The current generation's index; ``IndexMissing`` if nothing was built yet."""
    generation = current_generation(index_dir)
    if generation is None:
        raise IndexMissing(
            f"Im Ordner {index_dir} gibt es noch keinen Suchindex. Bitte zuerst „zwk-kb index“ ausführen."
        )
    try:
        return windex.open_dir(str(generation))
    except (OSError, windex.EmptyIndexError) as exc:
        raise IndexMissing(f"Der Suchindex in {generation} kann nicht geöffnet werden ({exc}).") from exc


@contextlib.contextmanager
def write_lock(index_dir: Path, timeout: float = 30.0) -> Iterator[None]:
    """One writer at a time: wait up to ``timeout`` seconds, then name the process holding it."""
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / LOCK_FILE
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 (held for the whole block)
    try:
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks here, single writer assumed
            fcntl = None  # type: ignore[assignment]
        if fcntl is not None:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() >= deadline:
                        handle.seek(0)
                        holder = handle.read().strip() or "unbekannt"
                        raise IndexBusy(
                            f"Der Suchindex in {index_dir} wird gerade von einem anderen Vorgang "
                            f"geschrieben (Prozess {holder}). Bitte später erneut versuchen."
                        ) from None
                    time.sleep(0.1)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()


def build(
    toolkit: Toolkit, index_dir: Path, *, progress: Progress | None = None, lock_timeout: float = 30.0
) -> Changes:
    """Full rebuild into a new generation, verified, then switched to atomically."""
    with write_lock(index_dir, lock_timeout):
        return _build_locked(toolkit, index_dir, progress)


def _build_locked(toolkit: Toolkit, index_dir: Path, progress: Progress | None) -> Changes:
    name = f"gen-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6:06d}"
    generation = index_dir / name
    generation.mkdir(parents=True)
    try:
        schema = build_schema(toolkit.vocabulary)
        ix = windex.create_in(str(generation), schema)
        procs = 2 if len(toolkit.cards) >= 2000 else 1
        writer_args = {"procs": procs, "limitmb": 256, "multisegment": True} if procs > 1 else {"limitmb": 128}
        with ix.writer(**writer_args) as writer:
            for n, card in enumerate(toolkit.cards, 1):
                writer.add_document(**card_to_document(card, toolkit.vocabulary))
                if progress is not None:
                    progress(n)
        with ix.searcher() as searcher:
            count = searcher.doc_count()
        ix.close()
        if count != len(toolkit.cards):
            raise ZwkKbError(
                f"Der neue Suchindex enthält {count} statt {len(toolkit.cards)} Karten; "
                "der bisherige Index bleibt in Betrieb."
            )
        _write_meta(generation, toolkit, count)
        _switch(index_dir, name)
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    _remove_old_generations(index_dir, keep=name)
    slugs = tuple(card.slug for card in toolkit.cards)
    return Changes(added=slugs, rebuilt=True, total=len(slugs))


def _write_meta(generation: Path, toolkit: Toolkit, count: int) -> None:
    meta = {
        "vocabulary": vocabulary_hash(toolkit.vocabulary),
        "cards": count,
        "format": FORMAT_VERSION,
        "synonyms": [list(group) for group in toolkit.vocabulary.synonyms],
    }
    _atomic_write(generation / META_FILE, json.dumps(meta))


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _switch(index_dir: Path, name: str) -> None:
    _atomic_write(index_dir / CURRENT_FILE, name)


def _remove_old_generations(index_dir: Path, keep: str) -> None:
    """Delete all but the newest generations (readers of the previous one may still be open)."""
    generations = sorted(
        (p for p in index_dir.iterdir() if p.is_dir() and p.name.startswith("gen-")),
        key=lambda p: p.stat().st_mtime,
    )
    for old in generations[:-KEEP_GENERATIONS]:
        if old.name != keep:
            shutil.rmtree(old, ignore_errors=True)


def update(
    toolkit: Toolkit, index_dir: Path, *, progress: Progress | None = None, lock_timeout: float = 30.0
) -> Changes:
    """Bring the index up to date: only added, changed and removed cards are written.

    Falls back to a full build when there is no index yet, the vocabulary changed, or the
    current generation is unreadable.
    """
    with write_lock(index_dir, lock_timeout):
        generation = current_generation(index_dir)
        meta = read_meta(generation) if generation else {}
        if generation is None or meta.get("vocabulary") != vocabulary_hash(toolkit.vocabulary):
            return _build_locked(toolkit, index_dir, progress)
        try:
            ix = windex.open_dir(str(generation))
        except Exception:  # noqa: BLE001 (any broken index is rebuilt, never trusted)
            return _build_locked(toolkit, index_dir, progress)
        with ix.searcher() as searcher:
            indexed = {fields[SLUG]: fields[STAMP] for fields in searcher.all_stored_fields()}
        wanted = {card.slug: card for card in toolkit.cards}
        added = tuple(s for s in wanted if s not in indexed)
        changed = tuple(s for s in wanted if s in indexed and indexed[s] != wanted[s].stamp)
        removed = tuple(s for s in indexed if s not in wanted)
        if added or changed or removed:
            with ix.writer(timeout=5.0) as writer:
                for slug in removed:
                    writer.delete_by_term(SLUG, slug)
                for n, slug in enumerate(added + changed, 1):
                    writer.update_document(**card_to_document(wanted[slug], toolkit.vocabulary))
                    if progress is not None:
                        progress(n)
            _write_meta(generation, toolkit, len(wanted))
        ix.close()
        return Changes(added, changed, removed, rebuilt=False, total=len(wanted))


def is_stale(toolkit_dir: Path, index_dir: Path) -> bool:
    """Whether any file of the toolkit is newer than the current generation (or there is none)."""
    generation = current_generation(index_dir)
    if generation is None:
        return True
    built = (generation / META_FILE).stat().st_mtime if (generation / META_FILE).exists() else 0
    try:
        newest = max((p.stat().st_mtime for p in toolkit_dir.iterdir()), default=0)
        newest = max(newest, toolkit_dir.stat().st_mtime)
    except OSError:
        return True
    return newest > built


class SearcherPool:
    """One Whoosh searcher per thread, reopened when the index changed (new generation or commit).

    Opening a searcher costs milliseconds at 10k cards, so it is kept; a cheap check of CURRENT
    and the index's latest generation per request notices updates within seconds.
    """

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._local = threading.local()
        self._lock = threading.Lock()
        self._index: windex.Index | None = None
        self._generation: Path | None = None
        self.version = 0

    def _current_index(self) -> windex.Index:
        generation = current_generation(self.index_dir)
        with self._lock:
            if self._index is None or generation != self._generation:
                self._index = open_index(self.index_dir)
                self._generation = generation
                self.version += 1
            return self._index

    def searcher(self) -> Searcher:
        """An up-to-date searcher for this thread (do not close it; the pool owns it)."""
        ix = self._current_index()
        cached = getattr(self._local, "entry", None)
        latest = ix.latest_generation()
        if cached is not None:
            searcher, index_obj, gen = cached
            if index_obj is ix and gen == latest:
                return searcher
            searcher.close()
        # whoosh-reloaded's refresh() can return replaced documents twice: always open anew
        searcher = ix.searcher()
        self._local.entry = (searcher, ix, latest)
        return searcher

    def close(self) -> None:
        cached = getattr(self._local, "entry", None)
        if cached is not None:
            cached[0].close()
            self._local.entry = None
