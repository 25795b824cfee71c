"""The code fingerprints (of the index and of the card loader's remembered table) cover every
module they name and every module those import: a change in any of them rebuilds the index
or reads the cards again, and a missing file is an error instead of being left out."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from zwk_kb import toolkit
from zwk_kb.errors import ZwkKbError
from zwk_kb.search import index

PACKAGE = Path(index.__file__).resolve().parent.parent
LISTS = {
    "FINGERPRINT_MODULES": (index, index.FINGERPRINT_MODULES),
    "LOADER_MODULES": (toolkit, toolkit.LOADER_MODULES),
}


def module_level_imports(name: str) -> set[str]:
    """Package modules (as ``"analysis/folding"``) that ``name`` imports outside functions."""
    tree = ast.parse((PACKAGE / f"{name}.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in tree.body:  # top-level statements only: lazy imports are "only where needed"
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("zwk_kb"):
            base = node.module.removeprefix("zwk_kb").lstrip(".").replace(".", "/")
            for alias in node.names:
                candidate = f"{base}/{alias.name}".lstrip("/")
                found.add(candidate if (PACKAGE / f"{candidate}.py").is_file() else base)
    return {name for name in found if name and (PACKAGE / f"{name}.py").is_file()}


@pytest.mark.parametrize("list_name", sorted(LISTS))
def test_every_listed_module_exists_and_its_imports_are_listed(list_name: str) -> None:
    _, names = LISTS[list_name]
    missing = [name for name in names if not (PACKAGE / f"{name}.py").is_file()]
    assert not missing, f"{list_name} nennt Dateien, die es nicht gibt: {missing}"
    unlisted = {
        f"{name} -> {imported}"
        for name in names
        for imported in module_level_imports(name)
        if imported not in names
    }
    assert not unlisted, f"{list_name} fehlen Module, die gelistete importieren: {unlisted}"


def test_the_import_walker_sees_the_imports() -> None:
    assert {"characters", "fields", "markdown", "model", "yamlnodes"} <= module_level_imports(
        "cards"
    )
    assert "analysis/folding" in module_level_imports("search/schema")


@pytest.mark.parametrize("list_name", sorted(LISTS))
def test_a_missing_module_file_is_an_error_not_left_out(
    list_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    module, names = LISTS[list_name]
    fingerprint = index.code_fingerprint if module is index else toolkit.loader_fingerprint
    monkeypatch.setattr(module, list_name, (*names, "gibt_es_nicht"))
    fingerprint.cache_clear()
    try:
        with pytest.raises(ZwkKbError, match=r"gibt_es_nicht\.py fehlt"):
            fingerprint()
    finally:
        fingerprint.cache_clear()
