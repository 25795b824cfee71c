"""The layer table of architecture.md, enforced on the source: data flows one way, and each
outside library lives behind the few modules named for it.

Reads every module of ``src/zwk_kb`` with ``ast`` (nothing is imported), so a violation is
reported with file and line.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "zwk_kb"

# Stages in order. A module may import modules of its own stage or of earlier stages, never of a
# later one. A subpackage is one unit (its modules import each other), except the few modules
# named in SPLIT_UNITS, which earlier stages use: ``analysis.folding`` is pure and read by the
# card parser, while the rest of ``analysis`` builds Whoosh analyzers.
STAGES: tuple[tuple[str, ...], ...] = (
    ("errors", "degradations", "model", "characters", "analysis.folding", "facets", "config"),
    (
        "yamlnodes",
        "fields",
        "vocabulary",
        "cards",
        "card_collections",
        "markdown",
        "toolkit",
        "checks",
        "authoring",
    ),
    ("analysis", "engine"),
    ("search",),
    # selection: the facilitator's selection in the URL, parsed like a search request
    ("selection",),
    ("outputs", "web", "devtools", "cli"),
)
SPLIT_UNITS = {"analysis.folding"}
ORDER: dict[str, int] = {name: n for n, stage in enumerate(STAGES) for name in stage}
TOP_LEVEL = {"__init__", "__main__"}  # __init__ imports nothing; __main__ only calls cli.main

# third-party import (top-level name) -> units or single modules ("search.facet_sets") allowed
# to import it
THIRD_PARTY: dict[str, set[str]] = {
    "flask": {"web"},
    # arrays of document numbers: scoring, the side files, the facet sets; no other module
    "numpy": {"engine", "search.facet_sets"},
    "werkzeug": {"web"},
    "jinja2": {"web"},
    "waitress": {"cli"},
    "gunicorn": {"web"},  # web/gunicorn_server.py, imported by cli only inside `serve`
    "click": {"cli"},
    "whoosh": {"analysis", "engine", "search", "devtools"},
    "Stemmer": {"analysis"},
    "wordfreq": {"analysis"},
    "frontmatter": {"cards"},
    "markdown_it": {"markdown"},
    "segno": {"outputs"},
    "pptx": {"outputs"},
    "fpdf": {"outputs"},
    # devtools: the judgments file; authoring: reads a plain value back to decide on quotes
    "yaml": {"yamlnodes", "cards", "vocabulary", "devtools", "authoring"},
}
# cli may start the web server, but only inside the ``serve`` command, never at import time
LAZY_ONLY: dict[str, set[str]] = {
    "cli": {"flask", "werkzeug", "waitress", "web", "devtools"},
}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module's unit name ("web" for web/*.py)
    target: str  # absolute dotted name imported
    line: int
    lazy: bool  # inside a function body
    path: Path


def unit_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE).with_suffix("")
    split = ".".join(relative.parts[:2])
    return split if split in SPLIT_UNITS else relative.parts[0]


def dotted_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(["zwk_kb", *parts])


def imports_of(path: Path) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = (
        dotted_name(path) if path.name == "__init__.py" else dotted_name(path).rpartition(".")[0]
    )
    found: list[Import] = []

    def visit(node: ast.AST, lazy: bool) -> None:
        for child in ast.iter_child_nodes(node):
            in_function = lazy or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                for alias in child.names:
                    found.append(Import(unit_of(path), alias.name, child.lineno, lazy, path))
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[: len(base) - (child.level - 1)]
                    target = ".".join([*base, child.module] if child.module else base)
                else:
                    target = child.module or ""
                if target == "zwk_kb" or (child.level and not child.module):
                    targets = [f"{target}.{alias.name}" for alias in child.names]
                else:
                    targets = [target]
                for name in targets:
                    found.append(Import(unit_of(path), name, child.lineno, lazy, path))
            visit(child, in_function)

    visit(tree, False)
    return found


MODULE_FILES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
ALL_IMPORTS = [imp for p in MODULE_FILES for imp in imports_of(p)]


def own_unit(target: str) -> str | None:
    """'zwk_kb.web.views' -> 'web'; None for anything outside the package."""
    parts = target.split(".")
    if parts[0] != "zwk_kb":
        return None
    split = ".".join(parts[1:3])
    if split in SPLIT_UNITS:
        return split
    return parts[1] if len(parts) > 1 else "__init__"


def where(imp: Import) -> str:
    return f"{imp.path.relative_to(PACKAGE.parent.parent)}:{imp.line}: {imp.target}"


def test_every_module_has_a_place_in_the_layer_table() -> None:
    units = {unit_of(p) for p in MODULE_FILES} - TOP_LEVEL
    assert units <= set(ORDER), f"Module ohne Platz in der Schichten-Tabelle: {units - set(ORDER)}"


def test_no_module_imports_a_later_stage() -> None:
    bad = []
    for imp in ALL_IMPORTS:
        target = own_unit(imp.target)
        if target is None or target == imp.module:
            continue
        if imp.module == "__init__":
            bad.append(where(imp))
        elif imp.module == "__main__":
            if target != "cli":
                bad.append(where(imp))
        elif imp.module not in ORDER or (target not in ORDER and target not in TOP_LEVEL):
            continue  # reported by test_every_module_has_a_place_in_the_layer_table
        elif target in TOP_LEVEL or ORDER.get(target, len(STAGES)) > ORDER[imp.module]:
            bad.append(where(imp))
    assert not bad, "Import gegen die Flussrichtung:\n" + "\n".join(bad)


def module_of(imp: Import) -> str:
    """'search.facet_sets' for src/zwk_kb/search/facet_sets.py."""
    return dotted_name(imp.path).removeprefix("zwk_kb.")


@pytest.mark.parametrize("library", sorted(THIRD_PARTY))
def test_outside_library_lives_behind_its_modules(library: str) -> None:
    allowed = THIRD_PARTY[library]
    bad = [
        where(imp)
        for imp in ALL_IMPORTS
        if imp.target.split(".")[0] == library
        and imp.module not in allowed
        and module_of(imp) not in allowed
    ]
    assert not bad, (
        f"{library} wird außerhalb von {sorted(THIRD_PARTY[library])} importiert:\n"
        + "\n".join(bad)
    )


def test_cli_imports_the_web_server_only_when_serving() -> None:
    bad = []
    for imp in ALL_IMPORTS:
        lazy_only = LAZY_ONLY.get(imp.module, set())
        name = imp.target.split(".")[0]
        unit = own_unit(imp.target)
        if (name in lazy_only or unit in lazy_only) and not imp.lazy:
            bad.append(where(imp))
    assert not bad, "Der Web-Server darf nur in `serve` geladen werden:\n" + "\n".join(bad)


def test_the_site_never_imports_the_developer_tools() -> None:
    bad = [
        where(imp)
        for imp in ALL_IMPORTS
        if own_unit(imp.target) == "devtools" and imp.module not in {"devtools", "cli"}
    ]
    assert not bad, "devtools gehört nicht zur Seite:\n" + "\n".join(bad)


# The web layer talks to the search engine (``search.service``, ``search.served``), which
# returns plain data; Whoosh's objects and the pool that holds them stay in the search modules.
WHOOSH_OBJECTS = {"SearcherPool", "Searcher", "searcher", "pool", "reader", "whoosh"}


def whoosh_object_uses(path: Path) -> list[str]:
    """Places in ``path`` that name a Whoosh object: imported names, variables, attributes."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [part for alias in node.names for part in alias.name.split(".")]
            if isinstance(node, ast.ImportFrom) and node.module:
                names += node.module.split(".")
        elif isinstance(node, ast.Name):
            names = [node.id]
        elif isinstance(node, ast.Attribute):
            names = [node.attr]
        for name in names:
            if name in WHOOSH_OBJECTS:
                found.append(f"{path.relative_to(PACKAGE.parent.parent)}:{node.lineno}: {name}")
    return found


def test_the_web_layer_holds_no_whoosh_object() -> None:
    web = [p for p in MODULE_FILES if unit_of(p) == "web"]
    assert len(web) > 5
    bad = [place for path in web for place in whoosh_object_uses(path)]
    assert not bad, "Whoosh-Objekte gehören nicht in die Web-Schicht:\n" + "\n".join(bad)


def test_the_whoosh_object_check_sees_names() -> None:
    """Guard: the check finds the names where they are (the search modules use them)."""
    found = whoosh_object_uses(PACKAGE / "search" / "served.py")
    assert any(place.endswith(": SearcherPool") for place in found)
    assert any(place.endswith(": pool") or place.endswith(": searcher") for place in found)


def test_the_layer_check_sees_imports() -> None:
    """Guard against a walker that silently finds nothing (the other tests would pass vacuously)."""
    targets = {(imp.module, imp.target) for imp in ALL_IMPORTS}
    assert ("web", "flask") in targets
    assert ("search", "zwk_kb.engine.scoring") in targets
    assert ("fields", "zwk_kb.analysis.folding") in targets
    assert ("cli", "zwk_kb.web") in targets  # relative and absolute forms both resolved
