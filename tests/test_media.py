"""Images in cards: relative references are served from the toolkit folder, nothing else is."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from conftest import FIXTURE_CARDS, write_card
from zwk_kb.config import Settings
from zwk_kb.search.index import build
from zwk_kb.toolkit import load_toolkit
from zwk_kb.web import create_app

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def client_with_image(fresh_toolkit_dir: Path, tmp_path: Path) -> FlaskClient:
    (fresh_toolkit_dir / "bilder").mkdir()
    (fresh_toolkit_dir / "bilder" / "bus.png").write_bytes(PNG)
    (fresh_toolkit_dir / "bilder" / "logo.svg").write_text("<svg><script>alert(1)</script></svg>")
    card = FIXTURE_CARDS["kindergarten-im-dorf"]
    body = card["body"] + "\n![Der Bus vor dem Rathaus](bilder/bus.png)\n"
    write_card(fresh_toolkit_dir, "kindergarten-im-dorf", card["meta"], body)
    index_dir = tmp_path / "index"
    toolkit = load_toolkit(fresh_toolkit_dir)
    assert not [p for p in toolkit.errors if "kindergarten" in p.path]
    build(toolkit, index_dir)
    return create_app(Settings(toolkit=fresh_toolkit_dir, index=index_dir)).test_client()


def test_card_image_is_shown(client_with_image: FlaskClient) -> None:
    page = client_with_image.get("/werkzeuge/kindergarten-im-dorf").get_data(as_text=True)
    assert '<img src="/medien/bilder/bus.png" alt="Der Bus vor dem Rathaus"' in page
    image = client_with_image.get("/medien/bilder/bus.png")
    assert image.status_code == 200
    assert image.mimetype == "image/png"
    assert image.data == PNG


@pytest.mark.parametrize(
    "path",
    [
        "/medien/bilder/logo.svg",
        "/medien/_vocabulary.yml",
        "/medien/kindergarten-im-dorf.md",
        "/medien/../../etc/passwd",
        "/medien/%2e%2e/%2e%2e/etc/hostname",
        "/medien/bilder/fehlt.png",
    ],
)
def test_only_images_inside_the_toolkit_are_served(
    client_with_image: FlaskClient, path: str
) -> None:
    assert client_with_image.get(path).status_code == 404


def test_check_refuses_image_formats_the_site_does_not_show(fresh_toolkit_dir: Path) -> None:
    (fresh_toolkit_dir / "bilder").mkdir()
    (fresh_toolkit_dir / "bilder" / "logo.svg").write_text("<svg/>")
    card = FIXTURE_CARDS["kindergarten-im-dorf"]
    write_card(
        fresh_toolkit_dir,
        "kindergarten-im-dorf",
        card["meta"],
        card["body"] + "\n![Logo](bilder/logo.svg)\n",
    )
    problems = [p for p in load_toolkit(fresh_toolkit_dir).errors if "kindergarten" in p.path]
    assert [p.message for p in problems] == [
        "Das Bild „bilder/logo.svg“ hat ein Format, das die Seite nicht zeigt. "
        "Bitte als PNG, JPG, GIF oder WebP speichern."
    ]
