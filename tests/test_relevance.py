"""Floors on the relevance benchmark (`zwk-kb eval`), so that search regressions fail CI.

The goals (MRR ≥ 0.90, nDCG@10 ≥ 0.85, no class below 0.75) live in the benchmark; these
floors sit a little below what was measured, on the bundled toolkit and on the held-out toolkit
whose cards and queries were written without looking at the search code.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from zwk_kb.devtools.evaluation import Evaluation, evaluate, format_table, load_judgments
from zwk_kb.toolkit import load_toolkit

ROOT = Path(__file__).resolve().parent.parent
SETS = {
    "bundled": (ROOT / "toolkit", ROOT / "relevance" / "judgments.yml"),
    "heldout": (ROOT / "relevance" / "heldout", ROOT / "relevance" / "heldout" / "judgments.yml"),
}
FLOORS = {"bundled": (0.95, 0.92, 0.75), "heldout": (0.85, 0.80, 0.60)}


@pytest.fixture(scope="module", params=sorted(SETS))
def measured(request: pytest.FixtureRequest) -> tuple[str, Evaluation]:
    toolkit_dir, judgments = SETS[request.param]
    result = evaluate(load_toolkit(toolkit_dir), load_judgments(judgments))
    print(f"\n{request.param}\n{format_table(result)}")
    return request.param, result


def test_overall_floor(measured: tuple[str, Evaluation]) -> None:
    name, result = measured
    mrr, ndcg, _ = FLOORS[name]
    assert result.ours["alle"].mrr >= mrr
    assert result.ours["alle"].ndcg >= ndcg


def test_no_class_below_floor(measured: tuple[str, Evaluation]) -> None:
    name, result = measured
    floor = FLOORS[name][2]
    low = {cls: round(s.ndcg, 3) for cls, s in result.ours.items() if s.ndcg < floor}
    assert not low, f"classes below {floor}: {low}"


def test_beats_plain_whoosh(measured: tuple[str, Evaluation]) -> None:
    _, result = measured
    assert result.ours["alle"].ndcg >= result.baseline["alle"].ndcg + 0.15
    assert result.ours["alle"].mrr >= result.baseline["alle"].mrr + 0.15


def test_judgments_cover_every_class() -> None:
    required = {
        "exact",
        "inflection",
        "compound part",
        "compound join",
        "umlaut transliteration",
        "typo",
        "synonym",
        "abbreviation",
        "multi-word",
        "phrase",
        "commune name",
        "facet-only",
        "no-result",
    }
    judgments = load_judgments(SETS["bundled"][1])
    assert len(judgments) >= 60
    assert {j.cls for j in judgments} == required
