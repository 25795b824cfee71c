"""The Flask app factory. Routes live in ``pages`` (HTML) and ``api`` (JSON)."""

from __future__ import annotations

import contextlib
import gc
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

# Importing Flask, Whoosh and numpy makes some 100,000 objects that live as long as the process;
# the garbage collector would scan them again and again while they are made, which slows the
# cold start. Collections wait until the first app is made (``_freeze_startup_objects``).
_GC_THRESHOLD = gc.get_threshold()
gc.set_threshold(max(_GC_THRESHOLD[0], 100_000), *_GC_THRESHOLD[1:])

from flask import Flask  # noqa: E402
from jinja2.bccache import Bucket, FileSystemBytecodeCache  # noqa: E402

from zwk_kb.config import Settings  # noqa: E402
from zwk_kb.errors import ZwkKbError  # noqa: E402
from zwk_kb.search.index import SearcherPool, current_generation, read_meta  # noqa: E402
from zwk_kb.search.service import SearchEngine  # noqa: E402

log = logging.getLogger(__name__)
PACKAGE_DIR = Path(__file__).resolve().parent.parent
DEV_CHECK_SECONDS = 1.0


def template_dir() -> Path:
    """Templates ship inside the wheel as ``zwk_kb/templates``; a checkout has them at the top."""
    installed = PACKAGE_DIR / "templates"
    return installed if installed.is_dir() else PACKAGE_DIR.parent.parent / "templates"


@dataclass
class AppState:
    """What the views need: settings, the search engine and (in dev mode) the toolkit's problems."""

    settings: Settings
    pool: SearcherPool
    engine: SearchEngine
    problems_by_path: dict[str, list[str]] = field(default_factory=dict)
    last_check: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    engine_version: int = -1

    def refresh(self) -> None:
        """Dev mode: re-index changed cards (at most once a second); new synonyms if needed."""
        if self.settings.dev:
            # card parsing (YAML, Markdown) only in dev mode: a server that only reads the
            # index starts without it
            from zwk_kb.search.index import is_stale, known_files, update
            from zwk_kb.toolkit import load_toolkit

            now = time.monotonic()
            if now - self.last_check >= DEV_CHECK_SECONDS and self.lock.acquire(blocking=False):
                try:
                    first = self.last_check == 0.0
                    self.last_check = now
                    if first or is_stale(self.settings.toolkit, self.settings.index):
                        # only files whose metadata changed are read and parsed
                        known = known_files(self.settings.index)
                        toolkit = load_toolkit(self.settings.toolkit, known=known)
                        update(toolkit, self.settings.index)
                        self.problems_by_path = {}
                        for p in toolkit.errors:
                            self.problems_by_path.setdefault(Path(p.path).stem, []).append(
                                p.format()
                            )
                except ZwkKbError as exc:
                    log.warning("Vorschau: %s", exc)
                finally:
                    self.lock.release()
        self.pool.searcher()
        if self.pool.version != self.engine_version:
            self.engine_version = self.pool.version
            generation = current_generation(self.settings.index)
            meta = read_meta(generation) if generation else {}
            self.engine = SearchEngine(
                self.pool,
                meta.get("synonyms", []),  # type: ignore[arg-type]
                time_limit=self.settings.search_time_limit,
            )


class _TemplateCodeCache(FileSystemBytecodeCache):
    """Compiled templates in a private folder of the system's temp folder (Jinja checks owner
    and permissions): a freshly started server then does not compile its four page templates
    again before its first answer. Keyed by the template's source, so an edited template
    is compiled anew; a cache that cannot be written is simply not used."""

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


_startup_frozen = False


def _freeze_startup_objects() -> None:
    """Once per process, after the first app is made: everything imported so far (some 100,000
    objects) lives as long as the process, so the garbage collector need not scan it again on
    every full collection: a shorter cold start and shorter pauses for full collections
    during a search (the benchmark row "Kaltstart bis zur ersten Antwort" shows it). Only
    once: a later app (tests make many) would also freeze the uncollected garbage of earlier
    ones."""
    global _startup_frozen
    if not _startup_frozen:
        _startup_frozen = True
        gc.freeze()
        gc.set_threshold(*_GC_THRESHOLD)


def create_app(settings: Settings | None = None) -> Flask:
    """A configured app. The index must exist (``zwk-kb index`` or ``zwk-kb serve`` builds it)."""
    settings = settings or Settings.from_env()
    app = Flask(
        "zwk_kb",
        template_folder=str(template_dir()),
        static_folder=str(PACKAGE_DIR / "static"),
        static_url_path="/static",
    )
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keys in the documented order
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.url_map.strict_slashes = False
    with contextlib.suppress(RuntimeError, OSError):  # no private temp folder: compile anew
        app.jinja_env.bytecode_cache = _TemplateCodeCache()
    pool = SearcherPool(settings.index)
    state = AppState(settings, pool, SearchEngine(pool, time_limit=settings.search_time_limit))
    app.extensions["zwk_kb"] = state

    from zwk_kb.web import api, contribute, errors, explore, pages, security, share, talks

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(share.bp)  # QR codes, collections, feeds, export
    app.register_blueprint(explore.bp)  # challenges, overview, legal pages
    app.register_blueprint(talks.bp)  # selection, slides, PowerPoint and handout files
    app.register_blueprint(contribute.bp)
    errors.register(app)
    security.register(app)
    _freeze_startup_objects()
    return app
