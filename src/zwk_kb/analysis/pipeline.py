"""German text analysis for Whoosh: one analyzer for index time and query time.

Knows nothing about cards. The pipeline of :func:`german_analyzer` is

1. tokenize: words, digits, hyphenated chains (``Kita-Personal``) and gendered forms
   (``Bürger:innen``, ``Bürger*innen``, ``Bürger_innen``, ``Nutzer/-innen``) stay one token;
2. gender normalisation (``Bürger:innen``, ``BürgerInnen``, ``Bürgerinnen`` → ``Bürger``);
3. case and accent folding (``Ä`` → ``a``, ``é`` → ``e``, ``ß`` → ``ss``);
4. German stop words (positions renumbered, see :func:`german_analyzer`);
5. umlaut digraphs (``ae``/``oe``/``ue`` → ``a``/``o``/``u``, not in ``Quelle``, ``Feuer``),
   dictionary-based compound splitting and Snowball stemming: the whole word and its parts
   are emitted at the same position.

The compound dictionary is a word list derived from ``wordfreq`` (shipped as package data,
loaded lazily once per process); filters pickle without it, because Whoosh stores the
analyzer inside the index.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import marshal
import pickle
import re
import threading
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from operator import sub
from pathlib import Path
from typing import Any

import Stemmer
from whoosh.analysis import Analyzer, Filter, RegexTokenizer, StopFilter, Token
from whoosh.analysis.analyzers import CompositeAnalyzer
from whoosh.formats import Positions
from whoosh.system import pack_uint

from zwk_kb.analysis.folding import collapse_digraphs, fold, fold_letters

__all__ = [
    "STOP_WORDS",
    "TOKEN_RE",
    "Additions",
    "CompoundStemFilter",
    "DigraphFilter",
    "ExactAnalyzer",
    "GermanAnalyzer",
    "NormalizeFilter",
    "SynonymTable",
    "build_wordlist",
    "exact_analyzer",
    "fold",
    "german_analyzer",
    "index_terms",
    "index_terms_of",
    "split_compound",
    "word_zipf",
]

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
WORDLIST_PATH = DATA_DIR / "wordlist_de.txt.gz"
SYNONYMS_PATH = DATA_DIR / "synonyms_de.txt"

MAX_TOKEN_CHARS = 60
"""Longer tokens are dropped: no real word is that long, and it bounds the splitter's work."""
MIN_SPLIT_CHARS = 7
"""Shorter words are never split (too many accidental splits like ``Termin``)."""
MAX_PART_CHARS = 24
MAX_PARTS = 4
WORDLIST_MIN_ZIPF = 2.0
EXTRA_WORD_ZIPF = 3.5
"""Frequency given to caller-supplied words when they serve as parts of a longer compound."""

# --------------------------------------------------------------------------------------------
# Folding


_strip = functools.lru_cache(maxsize=65536)(fold_letters)
""":func:`fold_letters` memoized, for tokens (bounded length) only."""
_digraphs = collapse_digraphs
_SPACE = re.compile(r"\s+")


def _expand_umlauts(word: str) -> str:
    return word.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")


# --------------------------------------------------------------------------------------------
# Stop words


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOP_WORDS: frozenset[str] = _wordset(
    """
    aber alle allem allen aller alles als also am an ander andere anderem anderen anderer
    anderes anderm andern anders auch auf aus bei beim bin bis bist bzw ca da dabei dadurch
    dafür daher damit dann daran darauf darin darum darüber das dass daß dasselbe davon dazu
    dein deine deinem deinen deiner deines dem demselben den denen denn denselben der deren
    derer derselbe derselben des dessen desselben dich die dies diese dieselbe dieselben diesem
    diesen dieser dieses dir doch dort du durch ein eine einem einen einer eines einig einige
    einigem einigen einiger einiges einmal er es etc etwa etwas euch euer eure eurem euren
    eurer eures für gegen gewesen hab habe haben hat hatte hatten hier hin hinter ich ihm ihn
    ihnen ihr ihre ihrem ihren ihrer ihres im in indem ins ist jede jedem jeden jeder jedes
    jene jenem jenen jener jenes jetzt kann kein keine keinem keinen keiner keines können
    könnte man manche manchem manchen mancher manches mein meine meinem meinen meiner meines
    mich mir mit muss musste nach nicht nichts noch nun nur ob oder ohne sehr sei seid seien
    sein seine seinem seinen seiner seines seit sich sie sind so solche solchem solchen
    solcher solches soll sollen sollte sondern sonst sowie sowohl über um und uns unser
    unsere unserem unseren unserer unseres unter usw vom von vor während war waren warst was
    weil welche welchem welchen welcher welches wenn werde werden wie wieder will wir wird
    wirst wo wollen wollte worden wurde wurden würde würden zu zum zur zwar zwischen
    """
)
"""German function words. Deliberately absent: ``alt``, ``jung``, ``neu``, ``mehr``, ``selbst``,
``machen``, ``viel`` … — they carry meaning in municipal texts (``Jung kauft Alt``)."""

_STOP_KEYS: frozenset[str] = frozenset(
    form for word in STOP_WORDS for form in (_strip(word), _strip(_expand_umlauts(word)))
)
"""Stop words as they look after :class:`NormalizeFilter` (``für`` → ``fur``, ``fuer``)."""

# --------------------------------------------------------------------------------------------
# Tokenizing and gender normalisation

# Word characters plus combining marks and soft hyphens, so decomposed umlauts (NFD) and
# hyphenation points do not split a word; \w alone would (and would include "_"). Written as
# runs of word characters (one tight loop in the regex engine) with marks between them: the
# same matches as a per-character alternation, in 35 % less time (every card, every snippet).
_WORD = r"[^\W_]+(?:[\u0300-\u036f\u00ad]+[^\W_]*)*"
_HYPHEN = r"[-\u2010\u2011]"
_GENDER_SUFFIX = r"(?:(?:[:*_/·]|/-)(?:[Ii]nnen|[Ii]n)(?![^\W_])|\((?:[Ii]nnen|[Ii]n)\))"
TOKEN_PATTERN = rf"{_WORD}(?:{_HYPHEN}{_WORD})*{_GENDER_SUFFIX}?"
"""A word, hyphenated chain or gendered form; other punctuation separates tokens."""
EXACT_TOKEN_PATTERN = rf"{_WORD}{_GENDER_SUFFIX}?"
"""Like :data:`TOKEN_PATTERN` but hyphens separate words (spelling field)."""

_GENDER_MARKED = re.compile(
    r"(?s)(.*[^\W_])(?:(?:[:*_/·]|/-)(?:[Ii]nnen|[Ii]n)|\((?:[Ii]nnen|[Ii]n)\))"
)
_BINNEN_I = re.compile(r"(?s)(.*[a-zäöüß])In(?:nen)?")
_FEMININE_BASE = re.compile(
    r"(?:er|or|ent|ant|eur|ist|ling|olog|agog|urg|eut|är|rät|wirt|wält|ärzt|kund|kolleg"
    r"|freund|nachbar|beamt|expert|köch|held)$"
)
"""Endings of person nouns whose feminine form adds -in/-innen (Bürgerin, Seniorin,
Studentin, Landrätin); ``Termin``, ``Medizin``, ``Kantine``, ``Login`` do not match."""


def _degender(text: str) -> str:
    """``Bürger:innen``, ``Bürger*in``, ``BürgerInnen``, ``Bürgerinnen`` → ``Bürger``."""
    if not text or text[-1] not in "nN)":
        return text
    match = _GENDER_MARKED.fullmatch(text) or _BINNEN_I.fullmatch(text)
    if match:
        return match.group(1)
    lower = text.lower()
    for suffix in ("innen", "in"):
        if lower.endswith(suffix):
            base = lower[: -len(suffix)]
            if len(base) >= 4 and _FEMININE_BASE.search(base):
                return text[: len(base)]
            break
    return text


@functools.lru_cache(maxsize=65536)
def _normalize(text: str) -> str:
    return _strip(_degender(text))


# --------------------------------------------------------------------------------------------
# The compound dictionary


_ASCII_WORD = re.compile(r"[a-z]+")
_lexicon_lock = threading.Lock()
_lexicon_cache: dict[str, float] | _Lexicon | None = None


def _key(word: str) -> str:
    """Dictionary key of a word: folded, with umlaut digraphs collapsed."""
    return _digraphs(_strip(word))


def build_wordlist(min_zipf: float = WORDLIST_MIN_ZIPF) -> str:
    """Text of the shipped word list, derived from ``wordfreq`` (maintenance only).

    Regenerate with ``python -m zwk_kb.analysis.pipeline > src/zwk_kb/data/wordlist_de.txt``
    and gzip it (``gzip -n -9``) when ``wordfreq`` or the folding rules change.
    """
    from importlib.metadata import version

    import wordfreq  # only needed to rebuild the list, not at run time

    freqs: dict[str, float] = {}
    for index, bucket in enumerate(wordfreq.get_frequency_list("de", "large")):
        zipf = 9.0 - index / 100.0  # wordfreq's buckets are centibels below frequency 1
        if zipf < min_zipf:
            break
        for word in bucket:
            key = _key(word)
            if 2 <= len(key) <= MAX_PART_CHARS + 4 and _ASCII_WORD.fullmatch(key):
                freqs[key] = max(freqs.get(key, 0.0), zipf)
    bins: dict[int, list[str]] = {}
    for key, zipf in freqs.items():
        bins.setdefault(round(zipf * 10), []).append(key)
    header = [
        "# German word list for zwk_kb.analysis.pipeline (compound splitting, plural rule).",
        f"# Derived from wordfreq {version('wordfreq')} ('de', 'large' frequency list):",
        f"# words with Zipf frequency >= {min_zipf}, folded (lower case, no diacritics,",
        "# ae/oe/ue -> a/o/u), letters a-z only. Each line: Zipf (one decimal) TAB words.",
        "# Data license: CC BY-SA 4.0 (wordfreq data by Robyn Speer and contributors, built",
        "# from Wikipedia, Reddit, Twitter, Google Books, OpenSubtitles and other sources;",
        "# see https://github.com/rspeer/wordfreq#license). This file is shared under the same",
        "# license. Regenerate:",
        "# python -m zwk_kb.analysis.pipeline | gzip -n -9 > wordlist_de.txt.gz",
    ]
    lines = [f"{b / 10:.1f}\t{' '.join(sorted(bins[b]))}" for b in sorted(bins, reverse=True)]
    return "\n".join([*header, *lines]) + "\n"


def _parse_wordlist(text: str) -> dict[str, float]:
    freqs: dict[str, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        zipf, _, words = line.partition("\t")
        freqs.update(dict.fromkeys(words.split(), float(zipf)))
    return freqs


def _load_lexicon() -> dict[str, float]:
    try:
        with gzip.open(WORDLIST_PATH, "rt", encoding="utf-8") as f:
            return _parse_wordlist(f.read())
    except OSError:
        warnings.warn(
            f"{WORDLIST_PATH} missing; deriving the word list from wordfreq (slow)",
            RuntimeWarning,
            stacklevel=3,
        )
        return _parse_wordlist(build_wordlist())


class _Lexicon:
    """The word list as an index run prepared it (:func:`export_lexicon`): the words grouped
    by their first three letters, each group unpacked on first use. A first search looks up
    a few dozen words; unpacking all 168,000 costs a fresh server about 50 ms."""

    __slots__ = ("_groups", "_size")

    def __init__(self, groups: dict[str, Any], size: int) -> None:
        self._groups = groups
        self._size = size

    def get(self, key: str, default: float = 0.0) -> float:
        group = self._groups.get(key[:_GROUP_CHARS])
        if group is None:
            return default
        if type(group) is bytes:  # first use (two threads may both unpack it: same result)
            group = self._groups[key[:_GROUP_CHARS]] = marshal.loads(group)
        return group.get(key, default)  # type: ignore[no-any-return]

    def __len__(self) -> int:
        return self._size

    def unpacked(self) -> dict[str, float]:
        words: dict[str, float] = {}
        for prefix in list(self._groups):
            self.get(prefix)
            words.update(self._groups[prefix])
        return words


LEXICON_FORMAT = 1
_GROUP_CHARS = 3


def _wordlist_id() -> str:
    """What a prepared word list must have been made from: the shipped file's hash."""
    try:
        return hashlib.sha256(WORDLIST_PATH.read_bytes()).hexdigest()
    except OSError:
        return ""


def export_lexicon() -> bytes:
    """The word list grouped for :func:`adopt_lexicon` (an index run has it loaded anyway)."""
    lexicon = _lexicon()
    words = lexicon.unpacked() if isinstance(lexicon, _Lexicon) else lexicon
    groups: dict[str, dict[str, float]] = {}
    for word, zipf in words.items():
        groups.setdefault(word[:_GROUP_CHARS], {})[word] = zipf
    packed = {prefix: marshal.dumps(group) for prefix, group in groups.items()}
    return marshal.dumps((LEXICON_FORMAT, _wordlist_id(), len(words), packed))


def adopt_lexicon(data: bytes) -> bool:
    """Use a word list of :func:`export_lexicon` if this process has not loaded the word list
    yet and it was made from the same file; False otherwise (loaded as usual when needed)."""
    global _lexicon_cache
    if _lexicon_cache is not None:
        return False
    try:
        form, source, size, groups = marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return False
    if form != LEXICON_FORMAT or source != _wordlist_id() or not isinstance(groups, dict):
        return False
    with _lexicon_lock:
        if _lexicon_cache is None:
            _lexicon_cache = _Lexicon(groups, size)
    return True


def _lexicon() -> dict[str, float] | _Lexicon:
    """The folded word → Zipf frequency table, loaded once per process on first use."""
    global _lexicon_cache
    lexicon = _lexicon_cache
    if lexicon is None:
        with _lexicon_lock:
            if _lexicon_cache is None:
                _lexicon_cache = _load_lexicon()
            lexicon = _lexicon_cache
    return lexicon


def word_zipf(word: str) -> float:
    """How common a word is in German (Zipf frequency of the word list; 0 for no word)."""
    return _lexicon().get(_key(word), 0.0)


# --------------------------------------------------------------------------------------------
# Compound splitting

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

_NEVER_PARTS = _wordset(
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

_SHORT_PARTS = _wordset(
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


def _known(key: str, lexicon: dict[str, float] | _Lexicon, additions: Additions) -> float:
    """Zipf frequency of a possible part, 0.0 when it may not be a part."""
    if (
        len(key) < 3
        or key in _NEVER_PARTS
        or key in _STOP_KEYS
        or (len(key) == 3 and key not in _SHORT_PARTS)
        or not _VOWEL.search(key)
    ):
        return 0.0
    zipf = lexicon.get(key, 0.0) or _BOUND_STEMS.get(key, 0.0)
    if key in additions.words:
        zipf = max(zipf, EXTRA_WORD_ZIPF)
    return zipf if zipf >= _min_zipf(len(key)) else 0.0


def _chunk_options(
    chunk: str, final: bool, lexicon: dict[str, float] | _Lexicon, additions: Additions
) -> tuple[float, str] | None:
    """Best (Zipf, surface) for one chunk of a word, allowing a linking element or ending."""
    key = _digraphs(chunk)
    direct = _known(key, lexicon, additions)
    base_zipf, base, link = 0.0, "", ""
    for ending in _FINAL_ENDINGS if final else _LINKS:
        if len(key) - len(ending) >= 3 and key.endswith(ending):
            zipf = _known(key[: -len(ending)], lexicon, additions) - _LINK_PENALTY
            if zipf > base_zipf:
                base_zipf, base, link = zipf, key[: -len(ending)], ending
    if not final and not direct and not base and len(key) >= 4:
        # Dropped final -e: Schul-weg (Schule), Sprach-kurs (Sprache).
        zipf = _known(key + "e", lexicon, additions) - _LINK_PENALTY
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
    recur (every ``…gemeinde…``, ``…arbeit…``), three in four are asked again (measured on
    the words of 1,000 generated cards: splitting them 1.17 -> 0.56 s)."""
    return _chunk_options(chunk, final, _lexicon(), additions)


def _protected(word: str, keep: frozenset[str]) -> bool:
    """Caller-supplied names stay whole, also with a short ending (Barlebener, Flensburgs)."""
    if word in keep:
        return True
    return any(word[:cut] in keep for cut in range(max(5, len(word) - 3), len(word)))


_NO_SPLIT: tuple[tuple[str, ...], int] = ((), 0)


@functools.lru_cache(maxsize=65536)
def _split(word: str, additions: Additions) -> tuple[tuple[str, ...], int]:
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
    lexicon = _lexicon()
    whole_key = _digraphs(word)
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
    if (total / k) + _UNIGRAM_BASE - _SPLIT_MARGIN <= lexicon.get(whole_key, 0.0):
        return _NO_SPLIT
    return parts, head


def _fold_words(words: Iterable[str]) -> frozenset[str]:
    """Dictionary keys of caller words; hyphenated and multi-word names give every word."""
    keys: set[str] = set()
    for text in words:
        for match in re.finditer(TOKEN_PATTERN, str(text)):
            token = _strip(_degender(match.group(0)))
            segments = [s for s in token.split("-") if s]
            keys.update(_digraphs(s) for s in segments)
            keys.add(_digraphs("".join(segments)))
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
    key = _strip(_degender(word.strip()))
    if "-" in key:
        segments = [s for s in key.split("-") if s]
        words = [s for s in segments if s not in _STOP_KEYS]
        return [p for s in words for p in _split(s, additions)[0] or [_digraphs(s)]]
    return list(_split(key, additions)[0])


# --------------------------------------------------------------------------------------------
# Stemming

_stemmers = threading.local()
_NO_PLURAL_S = frozenset({"mais"})


def _stemmer() -> Stemmer.Stemmer:
    """PyStemmer objects are not thread-safe: one per thread."""
    stemmer = getattr(_stemmers, "german", None)
    if stemmer is None:
        stemmer = _stemmers.german = Stemmer.Stemmer("german")
    return stemmer


def _plural_s(word: str) -> str:
    """Drop a plural -s Snowball keeps (Kitas, Autos, Azubis, Tipps, Apps) when the singular
    is a word at least about as frequent; ``Haus``, ``Glas``, ``Basis`` keep theirs."""
    if len(word) < 4 or word[-1] != "s" or word[-2] == "s" or word in _NO_PLURAL_S:
        return word
    lexicon = _lexicon()
    base_zipf = lexicon.get(word[:-1], 0.0)
    if base_zipf >= 2.5 and base_zipf >= lexicon.get(word, 0.0) - 0.3:
        return word[:-1]
    return word


@functools.lru_cache(maxsize=65536)
def _stem(key: str) -> str:
    """Snowball German stem of a digraph-collapsed word, after the plural-s rule."""
    return _stemmer().stemWord(_plural_s(key))


@functools.lru_cache(maxsize=65536)
def _analyse_word(word: str, additions: Additions) -> tuple[str, tuple[str, ...]]:
    """(stem of the whole word, stems of its parts) for one folded word without hyphens.

    A compound is stemmed at its head, as German inflects it: ``Ortskern`` and
    ``Ortskerne`` both give ``ortskern`` (Snowball alone cuts ``Ortskern`` to ``ortsk``).
    """
    parts, head = _split(word, additions)
    if not parts:
        return _stem(_digraphs(word)), ()
    whole_stem = _digraphs(word[:head]) + _stem(_digraphs(word[head:]))
    part_stems: list[str] = []
    for part in parts:
        stem = _stem(part)
        if stem != whole_stem and stem not in part_stems:
            part_stems.append(stem)
    return whole_stem, tuple(part_stems)


Analysis = tuple[str, tuple[str, ...]]
_ANALYSED_LIMIT = 200_000
"""Words remembered per set of dictionary additions (about 40 MB at most); past it the
table starts over, so odd query words cannot grow it without bound."""
_analysed: dict[Additions, dict[str, Analysis]] = {}


def _analyse(text: str, additions: Additions) -> Analysis:
    """Whole-token stem and part stems of a normalised token, remembered per word.

    Splitting a new compound costs about 0.3 ms; a search page shows some 400 distinct words.
    The table can be seeded from the index (:func:`seed_analysis`), so a freshly started
    server does not split every word of its first pages again.
    """
    table = _analysed.get(additions)
    if table is None:
        table = _analysed.setdefault(additions, {})
    found = table.get(text)
    if found is None:
        found = _analyse_uncached(text, additions)
        if len(table) >= _ANALYSED_LIMIT:
            table.clear()
        table[text] = found
    return found


def _additions_of(analyzer: Analyzer) -> Additions | None:
    items = list(getattr(analyzer, "items", ()))
    if isinstance(analyzer, GermanAnalyzer) and items and isinstance(items[-1], CompoundStemFilter):
        return items[-1].additions
    return None


def export_analysis(analyzer: Analyzer, tag: str) -> bytes:
    """Every word analysed so far with ``analyzer``'s dictionary, as bytes for
    :func:`seed_analysis` (``tag``: what must match to reuse them, e.g. the code version)."""
    additions = _additions_of(analyzer)
    table = dict(_analysed.get(additions, {})) if additions is not None else {}
    return marshal.dumps((ANALYSIS_FORMAT, tag, table))


def seed_analysis(analyzer: Analyzer, data: bytes, tag: str) -> int:
    """Remember the analyses of :func:`export_analysis` for ``analyzer``'s dictionary; returns
    how many were taken (0 for another tag or format, or unreadable bytes: the words are then
    analysed as they come, which gives the same result, only later)."""
    additions = _additions_of(analyzer)
    if additions is None:
        return 0
    try:
        form, found_tag, table = marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return 0
    if form != ANALYSIS_FORMAT or found_tag != tag or not isinstance(table, dict):
        return 0
    target = _analysed.setdefault(additions, {})
    room = _ANALYSED_LIMIT - len(target)
    if room <= 0:
        return 0
    if len(table) > room:
        table = dict(list(table.items())[:room])
    target.update(table)
    return len(table)


ANALYSIS_FORMAT = 1


def _analyse_uncached(text: str, additions: Additions) -> Analysis:
    """Whole-token stem and part stems; hyphen chains split at the hyphens first."""
    if "-" not in text:
        return _analyse_word(text, additions)
    segments = [s for s in text.split("-") if s]
    if len(segments) <= 1:
        return _analyse_word(segments[0], additions) if segments else ("", ())
    last_stem, _ = _analyse_word(segments[-1], additions)
    whole_stem = _digraphs("".join(segments[:-1])) + last_stem
    part_stems: list[str] = []
    for segment in segments:
        if segment in _STOP_KEYS:
            continue
        stem, parts = _analyse_word(segment, additions)
        for s in (stem, *parts):
            if len(s) > 1 and s != whole_stem and s not in part_stems:
                part_stems.append(s)
    return whole_stem, tuple(part_stems)


# --------------------------------------------------------------------------------------------
# Whoosh filters (module-level classes: Whoosh pickles the analyzer into the index)


class NormalizeFilter(Filter):
    """Gender normalisation, case folding and diacritics; umlaut digraphs stay as written.

    Drops tokens far too long to be words before any work or caching is spent on them.
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            if len(t.text) > 4 * MAX_TOKEN_CHARS:
                continue
            t.text = _normalize(t.text)
            yield t


class CompoundStemFilter(Filter):
    """Stems each token and adds its compound parts at the same position and character span.

    At query time (``mode="query"``) only the whole word is emitted: Whoosh's query parser
    ANDs or phrases the tokens of one query word, so parts there would add nothing to AND
    queries and break phrase queries containing a compound. Index-side parts are what let
    ``Personal`` find ``Kitapersonal``.
    """

    def __init__(
        self,
        extra_words: Iterable[str] = (),
        keep_whole: Iterable[str] = (),
        query_parts: bool = False,
    ) -> None:
        self.additions = Additions.of(extra_words, keep_whole)
        self.query_parts = query_parts

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        additions = self.additions
        query_parts = self.query_parts
        for t in tokens:
            text = t.text
            if len(text) > MAX_TOKEN_CHARS:
                continue
            if t.stopped:
                yield t
                continue
            whole, parts = _analyse(text, additions)
            if not whole:
                continue
            t.text = whole
            yield t
            if parts and (query_parts or t.mode != "query"):
                for part in parts:
                    extra = t.copy()
                    extra.text = part
                    yield extra


class DigraphFilter(Filter):
    """Collapses umlaut digraphs and drops overlong tokens (the unstemmed spelling field)."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            if len(t.text) > MAX_TOKEN_CHARS:
                continue
            t.text = _digraphs(t.text)
            yield t


def german_analyzer(extra_words: Iterable[str] = (), *, keep_whole: Iterable[str] = ()) -> Analyzer:
    """Full analysis for TEXT fields, the same object at index and query time.

    ``extra_words``: the toolkit's own vocabulary (topics, challenges, commune names …). They
    join the compound dictionary, so longer words containing them split at their border
    (``Demografiestrategie-prozess``). Those that look like place names (``…hausen``,
    ``…heim``, ``…leben``, ``…burg``, ``…kreis`` …) are never split themselves, so
    ``Kornwestheim`` does not become ``korn`` + ``west`` + ``heim``; compound terms such as
    ``Bürgerbeteiligung`` still split, so ``Beteiligung`` finds them.
    ``keep_whole``: words never to split whatever their shape (other proper names).

    Stop words are removed with positions renumbered: Whoosh builds a phrase query from the
    analysed words without their positions, so ``"Leerstand im Ortskern"`` only finds the
    indexed text if the stop word left no gap there either.
    """
    return GermanAnalyzer(
        RegexTokenizer(TOKEN_PATTERN)
        | NormalizeFilter()
        | StopFilter(stoplist=_STOP_KEYS, minsize=2, renumber=True)
        | CompoundStemFilter(extra_words, keep_whole)
    )


_FAST_OPTIONS = frozenset({"positions", "chars", "boosts", "mode", "start_pos", "start_char"})
"""Keyword arguments the one-pass analyzers handle themselves; any other (``removestops=False``,
``keeporiginal``, ``tokenize=False`` …) runs the composed Whoosh pipeline."""
_MEMO_LIMIT = 100_000
"""Raw tokens remembered per analyzer (some 20 MB at most; the 10,000 generated cards have
21,000 distinct words); the memo starts over past it, so odd query words cannot grow it."""


class _OnePassAnalyzer(CompositeAnalyzer):
    """A composed pipeline that also knows, per raw token, the terms the pipeline makes of it,
    and then emits them in one pass with the same positions and character spans.

    Why: indexing spends most of its time pushing every word through four generator layers
    (tokenizer, filters, token copies). The per-token work is memoized anyway, so a second
    occurrence of a word costs one dict lookup here. ``tests/test_analysis.py`` proves the
    tokens equal the composed pipeline's on the bundled cards and on fuzzed text.
    """

    def __getstate__(self) -> dict[str, Any]:
        # the memo is derived data: never pickled into the index
        return {k: v for k, v in self.__dict__.items() if k != "_memo"}

    def __call__(self, value: str, no_morph: bool = False, **kwargs: Any) -> Iterator[Token]:
        if no_morph or not _FAST_OPTIONS.issuperset(kwargs):
            return super().__call__(value, no_morph=no_morph, **kwargs)
        return self._one_pass(value, **kwargs)

    def _memo_dict(self) -> dict[str, Any]:
        memo: dict[str, Any] | None = self.__dict__.get("_memo")
        if memo is None or len(memo) > _MEMO_LIMIT:
            memo = self.__dict__["_memo"] = {}
        return memo

    # what the subclasses say about their filters
    renumber = False
    """Whether removed stop words leave no gap in the positions (``StopFilter(renumber=True)``)."""

    def _token_terms(self) -> Callable[[str], tuple[bool, tuple[str, ...]]]:
        """For one raw token: (does it keep a position; its index terms, whole word first)."""
        raise TypeError(f"{type(self).__name__} does not say what its filters do")

    def _parts_wanted(self, mode: str) -> bool:
        """Whether compound parts are emitted after the whole word in this mode."""
        return mode != "query"

    def _one_pass(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        mode: str = "",
        start_pos: int = 0,
        start_char: int = 0,
        **kwargs: Any,
    ) -> Iterator[Token]:
        token_terms = self._token_terms()
        memo = self._memo_dict()
        with_parts = self._parts_wanted(mode)
        renumber = self.renumber
        t = Token(positions, chars, removestops=True, mode=mode, **kwargs)
        pos: int | None = None
        for index, match in enumerate(self.items[0].expression.finditer(value)):
            raw = match.group(0)
            entry = memo.get(raw)
            if entry is None:
                entry = memo[raw] = token_terms(raw)
            kept, terms = entry
            if not kept:  # a stop word: removed without using up a position
                continue
            if positions:  # renumbered: the first kept word keeps its number, then +1 each
                pos = start_pos + index if pos is None or not renumber else pos + 1
            if not terms:
                continue
            t.text = terms[0]
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = pos
            if chars:
                t.startchar = start_char + match.start()
                t.endchar = start_char + match.end()
            yield t
            if with_parts:
                for part in terms[1:]:
                    t.text = part
                    yield t

    def term_positions(self, value: str, mode: str = "") -> dict[str, list[int]]:
        """term -> its positions, as collecting the tokens of ``self(value, positions=True,
        mode=mode)`` gives (a term once per token that yields it), without a token object
        per word: this is what the index writer asks of every text field of every card."""
        token_terms = self._token_terms()
        memo = self._memo_dict()
        with_parts = self._parts_wanted(mode)
        renumber = self.renumber
        found: dict[str, list[int]] = {}
        pos = -1
        first = True
        for index, raw in enumerate(self.items[0].expression.findall(value)):
            entry = memo.get(raw)
            if entry is None:
                entry = memo[raw] = token_terms(raw)
            kept, terms = entry
            if not kept:  # a stop word: removed without using up a position
                continue
            pos = index if first or not renumber else pos + 1
            first = False
            if not terms:
                continue
            for term in terms if with_parts else terms[:1]:
                where = found.get(term)
                if where is None:
                    found[term] = [pos]
                else:
                    where.append(pos)
        return found


class OnePassPositions(Positions):
    """Whoosh's ``Positions`` format (the same bytes in the index) that asks a one-pass
    analyzer for each term's positions directly instead of collecting them token by token
    (measured: a third of the time of adding a card to the index writer)."""

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[Any]:
        positions_of = getattr(analyzer, "term_positions", None)
        if positions_of is None or not isinstance(value, str) or not {"mode"}.issuperset(kwargs):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        boost = self.field_boost
        encode = self.encode
        for term, positions in positions_of(value, kwargs.get("mode", "")).items():
            count = len(positions)
            yield term, count, float(count) * boost, encode(positions)

    def encode(self, poslist: Any) -> bytes:
        # as Whoosh's: the count, then the pickled position deltas (its loop, run by map())
        poslist = list(poslist)
        deltas = [poslist[0], *map(sub, poslist[1:], poslist)] if poslist else []
        return pack_uint(len(deltas)) + pickle.dumps(deltas, 2)


class GermanAnalyzer(_OnePassAnalyzer):
    """:func:`german_analyzer`: tokenizer, :class:`NormalizeFilter`, ``StopFilter`` (renumbering
    positions) and :class:`CompoundStemFilter`, run in one pass."""

    renumber = True

    def _token_terms(self) -> Callable[[str], tuple[bool, tuple[str, ...]]]:
        return _german_token_terms(self)

    def _parts_wanted(self, mode: str) -> bool:
        return bool(self.items[3].query_parts) or mode != "query"


class ExactAnalyzer(_OnePassAnalyzer):
    """:func:`exact_analyzer`: tokenizer, :class:`NormalizeFilter`, :class:`DigraphFilter` and
    :class:`CompoundPartsFilter`, run in one pass. No stop words: every token keeps its
    position, dropped ones too."""

    def _token_terms(self) -> Callable[[str], tuple[bool, tuple[str, ...]]]:
        additions: Additions = self.items[3].additions

        def terms(raw: str) -> tuple[bool, tuple[str, ...]]:
            return True, _exact_token_terms(raw, additions)

        return terms

    def term_counts(self, value: str) -> tuple[Counter[str], Counter[str]]:
        """(index term -> occurrences, raw token -> occurrences) of a text, as counting the
        terms of ``self(value, mode="index")`` would give, but without a token object per
        word: the tokens are counted by the regex engine, each distinct one analysed once."""
        token_terms = self._token_terms()
        memo = self._memo_dict()
        tokens = Counter(self.items[0].expression.findall(value))
        terms: Counter[str] = Counter()
        for raw, n in tokens.items():
            entry = memo.get(raw)
            if entry is None:
                entry = memo[raw] = token_terms(raw)
            for term in entry[1]:
                terms[term] += n
        return terms, tokens


def _exact_token_terms(raw: str, additions: Additions) -> tuple[str, ...]:
    """What :func:`exact_analyzer`'s filters make of one raw token in index mode: the folded
    word, then its unstemmed parts; ``()`` when a filter drops it."""
    if len(raw) > 4 * MAX_TOKEN_CHARS:  # NormalizeFilter
        return ()
    word = _normalize(raw)
    if len(word) > MAX_TOKEN_CHARS:  # DigraphFilter
        return ()
    word = _digraphs(word)
    if len(word) < MIN_SPLIT_CHARS:  # CompoundPartsFilter
        return (word,)
    return (word, *(_digraphs(p) for p in compound_parts(word, additions) if p != word))


# --------------------------------------------------------------------------------------------
# Index terms of one token, without running the Whoosh pipeline (fast highlighting)

TOKEN_RE: re.Pattern[str] = re.compile(TOKEN_PATTERN, re.UNICODE)
""":data:`TOKEN_PATTERN` compiled with the flags Whoosh's ``RegexTokenizer`` uses (``rcompile``
adds ``re.UNICODE``): its matches are exactly the analyzer's tokens."""


def index_terms_of(analyzer: Analyzer) -> Callable[[str], tuple[str, ...]]:
    """A function giving, for one raw token (a :data:`TOKEN_RE` match), the terms ``analyzer``
    emits for it with ``mode="index"``: whole stem then part stems, ``()`` for stop words and
    overlong tokens.

    Why: highlighting and "found as" notes need per-word terms; running the Whoosh pipeline
    (token objects, generators, copies) over a whole body per hit costs milliseconds, while the
    steps below are memoized helpers. ``analyzer`` must be a :func:`german_analyzer` (checked
    once here; ``ValueError`` otherwise); its stop list and dictionary additions are used, so an
    analyzer unpickled from an index behaves as it did when the index was built.
    """
    token_terms = _german_token_terms(analyzer)
    if not isinstance(analyzer, GermanAnalyzer):  # an index from before the one-pass analyzer

        def uncached(token: str) -> tuple[str, ...]:
            return token_terms(token)[1]

        return uncached
    memo = analyzer._memo_dict()  # shared with indexing and queries of this analyzer

    def terms(token: str) -> tuple[str, ...]:
        entry = memo.get(token)
        if entry is None:
            entry = memo[token] = token_terms(token)
        return entry[1]

    return terms


def _german_token_terms(analyzer: Analyzer) -> Callable[[str], tuple[bool, tuple[str, ...]]]:
    """For one raw token: (does it keep a position, i.e. is it no stop word; its index terms).

    A word that passes the stop filter but is then dropped as overlong keeps its position
    with no terms, exactly as in the composed pipeline.
    """
    items = list(getattr(analyzer, "items", ()))
    kinds = (RegexTokenizer, NormalizeFilter, StopFilter, CompoundStemFilter)
    if len(items) != len(kinds) or not all(
        isinstance(item, kind) for item, kind in zip(items, kinds, strict=True)
    ):
        raise ValueError("index_terms_of needs a german_analyzer() pipeline")
    tokenizer, _, stop, stem = items
    if tokenizer.expression.pattern != TOKEN_PATTERN or tokenizer.gaps:
        raise ValueError("the analyzer's tokenizer differs from TOKEN_PATTERN")
    stops: frozenset[str] = stop.stops
    minsize: int = stop.min
    maxsize: int | None = stop.max
    additions: Additions = stem.additions
    normalize_limit = 4 * MAX_TOKEN_CHARS

    def terms(token: str) -> tuple[bool, tuple[str, ...]]:
        if len(token) > normalize_limit:  # NormalizeFilter drops it
            return False, ()
        text = _normalize(token)
        size = len(text)
        if size < minsize or (maxsize is not None and size > maxsize) or text in stops:
            return False, ()  # StopFilter
        if size > MAX_TOKEN_CHARS:  # CompoundStemFilter drops it
            return True, ()
        whole, parts = _analyse(text, additions)
        if not whole:
            return True, ()
        return True, (whole, *parts)

    return terms


def index_terms(analyzer: Analyzer, token: str) -> tuple[str, ...]:
    """The terms ``analyzer`` (a :func:`german_analyzer`) indexes for one raw token; for many
    tokens, bind once with :func:`index_terms_of`."""
    return index_terms_of(analyzer)(token)


def exact_analyzer(
    extra_words: Iterable[str] = (), *, keep_whole: Iterable[str] = ()
) -> ExactAnalyzer:
    """Tokenize + gender normalisation + lowercase + fold; no stemming or stop words: for the
    spelling/fuzzy field, whose terms must be real (folded) words.

    Compound parts are added unstemmed ("dolmetscher" from "Dolmetscherpool"), so a misspelled
    part ("Dolmetcher") is corrected even where the cards only use the compound.
    """
    return ExactAnalyzer(
        RegexTokenizer(EXACT_TOKEN_PATTERN)
        | NormalizeFilter()
        | DigraphFilter()
        | CompoundPartsFilter(extra_words, keep_whole=keep_whole)
    )


class CompoundPartsFilter(Filter):
    """Adds the unstemmed, folded parts of a compound after the whole word (spelling field)."""

    def __init__(self, extra_words: Iterable[str] = (), *, keep_whole: Iterable[str] = ()) -> None:
        self.additions = Additions.of(extra_words, keep_whole)

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        additions = self.additions
        for t in tokens:
            yield t
            if len(t.text) < MIN_SPLIT_CHARS or t.mode == "query":
                continue
            parts = compound_parts(t.text, additions)
            for part in parts:
                if part != t.text:
                    extra = t.copy()
                    extra.text = _digraphs(part)
                    yield extra


# --------------------------------------------------------------------------------------------
# Synonyms


_QUERY_ANALYZER = RegexTokenizer(TOKEN_PATTERN) | NormalizeFilter()


def _terms(text: str) -> list[tuple[str, int, int]]:
    """(whole-word stem, start, end) of each non-stop word, as the search field sees it."""
    terms: list[tuple[str, int, int]] = []
    for t in _QUERY_ANALYZER(text, chars=True):
        if len(t.text) < 2 or len(t.text) > MAX_TOKEN_CHARS or t.text in _STOP_KEYS:
            continue
        stem, _ = _analyse(t.text, NO_ADDITIONS)
        if stem:
            terms.append((stem, t.startchar, t.endchar))
    return terms


class SynonymTable:
    """Groups of interchangeable terms, matched on analysed forms; immutable once built."""

    __slots__ = ("_groups", "_index", "_longest")

    def __init__(self, groups: Iterable[Iterable[str]]) -> None:
        # per group: (member as written, set of its analysed words)
        self._groups: list[tuple[tuple[str, frozenset[str]], ...]] = []
        self._index: dict[tuple[str, ...], list[int]] = {}
        self._longest = 0
        for group in groups:
            members: dict[str, frozenset[str]] = {}
            keys: list[tuple[str, ...]] = []
            for raw in group:
                member = _SPACE.sub(" ", str(raw)).strip()
                key = tuple(stem for stem, _, _ in _terms(member))
                if key and member not in members:
                    members[member] = frozenset(key)
                    keys.append(key)
            if len(members) < 2:
                continue
            number = len(self._groups)
            self._groups.append(tuple(members.items()))
            for key in dict.fromkeys(keys):
                self._index.setdefault(key, []).append(number)
                self._longest = max(self._longest, len(key))

    @staticmethod
    def parse(text: str) -> list[list[str]]:
        """Groups from the file format: one group a line, members split by ``;`` or ``|``,
        ``#`` starts a comment."""
        groups: list[list[str]] = []
        for line in text.splitlines():
            members = [m.strip() for m in re.split(r"[;|]", line.split("#", 1)[0])]
            members = [m for m in members if m]
            if len(members) >= 2:
                groups.append(members)
        return groups

    @classmethod
    def load(cls, extra_groups: Iterable[Iterable[str]] = ()) -> SynonymTable:
        """The shipped list (``data/synonyms_de.txt``) plus a toolkit's own groups."""
        shipped = cls.parse(SYNONYMS_PATH.read_text(encoding="utf-8"))
        return cls([*shipped, *(list(group) for group in extra_groups)])

    def __len__(self) -> int:
        return len(self._groups)

    @property
    def groups(self) -> list[list[str]]:
        """The groups' members as written."""
        return [[member for member, _ in group] for group in self._groups]

    def expansions(self, text: str) -> list[tuple[str, list[str]]]:
        """For each group member found in ``text`` (longest match first, no overlaps):
        (matched surface text, [the group's other members as written in the list]).

        Members whose analysed words are all among the matched words are left out, so
        ``Senioren`` does not expand to ``Seniorinnen und Senioren``.
        """
        terms = _terms(text)
        found: list[tuple[str, list[str]]] = []
        i = 0
        while i < len(terms):
            for size in range(min(self._longest, len(terms) - i), 0, -1):
                key = tuple(stem for stem, _, _ in terms[i : i + size])
                numbers = self._index.get(key)
                if numbers:
                    matched = set(key)
                    others = list(
                        dict.fromkeys(
                            member
                            for number in numbers
                            for member, words in self._groups[number]
                            if not words <= matched
                        )
                    )
                    found.append((text[terms[i][1] : terms[i + size - 1][2]], others))
                    i += size
                    break
            else:
                i += 1
        return found


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    import sys

    sys.stdout.write(build_wordlist())
