"""Accessible SVG charts drawn on the server: bars, stacked bars, a heat map, a line, a region map.

Each chart is an <svg role="img"> labelled by its own <title> and <desc>, prints its numbers as
text (so it reads without colour and in print), and is escaped here: every label goes through
markupsafe.escape, so a chart is safe markup even when a label came from a file staff edit.
No JavaScript and no external asset. Colours keep at least 4.5:1 contrast with their text.

One module per kind of chart, their shared parts in ``base``; this package is the namespace the
rest of the outcomes use (``charts.bar_chart``).
"""

from consult.outcomes.charts.bars import Bar, Segment, bar_chart, scale_colours, stacked_bars
from consult.outcomes.charts.base import (
    BAR,
    FONT,
    INK,
    LINE,
    MUTED,
    NARROW,
    NICE_STEPS,
    NOMINAL_PALETTE,
    ORDINAL_PALETTES,
    TRACK,
    UNSCORED,
    VOWELS,
    WIDTH,
    _text_width,
    axis_ticks,
    heat_colour,
    paired,
    standalone_svg,
    text_colour,
    wrap,
)
from consult.outcomes.charts.heatmap import (
    DECK_HEAT_MAP,
    NARROW_HEAT_MAP,
    HeatMapStyle,
    heat_map,
)
from consult.outcomes.charts.tiles import REGION_TILES, fitted_lines, region_map
from consult.outcomes.charts.timeline import line_chart

__all__ = [
    "BAR",
    "DECK_HEAT_MAP",
    "FONT",
    "INK",
    "LINE",
    "MUTED",
    "NARROW",
    "NARROW_HEAT_MAP",
    "NICE_STEPS",
    "NOMINAL_PALETTE",
    "ORDINAL_PALETTES",
    "REGION_TILES",
    "TRACK",
    "UNSCORED",
    "VOWELS",
    "WIDTH",
    "Bar",
    "HeatMapStyle",
    "Segment",
    "_text_width",
    "axis_ticks",
    "bar_chart",
    "fitted_lines",
    "heat_colour",
    "heat_map",
    "line_chart",
    "paired",
    "region_map",
    "scale_colours",
    "stacked_bars",
    "standalone_svg",
    "text_colour",
    "wrap",
]
