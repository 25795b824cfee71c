"""German compounds: a dictionary-based splitter over the frequency list (:mod:`.lexicon`).

Pure functions over folded words; the caller's own words (:class:`Additions`) join the dictionary
or stay whole.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from zwk_kb.analysis.folding import TOKEN_PATTERN, collapse_digraphs, degender, fold_token
from zwk_kb.analysis.lexicon import (
    MAX_PART_CHARS,
    MAX_TOKEN_CHARS,
    STOP_KEYS,
    Lexicon,
    lexicon,
    wordset,
)

MIN_SPLIT_CHARS = 7
"""Shorter words are never split (too many accidental splits like ``Termin``)."""
MAX_PARTS = 4
EXTRA_WORD_ZIPF = 3.5
"""Frequency given to caller-supplied words when they serve as parts of a longer compound."""
_ASCII_WORD = re.compile(r"[a-z]+")

_LINKS = ("s", "es", "n", "en", "e", "ns", "ens")
"""Fugenelemente: Integration-s-konzept, Tag-es-stätte, Name-ns-liste. Plural-like forms
(Kinder-, Generationen-, Fachkräfte-) are words themselves and found directly; ``er`` is
left out because removing it invents parts (Förder- → Ford)."""
_FINAL_ENDINGS = ("s", "es", "n", "en", "e", "er", "ern", "em")
"""Inflection endings allowed on the last part (Lastenräd-er, Konzept-es)."""
_LINK_PENALTY = 0.15
_UNIGRAM_BASE = 9.0
"""Zipf 9 = probability 1: parts score ``zipf - 9`` = log10 probability, summed."""
_SPLIT_MARGIN = 0.4
"""How much more frequent (in Zipf) the parts must be than the whole word (Moderation)."""

_NEVER_PARTS = wordset(
    """
    ab an auf aus bei durch ein ent er ge gegen mit nach ob um unter ver vor wider wieder zer
    zu zuruck zusammen voran voraus heraus herum hinaus hinein herein empor dar fort weiter
    nieder uber statt raus rein rauf runter rum ruber drauf drin dran her hin
    ung ungen heit heiten keit keiten schaft schaften tum tums nis lich liche lichen licher
    ling linge lingen bare los lose sam same haft hafte ismus isten tion ieren ierung ende
    enden ern sten tieren ehen zuge
    gibt ganz geht viel erst hast ware sagt darf eben ging kaum gilt habt mach lass nahm sehe
    gehe gebe komm lebt legt lief fiel find trat galt traf trug holt ruft baut isst ladt seht
    kame regt hebt tust warf sang riss fugt ahnt hing litt ruht wagt weht ehrt eilt lobt ubte
    sahe ists aufs furs umso wozu vorn vorm naja okay gmbh hrsg inkl evtl vllt bspw bzgl dipl
    ehem aufl engl incl univ nich wurd werd guck nimm zieh sieh heut hatt kenn nenn steh zeig
    frag fuhl best beste eins zwei drei vier funf acht neun zehn chen lein untere hintere vera
    eher eile weitere hervor bevor unterste niedere verb
    the and for you with this that not are but his its off our out own who why how she they
    them then than there une les high free from your time life love open game like play
    king lady good know make more what have back dark dead easy fire full here hill hole
    long made mind road safe seen talk work come days deep east face hope much read some
    take when well word only over look nice line case call boys book down girl cool deal
    date just kids lost miss must need self side very view walk want were into away been
    ever even feel fine five four give hold keep late lets move next same
    """
)
"""Particles, derivational suffixes, inflected verbs and function words (German and English,
which the frequency list also holds): never a compound part, so ``Ausbildung``,
``Nachbarschaft``, ``Werkstatt`` stay whole and ``Tiefsten`` is not ``tief`` + ``ten``."""

_SHORT_PARTS = wordset(
    """
    amt app arm art bad bau bio box bus dom ehe eis elf fan fit gas gen gut hai hof hut job
    kai kuh kur lkw mix mut neu alt nah ohr oko oma opa ort ost pkw pop rad rat rot ruf see
    set ski sud tag tal tee tod tor typ uhr uni weg web zoo zug eid reh heu
    """
)
"""The only three-letter parts: frequent nouns and adjectives of compounds (Lasten-rad,
Bürger-bus, Orts-rat). Three-letter strings in the frequency list are mostly abbreviations,
names and function words (spd, usa, sch, ten, son, pro, her)."""
_VOWEL = re.compile(r"[aeiouy]")


def _min_zipf(length: int) -> float:
    """Short parts must be frequent words (``Rad``, ``Bus``, ``Kita``) to count."""
    if length <= 3:
        return 4.0
    if length == 4:
        return 3.5
    return 3.0


_BOUND_STEMS = {"forder": 3.5, "mitfahr": 3.0, "heiz": 3.0}
"""Verb stems that are frequent first parts but rare alone (Förder-mittel, Mitfahr-bank)."""


def _known(key: str, table: Lexicon, additions: Additions) -> float:
    """Zipf frequency of a possible part, 0.0 when it may not be a part."""
    if (
        len(key) < 3
        or key in _NEVER_PARTS
        or key in STOP_KEYS
        or (len(key) == 3 and key not in _SHORT_PARTS)
        or not _VOWEL.search(key)
    ):
        return 0.0
    zipf = table.get(key, 0.0) or _BOUND_STEMS.get(key, 0.0)
    if key in additions.words:
        zipf = max(zipf, EXTRA_WORD_ZIPF)
    return zipf if zipf >= _min_zipf(len(key)) else 0.0


def _chunk_options(
    chunk: str, final: bool, table: Lexicon, additions: Additions
) -> tuple[float, str] | None:
    """Best (Zipf, surface) for one chunk of a word, allowing a linking element or ending."""
    key = collapse_digraphs(chunk)
    direct = _known(key, table, additions)
    base_zipf, base, link = 0.0, "", ""
    for ending in _FINAL_ENDINGS if final else _LINKS:
        if len(key) - len(ending) >= 3 and key.endswith(ending):
            zipf = _known(key[: -len(ending)], table, additions) - _LINK_PENALTY
            if zipf > base_zipf:
                base_zipf, base, link = zipf, key[: -len(ending)], ending
    if not final and not direct and not base and len(key) >= 4:
        # Dropped final -e: Schul-weg (Schule), Sprach-kurs (Sprache).
        zipf = _known(key + "e", table, additions) - _LINK_PENALTY
        if zipf > 0:
            base_zipf, base, link = zipf, key + "e", "-e"
    if direct and direct >= base_zipf:
        return direct, key
    if not base:
        return None
    # Keep forms that are words themselves (Generationen, Kinder, Fachkräfte, Konzeptes),
    # but drop a Fugen-s (Integrations → Integration, Tages → Tag).
    if direct and (final or link not in ("s", "es", "ns", "ens")):
        return base_zipf, key
    return base_zipf, base


@functools.lru_cache(maxsize=262_144)
def _chunk_best(chunk: str, final: bool, additions: Additions) -> tuple[float, str] | None:
    """:func:`_chunk_options` with the process's lexicon, remembered: the chunks of compounds
    recur (every ``…gemeinde…``, ``…arbeit…``): most chunks of a toolkit's words are asked
    again, so splitting a card's words mostly finds its answers remembered."""
    return _chunk_options(chunk, final, lexicon(), additions)


def _protected(word: str, keep: frozenset[str]) -> bool:
    """Caller-supplied names stay whole, also with a short ending (Barlebener, Flensburgs)."""
    if word in keep:
        return True
    return any(word[:cut] in keep for cut in range(max(5, len(word) - 3), len(word)))


_NO_SPLIT: tuple[tuple[str, ...], int] = ((), 0)


@functools.lru_cache(maxsize=65536)
def split(word: str, additions: Additions) -> tuple[tuple[str, ...], int]:
    """Best split of a folded word (not digraph-collapsed): (parts, start of the last part
    in ``word``), ``((), 0)`` if it is not a compound.

    Dynamic programme over the best log-probability sum for each (suffix, number of parts):
    the most probable segmentation under a unigram model wins (so ``Leerstand+management``
    beats ``leer+stand+management``), and it is accepted only if the mean Zipf frequency
    of its parts (= geometric mean of frequencies) beats the whole word's own frequency
    (Koehn & Knight 2003), so frequent simple words like ``Generation`` stay whole.
    """
    n = len(word)
    if n < MIN_SPLIT_CHARS or n > MAX_TOKEN_CHARS or not _ASCII_WORD.fullmatch(word):
        return _NO_SPLIT
    table = lexicon()
    whole_key = collapse_digraphs(word)
    if _protected(whole_key, additions.keep):
        return _NO_SPLIT
    # best[i][k] = (log-probability sum, parts, start of last part) for word[i:] in k parts.
    best: list[dict[int, tuple[float, tuple[str, ...], int]]] = [{} for _ in range(n + 1)]
    best[n][0] = (0.0, (), n)
    for i in range(n - 3, -1, -1):
        row = best[i]
        for j in range(i + 3, min(n, i + MAX_PART_CHARS) + 1):
            tail = best[j]
            if not tail:
                continue
            option = _chunk_best(word[i:j], j == n, additions)
            if option is None:
                continue
            score, surface = option
            score -= _UNIGRAM_BASE
            for k, (rest, parts, head) in tail.items():
                if k + 1 <= MAX_PARTS and (k + 1 not in row or rest + score > row[k + 1][0]):
                    row[k + 1] = (rest + score, (surface, *parts), head if k else i)
    candidates = [(total, k, parts, head) for k, (total, parts, head) in best[0].items() if k > 1]
    if not candidates:
        return _NO_SPLIT
    total, k, parts, head = max(candidates)
    if (total / k) + _UNIGRAM_BASE - _SPLIT_MARGIN <= table.get(whole_key, 0.0):
        return _NO_SPLIT
    return parts, head


def _fold_words(words: Iterable[str]) -> frozenset[str]:
    """Dictionary keys of caller words; hyphenated and multi-word names give every word."""
    keys: set[str] = set()
    for text in words:
        for match in re.finditer(TOKEN_PATTERN, str(text)):
            token = fold_token(degender(match.group(0)))
            segments = [s for s in token.split("-") if s]
            keys.update(collapse_digraphs(s) for s in segments)
            keys.add(collapse_digraphs("".join(segments)))
    return frozenset(k for k in keys if len(k) >= 3)


_PLACE_ENDINGS = (
    "burg",
    "berg",
    "heim",
    "hausen",
    "husen",
    "leben",
    "dorf",
    "stedt",
    "stadt",
    "ingen",
    "feld",
    "felde",
    "felden",
    "hagen",
    "rode",
    "brucken",
    "bruck",
    "bach",
    "beck",
    "born",
    "brunn",
    "furt",
    "hafen",
    "hofen",
    "horst",
    "kirchen",
    "kreis",
    "mark",
    "munde",
    "rath",
    "reuth",
    "walde",
    "weiler",
    "werder",
    "heide",
    "baden",
    "stein",
    "ried",
    "rhein",
    "see",
    "tal",
    "thal",
    "wald",
    "land",
    "hof",
    "holz",
    "zell",
)
"""Typical last elements of German place names (Hidden-hausen, Korn-west-heim,
Vogelsberg-kreis): caller words ending like this are kept whole."""


@dataclass(frozen=True, eq=False)
class Additions:
    """The caller's words: ``words`` join the dictionary, ``keep`` are never split.

    Instances are interned (one object per content) and compare by identity: they key the
    splitter's cache, and comparing two large equal sets on every cache hit cost 13 % of an
    index build.
    """

    words: frozenset[str] = frozenset()
    keep: frozenset[str] = frozenset()

    @classmethod
    def of(cls, extra_words: Iterable[str] = (), keep_whole: Iterable[str] = ()) -> Additions:
        """Extra words that look like place names are kept whole too (Barleben, Kornwestheim);
        compound terms such as ``Bürgerbeteiligung`` still split, so ``Beteiligung`` finds them."""
        extra = _fold_words(extra_words)
        keep = _fold_words(keep_whole)
        places = frozenset(k for k in extra if k.endswith(_PLACE_ENDINGS))
        return _interned(extra | keep, keep | places)

    def __reduce__(self) -> tuple[Any, tuple[frozenset[str], frozenset[str]]]:
        return _interned, (self.words, self.keep)


_INTERNED: dict[tuple[frozenset[str], frozenset[str]], Additions] = {}
_INTERN_LOCK = threading.Lock()


def _interned(words: frozenset[str], keep: frozenset[str]) -> Additions:
    with _INTERN_LOCK:
        found = _INTERNED.get((words, keep))
        if found is None:
            found = _INTERNED[(words, keep)] = Additions(words, keep)
        return found


NO_ADDITIONS = _interned(frozenset(), frozenset())


def split_compound(
    word: str, *, extra_words: Iterable[str] = (), keep_whole: Iterable[str] = ()
) -> list[str]:
    """Parts of a German compound (folded, lowercase), [] when it is not a compound.

    Pure; uses the shipped dictionary plus the caller's words (see :func:`german_analyzer`).
    A hyphenated word gives its hyphen-separated parts, each split in turn.
    """
    return compound_parts(word, Additions.of(extra_words, keep_whole))


def compound_parts(word: str, additions: Additions) -> list[str]:
    """:func:`split_compound` with the caller's words already prepared (for filters)."""
    key = fold_token(degender(word.strip()))
    if "-" in key:
        segments = [s for s in key.split("-") if s]
        words = [s for s in segments if s not in STOP_KEYS]
        return [p for s in words for p in split(s, additions)[0] or [collapse_digraphs(s)]]
    return list(split(key, additions)[0])
