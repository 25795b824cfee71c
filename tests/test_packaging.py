"""Packaging: the right Whoosh, and a wheel that serves pages without the checkout."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import textwrap
import time
import urllib.error
import urllib.request
import zipfile
from importlib.metadata import distribution, packages_distributions
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

import zwk_kb

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


# ---- the built wheel alone, in a fresh virtual environment outside the checkout ---------------


def _fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def wheel_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment with only the wheel installed into it. Its dependencies come
    from the test environment's site-packages as a plain path entry (no network here), so that
    the checkout's editable install (a .pth file there) is not picked up."""
    venv_dir = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv_dir)],
        check=True,
        timeout=120,
    )
    python = venv_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--quiet",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    deps = sysconfig.get_paths()["purelib"]
    (Path(purelib) / "zz_test_dependencies.pth").write_text(deps + "\n", encoding="utf-8")
    return venv_dir


def _venv_env() -> dict[str, str]:
    return {
        k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("ZWK_KB_")
    }


def _refs(html: str) -> list[str]:
    """Every stylesheet, script, icon and image a page asks the browser to load."""
    refs = re.findall(r'<link[^>]+href="([^"]+)"', html)
    refs += re.findall(r'<(?:script|img|source)[^>]+src="([^"]+)"', html)
    return refs


def test_a_fresh_environment_with_only_the_wheel_serves_the_styled_site(
    wheel_venv: Path, tmp_path: Path
) -> None:
    """What an operator gets from ``pip install zwk-kb``: check, index and serve the bundled
    toolkit; the page, every stylesheet, font and script it references answer 200 from the site
    itself (KERN UX included), none comes from another host."""
    bindir = wheel_venv / ("Scripts" if os.name == "nt" else "bin")
    python, zwk = bindir / "python", bindir / "zwk-kb"
    env, work = _venv_env(), tmp_path / "betrieb"
    work.mkdir()
    where = subprocess.run(
        [str(python), "-c", "import zwk_kb; print(zwk_kb.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(wheel_venv), where
    toolkit = work / "toolkit"
    shutil.copytree(ROOT / "toolkit", toolkit)

    version = subprocess.run([str(zwk), "--version"], env=env, capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.strip() == f"zwk-kb {zwk_kb.__version__}"
    checked = subprocess.run(
        [str(zwk), "check", "--toolkit", str(toolkit)], cwd=work, env=env, capture_output=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    indexed = subprocess.run(
        [str(zwk), "index", "--toolkit", str(toolkit), "--index", str(work / "index")],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    )
    assert indexed.returncode == 0, indexed.stderr
    assert (work / "index" / "CURRENT").exists()

    port = _free_port()
    server = subprocess.Popen(
        [
            str(zwk),
            "serve",
            "--toolkit",
            str(toolkit),
            "--index",
            str(work / "index"),
            "--port",
            str(port),
            "--no-index",
        ],
        cwd=work,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _, body = _fetch(base + "/healthz")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        assert status == 200 and json.loads(body)["version"] == zwk_kb.__version__
        seen: dict[str, int] = {}
        for page in ("/?q=buergerbus", "/werkzeuge/mobile-zukunftswerkstatt-lastenrad"):
            status, _, body = _fetch(base + page)
            assert status == 200, page
            for ref in _refs(body.decode("utf-8")):
                url = urljoin(base + page, ref)
                assert urlsplit(url).netloc == f"127.0.0.1:{port}", ref  # nothing from elsewhere
                if url in seen:
                    continue
                status, kind, content = _fetch(url)
                seen[url] = status
                if "text/css" in kind:  # fonts and images a stylesheet loads
                    for inner in re.findall(r"url\(\s*['\"]?([^'\")]+)", content.decode("utf-8")):
                        if inner.startswith("data:"):
                            continue
                        inner_url = urljoin(url, inner)
                        assert urlsplit(inner_url).netloc == f"127.0.0.1:{port}", inner
                        seen[inner_url] = _fetch(inner_url)[0]
        assert not {u: s for u, s in seen.items() if s != 200}, seen
        assert any(u.endswith("/kern.min.css") for u in seen)
        assert any(u.endswith(".woff2") for u in seen)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_vendored_kern_is_the_version_package_json_pins() -> None:
    """``make vendor-kern`` refreshes the vendored files from npm; the recorded version must be
    the one package.json pins, and every font the stylesheet loads must be there."""
    kern = ROOT / "src/zwk_kb/static/vendor/kern"
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]["@kern-ux/native"]
    assert (kern / "VERSION").read_text().strip() == pinned
    css = (kern / "fonts/fira-sans.css").read_text(encoding="utf-8")
    fonts = set(re.findall(r'url\("\./(fira-sans/[^"]+\.woff2)"\)', css))
    assert fonts and all((kern / "fonts" / f).is_file() for f in fonts)
    assert (kern / "LICENSE.md").is_file() and (kern / "fonts/OFL-1.1.txt").is_file()
