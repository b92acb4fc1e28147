"""Rebuild ``world_countries.json`` from the world-atlas package (Natural Earth 1:50m).

Not imported by the application: run by hand when the shapes should be refreshed::

    npm install --no-save --prefix /tmp/world-atlas world-atlas@2.0.2
    python consult/campaign/data/build_world_countries.py \
        /tmp/world-atlas/node_modules/world-atlas/countries-50m.json

The source is Natural Earth's "Admin 0 - countries" (public domain), as redistributed in
TopoJSON by the world-atlas package (ISC licence). Each country keeps its rings in longitude
and latitude (the application projects them), simplified with Douglas-Peucker and rounded to
0.01 degree, with islands smaller than ``MIN_RING_AREA`` dropped, so the file stays small.
Countries are keyed by ISO 3166-1 alpha-2 code, taken from the numeric code through CLDR's
territory aliases (Babel); the few features without a numeric code are named below.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from babel.core import get_global

#: Douglas-Peucker tolerance, in degrees.
TOLERANCE = 0.12
#: Rings smaller than this (square degrees) are dropped unless they are a country's largest.
MIN_RING_AREA = 0.08
#: Features the source leaves without an ISO numeric code.
NAMED_FEATURES = {"Kosovo": "XK", "Somaliland": "SO", "N. Cyprus": "CY"}


def _decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    scale_x, scale_y = topology["transform"]["scale"]
    shift_x, shift_y = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * scale_x + shift_x, y * scale_y + shift_y))
        arcs.append(points)
    return arcs


def _ring(arcs, indices) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in indices:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc if not points else arc[1:])
    return points


def _split_antimeridian(ring):
    """Return the ring as one or two rings that do not cross longitude 180 (Russia, Fiji)."""
    if all(abs(b[0] - a[0]) < 180 for a, b in zip(ring, ring[1:], strict=False)):
        return [ring]
    unwrapped = [(x + 360 if x < 0 else x, y) for x, y in ring]
    east = _clip(unwrapped, lambda p: p[0] <= 180)
    west = [(x - 360, y) for x, y in _clip(unwrapped, lambda p: p[0] >= 180)]
    return [part for part in (east, west) if len(part) >= 3]


def _clip(ring, inside):
    """Clip a ring against the half-plane ``inside`` (Sutherland-Hodgman, edge at x = 180)."""
    result = []
    for current, following in zip(ring, ring[1:] + ring[:1], strict=True):
        if inside(current):
            result.append(current)
        if inside(current) != inside(following):
            (x0, y0), (x1, y1) = current, following
            t = (180 - x0) / (x1 - x0)
            result.append((180.0, y0 + t * (y1 - y0)))
    return result


def _area(ring) -> float:
    return abs(
        sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True))
        / 2
    )


def _simplify(points, tolerance):
    if len(points) < 3:
        return points
    start, end = points[0], points[-1]
    worst, worst_index = 0.0, 0
    for index in range(1, len(points) - 1):
        distance = _distance(points[index], start, end)
        if distance > worst:
            worst, worst_index = distance, index
    if worst <= tolerance:
        return [start, end]
    left = _simplify(points[: worst_index + 1], tolerance)
    return left[:-1] + _simplify(points[worst_index:], tolerance)


def _distance(point, start, end) -> float:
    (x, y), (x0, y0), (x1, y1) = point, start, end
    if (x0, y0) == (x1, y1):
        return math.hypot(x - x0, y - y0)
    return abs((x1 - x0) * (y0 - y) - (x0 - x) * (y1 - y0)) / math.hypot(x1 - x0, y1 - y0)


def _country_code(geometry: dict, aliases: dict) -> str | None:
    numeric = geometry.get("id")
    if numeric is None:
        return NAMED_FEATURES.get(geometry["properties"]["name"])
    codes = aliases.get(numeric)
    return codes[0] if codes else None


def build(source: Path) -> dict:
    """Return the compact country -> rings mapping built from a world-atlas TopoJSON file."""
    topology = json.loads(source.read_text(encoding="utf-8"))
    arcs = _decode_arcs(topology)
    aliases = get_global("territory_aliases")
    countries: dict[str, list] = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        code = _country_code(geometry, aliases)
        if code is None or code == "AQ":  # Antarctica: no local governments, off the map
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        # Outer rings only: at this scale holes (lakes, enclaves) are invisible.
        rings = [
            part for polygon in polygons for part in _split_antimeridian(_ring(arcs, polygon[0]))
        ]
        rings.sort(key=_area, reverse=True)
        kept = []
        for position, ring in enumerate(rings):
            if position and _area(ring) < MIN_RING_AREA:
                continue
            simple = _simplify(ring, TOLERANCE)
            if len(simple) < 4:
                simple = ring if len(ring) <= 12 else ring[:: max(1, len(ring) // 8)]
            kept.append([round(value, 2) for point in simple for value in point])
        countries.setdefault(code, []).extend(kept)
    return {
        "source": "Natural Earth 1:50m Admin 0 countries (public domain), via world-atlas 2.0.2",
        "countries": dict(sorted(countries.items())),
    }


if __name__ == "__main__":
    result = build(Path(sys.argv[1]))
    target = Path(__file__).with_name("world_countries.json")
    target.write_text(json.dumps(result, separators=(",", ":")), encoding="utf-8")
    print(f"{len(result['countries'])} countries, {target.stat().st_size} bytes -> {target}")
