"""A facilitator's selection of tools, kept only in its address: ``/auswahl?w=<slug>&w=…&titel=…``.

Nothing is stored on the server: parsing turns the URL parameters into a ``Selection`` (order
kept, duplicates dropped, at most ``MAX_TOOLS``) and every link that changes the selection (add,
remove, move up/down, new title) is the URL of the next state. Pure: which slugs exist and which
are former names (aliases) is passed in as a function.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from urllib.parse import quote, urlencode

from zwk_kb.analysis.folding import fold_letters
from zwk_kb.search.request import MAX_QUERY_CHARS, clean_text

SELECTION_PATH = "/auswahl"
MAX_TOOLS = 20
"""More tools than fit into one talk; it also keeps the selection's QR code scannable."""
TITLE_MAX = 120
"""As long as a collection's title may be."""
MAX_SLUG_CHARS = 100
_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class TooManyTools(ValueError):
    """More than ``MAX_TOOLS`` different tools were asked for (answered with 400)."""

    def __init__(self, count: int) -> None:
        super().__init__(
            f"Eine Auswahl kann höchstens {MAX_TOOLS} Werkzeuge enthalten. "
            f"In der Adresse stehen {count}. Bitte entfernen Sie einige."
        )


@dataclass(frozen=True, slots=True)
class Selection:
    """The chosen tools in the facilitator's order, and the title of the talk."""

    slugs: tuple[str, ...] = ()
    title: str = ""

    @property
    def full(self) -> bool:
        return len(self.slugs) >= MAX_TOOLS

    def params(self) -> list[tuple[str, str]]:
        pairs = [("w", slug) for slug in self.slugs]
        if self.title:
            pairs.append(("titel", self.title))
        return pairs

    def query_string(self) -> str:
        return urlencode(self.params(), quote_via=quote)

    def url(self, path: str = SELECTION_PATH) -> str:
        qs = self.query_string()
        return f"{path}?{qs}" if qs else path

    def added(self, slug: str) -> Selection:
        if slug in self.slugs or self.full:
            return self
        return replace(self, slugs=(*self.slugs, slug))

    def removed(self, slug: str) -> Selection:
        return replace(self, slugs=tuple(s for s in self.slugs if s != slug))

    def toggled(self, slug: str) -> Selection:
        """The next state behind a tool's add/remove link (a full selection stays as it is)."""
        return self.removed(slug) if slug in self.slugs else self.added(slug)

    def moved(self, slug: str, step: int) -> Selection:
        """``step`` -1 moves the tool one place up, +1 one place down (no-op at the ends)."""
        slugs = list(self.slugs)
        i = slugs.index(slug)
        j = i + step
        if 0 <= j < len(slugs):
            slugs[i], slugs[j] = slugs[j], slugs[i]
        return replace(self, slugs=tuple(slugs))

    def with_title(self, title: str) -> Selection:
        return replace(self, title=clean_title(title))


@dataclass(frozen=True, slots=True)
class Parsed:
    """A parsed selection and what the page should tell the user about the address."""

    selection: Selection
    unknown: tuple[str, ...] = ()
    """Slugs that name no card (shown shortened, dropped from the selection)."""
    renamed: tuple[tuple[str, str], ...] = ()
    """(former slug, current slug) pairs that were resolved."""
    title_cut: bool = False


def clean_title(value: str) -> str:
    """One line without control characters, at most ``TITLE_MAX`` characters."""
    return clean_text(value, TITLE_MAX)


def parse_selection(
    args: Mapping[str, Sequence[str]],
    resolve: Callable[[str], str | None],
    *,
    refuse_too_many: bool = True,
) -> Parsed:
    """The selection in the URL parameters ``w`` (repeated) and ``titel``.

    ``resolve(slug)`` returns the slug of the card it names (itself, or the current slug for a
    former one), or ``None`` for none. Raises ``TooManyTools`` for more than ``MAX_TOOLS``
    different values of ``w``; with ``refuse_too_many=False`` (the selection carried along
    on search, card and collection pages, which must answer anyway) only the first
    ``MAX_TOOLS`` are looked at.
    """
    raw = list(dict.fromkeys(v.strip() for v in args.get("w", ()) if v.strip()))
    if len(raw) > MAX_TOOLS:
        if refuse_too_many:
            raise TooManyTools(len(raw))
        raw = raw[:MAX_TOOLS]
    slugs: list[str] = []
    unknown: list[str] = []
    renamed: list[tuple[str, str]] = []
    for value in raw:
        target = resolve(value) if len(value) <= MAX_SLUG_CHARS and _SLUG_RE.match(value) else None
        if target is None:
            unknown.append(clean_text(value, 60))
            continue
        if target != value:
            renamed.append((value, target))
        if target not in slugs:
            slugs.append(target)
    titles = args.get("titel", ())
    given = titles[0] if titles else ""
    title = clean_title(given)
    cut = len(clean_text(given, TITLE_MAX + 1)) > TITLE_MAX
    return Parsed(Selection(tuple(slugs), title), tuple(unknown), tuple(renamed), cut)


def search_text(args: Mapping[str, Sequence[str]]) -> str:
    """The search for more tools on the selection page (``q``), cleaned like the site's search."""
    values = args.get("q", ())
    return clean_text(values[0], MAX_QUERY_CHARS) if values else ""


# ---- file names of downloads --------------------------------------------------------------

_UMLAUTS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)
_NOT_NAME = re.compile(r"[^A-Za-z0-9]+")
_NOT_IN_NAME = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*%]+')
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])$", re.IGNORECASE)
FILENAME_MAX = 80


def ascii_filename(title: str, suffix: str, fallback: str = "auswahl") -> str:
    """``Älter werden im Dorf`` + ``pdf`` -> ``aelter-werden-im-dorf.pdf``: safe on every system.

    ASCII letters, digits and hyphens only (umlauts written out), at most ``FILENAME_MAX``
    characters, never a name Windows reserves (``CON``, ``NUL``, ``COM1``, …).
    """
    text = fold_letters(title.translate(_UMLAUTS))
    stem = _NOT_NAME.sub("-", text).strip("-")[: FILENAME_MAX - len(suffix) - 1]
    stem = stem.strip("-") or fallback
    if _WINDOWS_RESERVED.match(stem):
        stem = f"{stem}-{fallback}"
    return f"{stem}.{suffix}"


def content_disposition(title: str, suffix: str, fallback: str = "auswahl") -> str:
    """``attachment`` with an ASCII ``filename`` and the German one as ``filename*`` (RFC 6266)."""
    ascii_name = ascii_filename(title, suffix, fallback)
    readable = " ".join(_NOT_IN_NAME.sub(" ", clean_text(title, FILENAME_MAX)).split())
    readable = readable.strip(" .") or ascii_name.rsplit(".", 1)[0]
    if _WINDOWS_RESERVED.match(readable):
        readable = ascii_name.rsplit(".", 1)[0]
    utf8 = quote(f"{readable}.{suffix}", safe="")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{utf8}"
