"""Horizontal bars (one figure per label) and stacked 100% bars (a matrix's rows over its
scale)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from consult.outcomes.charts.base import (
    BAR,
    FONT,
    INK,
    LINE,
    MUTED,
    NARROW,
    NOMINAL_PALETTE,
    ORDINAL_PALETTES,
    TRACK,
    UNSCORED,
    WIDTH,
    _text_width,
    frame,
    paired,
    text_colour,
    text_lines,
    wrap,
)


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its length (0..1 of the scale), and the figure printed beside it."""

    label: str
    value: float | None
    text: str
    #: The label where room is tight (the phone drawing): an article's short title.
    short_label: str = ""


def bar_chart(bars: Sequence[Bar], title: str, description: str, note: str = "") -> Markup:
    """Horizontal bars with their labels on the left and their figures on the right; ``note``
    is printed under them (what the chart leaves out). On a page, with its phone drawing."""
    return paired(
        wide_bars(bars, title, description, note),
        narrow_bars(bars, title, description, note),
        note,
    )


def wide_bars(bars: Sequence[Bar], title: str, description: str, note: str = "") -> Markup:
    """The wide drawing of bar_chart: labels on the left, figures right of the bars."""
    label_width = WIDTH * 0.42
    bar_left = label_width + 12
    bar_width = WIDTH - bar_left - 110
    y = 8.0
    body = []
    for bar in bars:
        lines = wrap(bar.label, label_width)
        height = max(LINE * len(lines), 22)
        body.append(text_lines(lines, 0, y + FONT, fill=INK))
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
    y = _note(body, note, y, WIDTH)
    return frame("bars", title, description, y + 4, "".join(body))


def narrow_bars(bars: Sequence[Bar], title: str, description: str, note: str = "") -> Markup:
    """The phone drawing of bar_chart: each label above its bar across the whole width, its
    figure at the label's right (or on a line of its own when it is long: "not shown
    (protects a small group)")."""
    y = 4.0
    body = []
    for bar in bars:
        figure_width = _text_width(bar.text)
        beside = figure_width <= NARROW * 0.4
        room = NARROW - (figure_width + 10 if beside else 0)
        lines = wrap(bar.short_label or bar.label, room)
        body.append(text_lines(lines, 0, y + FONT, fill=INK))
        if beside:
            body.append(
                f'<text x="{NARROW}" y="{y + FONT:.1f}" text-anchor="end" fill="{INK}" '
                f'font-weight="600">{escape(bar.text)}</text>'
            )
        y += LINE * len(lines)
        if not beside:
            body.append(text_lines(wrap(bar.text, NARROW), 0, y + FONT, fill=INK))
            y += LINE * len(wrap(bar.text, NARROW))
        body.append(f'<rect x="0" y="{y + 3:.1f}" width="{NARROW}" height="12" fill="{TRACK}"/>')
        if bar.value:
            length = max(1.5, NARROW * min(1.0, max(0.0, bar.value)))
            body.append(
                f'<rect x="0" y="{y + 3:.1f}" width="{length:.1f}" height="12" fill="{BAR}"/>'
            )
        y += 26
    y = _note(body, note, y, NARROW)
    return frame("bars", title, description, y + 4, "".join(body), width=NARROW)


def _note(body: list[str], note: str, y: float, width: float) -> float:
    """Print a chart's note under its bars (the page hides it: paired); the height it takes."""
    if not note:
        return y
    lines = wrap(note, width)
    body.append(text_lines(lines, 0, y + FONT, fill=MUTED, class_="chart-note"))
    return y + LINE * len(lines) + 6


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
    """One 100% bar per row (a matrix row), segments in scale order, a legend on top. On a
    page, with its phone drawing (each row's label above its bar, the mean beside the label).

    ``rows``: (label, segments, figure printed at the end, e.g. the mean); ``legend``: (key,
    label) in scale order.
    """
    return paired(
        wide_stacked_bars(rows, legend, colours, title, description),
        narrow_stacked_bars(rows, legend, colours, title, description),
    )


def _legend(legend: Sequence[tuple[str, str]], colours: dict[str, str], width: float) -> tuple:
    """The scale's legend on as many lines as ``width`` needs; its drawing and its height."""
    body = []
    x, y = 0.0, 4.0
    for key, label in legend:
        item = 22 + len(label) * FONT * 0.56
        if x and x + item > width:
            x, y = 0.0, y + 24
        body.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="14" height="14" fill="{colours[key]}"/>'
            f'<text x="{x + 20:.1f}" y="{y + 12:.1f}" fill="{INK}">{escape(label)}</text>'
        )
        x += item + 14
    return body, y + 34


def _segments(
    segments: Sequence[Segment],
    colours: dict[str, str],
    left: float,
    y: float,
    bar_width: float,
    font: int,
) -> list[str]:
    """One row's stacked segments, each printing its share where it is wide enough."""
    body = []
    for segment in segments:
        if not segment.share:
            continue
        width = bar_width * segment.share
        colour = colours.get(segment.key, UNSCORED)
        body.append(
            f'<rect x="{left:.1f}" y="{y:.1f}" width="{width:.1f}" height="22" '
            f'fill="{colour}" stroke="#ffffff" stroke-width="1"/>'
        )
        if width >= max(34, len(segment.text) * font * 0.62 + 6):
            body.append(
                f'<text x="{left + width / 2:.1f}" y="{y + 16:.1f}" text-anchor="middle" '
                f'fill="{text_colour(colour)}" font-size="{font}">{escape(segment.text)}</text>'
            )
        left += width
    return body


def wide_stacked_bars(
    rows: Sequence[tuple[str, Sequence[Segment], str]],
    legend: Sequence[tuple[str, str]],
    colours: dict[str, str],
    title: str,
    description: str,
) -> Markup:
    """The wide drawing of stacked_bars: labels on the left, the figure right of each bar."""
    body, y = _legend(legend, colours, WIDTH)
    label_width = WIDTH * 0.36
    bar_left = label_width + 12
    bar_width = WIDTH - bar_left - 70
    for label, segments, figure in rows:
        lines = wrap(label, label_width)
        height = max(LINE * len(lines), 24)
        body.append(text_lines(lines, 0, y + FONT, fill=INK))
        body += _segments(segments, colours, bar_left, y, bar_width, 12)
        body.append(
            f'<text x="{bar_left + bar_width + 8:.1f}" y="{y + 16:.1f}" fill="{INK}" '
            f'font-weight="600">{escape(figure)}</text>'
        )
        y += height + 8
    return frame("stacked", title, description, y + 4, "".join(body))


def narrow_stacked_bars(
    rows: Sequence[tuple[str, Sequence[Segment], str]],
    legend: Sequence[tuple[str, str]],
    colours: dict[str, str],
    title: str,
    description: str,
) -> Markup:
    """The phone drawing of stacked_bars: each label above its bar, the figure beside it."""
    body, y = _legend(legend, colours, NARROW)
    y -= 8
    for label, segments, figure in rows:
        room = NARROW - (_text_width(figure) + 10 if figure else 0)
        lines = wrap(label, room)
        body.append(text_lines(lines, 0, y + FONT, fill=INK))
        if figure:
            body.append(
                f'<text x="{NARROW}" y="{y + FONT:.1f}" text-anchor="end" fill="{INK}" '
                f'font-weight="600">{escape(figure)}</text>'
            )
        y += LINE * len(lines) + 4
        body += _segments(segments, colours, 0, y, NARROW, 13)
        y += 22 + 14
    return frame("stacked", title, description, y, "".join(body), width=NARROW)
