"""Chart axes: gridlines at equal, round steps (1, 2 or 5 times a power of ten), labelled with
exactly the values at the lines, whole numbers for counts; the line chart draws through it."""

from __future__ import annotations

import math
import re

import pytest

from consult.outcomes import charts


@pytest.mark.parametrize(
    ("highest", "integer", "expected"),
    [
        (0, True, [0, 1]),
        (1, True, [0, 1]),
        (2, True, [0, 1, 2]),
        (3, True, [0, 1, 2, 3]),
        (4, True, [0, 1, 2, 3, 4]),
        (5, True, [0, 1, 2, 3, 4, 5]),
        (6, True, [0, 2, 4, 6]),
        (7, True, [0, 2, 4, 6, 8]),
        (8, True, [0, 2, 4, 6, 8]),
        (30, True, [0, 10, 20, 30]),
        (97, True, [0, 20, 40, 60, 80, 100]),
        (1000, True, [0, 200, 400, 600, 800, 1000]),
        (100000, True, [0, 20000, 40000, 60000, 80000, 100000]),
        # shares (0..1) and percentages
        (0.07, False, [0, 0.02, 0.04, 0.06, 0.08]),
        (0.37, False, [0, 0.1, 0.2, 0.3, 0.4]),
        (1.0, False, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (42.5, False, [0, 10, 20, 30, 40, 50]),
        (100.0, False, [0, 20, 40, 60, 80, 100]),
    ],
)
def test_axis_ticks(highest, integer, expected):
    ticks = charts.axis_ticks(highest, integer)
    assert ticks == pytest.approx(expected)
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1  # equal steps
    step = steps.pop()
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 6) in (1, 2, 5)
    assert ticks[-1] >= highest and len(ticks) <= 6
    if integer:
        assert all(isinstance(tick, int) for tick in ticks)


@pytest.mark.parametrize("highest", [1, 2, 3, 5, 7, 8, 13, 30, 97, 1000, 100000])
def test_the_line_chart_labels_its_gridlines_with_their_values(highest):
    days = max(2, min(highest, 40))
    points = [(f"2022-01-{i + 1:02d}", round(highest * (i + 1) / days)) for i in range(days)]
    chart = str(charts.line_chart(points, "t", "d", "first", "last", lambda v: f"{v:,}"))
    wide, narrow = re.findall(r"<svg\b.*?</svg>", chart, re.S)
    # the phone drawing: larger axis text, at most four intervals
    for svg, size, most in ((wide, 12, 5), (narrow, 13, 4)):
        lines = [float(y) for y in re.findall(r'<line x1="[\d.]+" y1="([\d.]+)"', svg)]
        labels = re.findall(
            rf'text-anchor="end" font-size="{size}" fill="[^"]+">([^<]+)</text>', svg
        )
        assert labels == [f"{tick:,}" for tick in charts.axis_ticks(highest, most=most)]
        gaps = [b - a for a, b in zip(lines, lines[1:], strict=False)]
        assert max(gaps) - min(gaps) <= 0.2  # evenly spaced lines for evenly spaced values
        # the last figure, printed above the end of the line, stays inside the drawing
        end = re.search(r'font-weight="700" fill="[^"]+">', svg)
        baseline = float(re.findall(r'<text x="[\d.]+" y="([\d.]+)"[^>]*font-weight="700"', svg)[0])
        assert end and baseline - 14 >= 0
