"""Labels and lists of figures follow the page's typography: French puts a no-break space
before a colon or a semicolon ("Europe : 12 ; Afrique : 7"), English and Spanish do not
(formatting.labelled and formatting.listed, used by chart descriptions and heat map labels)."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from consult.outcomes.formatting import labelled, listed
from consult.outcomes.heat import heat_scale_notes
from tests.outcomes import frames


@pytest.fixture(scope="module")
def app():
    """A bare app with the outcomes catalogs."""
    return frames.catalog_app()


SCALE = {
    "kind": "mean",
    "question": "x",
    "label": {"en": "Relevance", "fr": "Pertinence", "es": "Pertinencia"},
    "scale": [
        {"key": "a", "label": {"en": "Low", "fr": "Faible", "es": "Baja"}, "score": 1},
        {"key": "b", "label": {"en": "High", "fr": "Forte", "es": "Alta"}, "score": 4},
    ],
}


@pytest.mark.parametrize(
    ("language", "pair", "figures", "scale"),
    [
        ("en", "Europe: 12", "Europe: 12; Africa: 7", "Relevance: 1 = Low, 4 = High"),
        (
            "fr",
            "Europe\u00a0: 12",
            "Europe\u00a0: 12\u00a0; Africa\u00a0: 7",
            "Pertinence\u00a0: 1 = Faible, 4 = Forte",
        ),
        ("es", "Europe: 12", "Europe: 12; Africa: 7", "Pertinencia: 1 = Baja, 4 = Alta"),
    ],
)
def test_colons_and_semicolons_follow_the_language(app, language, pair, figures, scale):
    with app.test_request_context("/"), force_locale(language):
        assert labelled("Europe", "12") == pair
        assert listed([labelled("Europe", "12"), labelled("Africa", "7")]) == figures
        assert heat_scale_notes({"articles": {"columns": [SCALE]}}) == [scale]
