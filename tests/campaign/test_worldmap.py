"""The campaign's world map: the projection, the shapes' coverage and the SVG it draws."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from consult.campaign import worldmap
from consult.geography import country_name, default_region_map

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg) -> ET.Element:
    """Parse our own SVG (not untrusted input: the test renders it)."""
    return ET.fromstring(str(svg))  # noqa: S314


def _render(counts, language="en", current=None):
    return worldmap.render(
        counts,
        language,
        title="Map",
        description="Verified signatories by country",
        describe=lambda name, count: f"{name}: {count}",
        link_for=lambda code: f"/campaign?country={code}&lang=x#signatories",
        current=current,
    )


@pytest.mark.parametrize(
    ("longitude", "latitude", "expected"),
    [
        (0.0, 0.0, (0.0, 0.0)),
        # The published extent of Equal Earth on the unit sphere.
        (180.0, 0.0, (2.7066299836960743, 0.0)),
        (0.0, 90.0, (0.0, 1.3173627591574133)),
        (-180.0, 0.0, (-2.7066299836960743, 0.0)),
        (0.0, -90.0, (0.0, -1.3173627591574133)),
    ],
)
def test_equal_earth_known_points(longitude, latitude, expected):
    x, y = worldmap.equal_earth(longitude, latitude)
    assert x == pytest.approx(expected[0], abs=1e-9)
    assert y == pytest.approx(expected[1], abs=1e-9)


def _projected_cell_area(west, south, east, north, steps=60):
    ring = [(west + (east - west) * i / steps, south) for i in range(steps)]
    ring += [(east, south + (north - south) * i / steps) for i in range(steps)]
    ring += [(east - (east - west) * i / steps, north) for i in range(steps)]
    ring += [(west, north - (north - south) * i / steps) for i in range(steps)]
    points = [worldmap.equal_earth(lon, lat) for lon, lat in ring]
    pairs = zip(points, points[1:] + points[:1], strict=True)
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in pairs)) / 2


def test_equal_earth_keeps_areas():
    """Two cells of equal area on the sphere have equal areas on the map (near the pole too)."""
    near_equator = _projected_cell_area(0, 0, 10, 10)
    near_pole = _projected_cell_area(0, 60, 10, 70)
    sphere_ratio = (math.sin(math.radians(70)) - math.sin(math.radians(60))) / math.sin(
        math.radians(10)
    )
    assert near_pole / near_equator == pytest.approx(sphere_ratio, rel=1e-3)


def test_every_region_code_has_a_shape_or_a_documented_exception():
    codes = set(default_region_map("questionnaires"))
    shapes = worldmap.shape_codes()
    missing = codes - shapes - set(worldmap.EXCEPTIONS)
    assert not missing
    assert not set(worldmap.EXCEPTIONS) & shapes, "an exception that has a shape after all"
    assert all(reason for _lon, _lat, reason in worldmap.EXCEPTIONS.values())
    # Every inhabited code can carry a marker: none is drawn nowhere but Antarctica.
    assert {c for c in codes if worldmap.marker_point(c) is None} == {"AQ"}


def test_markers_fall_inside_the_drawing():
    for code in sorted(worldmap.shape_codes() | set(worldmap.EXCEPTIONS) - {"AQ"}):
        x, y = worldmap.marker_point(code)
        assert 0 <= x <= worldmap.WIDTH and 0 <= y <= worldmap.HEIGHT, code


def test_the_svg_is_valid_xml_with_one_titled_path_per_country():
    root = _parse(_render({"FR": 3, "GP": 1}))
    assert root.tag == f"{SVG}svg"
    assert root.get("aria-labelledby") == "world-map-title world-map-desc"
    paths = root.findall(f".//{SVG}path")
    assert len(paths) == len(worldmap.shape_codes())
    plain = root.find(f"{SVG}g[@class='map-countries']")
    assert plain.get("aria-hidden") == "true"
    for path in plain.findall(f"{SVG}path"):
        assert path.find(f"{SVG}title").text.endswith(": 0")


@pytest.mark.parametrize(
    ("language", "code", "expected"),
    [("en", "DE", "Germany"), ("fr", "DE", "Allemagne"), ("es", "DE", "Alemania")],
)
def test_titles_are_country_names_in_the_page_language(language, code, expected):
    root = _parse(_render({code: 2}, language))
    link = root.find(f".//{SVG}a")
    assert link.find(f"{SVG}title").text == f"{expected}: 2"
    assert link.get("aria-label") == f"{expected}: 2"
    titles = {t.text for t in root.iter(f"{SVG}title")}
    assert f"{country_name('BR', language)}: 0" in titles


def test_countries_with_signatories_are_links_with_a_pattern_and_the_count_in_text():
    root = _parse(_render({"FR": 3, "GP": 1, "BR": 105}, current="FR"))
    links = {a.get("href"): a for a in root.iter(f"{SVG}a")}
    assert set(links) == {
        f"/campaign?country={code}&lang=x#signatories" for code in ("FR", "GP", "BR")
    }
    france = links["/campaign?country=FR&lang=x#signatories"]
    assert "is-current" in france.get("class")
    assert france.find(f"{SVG}path").get("class") == "map-country map-signatory"
    assert france.find(f"{SVG}text").text == "3"
    # Guadeloupe has no shape of its own: a marker alone, at its own place.
    guadeloupe = links["/campaign?country=GP&lang=x#signatories"]
    assert guadeloupe.find(f"{SVG}path") is None
    assert guadeloupe.find(f"{SVG}text").text == "1"
    assert root.find(f".//{SVG}pattern").get("id") == "map-hatch"


def test_user_facing_words_are_escaped():
    svg = worldmap.render(
        {"FR": 1},
        "en",
        title="<b>Map</b>",
        description="a & b",
        describe=lambda name, count: f'{name} "<{count}>"',
        link_for=lambda code: f'/x?c={code}"><script>',
    )
    assert "<script>" not in str(svg) and "<b>" not in str(svg)
    _parse(svg)
