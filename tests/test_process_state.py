"""What the package does to the process and the machine it runs on: importing it and making an
app change no interpreter-wide state (only a server process freezes its start-up objects for the
garbage collector), and a server that only reads its index writes no file anywhere else."""

from __future__ import annotations

import json
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
