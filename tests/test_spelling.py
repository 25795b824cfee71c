"""The spelling dictionary behind "Meinten Sie …?": its corrections, and that index runs keep it
equal to the cards (full build, parallel build, incremental update, crash recovery)."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from pathlib import Path

from zwk_kb.model import Toolkit
from zwk_kb.search.index import SearcherPool, build, current_generation, update
from zwk_kb.search.request import parse_search_args
from zwk_kb.search.schema import spelling_analyzer
from zwk_kb.search.service import SearchEngine
from zwk_kb.search.spelling import SPELLING_FILE, SpellingDictionary, card_words, load_dictionary


def _dictionary(**counts: int) -> SpellingDictionary:
    return SpellingDictionary(Counter(counts))


def test_suggests_the_nearest_word_then_the_most_frequent() -> None:
    words = _dictionary(dolmetscher=5, dolmetschen=9, bolmetscher=7, kita=3, dorfplan=50)
    words.add({"dorfladen": 2})
    assert words.suggest("dolmetcher", maxdist=2) == "dolmetscher"  # 1 edit beats 2 edits
    assert words.suggest("bolmetcher", maxdist=2) == "bolmetscher"
    assert words.suggest("dorfladn", maxdist=2) == "dorfladen"  # not the frequent "dorfplan"
    assert words.suggest("kitta", maxdist=1) == "kita"
    words.add({"kitt": 8})
    assert words.suggest("kitta", maxdist=1) == "kitt"  # both 1 edit away: the more frequent
    assert words.suggest("xylophon", maxdist=2) is None
    assert _dictionary(aachen=1, zwickau=1).suggest("aachn", maxdist=1) == "aachen"  # first
    assert _dictionary(aachen=1, zwickau=1).suggest("zwickaw", maxdist=1) == "zwickau"  # last


def test_never_suggests_the_word_itself() -> None:
    assert _dictionary(kita=3).suggest("kita", maxdist=1) is None
    assert SpellingDictionary().suggest("kita", maxdist=2) is None


def test_written_form_comes_from_the_cards() -> None:
    analyzer = spelling_analyzer_for_tests()
    text = "Oeffentlichkeitsarbeit, Öffentlichkeitsarbeit im Dolmetscherpool. Kita-Personal"
    counts, display = card_words(text, analyzer)
    assert counts["offentlichkeitsarbeit"] == 2
    assert display["offentlichkeitsarbeit"] == "Öffentlichkeitsarbeit"  # the umlaut form wins
    assert counts["dolmetscher"] == 1  # a compound part counts, without a written form of its own
    assert "dolmetscher" not in display
    words = SpellingDictionary()
    words.add(counts, display)
    assert words.written(words.suggest("offentlichkeitsabeit", maxdist=2) or "") == (
        "Öffentlichkeitsarbeit"
    )


def test_removing_a_card_forgets_words_no_other_card_uses() -> None:
    words = SpellingDictionary()
    words.add({"kita": 2, "dorfladen": 1}, {"dorfladen": "Dorfladen"})
    words.add({"kita": 1})
    words.remove({"kita": 2, "dorfladen": 1})
    assert words.counts == Counter({"kita": 1})
    assert "dorfladen" not in words.display
    assert words.suggest("dorfladn", maxdist=1) is None


def test_a_broken_file_gives_an_empty_dictionary_not_an_error(tmp_path: Path) -> None:
    for text in ["", "{", "[]", '{"counts": 5}', '{"counts": {"kita": "x"}}']:
        assert len(SpellingDictionary.from_json(text)) == 0
    assert len(load_dictionary(tmp_path)) == 0  # no file at all


def spelling_analyzer_for_tests():  # the analyzer with an empty vocabulary
    from zwk_kb.analysis.pipeline import exact_analyzer

    return exact_analyzer()


# ---- index runs -----------------------------------------------------------------------------


def _counted(toolkit: Toolkit) -> Counter[str]:
    """The dictionary counted directly from the cards, as an index run must find it."""
    from zwk_kb.search.schema import SPELL, card_to_document

    analyzer = spelling_analyzer(toolkit.vocabulary)
    total: Counter[str] = Counter()
    for card in toolkit.cards:
        total.update(card_words(card_to_document(card, toolkit.vocabulary)[SPELL], analyzer)[0])
    return total


def _stored(index_dir: Path) -> SpellingDictionary:
    generation = current_generation(index_dir)
    assert generation is not None
    return load_dictionary(generation)


def test_serial_and_parallel_builds_count_every_word_of_every_card(
    bundled_toolkit: Toolkit, tmp_path: Path
) -> None:
    expected = _counted(bundled_toolkit)
    assert len(expected) > 1000
    build(bundled_toolkit, tmp_path / "serial", procs=1)
    build(bundled_toolkit, tmp_path / "parallel", procs=2)
    assert _stored(tmp_path / "serial").counts == expected
    assert _stored(tmp_path / "parallel").counts == expected
    assert _stored(tmp_path / "parallel").display == _stored(tmp_path / "serial").display


def test_update_counts_changed_added_and_removed_cards(
    bundled_toolkit: Toolkit, tmp_path: Path
) -> None:
    build(bundled_toolkit, tmp_path)
    cards = list(bundled_toolkit.cards)
    changed = dataclasses.replace(
        cards[0], stamp="neu", body=cards[0].body + "\n\nQuarkstrudelbäckerei im Ort."
    )
    after = Toolkit(tuple([changed, *cards[2:]]), bundled_toolkit.vocabulary)
    update(after, tmp_path)
    assert _stored(tmp_path).counts == _counted(after)
    assert _stored(tmp_path).counts["quarkstrudelbackerei"] == 1

    engine = SearchEngine(SearcherPool(tmp_path), bundled_toolkit.vocabulary.synonyms)
    result = engine.search(parse_search_args({"q": ["Quarkstrudelbäckerai"]}))
    assert result.suggestion == "Quarkstrudelbäckerei"

    update(Toolkit(tuple(cards[2:]), bundled_toolkit.vocabulary), tmp_path)  # changed card gone
    assert "quarkstrudelbackerei" not in _stored(tmp_path).counts
    result = engine.search(parse_search_args({"q": ["Quarkstrudelbäckerai"]}))
    assert result.suggestion is None


def test_a_lost_or_outdated_dictionary_is_recounted_by_the_next_update(
    bundled_toolkit: Toolkit, tmp_path: Path
) -> None:
    build(bundled_toolkit, tmp_path)
    generation = current_generation(tmp_path)
    assert generation is not None
    cards = list(bundled_toolkit.cards)
    # a run killed between its index commit and the dictionary file leaves an older file
    stale = json.loads((generation / SPELLING_FILE).read_text("utf-8"))
    stale["commit"] -= 1
    stale["counts"] = {"falsch": 99}
    (generation / SPELLING_FILE).write_text(json.dumps(stale), "utf-8")
    after = Toolkit(tuple(cards[1:]), bundled_toolkit.vocabulary)
    update(after, tmp_path)
    assert _stored(tmp_path).counts == _counted(after)

    (generation / SPELLING_FILE).unlink()
    again = Toolkit(tuple(cards[2:]), bundled_toolkit.vocabulary)
    update(again, tmp_path)
    assert _stored(tmp_path).counts == _counted(again)
