"""Collections: ordered lists of cards that facilitators curate for a talk or a workshop.

A collection is ``<toolkit>/_collections/<name>.yml``::

    title: Werkstatttreffen Barleben 2023          # required, at most 120 characters
    intro: Welche Werkzeuge wir gezeigt haben …    # optional, at most 2000 characters
    date: 2023-03-21                               # optional, YYYY-MM-DD
    event: Regionales Werkstatttreffen Nord         # optional, at most 200 characters
    cards:                                         # required: card slugs, in the order shown
      - mobile-zukunftswerkstatt-lastenrad
      - demografiestrategie-barleben

``parse_collection`` is pure (text in, ``Collection`` and problems out) so ``zwk-kb check`` and the
index build share it. The web app never reads these files: the index build stores the parsed
collections as ``collections.json`` in each index generation (``collections_json``), so a
read-only index built by CI carries them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Collection as AbstractCollection
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zwk_kb.fields import FieldError, check_visible, is_slug, iso_date, scalar, suggestion
from zwk_kb.model import SEVERITY_WARNING, Problem
from zwk_kb.yamlnodes import YamlProblem, compose, mapping_items, to_plain, where

COLLECTIONS_DIR = "_collections"
SUFFIXES = (".yml", ".yaml")
MAX_FILE_BYTES = 64 * 1024
MAX_CARDS = 100
TITLE_MAX = 120
INTRO_MAX = 2000
EVENT_MAX = 200
KNOWN_KEYS = ("title", "intro", "date", "event", "cards")
NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True, slots=True)
class Collection:
    """One curated, ordered list of cards."""

    name: str
    """File stem; the collection's address ``/sammlungen/<name>``."""
    title: str
    slugs: tuple[str, ...]
    """Card slugs in the order the facilitator chose (unknown slugs are dropped with an error)."""
    intro: str = ""
    date: dt.date | None = None
    event: str = ""
    source_path: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "intro": self.intro,
            "date": self.date.isoformat() if self.date else None,
            "event": self.event,
            "slugs": list(self.slugs),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Collection:
        date = data.get("date")
        return cls(
            name=str(data["name"]),
            title=str(data["title"]),
            slugs=tuple(str(s) for s in data.get("slugs", [])),
            intro=str(data.get("intro") or ""),
            date=dt.date.fromisoformat(date) if date else None,
            event=str(data.get("event") or ""),
        )


def _text(node: Any, limit: int, label: str) -> str:
    value = check_visible(scalar(node, "ein Text"), node)
    value = " ".join(value.split()) if label != "intro" else value.strip()
    if len(value) > limit:
        raise FieldError(
            f"Der Text ist {len(value)} Zeichen lang, erlaubt sind höchstens {limit}. "
            "Bitte kürzen.",
            node,
        )
    return value


def parse_collection(
    name: str, text: str, known_slugs: AbstractCollection[str], *, path: str = ""
) -> tuple[Collection | None, list[Problem]]:
    """The collection in ``text`` and every problem found; ``None`` when it cannot be used.

    ``known_slugs`` are the slugs of the toolkit's valid cards: unknown entries are errors
    (the collection is still used without them), duplicates are warnings.
    """
    path = path or f"{COLLECTIONS_DIR}/{name}.yml"
    problems: list[Problem] = []

    def report(node: Any, field: str, message: str, warning: bool = False) -> None:
        loc = where(node) if node is not None else None
        problems.append(
            Problem(
                path,
                loc.line if loc else 1,
                loc.column if loc else 1,
                field,
                message,
                SEVERITY_WARNING if warning else "error",
            )
        )

    if not NAME_RE.match(name) or len(name) > 80:
        report(
            None,
            "",
            f"Der Dateiname „{name}“ taugt nicht als Adresse. Bitte nur Kleinbuchstaben a–z, "
            "Ziffern und Bindestriche verwenden, z. B. werkstatttreffen-barleben-2023.yml.",
        )
        return None, problems
    try:
        root = compose(text)
        if root is None:
            raise YamlProblem("Die Datei ist leer. Sie braucht mindestens title und cards.")
        items = mapping_items(root)
    except YamlProblem as exc:
        problems.append(Problem(path, exc.line, exc.column, "", exc.message))
        return None, problems

    values: dict[str, Any] = {}
    seen_keys: dict[str, Any] = {}
    for key_node, value_node in items:
        key = str(key_node.value)
        if key in seen_keys:
            report(
                key_node, key, f"Das Feld „{key}“ steht zweimal in der Datei. Bitte eines löschen."
            )
            continue
        seen_keys[key] = key_node
        if key not in KNOWN_KEYS:
            report(
                key_node,
                key,
                f"Das Feld „{key}“ ist unbekannt und wird ignoriert. "
                f"Erlaubt sind: {', '.join(KNOWN_KEYS)}.",
                warning=True,
            )
            continue
        try:
            if key == "title":
                values[key] = _text(value_node, TITLE_MAX, key)
                if not values[key]:
                    raise FieldError("Der Titel ist leer. Bitte einen Titel eintragen.", value_node)
            elif key == "intro":
                values[key] = _text(value_node, INTRO_MAX, key)
            elif key == "event":
                values[key] = _text(value_node, EVENT_MAX, key)
            elif key == "date":
                values[key] = iso_date(value_node)
            elif key == "cards":
                values[key] = _cards(value_node, known_slugs, report)
        except FieldError as exc:
            report(exc.node if exc.node is not None else value_node, key, exc.message)

    for required in ("title", "cards"):
        if required not in seen_keys:
            what = "einen Titel (title)" if required == "title" else "eine Liste der Karten (cards)"
            report(root, required, f"Die Sammlung braucht {what}.")
    if "date" not in seen_keys and "event" not in seen_keys:
        report(
            root,
            "date",
            "Bitte ein Datum (date) oder einen Anlass (event) angeben, "
            "damit man die Sammlung zuordnen kann.",
            warning=True,
        )
    if "title" not in values or not values.get("cards"):
        if "cards" in values and not values["cards"]:
            report(seen_keys["cards"], "cards", "Die Sammlung enthält keine gültige Karte.")
        return None, problems
    return (
        Collection(
            name=name,
            title=values["title"],
            slugs=tuple(values["cards"]),
            intro=values.get("intro", ""),
            date=values.get("date"),
            event=values.get("event", ""),
            source_path=path,
        ),
        problems,
    )


def _cards(node: Any, known: AbstractCollection[str], report: Any) -> list[str]:
    plain = to_plain(node)
    if not isinstance(plain, list):
        raise FieldError("Erwartet wird eine Liste von Karten (je Zeile „- kurzname“).", node)
    slugs: list[str] = []
    for item in node.value[: MAX_CARDS + 1]:
        try:
            slug = scalar(item, "der Kurzname einer Karte")
        except FieldError as exc:
            report(item, "cards", exc.message)
            continue
        slug = slug.removesuffix(".md")
        if len(slugs) >= MAX_CARDS:
            report(item, "cards", f"Eine Sammlung hat höchstens {MAX_CARDS} Karten.")
            break
        if not is_slug(slug) or slug not in known:
            hint = suggestion(slug, list(known)) if known else None
            report(
                item,
                "cards",
                f"Die Karte „{slug[:80]}“ gibt es nicht."
                + (
                    f" Meinten Sie „{hint}“?" if hint else " Bitte den Dateinamen ohne .md angeben."
                ),
            )
            continue
        if slug in slugs:
            report(
                item, "cards", f"Die Karte „{slug}“ steht zweimal in der Sammlung.", warning=True
            )
            continue
        slugs.append(slug)
    return slugs


def collection_paths(toolkit_dir: Path) -> list[Path]:
    """The collection files of a toolkit, sorted by name (none when the folder is missing)."""
    folder = Path(toolkit_dir) / COLLECTIONS_DIR
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix in SUFFIXES
        and not p.name.startswith((".", "_"))
        and p.is_file()
        and not p.is_symlink()
    )


def load_collections(
    toolkit_dir: Path | str, known_slugs: AbstractCollection[str]
) -> tuple[list[Collection], list[Problem]]:
    """Every usable collection of the toolkit folder, and all problems found on the way."""
    found: list[Collection] = []
    problems: list[Problem] = []
    names: set[str] = set()
    for path in collection_paths(Path(toolkit_dir)):
        display = str(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            problems.append(
                Problem(display, 1, 1, "", f"Die Datei kann nicht gelesen werden ({exc.strerror}).")
            )
            continue
        if len(data) > MAX_FILE_BYTES:
            problems.append(
                Problem(display, 1, 1, "", f"Die Datei ist größer als {MAX_FILE_BYTES // 1024} KB.")
            )
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(
                Problem(display, 1, 1, "", "Die Datei ist nicht als UTF-8 gespeichert.")
            )
            continue
        if path.stem in names:
            problems.append(
                Problem(
                    display,
                    1,
                    1,
                    "",
                    f"Es gibt schon eine Sammlung „{path.stem}“ (.yml und .yaml?).",
                )
            )
            continue
        collection, file_problems = parse_collection(path.stem, text, known_slugs, path=display)
        problems.extend(file_problems)
        if collection is not None:
            names.add(path.stem)
            found.append(collection)
    return found, problems


def sort_collections(collections: Iterable[Collection]) -> list[Collection]:
    """Newest first (by date; undated ones last), then by title."""
    return sorted(
        collections, key=lambda c: (c.date is None, -(c.date.toordinal() if c.date else 0), c.title)
    )


def collections_json(toolkit_dir: Path | str, known_slugs: AbstractCollection[str]) -> str:
    """What the index build stores as ``collections.json`` next to its meta data."""
    collections, _ = load_collections(toolkit_dir, known_slugs)
    return json.dumps(
        {"collections": [c.to_dict() for c in sort_collections(collections)]}, ensure_ascii=False
    )


def read_collections_json(text: str) -> list[Collection]:
    """The collections stored by the index build (an unreadable file means none)."""
    try:
        data = json.loads(text)
        return [Collection.from_dict(item) for item in data.get("collections", [])]
    except (ValueError, TypeError, KeyError, AttributeError):
        return []
