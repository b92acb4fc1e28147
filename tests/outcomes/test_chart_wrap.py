"""Chart labels are wrapped to their width (charts.wrap, used by every SVG chart's labels and
headers): no line is longer than its width allows, not even a single long word, which is broken
with a hyphen at a syllable instead of running out of its column (the Spanish deck's
"Contribuciones" in a heat-map column of 136 units at 20 px)."""

from __future__ import annotations

import pytest

from consult.outcomes.charts import wrap


@pytest.mark.parametrize(
    ("text", "width", "font", "lines"),
    [
        # broken at a syllable: before a consonant between two vowels
        ("Contribuciones abiertas", 130, 20, ["Contribu-", "ciones", "abiertas"]),
        ("Open contributions", 130, 20, ["Open", "contribu-", "tions"]),
        ("Participación", 90, 20, ["Partici-", "pación"]),
        # no such place: cut where the line ends
        ("Xxxxxxxxxxxxxxxx", 100, 20, ["Xxxxxxx-", "xxxxxxx-", "xx"]),
        ("Socios Más urgente", 130, 20, ["Socios Más", "urgente"]),
        ("Pertinencia hoy", 300, 12, ["Pertinencia hoy"]),
        ("", 130, 20, [""]),
    ],
)
def test_every_line_fits_its_width(text, width, font, lines):
    wrapped = wrap(text, width, font)
    assert wrapped == lines
    per_line = max(8, int(width / (font * 0.56)))
    assert all(len(line) <= per_line for line in wrapped)
