"""``zwk-kb check``: every problem of every file in one run, as text, JSON or GitHub annotations.

The check uses the same functions as the loader (``toolkit.check_card_file``,
``toolkit.alias_conflicts``), so a card the check accepts is a card the site shows. On top of
that it validates ``_collections/*.yml`` and warns about files that look like cards but are not
read (wrong extension, sub-folder).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zwk_kb.card_collections import COLLECTIONS_DIR, collection_paths, load_collections
from zwk_kb.cards import VOCABULARY_FILE, ParsedCard
from zwk_kb.characters import printable
from zwk_kb.errors import ToolkitError
from zwk_kb.model import SEVERITY_WARNING, Problem, Vocabulary
from zwk_kb.toolkit import (
    alias_conflicts,
    card_slug,
    check_card_file,
    is_card_name,
    iter_card_paths,
    load_vocabulary,
    own_slug_aliases,
)

FORMATS = ("text", "json", "github")
_LOOKALIKE_SUFFIXES = (".markdown", ".mdown", ".mkd", ".txt")


class CheckUsageError(Exception):
    """A path or option the check cannot work with (exit code 2)."""


@dataclass
class CheckReport:
    """Everything ``check`` found, in file order, plus counts for the summary."""

    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    """Files that were checked."""
    skipped: list[str] = field(default_factory=list)
    """Given files that belong to no toolkit folder (e.g. README.md from a pre-commit run)."""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    def failed(self, *, strict: bool = False) -> bool:
        """Whether the check fails: any error, or with ``strict`` any warning too."""
        return bool(self.errors or (strict and self.warnings))

    def sorted_problems(self) -> list[Problem]:
        return sorted(self.problems, key=lambda p: (p.path, p.line, p.column))


# --- which files to check ------------------------------------------------------------------


@dataclass
class _Plan:
    """Per toolkit folder: which of its files to report on (``None`` = all of them)."""

    toolkit: Path
    files: set[Path] | None = None

    def wants(self, path: Path) -> bool:
        return self.files is None or _abs(path) in self.files


def _abs(path: Path) -> Path:
    """Absolute path without resolving symlinks (a symlinked card must stay itself)."""
    return Path(os.path.abspath(path))


def _toolkit_of(path: Path, given: Path | None) -> Path | None:
    """The toolkit folder of a file: ``--toolkit`` or the nearest folder with a vocabulary."""
    parent = path.parent
    candidates = [parent, parent.parent] if parent.name == COLLECTIONS_DIR else [parent]
    for folder in candidates:
        if given is not None:
            if folder.resolve() == given.resolve():
                return given
        elif (folder / VOCABULARY_FILE).exists():
            return folder
    return None


def _plans(
    paths: Sequence[Path], toolkit: Path | None, default: Path
) -> tuple[list[_Plan], list[str]]:
    if not paths:
        return [_Plan(toolkit or default)], []
    plans: dict[Path, _Plan] = {}
    skipped: list[str] = []
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise CheckUsageError(f"Die Datei oder den Ordner {path} gibt es nicht.")
        if path.is_dir() and not path.is_symlink():
            plans[path.resolve()] = _Plan(path)
            continue
        folder = _toolkit_of(path, toolkit)
        if folder is None:
            skipped.append(str(path))
            continue
        plan = plans.setdefault(folder.resolve(), _Plan(folder, set()))
        if path.name == VOCABULARY_FILE and path.parent == folder:
            # A changed vocabulary can break any card (a removed term): check the whole folder.
            plan.files = None
        if plan.files is not None:
            plan.files.add(_abs(path))
    return list(plans.values()), skipped


# --- the check -------------------------------------------------------------------------------


def check_paths(
    paths: Sequence[Path | str] = (),
    *,
    toolkit: Path | str | None = None,
    default_toolkit: Path | str = "toolkit",
) -> CheckReport:
    """Check card files, vocabulary files, collections and whole toolkit folders."""
    toolkit_path = Path(toolkit) if toolkit is not None else None
    plans, skipped = _plans([Path(p) for p in paths], toolkit_path, Path(default_toolkit))
    report = CheckReport(skipped=skipped)
    for plan in plans:
        _check_toolkit(plan, report)
    return report


def _check_toolkit(plan: _Plan, report: CheckReport) -> None:
    folder = plan.toolkit
    if not folder.is_dir():
        raise CheckUsageError(f"Den Ordner {folder} mit den Werkzeug-Karten gibt es nicht.")
    try:
        vocabulary, vocab_problems = load_vocabulary(folder)
    except ToolkitError as exc:
        report.problems.append(Problem(str(folder / VOCABULARY_FILE), 1, 1, "", str(exc)))
        return
    if plan.wants(folder / VOCABULARY_FILE):
        report.files += 1
        report.problems.extend(vocab_problems)
    elif any(p.is_error for p in vocab_problems):
        report.problems.append(
            Problem(
                str(folder / VOCABULARY_FILE),
                1,
                1,
                "",
                "Das Vokabular hat Fehler; die Karten können erst danach sicher geprüft werden. "
                f"Bitte „zwk-kb check {folder / VOCABULARY_FILE}“ ausführen.",
            )
        )
    entries: list[tuple[Path, ParsedCard]] = []
    for path in iter_card_paths(folder):
        parsed = check_card_file(path, folder, vocabulary)
        entries.append((path, parsed))
        if plan.wants(path):
            report.files += 1
            report.problems.extend(parsed.problems)
            report.problems.extend(own_slug_aliases(path, parsed))
    if plan.files is not None:
        for path in sorted(plan.files):
            if path.parent == _abs(folder) and path.name.startswith("_") and is_card_like(path):
                report.files += 1
                report.problems.extend(_check_template(path, folder, vocabulary))
    for conflict in alias_conflicts(entries):
        if plan.wants(Path(conflict.owner)) or plan.wants(Path(conflict.holder)):
            report.problems.extend(conflict.problems())
    valid = {card_slug(path) for path, parsed in entries if parsed.card is not None}
    collection_files = [p for p in collection_paths(folder) if plan.wants(p)]
    if collection_files:
        report.files += len(collection_files)
        _, collection_problems = load_collections(folder, valid)
        wanted = {str(p) for p in collection_files}
        report.problems.extend(p for p in collection_problems if p.path in wanted)
    if plan.files is None:
        report.problems.extend(_lookalikes(folder))


def is_card_like(path: Path) -> bool:
    return path.name.lower().endswith(".md")


def _check_template(path: Path, folder: Path, vocabulary: Vocabulary) -> list[Problem]:
    """Files like ``_template.md`` are not cards, but must be valid cards when copied."""
    parsed = check_card_file(path, folder, vocabulary, slug="vorlage")
    return list(parsed.problems)


def _lookalikes(folder: Path) -> list[Problem]:
    """Files a contributor meant as cards that the site will never read."""
    problems = []
    for path in sorted(folder.iterdir()):
        name = path.name
        if name.startswith((".", "_")):
            continue
        if path.is_dir():
            for inner in sorted(path.glob("*.md")):
                problems.append(
                    Problem(
                        str(inner),
                        1,
                        1,
                        "",
                        f"Diese Datei wird nicht als Karte gelesen: Karten liegen direkt im Ordner "
                        f"{folder}, nicht in Unterordnern.",
                        SEVERITY_WARNING,
                    )
                )
        elif not is_card_name(name) and (
            name.lower().endswith(".md") or name.lower().endswith(_LOOKALIKE_SUFFIXES)
        ):
            problems.append(
                Problem(
                    str(path),
                    1,
                    1,
                    "",
                    "Diese Datei wird nicht als Karte gelesen: Karten enden auf „.md“ (klein "
                    "geschrieben), z. B. „buergerbus.md“.",
                    SEVERITY_WARNING,
                )
            )
    return problems


# --- output ----------------------------------------------------------------------------------


NEWLINES = "\r\n"


def format_text(report: CheckReport, *, strict: bool = False) -> str:
    """Compiler-style lines ``path:line:column: message`` and a German summary."""
    lines = [printable(problem.format()) for problem in report.sorted_problems()]
    lines.append(summary(report, strict=strict))
    return "\n".join(lines)


def summary(report: CheckReport, *, strict: bool = False) -> str:
    errors, warnings = len(report.errors), len(report.warnings)
    files = f"{report.files} Datei" + ("" if report.files == 1 else "en")
    if not errors and not warnings:
        text = f"Alles in Ordnung: {files} geprüft, keine Probleme."
    else:
        text = (
            f"{files} geprüft: {errors} Fehler, {warnings} "
            + ("Hinweis" if warnings == 1 else "Hinweise")
            + "."
        )
        if errors:
            text += " Karten mit Fehlern erscheinen nicht auf der Website."
        elif strict:
            text += " Mit --strict zählen Hinweise als Fehler."
    if report.skipped:
        text += (
            f" {len(report.skipped)} Datei(en) gehören zu keinem Karten-Ordner und wurden "
            "übersprungen."
        )
    return text


def to_json(report: CheckReport, *, strict: bool = False) -> dict[str, Any]:
    """The report as a JSON-able dict (for tools and editors).

    Texts are ``printable`` as in the other formats: a file name with a control character or
    bytes that are not UTF-8 must not put raw control bytes or invalid UTF-8 into the JSON.
    """
    return {
        "ok": not report.failed(strict=strict),
        "files": report.files,
        "errors": len(report.errors),
        "warnings": len(report.warnings),
        "skipped": [printable(path, keep=NEWLINES) for path in report.skipped],
        "problems": [
            {
                "path": printable(p.path, keep=NEWLINES),
                "line": p.line,
                "column": p.column,
                "field": printable(p.field),
                "message": printable(p.message, keep=NEWLINES),
                "severity": p.severity,
            }
            for p in report.sorted_problems()
        ],
    }


def format_json(report: CheckReport, *, strict: bool = False) -> str:
    return json.dumps(to_json(report, strict=strict), ensure_ascii=False, indent=2)


def _escape_data(value: str) -> str:
    """GitHub workflow command data: ``%``, CR and LF are percent-encoded."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    """GitHub workflow command property: like data, plus ``:`` and ``,``."""
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def format_github(report: CheckReport, *, strict: bool = False) -> str:
    """``::error file=…,line=…,col=…,title=…::message`` annotations, then the summary."""
    lines = []
    for p in report.sorted_problems():
        level = "error" if p.is_error or strict else "warning"
        title = "zwk-kb check" + (f" ({p.field})" if p.field else "")
        props = ",".join(
            f"{key}={_escape_property(printable(str(value), keep=NEWLINES))}"
            for key, value in (
                ("file", p.path),
                ("line", p.line),
                ("col", p.column),
                ("title", title),
            )
        )
        message = printable(p.message, keep=NEWLINES)
        lines.append(f"::{level} {props}::{_escape_data(message)}")
    lines.append(summary(report, strict=strict))
    return "\n".join(lines)


FORMATTERS = {"text": format_text, "json": format_json, "github": format_github}
