"""The word lists of the German analysis: stop words and the shipped frequency list.

The frequency list (``data/wordlist_de.txt.gz``, derived from ``wordfreq``) is what the compound
splitter and the plural rule look words up in; it is loaded lazily once per process.
"""

from __future__ import annotations

import gzip
import re
import threading
import warnings
from pathlib import Path

from zwk_kb.analysis.folding import collapse_digraphs, fold_token

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
WORDLIST_PATH = DATA_DIR / "wordlist_de.txt.gz"

MAX_TOKEN_CHARS = 60
"""Longer tokens are dropped: no real word is that long, and it bounds the splitter's work."""
MAX_PART_CHARS = 24
"""Longest compound part (and so longest word the frequency list needs, plus an ending)."""
WORDLIST_MIN_ZIPF = 2.0


def _expand_umlauts(word: str) -> str:
    return word.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")


def wordset(text: str) -> frozenset[str]:
    """The whitespace-separated words of a literal word list."""
    return frozenset(text.split())


# --------------------------------------------------------------------------------------------
# Stop words


STOP_WORDS: frozenset[str] = wordset(
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

STOP_KEYS: frozenset[str] = frozenset(
    form for word in STOP_WORDS for form in (fold_token(word), fold_token(_expand_umlauts(word)))
)
"""Stop words as they look after normalisation (``für`` → ``fur``, ``fuer``)."""


# --------------------------------------------------------------------------------------------
# The frequency list


_ASCII_WORD = re.compile(r"[a-z]+")
_lexicon_lock = threading.Lock()
Lexicon = dict[str, float]
"""Folded word -> Zipf frequency."""
_lexicon_cache: Lexicon | None = None


def key(word: str) -> str:
    """Dictionary key of a word: folded, with umlaut digraphs collapsed."""
    return collapse_digraphs(fold_token(word))


def build_wordlist(min_zipf: float = WORDLIST_MIN_ZIPF) -> str:
    """Text of the shipped word list, derived from ``wordfreq`` (maintenance only).

    Regenerate with ``python -m zwk_kb.analysis.lexicon > src/zwk_kb/data/wordlist_de.txt``
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
            folded = key(word)
            if 2 <= len(folded) <= MAX_PART_CHARS + 4 and _ASCII_WORD.fullmatch(folded):
                freqs[folded] = max(freqs.get(folded, 0.0), zipf)
    bins: dict[int, list[str]] = {}
    for word, zipf in freqs.items():
        bins.setdefault(round(zipf * 10), []).append(word)
    header = [
        "# German word list for zwk_kb.analysis.lexicon (compound splitting, plural rule).",
        f"# Derived from wordfreq {version('wordfreq')} ('de', 'large' frequency list):",
        f"# words with Zipf frequency >= {min_zipf}, folded (lower case, no diacritics,",
        "# ae/oe/ue -> a/o/u), letters a-z only. Each line: Zipf (one decimal) TAB words.",
        "# Data license: CC BY-SA 4.0 (wordfreq data by Robyn Speer and contributors, built",
        "# from Wikipedia, Reddit, Twitter, Google Books, OpenSubtitles and other sources;",
        "# see https://github.com/rspeer/wordfreq#license). This file is shared under the same",
        "# license. Regenerate:",
        "# python -m zwk_kb.analysis.lexicon | gzip -n -9 > wordlist_de.txt.gz",
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


def lexicon() -> Lexicon:
    """The folded word → Zipf frequency table, loaded once per process on first use."""
    global _lexicon_cache
    found = _lexicon_cache
    if found is None:
        with _lexicon_lock:
            if _lexicon_cache is None:
                _lexicon_cache = _load_lexicon()
            found = _lexicon_cache
    return found


def word_zipf(word: str) -> float:
    """How common a word is in German (Zipf frequency of the word list; 0 for no word)."""
    return lexicon().get(key(word), 0.0)


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    import sys

    sys.stdout.write(build_wordlist())
