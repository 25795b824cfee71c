"""The German analysis: how a word of a card or a query becomes index terms.

``folding`` (case, umlauts typed as ae/oe/ue/ss, gender forms) is pure and used by card reading
too; ``pipeline`` holds the lexicon, compounds, synonyms and the Whoosh analyzers built from them.

Rule of this folder: one per-token definition of the analysis; everything else is derived from it.
No Flask, no index on disk.

Indexes written by older versions pickled their analyzers under ``zwk_kb.analysis.<Name>``; the
module attribute hook below keeps that path importable without loading Whoosh for callers that
only need ``folding``.
"""

from __future__ import annotations

import importlib
from typing import Any


def __getattr__(name: str) -> Any:
    if name.startswith("_") or name in {"pipeline", "folding"}:
        raise AttributeError(f"module 'zwk_kb.analysis' has no attribute {name!r}")
    pipeline = importlib.import_module("zwk_kb.analysis.pipeline")
    try:
        return getattr(pipeline, name)
    except AttributeError:
        raise AttributeError(f"module 'zwk_kb.analysis' has no attribute {name!r}") from None
