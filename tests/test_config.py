"""Settings: one table, read from ZWK_KB_* variables, overridden by CLI options, documented."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from zwk_kb.config import MAX_AUTO_WORKERS, Settings, choose_server, settings_help
from zwk_kb.errors import ZwkKbError

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_serve_the_bundled_toolkit_on_localhost_8000() -> None:
    settings = Settings.from_env({})
    assert settings.toolkit == Path("toolkit")
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)


def test_environment_variables_are_read_and_converted() -> None:
    settings = Settings.from_env(
        {
            "ZWK_KB_TOOLKIT": "/srv/karten",
            "ZWK_KB_INDEX": "/var/idx",
            "ZWK_KB_PORT": "9000",
            "ZWK_KB_DEV": "ja",
            "ZWK_KB_SITE_NAME": "Koffer",
            "OTHER": "x",
            "ZWK_KB_UNKNOWN": "y",
        }
    )
    assert settings.toolkit == Path("/srv/karten")
    assert settings.index == Path("/var/idx")
    assert settings.port == 9000
    assert settings.dev is True
    assert settings.site_name == "Koffer"


def test_empty_variables_keep_the_default() -> None:
    assert Settings.from_env({"ZWK_KB_PORT": ""}).port == 8000


def test_bad_number_names_the_variable() -> None:
    with pytest.raises(ZwkKbError, match="ZWK_KB_PORT"):
        Settings.from_env({"ZWK_KB_PORT": "achtzig"})


def test_replace_ignores_none_and_converts_paths() -> None:
    base = Settings.from_env({"ZWK_KB_PORT": "9000"})
    changed = base.replace(port=None, toolkit="karten", host="0.0.0.0")
    assert changed.port == 9000
    assert changed.toolkit == Path("karten")
    assert changed.host == "0.0.0.0"


def test_settings_help_lists_every_setting() -> None:
    names = {name for name, _, _ in settings_help()}
    assert names == {f"ZWK_KB_{f.name.upper()}" for f in dataclasses.fields(Settings)}
    assert all(help_text for _, _, help_text in settings_help())


def test_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name, _, _ in settings_help() if f"`{name}`" not in readme]
    assert not missing, f"In README.md fehlen die Einstellungen {missing}"


def test_server_and_workers_come_from_the_environment() -> None:
    assert (Settings().server, Settings().workers) == ("auto", 0)
    settings = Settings.from_env({"ZWK_KB_SERVER": "gunicorn", "ZWK_KB_WORKERS": "3"})
    assert (settings.server, settings.workers) == ("gunicorn", 3)
    assert settings.replace(server="waitress", workers=None).workers == 3


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("ZWK_KB_SERVER", "nginx", "auto und waitress und gunicorn"),
        ("ZWK_KB_WORKERS", "-1", "0 \\(automatisch\\) oder mehr"),
    ],
)
def test_impossible_server_settings_fail_at_once(variable: str, value: str, message: str) -> None:
    with pytest.raises(ZwkKbError, match=message):
        Settings.from_env({variable: value})


def plan(platform: str = "linux", cores: int = 2, problem: str | None = None, **given: Any) -> Any:
    return choose_server(
        Settings(**given), platform=platform, cores=cores, gunicorn_problem=problem
    )


def test_default_server_uses_every_core_where_gunicorn_runs() -> None:
    chosen = plan()
    assert (chosen.server, chosen.workers) == ("gunicorn", 2)
    assert chosen.reason == "automatisch gewählt: 2 Prozessorkerne"
    assert plan(platform="darwin", cores=4).workers == 4
    many = plan(cores=64)
    assert many.workers == MAX_AUTO_WORKERS and "höchstens 8 Prozesse" in many.reason


@pytest.mark.parametrize(
    ("situation", "reason"),
    [
        ({"platform": "win32"}, "automatisch gewählt: unter Windows"),
        ({"cores": 1}, "automatisch gewählt: ein Prozessorkern"),
        ({"problem": "gunicorn ist nicht installiert"}, "gunicorn ist nicht installiert"),
        ({"dev": True}, "automatisch gewählt: Vorschau (--dev)"),
        ({"workers": 1}, "automatisch gewählt: 1 Prozess eingestellt"),
    ],
)
def test_default_server_is_waitress_where_one_process_is_right(
    situation: dict[str, Any], reason: str
) -> None:
    chosen = plan(**situation)
    assert (chosen.server, chosen.workers) == ("waitress", 1)
    assert reason in chosen.reason and not chosen.warning


def test_an_explicit_server_is_kept_and_ignored_workers_are_said() -> None:
    assert plan(server="gunicorn").server == "gunicorn"
    assert plan(server="gunicorn", workers=3, cores=8).workers == 3
    assert plan(platform="win32", server="gunicorn").server == "gunicorn"  # refused by serve
    waitress = plan(server="waitress", workers=3)
    assert (waitress.server, waitress.workers, waitress.reason) == ("waitress", 1, "so eingestellt")
    assert "nur mit gunicorn" in waitress.warning
    assert "nur mit gunicorn" in plan(platform="win32", workers=4).warning
