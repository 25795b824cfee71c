"""Packaging: the right Whoosh, and a wheel that serves pages without the checkout."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import zipfile
from importlib.metadata import distribution, packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_whoosh_comes_from_exactly_whoosh_reloaded_2_7_5() -> None:
    providers = packages_distributions().get("whoosh", [])
    assert [normalise(p) for p in providers] == ["whoosh-reloaded"], providers
    assert distribution("whoosh-reloaded").version == "2.7.5"


def test_whoosh_is_pinned_exactly_in_pyproject() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"whoosh-reloaded==2.7.5"' in text


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "--wheel-dir",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    [built] = out.glob("zwk_kb-*.whl")
    return built


def test_wheel_ships_templates_static_files_and_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "zwk_kb/templates/search.html" in names
    assert "zwk_kb/templates/card.html" in names
    assert "zwk_kb/static/style.css" in names
    data = {
        p.relative_to(ROOT / "src").as_posix()
        for p in (ROOT / "src/zwk_kb/data").rglob("*")
        if p.is_file()
    }
    assert data <= names, data - names
    assert not [n for n in names if "__pycache__" in n or n.startswith("tests/")]
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "zwk-kb = zwk_kb.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_installed_wheel_renders_the_search_page(wheel: Path, tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    """Install the wheel's files alone (no checkout on the path) and render pages from them."""
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--quiet",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        import zwk_kb
        assert Path(zwk_kb.__file__).is_relative_to({str(target)!r}), zwk_kb.__file__
        from zwk_kb.config import Settings
        from zwk_kb.web import create_app
        settings = Settings(
            toolkit=Path({str(settings.toolkit)!r}), index=Path({str(settings.index)!r})
        )
        app = create_app(settings)
        client = app.test_client()
        page = client.get("/?q=Kindergarten")
        assert page.status_code == 200, page.status_code
        html = page.get_data(as_text=True)
        assert "/werkzeuge/kindergarten-im-dorf" in html
        assert client.get("/werkzeuge/sprachcafe").status_code == 200
        assert client.get("/static/style.css").status_code == 200
        print("ok")
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(target)
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
