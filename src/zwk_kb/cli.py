"""Command line: ``zwk-kb index | search | serve | check``. Thin wrappers over the library."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import click

from zwk_kb.config import Settings
from zwk_kb.errors import ZwkKbError
from zwk_kb.facets import FACETS
from zwk_kb.index import SearcherPool, build, is_stale, update
from zwk_kb.model import Toolkit
from zwk_kb.present import api_search, search_page
from zwk_kb.query import request_from_options
from zwk_kb.search import SearchEngine
from zwk_kb.toolkit import load_toolkit

PROGRESS_MIN_CARDS = 500
toolkit_option = click.option(
    "--toolkit", type=click.Path(path_type=Path), default=None,
    help="Ordner mit den Karten (Standard: ./toolkit oder ZWK_KB_TOOLKIT)",
)
index_option = click.option(
    "--index", "index_dir", type=click.Path(path_type=Path), default=None,
    help="Ordner des Suchindex (Standard: ./.zwk-index oder ZWK_KB_INDEX)",
)


def _settings(**overrides: Any) -> Settings:
    try:
        return Settings.from_env().replace(**overrides)
    except ZwkKbError as exc:
        raise click.UsageError(str(exc)) from exc


def _print_problems(toolkit: Toolkit) -> None:
    for problem in toolkit.errors:
        click.echo(f"Übersprungen: {problem.format()}", err=True)


def index_toolkit(settings: Settings, *, full: bool = False) -> tuple[Toolkit, Any]:
    """Load the toolkit and update (or rebuild) the index; a progress bar for big toolkits."""
    toolkit = load_toolkit(settings.toolkit)
    show_bar = len(toolkit.cards) > PROGRESS_MIN_CARDS and sys.stderr.isatty()
    run = build if full else update
    if show_bar:
        with click.progressbar(length=len(toolkit.cards), label="Indexiere Karten", file=sys.stderr) as bar:
            last = [0]

            def step(n: int) -> None:
                bar.update(n - last[0])
                last[0] = n

            changes = run(toolkit, settings.index, progress=step)
    else:
        changes = run(toolkit, settings.index)
    return toolkit, changes


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="zwk-kb")
def main() -> None:
    """zwk-kb: der durchsuchbare Werkzeugkoffer der Zukunftswerkstatt Kommunen."""
    logging.basicConfig(level=logging.ERROR, format="%(message)s")


@main.command("index")
@toolkit_option
@index_option
@click.option("--full", is_flag=True, help="Index komplett neu aufbauen statt nur Änderungen")
def index_command(toolkit: Path | None, index_dir: Path | None, full: bool) -> None:
    """Suchindex aus den Karten bauen oder aktualisieren."""
    settings = _settings(toolkit=toolkit, index=index_dir)
    try:
        loaded, changes = index_toolkit(settings, full=full)
    except ZwkKbError as exc:
        raise click.ClickException(str(exc)) from exc
    _print_problems(loaded)
    how = "neu aufgebaut" if changes.rebuilt else "aktualisiert"
    click.echo(
        f"Index {how}: {changes.total} Karten "
        f"({len(changes.added)} neu, {len(changes.changed)} geändert, {len(changes.removed)} entfernt, "
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
    query: str, toolkit: Path | None, index_dir: Path | None, page: int, per_page: int, as_json: bool,
    **facet_values: tuple[str, ...],
) -> None:
    """Karten suchen (leere Suche + Filter = stöbern)."""
    settings = _settings(toolkit=toolkit, index=index_dir)
    try:
        if toolkit is not None or is_stale(settings.toolkit, settings.index):
            index_toolkit(settings)
        pool = SearcherPool(settings.index)
        from zwk_kb.index import current_generation, read_meta

        generation = current_generation(settings.index)
        meta = read_meta(generation) if generation else {}
        engine = SearchEngine(pool, meta.get("synonyms", []))  # type: ignore[arg-type]
        options = {k: v for k, v in facet_values.items() if v}
        request = request_from_options(query, options)
        request = request.with_page(max(1, page))
        from dataclasses import replace

        request = replace(request, per_page=min(max(per_page, 1), 50))
        page_data = search_page(engine.search(request))
        pool.close()
    except ZwkKbError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(api_search(page_data), ensure_ascii=False, indent=2))
        return
    if page_data["suggestion"]:
        click.echo(f"Meinten Sie: {page_data['suggestion']}")
    click.echo(f"{page_data['total']} Treffer")
    first = (page_data["page"] - 1) * page_data["per_page"]
    for n, hit in enumerate(page_data["results"], first + 1):
        click.echo(f"{n:>3}. {hit['title']}  [{hit['slug']}]")
        click.echo(f"     {hit['summary']}")
        click.echo(f"     Kommunen: {', '.join(hit['communes'])} · Themen: {', '.join(hit['topics'])}")


@main.command("serve")
@toolkit_option
@index_option
@click.option("--host", default=None, help="Adresse (Standard 127.0.0.1)")
@click.option("--port", type=int, default=None, help="Port (Standard 8000)")
@click.option("--threads", type=int, default=None, help="Threads des Servers (Standard 4)")
@click.option("--dev", is_flag=True, default=None, help="Vorschau: Änderungen an Karten sofort zeigen")
def serve_command(
    toolkit: Path | None, index_dir: Path | None, host: str | None, port: int | None,
    threads: int | None, dev: bool | None,
) -> None:
    """Die Website starten (baut den Index, wenn er fehlt oder veraltet ist)."""
    settings = _settings(toolkit=toolkit, index=index_dir, host=host, port=port, threads=threads, dev=dev)
    try:
        if is_stale(settings.toolkit, settings.index):
            loaded, changes = index_toolkit(settings)
            _print_problems(loaded)
            click.echo(f"Index bereit: {changes.total} Karten.")
    except ZwkKbError as exc:
        raise click.ClickException(str(exc)) from exc
    from waitress import serve

    from zwk_kb.web import create_app

    app = create_app(settings)
    click.echo(f"zwk-kb läuft auf http://{settings.host}:{settings.port}/ (Beenden mit Strg+C)")
    serve(
        app, host=settings.host, port=settings.port, threads=settings.threads, ident="zwk-kb",
        max_request_body_size=65536, max_request_header_size=65536, channel_timeout=30,
    )


if __name__ == "__main__":  # pragma: no cover
    main()
