"""The README's "Aufbau" section is a map a maintainer follows: every file and folder it names
exists, and every folder of the package is on it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "zwk_kb"


def _layout_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Aufbau")
    return text[start : text.index("\n## ", start + 1)]


def _named_paths(section: str) -> set[str]:
    return {
        name
        for name in re.findall(r"`([\w./-]+)`", section)
        if name.endswith((".py", ".json", ".html", ".md", "/")) and not name.startswith("ZWK_KB")
    }


def _exists(name: str) -> bool:
    name = name.rstrip("/")
    return any((base / name).exists() for base in (ROOT, PACKAGE, ROOT / "tests", ROOT / "toolkit"))


def test_every_path_in_the_layout_section_exists() -> None:
    names = _named_paths(_layout_section())
    assert len(names) > 20, "the walker should find the section's file names"
    missing = sorted(name for name in names if not _exists(name))
    assert not missing, f"README „Aufbau“ nennt Dateien, die es nicht gibt: {missing}"


def test_every_package_folder_is_on_the_map() -> None:
    folders = {
        f"{p.name}/" for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()
    }
    section = _layout_section()
    absent = sorted(f for f in folders if f"`{f}`" not in section)
    assert not absent, f"Ordner fehlen in README „Aufbau“: {absent}"


def test_the_top_level_stays_short() -> None:
    modules = [p for p in PACKAGE.glob("*.py") if p.name not in {"__init__.py", "__main__.py"}]
    assert len(modules) <= 20, sorted(p.name for p in modules)
