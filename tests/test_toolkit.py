"""Reading a toolkit folder: which files are cards, safe reading, images, alias collisions."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from zwk_kb.errors import ToolkitError
from zwk_kb.toolkit import iter_card_paths, load_toolkit

VOCABULARY = """\
topics: [Wohnen, Mobilität]
challenges: [Leerstand]
communes:
  Barleben: {state: Sachsen-Anhalt, cluster: Nord, kind: Gemeinde}
"""


def card_text(title: str = "Karte", extra: str = "", body: str = "") -> str:
    return (
        f"---\ntitle: {title}\nsummary: Kurz.\ntopics: [Wohnen]\ncommunes: [Barleben]\n"
        f"challenges: [Leerstand]\npublished: 2024-01-01\ncontact: {{name: Team}}\n{extra}"
        "sources: [{title: Werkzeugkoffer, url: 'https://example.org/werkzeugkoffer'}]\n---\n\n"
        f"## Eins\n\nText.\n\n## Zwei\n\nText.\n{body}"
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    directory = tmp_path / "toolkit"
    directory.mkdir()
    (directory / "_vocabulary.yml").write_text(VOCABULARY, encoding="utf-8")
    return directory


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_only_md_files_directly_in_the_folder_are_cards(folder: Path) -> None:
    for name in ["b.md", "a.md", "_vorlage.md", ".versteckt.md", "notiz.txt", "sub/c.md"]:
        write(folder, name, card_text())
    (folder / "ordner.md").mkdir()
    assert [p.name for p in iter_card_paths(folder)] == ["a.md", "b.md"]
    toolkit = load_toolkit(folder)
    assert [c.slug for c in toolkit.cards] == ["a", "b"]
    assert toolkit.problems == ()


def test_missing_folder_or_vocabulary_is_a_toolkit_error(tmp_path: Path) -> None:
    with pytest.raises(ToolkitError, match="gibt es nicht"):
        load_toolkit(tmp_path / "fehlt")
    with pytest.raises(ToolkitError, match=r"_vocabulary\.yml"):
        load_toolkit(tmp_path)


def test_broken_cards_are_skipped_and_the_rest_is_loaded(folder: Path) -> None:
    write(folder, "gut.md", card_text())
    write(folder, "schlecht.md", card_text().replace("[Wohnen]", "[Raumfahrt]"))
    (folder / "latin.md").write_bytes(card_text("Über").encode("latin-1"))
    toolkit = load_toolkit(folder)
    assert [c.slug for c in toolkit.cards] == ["gut"]
    assert {(Path(p.path).name, p.line) for p in toolkit.errors} == {
        ("schlecht.md", 4),
        ("latin.md", 2),
    }


def test_progress_counts_every_card_file_up_to_the_total(folder: Path) -> None:
    """A command line can show how far reading 10,000 cards got: (done, total) per card file,
    broken files included, from 0 to the total."""
    for n in range(7):
        write(folder, f"karte-{n}.md", card_text(f"Karte {n}"))
    write(folder, "kaputt.md", card_text().replace("[Wohnen]", "[Raumfahrt]"))
    write(folder, "_vorlage.md", card_text())  # not a card file: not counted
    calls: list[tuple[int, int]] = []
    toolkit = load_toolkit(folder, progress=lambda done, total: calls.append((done, total)))
    assert len(toolkit.cards) == 7
    assert calls == [(done, 8) for done in range(9)]


def test_progress_is_optional_and_changes_nothing(folder: Path) -> None:
    for n in range(3):
        write(folder, f"karte-{n}.md", card_text(f"Karte {n}"))
    quiet = load_toolkit(folder)
    told = load_toolkit(folder, progress=lambda done, total: None)
    assert quiet == told


def test_symlinked_card_is_refused(folder: Path) -> None:
    target = write(folder.parent, "elsewhere.md", card_text())
    os.symlink(target, folder / "verweis.md")
    toolkit = load_toolkit(folder)
    assert toolkit.cards == ()
    assert [p.message for p in toolkit.errors] == [
        "Die Datei ist ein Verweis (Symlink). Bitte eine echte Datei anlegen."
    ]


def test_oversized_file_is_not_read(folder: Path) -> None:
    write(folder, "riesig.md", card_text(body="x" * (300 * 1024)))
    toolkit = load_toolkit(folder)
    assert toolkit.cards == ()
    assert toolkit.errors[0].message.startswith(
        "Die Datei ist 300 KB groß, erlaubt sind höchstens 256 KB."
    )


def test_images_must_exist_inside_the_toolkit(folder: Path) -> None:
    (folder / "bilder").mkdir()
    (folder / "bilder" / "bus.png").write_bytes(b"png")
    (folder.parent / "geheim.png").write_bytes(b"png")
    os.symlink(folder.parent / "geheim.png", folder / "bilder" / "link.png")
    write(folder, "gut.md", card_text(body="\n![Der Bus](bilder/bus.png)\n"))
    write(folder, "fehlt.md", card_text(body="\n![Der Bus](bilder/Bus.png)\n"))
    write(folder, "draussen.md", card_text(body="\n![Geheim](../geheim.png)\n"))
    write(folder, "verweis.md", card_text(body="\n![Geheim](bilder/link.png)\n"))
    toolkit = load_toolkit(folder)
    assert [c.slug for c in toolkit.cards] == ["gut"]
    by_file = {Path(p.path).name: (p.line, p.column, p.message) for p in toolkit.errors}
    assert by_file["fehlt.md"] == (
        20,  # one line below the sources line of card_text
        12,
        "Das Bild „bilder/Bus.png“ gibt es nicht. Bitte die Datei hochladen oder den Namen prüfen "
        "(Groß-/Kleinschreibung zählt).",
    )
    assert "außerhalb des Karten-Ordners" in by_file["draussen.md"][2]
    assert "außerhalb des Karten-Ordners" in by_file["verweis.md"][2]


def test_alias_of_another_cards_file_name_drops_the_alias_owner(folder: Path) -> None:
    write(folder, "bus.md", card_text("Bus"))
    write(folder, "rufbus.md", card_text("Rufbus", "aliases: [bus]\n"))
    toolkit = load_toolkit(folder)
    assert [c.slug for c in toolkit.cards] == ["bus"]
    (problem,) = toolkit.errors
    assert (Path(problem.path).name, problem.line, problem.column) == ("rufbus.md", 9, 11)
    assert problem.message.startswith(
        "Der frühere Kurzname „bus“ ist der Dateiname einer anderen Karte"
    )


def test_alias_claimed_twice_keeps_the_first_card(folder: Path) -> None:
    write(folder, "a.md", card_text("A", "aliases: [alt]\n"))
    write(folder, "b.md", card_text("B", "aliases:\n  - alt\n"))
    toolkit = load_toolkit(folder)
    assert [c.slug for c in toolkit.cards] == ["a"]
    (problem,) = toolkit.errors
    assert (Path(problem.path).name, problem.line, problem.column) == ("b.md", 10, 5)
    assert f"{folder / 'a.md'}:9:11" in problem.message


def test_own_slug_as_alias_is_only_a_warning(folder: Path) -> None:
    write(folder, "bus.md", card_text("Bus", "aliases: [bus, alter-bus]\n"))
    toolkit = load_toolkit(folder)
    assert [c.aliases for c in toolkit.cards] == [("bus", "alter-bus")]
    assert [p.severity for p in toolkit.problems] == ["warning"]


def test_crlf_card_has_the_same_data_and_line_numbers(folder: Path) -> None:
    write(folder, "unix.md", card_text(extra="status: fertig\n"))
    (folder / "windows.md").write_bytes(
        card_text(extra="status: fertig\n").replace("\n", "\r\n").encode()
    )
    toolkit = load_toolkit(folder)
    positions = {Path(p.path).name: (p.line, p.column) for p in toolkit.errors}
    assert positions == {"unix.md": (9, 9), "windows.md": (9, 9)}


# ---- incremental loads: only files whose metadata changed are read ------------------------------


def age(*paths: Path, seconds: float = 100.0) -> None:
    """Files as a checkout from a while ago leaves them (files written this very moment are
    compared by content on the next load: their next change could keep size and time)."""
    for path in paths:
        when = path.stat().st_mtime_ns - int(seconds * 1e9)
        os.utime(path, ns=(when, when), follow_symlinks=False)


@pytest.fixture
def watched(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Names of the card files each load reads (hashes) and parses."""
    from zwk_kb import toolkit as module

    seen: dict[str, list[str]] = {"read": [], "parsed": []}
    real_hash, real_check = module._file_hash, module.check_card_file

    def file_hash(path: Path) -> str | None:
        seen["read"].append(path.name)
        return real_hash(path)

    def check_card_file(path: Path, *args: object, **kwargs: object) -> object:
        seen["parsed"].append(path.name)
        return real_check(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "_file_hash", file_hash)
    monkeypatch.setattr(module, "check_card_file", check_card_file)
    return seen


def many_cards(folder: Path, count: int = 6) -> list[Path]:
    paths = [write(folder, f"karte-{n}.md", card_text(f"Karte {n}")) for n in range(count)]
    age(*folder.iterdir())
    return paths


def test_unchanged_files_are_neither_read_nor_parsed(
    folder: Path, watched: dict[str, list[str]]
) -> None:
    paths = many_cards(folder)
    first = load_toolkit(folder)
    assert len(first.cards) == 6 and first.complete
    paths[2].write_text(card_text("Karte 2, neu"), encoding="utf-8")
    watched["read"].clear()
    watched["parsed"].clear()
    again = load_toolkit(folder, known=first.files)
    assert watched["parsed"] == ["karte-2.md"]
    assert watched["read"] in ([], ["karte-2.md"])  # hashed at most where metadata changed
    assert [c.title for c in again.cards] == ["Karte 2, neu"]
    assert len(again.stamps) == 6 and again.stamps["karte-2"] != first.stamps["karte-2"]
    assert {slug for slug, _ in again.unparsed} == {f"karte-{n}" for n in (0, 1, 3, 4, 5)}


def test_a_touched_but_unchanged_file_is_hashed_not_parsed(
    folder: Path, watched: dict[str, list[str]]
) -> None:
    paths = many_cards(folder)
    first = load_toolkit(folder)
    age(paths[4], seconds=-50)  # touch: another time stamp, the same content
    watched["parsed"].clear()
    again = load_toolkit(folder, known=first.files)
    assert watched["parsed"] == [] and watched["read"][-1:] == ["karte-4.md"]
    assert again.stamps == first.stamps and again.cards == ()


def test_a_replaced_file_with_the_old_size_and_time_stamp_is_still_caught(
    folder: Path, watched: dict[str, list[str]]
) -> None:
    """A copy that keeps time stamps (cp -p, rsync -t) writes a new file: its inode differs."""
    paths = many_cards(folder)
    first = load_toolkit(folder)
    old = paths[1].read_text(encoding="utf-8")
    new = old.replace("Karte 1", "Karte X")
    assert len(new) == len(old)
    copy = folder.parent / "kopie.md"
    copy.write_text(new, encoding="utf-8")
    shutil.copystat(paths[1], copy)
    os.replace(copy, paths[1])
    assert paths[1].stat().st_mtime_ns == first.files.files[1].mtime_ns  # type: ignore[union-attr]
    again = load_toolkit(folder, known=first.files)
    assert [c.title for c in again.cards] == ["Karte X"]


def test_a_second_edit_in_the_same_instant_with_the_same_size_is_caught(folder: Path) -> None:
    """Coarse file-system clocks: an edit right after a load may keep size and time stamp."""
    path = write(folder, "karte.md", card_text("Karte A"))
    first = load_toolkit(folder)
    before = path.stat()
    path.write_text(card_text("Karte B"), encoding="utf-8")  # same size, same inode
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    again = load_toolkit(folder, known=first.files)
    assert [c.title for c in again.cards] == ["Karte B"]


def test_remembered_problems_are_reported_again_without_parsing(
    folder: Path, watched: dict[str, list[str]]
) -> None:
    many_cards(folder, 2)
    write(folder, "schlecht.md", card_text().replace("[Wohnen]", "[Raumfahrt]"))
    age(folder / "schlecht.md")
    first = load_toolkit(folder)
    watched["parsed"].clear()
    again = load_toolkit(folder, known=first.files)
    assert watched["parsed"] == []
    assert [p.format() for p in again.errors] == [p.format() for p in first.errors]
    assert "schlecht" not in again.stamps


def test_a_changed_vocabulary_makes_unchanged_cards_valid(folder: Path) -> None:
    write(folder, "raumfahrt.md", card_text().replace("[Wohnen]", "[Raumfahrt]"))
    age(folder / "raumfahrt.md")
    first = load_toolkit(folder)
    assert first.cards == () and first.errors
    vocabulary = (folder / "_vocabulary.yml").read_text(encoding="utf-8")
    (folder / "_vocabulary.yml").write_text(
        vocabulary.replace("[Wohnen, Mobilität]", "[Wohnen, Mobilität, Raumfahrt]"),
        encoding="utf-8",
    )
    again = load_toolkit(folder, known=first.files)
    assert [c.slug for c in again.cards] == ["raumfahrt"] and not again.errors


def test_an_added_image_makes_an_unchanged_card_valid(folder: Path) -> None:
    write(folder, "bus.md", card_text(body="\n![Der Bus](bilder/bus.png)\n"))
    age(folder / "bus.md")
    first = load_toolkit(folder)
    assert first.cards == () and "gibt es nicht" in first.errors[0].message
    (folder / "bilder").mkdir()
    (folder / "bilder" / "bus.png").write_bytes(b"png")
    again = load_toolkit(folder, known=first.files)
    assert [c.slug for c in again.cards] == ["bus"] and not again.errors


def test_an_alias_conflict_is_judged_over_all_files_also_unchanged_ones(folder: Path) -> None:
    write(folder, "a.md", card_text("A", "aliases: [alt]\n"))
    write(folder, "b.md", card_text("B", "aliases:\n  - alt\n"))
    age(folder / "a.md", folder / "b.md")
    first = load_toolkit(folder)
    assert set(first.stamps) == {"a"}
    write(folder, "a.md", card_text("A"))  # gives the name up: b (unchanged) is a card again
    again = load_toolkit(folder, known=first.files)
    assert set(again.stamps) == {"a", "b"} and not again.errors
