"""The Whoosh side of the German analysis: filters and analyzers built from :mod:`.terms`.

The pipeline of :func:`german_analyzer` is

1. tokenize (:data:`~zwk_kb.analysis.folding.TOKEN_PATTERN`): words, digits, hyphenated chains
   (``Kita-Personal``) and gendered forms (``Bürger:innen``, ``Nutzer/-innen``) stay one token;
2. :class:`NormalizeFilter`: gender forms, case and accents (``Bürger:innen`` → ``burger``);
3. ``StopFilter``: German stop words (positions renumbered, see :func:`german_analyzer`);
4. :class:`CompoundStemFilter`: umlaut digraphs, compound parts and Snowball stems, the whole
   word and its parts at the same position.

Each filter is one step of :func:`~zwk_kb.analysis.terms.token_terms`, the one definition of
what a word becomes; the one-pass analyzers run that function once per distinct token instead
of the filter chain. The classes live here at module level because Whoosh pickles the analyzer
into the index (by import path: keep them here); they pickle without the dictionary.
"""

from __future__ import annotations

import pickle
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from operator import sub
from typing import Any

from whoosh.analysis import Analyzer, Filter, RegexTokenizer, StopFilter, Token
from whoosh.analysis.analyzers import CompositeAnalyzer
from whoosh.formats import Positions
from whoosh.system import pack_uint

from zwk_kb.analysis.compounds import (
    MIN_SPLIT_CHARS,
    NO_ADDITIONS,
    Additions,
    _interned,
    compound_parts,
    split_compound,
)
from zwk_kb.analysis.folding import EXACT_TOKEN_PATTERN, TOKEN_PATTERN, TOKEN_RE, fold
from zwk_kb.analysis.lexicon import MAX_TOKEN_CHARS, STOP_KEYS, STOP_WORDS, build_wordlist
from zwk_kb.analysis.synonyms import SYNONYMS_PATH, SynonymTable
from zwk_kb.analysis.terms import (
    TokenRules,
    normalize_step,
    spelling_parts_step,
    spelling_step,
    stem_step,
    token_terms,
)

__all__ = [
    "EXACT_TOKEN_PATTERN",
    "MAX_TOKEN_CHARS",
    "MIN_SPLIT_CHARS",
    "NO_ADDITIONS",
    "STOP_WORDS",
    "SYNONYMS_PATH",
    "TOKEN_PATTERN",
    "TOKEN_RE",
    "Additions",
    "CompoundPartsFilter",
    "CompoundStemFilter",
    "DigraphFilter",
    "ExactAnalyzer",
    "GermanAnalyzer",
    "NormalizeFilter",
    "OnePassPositions",
    "SynonymTable",
    "build_wordlist",
    "compound_parts",
    "exact_analyzer",
    "fold",
    "german_analyzer",
    "index_terms",
    "index_terms_of",
    "split_compound",
]
_PICKLED = (_interned,)
"""Named by pickles of :class:`~zwk_kb.analysis.compounds.Additions` in existing indexes."""

# --------------------------------------------------------------------------------------------
# Whoosh filters: the steps of token_terms


class NormalizeFilter(Filter):
    """:func:`~zwk_kb.analysis.terms.normalize_step`: gender forms, case folding, diacritics;
    drops tokens far too long to be words."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            text = normalize_step(t.text)
            if text is not None:
                t.text = text
                yield t


class CompoundStemFilter(Filter):
    """:func:`~zwk_kb.analysis.terms.stem_step`: stems each token and adds its compound parts
    at the same position and character span.

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
            if t.stopped:  # kept on request (removestops=False): unchanged
                yield t
                continue
            terms = stem_step(t.text, additions)
            if not terms:
                continue
            t.text = terms[0]
            yield t
            if len(terms) > 1 and (query_parts or t.mode != "query"):
                for part in terms[1:]:
                    extra = t.copy()
                    extra.text = part
                    yield extra


class DigraphFilter(Filter):
    """:func:`~zwk_kb.analysis.terms.spelling_step`: collapses umlaut digraphs and drops
    overlong tokens (the unstemmed spelling field)."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            word = spelling_step(t.text)
            if word is not None:
                t.text = word
                yield t


class CompoundPartsFilter(Filter):
    """:func:`~zwk_kb.analysis.terms.spelling_parts_step`: adds the unstemmed, folded parts of
    a compound after the whole word (spelling field, index mode)."""

    def __init__(self, extra_words: Iterable[str] = (), *, keep_whole: Iterable[str] = ()) -> None:
        self.additions = Additions.of(extra_words, keep_whole)

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        additions = self.additions
        for t in tokens:
            yield t
            if t.mode == "query":
                continue
            for part in spelling_parts_step(t.text, additions):
                extra = t.copy()
                extra.text = part
                yield extra


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
        | StopFilter(stoplist=STOP_KEYS, minsize=2, renumber=True)
        | CompoundStemFilter(extra_words, keep_whole)
    )


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


# --------------------------------------------------------------------------------------------
# One-pass analyzers: token_terms once per distinct token

_DERIVED = frozenset({"_memo", "_rules"})


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
    occurrence of a word costs one dict lookup here. What a token becomes is
    :func:`~zwk_kb.analysis.terms.token_terms`, whose steps the filters are;
    ``tests/test_analysis.py`` checks the tokens equal the composed pipeline's.
    """

    def __getstate__(self) -> dict[str, Any]:
        # the memo and the rules are derived data: never pickled into the index
        return {k: v for k, v in self.__dict__.items() if k not in _DERIVED}

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

    def rules(self) -> TokenRules:
        """What the filters are set up with, for :func:`token_terms` (read once)."""
        rules: TokenRules | None = self.__dict__.get("_rules")
        if rules is None:
            rules = self.__dict__["_rules"] = self._read_rules()
        return rules

    def _read_rules(self) -> TokenRules:
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
        rules = self.rules()
        memo = self._memo_dict()
        with_parts = self._parts_wanted(mode)
        renumber = self.renumber
        t = Token(positions, chars, removestops=True, mode=mode, **kwargs)
        pos: int | None = None
        for index, match in enumerate(self.items[0].expression.finditer(value)):
            raw = match.group(0)
            entry = memo.get(raw)
            if entry is None:
                entry = memo[raw] = token_terms(raw, rules)
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
        rules = self.rules()
        memo = self._memo_dict()
        with_parts = self._parts_wanted(mode)
        renumber = self.renumber
        found: dict[str, list[int]] = {}
        pos = -1
        first = True
        for index, raw in enumerate(self.items[0].expression.findall(value)):
            entry = memo.get(raw)
            if entry is None:
                entry = memo[raw] = token_terms(raw, rules)
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

    def _read_rules(self) -> TokenRules:
        return german_rules(self)

    def _parts_wanted(self, mode: str) -> bool:
        return bool(self.items[3].query_parts) or mode != "query"


class ExactAnalyzer(_OnePassAnalyzer):
    """:func:`exact_analyzer`: tokenizer, :class:`NormalizeFilter`, :class:`DigraphFilter` and
    :class:`CompoundPartsFilter`, run in one pass. No stop words: every token keeps its
    position, dropped ones too."""

    def _read_rules(self) -> TokenRules:
        return TokenRules(additions=self.items[3].additions, stemmed=False)

    def term_counts(self, value: str) -> tuple[Counter[str], Counter[str]]:
        """(index term -> occurrences, raw token -> occurrences) of a text, as counting the
        terms of ``self(value, mode="index")`` would give, but without a token object per
        word: the tokens are counted by the regex engine, each distinct one analysed once."""
        rules = self.rules()
        memo = self._memo_dict()
        tokens = Counter(self.items[0].expression.findall(value))
        terms: Counter[str] = Counter()
        for raw, n in tokens.items():
            entry = memo.get(raw)
            if entry is None:
                entry = memo[raw] = token_terms(raw, rules)
            for term in entry[1]:
                terms[term] += n
        return terms, tokens


def german_rules(analyzer: Analyzer) -> TokenRules:
    """The :class:`~zwk_kb.analysis.terms.TokenRules` of a :func:`german_analyzer` pipeline
    (also one unpickled from an older index, with its own stop list and additions);
    ``ValueError`` for any other analyzer."""
    items = list(getattr(analyzer, "items", ()))
    kinds = (RegexTokenizer, NormalizeFilter, StopFilter, CompoundStemFilter)
    if len(items) != len(kinds) or not all(
        isinstance(item, kind) for item, kind in zip(items, kinds, strict=True)
    ):
        raise ValueError("index_terms_of needs a german_analyzer() pipeline")
    tokenizer, _, stop, stem = items
    if tokenizer.expression.pattern != TOKEN_PATTERN or tokenizer.gaps:
        raise ValueError("the analyzer's tokenizer differs from TOKEN_PATTERN")
    return TokenRules(
        additions=stem.additions, stops=stop.stops, min_chars=stop.min, max_chars=stop.max
    )


# --------------------------------------------------------------------------------------------
# Index terms of one token, without running the Whoosh pipeline (fast highlighting)


def index_terms_of(analyzer: Analyzer) -> Callable[[str], tuple[str, ...]]:
    """A function giving, for one raw token (a :data:`TOKEN_RE` match), the terms ``analyzer``
    emits for it with ``mode="index"``: whole stem then part stems, ``()`` for stop words and
    overlong tokens.

    Why: highlighting and "found as" notes need per-word terms; running the Whoosh pipeline
    (token objects, generators, copies) over a whole body per hit costs milliseconds.
    ``analyzer`` must be a :func:`german_analyzer` (``ValueError`` otherwise); its stop list and
    dictionary additions are used, so an analyzer unpickled from an index behaves as it did
    when the index was built.
    """
    rules = german_rules(analyzer)
    if not isinstance(analyzer, GermanAnalyzer):  # an index from before the one-pass analyzer

        def uncached(token: str) -> tuple[str, ...]:
            return token_terms(token, rules)[1]

        return uncached
    memo = analyzer._memo_dict()  # shared with indexing and queries of this analyzer

    def terms(token: str) -> tuple[str, ...]:
        entry = memo.get(token)
        if entry is None:
            entry = memo[token] = token_terms(token, rules)
        return entry[1]

    return terms


def index_terms(analyzer: Analyzer, token: str) -> tuple[str, ...]:
    """The terms ``analyzer`` (a :func:`german_analyzer`) indexes for one raw token; for many
    tokens, bind once with :func:`index_terms_of`."""
    return index_terms_of(analyzer)(token)
