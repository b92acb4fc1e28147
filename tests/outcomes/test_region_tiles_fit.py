"""The region map's tiles: a regular grid, and every figure inside its tile, whatever its text
and the sizes (page or slide): a withheld figure is set at the label's size and wrapped."""

from __future__ import annotations

import re

import pytest

from consult.outcomes import charts

REGIONS = list(charts.REGION_TILES)
TILE_W = 168.0


def _tiles(svg: str):
    """(rect x, y, width, height, figure size, figure lines) of each tile."""
    found = []
    for group in re.findall(r'<g class="tile".*?</g>', svg):
        x, y, w, h = (
            float(v)
            for v in re.search(
                r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"', group
            ).groups()
        )
        figure = re.findall(r"<text [^>]*>.*?</text>", group)[1]
        size = int(re.search(r'font-size="(\d+)"', figure).group(1))
        baseline = float(re.search(r' y="([\d.]+)"', figure).group(1))
        lines = re.findall(r"<tspan[^>]*>(.*?)</tspan>", figure)
        found.append((x, y, w, h, size, baseline, lines))
    return found


@pytest.mark.parametrize(("label_font", "figure_font"), [(14, 28), (22, 40)], ids=["page", "slide"])
@pytest.mark.parametrize(
    "figure",
    ["not shown", "non affiché", "no se muestra", "fewer than 5", "moins de 5", "28", "1,234"],
)
def test_every_figure_fits_its_tile(label_font, figure_font, figure):
    regions = [(key, "Middle East and West Asia", None, figure) for key in REGIONS]
    on_page = label_font == 14
    chart = str(charts.region_map(regions, "t", "d", label_font, figure_font, on_page=on_page))
    drawings = re.findall(r"<svg\b.*?</svg>", chart, re.S)
    # a page's map has its phone drawing too (two tiles a row, at the page's sizes); a slide's not
    grids = [(label_font, figure_font, 4, 2)] + ([(14, 26, 2, 4)] if on_page else [])
    assert len(drawings) == len(grids)
    for drawing, (label_size, figure_size, columns, rows) in zip(drawings, grids, strict=True):
        tiles = _tiles(drawing)
        assert len(tiles) == 7
        # a regular grid, every tile the same size
        assert len({(w, h) for _x, _y, w, h, *_ in tiles}) == 1
        assert len({x for x, *_ in tiles}) == columns and len({y for _x, y, *_ in tiles}) == rows
        for _x, y, w, h, size, baseline, lines in tiles:
            assert size in (label_size, figure_size)
            # the widest line fits (0.6 em a letter, a generous estimate for a bold face)
            assert max(len(line) for line in lines) * size * 0.6 <= w - 20 + size * 0.6
            assert y + 8 + label_size * 3 < baseline  # under the label (three lines at most)
            assert baseline + (len(lines) - 1) * round(label_size * 1.2) <= y + h - 10
        digits = [size for *_r, size, _b, lines in tiles if lines[0][0].isdigit()]
        assert all(size == figure_size for size in digits)


def test_a_region_with_its_own_hyphen_breaks_after_it():
    assert charts.wrap("Asie-Pacifique", 148, 22) == ["Asie-", "Pacifique"]
