"""The heat map: rows (articles) by columns (figures), each cell shaded within its column."""

from __future__ import annotations

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
    return frame("heat", title, description, y + 4, "".join(body), width=style.width)
