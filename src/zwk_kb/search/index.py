"""Index lifecycle: full builds into a fresh folder with an atomic switch, incremental updates.

Layout of the index folder::

    CURRENT            name of the generation readers use (replaced atomically with os.replace)
    gen-<time>-<pid>/  one complete Whoosh index each; besides the newest only the previous one
                       is kept (readers may still have it open), half-built ones are removed
    write.lock         held (flock / msvcrt lock) by the one process that writes
    write.owner        who holds the lock: pid, command, since when (for the "busy" message);
                       removed when the lock is released

Inside each generation: the Whoosh files, ``meta.json`` (fingerprint of vocabulary and analysis
code, card count, format), ``stamps.json`` (slug -> content hash, and per card file its size,
time stamp, inode, content hash and what reading it found: the next run reads only files whose
metadata changed),
``collections.json`` and ``spelling.json``.

Guarantees (each has a test in ``tests/test_lifecycle.py``):

- Readers only ever see a generation that was complete and verified (document count equals the
  number of valid cards) when CURRENT named it. A full rebuild never touches the live generation.
- An incremental update commits into the live generation; Whoosh writes the new table of
  contents under a temporary name and renames it, so readers see the old or the new state.
- One writer at a time; a second one waits up to ``lock_timeout`` seconds, then ``IndexBusy``
  names the holding process.
- ``kill -9``, a full disk (``ENOSPC``/``EFBIG``) or a read-only folder leave the previous index
  serving; the next run removes what a crashed run left behind (half-built generations,
  segments no table of contents names, temporary files), without manual steps: afterwards the
  folder holds the same kinds of files as after a clean build.
- An index run that finds no valid card never replaces an index that has cards.
- ``SearcherPool`` opens a new searcher after every commit or switch (never ``refresh()``:
  whoosh-reloaded 2.7.5 then returns a replaced document twice).
"""

from __future__ import annotations

import contextlib
import errno
import gc
import hashlib
import json
import logging
import multiprocessing
import os
import re
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from whoosh import index as windex
from whoosh.fields import Schema
from whoosh.searching import Searcher

from zwk_kb.engine.sidefile import segment_writer
from zwk_kb.errors import IndexBusy, IndexMissing, ZwkKbError
from zwk_kb.facets import FACETS
from zwk_kb.search.schema import (
    SCHEMA_VERSION,
    SLUG,
    SPELL,
    STAMP,
    TEXT_FIELDS,
    build_schema,
    card_to_document,
    spelling_analyzer,
)
from zwk_kb.search.spelling import SPELLING_FILE, SpellingDictionary, card_words

if TYPE_CHECKING:  # annotations only: a reader (the web app) never imports the card model
    from zwk_kb.model import Card, FileTable, Toolkit, Vocabulary

log = logging.getLogger(__name__)

CURRENT_FILE = "CURRENT"
META_FILE = "meta.json"
STAMPS_FILE = "stamps.json"
COLLECTIONS_FILE = "collections.json"  # the toolkit's _collections/*.yml, parsed
LOCK_FILE = "write.lock"
OWNER_FILE = "write.owner"
GENERATION_PREFIX = "gen-"
WORKER_PREFIX = "worker-"
"""Subfolder of a generation in which a parallel build's worker writes its segment."""
FORMAT_VERSION = 2
STAMPS_FORMAT = 2
KEEP_GENERATIONS = 2
"""The current generation and the one before it (servers may still read it for a moment)."""
PARALLEL_MIN_CARDS = 800
"""From this many cards a full build writes segments in parallel processes (one per core, ≤ 2)."""
MAX_PROCS = 2
WASTE_FRACTION = 0.25
"""An update rewrites a segment once this share of its documents is deleted (replaced or
removed cards): the index then stays within about 1.3 times a clean build."""
WRITER_LIMIT_MB = 384
"""Megabytes of postings a writer process keeps in memory before it spills them to disk: about
6,500 generated cards, so each of the two processes of a 10,000-card build sorts in memory:
spilling to disk and reading the runs back is several times slower than sorting in memory."""
WRITER_OPTIONS: dict[str, Any] = {"limitmb": WRITER_LIMIT_MB, "compound": False}
"""Segments as separate files, not Whoosh's default compound file: a searcher then maps only
the pages it reads (a compound segment file is read into each searcher's private memory)."""
SIDE_FILE_FIELDS = frozenset([*TEXT_FIELDS, *(facet.name for facet in FACETS)])
"""Each segment also gets the postings of its text and facet fields in a side file
(``engine/sidefile``), for fast first searches and facet sets."""
# Source files whose change changes what is in the index: the index is rebuilt when they change
# (the analyzer is pickled into the index, so an old index with new code may not even load).
# Every module these import at module level (from the package) is listed too.
FINGERPRINT_MODULES = (
    "analysis/folding",
    "analysis/lexicon",
    "analysis/compounds",
    "analysis/terms",
    "analysis/synonyms",
    "analysis/pipeline",
    "search/schema",
    "engine/sidefile",
    "degradations",
    "markdown",
    "facets",
    "cards",
    "characters",
    "fields",
    "yamlnodes",
    "model",
)

Progress = Callable[[int], None]


class IndexWriteError(ZwkKbError):
    """The index could not be written (disk full, file too large, read-only); the old one stays."""


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


# ---- fingerprints and meta data -------------------------------------------------------------


def vocabulary_hash(vocabulary: Vocabulary) -> str:
    """Changes of the vocabulary change derived facets and the analyzer: they force a rebuild."""
    payload = json.dumps(
        {
            "format": FORMAT_VERSION,
            "schema": SCHEMA_VERSION,
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


@cache
def code_fingerprint() -> str:
    """Hash of the modules that decide the index's content, of the Whoosh version and of the
    Python version (the index keeps pickled and marshalled data: another Python rebuilds it)."""
    import marshal

    import whoosh

    digest = hashlib.sha256(str(getattr(whoosh, "versionstring", lambda: "")()).encode())
    digest.update(f"{sys.version_info[0]}.{sys.version_info[1]} {marshal.version}".encode())
    package = Path(__file__).resolve().parent.parent
    for name in FINGERPRINT_MODULES:
        digest.update(_read_source(package, name))
    return digest.hexdigest()[:24]


def _read_source(package: Path, name: str) -> bytes:
    """The source of module ``name`` (``"analysis/pipeline"``) of the package: a fingerprint that
    silently left out a missing module would let an index of other code look current."""
    path = package / f"{name}.py"
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ZwkKbError(
            f"Die Installation ist unvollständig: {path} fehlt oder ist nicht lesbar ({exc}). "
            "Bitte zwk-kb neu installieren."
        ) from exc


def index_fingerprint(vocabulary: Vocabulary) -> str:
    """Equal fingerprints: an incremental update is enough; otherwise the index is rebuilt."""
    return f"{vocabulary_hash(vocabulary)}-{code_fingerprint()}"


def current_generation(index_dir: Path) -> Path | None:
    """The folder of the generation readers should use, or ``None`` when there is none."""
    try:
        name = (index_dir / CURRENT_FILE).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    path = index_dir / name
    if not name.startswith(GENERATION_PREFIX) or "/" in name or "\\" in name or not path.is_dir():
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
            f"Im Ordner {index_dir} gibt es noch keinen Suchindex. "
            "Bitte zuerst „zwk-kb index“ ausführen."
        )
    try:
        return windex.open_dir(str(generation))
    except Exception as exc:  # a broken index is "missing", never a crash
        raise IndexMissing(
            f"Der Suchindex in {generation} kann nicht geöffnet werden ({exc}). "
            "Bitte „zwk-kb index --full“ ausführen."
        ) from exc


OTHER_VERSION = "Der Suchindex stammt von einer anderen Version von zwk-kb und wird neu aufgebaut."
UNREADABLE = "Der Suchindex lässt sich nicht mehr öffnen und wird neu aufgebaut."


def rebuild_reason(index_dir: Path) -> str | None:
    """Why the current index must be built anew before it is served or searched (one German
    line for the user), or None: it was written by other index code (an older version of the
    program), or it does not open, e.g. because its pickled schema names a class that moved.
    None also when there is no index yet (the index run simply builds the first one)."""
    generation = current_generation(index_dir)
    if generation is None:
        return None
    fingerprint = str(read_meta(generation).get("fingerprint", ""))
    if not fingerprint.endswith(f"-{code_fingerprint()}"):
        return OTHER_VERSION
    try:
        windex.open_dir(str(generation)).close()
    except Exception:  # unpickling an older version's schema can raise nearly anything
        return UNREADABLE
    return None


# ---- one writer at a time -------------------------------------------------------------------


def _try_lock(handle: Any) -> bool:
    """Take the lock without waiting; False when another process (or handle) holds it."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
            return True
        except OSError:
            return False
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            return False
        raise


def _holder(index_dir: Path) -> str:
    """'Prozess 4711 (zwk-kb index, seit 14:03:12)' from the owner file, as far as known."""
    try:
        owner = json.loads((index_dir / OWNER_FILE).read_text(encoding="utf-8"))
        pid = int(owner.get("pid", 0))
        command = str(owner.get("command", ""))[:80]
        since = str(owner.get("since", ""))
    except (OSError, ValueError, TypeError, AttributeError):
        return "Prozess unbekannt"
    details = ", ".join(part for part in (command, f"seit {since}" if since else "") if part)
    return f"Prozess {pid}" + (f" ({details})" if details else "")


@contextlib.contextmanager
def write_lock(index_dir: Path, timeout: float = 30.0) -> Iterator[None]:
    """One writer at a time: wait up to ``timeout`` seconds, then name the process holding it.

    The lock is an OS file lock (``flock`` / ``msvcrt.locking``): the system releases it when
    its process ends, also after ``kill -9``, so a crashed run never blocks the next one.
    """
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        handle = open(index_dir / LOCK_FILE, "a+", encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise IndexWriteError(_describe_os_error(exc, index_dir)) from exc
    try:
        deadline = time.monotonic() + timeout
        while not _try_lock(handle):
            if time.monotonic() >= deadline:
                raise IndexBusy(
                    f"Der Suchindex in {index_dir} wird gerade von einem anderen Vorgang "
                    f"geschrieben ({_holder(index_dir)}). Es wurde {timeout:g} Sekunden gewartet; "
                    "bitte später erneut versuchen. Der bisherige Index bleibt in Betrieb."
                )
            time.sleep(min(0.1, max(timeout, 0.01)))
        owner = {
            "pid": os.getpid(),
            "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:2]]) if sys.argv else "",
            "since": time.strftime("%H:%M:%S"),
        }
        with contextlib.suppress(OSError):
            (index_dir / OWNER_FILE).write_text(json.dumps(owner), encoding="utf-8")
        try:
            yield
        finally:
            # removed while the lock is still held: a waiting writer writes its own after this
            with contextlib.suppress(OSError):
                (index_dir / OWNER_FILE).unlink()
    finally:
        handle.close()


# ---- full builds ----------------------------------------------------------------------------


def build(
    toolkit: Toolkit,
    index_dir: Path,
    *,
    progress: Progress | None = None,
    lock_timeout: float = 30.0,
    procs: int | None = None,
    allow_empty: bool = False,
) -> Changes:
    """Full rebuild into a new generation, verified, then switched to atomically.

    ``procs`` (default: up to 2 for large toolkits) writes index segments in parallel processes.
    With no valid card, an existing index with cards is kept unless ``allow_empty``.
    """
    with write_lock(index_dir, lock_timeout):
        return _build_locked(toolkit, index_dir, progress, procs, allow_empty)


def _build_locked(
    toolkit: Toolkit,
    index_dir: Path,
    progress: Progress | None,
    procs: int | None = None,
    allow_empty: bool = False,
) -> Changes:
    toolkit = _complete(toolkit)
    previous = current_generation(index_dir)
    if not toolkit.cards and not allow_empty and previous is not None:
        old_count = read_meta(previous).get("cards", 0)
        if isinstance(old_count, int) and old_count > 0:
            raise ZwkKbError(
                "Im Karten-Ordner wurde keine gültige Karte gefunden. Der bisherige Suchindex mit "
                f"{old_count} Karten bleibt in Betrieb. Bitte den Ordner und die Meldungen prüfen."
            )
    remove_stale_generations(index_dir)
    name = (
        f"{GENERATION_PREFIX}{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-"
        f"{time.monotonic_ns() % 10**6:06d}"
    )
    generation = index_dir / name
    try:
        generation.mkdir(parents=True)
        schema = build_schema(toolkit.vocabulary)
        dictionary = _write_documents(generation, schema, toolkit, progress, procs)
        count = _verify(generation, toolkit.cards)
        _write_spelling(generation, dictionary)
        _write_stamps(generation, toolkit)
        _write_meta(generation, toolkit, count, previous=previous.name if previous else "")
        _switch(index_dir, name)
    except BaseException as exc:
        if current_generation(index_dir) != generation:
            shutil.rmtree(generation, ignore_errors=True)
        if isinstance(exc, OSError):
            raise IndexWriteError(_describe_os_error(exc, index_dir)) from exc
        raise
    _remove_old_generations(index_dir, keep=name)
    slugs = tuple(card.slug for card in toolkit.cards)
    return Changes(added=slugs, rebuilt=True, total=len(slugs))


def _write_documents(
    generation: Path,
    schema: Schema,
    toolkit: Toolkit,
    progress: Progress | None,
    procs: int | None,
) -> SpellingDictionary:
    """Write every card into the new generation; returns the spelling dictionary of all."""
    cards = toolkit.cards
    if procs is None:
        procs = min(MAX_PROCS, os.cpu_count() or 1) if len(cards) >= PARALLEL_MIN_CARDS else 1
    procs = max(1, min(procs, len(cards) or 1))
    # fork is needed to hand the parsed cards to the workers for free; forking a process that
    # runs other threads (a server re-indexing in dev mode) risks deadlocks: stay serial there
    can_fork = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
    if procs > 1 and can_fork:
        return _write_parallel(generation, schema, toolkit, progress, procs)
    ix = windex.create_in(str(generation), schema)
    dictionary = SpellingDictionary()
    speller = spelling_analyzer(toolkit.vocabulary)
    with segment_writer(ix, SIDE_FILE_FIELDS, **WRITER_OPTIONS) as writer:
        for n, card in enumerate(cards, 1):
            writer.add_document(**_document(card, toolkit.vocabulary, speller, dictionary))
            if progress is not None:
                progress(n)
    ix.close()
    return dictionary


def _document(
    card: Card, vocabulary: Vocabulary, speller: Any, dictionary: SpellingDictionary
) -> dict[str, Any]:
    """The index document of a card, its words counted into the spelling dictionary (the
    document stores the card's counts in place of its spelling text)."""
    doc = card_to_document(card, vocabulary)
    counts, display = card_words(doc[SPELL], speller)
    doc[SPELL] = counts
    dictionary.add(counts, display)
    return doc


# What the forked workers of a parallel build read (set before fork, never pickled).
_JOB: dict[str, Any] = {}


def _segment_worker(worker: int, procs: int, results: Any, counter: Any) -> None:
    """Child process: index every ``procs``-th card into its own segment; report it or the error.

    The segment is written as a one-segment index of its own in a subfolder (its own writer and
    lock), then its files are moved into the generation, where the parent names it."""
    parent = os.getppid()
    # the parent's objects (every card) stay alive until the worker exits: out of the garbage
    # collector's sight, its full collections no longer walk them again and again
    gc.freeze()
    try:
        toolkit: Toolkit = _JOB["toolkit"]
        generation = Path(_JOB["generation"])
        own = generation / f"{WORKER_PREFIX}{worker}"
        own.mkdir()
        ix = windex.create_in(str(own), windex.open_dir(str(generation)).schema)
        writer = segment_writer(ix, SIDE_FILE_FIELDS, **WRITER_OPTIONS)
        dictionary = SpellingDictionary()
        speller = spelling_analyzer(toolkit.vocabulary)
        for n, card in enumerate(toolkit.cards[worker::procs], 1):
            writer.add_document(**_document(card, toolkit.vocabulary, speller, dictionary))
            if n % 16 == 0:
                with counter.get_lock():
                    counter.value += 16
                if os.getppid() != parent:  # the build was killed: stop, leave no orphan
                    os._exit(3)
        writer.commit(merge=False)
        with ix.reader() as reader:
            segment = reader.segment()
        for name in os.listdir(own):
            if name.startswith(segment.segment_id() + "."):  # Whoosh's files and the side file
                os.replace(own / name, generation / name)
        ix.close()
        shutil.rmtree(own)
        results.put((worker, "ok", (segment, dictionary.to_json())))
        _flush_or_exit(results, parent)
    except BaseException as exc:  # reported to the parent, which raises it
        code = exc.errno if isinstance(exc, OSError) else None
        results.put((worker, "error", (type(exc).__name__, str(exc)[:500], code)))


def _flush_or_exit(results: Any, parent: int) -> None:
    """Wait until the queue has handed the result to the pipe, unless the build was killed:
    a result larger than the pipe's buffer would otherwise keep an orphaned worker waiting for
    a reader forever."""
    results.close()
    flusher = threading.Thread(target=results.join_thread, daemon=True)
    flusher.start()
    while flusher.is_alive():
        flusher.join(0.2)
        if os.getppid() != parent:
            os._exit(3)


def _write_parallel(
    generation: Path, schema: Schema, toolkit: Toolkit, progress: Progress | None, procs: int
) -> SpellingDictionary:
    """Each worker writes one segment; the parent then commits a table of contents naming all.

    This is Whoosh's ``MpWriter(multisegment=True)`` with one difference that matters: the
    workers also turn cards into documents (Markdown rendering, JSON), which MpWriter does
    serially in the parent.
    """
    import queue

    windex.create_in(str(generation), schema).close()
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    counter = ctx.Value("q", 0)
    _JOB.update(toolkit=toolkit, generation=str(generation))
    workers = [
        ctx.Process(target=_segment_worker, args=(i, procs, results, counter), daemon=True)
        for i in range(procs)
    ]
    segments: dict[int, Any] = {}
    failure: tuple[str, str, int | None] | None = None
    try:
        for worker in workers:
            worker.start()
        while len(segments) < procs and failure is None:
            try:
                index, status, payload = results.get(timeout=0.2)
            except queue.Empty:
                if progress is not None:
                    progress(min(counter.value, len(toolkit.cards)))
                if not any(w.is_alive() for w in workers) and results.empty():
                    failure = ("Abbruch", "ein Teilprozess wurde beendet", None)
                continue
            if status == "ok":
                segments[index] = payload
            else:
                failure = payload
        if failure is not None:
            kind, message, code = failure
            if code is not None:
                raise OSError(code, message)
            raise ZwkKbError(f"Der Aufbau des Suchindex ist fehlgeschlagen ({kind}: {message}).")
        if progress is not None:
            progress(len(toolkit.cards))
    finally:
        _JOB.clear()
        for worker in workers:
            if worker.is_alive() and (failure is not None or len(segments) < procs):
                worker.terminate()
            if worker.pid is not None:
                worker.join(timeout=30)
        results.close()
    written = [segments[i][0] for i in sorted(segments)]
    ix = windex.open_dir(str(generation))
    try:
        # the "merge policy" of this commit names the workers' segments: Whoosh's table of
        # contents then lists them, and the writer adds no segment of its own
        ix.writer().commit(mergetype=lambda _writer, existing: [*existing, *written])
    finally:
        ix.close()
    dictionary = SpellingDictionary()
    for i in sorted(segments):
        dictionary.merge(SpellingDictionary.from_json(segments[i][1]))
    return dictionary


def _verify(generation: Path, cards: Sequence[Card]) -> int:
    """The new index must hold exactly the valid cards; otherwise it is never switched to."""
    ix = windex.open_dir(str(generation))
    try:
        with ix.searcher() as searcher:
            count = searcher.doc_count()
            probes = [*cards[:1], *cards[-1:]]
            missing = [c.slug for c in probes if searcher.document_number(slug=c.slug) is None]
    finally:
        ix.close()
    if count != len(cards) or missing:
        raise ZwkKbError(
            f"Der neue Suchindex enthält {count} statt {len(cards)} Karten; "
            "der bisherige Index bleibt in Betrieb."
        )
    return count


def _stamps_data(toolkit: Toolkit) -> dict[str, Any]:
    """What ``stamps.json`` holds: slug -> content hash of each indexed card, and the loader's
    table of card files (metadata and outcome of each), so the next run reads only files whose
    metadata changed. An entry whose hash is not the indexed one is left out (its file is then
    read again): the table never claims a content the index does not have."""
    stamps = toolkit.stamps
    data: dict[str, Any] = {"format": STAMPS_FORMAT, "cards": stamps, "files": None}
    if toolkit.files is not None:
        from zwk_kb.toolkit import table_to_data  # card loading: index runs only

        files = tuple(
            entry
            for entry in toolkit.files.files
            if not (entry.slug in stamps and stamps[entry.slug] != entry.stamp)
        )
        data["files"] = table_to_data(replace(toolkit.files, files=files))
    return data


def _write_stamps(generation: Path, toolkit: Toolkit) -> None:
    _atomic_write(generation / STAMPS_FILE, json.dumps(_stamps_data(toolkit)))


def _read_stamps_data(generation: Path) -> dict[str, Any] | None:
    path = generation / STAMPS_FILE
    try:
        st = path.stat()
        cached = _STAMPS_CACHE.get(str(path))
        signature = (st.st_size, st.st_mtime_ns, st.st_ino)
        if cached is not None and cached[0] == signature:
            return cached[1]
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    if data.get("format") != STAMPS_FORMAT or not isinstance(data.get("cards"), dict):
        data = {"format": STAMPS_FORMAT, "cards": data, "files": None}  # slug -> hash only
    _STAMPS_CACHE.clear()  # one generation at a time: a dev server checks it every second
    _STAMPS_CACHE[str(path)] = (signature, data)
    return data


_STAMPS_CACHE: dict[str, tuple[tuple[int, int, int], dict[str, Any]]] = {}


def _read_stamps(generation: Path) -> dict[str, str] | None:
    data = _read_stamps_data(generation)
    if data is None:
        return None
    return {str(k): str(v) for k, v in data["cards"].items()}


def known_files(index_dir: Path) -> FileTable | None:
    """The table of card files the current generation was written from (for an incremental
    :func:`~zwk_kb.toolkit.load_toolkit`); None when there is none or the index would be
    rebuilt anyway (written by other analysis code)."""
    generation = current_generation(index_dir)
    if generation is None:
        return None
    fingerprint = str(read_meta(generation).get("fingerprint", ""))
    if not fingerprint.endswith(f"-{code_fingerprint()}"):
        return None
    data = _read_stamps_data(generation)
    if data is None or not isinstance(data.get("files"), dict):
        return None
    if _TABLE_CACHE and _TABLE_CACHE[0] is data:  # the same file as at the last call
        return _TABLE_CACHE[1]
    from zwk_kb.toolkit import table_from_data  # card loading: index runs only

    table = table_from_data(data["files"])
    _TABLE_CACHE[:] = [data, table]
    return table


_TABLE_CACHE: list[Any] = []


def _complete(toolkit: Toolkit) -> Toolkit:
    """The toolkit with every card parsed (a rebuild needs them all): an incremental load is
    read again in full."""
    if toolkit.complete or not toolkit.directory:
        return toolkit
    from zwk_kb.toolkit import load_toolkit  # card loading: index runs only

    log.info("Alle Karten werden gelesen (der Index wird neu aufgebaut).")
    return load_toolkit(toolkit.directory)


def _write_spelling(generation: Path, dictionary: SpellingDictionary, commit: int = -1) -> None:
    """The dictionary file, marked with the index commit it counts (-1: the first)."""
    if commit < 0:
        ix = windex.open_dir(str(generation))
        try:
            commit = ix.latest_generation()
        finally:
            ix.close()
    _atomic_write(generation / SPELLING_FILE, dictionary.to_json(commit=commit))


def _read_spelling(generation: Path, searcher: Searcher, commit: int) -> SpellingDictionary:
    """The dictionary of the generation's current commit; counted anew from the cards' word
    counts in the SPELL column when the file is missing or from another commit (a run killed
    between the index commit and the file)."""
    try:
        text = (generation / SPELLING_FILE).read_text(encoding="utf-8")
    except OSError:
        text = ""
    dictionary = SpellingDictionary.from_json(text)
    if dictionary.commit == commit:
        return dictionary
    log.warning("Das Wörterbuch für „Meinten Sie“ wird aus dem Suchindex neu gezählt.")
    dictionary = SpellingDictionary()
    for docnum in searcher.reader().all_doc_ids():
        dictionary.add(_card_word_counts(searcher, docnum))
    return dictionary


def _card_word_counts(searcher: Searcher, docnum: int | None) -> dict[str, int]:
    """The spelling word counts an indexed card was counted with ({} if unknown)."""
    if docnum is None:
        return {}
    try:
        counts = searcher.reader().column_reader(SPELL)[docnum]
    except Exception:  # no column (foreign index) or an unreadable value
        return {}
    return counts if isinstance(counts, dict) else {}


def _write_meta(generation: Path, toolkit: Toolkit, count: int, previous: str = "") -> None:
    meta = {
        "fingerprint": index_fingerprint(toolkit.vocabulary),
        "vocabulary": vocabulary_hash(toolkit.vocabulary),
        "cards": count,
        "format": FORMAT_VERSION,
        "synonyms": [list(group) for group in toolkit.vocabulary.synonyms],
        "previous": previous or read_meta(generation).get("previous", ""),
    }
    if toolkit.directory:  # collections travel with the index: the web app reads only the index
        from zwk_kb.card_collections import collections_json  # YAML parsing: index runs only

        text = collections_json(toolkit.directory, toolkit.stamps.keys())
        _atomic_write(generation / COLLECTIONS_FILE, text)
    _atomic_write(generation / META_FILE, json.dumps(meta))


def _atomic_write(path: Path, data: str | bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _fsync_dir(directory: Path) -> None:
    """Make a rename durable (POSIX); not possible and not needed on Windows."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _switch(index_dir: Path, name: str) -> None:
    _fsync_dir(index_dir / name)
    _atomic_write(index_dir / CURRENT_FILE, name)
    _fsync_dir(index_dir)


def _generations(index_dir: Path) -> list[Path]:
    try:
        return [
            p for p in index_dir.iterdir() if p.is_dir() and p.name.startswith(GENERATION_PREFIX)
        ]
    except OSError:
        return []


def remove_stale_generations(index_dir: Path) -> list[str]:
    """Remove what crashed runs left: half-built generations and temporary files.

    Call only while holding the write lock (no build is running then). Keeps the current
    generation and the one it replaced.
    """
    current = current_generation(index_dir)
    keep = {current.name} if current else set()
    if current is not None:
        previous = read_meta(current).get("previous")
        if isinstance(previous, str) and previous:
            keep.add(previous)
    removed = []
    for generation in _generations(index_dir):
        if generation.name in keep:
            removed += [f"{generation.name}/{name}" for name in _remove_debris(generation)]
            continue
        if current is None and (generation / META_FILE).exists():
            continue  # CURRENT itself is lost: keep complete generations, never guess
        shutil.rmtree(generation, ignore_errors=True)
        removed.append(generation.name)
    with contextlib.suppress(OSError):
        for tmp in index_dir.glob(f".{CURRENT_FILE}.*.tmp"):
            tmp.unlink()
    if removed:
        log.info("Reste abgebrochener Index-Läufe entfernt: %s", ", ".join(removed))
    return removed


_TOC_NAME = re.compile(r"_MAIN_([0-9]+)\.toc(\..+)?$")
_SEGMENT_FILE = re.compile(r"(MAIN_[0-9a-z]+)\.")


def _remove_debris(generation: Path) -> list[str]:
    """Remove what killed runs left in a complete generation: Whoosh's files of segments its
    table of contents does not name (written before the kill) and older or half-written tables
    of contents, the writer's temporary folder, and our half-written files (``.<name>.*.tmp``).

    Call only while holding the write lock: a running writer's files look just like these.
    """
    try:
        ix = windex.open_dir(str(generation))
        try:
            latest = ix.latest_generation()
            with ix.reader() as reader:
                live = {
                    leaf.segment().segment_id()
                    for leaf, _ in reader.leaf_readers()
                    if hasattr(leaf, "segment")  # an index without segments: none
                }
        finally:
            ix.close()
        names = [p.name for p in generation.iterdir()]
    except Exception:  # an unreadable generation is never touched here
        return []
    debris = []
    for name in names:
        toc = _TOC_NAME.match(name)
        segment = _SEGMENT_FILE.match(name)
        if (
            (toc and (toc.group(2) or int(toc.group(1)) != latest))
            or (segment and segment.group(1) not in live)
            or (name.startswith(".") and name.endswith(".tmp"))
            or name == "MAIN.tmp"
        ):
            debris.append(name)
    for name in debris:
        path = generation / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                path.unlink()
    return debris


def _remove_old_generations(index_dir: Path, keep: str) -> None:
    """After a switch: keep the new generation and the one before it, remove the rest."""
    generations = sorted(_generations(index_dir), key=lambda p: p.stat().st_mtime)
    previous = read_meta(index_dir / keep).get("previous")
    for old in generations:
        if old.name not in (keep, previous):
            shutil.rmtree(old, ignore_errors=True)


def _describe_os_error(exc: OSError, index_dir: Path) -> str:
    reasons = {
        errno.ENOSPC: "der Datenträger ist voll",
        errno.EFBIG: "eine Datei überschreitet die erlaubte Dateigröße",
        errno.EROFS: "der Ordner ist schreibgeschützt",
        errno.EACCES: "keine Schreibrechte",
        errno.EPERM: "keine Schreibrechte",
        errno.EDQUOT: "das Speicherkontingent ist erschöpft",
    }
    reason = reasons.get(exc.errno or 0, exc.strerror or type(exc).__name__)
    return (
        f"Der Suchindex in {index_dir} konnte nicht geschrieben werden: {reason}. "
        "Der bisherige Index bleibt in Betrieb; der nächste Lauf räumt Reste selbst auf."
    )


# ---- incremental updates --------------------------------------------------------------------


def update(
    toolkit: Toolkit,
    index_dir: Path,
    *,
    progress: Progress | None = None,
    lock_timeout: float = 30.0,
    procs: int | None = None,
) -> Changes:
    """Bring the index up to date: only added, changed and removed cards are written.

    Falls back to a full build when there is no index yet, the vocabulary or the analysis code
    changed, or the current generation is unreadable. On an index folder that cannot be written
    (a read-only index built by CI) an index that is already up to date is not an error.
    """
    try:
        with write_lock(index_dir, lock_timeout):
            return _update_locked(toolkit, index_dir, progress, procs)
    except IndexWriteError:
        pending = pending_changes(toolkit, index_dir)
        if pending is not None and pending.count == 0:
            log.warning("Der Suchindex in %s ist aktuell, aber nicht beschreibbar.", index_dir)
            return pending
        raise


def pending_changes(toolkit: Toolkit, index_dir: Path) -> Changes | None:
    """What an update would do, read without the lock; None when it would rebuild everything."""
    generation = current_generation(index_dir)
    if generation is None:
        return None
    if read_meta(generation).get("fingerprint") != index_fingerprint(toolkit.vocabulary):
        return None
    indexed = _read_stamps(generation)
    if indexed is None:
        return None
    wanted = toolkit.stamps
    return Changes(
        added=tuple(s for s in wanted if s not in indexed),
        changed=tuple(s for s in wanted if s in indexed and indexed[s] != wanted[s]),
        removed=tuple(s for s in indexed if s not in wanted),
        total=len(wanted),
    )


def _update_locked(
    toolkit: Toolkit, index_dir: Path, progress: Progress | None, procs: int | None
) -> Changes:
    generation = current_generation(index_dir)
    meta = read_meta(generation) if generation else {}
    if generation is None or meta.get("fingerprint") != index_fingerprint(toolkit.vocabulary):
        return _build_locked(toolkit, index_dir, progress, procs)
    remove_stale_generations(index_dir)
    try:
        ix = windex.open_dir(str(generation))
        indexed = _read_stamps(generation)
        if indexed is None:
            with ix.searcher() as searcher:
                indexed = {f[SLUG]: f[STAMP] for f in searcher.all_stored_fields()}
    except Exception:  # any broken index is rebuilt, never trusted
        log.warning("Der Suchindex %s ist nicht lesbar und wird neu aufgebaut.", generation)
        return _build_locked(toolkit, index_dir, progress, procs)
    try:
        return _apply_changes(toolkit, index_dir, generation, ix, indexed, progress, procs)
    finally:
        ix.close()


def _apply_changes(
    toolkit: Toolkit,
    index_dir: Path,
    generation: Path,
    ix: windex.Index,
    indexed: dict[str, str],
    progress: Progress | None,
    procs: int | None,
) -> Changes:
    wanted = toolkit.stamps
    added = tuple(s for s in wanted if s not in indexed)
    changed = tuple(s for s in wanted if s in indexed and indexed[s] != wanted[s])
    cards = {card.slug: card for card in toolkit.cards}
    if any(slug not in cards for slug in added + changed):
        # an unchanged file whose card is not indexed as it is (e.g. an alias conflict
        # elsewhere was resolved): read everything
        toolkit = _complete(toolkit)
        wanted = toolkit.stamps
        added = tuple(s for s in wanted if s not in indexed)
        changed = tuple(s for s in wanted if s in indexed and indexed[s] != wanted[s])
        cards = {card.slug: card for card in toolkit.cards}
    removed = tuple(s for s in indexed if s not in wanted)
    if not wanted and indexed:
        raise ZwkKbError(
            "Im Karten-Ordner wurde keine gültige Karte gefunden. Der bisherige Suchindex mit "
            f"{len(indexed)} Karten bleibt in Betrieb. Bitte den Ordner und die Meldungen prüfen."
        )
    try:
        if added or changed or removed:
            with ix.searcher() as searcher:
                dictionary = _read_spelling(generation, searcher, ix.latest_generation())
                # added too: after a run killed before its stamps.json, "added" cards may be
                # in the index already (update_document replaces them)
                for slug in removed + changed + added:
                    docnum = searcher.document_number(**{SLUG: slug})
                    dictionary.remove(_card_word_counts(searcher, docnum))
            speller = spelling_analyzer(toolkit.vocabulary)
            with segment_writer(ix, SIDE_FILE_FIELDS, timeout=5.0, **WRITER_OPTIONS) as writer:
                writer.mergetype = _merge_policy
                for slug in removed:
                    writer.delete_by_term(SLUG, slug)
                for n, slug in enumerate(added + changed, 1):
                    # update_document, not add_document: a stale stamps.json (crash between
                    # commit and its rewrite) then costs a re-index, never a duplicate
                    doc = _document(cards[slug], toolkit.vocabulary, speller, dictionary)
                    writer.update_document(**doc)
                    if progress is not None:
                        progress(n)
            _write_spelling(generation, dictionary, ix.latest_generation())
            with ix.searcher() as searcher:
                count = searcher.doc_count()
            if count != len(wanted):
                log.warning(
                    "Der Suchindex enthält %s statt %s Karten und wird neu aufgebaut.",
                    count,
                    len(wanted),
                )
                return _build_locked(toolkit, index_dir, progress, procs)
            _write_stamps(generation, toolkit)
            _write_meta(generation, toolkit, len(wanted))
        else:
            # collections may have changed, and touched files get their new metadata; on a
            # read-only index (built by CI, served as is) that is not possible and not needed
            try:
                if _read_stamps_data(generation) != _stamps_data(toolkit):
                    _write_stamps(generation, toolkit)
                _write_meta(generation, toolkit, len(wanted))
            except OSError as exc:
                log.warning("Suchindex ist aktuell, aber nicht beschreibbar (%s).", exc.strerror)
    except OSError as exc:
        raise IndexWriteError(_describe_os_error(exc, index_dir)) from exc
    return Changes(added, changed, removed, rebuilt=False, total=len(wanted))


def _merge_policy(writer: Any, segments: list[Any]) -> list[Any]:
    """Whoosh's ``MERGE_SMALL``, and first every segment whose deleted documents are
    ``WASTE_FRACTION`` of it or more is written anew without them (one whose documents are all
    deleted is simply dropped). Whoosh only marks replaced and removed cards as deleted; without
    this, a burst of changes left the old segments at full size (1,000 changed + 100 removed +
    100 added cards at 1,000: 2-3 times a clean build). With it no segment wastes more than a
    quarter of its size. Whoosh removes the files of merged segments (side files included)."""
    from whoosh.writing import MERGE_SMALL

    kept = []
    wasteful = []
    for segment in segments:
        total, deleted = segment.doc_count_all(), segment.deleted_count()
        if not total or deleted < WASTE_FRACTION * total:
            kept.append(segment)
        elif deleted < total:
            wasteful.append(segment)
    if wasteful:
        with writer.reader() as readers:
            for reader, _ in readers.leaf_readers():
                if reader.segment() in wasteful:
                    writer.add_reader(reader)
    return MERGE_SMALL(writer, kept)


def is_stale(toolkit_dir: Path, index_dir: Path) -> bool:
    """Whether an index run would find anything to do: no index, other analysis code, or any
    card, vocabulary or collection file added, removed or with other metadata (size, time
    stamp, inode) than the current generation recorded. Only metadata is compared, no file is
    read: a touched but unchanged file makes the index stale once (the run then records it)."""
    known = known_files(index_dir)
    if known is None:
        return True
    from zwk_kb.toolkit import table_is_current  # card loading: index runs only

    return not table_is_current(toolkit_dir, known)


# ---- readers --------------------------------------------------------------------------------


class SearcherPool:
    """One Whoosh searcher per thread, reopened when the index changed (new generation or commit).

    Opening a searcher costs milliseconds at 10k cards, so it is kept; a cheap check of CURRENT
    and the index's latest generation per request notices updates within milliseconds.
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

    def key(self) -> tuple[str, int]:
        """Identity of this thread's index state: (generation folder, commit number).

        Searchers with equal keys see the same documents under the same numbers, so caches of
        document sets can be shared between threads by this key. It describes the searcher the
        last ``searcher()`` call of this thread returned (it never opens a newer one, which
        would close the searcher a request is still using).
        """
        entry = getattr(self._local, "entry", None)
        if entry is None:
            self.searcher()
            entry = self._local.entry
        _, ix, gen = entry
        return (str(ix.storage.folder), int(gen))

    def close(self) -> None:
        cached = getattr(self._local, "entry", None)
        if cached is not None:
            cached[0].close()
            self._local.entry = None
