"""A line over days: a running total, with its axis and end figures."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from consult.outcomes.charts.base import (
    BAR,
    INK,
    MUTED,
    NARROW,
    WIDTH,
    _text_width,
    axis_ticks,
    frame,
    paired,
)


def line_chart(
    points: Sequence[tuple[str, int]],
    title: str,
    description: str,
    first_label: str,
    last_label: str,
    number_text: Callable[[float], str] = lambda value: f"{int(value):,}",
) -> Markup:
    """A line of a cumulative count over days, with the first, last and highest values printed;
    on a page, with its phone drawing (larger text, fewer gridlines).

    ``number_text`` writes the axis and end figures in the page's language.
    """
    drawn = (points, title, description, first_label, last_label, number_text)
    return paired(_line(*drawn, WIDTH, 12, 5), _line(*drawn, NARROW, 13, 4))


def _line(
    points: Sequence[tuple[str, int]],
    title: str,
    description: str,
    first_label: str,
    last_label: str,
    number_text: Callable[[float], str],
    width: float,
    font: int,
    most: int,
) -> Markup:
    """One drawing of line_chart, ``width`` wide, its axis text at ``font``, at most ``most``
    intervals between gridlines."""
    if not points:
        return frame("line", title, description, 40, "", width=width)
    ticks = axis_ticks(max(value for _day, value in points), most=most)
    # room on the left for the widest gridline figure
    widest = max(_text_width(number_text(value), font) for value in ticks)
    # room above the plot for the last figure when the line ends at the top gridline
    height, right, top, bottom = 256.0 if width > NARROW else 220.0, 20.0, 32.0, 40.0
    left = max(56.0 if width > NARROW else 40.0, round(widest * 0.85) + 10)
    ceiling = ticks[-1]
    plot_w, plot_h = width - left - right, height - top - bottom
    body = []
    for value in ticks:
        ty = top + plot_h - plot_h * value / ceiling
        body.append(
            f'<line x1="{left}" y1="{ty:.1f}" x2="{width - right}" y2="{ty:.1f}" '
            f'stroke="#c9d1db" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{ty + 4:.1f}" text-anchor="end" font-size="{font}" '
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
        f'<text x="{left}" y="{height - 12}" font-size="{font}" fill="{MUTED}">'
        f"{escape(first_label)}</text>"
        f'<text x="{width - right}" y="{height - 12}" font-size="{font}" text-anchor="end" '
        f'fill="{MUTED}">{escape(last_label)}</text>'
    )
    return frame("line", title, description, height, "".join(body), width=width)
