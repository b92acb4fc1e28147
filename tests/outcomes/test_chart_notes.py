"""A bar chart's texts stay whole: a hidden bar's long figure ("not shown (protects a small
group)") is drawn over its empty track instead of being cut at the chart's edge, and a cut
chart's note is printed under the drawing as page text (legible on a phone) while the drawing
keeps it for downloads (charts.bar_chart, the chokepoint of every bar chart)."""

from __future__ import annotations

import re

import pytest

from consult.outcomes import charts


@pytest.mark.parametrize(
    ("text", "value", "inside_track"),
    [
        ("42 (18%)", 0.18, False),
        ("n < 5", None, False),
        ("not shown (protects a small group)", None, True),
        ("non affiché (protège un petit groupe)", None, True),
        ("no se muestra (protege a un grupo pequeño)", 0.0, True),
    ],
)
def test_a_bar_s_figure_fits_the_chart(text, value, inside_track):
    chart = str(charts.bar_chart([charts.Bar("Europe", value, text)], "Title", "Description"))
    x = float(re.search(r'<text x="([\d.]+)"[^>]*font-weight="600">', chart).group(1))
    assert x + charts._text_width(text) <= charts.WIDTH
    assert (x < charts.WIDTH - 110) is inside_track


def test_a_cut_chart_s_note_is_page_text_and_stays_in_the_download():
    note = "6 more are not drawn; the table lists them."
    chart = str(charts.bar_chart([charts.Bar("Europe", 0.5, "5 (50%)")], "T", "D", note))
    wide, narrow, page_text = chart.split("</svg>")
    for drawing in (wide, narrow):
        assert 'class="chart-note"' in drawing and note in drawing
    assert page_text == f'</div><p class="chart-note-text" aria-hidden="true">{note}</p>'
    download = charts.standalone_svg(chart)
    assert download.endswith("</svg>") and "chart-note-text" not in download
    assert "chart-narrow" not in download and download.count("<svg") == 1
    plain = str(charts.bar_chart([charts.Bar("Europe", 0.5, "5 (50%)")], "T", "D"))
    assert plain.endswith("</svg></div>")
