"""``zwk-kb init``: a new toolkit repository of one's own, from the files in ``data/starter``.

The starter is a complete, valid toolkit (vocabulary with the 13 ZWK Themenfelder, template,
one example card, one collection) plus what a repository around it needs: README, German
CONTRIBUTING, a pull-request workflow that installs a pinned zwk-kb and runs ``check`` and
``index``, and a pre-commit configuration with the project's hook. ``init`` never overwrites
a file; a non-empty folder is refused unless the caller says so.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath

from zwk_kb import __version__
from zwk_kb.errors import ZwkKbError

DOT_PREFIX = "dot-"
"""Files and folders stored as ``dot-github`` in the package become ``.github`` in the new
repository (dotfiles inside a package are easy to lose in a build)."""

LOCAL_HOOK = """\
  - repo: local
    hooks:
      - id: zwk-kb-check
        name: Werkzeug-Karten prüfen (zwk-kb check)
        entry: zwk-kb check
        language: python
        additional_dependencies: ["{software}"]
        files: \\.(md|yml)$
        require_serial: true
"""
"""The hook of the project's ``.pre-commit-hooks.yaml`` as a local hook that installs
``software`` itself (works without knowing where the zwk-kb repository lives)."""

REMOTE_HOOK = """\
  - repo: {repo}
    rev: {rev}
    hooks:
      - id: zwk-kb-check
"""


class InitRefused(ZwkKbError):
    """The target folder is not empty and the caller did not allow adding to it."""


def default_software() -> str:
    """The pip requirement the new repository's CI and hook install: this very version."""
    return f"zwk-kb=={__version__}"


def _walk(folder: Traversable, prefix: PurePosixPath) -> list[tuple[PurePosixPath, str]]:
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        name = entry.name
        if name == "__pycache__":
            continue
        if name.startswith(DOT_PREFIX):
            name = "." + name[len(DOT_PREFIX) :]
        if entry.is_dir():
            found += _walk(entry, prefix / name)
        else:
            found.append((prefix / name, entry.read_text(encoding="utf-8")))
    return found


def starter_files(
    name: str, software: str, hook_repo: str | None = None, hook_rev: str | None = None
) -> dict[PurePosixPath, str]:
    """Relative path -> text of every file of a new toolkit repository (pure: writes nothing)."""
    hook = (
        REMOTE_HOOK.format(repo=hook_repo, rev=hook_rev or f"v{__version__}")
        if hook_repo
        else LOCAL_HOOK.format(software=software)
    )
    values = {"{{name}}": name, "{{software}}": software, "{{hook}}\n": hook}
    result = {}
    for path, text in _walk(files("zwk_kb") / "data" / "starter", PurePosixPath()):
        for placeholder, value in values.items():
            text = text.replace(placeholder, value)
        result[path] = text
    return result


def init_toolkit(
    target: Path,
    *,
    name: str,
    software: str,
    hook_repo: str | None = None,
    hook_rev: str | None = None,
    into_existing: bool = False,
) -> tuple[list[Path], list[Path]]:
    """Write the starter into ``target``: (written, kept) paths. Existing files are kept as
    they are, always; a non-empty ``target`` is refused unless ``into_existing``."""
    if target.exists() and not target.is_dir():
        raise InitRefused(f"{target} ist eine Datei, kein Ordner.")
    if target.is_dir() and any(target.iterdir()) and not into_existing:
        raise InitRefused(
            f"Der Ordner {target} ist nicht leer. Es wurde nichts geschrieben. Bitte einen leeren "
            "oder neuen Ordner angeben – oder „--into-existing“, dann ergänzt zwk-kb nur "
            "fehlende Dateien und ändert keine vorhandene."
        )
    written, kept = [], []
    for relative, text in starter_files(name, software, hook_repo, hook_rev).items():
        path = target.joinpath(*relative.parts)
        if path.exists():
            kept.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8", newline="\n") as handle:  # "x": never overwrite
            handle.write(text)
        written.append(path)
    return written, kept
