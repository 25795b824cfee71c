"""Contributing a card from the website: form fields -> card values -> the check's own verdict,
and the links that hand the card in.

Pure functions (no web framework, nothing written): ``parse_form`` turns the submitted fields
into ``CardValues`` and refuses anything outside the card contract; ``check_submission`` writes
the file with the one card writer and runs the validation of ``zwk-kb check`` on it, with each
problem pinned to the form control it belongs to; ``handin_links`` builds the forge and e-mail
links, only ever to the configured repository.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

from zwk_kb import fields
from zwk_kb.authoring.cardfile import (
    CONTACT_PARTS,
    SECTIONS,
    CardFile,
    CardValues,
    render_card_file,
    scalar,
)
from zwk_kb.authoring.newcard import NewCardError, card_path
from zwk_kb.cards import CARD_FIELDS_BY_KEY, DEFAULT_LICENSE, VOCABULARY_FILE, parse_card
from zwk_kb.errors import ZwkKbError
from zwk_kb.model import Card, Contact, Link, Problem, Vocabulary
from zwk_kb.toolkit import image_problems_of, own_slug_aliases
from zwk_kb.vocabulary import parse_vocabulary

TOOLKIT_DIR = "toolkit"
MAX_LINK_ROWS = 30
"""More link rows than this are refused (400): a card is not a link list."""
MAX_SOURCE_ROWS = 10
"""More source rows than this are refused (400): a few public descriptions name the tool."""
MAX_CHOICES = 200
"""More ticked values than this in one choice field are refused (400)."""
MAX_PROPOSED_TERMS = 10
"""Proposed new terms per vocabulary field."""
MAX_SINGLE_CHARS = 2_000
"""Longest value of a one-line field the form accepts at all (the card's own limits are
shorter and reported by the check)."""
EXTRA_LINK_ROWS = 2
"""Empty rows offered below the filled ones (links and sources)."""


@dataclass(frozen=True, slots=True)
class RowField:
    """A card key that is a list of ``{title, url}`` (``links``, ``sources``): in the form a
    group of repeatable rows, each a title and an address, with a button for one more row."""

    key: str
    """The card key (and ``CardValues`` attribute)."""
    prefix: str
    """Form fields ``<prefix>_title`` and ``<prefix>_url`` (repeated, one pair per row); the
    controls of row n have the ids ``f-<prefix>_title-n`` and ``f-<prefix>_url-n``."""
    label: str
    """One entry in words, numbered in the labels: „Link 2: Text“."""
    plural: str
    row_word: str
    """A row of the form in words: „Weitere Link-Zeile“."""
    action: str
    """Value of ``aktion`` that asks for one more row of this group."""
    max_rows: int

    @property
    def fields(self) -> tuple[str, str]:
        return f"{self.prefix}_title", f"{self.prefix}_url"

    @property
    def rows_label(self) -> str:
        return f"{self.row_word}n"


ROW_FIELDS: tuple[RowField, ...] = (
    RowField(
        "sources", "source", "Quelle", "Quellen", "Quellen-Zeile", "zeile-quelle", MAX_SOURCE_ROWS
    ),
    RowField("links", "link", "Link", "Links", "Link-Zeile", "zeile", MAX_LINK_ROWS),
)
"""The row groups, in the order of the form."""
ROW_FIELDS_BY_KEY = {group.key: group for group in ROW_FIELDS}

CHOICE_FIELDS: tuple[tuple[str, str], ...] = (
    ("topics", "topics"),
    ("challenges", "challenges"),
    ("target_groups", "target_groups"),
    ("communes", "communes"),
    ("reused_by", "communes"),
)
"""Multiple-choice fields and the vocabulary section their choices come from."""
SINGLE_CHOICES = ("status", "effort", "tool_type")
TEXT_FIELDS = ("title", "summary", "plain_summary", "published", "updated", "license")
PROPOSAL_FIELDS = {
    "new_topics": "topics",
    "new_challenges": "challenges",
    "new_target_groups": "target_groups",
    "new_tool_type": "tool_types",
}
COMMUNE_PROPOSAL = ("new_commune", "new_commune_state", "new_commune_cluster", "new_commune_kind")
SECTION_FIELDS = tuple(f"section_{n}" for n in range(1, len(SECTIONS) + 1))
ACTIONS = ("pruefen", *(group.action for group in ROW_FIELDS), "herunterladen")
"""What the pressed button asks for: check and preview, one more row of a group, the file."""

SINGLE_FIELDS = frozenset(
    {
        *TEXT_FIELDS,
        *SINGLE_CHOICES,
        *(f"contact_{part}" for part in CONTACT_PARTS),
        "aliases",
        "more",
        *SECTION_FIELDS,
        *PROPOSAL_FIELDS,
        *COMMUNE_PROPOSAL,
        "original",
        "aktion",
        *(f"order_{key}" for key, _ in CHOICE_FIELDS),
    }
)
MULTI_FIELDS = frozenset(
    {*(key for key, _ in CHOICE_FIELDS), *(name for group in ROW_FIELDS for name in group.fields)}
)
LONG_FIELDS = frozenset(
    {
        *SECTION_FIELDS,
        "more",
        "new_topics",
        "new_challenges",
        "new_target_groups",
        "aliases",
        "summary",
        "plain_summary",
        *(f"order_{key}" for key, _ in CHOICE_FIELDS),
    }
)
"""Fields without the one-line length bound (the check reports the card's own limits)."""


class FormRejected(ZwkKbError):
    """A submission no form of this site can send (unknown or repeated fields, far too many
    rows): answered with 400 and this message."""


@dataclass(frozen=True, slots=True)
class Submission:
    """What the form sent, as card values plus the proposals for the vocabulary."""

    values: CardValues
    proposals: dict[str, tuple[str, ...]]
    """Vocabulary section -> proposed new terms."""
    commune: dict[str, str]
    """A proposed new commune: name, state, cluster, kind (all empty if none)."""
    original: str = ""
    """Slug of the card being edited ('' for a new card)."""
    action: str = "pruefen"


def _lines(text: str) -> tuple[str, ...]:
    seen: list[str] = []
    for line in text.replace("\r", "\n").split("\n"):
        line = line.strip()
        if line and line not in seen:
            seen.append(line)
    return tuple(seen)


def parse_form(form: Mapping[str, Sequence[str]]) -> Submission:
    """The submission, or ``FormRejected`` for anything the site's own form never sends."""
    for name, values in form.items():
        if name not in SINGLE_FIELDS and name not in MULTI_FIELDS:
            raise FormRejected(f"Das Feld {fields.shown(name[:60])} gehört nicht zum Formular.")
        if name in SINGLE_FIELDS and len(values) > 1:
            raise FormRejected(f"Das Feld „{name}“ wurde mehrfach geschickt.")
        limit = MAX_SINGLE_CHARS if name not in LONG_FIELDS else None
        if limit and any(len(v) > limit for v in values):
            raise FormRejected(
                f"Das Feld „{name}“ ist länger als {limit} Zeichen. So lang darf es auf der "
                "Karte ohnehin nicht sein."
            )

    def one(name: str) -> str:
        values = form.get(name) or [""]
        return values[0]

    def many(name: str) -> list[str]:
        return list(form.get(name) or [])

    for key, _ in CHOICE_FIELDS:
        if len(many(key)) > MAX_CHOICES:
            raise FormRejected(f"Bei „{key}“ wurden zu viele Werte geschickt.")
    rows: dict[str, tuple[Link, ...]] = {}
    for group in ROW_FIELDS:
        titles, urls = (many(name) for name in group.fields)
        if len(titles) != len(urls):
            raise FormRejected(
                f"Die {group.rows_label} sind unvollständig (Titel und Adresse gehören zusammen)."
            )
        if len(titles) > group.max_rows + EXTRA_LINK_ROWS + 1:
            raise FormRejected(
                f"Es wurden {len(titles)} {group.rows_label} geschickt; eine Karte hat höchstens "
                f"{group.max_rows} {group.plural}."
            )
        rows[group.key] = tuple(Link(t, u) for t, u in zip(titles, urls, strict=True))
    action = one("aktion") or "pruefen"
    if action not in ACTIONS:
        raise FormRejected("Unbekannte Aktion.")
    original = one("original")
    if original and not fields.is_slug(original):
        raise FormRejected("Die bearbeitete Karte ist unbekannt.")
    proposals: dict[str, tuple[str, ...]] = {}
    for name, section in PROPOSAL_FIELDS.items():
        terms = _lines(one(name))
        if len(terms) > MAX_PROPOSED_TERMS:
            raise FormRejected(f"Höchstens {MAX_PROPOSED_TERMS} neue Begriffe je Feld, bitte.")
        if terms:
            proposals[section] = terms
    commune = {
        "name": one("new_commune").strip(),
        "state": one("new_commune_state").strip(),
        "cluster": one("new_commune_cluster").strip(),
        "kind": one("new_commune_kind").strip(),
    }

    def picked(key: str) -> tuple[str, ...]:
        """The ticked values, in the card's own order where the form carries it (the boxes
        are in vocabulary order), then the rest."""
        out: list[str] = []
        for value in many(key):
            if value.strip() and value not in out:
                out.append(value)
        order = _lines(one(f"order_{key}"))
        return tuple(sorted(out, key=lambda v: order.index(v) if v in order else len(order)))

    def with_new(key: str, section: str) -> tuple[str, ...]:
        extra = [t for t in proposals.get(section, ()) if t not in picked(key)]
        return (*picked(key), *extra)

    communes = picked("communes")
    if commune["name"] and commune["name"] not in communes:
        communes = (*communes, commune["name"])
    tool_type = one("tool_type")
    if proposals.get("tool_types"):
        if len(proposals["tool_types"]) > 1:
            raise FormRejected("Die Art des Werkzeugs ist genau ein Begriff.")
        tool_type = proposals["tool_types"][0]
    values = CardValues(
        title=one("title"),
        summary=one("summary"),
        topics=with_new("topics", "topics"),
        communes=communes,
        challenges=with_new("challenges", "challenges"),
        target_groups=with_new("target_groups", "target_groups"),
        status=one("status"),
        effort=one("effort"),
        tool_type=tool_type,
        published=one("published").strip(),
        updated=one("updated").strip(),
        contact=Contact(**{part: one(f"contact_{part}") for part in CONTACT_PARTS}),
        links=rows["links"],
        sources=rows["sources"],
        plain_summary=one("plain_summary"),
        reused_by=picked("reused_by"),
        aliases=_lines(one("aliases").replace(",", "\n")),
        license=one("license").strip(),
        sections=tuple(one(name) for name in SECTION_FIELDS),
        more=one("more"),
    )
    return Submission(values, proposals, commune, original, action)


EXAMPLE = CardValues(
    title="Bürgerbus: Nachbarn fahren Nachbarn",
    summary="Ehrenamtliche fahren mit einem Kleinbus nach Fahrplan dorthin, wo kein Linienbus "
    "mehr fährt.",
    topics=("Bürgerschaftliches Engagement",),
    communes=("Landkreis Uckermark",),
    challenges=("Mobilität im ländlichen Raum",),
    target_groups=("Ältere Menschen",),
    status="erprobt",
    effort="mittel",
    tool_type="Praxisbeispiel",
    published="2024-05-01",
    contact=Contact(name="Koordinierungsstelle Bürgerbus", email="buergerbus@example.org"),
    plain_summary="Im Dorf fährt kaum ein Bus. Darum fahren Menschen aus dem Dorf einen kleinen "
    "Bus.",
    sections=(
        "Im Landkreis fahren viele Dörfer nur noch zweimal am Tag an. Ein Verein fährt deshalb "
        "selbst.",
        "1. Verein gründen\n2. Fahrzeug beschaffen\n3. Fahrplan mit dem Verkehrsbetrieb abstimmen",
        "- Zehn bis fünfzehn Fahrerinnen und Fahrer\n- Ein Kleinbus mit acht Sitzen",
        "Die Fahrgäste kommen gern wieder; die Fahrer brauchen feste Schichten.",
        "- Früh mit dem Verkehrsbetrieb sprechen.",
    ),
)
"""The example card of ``/mitmachen``, written as the form writes it."""


def empty_values(today: dt.date) -> CardValues:
    """A new card's form: published today, the default licence, nothing else filled."""
    return CardValues(
        published=today.isoformat(),
        license=DEFAULT_LICENSE,
        sections=("",) * len(SECTIONS),
    )


# ---- the check ---------------------------------------------------------------------------------


def vocabulary_addition(sub: Submission, vocabulary: Vocabulary) -> str:
    """The lines to add to ``_vocabulary.yml`` for the proposed terms ('' if none are new)."""
    lines: list[str] = []
    for section in ("topics", "challenges", "target_groups", "tool_types"):
        known = set(getattr(vocabulary, section))
        new = [t for t in sub.proposals.get(section, ()) if t not in known]
        if new:
            lines.append(f"{section}:")
            lines.extend(f"  - {scalar(t)}" for t in new)
    name = sub.commune["name"]
    if name and name not in vocabulary.communes:
        lines.append("communes:")
        lines.append(f"  {scalar(name)}:")
        for part in ("state", "cluster", "kind"):
            if sub.commune[part]:
                lines.append(f"    {part}: {scalar(sub.commune[part])}")
    return "\n".join(lines) + "\n" if lines else ""


def extended_vocabulary(vocabulary: Vocabulary, addition: str) -> tuple[Vocabulary, list[Problem]]:
    """The vocabulary with the proposed terms, checked by the vocabulary's own rules.

    The addition alone lacks the sections every vocabulary must have; placeholders after it
    fill them, and only what the addition itself says is taken (and reported)."""
    if not addition:
        return vocabulary, []
    present = {line.rstrip(":") for line in addition.split("\n") if line and line[0] != " "}
    filler = [
        *(f"{key}:\n  - Platzhalter" for key in ("topics", "challenges") if key not in present),
        *(
            ["communes:\n  Platzhalter: {state: x, cluster: x, kind: x}"]
            if "communes" not in present
            else []
        ),
    ]
    probe = addition + "".join(f"{part}\n" for part in filler)
    parsed = parse_vocabulary(probe, path=f"{TOOLKIT_DIR}/{VOCABULARY_FILE}")
    last_line = addition.count("\n")
    extra = parsed.vocabulary

    def terms(section: str) -> tuple[str, ...]:
        return tuple(getattr(extra, section)) if section in present else ()

    merged = dataclasses.replace(
        vocabulary,
        topics=(*vocabulary.topics, *terms("topics")),
        challenges=(*vocabulary.challenges, *terms("challenges")),
        target_groups=(*vocabulary.target_groups, *terms("target_groups")),
        tool_types=(*vocabulary.tool_types, *terms("tool_types")),
        communes={**vocabulary.communes, **(extra.communes if "communes" in present else {})},
    )
    # what an empty vocabulary lacks is what the placeholders stand in for
    lacking = {p.message for p in parse_vocabulary("{}").problems}
    problems = [p for p in parsed.problems if p.line <= last_line and p.message not in lacking]
    return merged, problems


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem of the check, pinned to a form control (``target`` is its element id)."""

    message: str
    target: str
    is_error: bool


@dataclass(frozen=True, slots=True)
class Checked:
    """The verdict on a submission: the file, the card (if valid) and the check's findings."""

    slug: str
    file: CardFile
    card: Card | None
    errors: tuple[Finding, ...]
    warnings: tuple[Finding, ...]
    vocabulary_addition: str
    vocabulary: Vocabulary

    @property
    def path(self) -> str:
        return f"{TOOLKIT_DIR}/{self.slug}.md"


def control_id(place: str) -> str:
    """The element id of the form control for a place of the card file."""
    if place.startswith("contact."):
        return f"f-contact_{place.split('.', 1)[1]}"
    if place == "contact":
        return "f-contact_name"
    key, _, rest = place.partition(".")
    if key in ROW_FIELDS_BY_KEY:
        prefix = ROW_FIELDS_BY_KEY[key].prefix
        row, _, part = rest.partition(".")
        if row.isdigit() and part in ("title", "url"):
            return f"f-{prefix}_{part}-{row}"
        return f"f-{prefix}_title-1"
    if place.startswith("sections."):
        return f"f-section_{place.split('.', 1)[1]}"
    if place == "body":
        return "f-section_1"
    if place in ("slug", ""):
        return "f-title"
    if place == "tool_types":
        return "f-new_tool_type"
    if place in ("topics_new", "challenges_new", "target_groups_new"):
        return f"f-new_{place[:-4]}"
    return f"f-{place}"


_MISSING_PART_RE = re.compile(r"Die Angabe „(title|url)“ fehlt\.$")
"""The check's words for a row without title or address."""


def _target(problem: Problem, file: CardFile) -> str:
    place = file.lines.get(problem.line, "")
    field = problem.field
    in_body = field == "body" and (place.startswith("sections.") or place == "more")
    if field and not (place == field or place.startswith(field + ".")) and not in_body:
        place = field
    key, _, row = place.partition(".")
    missing = _MISSING_PART_RE.search(problem.message)
    if key in ROW_FIELDS_BY_KEY and missing and row:
        # the missing part of a row is pinned to its own control, not to the part written
        place = f"{key}.{row.partition('.')[0]}.{missing.group(1)}"
    return control_id(place or field)


def _vocabulary_target(problem: Problem, addition: str) -> str:
    lines = addition.split("\n")
    section = ""
    for line in lines[: max(problem.line, 1)]:
        if line and not line.startswith(" "):
            section = line.rstrip(":")
    return {
        "topics": "f-new_topics",
        "challenges": "f-new_challenges",
        "target_groups": "f-new_target_groups",
        "tool_types": "f-new_tool_type",
        "communes": "f-new_commune",
    }.get(section, "f-new_topics")


FORM_ORDER: tuple[str, ...] = (
    "f-title",
    "f-summary",
    "f-plain_summary",
    *(f"f-{name}" for name in SECTION_FIELDS),
    "f-more",
    "f-topics",
    "f-new_topics",
    "f-challenges",
    "f-new_challenges",
    "f-target_groups",
    "f-new_target_groups",
    "f-tool_type",
    "f-new_tool_type",
    "f-status",
    "f-effort",
    "f-communes",
    *(f"f-{name}" for name in COMMUNE_PROPOSAL),
    "f-reused_by",
    "f-published",
    "f-updated",
    *(f"f-contact_{part}" for part in CONTACT_PARTS),
    *(f"f-{group.prefix}" for group in ROW_FIELDS),
    "f-license",
    "f-aliases",
)
"""Form controls from top to bottom: the error summary lists problems in this order."""


def _form_position(finding: Finding) -> tuple[int, int, int]:
    target = finding.target
    for group in ROW_FIELDS:
        if target.startswith(f"f-{group.prefix}_"):
            kind, _, row = target.rpartition("-")
            row_number = int(row) if row.isdigit() else 0
            return FORM_ORDER.index(f"f-{group.prefix}"), row_number, 0 if "title" in kind else 1
    position = FORM_ORDER.index(target) if target in FORM_ORDER else len(FORM_ORDER)
    return position, 0, 0


def new_slug(title: str) -> tuple[str, str]:
    """(slug, '') for a title, or ('', why not) when it gives no file name."""
    try:
        return card_path(Path(TOOLKIT_DIR), title).stem, ""
    except NewCardError as exc:
        return "", str(exc)


def check_submission(
    sub: Submission,
    vocabulary: Vocabulary,
    taken: Callable[[str], str | None],
    toolkit_dir: Path | None = None,
) -> Checked:
    """Write the card and run the validation of ``zwk-kb check`` on it.

    ``taken(slug)`` names the card that already has ``slug`` as file name or former name (or
    returns None); ``toolkit_dir`` is where local images of the body must exist."""
    values = sub.values
    extra: list[Finding] = []
    if sub.original:
        slug = sub.original
    else:
        slug, why = new_slug(values.title) if values.title.strip() else ("neue-karte", "")
        if why:
            extra.append(Finding(why, "f-title", True))
            slug = "neue-karte"
        elif values.title.strip():
            owner = taken(slug)
            if owner == slug:
                extra.append(
                    Finding(
                        f"Eine Karte mit dem Kurznamen „{slug}“ gibt es schon. Bitte einen "
                        "anderen Titel wählen oder die vorhandene Karte bearbeiten.",
                        "f-title",
                        True,
                    )
                )
            elif owner:
                extra.append(
                    Finding(
                        f"„{slug}“ ist ein früherer Name der Karte {owner}. Bitte einen anderen "
                        "Titel wählen.",
                        "f-title",
                        True,
                    )
                )
    for alias in values.aliases:
        owner = taken(alias) if fields.is_slug(alias) else None
        if owner and owner != slug:
            extra.append(
                Finding(
                    f"Frühere Kurznamen: „{alias}“ gehört schon zur Karte {owner}.",
                    "f-aliases",
                    True,
                )
            )
    addition = vocabulary_addition(sub, vocabulary)
    vocab, vocab_problems = extended_vocabulary(vocabulary, addition)
    findings = [
        Finding(p.message, _vocabulary_target(p, addition), p.is_error) for p in vocab_problems
    ]
    file = render_card_file(values)
    path = f"{TOOLKIT_DIR}/{slug}.md"
    parsed = parse_card(
        slug, file.text, vocab, path=path, vocabulary_hint=f"{TOOLKIT_DIR}/{VOCABULARY_FILE}"
    )
    problems = [*parsed.problems, *own_slug_aliases(Path(path), parsed)]
    if toolkit_dir is not None and parsed.images:
        problems.extend(image_problems_of(parsed, toolkit_dir, toolkit_dir, path))
    findings.extend(Finding(p.message, _target(p, file), p.is_error) for p in problems)
    findings = sorted(extra + findings, key=_form_position)
    errors = tuple(f for f in findings if f.is_error)
    card = parsed.card if not errors else None
    return Checked(
        slug=slug,
        file=file,
        card=card,
        errors=errors,
        warnings=tuple(f for f in findings if not f.is_error),
        vocabulary_addition=addition,
        vocabulary=vocab,
    )


# ---- handing in --------------------------------------------------------------------------------

MAX_PREFILL_URL = 8_000
"""Longest prefilled forge address offered; longer cards are copied by hand (browsers and
forges cut or refuse longer addresses)."""
MAX_MAILTO_URL = 2_000
"""Longest ``mailto:`` link offered; many mail programs drop longer ones."""
FORGE_LABELS = {"github": "GitHub", "gitea": "Gitea", "forgejo": "Forgejo", "gitlab": "GitLab"}


def forge_kind(repository_url: str, configured: str = "") -> str:
    """Which forge the repository is on: the setting, else guessed from the host."""
    if configured:
        return configured
    host = urlsplit(repository_url).netloc.lower()
    if host == "github.com" or host.endswith(".github.com"):
        return "github"
    if host in ("codeberg.org",) or "forgejo" in host:
        return "forgejo"
    if "gitea" in host:
        return "gitea"
    if "gitlab" in host or "opencode" in host:
        return "gitlab"
    return "github"


def repository_base(repository_url: str) -> str:
    """The repository's https address without trailing slash or ``.git``; '' if unusable."""
    url = repository_url.strip().rstrip("/")
    if url.endswith(".git"):
        url = url[:-4]
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
        return ""
    return url


@dataclass(frozen=True, slots=True)
class HandIn:
    """The ways to hand a card in: forge page (prefilled if possible) and e-mail."""

    forge: str
    forge_label: str
    forge_url: str
    """Where to open the forge ('' without repository)."""
    prefilled: bool
    """Whether ``forge_url`` carries the file (else: copy the text, then paste it there)."""
    why_not_prefilled: str
    vocabulary_url: str
    """Edit page of the vocabulary file, when terms were proposed."""
    mail_url: str
    mail_has_text: bool


def _forge_path(forge: str, kind: str, branch: str, path: str) -> str:
    directory = path.rpartition("/")[0]
    if forge == "gitlab":
        return f"/-/{kind}/{quote(branch)}/{quote(directory if kind == 'new' else path)}"
    segment = {"github": kind, "gitea": f"_{kind}", "forgejo": f"_{kind}"}[forge]
    return f"/{segment}/{quote(branch)}/{quote(directory if kind == 'new' else path)}"


def handin_links(
    checked: Checked,
    *,
    editing: bool,
    repository_url: str,
    forge: str = "",
    branch: str = "main",
    contact_email: str = "",
) -> HandIn:
    """Forge and e-mail links for a checked card; every forge link is on ``repository_url``."""
    base = repository_base(repository_url)
    kind = forge_kind(base, forge) if base else ""
    forge_url = ""
    prefilled = False
    why = ""
    vocabulary_url = ""
    if base:
        if editing:
            forge_url = base + _forge_path(kind, "edit", branch, checked.path)
            why = (
                "Die Bearbeiten-Seite kann den geänderten Text nicht übernehmen. Bitte kopieren "
                "Sie den Text unten und ersetzen Sie damit dort den ganzen Inhalt der Datei."
            )
        else:
            empty = base + _forge_path(kind, "new", branch, checked.path)
            if kind == "gitlab":
                forge_url = empty
                why = (
                    f"{FORGE_LABELS[kind]} kann die neue Datei nicht vorausfüllen. Bitte dort als "
                    f"Dateinamen „{checked.slug}.md“ eingeben und den Text unten hineinkopieren."
                )
            else:
                query = urlencode(
                    {"filename": f"{checked.slug}.md", "value": checked.file.text},
                    quote_via=quote,
                )
                full = f"{empty}?{query}"
                if len(full) <= MAX_PREFILL_URL:
                    forge_url, prefilled = full, True
                else:
                    forge_url = empty + "?" + urlencode({"filename": f"{checked.slug}.md"})
                    why = (
                        "Die Karte ist zu lang, um sie in einer Adresse zu übergeben. Bitte "
                        "kopieren Sie den Text unten und fügen Sie ihn dort ein."
                    )
        if checked.vocabulary_addition:
            vocabulary_url = base + _forge_path(
                kind, "edit", branch, f"{TOOLKIT_DIR}/{VOCABULARY_FILE}"
            )
    mail_url = ""
    mail_has_text = False
    if contact_email:
        subject = ("Geänderte Karte: " if editing else "Neue Karte: ") + checked.path
        body = checked.file.text
        if checked.vocabulary_addition:
            body += (
                f"\nErgänzung für {TOOLKIT_DIR}/{VOCABULARY_FILE}:\n\n"
                + checked.vocabulary_addition
            )
        mail_url = f"mailto:{quote(contact_email, safe='@')}?" + urlencode(
            {"subject": subject, "body": body}, quote_via=quote
        )
        mail_has_text = True
        if len(mail_url) > MAX_MAILTO_URL:
            mail_url = f"mailto:{quote(contact_email, safe='@')}?" + urlencode(
                {
                    "subject": subject,
                    "body": "Die Datei der Karte hängt an (heruntergeladen von der Seite).",
                },
                quote_via=quote,
            )
            mail_has_text = False
    return HandIn(
        forge=kind,
        forge_label=FORGE_LABELS.get(kind, ""),
        forge_url=forge_url,
        prefilled=prefilled,
        why_not_prefilled=why,
        vocabulary_url=vocabulary_url,
        mail_url=mail_url,
        mail_has_text=mail_has_text,
    )


def live_checks() -> dict[str, tuple[str, str]]:
    """Form field -> (pattern, message) of the card schema, for checks while typing: the same
    rule and words as the check (the check itself still runs on every preview)."""
    properties = fields.card_schema()["properties"]
    email = properties["contact"]["properties"]["email"]
    date = fields.resolved(properties["published"])
    urls = {
        f"{group.prefix}_url": fields.resolved(properties[group.key])["items"]["properties"]["url"]
        for group in ROW_FIELDS
    }
    return {
        "contact_email": (email["pattern"], email["x-message"]),
        **{name: (url["pattern"], url["x-message"]) for name, url in urls.items()},
        "published": (date["pattern"], date["x-message"]),
        "updated": (date["pattern"], date["x-message"]),
    }


def field_limit(key: str) -> int | None:
    """The card's length limit of a text field (shown and counted in the form)."""
    rule = CARD_FIELDS_BY_KEY.get(key)
    return rule.max_length if rule else None
