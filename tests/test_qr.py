"""QR codes of permalinks: inline on pages, SVG and PNG for slides."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import segno
from flask.testing import FlaskClient

from zwk_kb.outputs.qr import qr_inline_svg, qr_png, qr_svg

URL = "https://werkzeuge.example.de/werkzeuge/sprachcafe"


def test_svg_file_is_valid_black_on_white() -> None:
    data = qr_svg(URL)
    assert data.startswith(b"<?xml")
    root = ET.fromstring(data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert b'fill="#fff"' in data and b'stroke="#000"' in data


def test_png_file_is_a_png() -> None:
    assert qr_png(URL).startswith(b"\x89PNG\r\n\x1a\n")


def test_inline_svg_is_labelled_and_has_no_inline_style() -> None:
    svg = qr_inline_svg(URL, 'QR-Code für „Sprachcafé" <neu>')
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    assert root.get("aria-label") == 'QR-Code für „Sprachcafé" <neu>'
    assert root.get("class") == "qr-code"
    assert "style=" not in svg and "width=" not in svg.split(">")[0]


def test_the_code_encodes_the_url_with_medium_error_correction() -> None:
    reference = segno.make(URL, error="m", micro=False, boost_error=False)
    assert reference.error == "M"
    mine = ET.fromstring(qr_inline_svg(URL, "x"))
    assert (
        mine.get("viewBox") == f"0 0 {reference.symbol_size(scale=1, border=2)[0]} "
        f"{reference.symbol_size(scale=1, border=2)[1]}"
    )


def test_overlong_urls_are_refused() -> None:
    with pytest.raises(ValueError):
        qr_svg("https://x/" + "a" * 600)


@pytest.mark.parametrize("suffix", ["qr.svg", "qr.png"])
def test_card_qr_files_are_served_and_follow_aliases(client: FlaskClient, suffix: str) -> None:
    response = client.get(f"/werkzeuge/sprachcafe/{suffix}")
    assert response.status_code == 200
    assert response.mimetype == ("image/svg+xml" if suffix.endswith("svg") else "image/png")
    assert f'filename="qr-sprachcafe.{suffix[3:]}"' in response.headers["Content-Disposition"]
    assert "max-age" in response.headers["Cache-Control"]
    moved = client.get(f"/werkzeuge/leerstand-rosslau/{suffix}")
    assert moved.status_code == 301
    assert moved.headers["Location"].endswith(f"/werkzeuge/leerstandsboerse-rosslau/{suffix}")


@pytest.mark.parametrize("slug", ["gibt-es-nicht", "%2e%2e", "Sprachcafe", "a" * 200])
def test_qr_of_unknown_cards_is_404(client: FlaskClient, slug: str) -> None:
    assert client.get(f"/werkzeuge/{slug}/qr.svg").status_code == 404


def test_svg_download_encodes_the_configured_public_address(app, settings) -> None:  # type: ignore[no-untyped-def]
    from zwk_kb.web import create_app

    public = create_app(settings.replace(base_url="https://werkzeuge.example.de/"))
    data = public.test_client().get("/werkzeuge/sprachcafe/qr.svg").data
    assert b"<title>https://werkzeuge.example.de/werkzeuge/sprachcafe</title>" in data
