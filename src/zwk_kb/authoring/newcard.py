"""``zwk-kb new``: a new card from a few answers, with the right file name, valid from the start.

Pure helpers (slug, choice parsing, rendering) plus ``write_card``; the prompting lives in
``cli.py``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from zwk_kb import fields
from zwk_kb.analysis.folding import fold
from zwk_kb.authoring.cardfile import CardValues, render_card_file
from zwk_kb.cards import DEFAULT_LICENSE, VOCABULARY_FILE, parse_card
from zwk_kb.errors import ZwkKbError
from zwk_kb.model import Contact, Link, Problem, Vocabulary
from zwk_kb.toolkit import (
    card_slug,
    check_card_file,
    iter_card_paths,
    load_vocabulary,
    read_text,
)

_GERMAN = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"}
)
_NON_SLUG = re.compile(r"[^a-z0-9]+")
_SPLIT = re.compile(r"\s*[,;]\s*")


class NewCardError(ZwkKbError):
    """The card cannot be written (exists already, invalid values, …); the message says why."""


def slugify(title: str, max_len: int = fields.SLUG_MAX) -> str:
    """The file name (without ``.md``) for a title: ä→ae, ö→oe, ü→ue, ß→ss, lowercase, hyphens."""
    text = title.translate(_GERMAN)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    slug = _NON_SLUG.sub("-", text).strip("-")
    if len(slug) > max_len:
        slug = slug[:max_len].rsplit("-", 1)[0] if "-" in slug[:max_len] else slug[:max_len]
    return slug.strip("-")


def parse_choices(answer: str, choices: Sequence[str], what: str) -> tuple[list[str], list[str]]:
    """Values picked by number (``1, 3``) or by name (spelling forgiven), and error messages."""
    answer = answer.strip()
    if not answer:
        return [], []
    by_fold = {fold(c): c for c in choices}
    if fold(answer) in by_fold:  # a single term that itself contains a comma
        return [by_fold[fold(answer)]], []
    picked: list[str] = []
    errors: list[str] = []
    for part in _SPLIT.split(answer):
        if not part:
            continue
        value: str | None = None
        if part.isdigit():
            number = int(part)
            if 1 <= number <= len(choices):
                value = choices[number - 1]
            else:
                errors.append(f"Die Nummer {part} gibt es nicht (1 bis {len(choices)}).")
                continue
        else:
            value = by_fold.get(fold(part))
        if value is None:
            hint = fields.suggestion(part, choices)
            extra = f" Meinten Sie „{hint}“?" if hint else ""
            errors.append(
                f"{what} {fields.shown(part)} ist nicht im Vokabular.{extra} Neue Begriffe bitte "
                f"zuerst in {VOCABULARY_FILE} ergänzen."
            )
        elif value not in picked:
            picked.append(value)
    return picked, errors


def numbered(choices: Sequence[str]) -> str:
    """The choices as a numbered list, for the prompt."""
    width = len(str(len(choices)))
    return "\n".join(f"  {n:>{width}}. {choice}" for n, choice in enumerate(choices, 1))


@dataclass(frozen=True, slots=True)
class CardDraft:
    """The answers for a new card."""

    title: str
    summary: str
    topics: tuple[str, ...]
    communes: tuple[str, ...]
    challenges: tuple[str, ...]
    published: dt.date = field(default_factory=dt.date.today)
    contact_name: str = ""
    contact_email: str = ""
    source_title: str = ""
    source_url: str = ""
    """Where the tool is publicly described; without it the card is shown as an example."""


NEW_CARD_SECTIONS: tuple[str, ...] = (
    "Beschreiben Sie hier in zwei, drei Sätzen, welches Problem das Werkzeug löst.",
    "1. Erster Schritt\n2. Zweiter Schritt",
    "- Personal, Zeit, Geld, Partner",
    "Was hat gut geklappt, was würden Sie heute anders machen?",
    "- Ein Tipp für Kommunen, die das Werkzeug übernehmen möchten.",
)
"""What a new card's sections say until their author replaces it."""


def render_card(draft: CardDraft) -> str:
    """The Markdown file of a new card: front matter plus a body with the recommended sections
    (written by the one card writer that the website's form uses too)."""
    values = CardValues(
        title=draft.title,
        summary=draft.summary,
        topics=draft.topics,
        communes=draft.communes,
        challenges=draft.challenges,
        published=draft.published.isoformat(),
        contact=Contact(name=draft.contact_name, email=draft.contact_email),
        sources=(Link(draft.source_title, draft.source_url),)
        if draft.source_title or draft.source_url
        else (),
        license=DEFAULT_LICENSE,
        sections=NEW_CARD_SECTIONS,
    )
    return render_card_file(values).text


def card_path(toolkit_dir: Path, title: str) -> Path:
    """Where the card for ``title`` goes; an error if the title gives no usable file name."""
    slug = slugify(title)
    if not fields.is_slug(slug):
        raise NewCardError(
            f"Aus dem Titel {fields.shown(title)} lässt sich kein Dateiname bilden. Bitte "
            "Buchstaben "
            "oder Ziffern verwenden."
        )
    return toolkit_dir / f"{slug}.md"


def _taken_as_alias(toolkit_dir: Path, slug: str, vocabulary: Vocabulary) -> str | None:
    """The card that lists ``slug`` as a former name, if any."""
    for path in iter_card_paths(toolkit_dir):
        text, _ = read_text(path, str(path))
        if not text or slug not in text:
            continue
        parsed = check_card_file(path, toolkit_dir, vocabulary)
        if any(alias == slug for alias, _, _ in parsed.aliases):
            return card_slug(path)
    return None


def write_card(toolkit_dir: Path, draft: CardDraft) -> Path:
    """Write the new card; never overwrites, never writes what ``zwk-kb check`` rejects."""
    vocabulary, _ = load_vocabulary(toolkit_dir)
    path = card_path(toolkit_dir, draft.title)
    if path.exists() or path.is_symlink():
        raise NewCardError(
            f"Die Datei {path} gibt es schon. Bitte einen anderen Titel wählen oder die Datei "
            "bearbeiten."
        )
    owner = _taken_as_alias(toolkit_dir, card_slug(path), vocabulary)
    if owner:
        raise NewCardError(
            f"„{card_slug(path)}“ ist ein früherer Name der Karte {owner}. Bitte einen anderen "
            "Titel wählen."
        )
    text = render_card(draft)
    problems = validate_draft(card_slug(path), text, vocabulary, toolkit_dir)
    if problems:
        raise NewCardError(
            "Die Karte wurde nicht geschrieben:\n" + "\n".join(f"- {p.message}" for p in problems)
        )
    with path.open("x", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    return path


def validate_draft(
    slug: str, text: str, vocabulary: Vocabulary, toolkit_dir: Path
) -> list[Problem]:
    """The errors ``zwk-kb check`` would report for the rendered card."""
    parsed = parse_card(slug, text, vocabulary, vocabulary_hint=str(toolkit_dir / VOCABULARY_FILE))
    return [p for p in parsed.problems if p.is_error]
