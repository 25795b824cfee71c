"""How people ask, turned into what the cards say: pure functions the query building uses.

- Questions: the frame of a question or request ("wie können wir …", "ich suche …", "gibt es
  Tipps für …") says nothing about the answer, so its words never decide a ranking.
- Other words for a word: the same family ("gründen" → "Gründung", see
  :mod:`zwk_kb.analysis.wordforms`) and everyday neighbours (OpenThesaurus, see
  :mod:`zwk_kb.analysis.thesaurus`), each weighted below the word as typed; for a compound no
  card has, one part kept and the other replaced by a neighbour ("Handykurs" → "Smartphone"
  and "Kurs").
- Generic words: a word on a large share of the cards ("Gemeinde", "Angebot") does not make a
  card an answer on its own.
- Typos inside compounds: one part misspelt, the rest right ("schulweglozen").

No index access here: callers pass what they know of the index as functions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from zwk_kb.analysis.folding import fold
from zwk_kb.analysis.lexicon import STOP_WORDS
from zwk_kb.analysis.thesaurus import Thesaurus
from zwk_kb.analysis.wordforms import derived_forms
from zwk_kb.engine.query import BestOf, Query
from zwk_kb.search import query_building, ranking
from zwk_kb.search.query_building import Lexicon, Unit
from zwk_kb.search.request import QueryPart

# ---- questions ------------------------------------------------------------------------------

_WORDS = str.split
SCAFFOLDING: frozenset[str] = frozenset(
    fold(w)
    for w in _WORDS(
        """
        wer wen wem warum weshalb wieso weswegen wann womit wodurch wofür woher wohin worum
        wozu wobei woran worauf wovon welch
        aufs ans fürs übers durchs ums unterm vorm hinterm überm
        gibt gibts geben gäbe suche suchen sucht such brauche brauchen braucht benötige
        benötigen möchte möchten möchtet müssen müsst darf dürfen könnt kannst hilft helfen
        helft finde finden findet empfehlen empfehlt empfiehlt tun bekommen kriegen lässt lassen
        bitte gerne gern mal eigentlich irgendwie irgendwas irgendein irgendeine überhaupt
        tipp tipps idee ideen möglichkeit möglichkeiten beispiel beispiele vorschlag vorschläge
        ansatz ansätze lösung lösungen rat ratschlag ratschläge
        """
    )
)
"""Words of a question's or request's frame, as :func:`fold` writes them. Interrogatives and
pronouns that are stop words anyway ("wie", "was", "wir", "ich", "es") are not repeated."""
QUESTION_ONLY: frozenset[str] = frozenset(
    fold(w)
    for w in _WORDS(
        """
        mehr viele besser gute guten gut richtig hier uns unserer jemand jemanden erfahrung
        erfahrungen kennt kennen problem probleme frage fragen konkret konkrete wirklich
        sinnvoll sinnvolle besonders besten gemacht getan machen macht andere anderen
        länger lange weniger damit zusammen
        """
    )
)
"""Filler dropped only when the query is a question (starts with a frame word or an
interrogative, or ends with "?"): in keywords "gute Nachbarschaft" means what it says."""
_QUESTION_START: frozenset[str] = frozenset(
    fold(w)
    for w in _WORDS("wie was wo welche welcher welches kann können könnte gibt haben habt ich wir")
)


def is_question(q: str, parts: Sequence[QueryPart]) -> bool:
    """Whether the query is phrased as a question or request rather than as keywords."""
    if q.rstrip().endswith("?"):
        return True
    first = next((p for p in parts if not p.phrase), None)
    return first is not None and (
        fold(first.text) in _QUESTION_START or fold(first.text) in SCAFFOLDING
    )


_VERB_AFTER: frozenset[str] = frozenset(
    fold(w) for w in _WORDS("wie was wo warum wann womit wodurch wofür wozu woher wohin")
)
"""Interrogatives followed by the finite verb ("wie begrüßen wir …")."""
_MODALS: frozenset[str] = frozenset(
    fold(w)
    for w in _WORDS(
        """
        kann kannst können könnt könnte könnten soll sollen sollte sollten muss müssen musste
        will wollen möchte möchten darf dürfen lässt lassen würde würden
        """
    )
)
"""Modal verbs: with one of them the question ends in the infinitive ("… gewinnen")."""
_INFINITIVE_ENDINGS = ("en", "ern", "eln")
_STOP: frozenset[str] = frozenset(fold(w) for w in STOP_WORDS)


def read_question(q: str, parts: list[QueryPart]) -> tuple[list[QueryPart], frozenset[int]]:
    """(the parts without the question's frame, indexes among them of the question's verbs).

    A question's verbs ("wie *begrüßen* wir Neugeborene", "wie können wir Ehrenamtliche
    *gewinnen*") say what to do, not about what: the search keeps them as optional words, so
    the question ranks like its keywords ("Neugeborene", "Ehrenamtliche"). The frame is dropped
    only when something else is left (a search for "Tipps" alone finds what says "Tipps").
    """
    question = is_question(q, parts)
    drop = SCAFFOLDING | QUESTION_ONLY if question else SCAFFOLDING
    keep = [i for i, p in enumerate(parts) if p.phrase or p.exclude or fold(p.text) not in drop]
    if not any(not parts[i].exclude for i in keep):
        return parts, frozenset()
    verbs: set[int] = set()
    if question:
        words = [fold(p.text) if not (p.phrase or p.exclude) else "" for p in parts]
        if len(words) > 2 and words[0] in _VERB_AFTER and words[1] not in _MODALS:
            verbs.add(1)
        if any(w in _MODALS for w in words):
            content = (i for i in keep if words[i] and words[i] not in _STOP | _MODALS)
            last = max(content, default=None)
            if last is not None and words[last].endswith(_INFINITIVE_ENDINGS):
                verbs.add(last)
    kept_verbs = frozenset(n for n, i in enumerate(keep) if i in verbs)
    if len(kept_verbs) >= sum(1 for i in keep if not parts[i].exclude):
        kept_verbs = frozenset()  # only verbs left: they are what the user asks for
    return [parts[i] for i in keep], kept_verbs


# ---- other words for a word -----------------------------------------------------------------

MAX_FORMS = 3
MAX_NEIGHBOURS = 4


@dataclass(frozen=True, slots=True)
class Alternative:
    """Another word to search for one word of the query, with its weight and the note that
    explains a hit found through it."""

    word: str
    weight: float
    reason: str
    apart: bool = False
    """Several words that count anywhere on a card, not as a phrase in their order."""


def alternatives(
    word: str,
    in_index: Callable[[str], bool],
    written: Callable[[str], str],
    thesaurus: Thesaurus,
    *,
    thesaurus_too: bool = True,
) -> list[Alternative]:
    """Word-family forms and thesaurus neighbours of ``word`` that the index holds.

    ``in_index(w)``: whether ``w`` is a term of the index other than ``word``'s own;
    ``written(w)``: how the cards write a folded word. Family forms come first; thesaurus
    neighbours only when ``thesaurus_too`` (the hand synonym list has no group for the word).
    """
    found: list[Alternative] = []
    seen: set[str] = {fold(word)}
    for form in derived_forms(word):
        if len(found) >= MAX_FORMS:
            break
        if form not in seen and in_index(form):
            seen.add(form)
            shown = written(form)
            reason = f"andere Wortform: „{word}“ → „{shown}“"
            found.append(Alternative(shown, ranking.FORM_WEIGHT, reason))
    if thesaurus_too:
        neighbours = 0
        for member, weight in thesaurus.neighbours(word):
            key = fold(member)
            if neighbours >= MAX_NEIGHBOURS:
                break
            if key not in seen and in_index(member):
                seen.add(key)
                neighbours += 1
                found.append(Alternative(member, weight, f"Ähnliches Wort: „{word}“ → „{member}“"))
    return found


MIN_COMPOUND_PART = 4
PART_WEIGHT = 0.8
"""A compound with one part replaced weighs this share of the part's neighbour."""


def part_neighbours(
    word: str,
    is_term: Callable[[str], bool],
    in_index: Callable[[str], bool],
    written: Callable[[str], str],
    thesaurus: Thesaurus,
) -> list[Alternative]:
    """For a compound no card has ("Handykurs"): one part kept where the cards have it
    ("Kurs"), the other replaced by a thesaurus neighbour the cards have ("Smartphone"), both
    words anywhere on a card; of the splits that give any, the first that keeps the head.
    ``is_term``: whether the cards have a folded part as a word."""
    key = fold(word)
    found: list[Alternative] = []
    if not key.isalpha():
        return found
    cuts = range(MIN_COMPOUND_PART, len(key) - MIN_COMPOUND_PART + 1)
    # the head (last part) says what the thing is, a "Handykurs" is a "Kurs": it is kept if
    # the cards have it, the longest first; else the first part, the longest first
    heads = sorted(((key[c:], key[:c]) for c in cuts), key=lambda split: -len(split[0]))
    firsts = sorted(((key[:c], key[c:]) for c in cuts), key=lambda split: -len(split[0]))
    for kept, swapped in heads + firsts:
        if not is_term(kept):
            continue
        for member, weight in thesaurus.neighbours(swapped):
            if len(found) >= MAX_NEIGHBOURS:
                break
            if " " not in member and in_index(member):
                shown = written(kept)
                reason = f"Ähnliches Wort: „{word}“ → „{member}“ und „{shown}“"
                found.append(Alternative(f"{member} {shown}", weight * PART_WEIGHT, reason, True))
        if found:
            break
    return found


def with_alternatives(
    units: list[Unit],
    parts: list[QueryPart],
    lexicon: Lexicon,
    thesaurus: Thesaurus,
    written: Callable[[str], str],
) -> None:
    """Widen each word with other forms of its family and, when no card uses the word itself,
    with its thesaurus neighbours; each weighs less than the word as typed, and the best of
    them counts (they don't add up). ``written``: how the cards write a folded word."""
    for part, found in zip(parts, units, strict=True):
        if part.exclude or part.phrase or found.query is None or not found.whole:
            continue
        own = found.literal

        def in_index(word: str, own: frozenset[str] = own) -> bool:
            # a phrase ("per Anhalter fahren") when the cards have all its words (the query
            # then asks for them in their order)
            groups = lexicon.analyze(word)
            if not groups or (len(groups) > 1) != (" " in word):
                return False
            return all(g[0] not in own and lexicon.doc_frequency(g[0]) > 0 for g in groups)

        def is_term(word: str) -> bool:
            groups = lexicon.analyze(word)
            return len(groups) == 1 and lexicon.doc_frequency(groups[0][0]) > 0

        neighbours_too = not lexicon.doc_frequency(found.whole) and not found.reasons
        others = alternatives(part.text, in_index, written, thesaurus, thesaurus_too=neighbours_too)
        if neighbours_too and not any(a.weight < ranking.FORM_WEIGHT for a in others):
            others += part_neighbours(part.text, is_term, in_index, written, thesaurus)
        queries: list[Query] = []
        for alt in others:
            groups = lexicon.analyze(alt.word)
            if " " in alt.word and not alt.apart:  # a phrase: its words in their order
                q = query_building.phrase_query(groups, [], boost_scale=alt.weight)
            else:
                q = query_building.word_query(groups, boost_scale=alt.weight)
            if q is None:
                continue
            queries.append(q)
            for group in groups:
                found.terms.add(group[0])
                found.reasons.setdefault(group[0], alt.reason)
        if queries:
            found.query = BestOf((found.query, *queries), tiebreak=ranking.BEST_OF_TIEBREAK)
            found.borrowed = not found.known and all(a.weight < ranking.FORM_WEIGHT for a in others)
            found.known = True


# ---- generic words --------------------------------------------------------------------------

GENERIC_SHARE = 0.4
"""A word on this share of the cards or more is generic for the toolkit."""
GENERIC_MIN_CARDS = 10
"""Below this many cards every word is specific (shares of a handful of cards say nothing)."""


GENERIC_WORDS: frozenset[str] = frozenset(
    fold(w)
    for w in _WORDS(
        """
        angebot angebote angeboten projekt projekte projekten idee ideen maßnahme maßnahmen
        konzept konzepte programm programme initiative initiativen aktion aktionen
        hilfe hilfen unterstützung stadt städte städten gemeinde gemeinden kommune kommunen
        kommunal kommunale kommunalen ort orte orten region regionen kreis landkreis
        verwaltung menschen leute thema themen sache sachen beispiel modell lokal lokale
        lokalen vorhaben neu neue neuen neuer neues
        """
    )
)
"""Words that name no subject of their own in a municipal toolkit, whatever their share of
the cards (a small toolkit may use "Projekt" on a single card)."""


def is_generic(word: str, doc_frequency: int, cards: int) -> bool:
    """Whether ``word``, found on ``doc_frequency`` of ``cards`` cards, is too common to make a
    card an answer by itself."""
    if fold(word) in GENERIC_WORDS:
        return True
    return cards >= GENERIC_MIN_CARDS and doc_frequency >= GENERIC_SHARE * cards


# ---- typos inside compounds -----------------------------------------------------------------

MIN_PART = 3
MIN_FIXED_PART = 4


def correct_compound(
    word: str,
    is_word: Callable[[str], bool],
    suggest: Callable[[str, int], str | None],
    is_common_word: Callable[[str], bool] = lambda _: False,
) -> str | None:
    """``word`` with one misspelt part corrected, the other part kept as typed: the split
    where one side is a word of the cards and the other is nearest to one (at most one edit
    for a part of up to five letters, two for longer ones); among equally near corrections
    the one whose kept part is longest. None when no split works.

    ``is_word``: whether a folded word (or compound part) occurs in the cards; ``suggest``:
    the nearest such word within a distance, or None; ``is_common_word``: whether a part is a
    word of the language anyway (then it is no typo: "Feuerwehrleute" is not "Feuerwehrheute").
    """
    key = fold(word)
    if not key.isalpha() or len(key) < MIN_PART + MIN_FIXED_PART:
        return None
    best: tuple[int, int, str] | None = None
    for cut in range(MIN_PART, len(key) - MIN_PART + 1):
        head, tail = key[:cut], key[cut:]
        for kept, typo, rebuild in (
            (head, tail, lambda fixed, h=head: h + fixed),
            (tail, head, lambda fixed, t=tail: fixed + t),
        ):
            if len(typo) < MIN_FIXED_PART or not is_word(kept):
                continue
            if is_common_word(typo):
                continue  # both parts are words: nothing to correct at this split
            for distance in (1, 2) if len(typo) > 5 else (1,):
                fixed = suggest(typo, distance)
                if fixed is not None and fixed != typo:
                    candidate = (distance, -len(kept), rebuild(fixed))
                    if best is None or candidate < best:
                        best = candidate
                    break
    return best[2] if best else None
