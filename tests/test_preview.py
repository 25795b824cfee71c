"""Preview for contributors: `zwk-kb serve --dev` shows card changes on reload.

A contributor edits, adds or deletes a card file and reloads the page; no restart. A card that
fails validation shows its errors on its own page instead of disappearing silently.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from conftest import BROKEN_CARD_SLUG, FIXTURE_CARDS, write_card
from zwk_kb.config import Settings
from zwk_kb.search.index import build
from zwk_kb.toolkit import load_toolkit
from zwk_kb.web import DEV_CHECK_SECONDS, create_app


@pytest.fixture
def preview(fresh_toolkit_dir: Path, tmp_path: Path) -> tuple[FlaskClient, Path]:
    index_dir = tmp_path / "index"
    build(load_toolkit(fresh_toolkit_dir), index_dir)
    app = create_app(Settings(toolkit=fresh_toolkit_dir, index=index_dir, dev=True))
    return app.test_client(), fresh_toolkit_dir


def reload(client: FlaskClient, url: str) -> str:
    """Wait past the preview's check interval, then load the page like a browser reload."""
    time.sleep(DEV_CHECK_SECONDS + 0.05)
    return client.get(url).get_data(as_text=True)


def test_changed_card_shows_on_reload(preview: tuple[FlaskClient, Path]) -> None:
    client, folder = preview
    assert "Den Kindergarten im Dorf erhalten" in client.get("/werkzeuge/kindergarten-im-dorf").text
    card = FIXTURE_CARDS["kindergarten-im-dorf"]
    meta = dict(card["meta"], title="Kindergarten im Dorf: neu geordnet")
    write_card(folder, "kindergarten-im-dorf", meta, card["body"])
    page = reload(client, "/werkzeuge/kindergarten-im-dorf")
    assert "Kindergarten im Dorf: neu geordnet" in page
    assert 'href="/werkzeuge/kindergarten-im-dorf"' in reload(client, "/?q=geordnet")


def test_added_and_deleted_cards_show_on_reload(preview: tuple[FlaskClient, Path]) -> None:
    client, folder = preview
    card = FIXTURE_CARDS["kindergarten-im-dorf"]
    write_card(folder, "ganz-neue-karte", dict(card["meta"], title="Ganz neue Karte"), card["body"])
    assert "Ganz neue Karte" in reload(client, "/werkzeuge/ganz-neue-karte")
    (folder / "ganz-neue-karte.md").unlink()
    time.sleep(DEV_CHECK_SECONDS + 0.05)
    assert client.get("/werkzeuge/ganz-neue-karte").status_code == 404


def test_broken_card_shows_its_errors_on_its_page(preview: tuple[FlaskClient, Path]) -> None:
    client, folder = preview
    card = FIXTURE_CARDS["kindergarten-im-dorf"]
    write_card(folder, "karte-mit-fehler", dict(card["meta"], published="2024-02-30"), card["body"])
    time.sleep(DEV_CHECK_SECONDS + 0.05)
    response = client.get("/werkzeuge/karte-mit-fehler")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Diese Karte hat noch Fehler" in text
    assert "karte-mit-fehler.md:" in text and "2024-02-30" in text


def test_without_dev_mode_broken_cards_are_a_plain_404(client: FlaskClient) -> None:
    # the fixture toolkit has an invalid card; outside the preview it simply does not exist
    assert client.get(f"/werkzeuge/{BROKEN_CARD_SLUG}").status_code == 404


def test_a_reload_after_an_edit_parses_only_the_edited_card(
    preview: tuple[FlaskClient, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from zwk_kb import toolkit as module

    client, folder = preview
    client.get("/")  # the preview's first check
    parsed: list[str] = []
    real = module.check_card_file

    def check_card_file(path: Path, *args: object, **kwargs: object) -> object:
        parsed.append(path.name)
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "check_card_file", check_card_file)
    card = FIXTURE_CARDS["sprachcafe"]
    write_card(folder, "sprachcafe", dict(card["meta"], title="Sprachcafé am Abend"), card["body"])
    assert "Sprachcafé am Abend" in reload(client, "/werkzeuge/sprachcafe")
    assert parsed == ["sprachcafe.md"]
    assert "Sprachcafé am Abend" in reload(client, "/werkzeuge/sprachcafe")
    assert parsed == ["sprachcafe.md"]  # nothing changed since: nothing parsed again
