"""Settings: one table, read from ZWK_KB_* variables, overridden by CLI options, documented."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from zwk_kb.config import Settings, settings_help
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
    assert (Settings().server, Settings().workers) == ("waitress", 1)
    settings = Settings.from_env({"ZWK_KB_SERVER": "gunicorn", "ZWK_KB_WORKERS": "3"})
    assert (settings.server, settings.workers) == ("gunicorn", 3)
    assert settings.replace(server="waitress", workers=None).workers == 3


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [("ZWK_KB_SERVER", "nginx", "waitress und gunicorn"), ("ZWK_KB_WORKERS", "0", "mindestens 1")],
)
def test_impossible_server_settings_fail_at_once(variable: str, value: str, message: str) -> None:
    with pytest.raises(ZwkKbError, match=message):
        Settings.from_env({variable: value})
