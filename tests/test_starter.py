"""``zwk-kb init``: a toolkit repository of one's own, whose own CI would pass."""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from zwk_kb import __version__
from zwk_kb.cli import main

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZWK_KB_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"  # the installed zwk-kb first
    return env


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    target = tmp_path / "werkzeugkoffer-nord"
    result = CliRunner().invoke(main, ["init", str(target)])
    assert result.exit_code == 0, result.output
    assert "Fertig: 9 Dateien" in result.output
    return target


def test_init_creates_a_complete_valid_toolkit_repository(repo: Path) -> None:
    assert sorted(snapshot(repo)) == [
        ".github/workflows/karten.yml",
        ".gitignore",
        ".pre-commit-config.yaml",
        "CONTRIBUTING.md",
        "README.md",
        "toolkit/_collections/erste-sammlung.yml",
        "toolkit/_template.md",
        "toolkit/_vocabulary.yml",
        "toolkit/mitfahrbank.md",
    ]
    assert (repo / "README.md").read_text(encoding="utf-8").startswith("# werkzeugkoffer-nord\n")
    assert "Eine Karte beitragen" in (repo / "CONTRIBUTING.md").read_text(encoding="utf-8")
    # the example card is an invented example (Musterstadt): the check passes, and its only
    # hint is the one that says it has no source and is shown as a Beispielkarte
    checked = CliRunner().invoke(main, ["check", "--toolkit", str(repo / "toolkit")])
    assert checked.exit_code == 0, checked.output
    hints = checked.output.splitlines()[:-1]
    assert (
        len(hints) == 1 and "mitfahrbank.md:2:1: Hinweis: Die Karte nennt keine Quelle" in hints[0]
    )
    assert checked.output.splitlines()[-1] == "3 Dateien geprüft: 0 Fehler, 1 Hinweis."


def test_starter_vocabulary_starts_from_the_13_zwk_themenfelder(repo: Path) -> None:
    starter = yaml.safe_load((repo / "toolkit/_vocabulary.yml").read_text(encoding="utf-8"))
    bundled = yaml.safe_load((ROOT / "toolkit/_vocabulary.yml").read_text(encoding="utf-8"))
    assert len(starter["topics"]) == 13 and starter["topics"] == bundled["topics"]
    for key in ("challenges", "target_groups", "tool_types"):
        assert starter[key] == bundled[key]
    assert list(starter["communes"]) == ["Musterstadt"]  # one example, to be replaced


def test_generated_workflow_runs_the_installed_commands_and_passes(repo: Path) -> None:
    """The workflow is valid YAML; its steps install the pinned zwk-kb and call zwk-kb check and
    zwk-kb index; run here as its CI would (with this zwk-kb), every step succeeds."""
    workflow = yaml.safe_load((repo / ".github/workflows/karten.yml").read_text(encoding="utf-8"))
    assert set(workflow[True]) == {"pull_request", "push"}  # YAML 1.1 reads "on" as True
    steps = workflow["jobs"]["karten"]["steps"]
    runs = [step["run"] for step in steps if "run" in step]
    install, *commands = runs
    assert install == f'python -m pip install "zwk-kb=={__version__}"'
    assert [shlex.split(c)[:2] for c in commands] == [["zwk-kb", "check"], ["zwk-kb", "index"]]
    assert "--format github" in commands[0]
    for command in commands:
        done = subprocess.run(
            shlex.split(command), cwd=repo, env=clean_env(), capture_output=True, text=True
        )
        assert done.returncode == 0, (command, done.stdout, done.stderr)
    assert (repo / ".zwk-index" / "CURRENT").exists()


def test_pre_commit_config_uses_the_projects_hook(repo: Path, tmp_path: Path) -> None:
    [project_hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    config = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    [local] = config["repos"]
    assert local["repo"] == "local"
    [hook] = local["hooks"]
    for key in ("id", "entry", "language", "files", "require_serial"):
        assert hook[key] == project_hook[key], key
    assert hook["additional_dependencies"] == [f"zwk-kb=={__version__}"]

    remote = tmp_path / "mit-repo"
    url = "https://codeberg.org/beispiel/zwk-kb"
    args = ["init", str(remote), "--hook-repo", url, "--hook-rev", "v9.9"]
    assert CliRunner().invoke(main, args).exit_code == 0
    config = yaml.safe_load((remote / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert config["repos"] == [{"repo": url, "rev": "v9.9", "hooks": [{"id": "zwk-kb-check"}]}]


def test_init_into_a_non_empty_folder_changes_nothing(repo: Path) -> None:
    (repo / "toolkit/mitfahrbank.md").write_text("meine eigene Fassung\n", encoding="utf-8")
    (repo / "README.md").unlink()
    before = snapshot(repo)
    result = CliRunner().invoke(main, ["init", str(repo)])
    assert result.exit_code == 2
    assert "ist nicht leer. Es wurde nichts geschrieben" in result.stderr
    assert snapshot(repo) == before

    added = CliRunner().invoke(main, ["init", str(repo), "--into-existing"])
    assert added.exit_code == 0, added.output
    after = snapshot(repo)
    assert {k: v for k, v in after.items() if k in before} == before  # nothing overwritten
    assert set(after) - set(before) == {"README.md"}
    assert "unverändert (gab es schon)" in added.stderr


def test_init_refuses_a_file_as_target(tmp_path: Path) -> None:
    target = tmp_path / "datei"
    target.write_text("x", encoding="utf-8")
    result = CliRunner().invoke(main, ["init", str(target)])
    assert result.exit_code == 2 and "ist eine Datei" in result.stderr
    assert target.read_text(encoding="utf-8") == "x"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_new_repository_is_served_with_the_plain_command(repo: Path) -> None:
    """As its README says: ``zwk-kb serve`` inside the repository, no options."""
    port = _free_port()
    server = subprocess.Popen(
        [str(BIN / "zwk-kb"), "serve", "--port", str(port), "--server", "waitress"],
        cwd=repo,
        env=clean_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/search?q=mitfahrbank", timeout=5
                ) as response:
                    data = json.loads(response.read())
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        assert [r["slug"] for r in data["results"]] == ["mitfahrbank"]
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/sammlungen/erste-sammlung", timeout=5
        ) as response:
            assert response.status == 200 and "/werkzeuge/mitfahrbank" in response.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=15)
