"""Accessible SVG charts drawn on the server: horizontal bar charts and a map of Germany's states.

Every chart is an ``<svg role="img" aria-labelledby="…">`` with ``<title>`` and ``<desc>`` that
say in words what the chart shows; the page prints the same numbers as a table beside it. No
inline styles (the Content-Security-Policy forbids them): colours are SVG attributes or CSS
classes from ``style.css``. The map is projected from ``data/germany_states.geojson`` (Natural
Earth, public domain), which ships with the package: no tile server, no network.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

from zwk_kb.characters import xml_text

MAP_RESOURCE = ("data", "germany_states.geojson")
BAR_WIDTH = 380  # narrow viewBox: the labels stay readable when a phone shrinks the chart
BAR_LABEL_HEIGHT = 20
BAR_HEIGHT = 14
BAR_GAP = 10
BAR_FONT = 15
BAR_LABEL_CHARS = 40
"""Characters per label line: a longer label wraps onto further lines (the SVG would cut it off
at its right edge), a longer word is split."""
BAR_LINE_HEIGHT = 18
BAR_FILL = "#1d3f8f"  # KERN dark blue; contrast to white 10:1
MAP_WIDTH = 420
MAP_COLOURS = ("#eceff4", "#c5d3f0", "#8ba6e0", "#4a6cc4", "#1d3f8f")
"""Fill per level: no tools, then four steps up to the maximum (each step darker)."""
MAP_TEXT_ON = ("#131525", "#131525", "#131525", "#ffffff", "#ffffff")
CITY_STATES = ("Berlin", "Hamburg", "Bremen")  # drawn last, on top of the states around them


def _count_words(count: int) -> str:
    return "1 Werkzeug" if count == 1 else f"{count} Werkzeuge"


def label_lines(label: str, width: int = BAR_LABEL_CHARS) -> list[str]:
    """A chart label as lines of at most ``width`` characters, broken at spaces where it can."""
    lines: list[str] = []
    current = ""
    for word in label.split() or [""]:
        while len(word) > width:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:width])
            word = word[width:]
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return lines


def bar_chart_svg(chart_id: str, title: str, bars: Sequence[tuple[str, int]], *, what: str) -> str:
    """A horizontal bar chart, one bar per (label, count), labels above the bars.

    ``what`` names the grouping for the description ("je Thema").
    """
    bars = list(bars)
    maximum = max((count for _, count in bars), default=0) or 1
    lines = [label_lines(label) for label, _ in bars]
    rows = [
        BAR_LABEL_HEIGHT + (len(ls) - 1) * BAR_LINE_HEIGHT + BAR_HEIGHT + BAR_GAP for ls in lines
    ]
    height = max(sum(rows), BAR_LABEL_HEIGHT + BAR_HEIGHT + BAR_GAP)
    top = sorted(bars, key=lambda b: -b[1])[:3]
    summary = ", ".join(f"{label}: {count}" for label, count in top)
    desc = (
        f"Balkendiagramm: Anzahl der Werkzeuge {what}, {len(bars)} Balken. "
        + (f"Am häufigsten: {summary}. " if bars else "Keine Daten. ")
        + "Alle Zahlen stehen in der Tabelle neben dem Diagramm."
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-bars" role="img" '
        f'viewBox="0 0 {BAR_WIDTH} {height}" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'id="{chart_id}">',
        f'<title id="{chart_id}-title">{xml_text(title)}</title>',
        f'<desc id="{chart_id}-desc">{xml_text(desc)}</desc>',
    ]
    usable = BAR_WIDTH - 36
    y = 0
    for (_, count), label_parts, row in zip(bars, lines, rows, strict=True):
        width = max(2.0, usable * count / maximum) if count else 0.0
        if len(label_parts) == 1:
            text = xml_text(label_parts[0])
        else:
            text = "".join(
                f'<tspan x="0" dy="{0 if n == 0 else BAR_LINE_HEIGHT}">{xml_text(part)}</tspan>'
                for n, part in enumerate(label_parts)
            )
        parts.append(
            f'<text x="0" y="{y + 15}" class="chart-label" fill="#131525" font-size="{BAR_FONT}">'
            f"{text}</text>"
        )
        bar_y = y + BAR_LABEL_HEIGHT + (len(label_parts) - 1) * BAR_LINE_HEIGHT
        parts.append(
            f'<rect x="0" y="{bar_y}" width="{width:.1f}" height="{BAR_HEIGHT}" '
            f'fill="{BAR_FILL}" rx="2"/>'
        )
        parts.append(
            f'<text x="{width + 6:.1f}" y="{bar_y + 12}" class="chart-value" '
            f'fill="#131525" font-size="{BAR_FONT}" font-weight="600">{count}</text>'
        )
        y += row
    parts.append("</svg>")
    return "".join(parts)


@cache
def _states() -> tuple[tuple[str, str, tuple[tuple[tuple[float, float], ...], ...]], ...]:
    """(name, code, rings of (lon, lat)) for the 16 states, city states last."""
    ref = resources.files("zwk_kb").joinpath(*MAP_RESOURCE)
    data = json.loads(ref.read_text(encoding="utf-8"))
    states = []
    for feature in data["features"]:
        rings = tuple(
            tuple((float(x), float(y)) for x, y in polygon[0])
            for polygon in feature["geometry"]["coordinates"]
        )
        states.append((feature["properties"]["name"], feature["properties"]["code"], rings))
    states.sort(key=lambda s: (s[0] in CITY_STATES, s[0]))
    return tuple(states)


def state_names() -> list[str]:
    """The 16 Bundesländer, alphabetically."""
    return sorted(name for name, _, _ in _states())


@cache
def _projection() -> tuple[float, float, float, float, float]:
    """Equirectangular projection at Germany's middle latitude: (lon0, lat1, kx, scale, height)."""
    points = [p for _, _, rings in _states() for ring in rings for p in ring]
    lon0, lon1 = min(p[0] for p in points), max(p[0] for p in points)
    lat0, lat1 = min(p[1] for p in points), max(p[1] for p in points)
    kx = math.cos(math.radians((lat0 + lat1) / 2))
    scale = (MAP_WIDTH - 8) / ((lon1 - lon0) * kx)
    height = (lat1 - lat0) * scale + 8
    return lon0, lat1, kx, scale, height


def _path(rings: Sequence[Sequence[tuple[float, float]]]) -> str:
    lon0, lat1, kx, scale, _ = _projection()
    out = []
    for ring in rings:
        coords = [(4 + (lon - lon0) * kx * scale, 4 + (lat1 - lat) * scale) for lon, lat in ring]
        out.append("M" + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords) + "Z")
    return "".join(out)


def map_levels(counts: Mapping[str, int]) -> list[tuple[int, int, int]]:
    """The legend: (level, lowest, highest count) for the levels in use; level 0 is "keine"."""
    maximum = max(counts.values(), default=0)
    if maximum <= 0:
        return [(0, 0, 0)]
    steps = min(4, maximum)
    levels = [(0, 0, 0)]
    for level in range(1, steps + 1):
        low = math.floor((level - 1) * maximum / steps) + 1
        high = math.floor(level * maximum / steps)
        levels.append((level, low, high))
    return levels


def _level_of(count: int, levels: list[tuple[int, int, int]]) -> int:
    for level, low, high in levels:
        if low <= count <= high:
            return level
    return 0


def germany_map_svg(chart_id: str, title: str, counts: Mapping[str, int]) -> str:
    """Germany's 16 states shaded by number of tools, with a legend."""
    levels = map_levels(counts)
    colours = dict(enumerate(MAP_COLOURS))
    if len(levels) - 1 < 4:  # fewer levels than colours: spread them over the whole scale
        spread = {0: 0, **{lvl: round(lvl * 4 / (len(levels) - 1)) for lvl, _, _ in levels[1:]}}
        colours = {lvl: MAP_COLOURS[spread[lvl]] for lvl, _, _ in levels}
    with_tools = sorted(
        ((n, c) for n, c in counts.items() if c > 0), key=lambda nc: (-nc[1], nc[0])
    )
    without = [n for n in state_names() if counts.get(n, 0) == 0]
    desc = (
        "Karte der 16 Bundesländer. Je dunkler ein Land, desto mehr Werkzeuge kommen von dort. "
        + (
            "Werkzeuge gibt es aus: " + ", ".join(f"{n} ({c})" for n, c in with_tools) + ". "
            if with_tools
            else ""
        )
        + (f"Noch keine Werkzeuge aus: {', '.join(without)}." if without else "")
    )
    _, _, _, _, height = _projection()
    legend_top = height + 12
    total_height = legend_top + 28 * len(levels) + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-map" role="img" '
        f'viewBox="0 0 {MAP_WIDTH} {total_height:.0f}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}">',
        f'<title id="{chart_id}-title">{xml_text(title)}</title>',
        f'<desc id="{chart_id}-desc">{xml_text(desc)}</desc>',
        '<g stroke="#5c6285" stroke-width="0.7" stroke-linejoin="round">',
    ]
    for name, code, rings in _states():
        count = counts.get(name, 0)
        level = _level_of(count, levels)
        parts.append(
            f'<path d="{_path(rings)}" fill="{colours[level]}" data-state="{xml_text(name)}" '
            f'data-code="{code}" data-count="{count}"><title>{xml_text(name)}: '
            f"{xml_text(_count_words(count))}</title></path>"
        )
    parts.append("</g>")
    parts.append('<g font-size="15" fill="#131525">')
    for i, (level, low, high) in enumerate(levels):
        y = legend_top + i * 28
        label = "keine" if level == 0 else (f"{low}" if low == high else f"{low} bis {high}")
        parts.append(
            f'<rect x="4" y="{y:.0f}" width="22" height="22" fill="{colours[level]}" '
            f'stroke="#51577a" stroke-width="1"/>'
            f'<text x="34" y="{y + 16:.0f}">{xml_text(label)}</text>'
        )
    parts.append("</g></svg>")
    return "".join(parts)


def counts_table(rows: Sequence[tuple[str, int]]) -> list[dict[str, Any]]:
    """Rows for a table next to a chart: label, count, share of the largest value in percent."""
    maximum = max((c for _, c in rows), default=0) or 1
    return [
        {"label": label, "count": count, "share": round(100 * count / maximum)}
        for label, count in rows
    ]
