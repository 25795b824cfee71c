"""Every knob of the ranking in one table: how much each field, synonym, compound part and
kind of match counts. Query building (``query_building``), the scorer's BM25F parameters and
the related cards all read these numbers; change them here and run ``zwk-kb eval`` on both
judgment sets (bundled and held-out) before and after.
"""

from __future__ import annotations

from zwk_kb.search.schema import BODY, FACET_TEXT, PLAIN_SUMMARY, SUMMARY, TITLE

# ---- terms --------------------------------------------------------------------------------------
FIELD_BOOSTS: dict[str, float] = {
    TITLE: 5.0,  # the title names the tool
    FACET_TEXT: 3.0,  # the tool's own classification: topics, challenges, communes …
    SUMMARY: 2.5,
    PLAIN_SUMMARY: 1.2,  # the summary in plain language: mostly the same words again
    BODY: 1.0,  # words mentioned in passing
}
"""Weight of a word's score in each text field (a word is searched in all of them, summed)."""

BM25_K1 = 1.2
"""BM25F term-frequency saturation (Whoosh's default): a word's fifth mention counts little."""
BM25_B = 0.75
"""BM25F length normalisation (Whoosh's default): a word in a short field counts more."""

# ---- compounds ----------------------------------------------------------------------------------
PARTS_BOOST = 1.0
"""Weight of a compound's parts found near each other ("Personal der Kita" for
"Kitapersonal"): the plain sum of the parts' scores in that field, without the field's weight
(``FIELD_BOOSTS``). Weighted by field (times 0.1 to 0.5) the bundled judgments ranked a little
better, the blind ones a little worse."""
PARTS_SLOP = 3
"""At most this many words between the parts of a compound."""
PARTS_BELOW_DF = 5
"""A compound found on this many cards is not also searched as its separate parts (the parts
query is the most expensive one, and a common compound needs no help)."""

# ---- phrases ------------------------------------------------------------------------------------
PHRASE_SLOP = 1
"""Words of a quoted phrase: each at most this many words after the one before."""

# ---- synonyms -----------------------------------------------------------------------------------
SYNONYM_WEIGHT = 0.5
"""Alternatives from a synonym group count half: the literal word the user typed ranks first."""
MAX_ALTERNATIVES = 5
"""Synonyms per matched word: each one adds terms to every query that uses it."""
BEST_OF_TIEBREAK = 0.1
"""A word and its synonyms don't add up: the best counts, the others with this share."""

# ---- all words or some --------------------------------------------------------------------------
GENERIC_WEIGHT = 0.5
"""Weight of a generic word beside specific ones ("Angebot für Trauernde"): it orders the
answers a little and is not required (see ``understanding.is_generic``)."""
FORM_WEIGHT = 0.8
"""Weight of another form of a word's family ("mobil" → "Mobilität"): nearly the word itself,
yet below it. Thesaurus neighbours weigh less than synonyms (``analysis.thesaurus``)."""
BACKFILL_BELOW = 3
"""Fewer cards with all words than this: cards with some of the words are added below."""
ALL_WORDS_BOOST = 2.0
"""When cards with some of the words are added, cards with all words count this much more, so
they stay on top."""

# ---- related cards ------------------------------------------------------------------------------
RELATED_WEIGHTS: dict[str, float] = {"challenges": 0.5, "topics": 0.35, "target_groups": 0.15}
"""Added to a card's similarity per shared value of these facets (the body's key words give at
most 1.0: the best similar body scores 1.0)."""
RELATED_KEY_WORDS = 12
"""Key words of the body compared with other cards."""
RELATED_MIN_SCORE = 0.2
"""Cards less similar than this are not shown as related."""
