"""The heat map: rows (articles) by columns (figures), each cell shaded within its column."""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass, replace

from markupsafe import Markup, escape

from consult.outcomes.charts.base import FONT, INK, WIDTH, frame, heat_colour, text_colour, wrap


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
    #: in the row's tooltip and the table beside).
    label_lines: int = 2
    #: With ``header_lines``, the labels' width gives way (down to ``min_label_width``, and
    #: never below what the longest row label needs) until the column headers take no more
    #: lines: a slide's height holds the map at full size.
    header_lines: int = 0
    min_label_width: float = 0.0
    #: Columns headed by a letter, named in a key above the grid (a phone's narrow columns
    #: cannot hold their names); each column then ``cell_width`` wide at most.
    keyed_columns: bool = False
    cell_width: float = 0.0
    #: The width of a row label's letter, in ems, as wrap estimates it (see charts.wrap).
    label_em: float = 0.56


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
    # A short title (30 letters at most) on one line: estimated at 0.48 em a letter (a
    # regular face's lower case; Noto Sans sets "XII. Développement urbain durable" at 0.46),
    # so that the labels leave the headers their room at 18 px and more.
    label_em=0.48,
)

#: For a phone: drawn about as wide as its screen, so that a unit is about a CSS pixel and no
#: text prints under 13 px; the columns lettered, their names in a key above the grid.
NARROW_HEAT_MAP = HeatMapStyle(
    width=360,
    label_width=136,
    header_font=15,
    header_line=17,
    row_font=13,
    row_line=16,
    figure_font=14,
    row_height=30,
    label_lines=3,
    keyed_columns=True,
    cell_width=46,
)


def _fits(labels: Sequence[str], width: float, style: HeatMapStyle) -> bool:
    """Whether every row label fits its lines at this label width, none cut."""
    return all(
        len(wrap(label, width - 8, style.row_font, style.label_em)) <= style.label_lines
        for label in labels
    )


def _key(
    column_labels: Sequence[str | Sequence[str]], style: HeatMapStyle
) -> tuple[list[str], str, float]:
    """The letters heading keyed columns, and the key naming them above the grid (its height)."""
    letters = list(string.ascii_uppercase[: len(column_labels)])
    body, y = [], 0.0
    indent = style.header_font * 1.4
    for letter, label in zip(letters, column_labels, strict=True):
        parts = [label] if isinstance(label, str) else [part for part in label if part]
        lines = wrap(", ".join(parts), style.width - indent, style.row_font)
        spans = "".join(
            f'<tspan x="{indent:.1f}" dy="{0 if i == 0 else style.row_line}">{escape(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        baseline = y + style.row_font + 2
        body.append(
            f'<g class="heat-key"><text x="0" y="{baseline:.1f}" font-size="{style.row_font}" '
            f'fill="{INK}" font-weight="700">{letter}</text>'
            f'<text x="{indent:.1f}" y="{baseline:.1f}" font-size="{style.row_font}" '
            f'fill="{INK}">{spans}</text></g>'
        )
        y += len(lines) * style.row_line + 6
    return letters, "".join(body), y + 6


def heat_map(
    row_labels: Sequence[str],
    column_labels: Sequence[str | Sequence[str]],
    cells: Sequence[Sequence[tuple[float | None, str] | tuple[float | None, str, str]]],
    title: str,
    description: str,
    style: HeatMapStyle = HeatMapStyle(),
    row_titles: Sequence[str] = (),
) -> Markup:
    """A grid: rows (articles) by columns (figures); each cell coloured by its 0..1 intensity
    within its column and printing its figure.

    A column label is a text (wrapped to fit) or its lines, each wrapped in turn. A cell may
    carry a third text, its tooltip (what the figure is and the base it rests on). A row's
    label may be short (an article's short title), its full title in ``row_titles``: the
    row's tooltip.
    """
    columns = max(1, len(column_labels))
    key_body, key_height = "", 0.0
    if style.keyed_columns:
        letters, key_body, key_height = _key(column_labels, style)
        column_labels = letters
        label_width = max(style.width - columns * style.cell_width, style.label_width)
        style = replace(style, label_width=label_width)

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
        and _fits(row_labels, label_width - 10, style)
    ):
        label_width -= 10
        header_lines = headers((style.width - label_width) / columns)
    style = replace(style, label_width=label_width)
    cell_width = (style.width - style.label_width) / columns
    longest = max((len(lines) for lines in header_lines), default=1)
    header_height = key_height + longest * style.header_line + 8
    body = [key_body]
    for index, lines in enumerate(header_lines):
        x = style.label_width + cell_width * index + cell_width / 2
        spans = "".join(
            f'<tspan x="{x:.1f}" dy="{0 if i == 0 else style.header_line}">{escape(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        body.append(
            f'<text x="{x:.1f}" y="{key_height + style.header_font + 2:.1f}" '
            f'text-anchor="middle" font-size="{style.header_font}" fill="{INK}" '
            f'font-weight="600">{spans}</text>'
        )
    y = header_height
    titles = list(row_titles) or list(row_labels)
    for label, full_title, row in zip(row_labels, titles, cells, strict=True):
        lines = wrap(label, style.label_width - 8, style.row_font, style.label_em)
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
            offset = (height - (len(lines) - 1) * style.row_line + style.row_font * 0.7) / 2
        body.append(
            f'<g class="heat-row"><title>{escape(full_title)}</title>'
            f'<text x="0" y="{y + offset:.1f}" font-size="{style.row_font}" fill="{INK}">'
            f"{spans}</text></g>"
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
    return frame("heat", title, description, y + 4, "".join(body), width=style.width)
