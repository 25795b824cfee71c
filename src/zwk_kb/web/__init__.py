"""The Flask app factory. Routes live in ``pages`` (HTML) and ``api`` (JSON)."""

from __future__ import annotations

import gc
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask

from zwk_kb.config import Settings
from zwk_kb.errors import ZwkKbError
from zwk_kb.search.served import ServedIndex
from zwk_kb.search.service import SearchEngine

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
    served: ServedIndex
    problems_by_path: dict[str, list[str]] = field(default_factory=dict)
    last_check: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

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
        self.served.engine()

    @property
    def engine(self) -> SearchEngine:
        """The search engine as of the last ``refresh`` (each request makes one)."""
        return self.served.current


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
    served = ServedIndex(settings.index, time_limit=settings.search_time_limit)
    state = AppState(settings, served)
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
    return app


def create_server_app(settings: Settings) -> Flask:
    """The app of a server process (``zwk-kb serve``, each gunicorn worker): ``create_app``,
    then everything made so far frozen for the garbage collector. Imports and the app are some
    100,000 objects that live as long as the process; without the freeze every full collection
    of the first searches scans them again (the benchmark's cold start shows the difference).
    Called once per process by the server entry points; ``create_app`` itself changes no
    interpreter-wide state."""
    app = create_app(settings)
    gc.freeze()
    return app
