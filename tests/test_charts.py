"""Server-side SVG charts and the map of Germany: accessible, CSP-safe, correct numbers."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from flask.testing import FlaskClient

from conftest import FIXTURE_CARDS, VOCABULARY, expected_slugs
from zwk_kb.outputs.charts import bar_chart_svg, germany_map_svg, map_levels, state_names

SVG = "{http://www.w3.org/2000/svg}"
STATES = {
    "Baden-Württemberg",
    "Bayern",
    "Berlin",
    "Brandenburg",
    "Bremen",
    "Hamburg",
    "Hessen",
    "Mecklenburg-Vorpommern",
    "Niedersachsen",
    "Nordrhein-Westfalen",
    "Rheinland-Pfalz",
    "Saarland",
    "Sachsen",
    "Sachsen-Anhalt",
    "Schleswig-Holstein",
    "Thüringen",
}


def assert_accessible_svg(svg: str, chart_id: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == f"{chart_id}-title {chart_id}-desc"
    assert root.find(f"{SVG}title").get("id") == f"{chart_id}-title"
    assert root.find(f"{SVG}desc").get("id") == f"{chart_id}-desc"
    assert "style=" not in svg and "<script" not in svg  # the CSP forbids inline styles
    return root


def test_bar_chart_has_one_bar_per_value_scaled_to_the_largest() -> None:
    svg = bar_chart_svg(
        "c", "Werkzeuge je Thema", [("Wohnen", 4), ("Bildung <&>", 2), ("Leer", 0)], what="je Thema"
    )
    root = assert_accessible_svg(svg, "c")
    widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect")]
    assert widths[0] > widths[1] > widths[2] == 0
    assert widths[1] == pytest.approx(widths[0] / 2)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Bildung <&>" in texts and "4" in texts
    assert "Am häufigsten: Wohnen: 4" in root.find(f"{SVG}desc").text


def test_map_has_the_16_states_shaded_by_count() -> None:
    assert set(state_names()) == STATES
    counts = {"Sachsen-Anhalt": 8, "Bayern": 1, "Berlin": 3}
    root = assert_accessible_svg(germany_map_svg("m", "Karte", counts), "m")
    paths = {p.get("data-state"): p for p in root.iter(f"{SVG}path")}
    assert set(paths) == STATES
    assert paths["Sachsen-Anhalt"].get("data-count") == "8"
    fills = {name: p.get("fill") for name, p in paths.items()}
    assert fills["Hessen"] == fills["Saarland"]  # both without tools
    assert len({fills["Sachsen-Anhalt"], fills["Berlin"], fills["Bayern"], fills["Hessen"]}) == 4
    assert paths["Bayern"].find(f"{SVG}title").text == "Bayern: 1 Werkzeug"
    desc = root.find(f"{SVG}desc").text
    assert "Sachsen-Anhalt (8)" in desc and "Noch keine Werkzeuge aus:" in desc
    # city states are drawn last, on top of the states around them
    order = [p.get("data-state") for p in root.iter(f"{SVG}path")]
    assert order[-3:] == ["Berlin", "Bremen", "Hamburg"]
    for path in paths.values():
        assert re.fullmatch(r"(M[\d., ]+Z)+", path.get("d"))


@pytest.mark.parametrize(
    ("counts", "levels"),
    [
        ({}, [(0, 0, 0)]),
        ({"a": 1}, [(0, 0, 0), (1, 1, 1)]),
        ({"a": 8}, [(0, 0, 0), (1, 1, 2), (2, 3, 4), (3, 5, 6), (4, 7, 8)]),
    ],
)
def test_map_legend_levels(counts: dict[str, int], levels: list[tuple[int, int, int]]) -> None:
    assert map_levels(counts) == levels


def test_overview_page_shows_charts_and_the_same_numbers_as_tables(client: FlaskClient) -> None:
    response = client.get("/ueberblick")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('role="img"') == 4  # map (states) + topics, challenges, clusters
    assert html.count("<table") == 4 and "<caption" in html
    for topic in {t for c in FIXTURE_CARDS.values() for t in c["meta"]["topics"]}:
        count = len(expected_slugs("topics", topic))
        link = re.escape(
            f'>{topic}</a></th><td class="kern-table__cell kern-table__cell--numeric num">'
        )
        assert re.search(link + str(count) + "<", html), topic
    sachsen_anhalt = len(expected_slugs("state", "Sachsen-Anhalt"))
    assert f'data-state="Sachsen-Anhalt" data-code="DE-ST" data-count="{sachsen_anhalt}"' in html
    assert f"{len(FIXTURE_CARDS)} Werkzeuge" in html
    assert set(VOCABULARY["communes"]["Zerbst"].values()) - {"Stadt"} <= set(
        re.findall(r">([^<>]+)</a>", html)
    )


def test_long_bar_labels_wrap_instead_of_running_out_of_the_chart() -> None:
    word = "Grundstücksverkehrsgenehmigungszuständigkeitsübertragungsverordnung"
    label = f"{word} in kleinen Gemeinden umsetzen"
    svg = bar_chart_svg("c", "T", [(label, 3), ("Wohnen", 1)], what="je Thema")
    root = assert_accessible_svg(svg, "c")
    [long_label, short_label] = [
        t for t in root.iter(f"{SVG}text") if t.get("class") == "chart-label"
    ]
    lines = [span.text or "" for span in long_label.iter(f"{SVG}tspan")]
    assert "".join(lines).replace(" ", "") == label.replace(" ", "")  # nothing lost
    assert len(lines) >= 2 and all(len(line) <= 40 for line in lines)
    assert short_label.text == "Wohnen"
    # the bars move down with the extra lines, and the chart grows to hold them
    rects = [float(r.get("y")) for r in root.iter(f"{SVG}rect")]
    last_line_y = float(long_label.get("y")) + 18 * (len(lines) - 1)
    assert rects[0] > last_line_y and rects[1] > rects[0]
    height = float(root.get("viewBox").split()[3])
    assert height >= rects[1] + 14
