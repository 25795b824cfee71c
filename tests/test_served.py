"""The engine a server uses while index runs change its index folder."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from zwk_kb.model import Toolkit
from zwk_kb.search.index import build, update
from zwk_kb.search.request import SearchRequest
from zwk_kb.search.served import ServedIndex


def test_a_rebuild_brings_its_synonyms_an_update_its_cards(
    toolkit: Toolkit, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    build(toolkit, index_dir)
    served = ServedIndex(index_dir)
    engine = served.engine()
    first = served.state()
    assert first.generation.startswith("gen-")
    assert engine.search(SearchRequest(q="zauberwortxyz")).total == 0

    # a full rebuild with a new synonym group: a new engine that knows it
    card = toolkit.cards[0]
    word = card.title.split()[0]
    vocabulary = dataclasses.replace(
        toolkit.vocabulary, synonyms=(*toolkit.vocabulary.synonyms, ("zauberwortxyz", word))
    )
    build(dataclasses.replace(toolkit, vocabulary=vocabulary), index_dir)
    rebuilt = served.engine()
    assert rebuilt is not engine
    rebuilt_state = served.state()
    assert rebuilt_state.generation != first.generation
    found = rebuilt.search(SearchRequest(q="zauberwortxyz"))
    assert card.slug in {hit.slug for hit in found.hits}

    # an incremental update: the same engine, a new commit, the card gone
    rest = dataclasses.replace(toolkit, cards=toolkit.cards[1:], vocabulary=vocabulary)
    update(rest, index_dir)
    assert served.engine() is rebuilt
    assert served.state().generation == rebuilt_state.generation
    assert served.state().commit > rebuilt_state.commit
    assert served.engine().card(card.slug) is None
    served.close()
