"""The seeded card generator: valid cards per the contract, realistic German, deterministic."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from zwk_kb.devtools.generate import (
    MAX_WORDS,
    MIN_WORDS,
    N_COMMUNES,
    add_cards,
    change_card,
    main,
    make_communes,
    write_toolkit,
)
from zwk_kb.toolkit import load_toolkit


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("gen") / "toolkit"
    write_toolkit(folder, 60)
    return folder


def test_every_generated_card_is_valid_against_the_written_vocabulary(generated: Path) -> None:
    toolkit = load_toolkit(generated)
    assert len(toolkit.cards) == 60
    assert not toolkit.errors, [p.format() for p in toolkit.errors[:3]]


def test_bodies_have_300_to_1500_words_of_german_municipal_text(generated: Path) -> None:
    toolkit = load_toolkit(generated)
    lengths = [len(card.body.split()) for card in toolkit.cards]
    assert min(lengths) >= MIN_WORDS * 0.9 and max(lengths) <= MAX_WORDS * 1.15
    text = " ".join(card.body for card in toolkit.cards)
    assert re.search(r"\w+:innen", text) and re.search(r"\w+\*innen", text)  # gendered forms
    assert "ß" in text and re.search(r"[äöüÄÖÜ]", text)
    assert re.search(r"\b(Dorf|Bürger|Senioren|Nachbarschafts)\w{4,}", text)  # compounds
    assert all(card.body.count("\n## ") >= 3 for card in toolkit.cards)


def test_communes_cover_16_states_and_4_clusters() -> None:
    communes = make_communes()
    assert len(communes) == N_COMMUNES
    assert len({state for state, _, _ in communes.values()}) == 16
    assert {cluster for _, cluster, _ in communes.values()} == {"Nord", "Ost", "Süd", "West"}
    assert {"Gemeinde", "Stadt", "Landkreis"} <= {kind for _, _, kind in communes.values()}


def test_same_seed_same_cards_and_smaller_toolkits_are_prefixes(tmp_path: Path) -> None:
    a = write_toolkit(tmp_path / "a", 30, seed=7, words=(40, 80))
    b = write_toolkit(tmp_path / "b", 45, seed=7, words=(40, 80))
    c = write_toolkit(tmp_path / "c", 30, seed=8, words=(40, 80))
    assert b.slugs[:30] == a.slugs
    for slug in a.slugs:
        assert (tmp_path / "a" / f"{slug}.md").read_bytes() == (
            tmp_path / "b" / f"{slug}.md"
        ).read_bytes()
    assert set(a.slugs) != set(c.slugs)
    assert len(set(b.slugs)) == 45


def test_change_and_add_cards_keep_the_toolkit_valid(tmp_path: Path) -> None:
    generated = write_toolkit(tmp_path / "t", 10, words=(40, 80))
    before = {c.slug: c.stamp for c in load_toolkit(tmp_path / "t").cards}
    change_card(tmp_path / "t" / f"{generated.slugs[0]}.md", "Neu: Lastenradverleih.")
    added = add_cards(tmp_path / "t", 10, 3, words=(40, 80))
    after = load_toolkit(tmp_path / "t")
    assert not after.errors and len(after.cards) == 13
    stamps = {c.slug: c.stamp for c in after.cards}
    assert stamps[generated.slugs[0]] != before[generated.slugs[0]]
    assert set(added) <= set(stamps)


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["5", str(tmp_path / "cli"), "--seed", "3", "--words", "40", "60"]) == 0
    assert len(list((tmp_path / "cli").glob("*.md"))) == 5
    assert "5 Karten" in capsys.readouterr().err
