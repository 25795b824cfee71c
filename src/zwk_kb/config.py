"""Settings of zwk-kb: one table of (name, default, help), read from ``ZWK_KB_*`` variables."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zwk_kb.errors import ZwkKbError

ENV_PREFIX = "ZWK_KB_"
SERVERS = ("auto", "waitress", "gunicorn")
"""Production servers ``zwk-kb serve`` can run: waitress everywhere, gunicorn not on Windows;
``auto`` picks the one that uses the machine (see ``choose_server``)."""
MAX_AUTO_WORKERS = 8
"""Upper bound for the automatic number of server processes: each opens the whole index
and holds it in its own memory, so a 64-core server should not start 64 of them unasked."""
FORGES = ("github", "gitea", "forgejo", "gitlab")
"""Repository servers whose new-file and edit pages the contribution form links to."""


def _default_toolkit() -> Path:
    """The bundled toolkit: ``./toolkit`` when run from a checkout, else the current folder's."""
    return Path("toolkit")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable. Each field's ``help`` metadata documents it (README, ``--help``)."""

    toolkit: Path = field(
        default_factory=_default_toolkit,
        metadata={"help": "Ordner mit den Werkzeug-Karten und _vocabulary.yml"},
    )
    index: Path = field(
        default_factory=lambda: Path(".zwk-index"),
        metadata={"help": "Ordner für den Suchindex (wird angelegt)"},
    )
    host: str = field(default="127.0.0.1", metadata={"help": "Adresse, an der der Server lauscht"})
    port: int = field(default=8000, metadata={"help": "Port des Servers"})
    server: str = field(
        default="auto",
        metadata={
            "help": "Produktions-Server: auto (gunicorn mit einem Prozess je Prozessorkern unter "
            "Linux und macOS, sonst waitress), waitress (ein Prozess, auch unter Windows) oder "
            "gunicorn"
        },
    )
    threads: int = field(default=4, metadata={"help": "Threads je Prozess des Produktions-Servers"})
    workers: int = field(
        default=0,
        metadata={
            "help": "Prozesse des Servers (nur gunicorn; je Prozess die Threads); 0 = einer je "
            f"Prozessorkern, höchstens {MAX_AUTO_WORKERS}"
        },
    )
    search_time_limit: float = field(
        default=3.0,
        metadata={
            "help": "Höchstdauer einer Suche in Sekunden; danach bittet die Seite um genauere "
            "Suchwörter"
        },
    )
    per_page: int = field(default=10, metadata={"help": "Treffer pro Seite (Standard)"})
    max_per_page: int = field(default=50, metadata={"help": "Höchstens so viele Treffer pro Seite"})
    base_url: str = field(
        default="",
        metadata={"help": "Öffentliche Adresse der Seite, z. B. https://werkzeuge.example.de"},
    )
    repository_url: str = field(
        default="",
        metadata={
            "help": "Adresse des Repositorys, z. B. https://github.com/verein/werkzeuge (für "
            "Vorschläge und Änderungen über /mitmachen)"
        },
    )
    repository_branch: str = field(
        default="main",
        metadata={"help": "Zweig des Repositorys, auf dem neue Karten vorgeschlagen werden"},
    )
    forge: str = field(
        default="",
        metadata={
            "help": "Art des Repository-Servers: github, gitea, forgejo oder gitlab (leer: aus "
            "der Adresse erraten; gitlab kann neue Dateien nicht vorausfüllen)"
        },
    )
    site_name: str = field(default="ZWK-Werkzeugkoffer", metadata={"help": "Name der Seite"})
    operator: str = field(
        default="", metadata={"help": "Betreiber der Seite (für Impressum und Datenschutz)"}
    )
    operator_address: str = field(
        default="", metadata={"help": "Anschrift und Kontakt des Betreibers (Impressum)"}
    )
    contact_email: str = field(
        default="", metadata={"help": "E-Mail für Impressum, Datenschutz und Barrierefreiheit"}
    )
    accessibility_reviewed: str = field(
        default="", metadata={"help": "Datum der letzten Prüfung der Barrierefreiheit"}
    )
    dev: bool = field(
        default=False, metadata={"help": "Entwicklungsmodus: Karten bei jeder Anfrage neu prüfen"}
    )

    def __post_init__(self) -> None:
        """Refuse values that would only fail later, when the server starts."""
        if self.server not in SERVERS:
            raise ZwkKbError(
                f"Unbekannter Server {self.server!r} ({ENV_PREFIX}SERVER oder --server): "
                f"möglich sind {' und '.join(SERVERS)}."
            )
        if not 0 < self.search_time_limit <= 600:
            raise ZwkKbError(
                f"Die Höchstdauer einer Suche ({ENV_PREFIX}SEARCH_TIME_LIMIT) muss zwischen 0 "
                f"und 600 Sekunden liegen, nicht {self.search_time_limit}."
            )
        if self.forge not in ("", *FORGES):
            raise ZwkKbError(
                f"Unbekannte Art des Repository-Servers {self.forge!r} ({ENV_PREFIX}FORGE): "
                f"möglich sind {', '.join(FORGES)}."
            )
        if self.workers < 0:
            raise ZwkKbError(
                f"Die Zahl der Server-Prozesse ({ENV_PREFIX}WORKERS oder --workers) muss "
                f"0 (automatisch) oder mehr sein, nicht {self.workers}."
            )

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, prefix: str = ENV_PREFIX
    ) -> Settings:
        """Read settings from ``{prefix}{NAME}`` variables; unknown variables are ignored."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(prefix + f.name.upper())
            if raw is not None and raw != "":
                values[f.name] = _convert(f.name, f.type, raw)
        return cls(**values)

    def replace(self, **overrides: Any) -> Settings:
        """A copy with the given values; ``None`` means 'not given' and keeps the current value."""
        given = {k: v for k, v in overrides.items() if v is not None}
        for key in ("toolkit", "index"):
            if key in given:
                given[key] = Path(given[key])
        return dataclasses.replace(self, **given)


@dataclass(frozen=True, slots=True)
class ServerPlan:
    """Which server ``zwk-kb serve`` starts, with how many processes, and why (printed at start)."""

    server: str
    """``waitress`` or ``gunicorn`` (never ``auto``)."""
    workers: int
    """Processes: always 1 for waitress."""
    reason: str
    """Why, in German, for the start-up line (``automatisch gewählt: …``)."""
    warning: str = ""
    """A setting that had no effect, in German (empty when none)."""


def choose_server(
    settings: Settings, *, platform: str, cores: int, gunicorn_problem: str | None
) -> ServerPlan:
    """The server for ``settings`` on this machine: an explicit choice is kept; ``auto`` takes
    gunicorn with a process per core where it runs (waitress's threads share one interpreter
    lock, so one process cannot use a second core) and waitress on Windows, on one core and for
    the ``--dev`` preview, which re-checks cards on each request and belongs in one process."""
    workers = settings.workers or max(1, min(cores, MAX_AUTO_WORKERS))
    if settings.server == "gunicorn":
        return ServerPlan("gunicorn", workers, "so eingestellt")
    ignored = ""
    if settings.workers > 1:
        ignored = (
            "Hinweis: waitress läuft in einem Prozess; mehrere Prozesse (--workers, "
            f"{ENV_PREFIX}WORKERS) gibt es nur mit gunicorn."
        )
    if settings.server == "waitress":
        return ServerPlan("waitress", 1, "so eingestellt", ignored)
    if platform == "win32":
        return ServerPlan("waitress", 1, "automatisch gewählt: unter Windows", ignored)
    if gunicorn_problem:
        return ServerPlan("waitress", 1, f"automatisch gewählt: {gunicorn_problem}", ignored)
    if settings.dev:
        return ServerPlan("waitress", 1, "automatisch gewählt: Vorschau (--dev)", ignored)
    if settings.workers:
        why = "1 Prozess eingestellt" if workers == 1 else f"{workers} Prozesse eingestellt"
    else:
        why = "ein Prozessorkern" if cores <= 1 else f"{cores} Prozessorkerne"
        if cores > MAX_AUTO_WORKERS:
            why += f", höchstens {MAX_AUTO_WORKERS} Prozesse"
    return ServerPlan(
        "waitress" if workers == 1 else "gunicorn", workers, f"automatisch gewählt: {why}"
    )


def _convert(name: str, type_name: Any, raw: str) -> Any:
    type_text = str(type_name)
    try:
        if "Path" in type_text:
            return Path(raw)
        if "int" in type_text:
            return int(raw)
        if "float" in type_text:
            return float(raw)
        if "bool" in type_text:
            return raw.strip().lower() in {"1", "true", "yes", "ja", "on"}
    except ValueError as exc:
        raise ZwkKbError(
            f"Die Einstellung {ENV_PREFIX}{name.upper()} hat den ungültigen Wert {raw!r}."
        ) from exc
    return raw


def settings_help() -> list[tuple[str, str, str]]:
    """(environment variable, default, help) for every setting, for docs and ``--help``."""
    rows = []
    defaults = Settings()
    for f in dataclasses.fields(Settings):
        rows.append(
            (ENV_PREFIX + f.name.upper(), str(getattr(defaults, f.name)), f.metadata["help"])
        )
    return rows
