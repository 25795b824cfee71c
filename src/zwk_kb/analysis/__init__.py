"""The German analysis: how a word of a card or a query becomes index terms.

By concern: ``folding`` (case, umlauts typed as ae/oe/ue/ss, the token pattern, gender forms;
pure, read by card parsing too), ``lexicon`` (stop words, the shipped frequency list),
``compounds`` (the splitter), ``terms`` (the one definition of what a token becomes),
``synonyms`` (the synonym table) and ``pipeline`` (the Whoosh filters and analyzers derived
from ``terms``). No Flask, no index on disk.

Indexes written by older versions pickled their analyzers under ``zwk_kb.analysis.<Name>``; the
module attribute hook below keeps that path importable without loading Whoosh for callers that
only need ``folding``.
"""

from __future__ import annotations

import importlib
from typing import Any

_PICKLED_PRIVATE = {"_interned": "compounds"}
"""Private names an older index's pickle refers to under this package."""


def __getattr__(name: str) -> Any:
    module = _PICKLED_PRIVATE.get(name, "pipeline")
    if (name.startswith("_") and name not in _PICKLED_PRIVATE) or name in {"pipeline", "folding"}:
        raise AttributeError(f"module 'zwk_kb.analysis' has no attribute {name!r}")
    found = importlib.import_module(f"zwk_kb.analysis.{module}")
    try:
        return getattr(found, name)
    except AttributeError:
        raise AttributeError(f"module 'zwk_kb.analysis' has no attribute {name!r}") from None
