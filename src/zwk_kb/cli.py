"""Command line: ``zwk-kb index | search | serve | check``. Thin wrappers over the library."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any, TextIO

import click

from zwk_kb import __version__
from zwk_kb.config import SERVERS, Settings, choose_server
from zwk_kb.errors import ZwkKbError
from zwk_kb.facets import FACETS
from zwk_kb.model import Toolkit
from zwk_kb.outputs.present import api_search, search_page
from zwk_kb.search.index import build, is_stale, known_files, rebuild_reason, update
from zwk_kb.search.request import request_from_options
from zwk_kb.search.served import ServedIndex
from zwk_kb.toolkit import load_toolkit

PROGRESS_MIN_CARDS = 500
toolkit_option = click.option(
    "--toolkit",
    type=click.Path(path_type=Path),
    default=None,
    help="Ordner mit den Karten (Standard: ./toolkit oder ZWK_KB_TOOLKIT)",
)
index_option = click.option(
    "--index",
    "index_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Ordner des Suchindex (Standard: ./.zwk-index oder ZWK_KB_INDEX)",
)


def _settings(**overrides: Any) -> Settings:
    try:
        return Settings.from_env().replace(**overrides)
    except ZwkKbError as exc:
        raise click.UsageError(str(exc)) from exc


def _print_problems(toolkit: Toolkit) -> None:
    for problem in toolkit.errors:
        click.echo(problem.format(), err=True)
    if toolkit.errors:
        click.echo(
            "Karten mit Fehlern wurden übersprungen; Einzelheiten zeigt „zwk-kb check“.", err=True
        )


def progress_wanted(total: int, stream: TextIO | None = None) -> bool:
    """Progress bars help a person waiting at a terminal on a big toolkit; in CI, in log files
    and for small toolkits they are only noise."""
    stream = sys.stderr if stream is None else stream
    return total > PROGRESS_MIN_CARDS and stream.isatty() and not os.environ.get("CI")


class ProgressBar:
    """A callback ``(done, total)`` that shows a click progress bar on stderr, decided once at
    the first call (``progress_wanted(total)``); nothing appears when it is not wanted."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._stack = contextlib.ExitStack()
        self._bar: Any = None
        self._decided = False

    def __call__(self, done: int, total: int) -> None:
        if not self._decided:
            self._decided = True
            if progress_wanted(total):
                self._bar = self._stack.enter_context(
                    click.progressbar(length=total, label=self.label, file=sys.stderr)
                )
        if self._bar is not None and done > self._bar.pos:
            self._bar.update(done - self._bar.pos)

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()


def index_toolkit(
    settings: Settings, *, full: bool = False, lock_timeout: float = 30.0
) -> tuple[Toolkit, Any]:
    """Load the toolkit and update (or rebuild) the index; progress bars for big toolkits on a
    terminal (never in CI or when the output goes to a file): 10,000 cards take a while."""
    known = None if full else known_files(settings.index)  # read only files that changed
    with ProgressBar("Karten lesen") as reading:
        toolkit = load_toolkit(settings.toolkit, progress=reading, known=known)
    run = functools.partial(build if full else update, lock_timeout=lock_timeout)
    total = len(toolkit.cards)  # the cards to write at most
    if not progress_wanted(total):
        return toolkit, run(toolkit, settings.index)
    with ProgressBar("Indexiere Karten") as indexing:
        changes = run(toolkit, settings.index, progress=lambda n: indexing(n, total))
    return toolkit, changes


def refresh_index(settings: Settings, *, lock_timeout: float = 30.0) -> tuple[Toolkit, Any] | None:
    """Before serving or searching: update the index when cards changed, rebuild it (with one
    German line on stderr) when an older version wrote it or it does not open; None when the
    index was current."""
    reason = rebuild_reason(settings.index)
    if reason:
        click.echo(reason, err=True)
        return index_toolkit(settings, full=True, lock_timeout=lock_timeout)
    if is_stale(settings.toolkit, settings.index):  # compares file metadata only
        return index_toolkit(settings, lock_timeout=lock_timeout)
    return None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=__version__, prog_name="zwk-kb", message="%(prog)s %(version)s")
def main() -> None:
    """zwk-kb: der durchsuchbare Werkzeugkoffer der Zukunftswerkstatt Kommunen."""
    logging.basicConfig(level=logging.ERROR, format="%(message)s")


@main.command("index")
@toolkit_option
@index_option
@click.option("--full", is_flag=True, help="Index komplett neu aufbauen statt nur Änderungen")
@click.option(
    "--wait",
    "wait_seconds",
    type=click.FloatRange(0, 3600),
    default=30.0,
    show_default=True,
    help="So viele Sekunden warten, wenn gerade ein anderer Vorgang den Index schreibt",
)
def index_command(
    toolkit: Path | None, index_dir: Path | None, full: bool, wait_seconds: float
) -> None:
    """Suchindex aus den Karten bauen oder aktualisieren."""
    settings = _settings(toolkit=toolkit, index=index_dir)
    try:
        reason = rebuild_reason(settings.index)
        if reason:
            click.echo(reason, err=True)
        full = full or reason is not None
        loaded, changes = index_toolkit(settings, full=full, lock_timeout=wait_seconds)
    except ZwkKbError as exc:
        raise click.ClickException(str(exc)) from exc
    _print_problems(loaded)
    how = "neu aufgebaut" if changes.rebuilt else "aktualisiert"
    click.echo(
        f"Index {how}: {changes.total} Karten "
        f"({len(changes.added)} neu, {len(changes.changed)} geändert, "
        f"{len(changes.removed)} entfernt, "
        f"{len(loaded.errors)} Fehler) in {settings.index}"
    )


def _facet_options(func: Any) -> Any:
    for facet in reversed(FACETS):
        option_name = "--" + facet.param.replace("_", "-")
        func = click.option(
            option_name, facet.name, multiple=True, help=f"Filter: {facet.label} (mehrfach möglich)"
        )(func)
    return func


@main.command("search")
@click.argument("query", required=False, default="")
@toolkit_option
@index_option
@_facet_options
@click.option("--page", type=int, default=1, help="Seite der Ergebnisse")
@click.option("--per-page", type=int, default=10, help="Treffer pro Seite")
@click.option("--json", "as_json", is_flag=True, help="Ergebnis als JSON (wie /api/search)")
def search_command(
    query: str,
    toolkit: Path | None,
    index_dir: Path | None,
    page: int,
    per_page: int,
    as_json: bool,
    **facet_values: tuple[str, ...],
) -> None:
    """Karten suchen (leere Suche + Filter = stöbern)."""
    settings = _settings(toolkit=toolkit, index=index_dir)
    try:
        refresh_index(settings)
        served = ServedIndex(settings.index)
        engine = served.engine()
        options = {k: v for k, v in facet_values.items() if v}
        request = request_from_options(query, options)
        request = request.with_page(max(1, page))
        from dataclasses import replace

        request = replace(request, per_page=min(max(per_page, 1), 50))
        page_data = search_page(engine.search(request))
        served.close()
    except ZwkKbError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(api_search(page_data), ensure_ascii=False, indent=2))
        return
    if page_data["suggestion"]:
        click.echo(f"Meinten Sie: {page_data['suggestion']}")
    click.echo(f"{page_data['total']} Treffer")
    if page_data["match_note"]:
        click.echo(page_data["match_note"])
    first = (page_data["page"] - 1) * page_data["per_page"]
    for n, hit in enumerate(page_data["results"], first + 1):
        click.echo(f"{n:>3}. {hit['title']}  [{hit['slug']}]")
        click.echo(f"     {hit['summary']}")
        communes, topics = ", ".join(hit["communes"]), ", ".join(hit["topics"])
        click.echo(f"     Kommunen: {communes} · Themen: {topics}")


class ServerUnavailable(click.ClickException):
    """The chosen server cannot run here: a usage problem (exit code 2), not a crash."""

    exit_code = 2


def gunicorn_problem() -> str | None:
    """Why gunicorn cannot run here, in words for the person starting the site (or None)."""
    if sys.platform == "win32":
        return "gunicorn läuft nicht unter Windows"
    try:
        import zwk_kb.web.gunicorn_server  # noqa: F401  (imports gunicorn)
    except ImportError as exc:
        if (exc.name or "").partition(".")[0] != "gunicorn":
            raise
        return "gunicorn ist nicht installiert (pip install gunicorn)"
    return None


@main.command("init")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--name", default=None, help="Name des Werkzeugkoffers (Standard: der Ordnername)")
@click.option(
    "--software",
    default=None,
    help="pip-Angabe, mit der CI und pre-commit zwk-kb installieren "
    "(Standard: zwk-kb in genau dieser Version)",
)
@click.option(
    "--hook-repo",
    default=None,
    help="Adresse des zwk-kb-Repositorys für pre-commit (Standard: lokaler Hook mit --software)",
)
@click.option(
    "--hook-rev", default=None, help="Version (Tag) des zwk-kb-Repositorys für pre-commit"
)
@click.option(
    "--into-existing",
    "into_existing",
    is_flag=True,
    help="Auch in einen nicht leeren Ordner schreiben; vorhandene Dateien bleiben unverändert",
)
def init_command(
    folder: Path,
    name: str | None,
    software: str | None,
    hook_repo: str | None,
    hook_rev: str | None,
    into_existing: bool,
) -> None:
    """Einen neuen Werkzeugkoffer als Repository anlegen (überschreibt nie etwas)."""
    from zwk_kb.authoring.starter import default_software, init_toolkit

    try:
        written, kept = init_toolkit(
            folder,
            name=name or folder.resolve().name or "Werkzeugkoffer",
            software=software or default_software(),
            hook_repo=hook_repo,
            hook_rev=hook_rev,
            into_existing=into_existing,
        )
    except ZwkKbError as exc:
        click.echo(f"Fehler: {exc}", err=True)
        sys.exit(2)
    for path in written:
        click.echo(f"angelegt: {path}")
    for path in kept:
        click.echo(f"unverändert (gab es schon): {path}", err=True)
    click.echo(
        f"Fertig: {len(written)} Dateien. Weiter mit: cd {folder} && zwk-kb check && zwk-kb serve"
    )


@main.command("serve")
@toolkit_option
@index_option
@click.option("--host", default=None, help="Adresse (Standard 127.0.0.1)")
@click.option("--port", type=int, default=None, help="Port (Standard 8000)")
@click.option(
    "--server",
    type=click.Choice(SERVERS),
    default=None,
    help="Produktions-Server: auto (Standard: gunicorn mit einem Prozess je Prozessorkern unter "
    "Linux und macOS, waitress unter Windows), waitress oder gunicorn",
)
@click.option("--threads", type=int, default=None, help="Threads je Prozess (Standard 4)")
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=None,
    help="Prozesse des Servers, nur mit gunicorn (Standard 0: einer je Prozessorkern); "
    "jeder hat --threads Threads",
)
@click.option(
    "--dev", is_flag=True, default=None, help="Vorschau: Änderungen an Karten sofort zeigen"
)
@click.option(
    "--no-index",
    "no_index",
    is_flag=True,
    help="Den vorhandenen Index nur ausliefern, nie bauen (z. B. ein von CI gebauter, "
    "schreibgeschützter Index, den mehrere Instanzen teilen)",
)
@click.option(
    "--trusted-proxy",
    default=None,
    help="Adresse des Reverse-Proxys, dessen X-Forwarded-For/-Proto-Angaben gelten",
)
@click.option(
    "--url-prefix",
    default="",
    help="Pfad, unter dem der Proxy die Seite anbietet, z. B. /werkzeugkoffer",
)
def serve_command(
    toolkit: Path | None,
    index_dir: Path | None,
    host: str | None,
    port: int | None,
    server: str | None,
    threads: int | None,
    workers: int | None,
    dev: bool | None,
    no_index: bool,
    trusted_proxy: str | None,
    url_prefix: str,
) -> None:
    """Die Website starten (baut den Index, wenn er fehlt oder veraltet ist)."""
    from zwk_kb.search.index import current_generation

    settings = _settings(
        toolkit=toolkit,
        index=index_dir,
        host=host,
        port=port,
        server=server,
        threads=threads,
        workers=workers,
        dev=dev,
    )
    problem = gunicorn_problem() if settings.server != "waitress" else None
    if settings.server == "gunicorn" and problem:  # before indexing: fail in a second
        raise ServerUnavailable(f"{problem}. Bitte „--server waitress“ nehmen.")
    plan = choose_server(
        settings, platform=sys.platform, cores=os.cpu_count() or 1, gunicorn_problem=problem
    )
    if plan.warning:
        click.echo(plan.warning, err=True)
    if not no_index:
        try:
            ran = refresh_index(settings, lock_timeout=5.0)
            if ran is not None:
                loaded, changes = ran
                _print_problems(loaded)
                click.echo(f"Index bereit: {changes.total} Karten.")
        except ZwkKbError as exc:
            if current_generation(settings.index) is None:
                raise click.ClickException(str(exc)) from exc
            # a usable index exists (e.g. read-only, or another instance is indexing): serve it
            click.echo(f"Hinweis: {exc} Die Seite zeigt den vorhandenen Index.", err=True)
    elif current_generation(settings.index) is None:
        raise click.ClickException(
            f"Im Ordner {settings.index} gibt es keinen Suchindex (--no-index baut keinen)."
        )
    elif rebuild_reason(settings.index):
        raise click.ClickException(
            f"Der Suchindex in {settings.index} stammt von einer anderen Version von zwk-kb "
            "oder lässt sich nicht öffnen (--no-index baut keinen neuen). "
            "Bitte „zwk-kb index --full“ ausführen."
        )
    prefix = url_prefix.rstrip("/")
    processes = "1 Prozess" if plan.workers == 1 else f"{plan.workers} Prozesse"
    started = (
        f"zwk-kb läuft mit {plan.server} ({processes} mit je {settings.threads} Threads; "
        f"{plan.reason}) auf http://{settings.host}:{settings.port}/ (Beenden mit Strg+C)"
    )
    if plan.server == "gunicorn":
        from zwk_kb.web import gunicorn_server

        click.echo(started)
        gunicorn_server.serve(
            settings.replace(server="gunicorn", workers=plan.workers),
            trusted_proxy=trusted_proxy,
            url_prefix=prefix,
        )
        return
    from waitress import serve

    from zwk_kb.web import create_server_app
    from zwk_kb.web.security import MAX_FORM_BYTES

    app = create_server_app(settings)
    click.echo(started)
    proxy: dict[str, Any] = {}
    if trusted_proxy:
        proxy = {
            "trusted_proxy": trusted_proxy,
            "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"},
            "clear_untrusted_proxy_headers": True,
        }
    serve(
        app,
        host=settings.host,
        port=settings.port,
        threads=settings.threads,
        ident="zwk-kb",
        # bodies only for the contribution form: a little above its bound, so the app itself
        # answers a too large form (German 413 with the site's headers); bounded headers, idle
        # connections closed soon
        max_request_body_size=MAX_FORM_BYTES + 64 * 1024,
        max_request_header_size=32 * 1024,
        channel_timeout=30,
        connection_limit=200,
        url_prefix=prefix,
        **proxy,
    )


@main.command("eval")
@toolkit_option
@click.option(
    "--judgments",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    default=Path("relevance/judgments.yml"),
    show_default=True,
    help="Datei mit bewerteten Suchanfragen",
)
@click.option(
    "--misses", is_flag=True, help="Anfragen zeigen, bei denen der beste Treffer nicht oben steht"
)
def eval_command(toolkit: Path | None, judgments: Path, misses: bool) -> None:
    """Suchqualität messen: MRR, nDCG@10, Recall@10 je Klasse, neben reinem Whoosh."""
    from zwk_kb.devtools.evaluation import evaluate, format_table, load_judgments

    settings = _settings(toolkit=toolkit)
    try:
        loaded = load_toolkit(settings.toolkit)
    except ZwkKbError as exc:
        raise click.ClickException(str(exc)) from exc
    result = evaluate(loaded, load_judgments(judgments))
    click.echo(
        f"Relevanz auf {len(loaded.cards)} Karten ({settings.toolkit}), Urteile {judgments}, "
        "zwk-kb | Whoosh pur"
    )
    click.echo(format_table(result))
    if misses:
        for cls, query, top in result.misses:
            click.echo(f"  [{cls}] {query!r}: {', '.join(top) or '(keine Treffer)'}")


@main.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@toolkit_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="Ausgabe: Text, JSON oder GitHub-Anmerkungen am Pull-Request",
)
@click.option("--strict", is_flag=True, help="Hinweise (z. B. fehlender Kontakt) zählen als Fehler")
def check_command(
    paths: tuple[Path, ...], toolkit: Path | None, output_format: str, strict: bool
) -> None:
    """Karten, Vokabular und Sammlungen prüfen (Standard: der ganze Karten-Ordner)."""
    from zwk_kb.checks import FORMATTERS, CheckUsageError, check_paths

    settings = _settings(toolkit=toolkit)
    try:
        report = check_paths(paths, toolkit=toolkit, default_toolkit=settings.toolkit)
    except CheckUsageError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(FORMATTERS[output_format](report, strict=strict))
    sys.exit(1 if report.failed(strict=strict) else 0)


def _ask_choices(
    label: str, what: str, choices: tuple[str, ...], given: tuple[str, ...]
) -> list[str]:
    """Values from flags, or asked for with the vocabulary as a numbered list."""
    from zwk_kb.authoring.newcard import numbered, parse_choices

    if given:
        picked, errors = parse_choices(", ".join(given), choices, what)
        if errors:
            raise click.BadParameter(" ".join(errors), param_hint=label)
        return picked
    click.echo(f"\n{label} – zur Auswahl (Nummern oder Namen, durch Komma getrennt):")
    click.echo(numbered(choices))
    while True:
        picked, errors = parse_choices(click.prompt(label), choices, what)
        for error in errors:
            click.echo(error, err=True)
        if picked and not errors:
            return picked
        if not picked and not errors:
            click.echo("Bitte mindestens einen Eintrag wählen.", err=True)


@main.command("new")
@toolkit_option
@click.option("--title", default=None, help="Titel der Karte (daraus entsteht der Dateiname)")
@click.option("--summary", default=None, help="Kurzbeschreibung, höchstens 300 Zeichen")
@click.option("--topic", "topics", multiple=True, help="Thema aus dem Vokabular (mehrfach möglich)")
@click.option(
    "--commune", "communes", multiple=True, help="Kommune aus dem Vokabular (mehrfach möglich)"
)
@click.option(
    "--challenge",
    "challenges",
    multiple=True,
    help="Herausforderung aus dem Vokabular (mehrfach möglich)",
)
@click.option("--contact-name", default=None, help="Kontakt: Name einer Person oder Stelle")
@click.option("--contact-email", default=None, help="Kontakt: E-Mail-Adresse")
@click.option(
    "--source-url", default=None, help="Quelle: Adresse einer Seite, die das Werkzeug beschreibt"
)
@click.option("--source-title", default=None, help="Quelle: Titel dieser Seite")
def new_command(
    toolkit: Path | None,
    title: str | None,
    summary: str | None,
    topics: tuple[str, ...],
    communes: tuple[str, ...],
    challenges: tuple[str, ...],
    contact_name: str | None,
    contact_email: str | None,
    source_url: str | None,
    source_title: str | None,
) -> None:
    """Eine neue Karte anlegen: fragt Titel, Themen, Kommunen und Herausforderungen ab."""
    from zwk_kb.authoring.newcard import CardDraft, card_path, write_card
    from zwk_kb.toolkit import load_vocabulary

    settings = _settings(toolkit=toolkit)
    try:
        vocabulary, _ = load_vocabulary(settings.toolkit)
    except ZwkKbError as exc:
        raise click.ClickException(str(exc)) from exc
    interactive = title is None
    while title is None:
        title = click.prompt("Titel des Werkzeugs (höchstens 120 Zeichen)").strip()
        try:
            target = card_path(settings.toolkit, title)
        except ZwkKbError as exc:
            click.echo(str(exc), err=True)
            title = None
            continue
        if target.exists():
            click.echo(
                f"Die Datei {target} gibt es schon. Bitte einen anderen Titel wählen.", err=True
            )
            title = None
            continue
        click.echo(f"Dateiname: {target}")
    if summary is None:
        summary = click.prompt(
            "Kurzbeschreibung in ein, zwei Sätzen (höchstens 300 Zeichen)"
        ).strip()
    picked_topics = _ask_choices("Themen", "Thema", vocabulary.topics, topics)
    picked_communes = _ask_choices("Kommunen", "Kommune", tuple(vocabulary.communes), communes)
    picked_challenges = _ask_choices(
        "Herausforderungen", "Herausforderung", vocabulary.challenges, challenges
    )
    if interactive and contact_name is None:
        contact_name = click.prompt(
            "Kontakt: Name oder Stelle (leer = später)", default="", show_default=False
        ).strip()
    if interactive and contact_email is None:
        contact_email = click.prompt(
            "Kontakt: E-Mail (leer = später)", default="", show_default=False
        ).strip()
    if interactive and source_url is None:
        source_url = click.prompt(
            "Quelle: Adresse einer Seite, die das Werkzeug beschreibt (leer = keine, dann ist "
            "die Karte eine Beispielkarte)",
            default="",
            show_default=False,
        ).strip()
    if source_url and not source_title:
        if not interactive:
            raise click.BadParameter(
                "Zur Adresse der Quelle gehört ein Titel.", param_hint="--source-title"
            )
        source_title = click.prompt("Quelle: Titel der Seite").strip()
    draft = CardDraft(
        title=title,
        summary=summary,
        topics=tuple(picked_topics),
        communes=tuple(picked_communes),
        challenges=tuple(picked_challenges),
        contact_name=contact_name or "",
        contact_email=contact_email or "",
        source_title=source_title or "",
        source_url=source_url or "",
    )
    try:
        path = write_card(settings.toolkit, draft)
    except ZwkKbError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Neue Karte: {path}")
    click.echo(f"Jetzt den Text ergänzen und mit „zwk-kb check {path}“ prüfen.")


if __name__ == "__main__":  # pragma: no cover
    main()
