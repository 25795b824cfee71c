"""The command line (click's CliRunner) on a toolkit folder written by the tests."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from conftest import BROKEN_CARD_SLUG, BROKEN_TOPIC, FIXTURE_CARDS, expected_slugs
from zwk_kb import cli
from zwk_kb.cli import main


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_help_lists_the_commands(runner: CliRunner) -> None:
    code, out, _ = run(runner, "--help")
    assert code == 0
    for command in ("index", "search", "serve"):
        assert command in out


def test_index_builds_and_names_the_skipped_card(
    runner: CliRunner, toolkit_dir: Path, tmp_path: Path
) -> None:
    code, out, err = run(
        runner, "index", "--toolkit", str(toolkit_dir), "--index", str(tmp_path / "ix")
    )
    assert code == 0
    assert f"{len(FIXTURE_CARDS)} Karten" in out
    assert f"{BROKEN_CARD_SLUG}.md" in err and BROKEN_TOPIC in err
    again = run(runner, "index", "--toolkit", str(toolkit_dir), "--index", str(tmp_path / "ix"))
    assert again[0] == 0 and "0 neu, 0 geändert, 0 entfernt" in again[1]


def test_index_of_a_missing_folder_fails_clearly(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        main, ["index", "--toolkit", str(tmp_path / "fehlt"), "--index", str(tmp_path / "ix")]
    )
    assert result.exit_code != 0
    assert "gibt es nicht" in result.stderr
    assert "Traceback" not in result.output + result.stderr


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal_outside_ci_for_big_toolkits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CI", raising=False)
    big = cli.PROGRESS_MIN_CARDS + 1
    assert cli.progress_wanted(big, FakeTerminal())
    assert not cli.progress_wanted(cli.PROGRESS_MIN_CARDS, FakeTerminal())
    assert not cli.progress_wanted(big, io.StringIO())  # a file or a pipe
    monkeypatch.setenv("CI", "true")
    assert not cli.progress_wanted(big, FakeTerminal())


def test_index_outside_a_terminal_shows_no_progress_bar(
    runner: CliRunner, toolkit_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "PROGRESS_MIN_CARDS", 0)  # the fixture toolkit counts as big
    code, out, err = run(
        runner, "index", "--full", "--toolkit", str(toolkit_dir), "--index", str(tmp_path / "ix")
    )
    assert code == 0
    assert "Karten lesen" not in out + err and "Indexiere" not in out + err


def test_index_on_a_terminal_shows_reading_and_indexing_progress(
    runner: CliRunner, toolkit_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    totals: list[int] = []

    def wanted(total: int, stream: object = None) -> bool:
        totals.append(total)
        return True

    monkeypatch.setattr(cli, "progress_wanted", wanted)
    code, out, err = run(
        runner, "index", "--full", "--toolkit", str(toolkit_dir), "--index", str(tmp_path / "ix")
    )
    assert code == 0
    assert "Karten lesen" in err and "Indexiere Karten" in err and "Karten lesen" not in out
    card_files = len(list(toolkit_dir.glob("[!_.]*.md")))
    assert totals[0] == card_files  # reading counts card files, broken ones included
    assert totals[-1] == len(FIXTURE_CARDS)  # indexing counts the valid cards


def test_search_json_is_the_api_object(
    runner: CliRunner, client: FlaskClient, toolkit_dir: Path, tmp_path: Path
) -> None:
    code, out, _ = run(
        runner,
        "search",
        "Ehrenamtliche",
        "--toolkit",
        str(toolkit_dir),
        "--index",
        str(tmp_path / "ix"),
        "--state",
        "Sachsen-Anhalt",
        "--json",
    )
    assert code == 0
    from_cli = json.loads(out)
    from_api = client.get("/api/search?q=Ehrenamtliche&state=Sachsen-Anhalt").get_json()
    assert from_cli == from_api


def test_search_options_filter_like_the_url(runner: CliRunner) -> None:
    code, out, _ = run(
        runner,
        "search",
        "--topic",
        "Wohnen",
        "--topic",
        "Bildung",
        "--commune",
        "Dessau-Rosslau",
        "--json",
    )
    assert code == 0
    data = json.loads(out)
    expected = (
        expected_slugs("topics", "Wohnen") | expected_slugs("topics", "Bildung")
    ) & expected_slugs("communes", "Dessau-Roßlau")
    assert {r["slug"] for r in data["results"]} == expected
    assert data["total"] == len(expected)


@pytest.mark.parametrize(
    ("option", "facet", "value"),
    [
        ("--challenge", "challenges", "Vereinsamung"),
        ("--target-group", "target_groups", "Senioren"),
        ("--cluster", "cluster", "Ost"),
        ("--status", "status", "erprobt"),
        ("--effort", "effort", "gering"),
        ("--tool-type", "tool_type", "Praxisbeispiel"),
    ],
)
def test_every_facet_has_a_repeatable_option(
    runner: CliRunner, option: str, facet: str, value: str
) -> None:
    code, out, _ = run(runner, "search", option, value, "--per-page", "50", "--json")
    assert code == 0
    data = json.loads(out)
    assert {r["slug"] for r in data["results"]} == expected_slugs(facet, value)
    assert [v["value"] for v in data["facets"][facet] if v["selected"]] == [value]


def test_search_text_output_lists_ranked_results(runner: CliRunner) -> None:
    code, out, _ = run(runner, "search", "Kindergärten")
    assert code == 0
    assert "Treffer" in out
    first = next(line for line in out.splitlines() if line.strip().startswith("1."))
    assert "[kindergarten-im-dorf]" in first
    assert "Zerbst" in out


@pytest.mark.parametrize(
    ("query", "note", "match"),
    [
        ("Kindergarten Bürgerbus", "Kein Werkzeug enthält alle Suchwörter.", "some"),
        ("Kleinbus Ehrenamtliche", "Nur 1 Werkzeug enthält alle Suchwörter.", "some"),
        ("Kindergarten", None, "all"),
    ],
)
def test_search_says_when_not_every_hit_has_all_the_words(
    runner: CliRunner, query: str, note: str | None, match: str
) -> None:
    code, out, _ = run(runner, "search", query)
    assert code == 0
    lines = out.splitlines()
    if note is None:
        assert "alle Suchwörter" not in out
    else:
        assert lines[0].endswith("Treffer") and lines[1].startswith(note)
    code, out, _ = run(runner, "search", query, "--json")
    assert json.loads(out)["match"] == match


def test_environment_variables_choose_toolkit_and_index(runner: CliRunner) -> None:
    code, out, _ = run(runner, "search", "--json")  # no --toolkit/--index: ZWK_KB_* from the runner
    assert code == 0
    assert json.loads(out)["total"] == len(FIXTURE_CARDS)


def test_search_on_an_unknown_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["search", "x", "--toolkit", str(tmp_path / "nope"), "--index", str(tmp_path / "ix")]
    )
    assert result.exit_code != 0
    assert "gibt es nicht" in result.stderr


# ---- serve: one real server in a subprocess ----------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _fetch(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode("utf-8")


def test_serve_builds_a_missing_index_and_answers(toolkit_dir: Path, tmp_path: Path) -> None:
    cards = tmp_path / "karten"
    shutil.copytree(toolkit_dir, cards)
    index_dir = tmp_path / "index"
    port = _free_port()
    executable = Path(sys.executable).with_name("zwk-kb")
    command = [str(executable)] if executable.exists() else [sys.executable, "-m", "zwk_kb"]
    env = {**os.environ, "ZWK_KB_TOOLKIT": str(cards), "ZWK_KB_INDEX": str(index_dir)}
    process = subprocess.Popen(
        [*command, "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, headers, body = _fetch(
                    f"http://127.0.0.1:{port}/?q=Kindergärten".replace("ä", "%C3%A4")
                )
                break
            except OSError:
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert status == 200
        assert "/werkzeuge/kindergarten-im-dorf" in body
        assert (index_dir / "CURRENT").exists()
        server = headers.get("Server", "")
        assert "Werkzeug" not in server and "Python" not in server
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        status, headers, body = _fetch(f"http://127.0.0.1:{port}/werkzeuge/gibt-es-nicht")
        assert status == 404 and "Seite nicht gefunden" in body
        assert headers["X-Content-Type-Options"] == "nosniff"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


# ---- documentation -------------------------------------------------------------------------


ROOT = Path(__file__).resolve().parent.parent


def test_readme_documents_every_command_and_the_two_make_targets() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in main.commands if f"zwk-kb {name}" not in readme]
    assert not missing, f"In README.md fehlen die Befehle {missing}"
    search_options = {
        o for p in main.commands["search"].params for o in p.opts if o.startswith("--")
    }
    assert not [o for o in search_options if o not in readme]
    assert "make run" in readme and "make test" in readme
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "\nrun:" in makefile and "\ntest:" in makefile
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
