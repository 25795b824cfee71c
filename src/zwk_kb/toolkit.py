"""The only reader of the cards folder: finds card files, reads them safely, validates them all.

Everything ``zwk-kb check`` calls an error keeps a card off the site: ``load_toolkit`` and the
check share ``check_card_file`` and ``alias_conflicts``.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from zwk_kb.cards import (
    MAX_CARD_BYTES,
    VOCABULARY_FILE,
    ParsedCard,
    is_example_hint,
    parse_card,
)
from zwk_kb.errors import ToolkitError
from zwk_kb.markdown import IMAGE_SUFFIXES
from zwk_kb.model import SEVERITY_WARNING, Card, Problem, Toolkit, Vocabulary
from zwk_kb.vocabulary import parse_vocabulary
from zwk_kb.yamlnodes import clean_for_message

log = logging.getLogger(__name__)
CARD_SUFFIX = ".md"


def is_card_name(name: str) -> bool:
    """Card files are ``*.md`` not starting with ``_`` or ``.`` (templates, hidden files)."""
    return name.endswith(CARD_SUFFIX) and not name.startswith(("_", "."))


def iter_card_paths(directory: Path) -> Iterator[Path]:
    """Card files directly in ``directory``, sorted by name (sub-folders are not looked at)."""
    for path in sorted(directory.iterdir()):
        if is_card_name(path.name) and (path.is_file() or path.is_symlink()):
            yield path


def read_text(path: Path, display: str) -> tuple[str | None, list[Problem]]:
    """The file as text, or a problem saying why it cannot be read (link, size, encoding)."""
    if path.is_symlink():
        return None, [
            Problem(
                display,
                1,
                1,
                "",
                "Die Datei ist ein Verweis (Symlink). Bitte eine echte Datei anlegen.",
            )
        ]
    try:
        if not path.is_file():
            return None, [Problem(display, 1, 1, "", "Das ist keine normale Datei.")]
        size = path.stat().st_size
        if size > MAX_CARD_BYTES:
            return None, [
                Problem(
                    display,
                    1,
                    1,
                    "",
                    f"Die Datei ist {size // 1024} KB groß, erlaubt sind höchstens "
                    f"{MAX_CARD_BYTES // 1024} KB. Bitte kürzen oder Anhänge verlinken.",
                )
            ]
        with path.open("rb") as handle:
            data = handle.read(MAX_CARD_BYTES + 1)
    except OSError as exc:
        reason = clean_for_message(exc.strerror or type(exc).__name__)
        return None, [
            Problem(display, 1, 1, "", f"Die Datei kann nicht gelesen werden ({reason}).")
        ]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [
            Problem(
                display,
                line,
                column,
                "",
                "Die Datei ist nicht als UTF-8 gespeichert (z. B. Umlaute aus einem alten "
                "Windows-Editor). Bitte im Editor „Speichern unter … Kodierung UTF-8“ wählen.",
            )
        ]


def load_vocabulary(directory: Path) -> tuple[Vocabulary, list[Problem]]:
    """The folder's ``_vocabulary.yml`` and its problems; a missing file is a ``ToolkitError``."""
    path = directory / VOCABULARY_FILE
    display = str(path)
    if not path.is_file() and not path.is_symlink():
        raise ToolkitError(
            f"Im Ordner {directory} fehlt die Datei {VOCABULARY_FILE} mit Themen, "
            "Herausforderungen "
            "und Kommunen."
        )
    text, problems = read_text(path, display)
    if text is None:
        return Vocabulary(), problems
    parsed = parse_vocabulary(text, path=display)
    return parsed.vocabulary, list(parsed.problems)


def card_slug(path: Path) -> str:
    """The slug a card file stands for (its name without ``.md``)."""
    return path.name[: -len(CARD_SUFFIX)] if path.name.endswith(CARD_SUFFIX) else path.stem


def check_card_file(
    path: Path,
    toolkit_dir: Path,
    vocabulary: Vocabulary,
    *,
    slug: str | None = None,
) -> ParsedCard:
    """Read, parse and validate one card file, including its images on disk."""
    display = str(path)
    text, problems = read_text(path, display)
    if text is None:
        return ParsedCard(None, tuple(problems))
    hint = str(toolkit_dir / VOCABULARY_FILE)
    parsed = parse_card(
        slug if slug is not None else card_slug(path),
        text,
        vocabulary,
        path=display,
        vocabulary_hint=hint,
    )
    image_problems = _check_images(parsed, path.parent, toolkit_dir, display)
    if not image_problems:
        return parsed
    card = parsed.card if not any(p.is_error for p in image_problems) else None
    # a card that is not shown is no example card either: its missing-source hint goes
    kept = parsed.problems if card else tuple(p for p in parsed.problems if not is_example_hint(p))
    return dataclasses.replace(parsed, card=card, problems=(*kept, *image_problems))


def _check_images(
    parsed: ParsedCard, card_dir: Path, toolkit_dir: Path, display: str
) -> list[Problem]:
    """Local images must exist inside the toolkit folder (never outside it, not via symlinks)."""
    problems: list[Problem] = []
    root = toolkit_dir.resolve()
    for image in parsed.images:
        shown = clean_for_message(unquote(image.src))
        parts = urlsplit(image.src)
        relative = unquote(parts.path)
        message = ""
        if parts.scheme or parts.netloc:
            message = f"„{shown}“ ist keine Bilddatei im Karten-Ordner."
        elif relative.startswith("/") or "\\" in relative:
            message = (
                f"Der Bildpfad „{shown}“ muss relativ zur Karte sein, z. B. „bilder/bus.jpg“ "
                "(ohne / am Anfang, mit / statt \\)."
            )
        elif not relative:
            message = "Beim Bild fehlt der Dateiname in den runden Klammern."
        else:
            target = (card_dir / relative).resolve()
            if not target.is_relative_to(root):
                message = (
                    f"Das Bild „{shown}“ liegt außerhalb des Karten-Ordners. Bitte Bilder im "
                    "Karten-Ordner ablegen, z. B. in bilder/."
                )
            elif target.suffix.lower() not in IMAGE_SUFFIXES:
                message = (
                    f"Das Bild „{shown}“ hat ein Format, das die Seite nicht zeigt. Bitte als "
                    "PNG, JPG, GIF oder WebP speichern."
                )
            elif not target.is_file():
                message = (
                    f"Das Bild „{shown}“ gibt es nicht. Bitte die Datei hochladen oder den Namen "
                    "prüfen (Groß-/Kleinschreibung zählt)."
                )
        if message:
            problems.append(Problem(display, image.line, image.column, "body", message))
    return problems


@dataclass(frozen=True, slots=True)
class AliasConflict:
    """A former slug claimed twice: ``owner`` lost it to ``holder`` (a card file or an alias)."""

    alias: str
    owner: str
    """Path of the card whose ``aliases`` entry is refused."""
    owner_line: int
    owner_column: int
    holder: str
    """Path of the card that has the name first: its file name, or its own alias."""
    holder_line: int
    holder_column: int
    by_file_name: bool

    def problems(self) -> tuple[Problem, Problem]:
        """One problem at each of the two places, each naming the other."""
        there = f"{self.holder}:{self.holder_line}:{self.holder_column}"
        here = f"{self.owner}:{self.owner_line}:{self.owner_column}"
        if self.by_file_name:
            first = (
                f"Der frühere Kurzname „{self.alias}“ ist der Dateiname einer anderen Karte "
                f"({self.holder}). Bitte den Eintrag löschen oder einen anderen Namen wählen."
            )
            second = (
                f"Der Dateiname dieser Karte steht bei einer anderen Karte als früherer Kurzname "
                f"(„{self.alias}“ in {here}). Dort bitte löschen."
            )
        else:
            first = (
                f"Der frühere Kurzname „{self.alias}“ gehört schon zu einer anderen Karte "
                f"({there}). "
                "Ein früherer Kurzname darf nur bei einer Karte stehen."
            )
            second = (
                f"Der frühere Kurzname „{self.alias}“ steht auch bei einer anderen Karte ({here}). "
                "Ein früherer Kurzname darf nur bei einer Karte stehen."
            )
        return (
            Problem(self.owner, self.owner_line, self.owner_column, "aliases", first),
            Problem(self.holder, self.holder_line, self.holder_column, "aliases", second),
        )


def alias_conflicts(entries: Sequence[tuple[Path, ParsedCard]]) -> list[AliasConflict]:
    """Aliases that are another card's file name, or that two cards claim (the first one wins)."""
    file_slugs = {card_slug(path): str(path) for path, _ in entries}
    owners: dict[str, tuple[str, int, int]] = {}
    conflicts: list[AliasConflict] = []
    for path, parsed in entries:
        own = card_slug(path)
        for alias, line, column in parsed.aliases:
            if alias == own:
                continue
            if alias in file_slugs:
                conflicts.append(
                    AliasConflict(alias, str(path), line, column, file_slugs[alias], 1, 1, True)
                )
            elif alias in owners and owners[alias][0] != str(path):
                holder, h_line, h_column = owners[alias]
                conflicts.append(
                    AliasConflict(alias, str(path), line, column, holder, h_line, h_column, False)
                )
            else:
                owners.setdefault(alias, (str(path), line, column))
    return conflicts


def own_slug_aliases(path: Path, parsed: ParsedCard) -> list[Problem]:
    """A card listing its own file name as a former name (harmless, but a sign of confusion)."""
    own = card_slug(path)
    return [
        Problem(
            str(path),
            line,
            column,
            "aliases",
            f"„{alias}“ ist der aktuelle Dateiname dieser Karte, kein früherer. Bitte löschen.",
            SEVERITY_WARNING,
        )
        for alias, line, column in parsed.aliases
        if alias == own
    ]


def load_toolkit(
    directory: Path | str, *, progress: Callable[[int, int], None] | None = None
) -> Toolkit:
    """Every valid card of the folder; broken cards are skipped and reported, never fatal.

    ``progress(done, total)`` hears how many of the ``total`` card files are read: first with
    ``done == 0``, then after each file. Reading 10,000 cards takes seconds, and a command line
    wants to show that it is working; the callback decides what to show (or nothing).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ToolkitError(f"Den Ordner {directory} mit den Werkzeug-Karten gibt es nicht.")
    vocabulary, problems = load_vocabulary(directory)
    paths = list(iter_card_paths(directory))
    if progress is not None:
        progress(0, len(paths))
    entries: list[tuple[Path, ParsedCard]] = []
    for done, path in enumerate(paths, 1):
        entries.append((path, check_card_file(path, directory, vocabulary)))
        if progress is not None:
            progress(done, len(paths))
    for path, parsed in entries:
        problems.extend(parsed.problems)
        problems.extend(own_slug_aliases(path, parsed))
    dropped: set[str] = set()
    for conflict in alias_conflicts(entries):
        # The card that refers to a taken name is skipped; the other one stays on the site.
        problems.append(conflict.problems()[0])
        dropped.add(conflict.owner)
    cards: list[Card] = [
        parsed.card
        for path, parsed in entries
        if parsed.card is not None and str(path) not in dropped
    ]
    for problem in problems:
        if problem.is_error:
            log.warning("Karte übersprungen: %s", problem.format())
    return Toolkit(tuple(cards), vocabulary, tuple(problems), str(directory))
