"""An index written by the previous version of the program: ``serve``, ``search`` and ``index``
rebuild it by themselves with one German line, never a traceback. Two ways an older index
differs: another code fingerprint in meta.json, and a pickled schema naming a class at a module
path that no longer exists (as after moving ``zwk_kb.impacts`` to ``zwk_kb.engine.sidefile``)."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

import zwk_kb.web
from zwk_kb.cli import main
from zwk_kb.engine.sidefile import ImpactCodec
from zwk_kb.model import Toolkit
from zwk_kb.search.index import (
    META_FILE,
    OTHER_VERSION,
    UNREADABLE,
    build,
    code_fingerprint,
    current_generation,
    read_meta,
    rebuild_reason,
)


def _older_fingerprint(index_dir: Path) -> Path:
    generation = current_generation(index_dir)
    assert generation is not None
    meta = read_meta(generation)
    meta["fingerprint"] = f"{meta['vocabulary']}-0123456789abcdef01234567"
    (generation / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    return generation


def _older_class_path(toolkit: Toolkit, index_dir: Path) -> Path:
    """An index whose segments name the codec at its old place, ``zwk_kb.impacts``."""
    with pytest.MonkeyPatch.context() as patch:
        old = types.ModuleType("zwk_kb.impacts")
        old.ImpactCodec = ImpactCodec  # type: ignore[attr-defined]
        patch.setitem(sys.modules, "zwk_kb.impacts", old)
        patch.setattr(ImpactCodec, "__module__", "zwk_kb.impacts")
        build(toolkit, index_dir)
    generation = current_generation(index_dir)
    assert generation is not None
    assert any(b"zwk_kb.impacts" in toc.read_bytes() for toc in generation.glob("*.toc"))
    return generation


OLDER = {"fingerprint": OTHER_VERSION, "class path": UNREADABLE}


def _older_index(kind: str, toolkit: Toolkit, index_dir: Path) -> Path:
    if kind == "fingerprint":
        build(toolkit, index_dir)
        return _older_fingerprint(index_dir)
    return _older_class_path(toolkit, index_dir)


def _assert_rebuilt(index_dir: Path, old: Path) -> None:
    generation = current_generation(index_dir)
    assert generation is not None and generation != old
    assert str(read_meta(generation)["fingerprint"]).endswith(code_fingerprint())
    assert rebuild_reason(index_dir) is None


@pytest.mark.parametrize("kind", sorted(OLDER))
def test_rebuild_reason_names_an_older_index(kind: str, toolkit: Toolkit, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    assert rebuild_reason(index_dir) is None  # no index yet: nothing to rebuild
    build(toolkit, index_dir)
    assert rebuild_reason(index_dir) is None
    _older_index(kind, toolkit, tmp_path / "older")
    assert rebuild_reason(tmp_path / "older") == OLDER[kind]


@pytest.mark.parametrize("kind", sorted(OLDER))
def test_search_rebuilds_an_older_index_with_one_line(
    kind: str, toolkit: Toolkit, toolkit_dir: Path, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    old = _older_index(kind, toolkit, index_dir)
    result = CliRunner().invoke(
        main, ["search", "kita", "--toolkit", str(toolkit_dir), "--index", str(index_dir)]
    )
    assert result.exit_code == 0, result.output + result.stderr
    assert result.stderr.strip() == OLDER[kind]
    assert "Traceback" not in result.output + result.stderr
    assert "[kindergarten-im-dorf]" in result.stdout
    _assert_rebuilt(index_dir, old)


@pytest.mark.parametrize("kind", sorted(OLDER))
def test_serve_rebuilds_an_older_index_then_serves_it(
    kind: str,
    toolkit: Toolkit,
    toolkit_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index_dir = tmp_path / "index"
    old = _older_index(kind, toolkit, index_dir)
    served: list[Flask] = []

    def waitress_serve(app: Flask, **options: Any) -> None:  # instead of running forever
        served.append(app)

    monkeypatch.setattr("waitress.serve", waitress_serve)
    monkeypatch.setattr(zwk_kb.web, "create_server_app", zwk_kb.web.create_app)
    result = CliRunner().invoke(
        main,
        ["serve", "--server", "waitress", "--toolkit", str(toolkit_dir), "--index", str(index_dir)],
    )
    assert result.exit_code == 0, result.output + result.stderr
    # first line: why the index is rebuilt; then the broken fixture card, as on every run
    assert result.stderr.strip().splitlines()[0] == OLDER[kind]
    assert result.stderr.count("neu aufgebaut") == 1
    assert "Traceback" not in result.output + result.stderr
    _assert_rebuilt(index_dir, old)
    response = served[0].test_client().get("/?q=kita")
    assert response.status_code == 200 and b"kindergarten-im-dorf" in response.data


@pytest.mark.parametrize("kind", sorted(OLDER))
def test_index_command_rebuilds_an_older_index_with_one_line(
    kind: str, toolkit: Toolkit, toolkit_dir: Path, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    old = _older_index(kind, toolkit, index_dir)
    result = CliRunner().invoke(
        main, ["index", "--toolkit", str(toolkit_dir), "--index", str(index_dir)]
    )
    assert result.exit_code == 0, result.output + result.stderr
    assert result.stderr.strip().splitlines()[0] == OLDER[kind]
    assert "neu aufgebaut" in result.stdout
    _assert_rebuilt(index_dir, old)


def test_serve_no_index_refuses_an_older_index_with_a_clear_message(
    toolkit: Toolkit, toolkit_dir: Path, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    _older_class_path(toolkit, index_dir)
    result = CliRunner().invoke(
        main, ["serve", "--no-index", "--server", "waitress", "--index", str(index_dir)]
    )
    assert result.exit_code == 1
    assert "zwk-kb index --full" in result.stderr and "Traceback" not in result.stderr
