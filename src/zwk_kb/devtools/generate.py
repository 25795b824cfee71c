"""A seeded generator of realistic German tool cards, for benchmarks and load tests.

``write_toolkit(folder, n, seed)`` writes ``n`` cards (``<slug>.md``) and the ``_vocabulary.yml``
they use: ~400 invented communes in all 16 states and 4 clusters, the 13 topics of the bundled
toolkit, bodies of 300–1500 words from German municipal vocabulary with compounds
("Nachbarschaftsbörse"), umlauts and ß ("Großröhrsdorf", "Begegnungsstätte") and gendered forms
("Bürger:innen", "Mitarbeiter*innen"). Card ``i`` depends only on ``(seed, i)``: the 1,000-card
toolkit is the first 1,000 cards of the 10,000-card one.

Run as ``python -m zwk_kb.devtools.generate N FOLDER [--seed S]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import string
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SEED = 20240611
VOCABULARY_FILE = "_vocabulary.yml"
N_COMMUNES = 400
MIN_WORDS = 300
MAX_WORDS = 1500


def _words(text: str) -> tuple[str, ...]:
    """Whitespace-separated words of a block."""
    return tuple(text.split())


def _items(text: str) -> tuple[str, ...]:
    """Entries of a ``;``-separated block (lets the word lists stay compact and readable)."""
    return tuple(item.strip() for item in text.split(";") if item.strip())


TOPICS = _items("""
    Öffentlichkeitsarbeit; Wohnen; Intra-/Interkommunale Kooperationen; Digitalisierung;
    Demokratieförderung; Bürgerbeteiligung; Bürgerschaftliches Engagement;
    Begegnung/Beratung/Selbsthilfe; Fördermittel; Gesundheit und Pflege; Arbeit und Wirtschaft;
    Demografiestrategie; Integration""")
CHALLENGES = _items("""
    Fachkräftemangel; Vereinsamung im Alter; Abwanderung junger Menschen; Leerstand im Ortskern;
    Versorgung auf dem Land; Mobilität im ländlichen Raum; Integration von Zugewanderten;
    Sinkende Beteiligung; Nachwuchs im Ehrenamt; Ärztemangel und Pflegebedarf;
    Alternde Bevölkerung; Knappe kommunale Finanzen; Gleichstellung; Kinderbetreuung;
    Digitale Teilhabe""")
TARGET_GROUPS = _items("""
    Ältere Menschen; Jugendliche; Familien; Zugewanderte; Ehrenamtliche; Verwaltung;
    Kommunalpolitik; Unternehmen; Neubürger:innen; Fachkräfte; Alle Bürger:innen""")
TOOL_TYPES = _items("""
    Konzept; Methode; Praxisbeispiel; Leitfaden; Vortrag; Beteiligungsformat; Förderprogramm;
    Digitales Werkzeug""")
STATUSES = ("Idee", "in Erprobung", "erprobt")
EFFORTS = ("gering", "mittel", "hoch")

# state -> (cluster, weight, name endings typical of the region)
STATES: dict[str, tuple[str, int, tuple[str, ...]]] = {
    "Schleswig-Holstein": ("Nord", 22, ("büttel", "stedt", "feld", "hude", "wisch", "dorf")),
    "Hamburg": ("Nord", 2, ("stedt", "feld", "dorf")),
    "Bremen": ("Nord", 2, ("hausen", "stedt")),
    "Niedersachsen": ("Nord", 40, ("stedt", "hausen", "büttel", "rode", "ingen", "beck")),
    "Mecklenburg-Vorpommern": ("Nord", 24, ("ow", "hagen", "itz", "in", "dorf", "gard")),
    "Brandenburg": ("Ost", 26, ("ow", "itz", "walde", "au", "werder", "dorf")),
    "Berlin": ("Ost", 3, ("dorf", "felde", "au")),
    "Sachsen": ("Ost", 28, ("itz", "witz", "a", "bach", "hain", "röhrsdorf")),
    "Sachsen-Anhalt": ("Ost", 24, ("leben", "stedt", "au", "itz", "burg")),
    "Thüringen": ("Ost", 22, ("roda", "leben", "hausen", "feld", "a")),
    "Bayern": ("Süd", 60, ("ing", "hofen", "kirchen", "reuth", "au", "zell", "bach")),
    "Baden-Württemberg": ("Süd", 45, ("ingen", "heim", "weiler", "bronn", "ach", "stetten")),
    "Nordrhein-Westfalen": ("West", 40, ("hausen", "rath", "scheid", "beck", "kamp", "hövel")),
    "Hessen": ("West", 28, ("bach", "hausen", "heim", "au", "rod", "lar")),
    "Rheinland-Pfalz": ("West", 28, ("bach", "heim", "scheid", "weiler", "rath")),
    "Saarland": ("West", 7, ("weiler", "bach", "kirchen", "ingen")),
}
KINDS_BY_STATE: dict[str, str] = {
    "Mecklenburg-Vorpommern": "Amt",
    "Brandenburg": "Amt",
    "Schleswig-Holstein": "Amt",
    "Rheinland-Pfalz": "Verbandsgemeinde",
    "Niedersachsen": "Samtgemeinde",
    "Bayern": "Markt",
}
NAME_STEMS = _words(
    """Linden Eichen Birken Buchen Erlen Fichten Tannen Rosen Sonnen Mühl Stein Wald Berg Bach
    Weiden Kirch Brunn Hasel Wiesen Moor Hoh Falken Adler Kranich Reh Wolfs Bären Fuchs Hirsch
    Schön Grün Weiß Roth Lauter Schwarz Gold Silber Kalten Warm Lang Breit Marien Johannis Ebers
    Gunders Otters Frieders Konrads Heinrichs Wendel Göttel Löwen Rüders Hühner Brück Mühlen Sülz
    Großröhrs Lößnitz Fürsten König Grafen Bischofs Aben Ahl Borg Dann Elm Fahr Gelting Haß
    Igel"""
)
NAME_PREFIXES = ("",) * 5 + ("Bad ", "Neu", "Alt", "Groß", "Klein", "Ober", "Nieder", "Hohen")
NAME_QUALIFIERS = ("",) * 6 + _items("""
    am See; an der Elbe; im Harz; an der Oder; am Main; im Allgäu; in der Eifel;
    an der Saale; im Odenwald; bei Mühlhausen""")

# Compounds: the left part carries its linking element, the right part its gender.
LEFT = _words(
    """Dorf Bürger Senioren Jugend Familien Nachbarschafts Generationen Gemeinde Ehrenamts
    Integrations Gesundheits Pflege Wohn Leerstands Fachkräfte Willkommens Mobilitäts Digital
    Beteiligungs Quartiers Kultur Sport Bildungs Ausbildungs Gründer Klima Energie Demografie
    Zukunfts Heimat Kinder Eltern Frauen Mieter Stadtteil Ortskern Land Kreis Amts Markt
    Wirtschafts Unternehmer Rathaus Verwaltungs Lern Sprach Musik Kunst Garten Begegnungs
    Beratungs Selbsthilfe Inklusions Teilhabe Rad Lastenrad Bus Mitfahr Bahnhofs Schul Kita
    Hausarzt Notfall Nahversorgungs Spiel Freizeit Umwelt Feuerwehr Vereins Stiftungs Förder
    Gemeinschafts Pendler Rückkehrer Alltags Nachwuchs Praktikums Übergangs Grundschul
    Kümmerer"""
)
RIGHT: tuple[tuple[str, str], ...] = tuple(
    (word, gender)
    for word, _, gender in (
        item.partition(":")
        for item in _words(
            """laden:m haus:n beratung:f netzwerk:n börse:f treff:m café:n büro:n
        stelle:f konzept:n plan:m projekt:n initiative:f werkstatt:f kreis:m rat:m verein:m
        management:n förderung:f begleitung:f sprechstunde:f bus:m mobil:n fonds:m programm:n
        lotse:m parlament:n tag:m garten:m zentrum:n akademie:f plattform:f kompass:m check:m
        strategie:f konferenz:f agentur:f küche:f markt:m stammtisch:m patenschaft:f
        koordination:f stätte:f portal:n forum:n budget:n bündnis:n lotsendienst:m wegweiser:m
        sommer:m"""
        )
    )
)
ARTICLES = {"m": ("der", "den", "dem"), "f": ("die", "die", "der"), "n": ("das", "das", "dem")}
INDEFINITE = {
    "m": ("ein", "einen", "einem"),
    "f": ("eine", "eine", "einer"),
    "n": ("ein", "ein", "einem"),
}
GROUPS = _items("""
    Bürger:innen; Bürgerinnen und Bürger; Mitarbeiter*innen der Verwaltung; Ehrenamtliche;
    Kolleg_innen aus den Nachbargemeinden; Seniorinnen und Senioren; Jugendliche; Zugewanderte;
    Unternehmer:innen; Ärztinnen und Ärzte; Pflegekräfte; Auszubildende; Nachbar*innen;
    Lehrer:innen; Erzieherinnen und Erzieher; Verwaltungsmitarbeitende; Gemeindevertreter:innen;
    Studierende; Neubürger:innen; Alleinerziehende; Rentner:innen; Landwirt:innen;
    Vereinsvorsitzende; Schüler*innen; Eltern; Handwerksbetriebe; Ortsvorsteher:innen""")
PEOPLE = _items("""
    Bürgermeisterin Schneider; Bürgermeister Yılmaz; Ortsvorsteherin Weiß; Quartiersmanager Groß;
    die Gleichstellungsbeauftragte Frau Köhler; der Kämmerer Herr Müller; Sozialarbeiterin Jansen;
    die Ehrenamtskoordinatorin Frau Böhm; Amtsdirektor Nowak; Landrätin Hoffmann;
    die Demografiebeauftragte Frau Öztürk; Gemeindeschwester Petra Krüger; Herr Łukasiewicz""")
STREETS = _items("""
    Lindenstraße; Marktstraße; Hauptstraße; Kirchgasse; Schulstraße; Bahnhofstraße; Mühlenstraße;
    Angerstraße; Rathausgasse; Friedhofsstraße; Gartenstraße; Brückenstraße; Großen Straße;
    Jahnstraße; Langen Reihe; Dorfstraße; Goethestraße; Schloßstraße""")
FUNDING = _items("""
    das Landesprogramm „Starke Dörfer“; LEADER-Mittel der Europäischen Union;
    den kommunalen Haushalt; Spenden der örtlichen Sparkasse; eine Bürgerstiftung;
    das Bundesprogramm „Demokratie leben!“; Mittel der Städtebauförderung;
    einen Zuschuss des Landkreises; die Pflegekassen; Beiträge der beteiligten Betriebe;
    den Verfügungsfonds des Quartiers; eine Crowdfunding-Aktion""")
REASONS = _items("""
    der nächste Supermarkt zwölf Kilometer entfernt ist;
    viele Ältere allein in zu großen Häusern leben;
    junge Familien sonst in die Kreisstadt ziehen;
    die Hausarztpraxis keinen Nachfolger gefunden hat;
    der Bus am Wochenende gar nicht fährt;
    Vereine kaum noch Nachwuchs für den Vorstand finden;
    Betriebe ihre Ausbildungsplätze nicht mehr besetzen können;
    Zugewanderte ohne Begleitung an Formularen scheitern;
    die Wahlbeteiligung bei der letzten Kommunalwahl unter 40 Prozent lag;
    im Ortskern jedes fünfte Ladenlokal leer steht;
    die Grundschule nur noch knapp genug Anmeldungen hat;
    Pflegebedürftige länger zu Hause wohnen möchten;
    viele Menschen digitale Behördendienste nicht nutzen können""")
OBSTACLES = _items("""
    Datenschutzfragen mussten mit dem Landesbeauftragten geklärt werden;
    die Versicherung der Ehrenamtlichen war anfangs ungeklärt;
    der Gemeinderat zögerte wegen der Folgekosten;
    es fehlte ein barrierefreier Raum;
    die Förderrichtlinie verlangte einen hohen Eigenanteil;
    Öffnungszeiten passten nicht zu Berufstätigen;
    die Übergabe an neue Verantwortliche war schwierig;
    das Vergaberecht verzögerte die Anschaffung um Monate;
    die Abstimmung zwischen Amt und Gemeinden brauchte Geduld""")
TIPS = _items("""
    Klein anfangen und nach einem halben Jahr gemeinsam auswerten;
    Eine feste Ansprechperson im Rathaus benennen;
    Die Presse früh einbinden und Erfolge sichtbar machen;
    Ehrenamtliche nicht überfordern und Aufgaben teilen;
    Kooperationsvereinbarungen schriftlich festhalten;
    Räume nutzen, die ohnehin da sind: Gemeindehaus, Schule, Feuerwehrgerätehaus;
    Fördermittel mit Vorlauf beantragen, Bewilligungen dauern;
    Gendergerechte und leichte Sprache in allen Aushängen verwenden;
    Zielgruppen direkt fragen statt über sie zu planen;
    Eine Übergabe-Mappe für Nachfolger:innen anlegen""")
HEADINGS = (
    ("Worum geht es?", "Ausgangslage"),
    ("So funktioniert es", "Umsetzung", "Ablauf"),
    ("Wer macht mit?", "Beteiligte", "Partner"),
    ("Kosten und Finanzierung", "Was es kostet"),
    ("Erfahrungen", "Ergebnisse", "Was wir gelernt haben"),
    ("Tipps zum Nachmachen", "Übertragbarkeit", "Stolpersteine"),
)


SENTENCES = (
    "{The} wurde {year} in {commune} gegründet und wird heute von {num} {group} getragen.",
    "Für {group} ist {the} vor allem wichtig, weil {reason}.",
    "Die Verwaltung hat gemeinsam mit {group} {a_acc} aufgebaut, das Büro liegt in der {street}.",
    "Finanziert wird {the} über {funding}; dazu kommen rund {euro} Euro im Jahr.",
    "Im ersten Jahr kamen etwa {people} Menschen zu {the_dat}, darunter viele {group}.",
    "{Group} berichten, dass {the} den Alltag spürbar erleichtert.",
    "Ohne {a_acc} wäre die Aufgabe „{challenge}“ in {commune} kaum zu bewältigen gewesen.",
    "Der Aufwand für {the_acc} liegt bei ungefähr {hours} Stunden pro Woche, verteilt auf mehrere "
    "Schultern.",
    "{person} sagt: „{The} ist für uns längst selbstverständlich geworden.“",
    "Größere Hürden gab es bei {the_dat}: {obstacle}.",
    "Mehr als {percent} Prozent der Befragten wünschten sich {a_acc} in ihrer Nähe.",
    "Zu Beginn stand die Frage, wie das Thema „{challenge}“ in {commune} gemeinsam angegangen "
    "werden kann.",
    "{The} arbeitet eng mit {other_dat} zusammen, sodass Wege kurz bleiben.",
    "Einmal im Monat treffen sich {group} im Gemeindehaus, um über {the_acc} und neue Ideen zu "
    "sprechen.",
    "Inzwischen haben {hours} Nachbarkommunen {the_acc} übernommen und an ihre Größe angepasst.",
    "Die Öffnungszeiten richten sich nach den Bedürfnissen der {group}, auch abends und am "
    "Wochenende.",
    "Über {the_acc} informieren Aushänge, das Amtsblatt und die Gemeinde-App in einfacher Sprache.",
    "Seit dem Start in der {street} hat sich {the} zu einem festen Treffpunkt entwickelt.",
    "Die Koordination liegt bei {the_dat}, die Ehrenamtlichen bringen ihre eigenen Ideen ein.",
)


@dataclass(frozen=True, slots=True)
class Noun:
    """A generated compound noun with its grammatical gender."""

    word: str
    gender: str

    def the(self, case: int = 0) -> str:
        return f"{ARTICLES[self.gender][case]} {self.word}"

    def a(self, case: int = 0) -> str:
        return f"{INDEFINITE[self.gender][case]} {self.word}"


def _cap(text: str) -> str:
    """First letter upper case, the rest as it is (``str.capitalize`` would lower the rest)."""
    return text[:1].upper() + text[1:]


def _noun(rng: random.Random) -> Noun:
    right, gender = rng.choice(RIGHT)
    left = rng.choice(LEFT)
    if rng.random() < 0.12:  # three-part compounds: "Dorfgemeinschaftshaus"
        left = left + rng.choice(("gemeinschafts", "entwicklungs", "versorgungs", "begegnungs"))
    return Noun(left + right, gender)


def slugify(text: str) -> str:
    """The contract's slug of a German text: ä → ae, ß → ss, other characters → hyphens."""
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ı": "i", "ł": "l"})
    lowered = text.lower().translate(table)
    out = []
    for ch in lowered:
        out.append(ch if ("a" <= ch <= "z" or "0" <= ch <= "9") else "-")
    return "-".join(part for part in "".join(out).split("-") if part)


# ---- vocabulary ------------------------------------------------------------------------------


def make_communes(seed: int = DEFAULT_SEED, n: int = N_COMMUNES) -> dict[str, tuple[str, str, str]]:
    """``n`` unique invented communes: name -> (state, cluster, kind); every state has some."""
    rng = random.Random(seed * 7 + 1)
    states = list(STATES)
    weights = [STATES[s][1] for s in states]
    communes: dict[str, tuple[str, str, str]] = {}
    order = states + rng.choices(states, weights, k=n * 3)
    for state in order:
        if len(communes) >= n:
            break
        cluster, _, endings = STATES[state]
        base = rng.choice(NAME_PREFIXES) + rng.choice(NAME_STEMS)
        base = base[0] + base[1:].lower() if not base.startswith("Bad ") else base
        name = base + rng.choice(endings)
        roll = rng.random()
        if roll < 0.10:
            kind, name = "Landkreis", f"Landkreis {name}"
        elif roll < 0.18 and state in KINDS_BY_STATE:
            kind = KINDS_BY_STATE[state]
            name = f"{kind} {name}"
        elif roll < 0.45:
            qualifier = rng.choice(NAME_QUALIFIERS)
            kind, name = "Stadt", f"{name} {qualifier}" if qualifier else name
        else:
            kind = "Gemeinde"
        if name not in communes:
            communes[name] = (state, cluster, kind)
    return communes


def vocabulary_yaml(communes: dict[str, tuple[str, str, str]]) -> str:
    """The ``_vocabulary.yml`` text (strings as JSON, which YAML reads as double-quoted)."""
    q = _q
    lines = ["# Erzeugt von zwk_kb.devtools.generate (Testdaten, keine echten Kommunen)."]
    for key, values in (
        ("topics", TOPICS),
        ("challenges", CHALLENGES),
        ("target_groups", TARGET_GROUPS),
        ("tool_types", TOOL_TYPES),
    ):
        lines.append(f"{key}:")
        lines.extend(f"  - {q(v)}" for v in values)
    lines.append("communes:")
    for name, (state, cluster, kind) in communes.items():
        lines.append(f"  {q(name)}: {{state: {q(state)}, cluster: {q(cluster)}, kind: {q(kind)}}}")
    return "\n".join(lines) + "\n"


def _q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


# ---- cards -----------------------------------------------------------------------------------


class _Writer:
    """Builds one card's body from sentence templates; counts words as it goes."""

    def __init__(self, rng: random.Random, commune: str, nouns: list[Noun], challenge: str) -> None:
        self.rng = rng
        self.commune = commune
        self.nouns = nouns
        self.challenge = challenge
        self.words = 0
        self.parts: list[str] = []

    def noun(self) -> Noun:
        # the card's own nouns recur (as in a real text); sometimes a new one appears
        return self.rng.choice(self.nouns) if self.rng.random() < 0.7 else _noun(self.rng)

    def sentence(self) -> str:
        r = self.rng
        n = self.noun()
        template, names = r.choice(_SENTENCE_SLOTS)
        slots = {name: _SLOT_MAKERS[name](self, n) for name in names}
        s = template.format_map(slots)
        self.words += s.count(" ") + 1
        return s

    def paragraph(self) -> None:
        self.parts.append(" ".join(self.sentence() for _ in range(self.rng.randint(3, 7))))

    def bullets(self) -> None:
        items = []
        for _ in range(self.rng.randint(3, 6)):
            n = self.noun()
            items.append(f"- {n.word} für {self.rng.choice(GROUPS)}")
            self.words += 3 + 2
        self.parts.append("\n".join(items))

    def tips(self) -> None:
        chosen = self.rng.sample(TIPS, 3)
        self.parts.append("\n".join(f"{i}. {t}." for i, t in enumerate(chosen, 1)))
        self.words += sum(t.count(" ") + 1 for t in chosen)


_SLOT_MAKERS: dict[str, Callable[[_Writer, Noun], object]] = {
    "The": lambda w, n: _cap(n.the()),
    "the": lambda w, n: n.the(),
    "the_acc": lambda w, n: n.the(1),
    "the_dat": lambda w, n: n.the(2),
    "a_acc": lambda w, n: n.a(1),
    "other_dat": lambda w, n: w.noun().the(2),
    "group": lambda w, n: w.rng.choice(GROUPS),
    "Group": lambda w, n: _cap(w.rng.choice(GROUPS)),
    "commune": lambda w, n: w.commune,
    "challenge": lambda w, n: w.challenge,
    "year": lambda w, n: w.rng.randint(2008, 2024),
    "num": lambda w, n: w.rng.randint(4, 60),
    "people": lambda w, n: w.rng.randint(20, 900),
    "euro": lambda w, n: w.rng.randint(2, 90) * 500,
    "hours": lambda w, n: w.rng.randint(2, 20),
    "percent": lambda w, n: w.rng.randint(30, 85),
    "street": lambda w, n: w.rng.choice(STREETS),
    "funding": lambda w, n: w.rng.choice(FUNDING),
    "reason": lambda w, n: w.rng.choice(REASONS),
    "obstacle": lambda w, n: w.rng.choice(OBSTACLES),
    "person": lambda w, n: _cap(w.rng.choice(PEOPLE)),
}
_SENTENCE_SLOTS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (t, tuple(dict.fromkeys(f for _, f, _, _ in string.Formatter().parse(t) if f)))
    for t in SENTENCES
)


def card_text(
    seed: int,
    i: int,
    communes: Sequence[str],
    weights: Sequence[float],
    words: tuple[int, int] = (MIN_WORDS, MAX_WORDS),
) -> tuple[str, str]:
    """(slug, file text) of card ``i``; deterministic in ``(seed, i, words)``."""
    rng = random.Random(seed * 1_000_003 + i)
    nouns = [_noun(rng) for _ in range(rng.randint(3, 6))]
    main = nouns[0]
    card_communes = list(
        dict.fromkeys(rng.choices(communes, weights, k=rng.choice((1, 1, 1, 2, 3))))
    )
    commune = card_communes[0]
    topics = rng.sample(TOPICS, rng.choice((1, 2, 2, 3)))
    challenges = rng.sample(CHALLENGES, rng.choice((1, 1, 2, 3)))
    challenge = challenges[0]
    title_kind = rng.randrange(4)
    if title_kind == 0:
        title = f"{main.word} in {commune}"
    elif title_kind == 1:
        title = f"{main.word}: {challenge} gemeinsam angehen"
    elif title_kind == 2:
        title = f"Mit {main.a(2)} gegen {challenge.split()[0]}"
    else:
        title = f"{main.word} und {nouns[1].word} für {rng.choice(GROUPS)}"
    title = title[:120]
    slug = f"{slugify(main.word)}-{slugify(commune)[:40]}-{i:05d}".strip("-")
    writer = _Writer(rng, commune, nouns, challenge)
    summary = writer.sentence()
    while len(summary) < 140:
        summary = f"{summary} {writer.sentence()}"
    summary = summary[:300].rstrip()
    target = rng.randint(*words)
    sections = [rng.choice(options) for options in HEADINGS]
    per_section = max(1, target // len(sections))
    for n, heading in enumerate(sections):
        writer.parts.append(f"## {heading}")
        goal = per_section * (n + 1)
        if n == 2:
            writer.bullets()
        if n == len(sections) - 1:
            writer.tips()
        while writer.words < goal:
            writer.paragraph()
    if rng.random() < 0.2:
        writer.parts.append(
            f"Mehr dazu: [{main.word} im Überblick](https://www.{slugify(commune)}.example.de/{slugify(main.word)})"
        )
    published = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(3800))
    meta: list[str] = [
        "---",
        f"title: {_q(title)}",
        f"summary: {_q(summary)}",
        "topics:",
        *[f"  - {_q(t)}" for t in topics],
        "communes:",
        *[f"  - {_q(c)}" for c in card_communes],
        "challenges:",
        *[f"  - {_q(c)}" for c in challenges],
    ]
    if rng.random() < 0.8:
        meta += [
            "target_groups:",
            *[f"  - {_q(t)}" for t in rng.sample(TARGET_GROUPS, rng.randint(1, 3))],
        ]
    if rng.random() < 0.9:
        meta.append(f"status: {_q(rng.choice(STATUSES))}")
    if rng.random() < 0.85:
        meta.append(f"effort: {_q(rng.choice(EFFORTS))}")
    meta.append(f"published: {published.isoformat()}")
    if rng.random() < 0.5:
        meta.append(
            f"updated: {(published + dt.timedelta(days=rng.randrange(1, 700))).isoformat()}"
        )
    if rng.random() < 0.9:
        meta.append(f"tool_type: {_q(rng.choice(TOOL_TYPES))}")
    if rng.random() < 0.6:
        meta += [
            "contact:",
            f"  name: {_q(rng.choice(PEOPLE).split(' ', 1)[-1])}",
            f"  organisation: {_q(commune)}",
            f"  email: {_q(slugify(main.word)[:20] + '@' + slugify(commune)[:30] + '.example.de')}",
        ]
    if rng.random() < 0.4:
        site = slugify(commune)[:30]
        meta += [
            "links:",
            f"  - title: {_q('Projektseite ' + main.word)}",
            f"    url: {_q(f'https://www.{site}.example.de/{slugify(main.word)}')}",
        ]
    if rng.random() < 0.05:
        meta.append(f"aliases: [{_q('alt-' + slug)}]")
    if rng.random() < 0.3:
        plain = f"{main.word} hilft {rng.choice(GROUPS)} in {commune}. Das ist gut für alle."
        meta.append(f"plain_summary: {_q(plain)}")
    if rng.random() < 0.25:
        others = [c for c in rng.sample(communes, 3) if c not in card_communes]
        if others:
            meta += ["reused_by:", *[f"  - {_q(c)}" for c in others[:2]]]
    meta.append("---")
    return slug, "\n".join(meta) + "\n\n" + "\n\n".join(writer.parts) + "\n"


def commune_weights(names: Sequence[str]) -> list[float]:
    """Zipf-like: a few communes contribute many cards, most contribute a few."""
    return [1.0 / (rank + 3) ** 0.8 for rank in range(len(names))]


@dataclass(frozen=True, slots=True)
class Generated:
    folder: Path
    slugs: tuple[str, ...]
    seconds: float


def write_toolkit(
    folder: Path,
    n: int,
    seed: int = DEFAULT_SEED,
    *,
    clean: bool = True,
    words: tuple[int, int] = (MIN_WORDS, MAX_WORDS),
) -> Generated:
    """Write ``n`` cards and their vocabulary into ``folder`` (emptied first when ``clean``).

    ``words`` is the range of body lengths (tests use short cards to stay fast).
    """
    started = time.perf_counter()
    folder = Path(folder)
    if clean and folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    communes = make_communes(seed)
    (folder / VOCABULARY_FILE).write_text(vocabulary_yaml(communes), encoding="utf-8")
    names = list(communes)
    weights = commune_weights(names)
    slugs = []
    for i in range(n):
        slug, text = card_text(seed, i, names, weights, words)
        (folder / f"{slug}.md").write_text(text, encoding="utf-8")
        slugs.append(slug)
    return Generated(folder, tuple(slugs), time.perf_counter() - started)


def change_card(path: Path, note: str) -> None:
    """Edit a card as a contributor would: a new paragraph at the end of its body."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip("\n") + f"\n\n## Nachtrag\n\n{note}\n", encoding="utf-8")


def add_cards(
    folder: Path,
    start: int,
    count: int,
    seed: int = DEFAULT_SEED,
    words: tuple[int, int] = (MIN_WORDS, MAX_WORDS),
) -> list[str]:
    """Write cards ``start … start+count-1`` of the same seed into an existing toolkit folder."""
    names = list(make_communes(seed))
    weights = commune_weights(names)
    slugs = []
    for i in range(start, start + count):
        slug, text = card_text(seed, i, names, weights, words)
        (Path(folder) / f"{slug}.md").write_text(text, encoding="utf-8")
        slugs.append(slug)
    return slugs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m zwk_kb.devtools.generate",
        description="Erzeugt N Test-Karten mit Vokabular in einem Ordner.",
    )
    parser.add_argument("n", type=int, help="Anzahl der Karten")
    parser.add_argument("folder", type=Path, help="Zielordner (wird geleert)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Startwert des Zufalls")
    parser.add_argument(
        "--words",
        type=int,
        nargs=2,
        default=(MIN_WORDS, MAX_WORDS),
        metavar=("MIN", "MAX"),
        help="Länge des Textes je Karte in Wörtern (Standard 300 1500)",
    )
    args = parser.parse_args(argv)
    result = write_toolkit(args.folder, args.n, args.seed, words=tuple(args.words))
    print(
        f"{len(result.slugs)} Karten in {result.folder} erzeugt ({result.seconds:.1f} s).",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
