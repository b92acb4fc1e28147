"""Accessible SVG charts drawn on the server: bars, stacked bars, a heat map, a line, a region map.

Each chart is an <svg role="img"> labelled by its own <title> and <desc>, prints its numbers as
text (so it reads without colour and in print), and is escaped here: every label goes through
markupsafe.escape, so a chart is safe markup even when a label came from a file staff edit.
No JavaScript and no external asset. Colours keep at least 4.5:1 contrast with their text.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from markupsafe import Markup, escape

WIDTH = 720
FONT = 14
LINE = 18
BAR = "#0b4f8a"
TRACK = "#e8edf3"
INK = "#1b1f24"
MUTED = "#4a5360"
#: Ordered from the highest score to the lowest, for ordinal scales of 2 to 6 points.
ORDINAL_PALETTES = {
    2: ["#0b4f8a", "#c0392b"],
    3: ["#0b4f8a", "#7aa6d6", "#c0392b"],
    4: ["#0b4f8a", "#5b8fc7", "#f0b86e", "#b3261e"],
    5: ["#0b4f8a", "#5b8fc7", "#c9d9ec", "#f0b86e", "#b3261e"],
    6: ["#073a66", "#0b4f8a", "#5b8fc7", "#c9d9ec", "#f0b86e", "#b3261e"],
}
NOMINAL_PALETTE = ["#0b4f8a", "#2a7f62", "#8a5a0b", "#6b3fa0", "#b3261e", "#236a8c", "#5d6b1f"]
UNSCORED = "#9aa3ad"
_ids = itertools.count(1)


def _id(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def text_colour(fill: str) -> str:
    """Return black or white, whichever reads better on ``fill`` (a #rrggbb colour)."""
    red, green, blue = (int(fill[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    return INK if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else "#ffffff"


def wrap(text: str, width_px: float, font: int = FONT) -> list[str]:
    """Split a label into lines that fit ``width_px`` (an estimate: no font metrics here); a
    word longer than a line ("Contribuciones" in a narrow column) is broken with a hyphen
    rather than left to run out of its column."""
    per_line = max(8, int(width_px / (font * 0.56)))
    lines: list[str] = []
    current = ""
    words = []
    for word in str(text).split():
        while len(word) > per_line:
            cut = _break_at(word, per_line - 1)
            words.append(word[:cut] if word[cut - 1] == "-" else word[:cut] + "-")
            word = word[cut:]
        words.append(word)
    for word in words:
        if current and len(current) + 1 + len(word) > per_line:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        lines.append(current)
    return lines or [""]


VOWELS = frozenset("aeiouyáéíóúàèìòùâêîôûäëïöüœæ")


def _break_at(word: str, room: int) -> int:
    """Where to break a word too long for its line, at most ``room`` letters in: before a
    consonant between two vowels (a syllable break in English, French and Spanish alike:
    "contribu-tions", "Contribu-ciones"), the latest that fits and leaves at least three
    letters on each side; at ``room`` when the word has no such place. A word that has its own
    hyphen ("Asia-Pacific") is broken after it."""
    lower = word.lower()
    hyphen = word.rfind("-", 0, room)
    if hyphen >= 2:
        return hyphen + 1
    for cut in range(min(room, len(word) - 3), 2, -1):
        if lower[cut - 1] in VOWELS and lower[cut] not in VOWELS and lower[cut + 1] in VOWELS:
            return cut
    return room


def _text_width(text: str, font: int = FONT) -> float:
    """A generous estimate of a bold text's width in pixels (wide glyphs counted wide)."""
    return sum(font * (0.62 if ord(c) < 0x1100 else 1.05) for c in text)


def _text_lines(lines: Sequence[str], x: float, y: float, **attributes: str) -> str:
    attrs = " ".join(
        f'{k.rstrip("_").replace("_", "-")}="{escape(v)}"' for k, v in attributes.items()
    )
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if i == 0 else LINE}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text x="{x:.1f}" y="{y:.1f}" {attrs}>{spans}</text>'


def _frame(
    kind: str, title: str, description: str, height: float, body: str, width: float = WIDTH
) -> Markup:
    title_id, desc_id = _id(f"{kind}-title"), _id(f"{kind}-desc")
    # Safe: every text in ``body`` and here went through escape(); the rest is our own markup.
    return Markup(  # noqa: S704
        f'<svg class="chart chart-{kind}" role="img" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{title_id} {desc_id}" font-family="system-ui, sans-serif" '
        f'font-size="{FONT}">'
        f'<title id="{title_id}">{escape(title)}</title>'
        f'<desc id="{desc_id}">{escape(description)}</desc>{body}</svg>'
    )


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its length (0..1 of the scale), and the figure printed beside it."""

    label: str
    value: float | None
    text: str


def bar_chart(bars: Sequence[Bar], title: str, description: str, note: str = "") -> Markup:
    """Horizontal bars with their labels on the left and their figures on the right; ``note``
    is printed under them (what the chart leaves out)."""
    label_width = WIDTH * 0.42
    bar_left = label_width + 12
    bar_width = WIDTH - bar_left - 110
    y = 8.0
    body = []
    for bar in bars:
        lines = wrap(bar.label, label_width)
        height = max(LINE * len(lines), 22)
        body.append(_text_lines(lines, 0, y + FONT, fill=INK))
        body.append(
            f'<rect x="{bar_left:.1f}" y="{y + 2:.1f}" width="{bar_width:.1f}" height="18" '
            f'fill="{TRACK}"/>'
        )
        if bar.value:
            length = max(1.5, bar_width * min(1.0, max(0.0, bar.value)))
            body.append(
                f'<rect x="{bar_left:.1f}" y="{y + 2:.1f}" width="{length:.1f}" height="18" '
                f'fill="{BAR}"/>'
            )
        # A figure too long for the column right of the bars ("not shown (protects a small
        # group)") would be cut at the chart's edge: an empty bar leaves its track for it.
        at = bar_left + bar_width + 8
        if not bar.value and _text_width(bar.text) > WIDTH - at - 4:
            at = bar_left + 6
        body.append(
            f'<text x="{at:.1f}" y="{y + FONT + 1:.1f}" fill="{INK}" '
            f'font-weight="600">{escape(bar.text)}</text>'
        )
        y += height + 10
    if note:
        lines = wrap(note, WIDTH)
        body.append(_text_lines(lines, 0, y + FONT, fill=MUTED, class_="chart-note"))
        y += LINE * len(lines) + 6
    chart = _frame("bars", title, description, y + 4, "".join(body))
    if not note:
        return chart
    # On a page the note is also printed as text under the drawing, legible at any width (a
    # phone scales the drawing, and its note, to half size); the page's style hides the
    # drawing's own. The drawing keeps it for downloads and slides; its text alternative
    # says it already, so the page's copy is not read out twice.
    return chart + Markup('<p class="chart-note-text" aria-hidden="true">{}</p>').format(note)


@dataclass(frozen=True)
class Segment:
    """One part of a stacked bar: a scale point's share of the row, and its count."""

    key: str
    share: float | None
    text: str


def scale_colours(points: Sequence[tuple[str, float | None]]) -> dict[str, str]:
    """Colour the points of a scale: ordinal ones from a diverging palette, the rest grey."""
    scored = sorted((p for p in points if p[1] is not None), key=lambda p: -(p[1] or 0))
    colours: dict[str, str] = {}
    if scored:
        palette = ORDINAL_PALETTES.get(len(scored)) or NOMINAL_PALETTE
        for (key, _score), colour in zip(scored, itertools.cycle(palette), strict=False):
            colours[key] = colour
    else:
        for (key, _score), colour in zip(points, itertools.cycle(NOMINAL_PALETTE), strict=False):
            colours[key] = colour
    for key, score in points:
        if score is None and scored:
            colours[key] = UNSCORED
    return colours


def stacked_bars(
    rows: Sequence[tuple[str, Sequence[Segment], str]],
    legend: Sequence[tuple[str, str]],
    colours: dict[str, str],
    title: str,
    description: str,
) -> Markup:
    """One 100% bar per row (a matrix row), segments in scale order, a legend on top.

    ``rows``: (label, segments, figure printed at the end, e.g. the mean); ``legend``: (key,
    label) in scale order.
    """
    body = []
    x, y = 0.0, 4.0
    for key, label in legend:
        width = 22 + len(label) * FONT * 0.56
        if x + width > WIDTH:
            x, y = 0.0, y + 24
        body.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="14" height="14" fill="{colours[key]}"/>'
            f'<text x="{x + 20:.1f}" y="{y + 12:.1f}" fill="{INK}">{escape(label)}</text>'
        )
        x += width + 14
    y += 34
    label_width = WIDTH * 0.36
    bar_left = label_width + 12
    bar_width = WIDTH - bar_left - 70
    for label, segments, figure in rows:
        lines = wrap(label, label_width)
        height = max(LINE * len(lines), 24)
        body.append(_text_lines(lines, 0, y + FONT, fill=INK))
        left = bar_left
        for segment in segments:
            if not segment.share:
                continue
            width = bar_width * segment.share
            colour = colours.get(segment.key, UNSCORED)
            body.append(
                f'<rect x="{left:.1f}" y="{y:.1f}" width="{width:.1f}" height="22" '
                f'fill="{colour}" stroke="#ffffff" stroke-width="1"/>'
            )
            if width >= 34:
                body.append(
                    f'<text x="{left + width / 2:.1f}" y="{y + 16:.1f}" text-anchor="middle" '
                    f'fill="{text_colour(colour)}" font-size="12">{escape(segment.text)}</text>'
                )
            left += width
        body.append(
            f'<text x="{bar_left + bar_width + 8:.1f}" y="{y + 16:.1f}" fill="{INK}" '
            f'font-weight="600">{escape(figure)}</text>'
        )
        y += height + 8
    return _frame("stacked", title, description, y + 4, "".join(body))


def heat_colour(share: float) -> str:
    """Blend from a pale blue (0) to the brand blue (1)."""
    share = min(1.0, max(0.0, share))
    low, high = (0xEE, 0xF3, 0xF9), (0x0B, 0x4F, 0x8A)
    mixed = (round(a + (b - a) * share) for a, b in zip(low, high, strict=True))
    return "#" + "".join(f"{c:02x}" for c in mixed)


@dataclass(frozen=True)
class HeatMapStyle:
    """Sizes of a heat map, in the SVG's own units."""

    width: float = WIDTH
    label_width: float = 300.0
    header_font: int = 12
    header_line: int = 15
    row_font: int = 13
    row_line: int = 14
    figure_font: int = FONT
    row_height: int = 34
    #: Lines a row label may take; a longer label is cut with an ellipsis (its full title is
    #: in the chart's description).
    label_lines: int = 2
    #: With ``header_lines``, the labels' width gives way (down to ``min_label_width``) until
    #: the column headers take no more lines: a slide's height holds the map at full size.
    header_lines: int = 0
    min_label_width: float = 0.0


#: For a slide seen from the back of a room: the units are about a CSS pixel of the slide at
#: 1280x720, where the smallest text must print at 18 px or more; larger screens scale it up.
DECK_HEAT_MAP = HeatMapStyle(
    width=1080,
    label_width=400,
    # headers on seven lines at most ("n not shown" takes two): the map keeps within the
    # slide's height at nearly full scale, never under 18 px at 1280x720
    header_lines=7,
    min_label_width=320,
    header_font=20,
    header_line=22,
    row_font=20,
    row_line=22,
    figure_font=23,
    row_height=28,
    label_lines=1,
)


def heat_map(
    row_labels: Sequence[str],
    column_labels: Sequence[str | Sequence[str]],
    cells: Sequence[Sequence[tuple[float | None, str] | tuple[float | None, str, str]]],
    title: str,
    description: str,
    style: HeatMapStyle = HeatMapStyle(),
) -> Markup:
    """A grid: rows (articles) by columns (figures); each cell coloured by its 0..1 intensity
    within its column and printing its figure.

    A column label is a text (wrapped to fit) or its lines, each wrapped in turn. A cell may
    carry a third text, its tooltip (what the figure is and the base it rests on).
    """
    columns = max(1, len(column_labels))

    def headers(cell_width: float) -> list[list[str]]:
        found = []
        for label in column_labels:
            parts = [label] if isinstance(label, str) else list(label)
            found.append(
                [line for part in parts for line in wrap(part, cell_width - 6, style.header_font)]
            )
        return found

    label_width = style.label_width
    header_lines = headers((style.width - label_width) / columns)
    while (
        style.header_lines
        and max(map(len, header_lines), default=1) > style.header_lines
        and label_width - 10 >= style.min_label_width
    ):
        label_width -= 10
        header_lines = headers((style.width - label_width) / columns)
    style = replace(style, label_width=label_width)
    cell_width = (style.width - style.label_width) / columns
    longest = max((len(lines) for lines in header_lines), default=1)
    header_height = longest * style.header_line + 8
    body = []
    for index, lines in enumerate(header_lines):
        x = style.label_width + cell_width * index + cell_width / 2
        spans = "".join(
            f'<tspan x="{x:.1f}" dy="{0 if i == 0 else style.header_line}">{escape(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        body.append(
            f'<text x="{x:.1f}" y="{style.header_font + 2}" text-anchor="middle" '
            f'font-size="{style.header_font}" fill="{INK}" font-weight="600">{spans}</text>'
        )
    y = header_height
    for label, row in zip(row_labels, cells, strict=True):
        lines = wrap(label, style.label_width - 8, style.row_font)
        if len(lines) > style.label_lines:
            lines = lines[: style.label_lines]
            lines[-1] = lines[-1].rstrip(" ,;:") + "…"
        # A label on two lines makes its row taller: it never runs into the next row.
        height = max(style.row_height, len(lines) * style.row_line + 8)
        spans = "".join(
            f'<tspan x="0" dy="{0 if i == 0 else style.row_line}">{escape(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        if len(lines) == 1:
            offset = (height + style.row_font * 0.7) / 2
        else:
            offset = (height - style.row_line + style.row_font * 0.7) / 2
        body.append(
            f'<text x="0" y="{y + offset:.1f}" font-size="{style.row_font}" fill="{INK}">'
            f"{spans}</text>"
        )
        for index, (intensity, figure, *tooltip) in enumerate(row):
            x = style.label_width + cell_width * index
            fill = heat_colour(intensity) if intensity is not None else "#ffffff"
            baseline = y + (height + style.figure_font * 0.7) / 2
            note = f"<title>{escape(tooltip[0])}</title>" if tooltip else ""
            body.append(
                f'<g class="heat-cell">{note}'
                f'<rect x="{x + 1:.1f}" y="{y + 1:.1f}" width="{cell_width - 2:.1f}" '
                f'height="{height - 2}" fill="{fill}" stroke="#c9d1db"/>'
                f'<text x="{x + cell_width / 2:.1f}" y="{baseline:.1f}" '
                f'text-anchor="middle" font-size="{style.figure_font}" '
                f'fill="{text_colour(fill)}" font-weight="600">{escape(figure)}</text></g>'
            )
        y += height
    return _frame("heat", title, description, y + 4, "".join(body), width=style.width)


#: The steps an axis may take, times a power of ten: gridlines at equal, round intervals.
NICE_STEPS = (1, 2, 5)


def axis_ticks(highest: float, integer: bool = True, most: int = 5) -> list[float]:
    """The values of an axis's gridlines from 0 to at least ``highest``: equal steps of 1, 2 or
    5 times a power of ten, at most ``most`` intervals; whole steps when ``integer`` (counts),
    so that every label is exactly the value at its line (never "0, 8, 15, 22, 30").

    The one place an axis is scaled: a chart draws its gridlines at these values, and its
    line or bars against the last of them.
    """
    if highest <= 0:
        return [0, 1] if integer else [0.0, 1.0]
    rough = highest / most
    power = 10 ** math.floor(math.log10(rough))
    step = next(
        (nice * power for nice in (*NICE_STEPS, 10) if nice * power >= rough * (1 - 1e-9)),
        10 * power,
    )
    if integer:
        step = max(1, round(step))
    intervals = math.ceil(highest / step - 1e-9)
    if integer:
        return [step * i for i in range(intervals + 1)]
    # decimal steps written as round as they are (0.1 * 3 is 0.30000000000000004)
    digits = max(0, -math.floor(math.log10(step)))
    return [round(step * i, digits + 1) for i in range(intervals + 1)]


def line_chart(
    points: Sequence[tuple[str, int]],
    title: str,
    description: str,
    first_label: str,
    last_label: str,
    number_text: Callable[[float], str] = lambda value: f"{int(value):,}",
) -> Markup:
    """A line of a cumulative count over days, with the first, last and highest values printed.

    ``number_text`` writes the axis and end figures in the page's language.
    """
    # room above the plot for the last figure when the line ends at the top gridline
    height, left, right, top, bottom = 256.0, 56.0, 20.0, 32.0, 40.0
    if not points:
        return _frame("line", title, description, 40, "")
    ticks = axis_ticks(max(value for _day, value in points))
    ceiling = ticks[-1]
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    body = []
    for value in ticks:
        ty = top + plot_h - plot_h * value / ceiling
        body.append(
            f'<line x1="{left}" y1="{ty:.1f}" x2="{WIDTH - right}" y2="{ty:.1f}" '
            f'stroke="#c9d1db" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{ty + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="{MUTED}">{escape(number_text(value))}</text>'
        )
    count = len(points)
    coordinates = [
        (
            left + (plot_w * i / (count - 1) if count > 1 else plot_w / 2),
            top + plot_h - plot_h * value / ceiling,
        )
        for i, (_day, value) in enumerate(points)
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)
    area = f"{left:.1f},{top + plot_h:.1f} {path} {coordinates[-1][0]:.1f},{top + plot_h:.1f}"
    body.append(f'<polygon points="{area}" fill="#dbe6f2"/>')
    body.append(f'<polyline points="{path}" fill="none" stroke="{BAR}" stroke-width="3"/>')
    last_x, last_y = coordinates[-1]
    body.append(
        f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="5" fill="{BAR}"/>'
        f'<text x="{last_x - 8:.1f}" y="{last_y - 10:.1f}" text-anchor="end" font-weight="700" '
        f'fill="{INK}">{escape(number_text(points[-1][1]))}</text>'
    )
    body.append(
        f'<text x="{left}" y="{height - 12}" font-size="12" fill="{MUTED}">'
        f"{escape(first_label)}</text>"
        f'<text x="{WIDTH - right}" y="{height - 12}" font-size="12" text-anchor="end" '
        f'fill="{MUTED}">{escape(last_label)}</text>'
    )
    return _frame("line", title, description, height, "".join(body))


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
) -> Markup:
    """A cartogram of the regions as labelled tiles on a regular grid; each tile's shade
    follows its count.

    ``regions``: (key, label, count or None when suppressed, printed figure). Larger fonts
    suit a slide. A figure too wide for its tile ("not shown", "fewer than 5") is set at the
    label's size and wrapped, so that it stays inside its tile.
    """
    tile_w, gap = 168.0, 10.0
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
        column, row = REGION_TILES.get(key, (3, 1))
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
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{tile_w}" height="{tile_h:.1f}" rx="10" '
            f'fill="{fill}" stroke="#ffffff" stroke-width="2"/>'
            f'<text x="{x + 10:.1f}" y="{y + 8 + label_font:.1f}" fill="{ink}" '
            f'font-size="{label_font}" font-weight="600">{spans}</text>'
            f'<text x="{x + 10:.1f}" y="{baseline:.1f}" fill="{ink}" '
            f'font-size="{size}" font-weight="{weight}">{figure_spans}</text></g>'
        )
    rows = max(row for _column, row in REGION_TILES.values()) + 1
    height = rows * (tile_h + gap) - gap + 8
    return _frame("map", title, description, height, "".join(body))


def standalone_svg(chart: str) -> str:
    """Return an inline chart as a file of its own: XML declaration, namespace, the viewBox's
    size in pixels and a white background (for a download, a slide or a PNG)."""
    chart = chart[: chart.rindex("</svg>") + len("</svg>")]  # the drawing, not a page's note
    match = re.search(r'viewBox="0 0 (\d+) (\d+)"', chart)
    width, height = (match.group(1), match.group(2)) if match else ("720", "400")
    opening_end = chart.index(">") + 1
    opening = (
        chart[:opening_end]
        .replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
        .replace('width="100%"', f'width="{width}" height="{height}"', 1)
    )
    background = '<rect width="100%" height="100%" fill="#ffffff"/>'
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + opening + background + chart[opening_end:]
