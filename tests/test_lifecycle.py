"""The index lifecycle under concurrency and failure: readers never see an empty, partial or
duplicated index; crashes, full disks, read-only folders and a second writer leave the previous
index serving, and the next run recovers without manual steps.

Failures are real where the machine allows it (``kill -9`` of a building process, a file-size
limit that makes writes fail with EFBIG, a second process holding the lock). A read-only
folder cannot be made here (the tests run as root, which ignores permission bits, and mounting
needs privileges CI does not have), so that one is simulated by refusing every write below the
index folder with EROFS, and its test says so in its name.
"""

from __future__ import annotations

import builtins
import errno
import io
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from zwk_kb import cli
from zwk_kb.config import Settings
from zwk_kb.devtools.generate import add_cards, change_card, write_toolkit
from zwk_kb.errors import IndexBusy, ZwkKbError
from zwk_kb.model import Toolkit
from zwk_kb.search import index as zindex
from zwk_kb.search.index import (
    CURRENT_FILE,
    IndexWriteError,
    SearcherPool,
    build,
    current_generation,
    read_meta,
    update,
)
from zwk_kb.search.request import SearchRequest
from zwk_kb.search.service import SearchEngine
from zwk_kb.toolkit import load_toolkit

WORDS = (30, 60)  # short generated cards keep these tests fast
N_CARDS = 40
SUBPROCESS_TIMEOUT = 60


# ---- helpers -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def source_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("generated") / "toolkit"
    write_toolkit(folder, N_CARDS, words=WORDS)
    return folder


@pytest.fixture
def toolkit_dir(tmp_path: Path, source_dir: Path) -> Path:
    """A private copy of the generated toolkit that a test may change."""
    target = tmp_path / "toolkit"
    shutil.copytree(source_dir, target)
    return target


@pytest.fixture
def index_dir(tmp_path: Path, toolkit_dir: Path) -> Path:
    target = tmp_path / "index"
    build(load_toolkit(toolkit_dir), target)
    return target


def browse(index_dir: Path) -> list[str]:
    """Slugs of all cards as a fresh server would list them."""
    pool = SearcherPool(index_dir)
    try:
        result = SearchEngine(pool).search(SearchRequest(per_page=50, page=1))
        slugs = [hit.slug for hit in result.hits]
        page = 2
        while len(slugs) < result.total:
            more = SearchEngine(pool).search(SearchRequest(per_page=50, page=page)).hits
            if not more:
                break
            slugs += [hit.slug for hit in more]
            page += 1
        return slugs
    finally:
        pool.close()


def generations(index_dir: Path) -> set[str]:
    return {p.name for p in index_dir.iterdir() if p.is_dir() and p.name.startswith("gen-")}


def run_python(code: str, **kwargs: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def wait_for_line(proc: subprocess.Popen[str], expected: str, timeout: float = 30.0) -> None:
    """Read the child's stdout until a line equals ``expected`` (bounded in time)."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.strip() == expected:
            return
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError(f"Kein {expected!r} vom Kindprozess; stderr: {proc.stderr.read()[-2000:]}")


def child_pids(pid: int) -> list[int]:
    children: list[int] = []
    with_tasks = Path(f"/proc/{pid}/task")
    for task in with_tasks.glob("*/children") if with_tasks.exists() else []:
        children += [int(x) for x in task.read_text().split()]
    return children


def is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


# ---- readers during writes ---------------------------------------------------------------------


def test_concurrent_readers_during_rebuilds_and_updates_never_see_empty_or_duplicate_results(
    toolkit_dir: Path, index_dir: Path
) -> None:
    toolkit = load_toolkit(toolkit_dir)
    pool = SearcherPool(index_dir)  # one pool shared by all threads, as in the server
    engine = SearchEngine(pool)
    problems: list[str] = []
    reads = [0]
    stop = threading.Event()

    def reader() -> None:
        try:
            while not stop.is_set():
                result = engine.search(SearchRequest(per_page=50))
                slugs = [h.slug for h in result.hits]
                if result.total != N_CARDS or len(slugs) != N_CARDS or len(set(slugs)) != N_CARDS:
                    problems.append(
                        f"total={result.total} hits={len(slugs)} unique={len(set(slugs))}"
                    )
                reads[0] += 1
        except Exception as exc:  # pragma: no cover - reported below
            problems.append(repr(exc))
        finally:
            pool.close()

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        paths = sorted(toolkit_dir.glob("*.md"))
        for round_ in range(3):
            build(toolkit, index_dir)
            change_card(paths[round_], f"Runde {round_}: Kaffeeklatschzauber.")
            toolkit = load_toolkit(toolkit_dir)
            changes = update(toolkit, index_dir)
            assert changes.changed == (paths[round_].stem,)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert not problems, problems[:5]
    assert reads[0] > 10


def test_search_after_update_never_returns_a_replaced_card_twice(
    toolkit_dir: Path, index_dir: Path
) -> None:
    """whoosh-reloaded 2.7.5's ``refresh()`` returns a replaced card twice; the pool must not."""
    pool = SearcherPool(index_dir)
    engine = SearchEngine(pool)
    path = sorted(toolkit_dir.glob("*.md"))[0]
    for n in range(5):
        engine.search(SearchRequest(q="Kaffeeklatschzauber"))  # keep an old searcher open
        change_card(path, f"Nachtrag {n}: Kaffeeklatschzauber.")
        update(load_toolkit(toolkit_dir), index_dir)
        hits = [h.slug for h in engine.search(SearchRequest(q="Kaffeeklatschzauber")).hits]
        assert hits == [path.stem]
        everything = engine.search(SearchRequest(per_page=50))
        assert everything.total == N_CARDS == len({h.slug for h in everything.hits})
    pool.close()


def test_a_running_app_picks_up_a_new_generation_without_restart(
    toolkit_dir: Path, index_dir: Path
) -> None:
    from zwk_kb.web import create_app

    client = create_app(Settings(toolkit=toolkit_dir, index=index_dir)).test_client()
    before = client.get("/healthz").get_json()
    assert client.get("/api/search?q=Zauberwaldkindergarten").get_json()["total"] == 0
    path = sorted(toolkit_dir.glob("*.md"))[1]
    change_card(path, "Der Zauberwaldkindergarten ist neu.")
    started = time.monotonic()
    build(load_toolkit(toolkit_dir), index_dir)
    data = client.get("/api/search?q=Zauberwaldkindergarten").get_json()
    assert [r["slug"] for r in data["results"]] == [path.stem]
    assert time.monotonic() - started < 5
    after = client.get("/healthz").get_json()
    assert after["generation"] != before["generation"] and after["cards"] == N_CARDS


# ---- crashes -----------------------------------------------------------------------------------

KILLED_BUILD = """
    import sys, time
    from pathlib import Path
    from zwk_kb.search.index import build
    from zwk_kb.toolkit import load_toolkit

    def progress(n):
        if n >= 40:
            print("MID", flush=True)
            time.sleep(60)

    toolkit = load_toolkit(Path(sys.argv[1]))
    build(toolkit, Path(sys.argv[2]), progress=progress, procs=int(sys.argv[3]))
    print("DONE", flush=True)
"""


@pytest.mark.parametrize("procs", [1, 2], ids=["serial", "parallel"])
def test_kill_9_during_a_build_keeps_the_old_index_and_the_next_run_recovers(
    toolkit_dir: Path, index_dir: Path, procs: int
) -> None:
    old_generation = current_generation(index_dir)
    add_cards(toolkit_dir, N_CARDS, 160, words=WORDS)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(KILLED_BUILD),
            str(toolkit_dir),
            str(index_dir),
            str(procs),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_line(proc, "MID")
    workers = child_pids(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=SUBPROCESS_TIMEOUT)

    assert current_generation(index_dir) == old_generation
    assert len(generations(index_dir)) == 2  # the live one and the half-built one
    assert len(browse(index_dir)) == N_CARDS  # still the old, complete index
    if procs > 1:
        assert workers, "the parallel build should have worker processes"
        deadline = time.monotonic() + 30
        while any(is_running(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(is_running(pid) for pid in workers), "orphaned index workers"

    changes = update(load_toolkit(toolkit_dir), index_dir)  # no manual clean-up before
    assert changes.total == N_CARDS + 160 and len(changes.added) == 160
    assert generations(index_dir) == {old_generation.name}  # the half-built one is gone
    found = browse(index_dir)
    assert len(found) == len(set(found)) == N_CARDS + 160


def test_stale_leftovers_of_crashed_runs_are_removed_by_the_next_run(
    toolkit_dir: Path, index_dir: Path
) -> None:
    build(load_toolkit(toolkit_dir), index_dir)  # now there is a current and a previous one
    kept = generations(index_dir)
    (index_dir / "gen-20000101000000-1-000001").mkdir()
    (index_dir / "gen-20000101000000-1-000001" / "MAIN_x.seg").write_bytes(b"half")
    (index_dir / f".{CURRENT_FILE}.999999.tmp").write_text("gen-kaputt")
    changes = update(load_toolkit(toolkit_dir), index_dir)
    assert changes.count == 0
    assert generations(index_dir) == kept
    assert not list(index_dir.glob(".CURRENT.*"))


# ---- one writer at a time ----------------------------------------------------------------------

HOLD_LOCK = """
    import sys, time
    from pathlib import Path
    from zwk_kb.search.index import write_lock

    with write_lock(Path(sys.argv[1])):
        print("LOCKED", flush=True)
        time.sleep(float(sys.argv[2]))
"""


def hold_lock(index_dir: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(HOLD_LOCK), str(index_dir), str(seconds)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_line(proc, "LOCKED")
    return proc


def test_second_builder_waits_then_gets_index_busy_naming_the_holding_process(
    toolkit_dir: Path, index_dir: Path
) -> None:
    holder = hold_lock(index_dir, 30)
    try:
        started = time.monotonic()
        with pytest.raises(IndexBusy) as caught:
            build(load_toolkit(toolkit_dir), index_dir, lock_timeout=0.6)
        assert time.monotonic() - started >= 0.5  # it waited for the lock first
        message = str(caught.value)
        assert f"Prozess {holder.pid}" in message and "gerade" in message
        assert len(browse(index_dir)) == N_CARDS  # never emptied
    finally:
        holder.kill()
        holder.wait(timeout=SUBPROCESS_TIMEOUT)


def test_cli_index_with_a_busy_index_exits_1_and_names_the_process(
    toolkit_dir: Path, index_dir: Path
) -> None:
    from click.testing import CliRunner

    holder = hold_lock(index_dir, 30)
    try:
        result = CliRunner().invoke(
            cli.main,
            ["index", "--toolkit", str(toolkit_dir), "--index", str(index_dir), "--wait", "0.3"],
        )
        assert result.exit_code == 1
        assert f"Prozess {holder.pid}" in result.output
        assert "Traceback" not in result.output
    finally:
        holder.kill()
        holder.wait(timeout=SUBPROCESS_TIMEOUT)


def test_second_builder_waits_for_a_short_lock_and_then_succeeds(
    toolkit_dir: Path, index_dir: Path
) -> None:
    holder = hold_lock(index_dir, 1.0)
    started = time.monotonic()
    changes = build(load_toolkit(toolkit_dir), index_dir, lock_timeout=20)
    assert time.monotonic() - started >= 0.5
    assert changes.total == N_CARDS
    holder.wait(timeout=SUBPROCESS_TIMEOUT)


def test_kill_9_of_the_lock_holder_releases_the_lock(toolkit_dir: Path, index_dir: Path) -> None:
    holder = hold_lock(index_dir, 60)
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=SUBPROCESS_TIMEOUT)
    started = time.monotonic()
    build(load_toolkit(toolkit_dir), index_dir, lock_timeout=5)
    assert time.monotonic() - started < 5


# ---- full disk ---------------------------------------------------------------------------------

LIMITED_RUN = """
    import sys
    from pathlib import Path
    from zwk_kb.errors import ZwkKbError
    from zwk_kb.search.index import build, update
    from zwk_kb.toolkit import load_toolkit

    toolkit = load_toolkit(Path(sys.argv[1]))
    run = build if sys.argv[3] == "build" else update
    try:
        run(toolkit, Path(sys.argv[2]), procs=int(sys.argv[4]))
    except ZwkKbError as exc:
        print(exc)
        sys.exit(1)
    print("OK")
"""


def _file_size_limit(limit: int) -> Any:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.parametrize(
    ("mode", "procs"),
    [("build", 1), ("build", 2), ("update", 1)],
    ids=["full-build", "parallel-build", "incremental-update"],
)
def test_full_disk_simulated_by_a_file_size_limit_keeps_the_previous_index(
    toolkit_dir: Path, index_dir: Path, mode: str, procs: int
) -> None:
    old_generation = current_generation(index_dir)
    old_slugs = sorted(browse(index_dir))
    add_cards(toolkit_dir, N_CARDS, 80, words=(200, 300))
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent(LIMITED_RUN),
            str(toolkit_dir),
            str(index_dir),
            mode,
            str(procs),
        ],
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        preexec_fn=_file_size_limit(48 * 1024),  # writes beyond 48 KB fail with EFBIG
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Dateigröße" in proc.stdout and "bisherige Index bleibt" in proc.stdout
    assert "Traceback" not in proc.stderr

    assert current_generation(index_dir) == old_generation
    assert sorted(browse(index_dir)) == old_slugs  # nothing lost, nothing half-added

    changes = update(load_toolkit(toolkit_dir), index_dir)  # the next run recovers by itself
    assert changes.total == N_CARDS + 80
    assert len(browse(index_dir)) == N_CARDS + 80
    assert len(generations(index_dir)) <= 2


# ---- read-only folder (simulated) --------------------------------------------------------------


@pytest.fixture
def refuse_writes(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Make every write below a folder fail with EROFS, as on a read-only mount (reads work)."""
    roots: list[str] = []

    def inside(path: Any) -> bool:
        try:
            text = os.fspath(path)
        except TypeError:
            return False
        text = os.path.abspath(text.decode() if isinstance(text, bytes) else text)
        return any(text == r or text.startswith(r + os.sep) for r in roots)

    def refuse(path: Any) -> None:
        raise OSError(errno.EROFS, "Read-only file system", os.fspath(path))

    real_open, real_os_open = builtins.open, os.open

    def fake_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if inside(file) and any(c in mode for c in "wax+"):
            refuse(file)
        return real_open(file, mode, *args, **kwargs)

    def fake_os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if inside(path) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            refuse(path)
        return real_os_open(path, flags, *args, **kwargs)

    def guard(real: Any) -> Any:
        def wrapper(*paths: Any, **kwargs: Any) -> Any:
            for p in paths[:2]:
                if inside(p):
                    refuse(p)
            return real(*paths, **kwargs)

        return wrapper

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(io, "open", fake_open)
    monkeypatch.setattr(os, "open", fake_os_open)
    for name in ("mkdir", "makedirs", "replace", "rename", "remove", "unlink", "rmdir", "utime"):
        monkeypatch.setattr(os, name, guard(getattr(os, name)))
    yield roots.append


def test_read_only_index_dir_simulated_by_refused_writes_keeps_serving(
    toolkit_dir: Path, index_dir: Path, refuse_writes: Any
) -> None:
    old_generation = current_generation(index_dir)
    path = sorted(toolkit_dir.glob("*.md"))[2]
    change_card(path, "Schreibgeschützter Zaubertrank.")
    toolkit = load_toolkit(toolkit_dir)
    refuse_writes(str(index_dir.resolve()))

    for run in (update, build):
        with pytest.raises(IndexWriteError, match="schreibgeschützt") as caught:
            run(toolkit, index_dir)
        assert "bisherige Index bleibt" in str(caught.value)
    assert current_generation(index_dir) == old_generation
    assert len(browse(index_dir)) == N_CARDS  # reading still works
    pool = SearcherPool(index_dir)
    assert SearchEngine(pool).search(SearchRequest(q="Zaubertrank")).total == 0
    pool.close()


def test_up_to_date_read_only_index_is_served_without_error(
    toolkit_dir: Path, index_dir: Path, refuse_writes: Any
) -> None:
    """A CI-built index deployed read-only: checking it against unchanged cards must not fail."""
    refuse_writes(str(index_dir.resolve()))
    changes = update(load_toolkit(toolkit_dir), index_dir)
    assert (changes.count, changes.rebuilt, changes.total) == (0, False, N_CARDS)
    assert len(browse(index_dir)) == N_CARDS


# ---- never empties, rebuilds when needed -------------------------------------------------------


def test_an_index_run_without_valid_cards_never_empties_the_live_index(
    toolkit_dir: Path, index_dir: Path
) -> None:
    toolkit = load_toolkit(toolkit_dir)
    with pytest.raises(ZwkKbError, match="bleibt in Betrieb"):
        build(Toolkit((), toolkit.vocabulary), index_dir)
    (toolkit_dir / "_vocabulary.yml").write_text("topics: [nur, kaputt]\n", encoding="utf-8")
    broken = load_toolkit(toolkit_dir)
    assert not broken.cards
    with pytest.raises(ZwkKbError, match="bleibt in Betrieb"):
        update(broken, index_dir)
    assert len(browse(index_dir)) == N_CARDS
    assert build(Toolkit((), toolkit.vocabulary), index_dir, allow_empty=True).total == 0


def test_changed_analysis_code_or_vocabulary_forces_a_verified_rebuild(
    toolkit_dir: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toolkit = load_toolkit(toolkit_dir)
    assert not update(toolkit, index_dir).rebuilt
    monkeypatch.setattr(zindex, "code_fingerprint", lambda: "neuer-code")
    changes = update(toolkit, index_dir)
    assert changes.rebuilt and changes.total == N_CARDS
    meta = read_meta(current_generation(index_dir))  # type: ignore[arg-type]
    assert str(meta["fingerprint"]).endswith("neuer-code") and meta["cards"] == N_CARDS


def test_parallel_build_indexes_the_same_cards_as_a_serial_build(
    toolkit_dir: Path, tmp_path: Path
) -> None:
    toolkit = load_toolkit(toolkit_dir)
    build(toolkit, tmp_path / "serial", procs=1)
    build(toolkit, tmp_path / "parallel", procs=2)
    assert sorted(browse(tmp_path / "serial")) == sorted(browse(tmp_path / "parallel"))
    for q in ("Dorfladen", "Bürger:innen Ehrenamt", "Fachkräfte"):
        engines = [SearchEngine(SearcherPool(tmp_path / name)) for name in ("serial", "parallel")]
        totals = [e.search(SearchRequest(q=q)).total for e in engines]
        assert totals[0] == totals[1]
    meta = json.loads(next((tmp_path / "parallel").glob("gen-*/meta.json")).read_text())
    assert meta["cards"] == N_CARDS


# ---- progress ----------------------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("ci", "shown"), [("", True), ("true", False)])
def test_progress_bar_on_a_terminal_and_quiet_in_ci(
    toolkit_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ci: str, shown: bool
) -> None:
    monkeypatch.setattr(cli, "PROGRESS_MIN_CARDS", 5)
    monkeypatch.setenv("CI", ci)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    cli.index_toolkit(Settings(toolkit=toolkit_dir, index=tmp_path / "index"), full=True)
    assert ("Indexiere Karten" in terminal.getvalue()) is shown


# ---- what killed runs leave behind ---------------------------------------------------------------

KILL_POINTS = """
    import json, os, sys
    from dataclasses import replace
    from pathlib import Path
    import whoosh.index
    from zwk_kb.search import index as zindex
    from zwk_kb.toolkit import load_toolkit

    KILLED = 9
    toolkit = load_toolkit(Path(sys.argv[1]))
    index_dir = Path(sys.argv[2])

    def die(*args, **kwargs):
        os._exit(KILLED)  # like kill -9: no clean-up code runs

    def die_at(n):
        return lambda done: die() if done >= n else None

    # (name, operation, procs, patched module, attribute or None for the progress callback);
    # a build killed anywhere before its switch leaves a half-built generation, an update
    # killed anywhere leaves files in the live one
    POINTS = [
        ("build:documents", "build", 1, None, 5),
        ("build:segments-before-toc", "build", 1, whoosh.index.TOC, "write"),
        ("build:half-written-file", "build", 1, os, "fsync"),
        ("build:switch", "build", 1, zindex, "_switch"),
        ("parallel:workers", "build", 2, None, 5),
        ("update:documents", "update", 1, None, 2),
        ("update:segment-before-toc", "update", 1, whoosh.index.TOC, "write"),
        ("update:spelling", "update", 1, zindex, "_write_spelling"),
        ("update:half-written-file", "update", 1, os, "fsync"),
        ("update:stamps", "update", 1, zindex, "_write_stamps"),
    ]
    results = {}
    for name, operation, procs, module, target in POINTS:
        pid = os.fork()
        if pid == 0:
            progress = None
            if module is None:
                progress = die_at(target)
            else:
                setattr(module, target, die)
            run = zindex.build if operation == "build" else zindex.update
            try:
                run(toolkit, index_dir, progress=progress, procs=procs)
            finally:
                os._exit(0)  # reached the end: the point was never passed
        _, status = os.waitpid(pid, 0)
        results[name] = os.waitstatus_to_exitcode(status)
    print(json.dumps(results), flush=True)
"""


def file_kinds(index_dir: Path) -> set[str]:
    """The folder's files by kind: generation and segment names replaced by placeholders."""
    import re

    kinds = set()
    for path in index_dir.rglob("*"):
        name = str(path.relative_to(index_dir))
        name = re.sub(r"^gen-[^/]+", "gen-*", name)
        name = re.sub(r"MAIN_[0-9a-z]+\.", "MAIN_*.", name)
        name = re.sub(r"_MAIN_[0-9]+\.toc", "_MAIN_*.toc", name)
        kinds.add(name + ("/" if path.is_dir() else ""))
    return kinds


def orphan_segment_files(generation: Path) -> list[str]:
    """Files of segments the index does not list (Whoosh's names: MAIN_<segment>.<kind>)."""
    import re

    from whoosh import index as windex

    ix = windex.open_dir(str(generation))
    try:
        live = {segment.segment_id() for segment in ix._segments()}
    finally:
        ix.close()
    return sorted(
        p.name
        for p in generation.iterdir()
        if (m := re.match(r"(MAIN_[0-9a-z]+)\.", p.name)) and m.group(1) not in live
    )


def test_runs_killed_at_any_point_leave_nothing_once_the_next_run_succeeded(
    toolkit_dir: Path, index_dir: Path, tmp_path: Path
) -> None:
    paths = sorted(toolkit_dir.glob("*.md"))
    for n, path in enumerate(paths[:5]):
        change_card(path, f"Geändert {n}: Abbruchprobe.")
    paths[5].unlink()
    add_cards(toolkit_dir, N_CARDS, 3, words=WORDS)
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(KILL_POINTS), str(toolkit_dir), str(index_dir)],
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT * 2,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    killed = json.loads(proc.stdout.strip().splitlines()[-1])
    assert killed and all(code == 9 for code in killed.values()), killed  # each point was hit

    toolkit = load_toolkit(toolkit_dir)
    changes = update(toolkit, index_dir)  # the one good run
    assert changes.total == N_CARDS - 1 + 3
    clean = tmp_path / "clean"
    build(toolkit, clean)
    assert file_kinds(index_dir) == file_kinds(clean)
    assert len(generations(index_dir)) == 1
    generation = current_generation(index_dir)
    assert generation is not None
    assert orphan_segment_files(generation) == []
    assert len(list(generation.glob("_MAIN_*.toc"))) == 1
    found = browse(index_dir)
    assert len(found) == len(set(found)) == N_CARDS - 1 + 3


# ---- churn -------------------------------------------------------------------------------------


def segment_bytes(index_dir: Path) -> int:
    """Bytes of the Whoosh segments and their side files (what changes with every update)."""
    return sum(p.stat().st_size for p in index_dir.glob("gen-*/MAIN_*") if p.is_file())


def folder_bytes(index_dir: Path) -> int:
    return sum(p.stat().st_size for p in index_dir.rglob("*") if p.is_file())


def test_a_burst_of_updates_keeps_the_index_within_1_5_times_a_clean_build(
    toolkit_dir: Path, index_dir: Path, tmp_path: Path
) -> None:
    """Every card changed or removed, and as many added as removed, in four index runs."""
    paths = sorted(toolkit_dir.glob("*.md"))
    rounds, per_round = 4, N_CARDS // 4
    for r in range(rounds):
        first, *others = paths[r * per_round : (r + 1) * per_round]
        for path in others:
            change_card(path, f"Runde {r}: Nachtrag zur Nachbarschaftshilfe.")
        first.unlink()
        add_cards(toolkit_dir, N_CARDS + r, 1, words=WORDS)
        changes = update(load_toolkit(toolkit_dir), index_dir)
        assert changes.count == per_round + 1
    clean = tmp_path / "clean"
    build(load_toolkit(toolkit_dir), clean)
    assert segment_bytes(index_dir) <= 1.5 * segment_bytes(clean)
    assert folder_bytes(index_dir) <= 1.5 * folder_bytes(clean)
    generation = current_generation(index_dir)
    assert generation is not None and orphan_segment_files(generation) == []
    found = browse(index_dir)
    assert len(found) == len(set(found)) == N_CARDS
