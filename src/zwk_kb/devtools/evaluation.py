"""The relevance benchmark: judged queries over a toolkit, scored for zwk-kb and plain Whoosh.

Metrics per query: reciprocal rank of the first result graded ≥ 2, nDCG@10 with gains
2^grade − 1, and recall@10 of everything graded ≥ 1. Queries of class "no-result" score 1 on
all three when the first page is empty and 0 otherwise.
"""

from __future__ import annotations

import math
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from zwk_kb.devtools.baseline import baseline_search, build_baseline
from zwk_kb.model import Toolkit
from zwk_kb.search.index import SearcherPool, build
from zwk_kb.search.request import parse_search_args
from zwk_kb.search.service import SearchEngine

K = 10
NO_RESULT = "no-result"


@dataclass(frozen=True, slots=True)
class Judgment:
    query: str
    cls: str
    relevant: dict[str, int]
    filters: dict[str, list[str]]


@dataclass(frozen=True, slots=True)
class Scores:
    mrr: float
    ndcg: float
    recall: float
    n: int


def load_judgments(path: Path) -> list[Judgment]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [
        Judgment(
            query=str(item.get("q") or ""),
            cls=str(item["class"]),
            relevant={str(k): int(v) for k, v in (item.get("relevant") or {}).items()},
            filters={str(k): [str(x) for x in v] for k, v in (item.get("filters") or {}).items()},
        )
        for item in data
    ]


def score_ranking(ranking: Sequence[str], judgment: Judgment) -> tuple[float, float, float]:
    """(reciprocal rank, nDCG@10, recall@10) of one ranking."""
    top = list(ranking[:K])
    if judgment.cls == NO_RESULT or not judgment.relevant:
        ok = 1.0 if not top else 0.0
        return ok, ok, ok
    rr = next(
        (1.0 / (i + 1) for i, slug in enumerate(top) if judgment.relevant.get(slug, 0) >= 2), 0.0
    )
    dcg = sum((2 ** judgment.relevant.get(s, 0) - 1) / math.log2(i + 2) for i, s in enumerate(top))
    ideal = sorted(judgment.relevant.values(), reverse=True)[:K]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    found = sum(1 for s in top if judgment.relevant.get(s, 0) >= 1)
    return rr, (dcg / idcg if idcg else 0.0), found / len(judgment.relevant)


def aggregate(rows: list[tuple[Judgment, tuple[float, float, float]]]) -> dict[str, Scores]:
    """Mean scores per class and overall ("alle")."""
    groups: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for judgment, scores in rows:
        groups[judgment.cls].append(scores)
        groups["alle"].append(scores)
    return {
        cls: Scores(
            mrr=sum(s[0] for s in values) / len(values),
            ndcg=sum(s[1] for s in values) / len(values),
            recall=sum(s[2] for s in values) / len(values),
            n=len(values),
        )
        for cls, values in groups.items()
    }


@dataclass(frozen=True, slots=True)
class Evaluation:
    ours: dict[str, Scores]
    baseline: dict[str, Scores]
    misses: list[tuple[str, str, list[str]]]
    """(class, query, our top 3) for queries whose MRR is below 1."""


def evaluate(toolkit: Toolkit, judgments: list[Judgment]) -> Evaluation:
    """Build both indexes in a temporary folder and score every judged query."""
    with tempfile.TemporaryDirectory(prefix="zwk-eval-") as tmp:
        index_dir = Path(tmp) / "ours"
        build(toolkit, index_dir)
        pool = SearcherPool(index_dir)
        engine = SearchEngine(pool, toolkit.vocabulary.synonyms)
        base_ix = build_baseline(toolkit, Path(tmp) / "plain")

        def ours(j: Judgment) -> list[str]:
            args = {"q": [j.query], **j.filters, "per_page": [str(K)]}
            return [h.slug for h in engine.search(parse_search_args(args)).hits]

        def plain(j: Judgment) -> list[str]:
            return baseline_search(base_ix, j.query, j.filters, K)

        ours_rows = _run(judgments, ours)
        base_rows = _run(judgments, plain)
        pool.close()
        base_ix.close()
    misses = [
        (j.cls, j.query or str(j.filters), ranking[:3])
        for j, scores, ranking in ours_rows
        if scores[0] < 1.0
    ]
    return Evaluation(
        aggregate([(j, s) for j, s, _ in ours_rows]),
        aggregate([(j, s) for j, s, _ in base_rows]),
        misses,
    )


def _run(
    judgments: list[Judgment], search: Callable[[Judgment], list[str]]
) -> list[tuple[Judgment, tuple[float, float, float], list[str]]]:
    rows = []
    for j in judgments:
        ranking = search(j)
        rows.append((j, score_ranking(ranking, j), ranking))
    return rows


def format_table(evaluation: Evaluation) -> str:
    """The benchmark table: our figures beside plain Whoosh's, overall and per class."""
    lines = [
        f"{'Klasse':<24} {'n':>3}   {'MRR':>5} {'nDCG@10':>7} {'R@10':>5}   |  "
        f"{'MRR':>5} {'nDCG@10':>7} {'R@10':>5}  (Whoosh pur)",
        "-" * 92,
    ]
    order = ["alle", *sorted(k for k in evaluation.ours if k != "alle")]
    for cls in order:
        o, b = evaluation.ours[cls], evaluation.baseline[cls]
        lines.append(
            f"{cls:<24} {o.n:>3}   {o.mrr:>5.3f} {o.ndcg:>7.3f} {o.recall:>5.3f}   |  "
            f"{b.mrr:>5.3f} {b.ndcg:>7.3f} {b.recall:>5.3f}"
        )
    return "\n".join(lines)
