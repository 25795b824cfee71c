"""The only reader of the cards folder: finds card files, reads them safely, validates them all."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

from zwk_kb.cards import MAX_CARD_BYTES, VOCABULARY_FILE, parse_card
from zwk_kb.errors import ToolkitError
from zwk_kb.model import Card, Problem, Toolkit, Vocabulary
from zwk_kb.vocabulary import parse_vocabulary

log = logging.getLogger(__name__)
CARD_SUFFIX = ".md"


def is_card_name(name: str) -> bool:
    """Card files are ``*.md`` not starting with ``_`` or ``.`` (those are templates, hidden files)."""
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
            Problem(display, 1, 1, "", "Die Datei ist ein Verweis (Symlink). Bitte eine echte Datei anlegen.")
        ]
    try:
        size = path.stat().st_size
        if size > MAX_CARD_BYTES:
            return None, [
                Problem(
                    display, 1, 1, "",
                    f"Die Datei ist {size // 1024} KB groß, erlaubt sind höchstens "
                    f"{MAX_CARD_BYTES // 1024} KB. Bitte kürzen oder Anhänge verlinken.",
                )
            ]
        data = path.read_bytes()
    except OSError as exc:
        return None, [Problem(display, 1, 1, "", f"Die Datei kann nicht gelesen werden ({exc.strerror}).")]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [
            Problem(
                display, line, column, "",
                "Die Datei ist nicht als UTF-8 gespeichert (z. B. Umlaute aus einem alten Windows-"
                "Editor). Bitte im Editor „Speichern unter … Kodierung UTF-8“ wählen.",
            )
        ]


def load_vocabulary(directory: Path) -> tuple[Vocabulary, list[Problem]]:
    path = directory / VOCABULARY_FILE
    display = str(path)
    if not path.is_file():
        raise ToolkitError(
            f"Im Ordner {directory} fehlt die Datei {VOCABULARY_FILE} mit Themen, Herausforderungen "
            "und Kommunen."
        )
    text, problems = read_text(path, display)
    if text is None:
        return Vocabulary(), problems
    parsed = parse_vocabulary(text, path=display)
    return parsed.vocabulary, list(parsed.problems)


def load_toolkit(directory: Path | str) -> Toolkit:
    """Every valid card of the folder; broken cards are skipped and reported, never fatal."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ToolkitError(f"Den Ordner {directory} mit den Werkzeug-Karten gibt es nicht.")
    vocabulary, problems = load_vocabulary(directory)
    vocab_hint = str(directory / VOCABULARY_FILE)
    cards: list[Card] = []
    for path in iter_card_paths(directory):
        display = str(path)
        text, read_problems = read_text(path, display)
        problems.extend(read_problems)
        if text is None:
            continue
        parsed = parse_card(path.stem, text, vocabulary, path=display, vocabulary_hint=vocab_hint)
        problems.extend(parsed.problems)
        if parsed.card is not None:
            cards.append(parsed.card)
    cards, alias_problems = _check_aliases(cards)
    problems.extend(alias_problems)
    for problem in problems:
        if problem.is_error:
            log.warning("Karte übersprungen: %s", problem.format())
    return Toolkit(tuple(cards), vocabulary, tuple(problems), str(directory))


def _check_aliases(cards: list[Card]) -> tuple[list[Card], list[Problem]]:
    """Drop cards whose aliases collide with a slug or another card's alias (first card wins)."""
    slugs = {card.slug for card in cards}
    owner: dict[str, str] = {}
    kept: list[Card] = []
    problems: list[Problem] = []
    for card in cards:
        clash = None
        for alias in card.aliases:
            if alias in slugs:
                clash = f"Der frühere Kurzname „{alias}“ ist der Dateiname einer anderen Karte."
            elif alias in owner:
                clash = f"Der frühere Kurzname „{alias}“ gehört schon zur Karte „{owner[alias]}“."
            if clash:
                break
        if clash:
            problems.append(
                Problem(card.source_path, 2, 1, "aliases", clash + " Bitte einen anderen Namen wählen.")
            )
            continue
        for alias in card.aliases:
            owner[alias] = card.slug
        kept.append(card)
    return kept, problems
