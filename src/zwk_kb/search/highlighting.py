"""Result snippets and "found as" notes without Whoosh's highlighter.

Whoosh's ``highlight()`` re-runs the whole German analyzer (token objects, generators, a copy
per compound part) over every stored body it marks: about 8 ms per body, three calls per hit.
Here a body is split at spaces (in C), and each distinct space-separated piece is tokenized with
the analyzer's own regular expression and analysed once per request (:class:`TermMatcher`, dict
memos over the analysis caches), so a snippet costs a fraction of a millisecond. Which words are
marked is exactly what the index analysis gives: a word is marked when one of its index terms
(whole stem or compound part) is a query term, so ``Café`` marks ``Generationencafé`` and
``buergerbus`` marks ``Bürgerbus``; stop words are never marked.

Pure functions over strings: no Flask, no index. Every piece of text is HTML-escaped.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Set as AbstractSet
from itertools import accumulate, compress
from typing import Any, NamedTuple

from zwk_kb.analysis.folding import TOKEN_RE, fold
from zwk_kb.analysis.pipeline import index_terms_of

__all__ = [
    "CHARLIMIT",
    "MARK_CLOSE",
    "MARK_OPEN",
    "SURFACE_SCAN_CHARS",
    "SurfaceForms",
    "TermMatcher",
    "fragments_html",
    "matched_surface_forms",
    "whole_html",
]

MARK_OPEN = '<mark class="match">'
MARK_CLOSE = "</mark>"
BETWEEN = " … "
CHARLIMIT = 32768
"""Only the first characters of a text are searched for matches (Whoosh's default limit):
bounds the work on very long bodies; a snippet from further down would not help the reader."""
SURFACE_SCAN_CHARS = 4000
"""Characters of each text scanned for "found as" words (as ``search.SURFACE_SCAN_CHARS``)."""

_NO_TERMS: frozenset[str] = frozenset()
_SPACE = re.compile(r"\s+")

IsMatch = Callable[[str], Any]
"""Token text → truthy when the token is to be marked. A set/frozenset result names the query
terms it matched (used to prefer fragments with more different terms); any other truthy value
counts the folded word itself as the term."""

Span = tuple[int, int, AbstractSet[str]]
"""(start, end, matched query terms) of one marked token."""

_EDGE_PUNCTUATION = ".,;:!?()[]{}\"'„“”‚‘’«»…–—-/*"
"""Punctuation that often sticks to a word. None of it is a word character, so a space-separated
piece that is such punctuation around letters/digits only is exactly one token (fast path)."""


class _PieceSpans(dict[str, tuple[Span, ...]]):
    """Space-separated piece of text → the marked tokens in it, relative to the piece.

    Why: the token regex costs ~0.5 µs per word over a whole body, ``str.split(" ")`` and a dict
    lookup per piece a tenth of that. Tokens never contain a space, so tokenizing piece by piece
    gives exactly the tokens of the whole text; most pieces are one word, possibly with
    punctuation attached, and recur (``der``, ``Kita,``), so each distinct piece is tokenized
    once per request.
    """

    __slots__ = ("_match",)

    def __init__(self, match: IsMatch) -> None:
        super().__init__()
        self._match = match

    def _terms(self, token: str) -> AbstractSet[str]:
        hit = self._match(token)
        if not hit:
            return _NO_TERMS
        return hit if isinstance(hit, AbstractSet) else frozenset((fold(token),))

    def __missing__(self, piece: str) -> tuple[Span, ...]:
        spans: tuple[Span, ...] = ()
        head = piece.lstrip(_EDGE_PUNCTUATION)
        core = head.rstrip(_EDGE_PUNCTUATION)
        if core.isalnum():  # str.isalnum() is exactly the regex class [^\W_]: one token
            terms = self._terms(core)
            if terms:
                start = len(piece) - len(head)
                spans = ((start, start + len(core), terms),)
        else:
            found = []
            for m in TOKEN_RE.finditer(piece):
                terms = self._terms(m.group())
                if terms:
                    found.append((m.start(), m.end(), terms))
            spans = tuple(found)
        self[piece] = spans
        return spans


class TermMatcher(dict[str, frozenset[str]]):
    """Token text → the query terms among its index terms (empty frozenset: no match).

    Why a dict subclass: a word seen before costs one C-level dict lookup (``__missing__`` only
    runs for new words), and a body has far fewer distinct words than tokens. Create one per
    request and set of terms and pass it to every call for that request: it also keeps the
    per-piece memo (:class:`_PieceSpans`) the functions below share.
    """

    __slots__ = ("_terms_of", "pieces", "terms")

    def __init__(self, analyzer: Any, terms: Iterable[str]) -> None:
        super().__init__()
        self._terms_of = index_terms_of(analyzer)
        self.terms: frozenset[str] = frozenset(terms)
        self.pieces = _PieceSpans(self.__getitem__)

    def __missing__(self, token: str) -> frozenset[str]:
        found = self.terms.intersection(self._terms_of(token)) or _NO_TERMS
        self[token] = found
        return found

    __call__ = dict.__getitem__
    """``matcher(token)``: the same as ``matcher[token]``, so it fits where a predicate goes."""


def _piece_spans(is_match: IsMatch) -> _PieceSpans:
    return is_match.pieces if isinstance(is_match, TermMatcher) else _PieceSpans(is_match)


def _matches(text: str, is_match: IsMatch, charlimit: int) -> list[Span]:
    """(start, end, matched terms) of the marked tokens in the first ``charlimit`` characters
    (cut at a space), in order. The loops over all words run in C (split, map, accumulate)."""
    if len(text) > charlimit:
        text = text[: max(text.rfind(" ", 0, charlimit), 0)]
    pieces = text.split(" ")
    hits = list(map(_piece_spans(is_match).__getitem__, pieces))
    if not any(hits):
        return []
    lengths = list(accumulate(map(len, pieces), initial=0))
    found: list[Span] = []
    for k in compress(range(len(pieces)), hits):
        base = lengths[k] + k  # k single-space separators before piece k
        found.extend((base + start, base + end, terms) for start, end, terms in hits[k])
    return found


def _marked(text: str, start: int, end: int, matches: list[Span]) -> str:
    """``text[start:end]`` escaped, with the given matches (inside the range) marked."""
    escape = html.escape
    out: list[str] = []
    pos = start
    for m_start, m_end, _ in matches:
        out.append(escape(text[pos:m_start]))
        out.append(MARK_OPEN + escape(text[m_start:m_end]) + MARK_CLOSE)
        pos = m_end
    out.append(escape(text[pos:end]))
    return "".join(out)


def whole_html(text: str, is_match: IsMatch, *, charlimit: int = CHARLIMIT) -> str:
    """The whole text (a title) escaped, matches marked; "" when nothing matches, so the
    caller shows the plain title (as with Whoosh's ``WholeFragmenter``)."""
    matches = _matches(text, is_match, charlimit)
    if not matches:
        return ""
    return _marked(text, 0, len(text), matches)


def _windows(matches: list[Span], core_limit: int) -> list[tuple[int, int, int, int]]:
    """Per match i: (distinct terms, matches, i, j) of the longest run i..j spanning at most
    ``core_limit`` characters (at least match i itself). Sliding window: linear time."""
    counts: dict[str, int] = {}
    windows: list[tuple[int, int, int, int]] = []
    j = -1  # last match inside the window
    n = len(matches)
    for i in range(n):
        if j < i:  # the window is empty: start it with match i
            j = i
            for term in matches[i][2]:
                counts[term] = counts.get(term, 0) + 1
        start = matches[i][0]
        while j + 1 < n and matches[j + 1][1] - start <= core_limit:
            j += 1
            for term in matches[j][2]:
                counts[term] = counts.get(term, 0) + 1
        windows.append((len(counts), j - i + 1, i, j))
        for term in matches[i][2]:  # match i leaves the window
            left = counts[term] - 1
            if left:
                counts[term] = left
            else:
                del counts[term]
    return windows


def _span(
    text: str, core_start: int, core_end: int, maxchars: int, surround: int
) -> tuple[int, int]:
    """Character range of a fragment around a run of matches: up to ``surround`` characters of
    context each side (unused context before goes after), at most ``maxchars`` in all, cut at
    whitespace so no word is broken, without whitespace at either end."""
    room = max(maxchars - (core_end - core_start), 0)
    start = max(0, core_start - min(surround, room // 2))
    after = min(2 * surround, room) - (core_start - start)
    end = min(len(text), core_end + after)
    if start > 0 and not text[start - 1].isspace():
        space = _SPACE.search(text, start, core_start)
        start = space.end() if space else core_start
    if end < len(text) and not text[end].isspace():
        end = max((m.start() for m in _SPACE.finditer(text, core_end, end)), default=core_end)
    while start < core_start and text[start].isspace():
        start += 1
    while end > core_end and text[end - 1].isspace():
        end -= 1
    return start, end


def fragments_html(
    text: str,
    is_match: IsMatch,
    *,
    top: int,
    maxchars: int = 240,
    surround: int = 60,
    charlimit: int = CHARLIMIT,
    between: str = BETWEEN,
) -> str:
    """The ``top`` best passages of ``text`` with matches marked, in document order, joined by
    ``between``; "" when nothing matches.

    Best = most different query terms, then most matches, then earliest. A passage holds the
    matches within ``maxchars - 2 * surround`` characters of its first one plus about
    ``surround`` characters of context each side, is at most ``maxchars`` long, breaks no word
    and overlaps no other passage. Text is HTML-escaped, matches wrapped in
    ``<mark class="match">``.
    """
    if top <= 0 or not text:
        return ""
    matches = _matches(text, is_match, charlimit)
    if not matches:
        return ""
    core_limit = max(maxchars - 2 * surround, 0)
    ranked = sorted(_windows(matches, core_limit), key=lambda w: (-w[0], -w[1], w[2]))
    chosen: list[tuple[int, int]] = []
    for _, _, i, j in ranked:
        start, end = _span(text, matches[i][0], matches[j][1], maxchars, surround)
        if all(end <= s or start >= e for s, e in chosen):
            chosen.append((start, end))
            if len(chosen) >= top:
                break
    chosen.sort()
    starts = [m[0] for m in matches]
    pieces = []
    for start, end in chosen:
        inside = matches[bisect_left(starts, start) : bisect_left(starts, end)]
        pieces.append(_marked(text, start, end, inside))
    return between.join(pieces)


class SurfaceForms(NamedTuple):
    """Words of a card that carry matched terms, and which typed words were seen as typed."""

    forms: tuple[str, ...]
    """Surface words (as written) matching in another form than typed, first seen first."""
    seen_typed: frozenset[str]
    """Folded typed words that occur as typed (caller: nothing to explain if all were seen)."""


def _marked_words(
    texts: Iterable[str], spans_of: _PieceSpans, wanted: AbstractSet[str], scan_chars: int
) -> Iterator[str]:
    """The tokens (as written) with a term in ``wanted``, in the first ``scan_chars`` characters
    of each text."""
    for text in texts:
        pieces = text[:scan_chars].split(" ")
        hits = list(map(spans_of.__getitem__, pieces))
        for k in compress(range(len(pieces)), hits):
            piece = pieces[k]
            for start, end, terms in hits[k]:
                if not terms.isdisjoint(wanted):
                    yield piece[start:end]


def matched_surface_forms(
    texts: Iterable[str],
    matched_terms: AbstractSet[str],
    analyzer: Any,
    limit: int,
    *,
    typed: AbstractSet[str] = _NO_TERMS,
    scan_chars: int = SURFACE_SCAN_CHARS,
    matcher: TermMatcher | None = None,
) -> SurfaceForms:
    """Words in ``texts`` (title, summary, body …) whose index terms meet ``matched_terms``:
    those whose folded form is in ``typed`` are recorded in ``seen_typed``, the others collected
    (de-duplicated, in order) until ``limit``; only the first ``scan_chars`` of each text count.

    The same result as ``SearchService._surface_forms`` scanning with ``analyzer(…,
    mode="index")``, without running the Whoosh pipeline: the caller keeps its rule
    ``if not forms or seen_typed >= typed: no note``. Pass the request's ``matcher`` (built
    with the same ``analyzer`` and terms including ``matched_terms``) to share its memo across
    hits; without it each call starts a fresh one.
    """
    forms: list[str] = []
    seen_typed: set[str] = set()
    if not matched_terms or limit <= 0:
        return SurfaceForms((), frozenset())
    if matcher is None or not matcher.terms.issuperset(matched_terms):
        matcher = TermMatcher(analyzer, matched_terms)
    for surface in _marked_words(texts, matcher.pieces, matched_terms, scan_chars):
        folded = fold(surface)
        if folded in typed:
            seen_typed.add(folded)
        elif surface not in forms:
            forms.append(surface)
        if len(forms) >= limit:
            break
    return SurfaceForms(tuple(forms), frozenset(seen_typed))
