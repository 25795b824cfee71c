"""Domain objects of zwk-kb: plain, frozen data with no behaviour beyond derived properties."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

SEVERITY_ERROR = "error"
SEVERITY_WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a file: where it is and what to do about it (German)."""

    path: str
    line: int
    column: int
    field: str
    message: str
    severity: str = SEVERITY_ERROR

    @property
    def is_error(self) -> bool:
        return self.severity == SEVERITY_ERROR

    def format(self) -> str:
        """``path:line:column: message`` as compilers print it."""
        kind = "" if self.is_error else "Hinweis: "
        path = "".join(ch if ch.isprintable() else "\N{REPLACEMENT CHARACTER}" for ch in self.path)
        return f"{path}:{self.line}:{self.column}: {kind}{self.message}"


@dataclass(frozen=True, slots=True)
class Contact:
    """Who to ask about a tool; every part is optional."""

    name: str = ""
    organisation: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True)
class Link:
    """An external link (http or https only)."""

    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Commune:
    """A commune from the vocabulary's commune table."""

    name: str
    state: str
    cluster: str
    kind: str


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The controlled vocabulary of a toolkit (``_vocabulary.yml``)."""

    topics: tuple[str, ...] = ()
    challenges: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()
    tool_types: tuple[str, ...] = ()
    communes: dict[str, Commune] = field(default_factory=dict)
    synonyms: tuple[tuple[str, ...], ...] = ()
    """Extra synonym groups of this toolkit, added to the built-in German list."""

    def commune(self, name: str) -> Commune | None:
        return self.communes.get(name)

    @property
    def states(self) -> tuple[str, ...]:
        return tuple(sorted({c.state for c in self.communes.values()}))

    @property
    def clusters(self) -> tuple[str, ...]:
        return tuple(sorted({c.cluster for c in self.communes.values()}))

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(sorted({c.kind for c in self.communes.values()}))


@dataclass(frozen=True, slots=True)
class Card:
    """One validated tool card. ``slug`` is the file stem and the permanent id."""

    slug: str
    title: str
    summary: str
    topics: tuple[str, ...]
    communes: tuple[str, ...]
    challenges: tuple[str, ...]
    published: dt.date
    body: str = ""
    target_groups: tuple[str, ...] = ()
    status: str = ""
    effort: str = ""
    updated: dt.date | None = None
    contact: Contact | None = None
    links: tuple[Link, ...] = ()
    sources: tuple[Link, ...] = ()
    """Where the tool is publicly described; a card without sources is an illustrative example."""
    aliases: tuple[str, ...] = ()
    license: str = "CC-BY-4.0"
    tool_type: str = ""
    plain_summary: str = ""
    reused_by: tuple[str, ...] = ()
    source_path: str = ""
    """Path of the card file as given to the loader (for messages and edit links)."""
    stamp: str = ""
    """Content hash of the file; the index compares it to find changed cards."""

    @property
    def is_example(self) -> bool:
        """No source names the tool: the card is an illustrative example (Beispielkarte)."""
        return not self.sources

    @property
    def last_changed(self) -> dt.date:
        return self.updated or self.published


@dataclass(frozen=True, slots=True)
class CardFile:
    """What an index run remembers of one card file: its metadata (to see that it is unchanged
    without reading it), its content hash (to see that a touched file is unchanged) and what
    reading it found (so an unchanged file need not be parsed again)."""

    name: str
    size: int
    mtime_ns: int
    """-1 when the file was written just before it was read: its next change may keep the same
    time stamp, so it is compared by content next time."""
    inode: int
    stamp: str
    slug: str = ""
    """The card's slug when the file is a valid card, else ""."""
    aliases: tuple[tuple[str, int, int], ...] = ()
    problems: tuple[Problem, ...] = ()
    images: tuple[tuple[str, bool], ...] = ()
    """Local image files the card shows, each with whether it existed (its validity depends on
    them)."""


@dataclass(frozen=True, slots=True)
class FileTable:
    """Every card file of a folder as a load saw it, plus the other files the index depends on
    (vocabulary, collections), and ``key``: what the outcomes depend on besides each file
    (loader code, vocabulary, folder). A table with another key is not used."""

    key: str
    files: tuple[CardFile, ...] = ()
    inputs: tuple[tuple[str, int, int, int], ...] = ()
    """(name, size, mtime_ns, inode) of the vocabulary and each collection file."""


@dataclass(frozen=True, slots=True)
class Toolkit:
    """All cards of a folder that passed validation, plus every problem found on the way.

    An incremental load (``load_toolkit(known=...)``) parses only files that changed since the
    index run that recorded ``known``: ``cards`` then holds the parsed ones and ``unparsed``
    the (slug, content hash) of the other valid cards.
    """

    cards: tuple[Card, ...]
    vocabulary: Vocabulary
    problems: tuple[Problem, ...] = ()
    directory: str = ""
    files: FileTable | None = None
    unparsed: tuple[tuple[str, str], ...] = ()

    @property
    def complete(self) -> bool:
        """Whether ``cards`` holds every valid card."""
        return not self.unparsed

    @property
    def stamps(self) -> dict[str, str]:
        """slug -> content hash of every valid card, parsed or not."""
        found = {card.slug: card.stamp for card in self.cards}
        found.update(self.unparsed)
        return found

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if not p.is_error)

    def by_slug(self) -> dict[str, Card]:
        return {card.slug: card for card in self.cards}
