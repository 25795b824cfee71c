"""Every use of a Whoosh internal in the package is inside ``engine/`` and listed, with its reason
and the test that guards it, in ``engine/README.md``.

Whoosh internals (underscore names, classes of its codec and writer machinery) change without
notice between forks and releases; a use nobody wrote down is the one that breaks an upgrade
silently. The scan reads the source with ``ast`` (nothing is imported) and takes the private
names Whoosh itself defines from Whoosh's installed source, so a private name of ours that Whoosh
does not have is never mistaken for one of Whoosh's.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import whoosh

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "zwk_kb"
ENGINE = PACKAGE / "engine"
README = ENGINE / "README.md"
README_SECTION = "## Whoosh internals used here"
WHOOSH = Path(whoosh.__file__).resolve().parent

MAX_PRIVATE_NAMES = 15
"""The most distinct Whoosh internals the whole package may use."""

# Whoosh classes that are machinery, not API: the codec's writers and readers, the writer's
# postings pool, the per-segment writer and reader (public API is ``ix.writer()``/``ix.reader()``)
INTERNAL_MODULES = ("whoosh.codec", "whoosh.filedb.structfile", "whoosh.filedb.compound")
INTERNAL_CLASSES = {
    "whoosh.writing": {"PostingPool", "SegmentWriter"},
    "whoosh.reading": {"SegmentReader"},
}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _defined_private_names(root: Path) -> set[str]:
    """Private names a source tree defines: functions, classes, parameters, attributes
    assigned (``self._x = …``) and module or class level names."""
    names: set[str] = set()
    for path in root.rglob("*.py"):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return {name for name in names if _private(name)}


@dataclass(frozen=True)
class Use:
    name: str
    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.path.relative_to(PACKAGE.parent)}:{self.line}: {self.name}"


def _module_aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> imported module, for ``import x`` / ``import x as y`` / ``from a import b``."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                aliases[(alias.asname or alias.name).split(".")[0]] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _root(node: ast.Attribute) -> str | None:
    """The name an attribute chain starts from (``self`` in ``self.a.b``), if a name."""
    base: ast.expr = node.value
    while isinstance(base, ast.Attribute):
        base = base.value
    return base.id if isinstance(base, ast.Name) else None


def _uses(path: Path, whoosh_private: set[str], own_private: set[str]) -> Iterator[Use]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases = _module_aliases(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("whoosh"):
            module = node.module or ""
            for alias in node.names:
                internal = (
                    _private(alias.name)
                    or module.startswith(INTERNAL_MODULES)
                    or alias.name in INTERNAL_CLASSES.get(module, ())
                )
                if internal:
                    yield Use(alias.name, path, node.lineno)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(INTERNAL_MODULES):
                    yield Use(alias.name, path, node.lineno)
        elif isinstance(node, ast.Attribute) and node.attr in whoosh_private:
            root = _root(node)
            module = aliases.get(root, "") if root else ""
            if module and not module.startswith("whoosh"):
                continue  # os._exit, sys._getframe, a name of one of our modules
            if root in ("self", "cls") and node.attr in own_private:
                continue  # our own attribute that Whoosh happens to use too
            yield Use(node.attr, path, node.lineno)
        elif isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg and keyword.arg in whoosh_private:
                    yield Use(keyword.arg, path, node.lineno)
            func = node.func
            is_getattr = isinstance(func, ast.Name) and func.id in ("getattr", "hasattr")
            if is_getattr and len(node.args) >= 2:
                name = node.args[1]
                if isinstance(name, ast.Constant) and name.value in whoosh_private:
                    yield Use(str(name.value), path, node.lineno)


def whoosh_internals() -> list[Use]:
    """Every use of a Whoosh internal in ``src/zwk_kb``."""
    whoosh_private = _defined_private_names(WHOOSH)
    own_private = _defined_private_names(PACKAGE)
    found: list[Use] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        found.extend(_uses(path, whoosh_private, own_private))
    return found


def _readme_names() -> set[str]:
    """The names in the first column of the README's table of internals (``name`` in
    backticks, in the section "Whoosh internals used here")."""
    text = README.read_text(encoding="utf-8")
    section = text.split(README_SECTION, 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\|\s*`([^`]+)`", section, flags=re.MULTILINE))


def test_whoosh_internals_are_used_only_inside_engine() -> None:
    outside = [str(use) for use in whoosh_internals() if ENGINE not in use.path.parents]
    assert outside == []


def test_every_whoosh_internal_in_engine_is_listed_in_its_readme() -> None:
    used = {use.name for use in whoosh_internals() if ENGINE in use.path.parents}
    listed = _readme_names()
    assert sorted(used - listed) == [], "in engine/, missing from engine/README.md"
    assert sorted(listed - used) == [], "in engine/README.md, no longer used"


def test_at_most_fifteen_private_whoosh_names_in_the_package() -> None:
    names = sorted({use.name for use in whoosh_internals()})
    assert len(names) <= MAX_PRIVATE_NAMES, names


def test_the_scan_finds_the_kinds_of_internals_it_looks_for(tmp_path: Path) -> None:
    """A source using each kind is reported; our own private names and the standard library's
    are not."""
    source = tmp_path / "probe.py"
    source.write_text(
        "import os\n"
        "from whoosh.codec.whoosh3 import W3Codec\n"
        "from whoosh.writing import PostingPool, IndexWriter\n"
        "class Ours:\n"
        "    def __init__(self):\n"
        "        self._lock = None\n"
        "    def go(self, reader, writer):\n"
        "        os._exit(0)\n"
        "        getattr(reader, '_codec', None)\n"
        "        writer._finalize_segment()\n"
        "        writer.commit(_lk=False)\n"
        "        return self._lock\n",
        encoding="utf-8",
    )
    whoosh_private = _defined_private_names(WHOOSH)
    own = _defined_private_names(tmp_path)
    found = sorted(use.name for use in _uses(source, whoosh_private, own))
    assert found == ["PostingPool", "W3Codec", "_codec", "_finalize_segment", "_lk"]


def test_every_test_the_readme_names_exists() -> None:
    """A guard that was renamed or removed guards nothing: each ``tests/x.py::name`` the README
    names is a test function of that file (``::name`` alone: of the file named before it)."""
    text = README.read_text(encoding="utf-8")
    missing = []
    current = ""
    for found in re.finditer(r"`(tests/[\w/]+\.py)?::(\w+)`|`(tests/[\w/]+\.py)`", text):
        path = found.group(1) or found.group(3)
        if path:
            current = path
        name = found.group(2)
        if not name:
            continue
        source = (PACKAGE.parent.parent / current).read_text(encoding="utf-8")
        if not re.search(rf"^def {name}\(", source, flags=re.MULTILINE):
            missing.append(f"{current}::{name}")
    assert missing == []
