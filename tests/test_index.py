"""Loading a toolkit folder and the index lifecycle: build, update, staleness, locking."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from conftest import BROKEN_CARD_SLUG, BROKEN_TOPIC, FIXTURE_CARDS, write_card
from zwk_kb.errors import IndexBusy, IndexMissing, ToolkitError
from zwk_kb.model import Toolkit
from zwk_kb.search.index import (
    CURRENT_FILE,
    KEEP_GENERATIONS,
    SearcherPool,
    build,
    current_generation,
    is_stale,
    known_files,
    open_index,
    update,
    write_lock,
)
from zwk_kb.search.request import SearchRequest
from zwk_kb.search.service import SearchEngine
from zwk_kb.toolkit import iter_card_paths, load_toolkit


def slugs_found(index_dir: Path, q: str = "") -> list[str]:
    pool = SearcherPool(index_dir)
    try:
        result = SearchEngine(pool).search(SearchRequest(q=q, per_page=50))
        return [hit.slug for hit in result.hits]
    finally:
        pool.close()


def test_valid_cards_are_loaded_and_other_files_are_not_cards(toolkit: Toolkit) -> None:
    assert {card.slug for card in toolkit.cards} == set(FIXTURE_CARDS)


def test_invalid_card_is_skipped_with_file_and_reason(
    toolkit_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        loaded = load_toolkit(toolkit_dir)
    assert BROKEN_CARD_SLUG not in {card.slug for card in loaded.cards}
    [problem] = loaded.errors
    assert problem.path.endswith(f"{BROKEN_CARD_SLUG}.md")
    assert BROKEN_TOPIC in problem.message
    logged = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)
    assert f"{BROKEN_CARD_SLUG}.md" in logged and BROKEN_TOPIC in logged


def test_build_indexes_every_valid_card(toolkit: Toolkit, index_dir: Path) -> None:
    with open_index(index_dir).searcher() as searcher:
        assert searcher.doc_count() == len(FIXTURE_CARDS)
    assert sorted(slugs_found(index_dir)) == sorted(FIXTURE_CARDS)


def test_bundled_toolkit_is_valid_and_fully_indexed(
    bundled_toolkit: Toolkit, bundled_settings
) -> None:
    assert not bundled_toolkit.errors, [p.format() for p in bundled_toolkit.errors]
    assert len(bundled_toolkit.cards) >= 30
    communes = {c for card in bundled_toolkit.cards for c in card.communes}
    vocabulary = bundled_toolkit.vocabulary
    assert len(communes) >= 15
    assert len({vocabulary.communes[c].state for c in communes}) >= 6
    assert len({vocabulary.communes[c].cluster for c in communes}) >= 3
    assert {t for card in bundled_toolkit.cards for t in card.topics} == set(vocabulary.topics)
    assert len(slugs_found(bundled_settings.index)) == min(50, len(bundled_toolkit.cards))


def test_missing_folder_and_missing_vocabulary_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ToolkitError, match="gibt es nicht"):
        load_toolkit(tmp_path / "fehlt")
    with pytest.raises(ToolkitError, match=r"_vocabulary\.yml"):
        load_toolkit(tmp_path)


def test_opening_an_empty_index_folder_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(IndexMissing, match="zwk-kb index"):
        open_index(tmp_path)


def test_update_writes_only_changes_and_never_duplicates(
    fresh_toolkit_dir: Path, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    first = update(load_toolkit(fresh_toolkit_dir), index_dir)
    assert first.rebuilt and first.total == len(FIXTURE_CARDS)

    unchanged = update(load_toolkit(fresh_toolkit_dir), index_dir)
    assert (unchanged.count, unchanged.rebuilt) == (0, False)

    meta = dict(FIXTURE_CARDS["sprachcafe"]["meta"], title="Sprachcafé Kartoffelsalat")
    write_card(fresh_toolkit_dir, "sprachcafe", meta, FIXTURE_CARDS["sprachcafe"]["body"])
    (fresh_toolkit_dir / "wohnen-fuer-hilfe.md").unlink()
    write_card(
        fresh_toolkit_dir, "neue-karte", FIXTURE_CARDS["sprachcafe"]["meta"], "## A\n\nB\n\n## C\n"
    )
    changes = update(load_toolkit(fresh_toolkit_dir), index_dir)
    assert changes.changed == ("sprachcafe",)
    assert changes.removed == ("wohnen-fuer-hilfe",)
    assert changes.added == ("neue-karte",)
    assert slugs_found(index_dir, "Kartoffelsalat") == ["sprachcafe"]
    found = slugs_found(index_dir)
    assert len(found) == len(set(found)) == len(FIXTURE_CARDS)
    assert "wohnen-fuer-hilfe" not in found


def test_a_running_searcher_pool_sees_updates_without_duplicates(
    fresh_toolkit_dir: Path, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    build(load_toolkit(fresh_toolkit_dir), index_dir)
    pool = SearcherPool(index_dir)
    engine = SearchEngine(pool)
    assert engine.search(SearchRequest(q="Kartoffelsalat")).total == 0
    meta = dict(FIXTURE_CARDS["sprachcafe"]["meta"], title="Sprachcafé Kartoffelsalat")
    write_card(fresh_toolkit_dir, "sprachcafe", meta, FIXTURE_CARDS["sprachcafe"]["body"])
    update(load_toolkit(fresh_toolkit_dir), index_dir)
    result = engine.search(SearchRequest(q="Kartoffelsalat"))
    assert [h.slug for h in result.hits] == ["sprachcafe"]
    assert engine.search(SearchRequest(per_page=50)).total == len(FIXTURE_CARDS)
    pool.close()


def test_rebuild_switches_generation_and_keeps_few(toolkit: Toolkit, tmp_path: Path) -> None:
    for _ in range(KEEP_GENERATIONS + 2):
        build(toolkit, tmp_path)
    generations = [p for p in tmp_path.iterdir() if p.name.startswith("gen-")]
    assert len(generations) == KEEP_GENERATIONS
    current = (tmp_path / CURRENT_FILE).read_text(encoding="utf-8")
    assert current in {p.name for p in generations}
    assert len(slugs_found(tmp_path)) == len(FIXTURE_CARDS)


def test_second_writer_gets_a_clear_busy_error(toolkit: Toolkit, tmp_path: Path) -> None:
    build(toolkit, tmp_path)
    with write_lock(tmp_path), pytest.raises(IndexBusy, match="gerade"):
        build(toolkit, tmp_path, lock_timeout=0.2)
    assert len(slugs_found(tmp_path)) == len(FIXTURE_CARDS)  # the old index is still served


def _touch(path: Path, seconds: float = -100.0) -> None:
    """Give a file another time stamp without changing it (git checkout, copy, ``touch``)."""
    when = path.stat().st_mtime_ns + int(seconds * 1e9)
    os.utime(path, ns=(when, when), follow_symlinks=False)


def test_is_stale_drives_serve_rebuilds(fresh_toolkit_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    for path in fresh_toolkit_dir.glob("*"):
        _touch(path)  # written a while ago (files written just now are compared by content)
    assert is_stale(fresh_toolkit_dir, index_dir)  # no index yet
    update(load_toolkit(fresh_toolkit_dir), index_dir)
    assert not is_stale(fresh_toolkit_dir, index_dir)

    _touch(fresh_toolkit_dir / "sprachcafe.md", 50.0)
    assert is_stale(fresh_toolkit_dir, index_dir)
    changes = update(load_toolkit(fresh_toolkit_dir), index_dir)
    assert changes.count == 0
    # cards touched but unchanged (git checkout, copy): one check, not one at every start
    assert not is_stale(fresh_toolkit_dir, index_dir)

    (fresh_toolkit_dir / "sprachcafe.md").unlink()
    assert is_stale(fresh_toolkit_dir, index_dir)
    assert update(load_toolkit(fresh_toolkit_dir), index_dir).removed == ("sprachcafe",)
    assert not is_stale(fresh_toolkit_dir, index_dir)


def test_an_edited_collection_makes_the_index_stale(
    fresh_toolkit_dir: Path, tmp_path: Path
) -> None:
    (fresh_toolkit_dir / "_collections").mkdir()
    collection = fresh_toolkit_dir / "_collections" / "treffen.yml"
    collection.write_text("title: Treffen\nintro: Kurz.\ncards: [sprachcafe]\n", encoding="utf-8")
    index_dir = tmp_path / "index"
    update(load_toolkit(fresh_toolkit_dir), index_dir)
    assert not is_stale(fresh_toolkit_dir, index_dir)
    collection.write_text("title: Treffen 2\nintro: Kurz.\ncards: [sprachcafe]\n", encoding="utf-8")
    assert is_stale(fresh_toolkit_dir, index_dir)
    update(load_toolkit(fresh_toolkit_dir, known=known_files(index_dir)), index_dir)
    assert not is_stale(fresh_toolkit_dir, index_dir)
    generation = current_generation(index_dir)
    assert generation is not None
    assert "Treffen 2" in (generation / "collections.json").read_text(encoding="utf-8")


# ---- index runs read only what changed ---------------------------------------------------------


@pytest.fixture
def parsed_files(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the card files parsed from now on (by any load in this process)."""
    from zwk_kb import toolkit as module

    parsed: list[str] = []
    real = module.check_card_file

    def check_card_file(path: Path, *args: object, **kwargs: object) -> object:
        parsed.append(path.name)
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "check_card_file", check_card_file)
    return parsed


def _cli(*args: str) -> str:
    from click.testing import CliRunner

    from zwk_kb.cli import main

    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_index_after_one_edit_parses_only_that_card(
    fresh_toolkit_dir: Path, tmp_path: Path, parsed_files: list[str]
) -> None:
    for path in fresh_toolkit_dir.glob("*"):
        _touch(path)
    where = ("--toolkit", str(fresh_toolkit_dir), "--index", str(tmp_path / "index"))
    _cli("index", *where)
    assert len(parsed_files) == len(list(iter_card_paths(fresh_toolkit_dir)))
    meta = dict(FIXTURE_CARDS["sprachcafe"]["meta"], title="Sprachcafé Kartoffelsalat")
    write_card(fresh_toolkit_dir, "sprachcafe", meta, FIXTURE_CARDS["sprachcafe"]["body"])
    parsed_files.clear()
    output = _cli("index", *where)
    assert parsed_files == ["sprachcafe.md"]
    assert "0 neu, 1 geändert, 0 entfernt, 1 Fehler" in output
    assert f"{BROKEN_CARD_SLUG}.md:" in output  # the unchanged broken card is still reported
    assert slugs_found(tmp_path / "index", "Kartoffelsalat") == ["sprachcafe"]


def test_cli_search_with_toolkit_parses_nothing_when_nothing_changed(
    fresh_toolkit_dir: Path, tmp_path: Path, parsed_files: list[str]
) -> None:
    for path in fresh_toolkit_dir.glob("*"):
        _touch(path)
    where = ("--toolkit", str(fresh_toolkit_dir), "--index", str(tmp_path / "index"))
    _cli("index", *where)
    parsed_files.clear()
    assert "0 Treffer" in _cli("search", *where, "Kartoffelsalat")
    assert parsed_files == []
    meta = dict(FIXTURE_CARDS["sprachcafe"]["meta"], title="Sprachcafé Kartoffelsalat")
    write_card(fresh_toolkit_dir, "sprachcafe", meta, FIXTURE_CARDS["sprachcafe"]["body"])
    assert "[sprachcafe]" in _cli("search", *where, "Kartoffelsalat")
    assert parsed_files == ["sprachcafe.md"]


def test_an_incremental_load_still_rebuilds_everything_when_the_code_changed(
    fresh_toolkit_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zwk_kb.search import index as zindex

    index_dir = tmp_path / "index"
    build(load_toolkit(fresh_toolkit_dir), index_dir)
    partial = load_toolkit(fresh_toolkit_dir, known=known_files(index_dir))
    assert not partial.complete and partial.cards == ()
    monkeypatch.setattr(zindex, "code_fingerprint", lambda: "neuer-code")
    changes = update(partial, index_dir)
    assert changes.rebuilt and changes.total == len(FIXTURE_CARDS)
    assert sorted(slugs_found(index_dir)) == sorted(FIXTURE_CARDS)


def test_a_card_freed_from_an_alias_conflict_is_indexed_though_its_file_is_unchanged(
    fresh_toolkit_dir: Path, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    card = FIXTURE_CARDS["sprachcafe"]
    write_card(fresh_toolkit_dir, "a-karte", dict(card["meta"], aliases=["alt"]), card["body"])
    write_card(fresh_toolkit_dir, "b-karte", dict(card["meta"], aliases=["alt"]), card["body"])
    update(load_toolkit(fresh_toolkit_dir), index_dir)
    assert "b-karte" not in slugs_found(index_dir)
    write_card(fresh_toolkit_dir, "a-karte", card["meta"], card["body"])
    changes = update(load_toolkit(fresh_toolkit_dir, known=known_files(index_dir)), index_dir)
    assert changes.added == ("b-karte",) and changes.changed == ("a-karte",)
    assert {"a-karte", "b-karte"} <= set(slugs_found(index_dir))
