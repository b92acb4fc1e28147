"""The world map of the campaign: country shapes projected on Equal Earth, drawn as SVG.

The shapes are Natural Earth's 1:50m countries (public domain), shipped in
``data/world_countries.json`` (built by ``data/build_world_countries.py``): nothing is fetched
at run time and no tile server is involved. The map is accessible on its own terms:

- every country is a ``<path>`` with a ``<title>``: its CLDR name in the page's language and its
  number of verified signatories;
- a country with signatories is hatched (a pattern, not only a colour) and carries a numbered
  marker, and it is a link (``<a href>``) to the table filtered on it, so a keyboard reaches it
  with Tab and opens it with Enter;
- a country without a shape of its own (too small at this scale, or drawn by Natural Earth
  inside another's shape: ``EXCEPTIONS``) gets its marker at a point, so no signatory is left
  off; a marker also makes the smallest shapes visible and easy to hit.

The module knows nothing of Flask: it takes the counts, the language and two callables (the
link for a country, the words for a count) and returns markup.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Mapping
from pathlib import Path

from markupsafe import Markup, escape

from consult.geography import country_name

#: Width of the drawing, in SVG user units; the height follows from the projection.
WIDTH = 1000.0
#: Latitudes south of this are not drawn (Antarctica has no local governments to join).
SOUTH_LIMIT = -58.0

# Equal Earth (Šavrič, Patterson and Jenny, 2018): equal-area, pleasant for world maps.
_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2

#: Codes that have no shape of their own in the data, with where their marker goes
#: (longitude, latitude) and why. Every code of ``questionnaires/regions.yaml`` has a shape or
#: a line here (a test checks it).
EXCEPTIONS: dict[str, tuple[float, float, str]] = {
    "AC": (-14.36, -7.95, "too small at 1:50m"),
    "AQ": (0.0, -80.0, "left out: no local governments, south of the map"),
    "BQ": (-68.26, 12.15, "too small at 1:50m"),
    "BV": (3.4, -54.4, "too small at 1:50m"),
    "CC": (96.87, -12.16, "too small at 1:50m"),
    "CP": (-109.22, 10.3, "too small at 1:50m"),
    "CQ": (-2.36, 49.43, "too small at 1:50m"),
    "CX": (105.69, -10.45, "too small at 1:50m"),
    "DG": (72.42, -7.31, "too small at 1:50m"),
    "EA": (-5.32, 35.89, "drawn within Spain's shape by Natural Earth"),
    "GF": (-53.1, 3.9, "drawn within France's shape by Natural Earth"),
    "GI": (-5.35, 36.14, "too small at 1:50m"),
    "GP": (-61.55, 16.25, "drawn within France's shape by Natural Earth"),
    "IC": (-15.6, 28.2, "drawn within Spain's shape by Natural Earth"),
    "MQ": (-61.02, 14.64, "drawn within France's shape by Natural Earth"),
    "RE": (55.53, -21.12, "drawn within France's shape by Natural Earth"),
    "SJ": (16.0, 78.5, "drawn within Norway's shape by Natural Earth"),
    "TA": (-12.3, -37.1, "too small at 1:50m"),
    "TK": (-171.85, -9.2, "too small at 1:50m"),
    "TV": (179.2, -8.5, "too small at 1:50m"),
    "UM": (166.6, 19.3, "too small at 1:50m"),
    "YT": (45.15, -12.8, "drawn within France's shape by Natural Earth"),
}

_DATA = Path(__file__).with_name("data") / "world_countries.json"


def equal_earth(longitude: float, latitude: float) -> tuple[float, float]:
    """Project degrees onto Equal Earth (unit sphere): x to the east, y to the north."""
    lam, phi = math.radians(longitude), math.radians(latitude)
    theta = math.asin(_M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = (
        2
        * math.sqrt(3)
        * lam
        * math.cos(theta)
        / (3 * (9 * _A4 * t6 * t2 + 7 * _A3 * t6 + 3 * _A2 * t2 + _A1))
    )
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


#: Half the width and the top of the projected world (longitude 180, latitude 90).
_X_MAX = equal_earth(180.0, 0.0)[0]
_Y_TOP = equal_earth(0.0, 90.0)[1]
_SCALE = WIDTH / (2 * _X_MAX)
#: Height of the drawing: from the North Pole down to ``SOUTH_LIMIT``.
HEIGHT = round((_Y_TOP - equal_earth(0.0, SOUTH_LIMIT)[1]) * _SCALE, 1)


def to_svg(longitude: float, latitude: float) -> tuple[float, float]:
    """Return the SVG coordinates of a point (origin top left, y downwards)."""
    x, y = equal_earth(longitude, max(latitude, SOUTH_LIMIT))
    return round((x + _X_MAX) * _SCALE, 1), round((_Y_TOP - y) * _SCALE, 1)


@functools.cache
def _shapes() -> dict[str, list[list[float]]]:
    return json.loads(_DATA.read_text(encoding="utf-8"))["countries"]


def shape_codes() -> frozenset[str]:
    """Return the country codes that have a shape of their own."""
    return frozenset(_shapes())


@functools.cache
def _country_drawing(code: str) -> tuple[str, tuple[float, float]]:
    """Return (path data, marker point) for a country with a shape."""
    rings = _shapes()[code]
    parts = []
    best_area, anchor = -1.0, (0.0, 0.0)
    for flat in rings:
        points = [to_svg(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]
        if all(y >= HEIGHT for _x, y in points):
            continue  # wholly south of the map
        parts.append("M" + "L".join(f"{x:g} {y:g}" for x, y in points) + "Z")
        area = _ring_area(points)
        if area > best_area:
            best_area, anchor = area, _centroid(points)
    return "".join(parts), anchor


def _ring_area(points: list[tuple[float, float]]) -> float:
    pairs = zip(points, points[1:] + points[:1], strict=True)
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in pairs)) / 2


def _centroid(points: list[tuple[float, float]]) -> tuple[float, float]:
    # Centroid of the polygon (the mean of its vertices would drift towards detailed coasts).
    pairs = list(zip(points, points[1:] + points[:1], strict=True))
    cross = [x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in pairs]
    area = sum(cross) / 2
    if abs(area) < 1e-9:
        return points[0]
    cx = sum((x0 + x1) * c for ((x0, _), (x1, _)), c in zip(pairs, cross, strict=True))
    cy = sum((y0 + y1) * c for ((_, y0), (_, y1)), c in zip(pairs, cross, strict=True))
    return round(cx / (6 * area), 1), round(cy / (6 * area), 1)


def marker_point(code: str) -> tuple[float, float] | None:
    """Return where a country's marker goes on the map (None for a code drawn nowhere)."""
    if code in _shapes():
        return _country_drawing(code)[1]
    if code in EXCEPTIONS and EXCEPTIONS[code][1] >= SOUTH_LIMIT:
        longitude, latitude, _reason = EXCEPTIONS[code]
        return to_svg(longitude, latitude)
    return None


def render(
    counts: Mapping[str, int],
    language: str,
    *,
    title: str,
    description: str,
    describe: Callable[[str, int], str],
    link_for: Callable[[str], str],
    current: str | None = None,
) -> Markup:
    """Return the map as inline SVG markup.

    ``counts`` maps country code -> verified signatories (codes with 0 may be left out);
    ``describe(name, count)`` gives the words of a country's title ("France: 3 signatories");
    ``link_for(code)`` the address of the table filtered on that country; ``current`` is the
    country the page is filtered on, drawn with a heavier outline.
    """
    shapes = _shapes()
    names = {code: country_name(code, language) for code in set(shapes) | set(counts)}
    plain, linked = [], []
    for code in sorted(shapes, key=lambda c: names[c]):
        if counts.get(code, 0):
            continue
        path = _country_drawing(code)[0]
        label = escape(describe(names[code], 0))
        plain.append(f'<path class="map-country" d="{path}"><title>{label}</title></path>')
    for code in sorted((c for c, n in counts.items() if n), key=lambda c: names[c]):
        count = counts[code]
        point = marker_point(code)
        label = escape(describe(names[code], count))
        current_class = " is-current" if code == current else ""
        if point is None:
            continue
        shape = ""
        if code in shapes:
            shape = f'<path class="map-country map-signatory" d="{_country_drawing(code)[0]}"/>'
        x, y = point
        radius = 9 if count < 10 else 11 if count < 100 else 13
        linked.append(
            f'<a class="map-link{current_class}" href="{escape(link_for(code))}" '
            f'aria-label="{label}"><title>{label}</title>{shape}'
            f'<circle class="map-marker" cx="{x:g}" cy="{y:g}" r="{radius}"/>'
            f'<text class="map-count" x="{x:g}" y="{y:g}" dy="0.35em" '
            f'text-anchor="middle">{count}</text></a>'
        )
    # Every piece of text in it went through escape() above.
    return Markup(  # noqa: S704
        f'<svg class="world-map" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {WIDTH:g} {HEIGHT:g}" role="group" '
        f'aria-labelledby="world-map-title world-map-desc">'
        f'<title id="world-map-title">{escape(title)}</title>'
        f'<desc id="world-map-desc">{escape(description)}</desc>'
        "<defs>"
        '<pattern id="map-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        '<rect width="6" height="6" class="map-hatch-ground"/>'
        '<line x1="0" y1="0" x2="0" y2="6" class="map-hatch-line"/>'
        "</pattern></defs>"
        f'<rect class="map-sea" width="{WIDTH:g}" height="{HEIGHT:g}"/>'
        f'<g class="map-countries" aria-hidden="true">{"".join(plain)}</g>'
        f'<g class="map-signatories">{"".join(linked)}</g>'
        "</svg>"
    )
