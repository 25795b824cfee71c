"""The one writer of card files: values of the card contract -> Markdown file with front matter.

``zwk-kb new``, the contribution form of the website and its hand-ins all write cards with
``render_card_file``, so a card written anywhere has the same shape: keys in the order of
``toolkit/_template.md``, lists in block style, a value quoted only where YAML needs it, and the
body as the recommended sections in their order. The writer never validates: the file goes
through ``parse_card`` like any other, so the form reports exactly what ``zwk-kb check`` says.

Pure functions only (no disk, no web).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from zwk_kb.fields import DATE_RE
from zwk_kb.model import Card, Contact, Link
from zwk_kb.yamlnodes import YamlProblem, compose

KEY_ORDER: tuple[str, ...] = (
    "title",
    "summary",
    "topics",
    "communes",
    "challenges",
    "target_groups",
    "status",
    "effort",
    "tool_type",
    "published",
    "updated",
    "contact",
    "links",
    "sources",
    "plain_summary",
    "reused_by",
    "aliases",
    "license",
)
"""Front-matter keys in the order of ``toolkit/_template.md`` (a test compares both)."""
LIST_FIELDS = ("topics", "communes", "challenges", "target_groups", "reused_by", "aliases")
CONTACT_PARTS = ("name", "organisation", "email", "phone")


@dataclass(frozen=True, slots=True)
class Section:
    """A recommended section of a card body: its heading and what to write there."""

    heading: str
    prompt: str


SECTIONS: tuple[Section, ...] = (
    Section(
        "Worum geht es?",
        "Beschreiben Sie in zwei, drei Sätzen, welches Problem das Werkzeug löst und wo es "
        "entstanden ist.",
    ),
    Section("So funktioniert es", "Die Schritte, eine Zeile je Schritt: 1. Erster Schritt"),
    Section("Was braucht man?", "Personal, Zeit, Geld, Fördermittel, Partner."),
    Section("Erfahrungen", "Was hat gut geklappt, was würden Sie heute anders machen?"),
    Section("Tipps zum Nachmachen", "Tipps für Kommunen, die das Werkzeug übernehmen möchten."),
)
"""The sections of ``toolkit/_template.md``, in order."""

_HEADING_RE = re.compile(r"^## +(.+?) *$")
_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LEADING_BLANK_RE = re.compile(r"^(?:[ \t]*\n)+")
_PLAIN_START = set("-?:,[]{}#&*!|>'\"%@` ")


@dataclass(frozen=True, slots=True)
class CardValues:
    """Everything a card file says, as plain values (text exactly as typed, dates as text)."""

    title: str = ""
    summary: str = ""
    topics: tuple[str, ...] = ()
    communes: tuple[str, ...] = ()
    challenges: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()
    status: str = ""
    effort: str = ""
    tool_type: str = ""
    published: str = ""
    updated: str = ""
    contact: Contact = field(default_factory=Contact)
    links: tuple[Link, ...] = ()
    sources: tuple[Link, ...] = ()
    plain_summary: str = ""
    reused_by: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    license: str = ""
    sections: tuple[str, ...] = ()
    """Text of each recommended section (``SECTIONS``), Markdown without the heading."""
    more: str = ""
    """Further Markdown after the recommended sections (may have its own ``##`` headings)."""


@dataclass(frozen=True, slots=True)
class CardFile:
    """A written card: the file's text and, per line, the value it holds (for messages)."""

    text: str
    lines: dict[int, str]
    """Line number (1-based) -> place: a key (``title``), ``contact.email``, ``links.2.url``,
    ``sections.1`` (1-based section) or ``more``."""


def normalized_text(text: str) -> str:
    """Line ends as ``\\n``, no blank lines at the start, no white space at the end."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _LEADING_BLANK_RE.sub("", text).rstrip()


def _escaped(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def double_quoted(value: str) -> str:
    """A YAML double-quoted scalar; every character that is not plainly visible is escaped, so
    the file stays valid YAML whatever was typed and parses back to exactly ``value``."""
    out = ['"']
    for ch in value:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == " " or (ch.isprintable() and ch not in "\u2028\u2029\ufeff"):
            out.append(ch)
        else:
            out.append(_escaped(ch))
    out.append('"')
    return "".join(out)


def _plain_is_same(value: str) -> bool:
    """Whether ``key: value`` without quotes reads back as this very text."""
    try:
        root = compose(f"k: {value}\n")
    except (YamlProblem, RecursionError):
        return False
    if not isinstance(root, yaml.MappingNode) or len(root.value) != 1:
        return False
    node = root.value[0][1]
    return (
        isinstance(node, yaml.ScalarNode)
        and node.tag == "tag:yaml.org,2002:str"
        and not node.style
        and node.value == value
    )


def scalar(value: str) -> str:
    """``value`` as written in the front matter: plain where YAML reads it back unchanged as
    text, double-quoted otherwise (a colon, a leading dash, ``ja``/``no``, numbers …)."""
    if (
        value
        and value == value.strip()
        and value[0] not in _PLAIN_START
        and all(ch.isprintable() for ch in value)
        and ": " not in value
        and " #" not in value
        and not value.endswith(":")
        and len(value) <= 200
        and _plain_is_same(value)
    ):
        return value
    return double_quoted(value)


def _date(value: str) -> str:
    return value if DATE_RE.fullmatch(value) else double_quoted(value)


def body_text(sections: tuple[str, ...], more: str = "") -> str:
    """The card body: each non-empty section under its ``##`` heading, then the rest."""
    parts = [
        f"## {section.heading}\n\n{normalized_text(text)}"
        for section, text in zip(SECTIONS, sections, strict=False)
        if normalized_text(text)
    ]
    if normalized_text(more):
        parts.append(normalized_text(more))
    return "\n\n".join(parts)


def render_card_file(values: CardValues) -> CardFile:
    """The card file for ``values``; empty values are left out (the check then says what is
    missing). The same values always give the same text."""
    lines: list[str] = ["---"]
    places: dict[int, str] = {}

    def add(text: str, place: str) -> None:
        lines.append(text)
        places[len(lines)] = place

    for key in KEY_ORDER:
        if key in LIST_FIELDS:
            items = [v for v in getattr(values, key) if v.strip()]
            if items:
                add(f"{key}:", key)
                for item in items:
                    add(f"  - {scalar(item)}", key)
        elif key == "contact":
            parts = [(p, getattr(values.contact, p)) for p in CONTACT_PARTS]
            if any(v.strip() for _, v in parts):
                add("contact:", "contact")
                for part, value in parts:
                    if value.strip():
                        add(f"  {part}: {scalar(value)}", f"contact.{part}")
        elif key in ("links", "sources"):
            rows = [link for link in getattr(values, key) if link.title.strip() or link.url.strip()]
            if rows:
                add(f"{key}:", key)
                for n, link in enumerate(rows, 1):
                    first = True
                    for part in ("title", "url"):
                        value = getattr(link, part)
                        if value.strip():
                            lead = "  - " if first else "    "
                            add(f"{lead}{part}: {scalar(value)}", f"{key}.{n}.{part}")
                            first = False
        elif key in ("published", "updated"):
            value = getattr(values, key).strip()
            if value:
                add(f"{key}: {_date(value)}", key)
        else:
            value = getattr(values, key)
            if value.strip():
                add(f"{key}: {scalar(value)}", key)
    lines.append("---")
    body_start = len(lines) + 1
    parts_start: list[tuple[int, str]] = []
    chunks: list[str] = []
    for n, (section, text) in enumerate(zip(SECTIONS, values.sections, strict=False), 1):
        if normalized_text(text):
            chunks.append(f"## {section.heading}\n\n{normalized_text(text)}")
            parts_start.append((n, f"sections.{n}"))
    if normalized_text(values.more):
        chunks.append(normalized_text(values.more))
        parts_start.append((0, "more"))
    line = body_start + 1  # a blank line follows the closing ---
    for chunk, (_, place) in zip(chunks, parts_start, strict=True):
        for offset in range(chunk.count("\n") + 1):
            places[line + offset] = place
        line += chunk.count("\n") + 2
    text = "\n".join(lines) + "\n"
    if chunks:
        text += "\n" + "\n\n".join(chunks) + "\n"
    return CardFile(text, places)


def split_sections(body: str) -> tuple[tuple[str, ...], str]:
    """A body as (texts of the recommended sections, rest), such that ``body_text`` gives the
    body back unchanged; sections that do not fit the recommended order stay in the rest."""
    body = body.replace("\r\n", "\n").strip("\n")
    lines = body.split("\n")
    starts: list[tuple[int, str]] = []
    fence = ""
    for number, line in enumerate(lines):
        match = _FENCE_RE.match(line)
        if match and (not fence or match.group(1)[0] == fence[0]):
            fence = "" if fence else match.group(1)
            continue
        heading = _HEADING_RE.match(line)
        if heading and not fence:
            starts.append((number, heading.group(1)))
    texts = [""] * len(SECTIONS)
    rest = body
    if starts and not "\n".join(lines[: starts[0][0]]).strip():
        rest = ""
        wanted = 0
        for index, (start, heading) in enumerate(starts):
            end = starts[index + 1][0] if index + 1 < len(starts) else len(lines)
            found = next(
                (n for n in range(wanted, len(SECTIONS)) if SECTIONS[n].heading == heading), None
            )
            if found is None:
                rest = "\n".join(lines[start:])
                break
            texts[found] = normalized_text("\n".join(lines[start + 1 : end]))
            wanted = found + 1
    sections = tuple(texts)
    if body_text(sections, rest) != body:
        return ("",) * len(SECTIONS), body
    return sections, rest


def values_from_card(card: Card) -> CardValues:
    """The values of a parsed card, for editing it (``render_card_file`` gives the same card)."""
    sections, more = split_sections(card.body)
    return CardValues(
        title=card.title,
        summary=card.summary,
        topics=card.topics,
        communes=card.communes,
        challenges=card.challenges,
        target_groups=card.target_groups,
        status=card.status,
        effort=card.effort,
        tool_type=card.tool_type,
        published=card.published.isoformat(),
        updated=card.updated.isoformat() if card.updated else "",
        contact=card.contact or Contact(),
        links=card.links,
        sources=card.sources,
        plain_summary=card.plain_summary,
        reused_by=card.reused_by,
        aliases=card.aliases,
        license=card.license,
        sections=sections,
        more=more,
    )
