"""The only reader of the cards folder: finds card files, reads them safely, validates them all.

Everything ``zwk-kb check`` calls an error keeps a card off the site: ``load_toolkit`` and the
check share ``check_card_file`` and ``alias_conflicts``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import stat
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from zwk_kb.cards import (
    MAX_CARD_BYTES,
    VOCABULARY_FILE,
    ParsedCard,
    content_stamp,
    is_example_hint,
    parse_card,
)
from zwk_kb.errors import ToolkitError
from zwk_kb.markdown import IMAGE_SUFFIXES
from zwk_kb.model import (
    SEVERITY_WARNING,
    Card,
    CardFile,
    FileTable,
    Problem,
    Toolkit,
    Vocabulary,
)
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
    image_problems = image_problems_of(parsed, path.parent, toolkit_dir, display)
    if not image_problems:
        return parsed
    card = parsed.card if not any(p.is_error for p in image_problems) else None
    # a card that is not shown is no example card either: its missing-source hint goes
    kept = parsed.problems if card else tuple(p for p in parsed.problems if not is_example_hint(p))
    return dataclasses.replace(parsed, card=card, problems=(*kept, *image_problems))


def image_problems_of(
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


LOADER_MODULES = (
    "toolkit",
    "cards",
    "fields",
    "yamlnodes",
    "vocabulary",
    "markdown",
    "model",
    "facets",
    "errors",
    "characters",
    "analysis/folding",
)
"""Source files that decide what reading a card file finds: a remembered outcome is used only
with the same code."""
RACY_NS = 2_000_000_000
"""A file written this shortly before it was read is remembered without its time stamp: a
second change within the file system's time resolution could keep size and time (the
"racy clean" case of git), so such a file is compared by content on the next load."""
TABLE_FORMAT = 1


@cache
def loader_fingerprint() -> str:
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for name in LOADER_MODULES:
        path = package / f"{name}.py"
        try:
            digest.update(path.read_bytes())
        except OSError as exc:  # a table remembered by other code must never look current
            raise ToolkitError(
                f"Die Installation ist unvollständig: {path} fehlt oder ist nicht lesbar "
                f"({exc}). Bitte zwk-kb neu installieren."
            ) from exc
    return digest.hexdigest()[:24]


def _table_key(directory: Path) -> str:
    """What every remembered outcome depends on besides its own file."""
    try:
        vocabulary = content_stamp((directory / VOCABULARY_FILE).read_bytes())
    except OSError:
        vocabulary = "-"
    return f"{TABLE_FORMAT}:{loader_fingerprint()}:{vocabulary}:{directory}"


def _input_stamps(directory: Path) -> tuple[tuple[str, int, int, int], ...]:
    """Metadata of the other files an index depends on: the vocabulary and the collections."""
    from zwk_kb.card_collections import collection_paths  # only where collections matter

    found = []
    for path in [directory / VOCABULARY_FILE, *collection_paths(directory)]:
        try:
            st = path.lstat()
        except OSError:
            continue
        found.append((str(path.relative_to(directory)), st.st_size, st.st_mtime_ns, st.st_ino))
    return tuple(found)


def _card_stats(directory: Path) -> list[tuple[str, os.stat_result]]:
    """Card files directly in the folder with their ``lstat``, sorted by name (the same files as
    :func:`iter_card_paths`, one system call each)."""
    found = []
    with os.scandir(directory) as entries:
        for entry in entries:
            if not is_card_name(entry.name):
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode):
                found.append((entry.name, st))
    found.sort(key=lambda item: item[0])
    return found


def _same_metadata(known: CardFile, st: os.stat_result) -> bool:
    return (known.size, known.mtime_ns, known.inode) == (st.st_size, st.st_mtime_ns, st.st_ino)


def _images_unchanged(known: CardFile) -> bool:
    return all(Path(path).is_file() == existed for path, existed in known.images)


def _file_hash(path: Path) -> str | None:
    try:
        with path.open("rb") as handle:
            return content_stamp(handle.read(MAX_CARD_BYTES + 1))
    except OSError:
        return None


def _image_states(
    parsed: ParsedCard, card_dir: Path, toolkit_dir: Path
) -> tuple[tuple[str, bool], ...]:
    """The local image files a card's validity depends on, and whether each exists now."""
    root = toolkit_dir.resolve()
    states = []
    for image in parsed.images:
        parts = urlsplit(image.src)
        relative = unquote(parts.path)
        if parts.scheme or parts.netloc or not relative or relative.startswith("/"):
            continue
        target = (card_dir / relative).resolve()
        if target.is_relative_to(root):
            states.append((str(target), target.is_file()))
    return tuple(states)


def _remembered(known: FileTable | None, directory: Path) -> dict[str, CardFile]:
    if known is None or known.key != _table_key(directory):
        return {}
    return {entry.name: entry for entry in known.files}


def table_is_current(directory: Path | str, known: FileTable | None) -> bool:
    """Whether every file the table describes is unchanged by its metadata (no file read),
    no card file was added or removed, and vocabulary and collections are unchanged."""
    directory = Path(directory)
    remembered = _remembered(known, directory)
    if not remembered or known is None:
        return False
    try:
        if _input_stamps(directory) != known.inputs:
            return False
        stats = _card_stats(directory)
    except OSError:
        return False
    if len(stats) != len(remembered):
        return False
    for name, st in stats:
        entry = remembered.get(name)
        if entry is None or not _images_unchanged(entry):
            return False
        if _same_metadata(entry, st):
            continue
        racy = entry.mtime_ns == -1 and (entry.size, entry.inode) == (st.st_size, st.st_ino)
        if not racy or _file_hash(directory / name) != entry.stamp:
            return False
    return True


def load_toolkit(
    directory: Path | str,
    *,
    progress: Callable[[int, int], None] | None = None,
    known: FileTable | None = None,
) -> Toolkit:
    """Every valid card of the folder; broken cards are skipped and reported, never fatal.

    ``known`` (the table an index run recorded) makes the load incremental: a file whose size,
    time stamp and inode are unchanged is not read; one whose metadata changed is read and
    hashed, and parsed only if its content changed. The outcome of the other files (validity,
    problems, aliases) is taken from the table; their cards are listed in ``unparsed``.

    ``progress(done, total)`` hears how many of the ``total`` card files to parse are done:
    first with ``done == 0``, then after each file. Reading 10,000 cards takes seconds, and a
    command line wants to show that it is working; the callback decides what to show.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ToolkitError(f"Den Ordner {directory} mit den Werkzeug-Karten gibt es nicht.")
    key = _table_key(directory)
    inputs = _input_stamps(directory)
    vocabulary, problems = load_vocabulary(directory)
    remembered = _remembered(known, directory)
    started = time.time_ns()
    stats = _card_stats(directory)
    outcome: dict[str, CardFile] = {}
    to_parse: list[tuple[str, os.stat_result]] = []
    for name, st in stats:
        entry = remembered.get(name)
        if entry is not None and _images_unchanged(entry):
            if _same_metadata(entry, st):
                outcome[name] = entry
                continue
            if _file_hash(directory / name) == entry.stamp:  # touched, not changed
                outcome[name] = _with_metadata(entry, st, started)
                continue
        to_parse.append((name, st))
    if progress is not None:
        progress(0, len(to_parse))
    parsed_cards: dict[str, ParsedCard] = {}
    for done, (name, st) in enumerate(to_parse, 1):
        path = directory / name
        parsed = check_card_file(path, directory, vocabulary)
        parsed_cards[name] = parsed
        stamp = parsed.card.stamp if parsed.card is not None else (_file_hash(path) or "")
        outcome[name] = _with_metadata(
            CardFile(
                name,
                0,
                0,
                0,
                stamp,
                parsed.card.slug if parsed.card is not None else "",
                parsed.aliases,
                parsed.problems,
                _image_states(parsed, directory, directory),
            ),
            st,
            started,
        )
        if progress is not None:
            progress(done, len(to_parse))
    entries: list[tuple[Path, ParsedCard]] = []
    for name, _ in stats:
        entry = outcome[name]
        path = directory / name
        parsed = parsed_cards.get(name) or ParsedCard(None, entry.problems, entry.aliases)
        entries.append((path, parsed))
        problems.extend(entry.problems)
        problems.extend(own_slug_aliases(path, parsed))
    dropped: set[str] = set()
    for conflict in alias_conflicts(entries):
        # The card that refers to a taken name is skipped; the other one stays on the site.
        problems.append(conflict.problems()[0])
        dropped.add(conflict.owner)
    cards: list[Card] = []
    unparsed: list[tuple[str, str]] = []
    for name, _ in stats:
        entry = outcome[name]
        if not entry.slug or str(directory / name) in dropped:
            continue
        parsed_card = parsed_cards.get(name)
        if parsed_card is not None and parsed_card.card is not None:
            cards.append(parsed_card.card)
        else:
            unparsed.append((entry.slug, entry.stamp))
    for problem in problems:
        if problem.is_error:
            log.warning("Karte übersprungen: %s", problem.format())
    table = FileTable(key, tuple(outcome[name] for name, _ in stats), inputs)
    return Toolkit(
        tuple(cards), vocabulary, tuple(problems), str(directory), table, tuple(unparsed)
    )


def _with_metadata(entry: CardFile, st: os.stat_result, started: int) -> CardFile:
    """The entry with the file's current metadata; a file written just before it was read is
    remembered without its time stamp (see ``RACY_NS``)."""
    mtime = st.st_mtime_ns if st.st_mtime_ns < started - RACY_NS else -1
    return dataclasses.replace(entry, size=st.st_size, mtime_ns=mtime, inode=st.st_ino)


def table_to_data(table: FileTable) -> dict[str, Any]:
    """The table as JSON-ready data (stored by the index run in its generation)."""
    return {
        "key": table.key,
        "inputs": [list(item) for item in table.inputs],
        "files": [
            [
                e.name,
                e.size,
                e.mtime_ns,
                e.inode,
                e.stamp,
                e.slug,
                [list(a) for a in e.aliases],
                [[p.path, p.line, p.column, p.field, p.message, p.severity] for p in e.problems],
                [list(i) for i in e.images],
            ]
            for e in table.files
        ],
    }


def table_from_data(data: Any) -> FileTable | None:
    """The table stored by :func:`table_to_data`; None for anything else (never trusted)."""
    try:
        files = tuple(
            CardFile(
                str(name),
                int(size),
                int(mtime),
                int(inode),
                str(stamp),
                str(slug),
                tuple((str(a), int(line), int(col)) for a, line, col in aliases),
                tuple(
                    Problem(str(path), int(line), int(col), str(field), str(msg), str(sev))
                    for path, line, col, field, msg, sev in problems
                ),
                tuple((str(path), bool(existed)) for path, existed in images),
            )
            for name, size, mtime, inode, stamp, slug, aliases, problems, images in data["files"]
        )
        inputs = tuple(
            (str(name), int(size), int(mtime), int(inode))
            for name, size, mtime, inode in data["inputs"]
        )
        return FileTable(str(data["key"]), files, inputs)
    except (KeyError, TypeError, ValueError):
        return None
