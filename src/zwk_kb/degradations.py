"""Counts the steps of a search that failed while the answer was still given without them.

Why: a search step that breaks (scoring, snippets, synonyms …) must not turn into a 500 page,
but it must not vanish either, or a broken internal looks like "no results". Each failure is
counted under the name of its step (``/healthz`` reports the counts of this process) and logged
once per cause: the step, the exception's type and where it was raised. The exception's message
is never logged, because it may contain the query text, which can be personal.
"""

from __future__ import annotations

import logging
import os
import threading
import traceback
from collections import Counter

log = logging.getLogger(__name__)

MAX_CAUSES_LOGGED = 1000
"""Distinct causes remembered as logged; beyond that, failures are only counted."""

_counts: Counter[str] = Counter()
_logged: set[tuple[str, str, str]] = set()
_lock = threading.Lock()


def record(step: str, exc: BaseException) -> None:
    """Count one failure of ``step``; log it the first time this cause occurs."""
    cause = (step, type(exc).__name__, where(exc))
    with _lock:
        _counts[step] += 1
        first = cause not in _logged and len(_logged) < MAX_CAUSES_LOGGED
        if first:
            _logged.add(cause)
    if first:
        log.error(
            "Suche eingeschränkt: Schritt „%s“ fehlgeschlagen (%s in %s); "
            "weitere Fehler dieser Art werden nur gezählt (/healthz)",
            *cause,
        )


def where(exc: BaseException) -> str:
    """``file.py:line (function)`` of the innermost frame of the exception's traceback."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    frame = frames[-1]
    return f"{os.path.basename(frame.filename)}:{frame.lineno} ({frame.name})"


def counts() -> dict[str, int]:
    """Failures per step since the process started (a copy)."""
    with _lock:
        return dict(_counts)


def total() -> int:
    """All failures since the process started."""
    with _lock:
        return sum(_counts.values())
