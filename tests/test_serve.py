"""``zwk-kb serve`` for real: waitress (and gunicorn) in a subprocess on a free loopback port,
against a small generated toolkit. Checks a search, ``/healthz``, the headers as the production
server sends them (``Server: zwk-kb``, no version), conditional GET, request limits, and that a
new index generation is picked up while the server runs. Every loop is bounded; the server is
stopped.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from zwk_kb.cli import main
from zwk_kb.config import MAX_AUTO_WORKERS, Settings
from zwk_kb.devtools.generate import change_card, write_toolkit
from zwk_kb.search.index import build
from zwk_kb.toolkit import load_toolkit

N_CARDS = 25
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[str]
    port: int
    toolkit: Path
    index: Path

    def get(
        self,
        path: str,
        headers: dict[str, str] | None = None,
        method: str = "GET",
        body: bytes = b"",
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body or None, headers=headers or {})
            response = conn.getresponse()
            return (
                response.status,
                {k.lower(): v for k, v in response.getheaders()},
                response.read(),
            )
        finally:
            conn.close()


def start_server(toolkit: Path, index: Path, *extra: str) -> Server:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zwk_kb",
            "serve",
            "--toolkit",
            str(toolkit),
            "--index",
            str(index),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--threads",
            "4",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = Server(process, port, toolkit, index)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve endete: {process.stdout.read() if process.stdout else ''}")
        try:
            if server.get("/healthz")[0] in (200, 503):
                return server
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("serve antwortet nicht")


def stop_server(server: Server) -> None:
    server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=10)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("serve")
    toolkit = root / "toolkit"
    write_toolkit(toolkit, N_CARDS, words=(30, 60))
    index = root / "index"
    build(load_toolkit(toolkit), index)
    server = start_server(toolkit, index, "--server", "waitress")
    try:
        yield server
    finally:
        stop_server(server)


def test_search_page_and_api_answer(served: Server) -> None:
    status, headers, body = served.get("/?q=Ehrenamtliche")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "Werkzeug" in body.decode()
    status, headers, body = served.get("/api/search?q=Ehrenamtliche")
    data = json.loads(body)
    assert status == 200 and data["total"] >= 1


def test_healthz_reports_cards_and_generation(served: Server) -> None:
    status, headers, body = served.get("/healthz")
    data = json.loads(body)
    assert status == 200
    assert data["status"] == "ok" and data["cards"] == N_CARDS
    assert data["generation"].startswith("gen-")
    assert headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ["/", "/werkzeuge/gibt-es-nicht", "/static/style.css", "/healthz"])
def test_production_headers_without_version(served: Server, path: str) -> None:
    status, headers, _ = served.get(path)
    assert status in (200, 404)
    assert headers["server"] == "zwk-kb"  # waitress' own ident is replaced, no version anywhere
    csp = headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "object-src 'none'" in csp and "frame-ancestors" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"]


def test_conditional_get_on_cards_and_static_files(served: Server) -> None:
    slug = sorted(p.stem for p in served.toolkit.glob("*.md"))[0]
    for path in (f"/werkzeuge/{slug}", "/static/style.css"):
        status, headers, _ = served.get(path)
        assert status == 200 and headers["etag"] and "max-age" in headers["cache-control"]
        status, _, body = served.get(path, {"If-None-Match": headers["etag"]})
        assert status == 304 and body == b""


def test_request_limits_of_the_server(served: Server) -> None:
    status, _, _ = served.get("/api/search", method="POST", body=b"x" * 100_000)
    assert status in (405, 413)
    status, _, _ = served.get("/?q=" + "y" * 20_000)
    assert status == 414
    status, _, _ = served.get("/", {"X-Big": "z" * 40_000})
    assert status == 431 or status == 400


def test_running_server_picks_up_a_new_index_within_a_second(served: Server) -> None:
    path = sorted(served.toolkit.glob("*.md"))[3]
    change_card(path, "Der Zauberlehrlingsstammtisch trifft sich jetzt montags.")
    build(load_toolkit(served.toolkit), served.index)
    finished = time.monotonic()
    found: list[str] = []
    while time.monotonic() - finished < 5 and not found:
        data = json.loads(served.get("/api/search?q=Zauberlehrlingsstammtisch")[2])
        found = [r["slug"] for r in data["results"]]
    assert found == [path.stem]
    assert time.monotonic() - finished < 1.0


def test_serve_no_index_serves_a_prebuilt_index_without_toolkit(
    served: Server, tmp_path: Path
) -> None:
    """Several instances can share one index built elsewhere (CI): no toolkit folder needed."""
    copy = tmp_path / "index"
    shutil.copytree(served.index, copy)
    server = start_server(tmp_path / "gibt-es-nicht", copy, "--no-index")
    try:
        status, _, body = server.get("/healthz")
        assert status == 200 and json.loads(body)["cards"] == N_CARDS
    finally:
        stop_server(server)


def test_healthz_is_503_without_index(tmp_path: Path) -> None:
    from zwk_kb.config import Settings
    from zwk_kb.web import create_app

    client = create_app(Settings(toolkit=tmp_path, index=tmp_path / "leer")).test_client()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"


# ---- the same site on gunicorn (`--server gunicorn`, Linux and macOS only) ----------------------

gunicorn_only = pytest.mark.skipif(
    sys.platform == "win32", reason="gunicorn läuft nicht unter Windows"
)


@pytest.fixture(scope="module")
def gunicorn_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("gunicorn")
    toolkit = root / "toolkit"
    write_toolkit(toolkit, N_CARDS, words=(30, 60))
    index = root / "index"
    build(load_toolkit(toolkit), index)
    return toolkit, index


@pytest.fixture(scope="module")
def gunicorn_served(gunicorn_index: tuple[Path, Path]) -> Iterator[Server]:
    server = start_server(*gunicorn_index, "--server", "gunicorn", "--workers", "2")
    try:
        yield server
    finally:
        stop_server(server)


@gunicorn_only
def test_gunicorn_answers_healthz_search_page_and_api(gunicorn_served: Server) -> None:
    status, _, body = gunicorn_served.get("/healthz")
    assert status == 200 and json.loads(body)["cards"] == N_CARDS
    status, headers, body = gunicorn_served.get("/?q=Ehrenamtliche")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "/werkzeuge/" in body.decode()
    data = json.loads(gunicorn_served.get("/api/search?q=Ehrenamtliche")[2])
    assert data["total"] >= 1


@gunicorn_only
@pytest.mark.parametrize("path", ["/", "/werkzeuge/gibt-es-nicht", "/static/style.css", "/healthz"])
def test_gunicorn_sends_the_security_headers_and_no_version(
    gunicorn_served: Server, path: str
) -> None:
    status, headers, _ = gunicorn_served.get(path)
    assert status in (200, 404)
    assert headers["server"] == "zwk-kb"  # like waitress: neither "gunicorn" nor a version
    assert not re.search(r"\d", headers["server"])
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


@gunicorn_only
def test_gunicorn_limits_requests(gunicorn_served: Server) -> None:
    status, _, _ = gunicorn_served.get("/api/search", method="POST", body=b"x" * 100_000)
    assert status in (405, 413)
    assert gunicorn_served.get("/?q=" + "y" * 20_000)[0] == 414
    assert gunicorn_served.get("/", {"X-Big": "z" * 40_000})[0] in (400, 431)


@gunicorn_only
def test_gunicorn_stops_cleanly_on_sigterm(gunicorn_index: tuple[Path, Path]) -> None:
    server = start_server(*gunicorn_index, "--server", "gunicorn", "--no-index")
    assert server.get("/healthz")[0] == 200
    server.process.send_signal(signal.SIGTERM)
    output, _ = server.process.communicate(timeout=20)
    assert server.process.returncode == 0, output
    processes = min(os.cpu_count() or 1, MAX_AUTO_WORKERS)
    expected = "1 Prozess" if processes == 1 else f"{processes} Prozesse"
    assert f"zwk-kb läuft mit gunicorn ({expected} mit je 4 Threads; so eingestellt)" in output
    assert "Traceback" not in output


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="liest /proc (nur Linux)")
def test_plain_serve_runs_a_process_per_core(gunicorn_index: tuple[Path, Path]) -> None:
    """The default command uses the machine: one gunicorn worker per core (waitress's threads
    share one interpreter lock), and says at start which server it chose and why."""
    cores = os.cpu_count() or 1
    server = start_server(*gunicorn_index, "--no-index")
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while len(_children(server.process.pid)) < min(cores, MAX_AUTO_WORKERS):
            assert time.monotonic() < deadline, _children(server.process.pid)
            time.sleep(0.1)
        assert len(_children(server.process.pid)) == min(cores, MAX_AUTO_WORKERS)
        data = json.loads(server.get("/api/search?q=Ehrenamtliche")[2])
        assert data["total"] >= 1
    finally:
        stop_server(server)
    output = server.process.stdout.read() if server.process.stdout else ""
    if cores == 1:
        assert (
            "zwk-kb läuft mit waitress (1 Prozess mit je 4 Threads; automatisch gewählt: " in output
        )
    else:
        assert (
            f"zwk-kb läuft mit gunicorn ({min(cores, MAX_AUTO_WORKERS)} Prozesse mit je 4 Threads; "
            f"automatisch gewählt: {cores} Prozessorkerne"
        ) in output


def test_gunicorn_on_windows_is_a_clear_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checked before indexing: exit code 2 and German advice, no traceback, no index written."""
    monkeypatch.setattr(sys, "platform", "win32")
    result = CliRunner(env={"ZWK_KB_SERVER": "gunicorn"}).invoke(
        main, ["serve", "--toolkit", str(tmp_path / "karten"), "--index", str(tmp_path / "ix")]
    )
    assert result.exit_code == 2
    assert "gunicorn läuft nicht unter Windows" in result.stderr
    assert "--server waitress" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "ix").exists()


def test_missing_gunicorn_is_a_clear_usage_error(tmp_path: Path) -> None:
    """A Python without gunicorn (here: its import blocked) gets advice, not a traceback."""
    code = "import sys; sys.modules['gunicorn'] = None; from zwk_kb.cli import main; main()"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "serve",
            "--server",
            "gunicorn",
            "--toolkit",
            str(tmp_path / "karten"),
            "--index",
            str(tmp_path / "ix"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "gunicorn ist nicht installiert" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_server_names_the_choices() -> None:
    result = CliRunner(env={"ZWK_KB_SERVER": "nginx"}).invoke(main, ["serve"])
    assert result.exit_code == 2
    assert "auto und waitress und gunicorn" in result.stderr


@gunicorn_only
def test_gunicorn_path_handles_prefix_and_proxy_like_waitress(settings: Settings) -> None:
    """``--url-prefix`` and ``--trusted-proxy`` mean the same on both servers: the prefix
    becomes SCRIPT_NAME; forwarded headers count only from the trusted proxy."""
    from werkzeug.test import Client

    from zwk_kb.web import create_app
    from zwk_kb.web.gunicorn_server import wrap

    app = wrap(create_app(settings), trusted_proxy="10.0.0.1", url_prefix="/werkzeugkoffer")
    client = Client(app)
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "werkzeuge.example.de"}
    page = client.get("/werkzeugkoffer/", environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert page.status_code == 200 and 'href="/werkzeugkoffer/static/' in page.get_data(True)
    assert client.get("/werkzeugkoffer/healthz").status_code == 200

    def feed_link(remote: str) -> str:
        response = client.get(
            "/werkzeugkoffer/opensearch.xml",
            headers=forwarded,
            environ_base={"REMOTE_ADDR": remote},
        )
        assert response.status_code == 200
        return response.get_data(True)

    assert "https://werkzeuge.example.de/werkzeugkoffer/" in feed_link("10.0.0.1")
    assert "werkzeuge.example.de" not in feed_link("192.0.2.7")  # anyone else: headers ignored
