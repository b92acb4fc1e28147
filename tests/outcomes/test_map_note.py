"""The participation slide's speaker note says what the map shows: every region's count, some
of them, or none (when every tile is withheld), in three languages."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from consult.outcomes import deck_content
from tests.outcomes.frames import catalog_app

LABELS = {"africa": {"en": "Africa"}, "europe": {"en": "Europe"}, "mewa": {"en": "MEWA"}}


def _summary(*entries):
    return {
        "region_labels": LABELS,
        "questionnaires": [{"participation": {"by_region": list(entries)}}],
    }


SHOWN = {"key": "europe", "count": 12}
HIDDEN = {"key": "africa", "count": None, "suppressed": True}
OTHER_HIDDEN = {"key": "mewa", "count": None, "suppressed": True}
EXPECTED = {
    "all": {
        "en": "The map counts the responses of each UCLG region.",
        "fr": "La carte compte les réponses de chaque région de CGLU.",
        "es": "El mapa cuenta las respuestas de cada región de CGLU.",
    },
    "some": {
        "en": '1 region marked "not shown"',
        "fr": "1 région marquée «\u00a0non affiché\u00a0»",
        "es": "1 región marcada «no se muestra»",
    },
    "none": {
        "en": "The map shows no region's count",
        "fr": "La carte n'indique le nombre de réponses d'aucune région",
        "es": "El mapa no da la cifra de ninguna región",
    },
}


@pytest.fixture(scope="module")
def bare():
    return catalog_app()


@pytest.mark.parametrize("language", ["en", "fr", "es"])
@pytest.mark.parametrize(
    ("case", "entries"),
    [
        ("all", [SHOWN, {"key": "africa", "count": 6}, {"key": "mewa", "count": 7}]),
        ("some", [SHOWN, HIDDEN, {"key": "mewa", "count": 7}]),
        ("none", [HIDDEN, OTHER_HIDDEN, {"key": "europe", "count": None, "suppressed": True}]),
    ],
)
def test_the_map_note_says_what_the_map_shows(bare, language, case, entries):
    with bare.test_request_context("/"), force_locale(language):
        note = deck_content.map_note(_summary(*entries))
    assert EXPECTED[case][language] in note
    if case != "all":
        assert "counts the responses of each UCLG region." not in note
