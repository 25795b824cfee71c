"""``zwk-kb check`` from the command line, its output formats, and the CI/pre-commit files."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from zwk_kb.checks import CheckReport, format_github
from zwk_kb.cli import main
from zwk_kb.model import Problem

ROOT = Path(__file__).resolve().parent.parent

VOCABULARY = """\
topics: [Wohnen, Mobilität]
challenges: [Leerstand, Fachkräftemangel]
communes:
  Barleben: {state: Sachsen-Anhalt, cluster: Nord, kind: Gemeinde}
  Zittau: {state: Sachsen, cluster: Ost, kind: Stadt}
"""


SOURCES = "sources: [{title: Werkzeugkoffer, url: 'https://example.org/werkzeugkoffer'}]\n"


def card(topics: str = "[Wohnen]", extra: str = "", body: str = "") -> str:
    return (
        f"---\ntitle: Dorfladen\nsummary: Ein Laden.\ntopics: {topics}\ncommunes: [Barleben]\n"
        f"challenges: [Leerstand]\npublished: 2024-01-01\ncontact: {{name: Team}}\n{extra}{SOURCES}"
        "---\n\n"
        f"## Worum geht es?\n\nText.\n\n## So funktioniert es\n\nText.\n{body}"
    )


@pytest.fixture
def toolkit(tmp_path: Path) -> Path:
    folder = tmp_path / "toolkit"
    folder.mkdir()
    (folder / "_vocabulary.yml").write_text(VOCABULARY, encoding="utf-8")
    (folder / "gut.md").write_text(card(), encoding="utf-8")
    return folder


def run(*args: str) -> tuple[int, str]:
    runner = CliRunner(env={"ZWK_KB_TOOLKIT": "", "ZWK_KB_INDEX": ""})
    result = runner.invoke(main, list(args))
    return result.exit_code, result.output


def test_clean_toolkit_exits_zero(toolkit: Path) -> None:
    code, out = run("check", "--toolkit", str(toolkit))
    assert code == 0
    assert out == "Alles in Ordnung: 2 Dateien geprüft, keine Probleme.\n"


def test_the_bundled_toolkit_passes_and_its_only_hints_name_example_cards() -> None:
    code, out = run("check", "--format", "json", str(ROOT / "toolkit"))
    assert code == 0, out
    report = json.loads(out)
    assert report["errors"] == 0
    hinted = {p["path"] for p in report["problems"] if p["field"] == "sources"}
    assert len(hinted) == report["warnings"], "only the missing-source hint is allowed"
    examples = {
        str(path)
        for path in (ROOT / "toolkit").glob("*.md")
        if not path.name.startswith("_") and "\nsources:" not in path.read_text(encoding="utf-8")
    }
    assert hinted == examples


def test_a_card_without_sources_is_a_hint_fatal_only_with_strict(toolkit: Path) -> None:
    (toolkit / "beispiel.md").write_text(card().replace(SOURCES, ""), encoding="utf-8")
    code, out = run("check", str(toolkit))
    assert code == 0
    assert out.splitlines() == [
        f"{toolkit}/beispiel.md:2:1: Hinweis: Die Karte nennt keine Quelle (sources). Die Website "
        "zeigt sie deshalb als Beispielkarte. Ist das Werkzeug irgendwo öffentlich beschrieben, "
        "zum Beispiel auf der Seite des Modellprojekts oder der Kommune? Dann bitte unter "
        "„sources:“ einen Eintrag „- title: …“ mit „url: https://…“ ergänzen.",
        "3 Dateien geprüft: 0 Fehler, 1 Hinweis.",
    ]
    code, out = run("check", "--strict", str(toolkit))
    assert code == 1
    empty = card().replace(SOURCES, "sources:\n")
    (toolkit / "beispiel.md").write_text(empty, encoding="utf-8")
    code, out = run("check", str(toolkit))
    assert code == 0
    assert out.startswith(f"{toolkit}/beispiel.md:9:1: Hinweis: Die Karte nennt keine Quelle")


def test_issue_example_message_with_position(toolkit: Path) -> None:
    (toolkit / "dorfladen.md").write_text(card(topics="Wohnung"), encoding="utf-8")
    code, out = run("check", "--toolkit", str(toolkit))
    assert code == 1
    assert out.splitlines() == [
        f"{toolkit}/dorfladen.md:4:9: Thema „Wohnung“ ist nicht im Vokabular. Meinten Sie "
        "„Wohnen“? "
        f"Neue Begriffe bitte in {toolkit}/_vocabulary.yml ergänzen.",
        "3 Dateien geprüft: 1 Fehler, 0 Hinweise. Karten mit Fehlern erscheinen nicht auf der "
        "Website.",
    ]


def test_relative_paths_are_printed_as_given(
    toolkit: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (toolkit / "dorfladen.md").write_text(card(topics="Wohnung"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check"], env={"ZWK_KB_TOOLKIT": ""})
    assert result.exit_code == 1
    assert result.output.startswith(
        "toolkit/dorfladen.md:4:9: Thema „Wohnung“ ist nicht im Vokabular. Meinten Sie „Wohnen“? "
        "Neue Begriffe bitte in toolkit/_vocabulary.yml ergänzen.\n"
    )


def test_every_problem_of_every_file_in_one_run(toolkit: Path) -> None:
    (toolkit / "a.md").write_text(card(topics="[Wohnung, Raumfahrt]", extra="status: fertig\n"))
    (toolkit / "b.md").write_text("kein front matter\n")
    code, out = run("check", "--format", "json", str(toolkit))
    assert code == 1
    data = json.loads(out)
    assert data["ok"] is False and data["errors"] == 4 and data["files"] == 4
    assert [
        (Path(p["path"]).name, p["line"], p["column"], p["field"]) for p in data["problems"]
    ] == [
        ("a.md", 4, 10, "topics"),
        ("a.md", 4, 19, "topics"),
        ("a.md", 9, 9, "status"),
        ("b.md", 1, 1, ""),
    ]


def test_warnings_pass_unless_strict(toolkit: Path) -> None:
    (toolkit / "ohne-kontakt.md").write_text(card().replace("contact: {name: Team}\n", ""))
    code, out = run("check", str(toolkit))
    assert code == 0
    assert "Hinweis: Es gibt keinen Kontakt (contact)." in out
    assert out.splitlines()[-1] == "3 Dateien geprüft: 0 Fehler, 1 Hinweis."
    code, out = run("check", "--strict", str(toolkit))
    assert code == 1
    assert out.splitlines()[-1].endswith("Mit --strict zählen Hinweise als Fehler.")


def test_usage_errors_exit_two(toolkit: Path) -> None:
    assert run("check", str(toolkit / "fehlt.md"))[0] == 2
    assert run("check", "--format", "xml", str(toolkit))[0] == 2
    assert run("check", "--toolkit", str(toolkit / "nirgends"))[0] == 2


def test_single_files_only_report_themselves(toolkit: Path) -> None:
    (toolkit / "kaputt.md").write_text(card(topics="[Raumfahrt]"))
    (toolkit / "auch-kaputt.md").write_text(card(topics="[Raumfahrt]"))
    code, out = run("check", str(toolkit / "kaputt.md"))
    assert code == 1
    assert "kaputt.md:4:10" in out and "auch-kaputt" not in out
    assert out.splitlines()[-1].startswith("1 Datei geprüft: 1 Fehler")


def test_alias_conflict_reported_at_both_places_when_one_file_is_checked(toolkit: Path) -> None:
    (toolkit / "neu.md").write_text(card(extra="aliases: [gut]\n"))
    code, out = run("check", str(toolkit / "neu.md"))
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"{toolkit}/gut.md:1:1: Der Dateiname dieser Karte steht bei einer ")
    assert f"(„gut“ in {toolkit}/neu.md:9:11)" in lines[0]
    assert lines[1].startswith(
        f"{toolkit}/neu.md:9:11: Der frühere Kurzname „gut“ ist der Dateiname"
    )


def test_files_outside_a_toolkit_are_skipped(toolkit: Path, tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Hallo\n")
    code, out = run("check", str(readme), str(toolkit / "gut.md"))
    assert code == 0
    assert out == (
        "Alles in Ordnung: 1 Datei geprüft, keine Probleme. 1 Datei(en) gehören zu keinem "
        "Karten-Ordner und wurden übersprungen.\n"
    )


def test_changed_vocabulary_rechecks_all_cards(toolkit: Path) -> None:
    (toolkit / "_vocabulary.yml").write_text(VOCABULARY.replace("Wohnen, ", ""))
    code, out = run("check", str(toolkit / "_vocabulary.yml"))
    assert code == 1
    assert f"{toolkit}/gut.md:4:10: Thema „Wohnen“ ist nicht im Vokabular." in out


def test_underscore_card_files_are_checked_when_named(toolkit: Path) -> None:
    (toolkit / "_vorlage.md").write_text(card(topics="[Raumfahrt]"))
    assert run("check", str(toolkit))[0] == 0  # not a card: skipped in the folder check
    code, out = run("check", str(toolkit / "_vorlage.md"))
    assert code == 1 and "Raumfahrt" in out


def test_lookalike_files_get_a_warning(toolkit: Path) -> None:
    (toolkit / "Dorfladen.MD").write_text(card())
    (toolkit / "entwurf.markdown").write_text(card())
    (toolkit / "unterordner").mkdir()
    (toolkit / "unterordner" / "karte.md").write_text(card())
    code, out = run("check", str(toolkit))
    assert code == 0
    warned = sorted(
        line.split(":")[0] for line in out.splitlines() if "nicht als Karte gelesen" in line
    )
    assert warned == sorted(
        str(toolkit / name) for name in ["Dorfladen.MD", "entwurf.markdown", "unterordner/karte.md"]
    )


def test_collections_are_checked(toolkit: Path) -> None:
    folder = toolkit / "_collections"
    folder.mkdir()
    (folder / "treffen.yml").write_text(
        "title: Treffen\ndate: 2024-02-30\ncards:\n  - gut\n  - gutt\n"
    )
    code, out = run("check", str(toolkit))
    assert code == 1
    assert f"{folder}/treffen.yml:2:7: " in out
    assert f"{folder}/treffen.yml:5:5: Die Karte „gutt“ gibt es nicht. Meinten Sie „gut“?" in out


def test_github_annotations(toolkit: Path) -> None:
    (toolkit / "dorfladen.md").write_text(card(topics="Wohnung", extra="foo: 1\n"))
    code, out = run("check", "--format", "github", str(toolkit))
    assert code == 1
    lines = out.splitlines()
    path = str(toolkit / "dorfladen.md").replace(":", "%3A").replace(",", "%2C")
    assert lines[0] == (
        f"::error file={path},line=4,col=9,title=zwk-kb check (topics)::Thema „Wohnung“ ist nicht "
        "im "
        f"Vokabular. Meinten Sie „Wohnen“? Neue Begriffe bitte in {toolkit}/_vocabulary.yml "
        "ergänzen."
    )
    assert lines[1].startswith(f"::warning file={path},line=9,col=1,title=zwk-kb check (foo)::")


def test_github_escaping_of_data_and_properties() -> None:
    problem = Problem("a,b:c.md", 3, 4, "x", "100% sicher\nzweite Zeile\r", "error")
    out = format_github(CheckReport(problems=[problem], files=1))
    assert out.splitlines()[0] == (
        "::error file=a%2Cb%3Ac.md,line=3,col=4,title=zwk-kb check (x)::100%25 sicher%0Azweite "
        "Zeile%0D"
    )


# ---- CI workflow and pre-commit hook ----------------------------------------------------------


def test_workflow_runs_the_check_and_the_tests_on_pull_requests() -> None:
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    assert workflows
    data = yaml.safe_load(
        (ROOT / ".github" / "workflows" / "check.yml").read_text(encoding="utf-8")
    )
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as True
    assert "pull_request" in triggers
    runs = [step["run"] for job in data["jobs"].values() for step in job["steps"] if "run" in step]
    assert any(r.startswith("zwk-kb check --format github") for r in runs)
    assert any(r.startswith("make test") for r in runs)
    for name, job in data["jobs"].items():
        assert job["runs-on"], name
        assert job["steps"][0]["uses"].startswith("actions/checkout@"), name
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), step
    for path in workflows:  # every workflow file is valid YAML with jobs
        assert "jobs" in yaml.safe_load(path.read_text(encoding="utf-8")), path


def test_pre_commit_hook_definition() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = [h for h in hooks if h["id"] == "zwk-kb-check"]
    assert hook["language"] == "python"
    assert hook["entry"] == "zwk-kb check"
    pattern = re.compile(hook["files"])
    assert pattern.search("toolkit/buergerbus.md") and pattern.search("toolkit/_vocabulary.yml")
    assert not pattern.search("bild.png")


def test_contributing_quotes_real_check_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The example in CONTRIBUTING.md is what the check prints for tests/examples/ today."""
    shutil.copytree(ROOT / "toolkit", tmp_path / "toolkit")
    for example in (ROOT / "tests" / "examples").glob("*.md"):
        shutil.copy(example, tmp_path / "toolkit" / example.name)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check"], env={"ZWK_KB_TOOLKIT": ""})
    assert result.exit_code == 1
    examples = tuple(f"toolkit/{p.name}:" for p in (ROOT / "tests" / "examples").glob("*.md"))
    beispiel = "Hinweis: Die Karte nennt keine Quelle (sources)."
    # the bundled example cards' missing-source hints are not part of the quoted example
    printed = [
        line
        for line in result.output.splitlines()
        if line.startswith(examples) or beispiel not in line
    ]
    guide = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    quoted = guide.split("```text\n", 1)[1].split("```", 1)[0].splitlines()
    assert quoted[:-1] == printed[:-1]
    errors = re.compile(r": (\d+) Fehler")  # file and hint counts depend on the bundled cards
    assert errors.search(quoted[-1]).group(1) == errors.search(printed[-1]).group(1)  # type: ignore[union-attr]
