"""What the package does to the process and the machine it runs on: importing it and making an
app change no interpreter-wide state (only a server process freezes its start-up objects for the
garbage collector), and a server that only reads its index writes no file anywhere else."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from zwk_kb.config import Settings

GC_CHILD = """
import gc, json, sys
from pathlib import Path
gc.set_threshold(700, 10, 10)
before = [gc.get_threshold(), gc.get_freeze_count()]
import zwk_kb.web
from zwk_kb.config import Settings
settings = Settings(toolkit=Path(sys.argv[1]), index=Path(sys.argv[2]))
app = zwk_kb.web.create_app(settings)
assert app.test_client().get("/?q=kita").status_code == 200
after_app = [gc.get_threshold(), gc.get_freeze_count()]
zwk_kb.web.create_server_app(settings)
print(json.dumps({"before": before, "after_app": after_app, "server": gc.get_freeze_count()}))
"""


def _child(
    code: str, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=cwd,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.strip().splitlines()[-1]


def test_importing_the_web_app_and_making_an_app_leave_the_garbage_collector_alone(
    settings: Settings,
) -> None:
    found = json.loads(_child(GC_CHILD, str(settings.toolkit), str(settings.index)))
    assert found["after_app"] == found["before"] == [[700, 10, 10], 0]
    # the server entry points (waitress in ``serve``, each gunicorn worker) do freeze
    assert found["server"] > 10_000


PAGES_CHILD = """
import json
import os
from zwk_kb.web import create_server_app
from zwk_kb.config import Settings
app = create_server_app(Settings.from_env())  # the default settings, as ``serve`` has them
client = app.test_client()
slug = client.get("/api/search?q=kita").get_json()["results"][0]["slug"]
statuses = {}
for rule in app.url_map.iter_rules():
    if "GET" not in rule.methods or rule.arguments - {"slug"}:
        continue
    path = rule.rule.replace("<slug>", slug)
    for query in ("", "?q=kita", f"?w={slug}"):
        statuses[path + query] = client.get(path + query).status_code
print(json.dumps(statuses))
"""


def _files(*folders: Path) -> set[Path]:
    return {p for folder in folders for p in folder.rglob("*")}


def test_serving_every_page_with_default_settings_writes_no_file_outside_the_index(
    settings: Settings, tmp_path: Path
) -> None:
    home, temp, work = tmp_path / "home", tmp_path / "tmp", tmp_path / "work"
    for folder in (home, temp, work):
        folder.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ZWK_KB_", "XDG_")) and key not in {"TMPDIR", "TEMP", "TMP"}
    }
    env.update(
        HOME=str(home),
        TMPDIR=str(temp),
        ZWK_KB_TOOLKIT=str(settings.toolkit),
        ZWK_KB_INDEX=str(settings.index),
    )
    before = _files(settings.toolkit)
    statuses = json.loads(_child(PAGES_CHILD, env=env, cwd=work))
    assert len(statuses) > 60
    assert all(status < 500 for status in statuses.values()), statuses
    assert sum(status == 200 for status in statuses.values()) > 40
    assert _files(home, temp, work) == set()
    assert _files(settings.toolkit) == before
