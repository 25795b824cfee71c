"""What the index run prepares for a fresh server's first search: the analysed synonym table
(``synonyms.pickle``).

What a user would notice if this went wrong: synonyms that were changed but still expand as
before. So: the file equals what a server computes itself, and a file of other synonyms or of
other code is never used (damaged ones neither).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from zwk_kb.analysis import synonyms as analysis
from zwk_kb.analysis.synonyms import SynonymTable
from zwk_kb.model import Toolkit
from zwk_kb.search.index import (
    SYNONYMS_FILE,
    SearcherPool,
    build,
    current_generation,
    read_synonyms,
)
from zwk_kb.search.request import parse_search_args
from zwk_kb.search.service import SearchEngine


def _generation(path: Path) -> Path:
    generation = current_generation(path)
    assert generation is not None
    return generation


def test_prepared_synonyms_equal_a_fresh_table(bundled_toolkit: Toolkit, tmp_path: Path) -> None:
    build(bundled_toolkit, tmp_path)
    extra = bundled_toolkit.vocabulary.synonyms
    table = read_synonyms(_generation(tmp_path), extra)
    assert table is not None
    fresh = SynonymTable.load(extra)
    assert table.groups == fresh.groups and len(table) > 100
    for query in ("Kita Personal", "Senioren im ländlichen Raum", "Bürgerbus", "Dorfladen"):
        assert table.expansions(query) == fresh.expansions(query)


def test_changed_synonyms_take_effect(
    bundled_toolkit: Toolkit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index was built with one synonym list; the program then ships another (or the
    toolkit's groups differ): the prepared table is not used, the new groups count."""
    build(bundled_toolkit, tmp_path / "index")
    generation = _generation(tmp_path / "index")
    extra = bundled_toolkit.vocabulary.synonyms
    assert read_synonyms(generation, extra) is not None
    assert read_synonyms(generation, [*extra, ["Zauberwort", "Dorfladen"]]) is None

    def search(q: str) -> tuple[int, list[str]]:
        pool = SearcherPool(tmp_path / "index")
        result = SearchEngine(pool, extra).search(parse_search_args({"q": [q]}))
        pool.close()
        return result.total, [r for hit in result.hits for r in hit.reasons]

    assert search("Zauberwort")[0] == 0
    shipped = tmp_path / "synonyms_de.txt"
    text = analysis.SYNONYMS_PATH.read_text(encoding="utf-8")
    shipped.write_text(text + "\nZauberwort; Dorfladen\n", encoding="utf-8")
    monkeypatch.setattr(analysis, "SYNONYMS_PATH", shipped)
    assert read_synonyms(generation, extra) is None
    total, reasons = search("Zauberwort")
    assert total > 0
    assert "Ähnliches Wort: „Zauberwort“ → „Dorfladen“" in reasons


def test_damaged_synonym_file_is_not_used(bundled_toolkit: Toolkit, tmp_path: Path) -> None:
    build(bundled_toolkit, tmp_path)
    generation = _generation(tmp_path)
    extra = bundled_toolkit.vocabulary.synonyms
    path = generation / SYNONYMS_FILE
    path.write_bytes(path.read_bytes()[:200])
    assert read_synonyms(generation, extra) is None
    path.write_bytes(b"\x00garbage")
    assert read_synonyms(generation, extra) is None
    path.unlink()
    assert read_synonyms(generation, extra) is None
