"""The participation map: UCLG's regions as labelled tiles on a regular grid."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from consult.outcomes.charts.base import (
    NARROW,
    WIDTH,
    frame,
    heat_colour,
    paired,
    text_colour,
    wrap,
)

#: A schematic world of UCLG's regional sections: (column, row) of each tile on a regular 4 x 2
#: grid, roughly where the region lies (west to east, north to south).
REGION_TILES = {
    "north_america": (0, 0),
    "latin_america": (0, 1),
    "europe": (1, 0),
    "africa": (1, 1),
    "eurasia": (2, 0),
    "mewa": (2, 1),
    "asia_pacific": (3, 0),
}
#: The same world on a phone, two tiles a row (west on the left, north first).
NARROW_TILES = {
    "north_america": (0, 0),
    "europe": (1, 0),
    "latin_america": (0, 1),
    "africa": (1, 1),
    "mewa": (0, 2),
    "eurasia": (1, 2),
    "asia_pacific": (0, 3),
}


def fitted_lines(text: str, width_px: float, font: int, smaller: int) -> tuple[int, list[str]]:
    """The size and lines at which ``text`` fits ``width_px``: one line at ``font`` when it
    fits, else wrapped at ``smaller`` (a withheld figure's "not shown" in a narrow tile is a
    label, not a figure)."""
    if len(text) * font * 0.6 <= width_px:
        return font, [text]
    return smaller, wrap(text, width_px, smaller)


def region_map(
    regions: Sequence[tuple[str, str, int | None, str]],
    title: str,
    description: str,
    label_font: int = 14,
    figure_font: int = 28,
    on_page: bool = True,
) -> Markup:
    """A cartogram of the regions as labelled tiles on a regular grid; each tile's shade
    follows its count. ``on_page``: with its phone drawing (two tiles a row).

    ``regions``: (key, label, count or None when suppressed, printed figure). Larger fonts
    suit a slide. A figure too wide for its tile ("not shown", "fewer than 5") is set at the
    label's size and wrapped, so that it stays inside its tile.
    """
    wide = _tiles(regions, title, description, label_font, figure_font, REGION_TILES)
    if not on_page:
        return wide
    narrow = _tiles(regions, title, description, 14, 26, NARROW_TILES, NARROW)
    return paired(wide, narrow)


def _tiles(
    regions: Sequence[tuple[str, str, int | None, str]],
    title: str,
    description: str,
    label_font: int,
    figure_font: int,
    grid: dict[str, tuple[int, int]],
    width: float = WIDTH,
) -> Markup:
    """One drawing of region_map: the tiles placed on ``grid``, as many a row as it has
    columns, filling ``width``."""
    gap = 10.0
    columns = max(column for column, _row in grid.values()) + 1
    tile_w = 168.0 if width == WIDTH else (width - 4 - gap * (columns - 1)) / columns
    room = tile_w - 20
    step = round(label_font * 1.2)
    names = {key: wrap(label, room, label_font) for key, label, _c, _t in regions}
    figures = {
        key: fitted_lines(str(text), room, figure_font, label_font) for key, *_r, text in regions
    }

    def figure_height(size: int, lines: list[str]) -> float:
        return size * 0.8 + step * (len(lines) - 1)

    # Tall enough for the longest label and the tallest figure under it, never one over the other.
    most = max(
        (step * (len(lines) - 1) + label_font for lines in names.values()), default=label_font
    )
    tallest = max((figure_height(*fitted) for fitted in figures.values()), default=figure_font)
    tile_h = max(112.0, 8 + most + 14 + tallest + 14)
    highest = max((count or 0 for _k, _l, count, _t in regions), default=0) or 1
    body = []
    for key, _label, count, _figure in regions:
        column, row = grid.get(key, (columns - 1, max(r for _c, r in grid.values())))
        x = column * (tile_w + gap) + 4
        y = row * (tile_h + gap) + 4
        fill = heat_colour(0.15 + 0.85 * (count or 0) / highest) if count else "#eef3f9"
        ink = text_colour(fill)
        spans = "".join(
            f'<tspan x="{x + 10:.1f}" dy="{0 if i == 0 else step}">{escape(line)}</tspan>'
            for i, line in enumerate(names[key])
        )
        size, lines = figures[key]
        figure_spans = "".join(
            f'<tspan x="{x + 10:.1f}" dy="{0 if i == 0 else step}">{escape(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        # the figure's last line sits at the tile's foot
        baseline = y + tile_h - 14 - step * (len(lines) - 1)
        weight = "800" if size == figure_font else "600"
        # Each tile names its region, so that a reader (or a test) can find a region's figure.
        body.append(
            f'<g class="tile" data-key="{escape(key)}">'
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{tile_w:.1f}" height="{tile_h:.1f}" rx="10" '
            f'fill="{fill}" stroke="#ffffff" stroke-width="2"/>'
            f'<text x="{x + 10:.1f}" y="{y + 8 + label_font:.1f}" fill="{ink}" '
            f'font-size="{label_font}" font-weight="600">{spans}</text>'
            f'<text x="{x + 10:.1f}" y="{baseline:.1f}" fill="{ink}" '
            f'font-size="{size}" font-weight="{weight}">{figure_spans}</text></g>'
        )
    rows = max(row for _column, row in grid.values()) + 1
    height = rows * (tile_h + gap) - gap + 8
    return frame("map", title, description, height, "".join(body), width=width)
