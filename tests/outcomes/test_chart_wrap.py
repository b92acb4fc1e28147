"""Chart labels are wrapped to their width (charts.wrap, used by every SVG chart's labels and
headers): no line is longer than its width allows, not even a single long word, which is broken
with a hyphen at a syllable instead of running out of its column (the Spanish deck's
"Contribuciones" in a heat-map column of 136 units at 20 px)."""

from __future__ import annotations

import html
import re

import pytest
from flask_babel import force_locale

from consult.outcomes import heat
from consult.outcomes.charts import wrap
from tests.outcomes import frames
from tests.outcomes.test_chart_phone import HEAT_SUMMARY, PAGE_CHARTS


@pytest.mark.parametrize(
    ("text", "width", "font", "lines"),
    [
        # broken at a syllable: before a consonant between two vowels, or before the last of
        # several consonants ("govern-ments"), never inside a pair that begins a syllable
        ("Contribuciones abiertas", 130, 20, ["Contribu-", "ciones", "abiertas"]),
        ("Open contributions", 130, 20, ["Open", "contribu-", "tions"]),
        ("Participación", 90, 20, ["Partici-", "pación"]),
        # the heat map's wide header (11 letters a line): not "government-" / "s:"
        (
            "Local governments: Relevance today",
            78,
            12,
            ["Local", "govern-", "ments:", "Relevance", "today"],
        ),
        (
            "Gouvernements locaux\u00a0: Pertinence",
            78,
            12,
            ["Gouverne-", "ments", "locaux\u00a0:", "Pertinence"],
        ),
        (
            "Gobiernos locales: Contribuciones abiertas",
            78,
            12,
            ["Gobiernos", "locales:", "Contribu-", "ciones", "abiertas"],
        ),
        # a word that fits its line is never broken, even where the line before has room
        ("Socios Más urgente", 130, 20, ["Socios Más", "urgente"]),
        ("Pertinencia hoy", 300, 12, ["Pertinencia hoy"]),
        # no syllable break: cut where the line ends, three letters at least on each side
        ("Xxxxxxxxxxxxxxxx", 100, 20, ["Xxxxxxx-", "xxxxxx-", "xxx"]),
        ("n\u00a0=\u00a012\u00a0345", 60, 20, ["n\u00a0=\u00a012\u00a0345"]),
        # a no-break space holds its words together: the French colon never starts a line
        ("Partenaires\u00a0: Besoin", 160, 20, ["Partenaires\u00a0:", "Besoin"]),
        ("Asia-Pacific", 60, 20, ["Asia-", "Pacific"]),
        ("", 130, 20, [""]),
    ],
)
def test_every_line_fits_its_width(text, width, font, lines):
    wrapped = wrap(text, width, font)
    assert wrapped == lines
    per_line = max(8, int(width / (font * 0.56)))
    assert all(len(line) <= per_line for line in wrapped if " " in line or line.endswith("-"))
    assert_breaks_keep_three_letters(wrapped)


def assert_breaks_keep_three_letters(lines: list[str]) -> None:
    """A line that ends in a hyphen breaks a word: both its pieces hold three letters or more."""
    for line, following in zip(lines, [*lines[1:], ""], strict=False):
        if line.endswith("-") and line[-2:-1].isalpha():
            head = line.split(" ")[-1]
            tail = following.split(" ")[0]
            assert sum(c.isalpha() for c in head) >= 3, (line, following)
            assert sum(c.isalpha() for c in tail) >= 3, (line, following)


def _scale(low: dict, high: dict) -> list[dict]:
    return [{"score": 1, "label": low}, {"score": 4, "label": high}]


RELEVANCE = _scale(
    {"en": "Not relevant", "fr": "Pas pertinent", "es": "Nada pertinente"},
    {"en": "Very relevant", "fr": "Très pertinent", "es": "Muy pertinente"},
)
UPDATE = _scale(
    {"en": "Keep as is", "fr": "Garder tel quel", "es": "Mantener igual"},
    {"en": "Rewrite entirely", "fr": "Réécrire entièrement", "es": "Reescribir por completo"},
)
VALUES = {"values": {"art01": 3.2, "art08": 2.5}, "bases": {"art01": 15, "art08": 15}}
#: The columns of the consultation's heat map: both questionnaires' means and shares, and the
#: open contributions.
REAL_COLUMNS = [
    {
        "kind": "mean",
        "question": q,
        "questionnaire": source,
        "scale": scale,
        "range": [1, 4],
        **VALUES,
    }
    for source in ("local-governments", "partners")
    for q, scale in (("article_relevance", RELEVANCE), ("article_update", UPDATE))
] + [
    {
        "kind": "share",
        "question": "articles_to_update",
        "questionnaire": "partners",
        "label": {"en": "Most need updating", "fr": "À actualiser", "es": "Más urgente"},
        "values": {"art01": 0.4, "art08": 0.2},
        "bases": {"art01": 15, "art08": 15},
    },
    {
        "kind": "count",
        "question": "contributions",
        "values": {"art01": 3, "art08": 12},
        "bases": {"art01": 15, "art08": 15},
    },
]


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_no_chart_breaks_a_word_into_a_piece_of_fewer_than_three_letters(language):
    """Every chart of the pages, downloads and deck, the heat map with the consultation's real
    column headers, in each language: a hyphenated line keeps three letters on each side."""
    summary = {**HEAT_SUMMARY, "articles": {**HEAT_SUMMARY["articles"], "columns": REAL_COLUMNS}}
    builders = {
        **PAGE_CHARTS,
        "real_heat_map": lambda: heat.article_heat_map(summary),
        "deck_heat_map": lambda: heat.deck_heat_map(summary),
    }
    app = frames.catalog_app()
    hyphenated = 0
    with app.test_request_context("/"), force_locale(language):
        headers = [heat.heat_column_label(column) for column in REAL_COLUMNS]
        # words wider than the wide map's header line (11 letters): "governments:",
        # "Collectivités", "Contribuciones"
        assert any(len(word) > 11 for header in headers for word in header.split(" "))
        for build in builders.values():
            chart = str(build())
            for text in re.findall(r"<text[^>]*>(.*?)</text>", chart, re.S):
                lines = [html.unescape(s) for s in re.findall(r"<tspan[^>]*>([^<]*)</tspan>", text)]
                assert_breaks_keep_three_letters(lines)
                hyphenated += sum(line.endswith("-") for line in lines)
    assert hyphenated  # the narrow drawings do break long words
