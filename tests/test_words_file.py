"""The index run keeps every word it analysed (``words.marshal``); a server seeds its analysis
with them instead of splitting each compound of its first pages again.

What a user would notice if this went wrong: other terms than the index holds (cards not
found, words not marked), or a crash on a damaged file. So: seeded analyses equal fresh ones,
a file of other code or another vocabulary is not used, and a damaged one is ignored.
"""

from __future__ import annotations

import json
from pathlib import Path

from zwk_kb.analysis import terms as analysis
from zwk_kb.analysis.pipeline import _additions_of
from zwk_kb.analysis.terms import _analyse_uncached
from zwk_kb.model import Toolkit
from zwk_kb.search.index import WORDS_FILE, SearcherPool, build, current_generation, load_words
from zwk_kb.search.request import parse_search_args
from zwk_kb.search.schema import TITLE
from zwk_kb.search.service import SearchEngine


def _generation(toolkit: Toolkit, path: Path) -> tuple[Path, object]:
    build(toolkit, path)
    generation = current_generation(path)
    assert generation is not None
    pool = SearcherPool(path)
    analyzer = pool.searcher().schema[TITLE].analyzer
    pool.close()
    return generation, analyzer


def test_seeded_words_equal_a_fresh_analysis(bundled_toolkit: Toolkit, tmp_path: Path) -> None:
    generation, analyzer = _generation(bundled_toolkit, tmp_path)
    assert (generation / WORDS_FILE).stat().st_size > 1000
    additions = _additions_of(analyzer)  # type: ignore[arg-type]
    analysis._analysed.clear()
    seeded = load_words(generation, analyzer)
    assert seeded > 1000  # the bundled cards have thousands of distinct words
    table = analysis._analysed[additions]  # type: ignore[index]
    for text, found in list(table.items())[::7]:
        assert found == _analyse_uncached(text, additions), text  # type: ignore[arg-type]
    assert "kitapersonal" in table or any(k.startswith("kita") for k in table)


def test_words_of_other_code_or_vocabulary_or_a_damaged_file_are_not_used(
    bundled_toolkit: Toolkit, tmp_path: Path
) -> None:
    generation, analyzer = _generation(bundled_toolkit, tmp_path)
    meta_file = generation / "meta.json"
    meta = json.loads(meta_file.read_text(encoding="utf-8"))

    analysis._analysed.clear()
    meta_file.write_text(json.dumps(dict(meta, vocabulary="anders")), encoding="utf-8")
    assert load_words(generation, analyzer) == 0
    meta_file.write_text(json.dumps(meta), encoding="utf-8")

    words = generation / WORDS_FILE
    words.write_bytes(words.read_bytes()[:100])  # cut off
    assert load_words(generation, analyzer) == 0
    words.write_bytes(b"\x00garbage")
    assert load_words(generation, analyzer) == 0
    words.unlink()
    assert load_words(generation, analyzer) == 0

    # and the search works as before, analysing its words itself
    pool = SearcherPool(tmp_path)
    result = SearchEngine(pool).search(parse_search_args({"q": ["kita personal"]}))
    assert result.total > 0 and "<mark" in "".join(h.snippet for h in result.hits)
    pool.close()
