"""The index run keeps the analysis word list grouped by first letters (``lexicon.marshal``);
a fresh server unpacks only the groups its first searches need.

What a user would notice if this went wrong: other compound splits than the index was built
with (cards not found). So: every word has the same frequency as in the shipped list, and a
file made from another word list is not used.
"""

from __future__ import annotations

import json
import marshal
import subprocess
import sys
from pathlib import Path

from zwk_kb.model import Toolkit
from zwk_kb.search.index import LEXICON_FILE, build, current_generation


def _fresh_process(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout


def test_grouped_word_list_equals_the_shipped_one(bundled_toolkit: Toolkit, tmp_path: Path) -> None:
    build(bundled_toolkit, tmp_path)
    generation = current_generation(tmp_path)
    assert generation is not None
    code = (
        "import json, sys; from pathlib import Path; from zwk_kb.analysis import lexicon as a; "
        "from zwk_kb.search.index import load_lexicon; "
        f"adopted = load_lexicon(Path({str(generation)!r})); "
        "lazy = a.lexicon(); full = a._load_lexicon(); "
        "probe = list(full)[::97] + ['dorf', 'laden', 'xyzzy', 'ab', 'q']; "
        "same = all(lazy.get(w, 0.0) == full.get(w, 0.0) for w in probe); "
        "print(json.dumps([adopted, type(lazy).__name__, len(lazy) == len(full), same]))"
    )
    adopted, kind, same_size, same = json.loads(_fresh_process(code))
    assert adopted and kind == "_Lexicon" and same_size and same


def test_grouped_word_list_of_another_word_list_is_not_used(
    bundled_toolkit: Toolkit, tmp_path: Path
) -> None:
    build(bundled_toolkit, tmp_path)
    generation = current_generation(tmp_path)
    assert generation is not None
    data = (generation / LEXICON_FILE).read_bytes()
    form, _, size, groups = marshal.loads(data)
    other = marshal.dumps((form, "another word list", size, groups))
    (generation / LEXICON_FILE).write_bytes(other)
    code = (
        "from pathlib import Path; from zwk_kb.analysis import lexicon as a; "
        "from zwk_kb.search.index import load_lexicon; "
        f"print(load_lexicon(Path({str(generation)!r})), type(a.lexicon()).__name__)"
    )
    assert _fresh_process(code).split() == ["False", "dict"]
    (generation / LEXICON_FILE).write_bytes(b"\x00garbage")
    assert _fresh_process(code).split() == ["False", "dict"]
