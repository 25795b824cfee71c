"""Fast snippets: the same words marked as the index analysis would, escaped, well cut.

The per-token shortcut (:func:`zwk_kb.analysis.pipeline.index_terms_of`) and the piece-wise
tokenizing in :mod:`zwk_kb.search.highlighting` are checked against running the real Whoosh
analyzer; the rest is what a reader of the result list notices.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh.analysis import RegexTokenizer, StandardAnalyzer

from conftest import BUNDLED_TOOLKIT
from zwk_kb.analysis.folding import fold
from zwk_kb.analysis.pipeline import (
    MAX_TOKEN_CHARS,
    STOP_WORDS,
    TOKEN_PATTERN,
    TOKEN_RE,
    exact_analyzer,
    index_terms,
    index_terms_of,
)
from zwk_kb.model import Toolkit
from zwk_kb.search.highlighting import (
    MARK_CLOSE,
    MARK_OPEN,
    TermMatcher,
    fragments_html,
    matched_surface_forms,
    whole_html,
)
from zwk_kb.search.schema import TITLE, build_schema

CARD_FILES = sorted(BUNDLED_TOOLKIT.glob("*.md"))
MARKED = re.compile(re.escape(MARK_OPEN) + r"(.*?)" + re.escape(MARK_CLOSE))

WORDS = (
    # umlauts, ß and their spellings
    "Bürgerbus",
    "Buergerbus",
    "BÜRGERBUS",
    "buergerbus",
    "Ärztemangel",
    "Aerztemangel",
    "Ältere",
    "Aeltere",
    "Straße",
    "Strasse",
    "Größe",
    "Groesse",
    "Quelle",
    "Feuer",
    "Bauer",
    "Bu\u0308rgerbus",  # decomposed (NFD) umlaut
    "Kita\u00adpersonal",  # soft hyphen
    # gendered forms
    "Bürger*innen",
    "Bürger:innen",
    "Bürger_innen",
    "BürgerInnen",
    "Bürgerinnen",
    "Bürgerin",
    "Bürger/-innen",
    "Bürger(innen)",
    "Nutzer*in",
    "Seniorinnen",
    "Studentin",
    "Landrätin",
    "Termin",
    "Medizin",
    "Kantine",
    "Login",
    # hyphen chains
    "Repair-Café",
    "Kita-Personal",
    "Bürger-Bus",
    "Dessau-Roßlau",
    "E-Bike",
    "Jung-kauft-Alt",
    "Wohnen-für-Hilfe",
    "Demografiestrategie-prozess",
    # compounds and inflection
    "Kitapersonal",
    "Kitas",
    "Kita",
    "Generationencafé",
    "Café",
    "Cafés",
    "Lastenrad",
    "Lastenräder",
    "Ortskern",
    "Ortskerne",
    "Leerstandsbörse",
    "Ausbildung",
    "Nachbarschaft",
    "Werkstatt",
    "Zerbst",
    "Eckernförde",
    "Kornwestheim",
    "Bürgerbeteiligung",
    # stop words and short tokens
    "und",
    "für",
    "fuer",
    "Für",
    "über",
    "ueber",
    "dass",
    "daß",
    "a",
    "x",
    "Im",
    # numbers and mixed
    "2023",
    "3",
    "10er",
    "B96",
    "COVID19",
    "Ü60",
    # too long for the analyzer
    "a" * (MAX_TOKEN_CHARS + 1),
    "Donaudampfschifffahrt" * 3,
    "x" * 300,
)


@pytest.fixture(scope="module")
def analyzer(toolkit: Toolkit) -> Any:
    """The analyzer of the real schema (fixture vocabulary: communes kept whole …)."""
    return build_schema(toolkit.vocabulary)[TITLE].analyzer


@pytest.fixture(scope="module")
def bundled_analyzer(bundled_toolkit: Toolkit) -> Any:
    return build_schema(bundled_toolkit.vocabulary)[TITLE].analyzer


def pipeline_terms(analyzer: Any, text: str) -> list[str]:
    return [t.text for t in analyzer(text, mode="index")]


def query_terms(analyzer: Any, query: str) -> frozenset[str]:
    return frozenset(t.text for t in analyzer(query, mode="query"))


def expected_marks(analyzer: Any, text: str, terms: frozenset[str]) -> list[tuple[int, int]]:
    """Spans of the tokens whose index terms meet ``terms``, from the Whoosh pipeline."""
    spans: list[tuple[int, int]] = []
    for t in analyzer(text, mode="index", chars=True):
        if t.text in terms and (t.startchar, t.endchar) not in spans:
            spans.append((t.startchar, t.endchar))
    return spans


def expected_whole_html(analyzer: Any, text: str, terms: frozenset[str]) -> str:
    spans = expected_marks(analyzer, text, terms)
    if not spans:
        return ""
    out, pos = [], 0
    for start, end in spans:
        out += [html.escape(text[pos:start]), MARK_OPEN, html.escape(text[start:end]), MARK_CLOSE]
        pos = end
    return "".join([*out, html.escape(text[pos:])])


def marked_words(snippet: str) -> list[str]:
    return [html.unescape(w) for w in MARKED.findall(snippet)]


def plain(snippet: str) -> str:
    return html.unescape(MARKED.sub(r"\1", snippet))


# ---- index_terms: the same terms as the analyzer, token by token -------------------------------


def test_token_regex_is_the_tokenizers() -> None:
    tokenizer = RegexTokenizer(TOKEN_PATTERN)
    assert TOKEN_RE.pattern == tokenizer.expression.pattern
    assert TOKEN_RE.flags == tokenizer.expression.flags
    for path in CARD_FILES:
        text = path.read_text(encoding="utf-8")
        assert [m.group() for m in TOKEN_RE.finditer(text)] == [t.text for t in tokenizer(text)]


@pytest.mark.parametrize("word", WORDS)
def test_index_terms_of_one_word_match_the_analyzer(analyzer: Any, word: str) -> None:
    assert TOKEN_RE.fullmatch(word), "a single token"
    assert list(index_terms(analyzer, word)) == pipeline_terms(analyzer, word)


def test_stop_words_and_overlong_tokens_have_no_terms(analyzer: Any) -> None:
    terms_of = index_terms_of(analyzer)
    assert all(terms_of(word) == () for word in STOP_WORDS)
    assert terms_of("x" * 300) == ()
    assert terms_of("Kitapersonal")[0] == "kitapersonal"
    assert set(terms_of("Kitapersonal")) >= {"kita", "personal"}


@pytest.mark.parametrize("path", CARD_FILES, ids=lambda p: p.name)
def test_index_terms_of_card_texts_match_the_analyzer(
    analyzer: Any, bundled_analyzer: Any, path: Path
) -> None:
    text = path.read_text(encoding="utf-8")
    for an in (analyzer, bundled_analyzer):
        terms_of = index_terms_of(an)
        ours = [term for m in TOKEN_RE.finditer(text) for term in terms_of(m.group())]
        assert ours == pipeline_terms(an, text)


def test_index_terms_of_refuses_other_analyzers() -> None:
    for other in (StandardAnalyzer(), exact_analyzer()):
        with pytest.raises(ValueError):
            index_terms_of(other)


# ---- the matcher and the marked words ----------------------------------------------------------

TRICKY = st.lists(
    st.sampled_from(
        [
            *"aeiouäöüßKkitaBürgrn",
            *[" ", "  ", "\n", "\n\n", "\u00a0", "\t", "-", "‐", ":", "*", "_", "/", "·", "(", ")"],
            *[".", ",", "„", "“", "<", ">", "&", '"', "'", "\u0308", "\u00ad", "1", "9"],
            *["innen", "Innen", "in", "Kita", "Café", "café", "Bus", "bus", "und", "Personal"],
        ]
    ),
    max_size=40,
).map("".join)
"""Text pieces around the tokenizer's edge cases: gender marks, hyphens, odd spaces, NFD."""


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=TRICKY)
def test_marks_are_exactly_the_analyzers_matches(analyzer: Any, text: str) -> None:
    terms = query_terms(analyzer, "Kita Café Bus Bürger Personal innen")
    assert whole_html(text, TermMatcher(analyzer, terms)) == expected_whole_html(
        analyzer, text, terms
    )


@pytest.mark.parametrize("query", ["Kita Personal", "Café", "Bürgerbus Ehrenamt", "Leerstand"])
def test_marks_in_card_texts_are_the_analyzers(bundled_analyzer: Any, query: str) -> None:
    terms = query_terms(bundled_analyzer, query)
    matcher = TermMatcher(bundled_analyzer, terms)  # one per request, shared by all cards
    for path in CARD_FILES:
        text = path.read_text(encoding="utf-8")
        assert whole_html(text, matcher) == expected_whole_html(bundled_analyzer, text, terms)


def test_matcher_names_the_terms_a_word_matched(analyzer: Any) -> None:
    matcher = TermMatcher(analyzer, query_terms(analyzer, "Kita Personal"))
    assert matcher("Kitapersonal") == query_terms(analyzer, "Kita Personal")
    assert matcher("Kitas") == query_terms(analyzer, "Kita")
    assert not matcher("Kirche")
    assert matcher("Kitas") is matcher["Kitas"]  # memoized


def test_compound_part_is_marked(analyzer: Any) -> None:
    matcher = TermMatcher(analyzer, query_terms(analyzer, "Café"))
    assert marked_words(whole_html("Das Generationencafé im Dorf", matcher)) == ["Generationencafé"]
    snippet = fragments_html("Wir treffen uns im Generationencafé am Markt.", matcher, top=2)
    assert marked_words(snippet) == ["Generationencafé"]


def test_plural_is_marked(analyzer: Any) -> None:
    matcher = TermMatcher(analyzer, query_terms(analyzer, "Kita"))
    snippet = fragments_html("Zwei Kitas und eine Kita-Gruppe im Ort.", matcher, top=1)
    assert marked_words(snippet) == ["Kitas", "Kita-Gruppe"]


def test_umlaut_spellings_are_marked(analyzer: Any) -> None:
    matcher = TermMatcher(analyzer, query_terms(analyzer, "buergerbus"))
    text = "Der Bürgerbus fährt dienstags, der BUERGERBUS auch."
    assert marked_words(fragments_html(text, matcher, top=1)) == ["Bürgerbus", "BUERGERBUS"]


def test_gendered_forms_are_marked(analyzer: Any) -> None:
    matcher = TermMatcher(analyzer, query_terms(analyzer, "Bürger"))
    text = "Bürger*innen, Bürger:innen und Bürgerinnen (auch: Bürger) reden mit."
    assert marked_words(whole_html(text, matcher)) == [
        "Bürger*innen",
        "Bürger:innen",
        "Bürgerinnen",
        "Bürger",
    ]


def test_stop_words_are_never_marked(analyzer: Any) -> None:
    matcher = TermMatcher(analyzer, query_terms(analyzer, "Allee"))
    assert marked_words(whole_html("Alle Bäume der Allee", matcher)) == ["Allee"]


# ---- snippets ----------------------------------------------------------------------------------

FILLER = " ".join(f"Wort{i} steht hier." for i in range(60))


def test_html_in_the_text_is_escaped(analyzer: Any) -> None:
    matcher = TermMatcher(analyzer, query_terms(analyzer, "Kita"))
    text = 'Die Kita <script>alert("x")</script> & <b>Kita</b> ' + FILLER
    for snippet in (fragments_html(text, matcher, top=2), whole_html(text, matcher)):
        assert "<script>" not in snippet and "<b>" not in snippet
        assert "&lt;script&gt;" in snippet
        assert re.sub(r"</?mark[^>]*>", "", snippet).count("<") == 0
        assert plain(snippet) in text


def test_nothing_matches_gives_empty_string(analyzer: Any) -> None:
    matcher = TermMatcher(analyzer, query_terms(analyzer, "Raumfahrt"))
    assert fragments_html("Die Kita im Dorf. " + FILLER, matcher, top=2) == ""
    assert whole_html("Die Kita im Dorf", matcher) == ""
    assert fragments_html("", matcher, top=2) == ""


def test_fragments_are_short_whole_words_in_document_order(analyzer: Any) -> None:
    matcher = TermMatcher(analyzer, query_terms(analyzer, "Kita Personal"))
    text = f"Am Anfang die Kita. {FILLER} In der Mitte das Kitapersonal. {FILLER} Kita am Ende."
    snippet = fragments_html(text, matcher, top=2, maxchars=240, surround=60)
    pieces = snippet.split(" … ")
    assert len(pieces) == 2
    positions = []
    for piece in pieces:
        words = plain(piece)
        assert len(words) <= 240
        assert words == words.strip()
        position = text.find(words)
        assert position >= 0, "a piece is a verbatim part of the text"
        before = text[position - 1] if position else " "
        after = text[position + len(words) : position + len(words) + 1] or " "
        assert before.isspace() and after.isspace(), "no word is cut"
        positions.append(position)
    assert positions == sorted(positions)
    # the passage with both terms wins; the other is the earliest with one
    assert "Kitapersonal" in marked_words(pieces[1])
    assert pieces[0].startswith("Am Anfang die <mark")


def test_top_limits_the_number_of_fragments(analyzer: Any) -> None:
    matcher = TermMatcher(analyzer, query_terms(analyzer, "Kita"))
    text = f"Kita. {FILLER} Kitas! {FILLER} Kita? {FILLER} Kita."
    assert fragments_html(text, matcher, top=2).count(" … ") == 1
    assert fragments_html(text, matcher, top=1).count(" … ") == 0
    assert len(marked_words(fragments_html(text, matcher, top=3))) == 3
    assert fragments_html(text, matcher, top=0) == ""


def test_close_matches_share_one_fragment(analyzer: Any) -> None:
    matcher = TermMatcher(analyzer, query_terms(analyzer, "Kita"))
    snippet = fragments_html(f"Die Kita und die Kitas im Ort. {FILLER}", matcher, top=2)
    assert " … " not in snippet
    assert marked_words(snippet) == ["Kita", "Kitas"]


def test_a_plain_predicate_works_too() -> None:
    snippet = fragments_html("eins zwei drei", lambda word: word == "zwei", top=1)
    assert snippet == f"eins {MARK_OPEN}zwei{MARK_CLOSE} drei"


# ---- "found as" words --------------------------------------------------------------------------


def reference_surface_forms(
    texts: list[str], matched: frozenset[str], typed: set[str], analyzer: Any, limit: int
) -> tuple[tuple[str, ...], frozenset[str]]:
    """``SearchService._surface_forms`` before this module: the Whoosh pipeline over each text."""
    forms: list[str] = []
    seen_typed: set[str] = set()
    for text in texts:
        text = text[:4000]
        for token in analyzer(text, mode="index", chars=True):
            if token.text not in matched:
                continue
            surface = text[token.startchar : token.endchar]
            if fold(surface) in typed:
                seen_typed.add(fold(surface))
            elif surface not in forms:
                forms.append(surface)
            if len(forms) >= limit:
                break
        if len(forms) >= limit:
            break
    return tuple(forms), frozenset(seen_typed)


def test_surface_forms_name_the_compound(analyzer: Any) -> None:
    found = matched_surface_forms(
        ["Generationencafé", "Ein Café für alle", "Das Generationencafé und das Repair-Café"],
        query_terms(analyzer, "Café"),
        analyzer,
        3,
        typed={fold("Café")},
    )
    assert found.forms == ("Generationencafé", "Repair-Café")
    assert found.seen_typed == {fold("Café")}


@pytest.mark.parametrize(
    "query", ["Kita Personal", "Café", "Bürgerbus", "Leerstand Ortskern", "Integration"]
)
def test_surface_forms_as_before(bundled_analyzer: Any, query: str) -> None:
    matched = query_terms(bundled_analyzer, query)
    typed = {fold(w) for w in query.split()}
    # a request-wide matcher over more terms (as for the snippets), shared by all cards
    shared = TermMatcher(bundled_analyzer, matched | query_terms(bundled_analyzer, "Dorf Kirche"))
    for path in CARD_FILES:
        body = path.read_text(encoding="utf-8")
        texts = [body[:80], body[80:600], body[600:]]  # like title, summary, body
        for limit in (1, 3):
            expected = reference_surface_forms(texts, matched, typed, bundled_analyzer, limit)
            for matcher in (None, shared):
                found = matched_surface_forms(
                    texts, matched, bundled_analyzer, limit, typed=typed, matcher=matcher
                )
                assert (found.forms, found.seen_typed) == expected
