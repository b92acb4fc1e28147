"""What a question's percentages are of: one sentence per kind of question, true for each
(formatting.percent_base_sentence, the page's base line)."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from consult.outcomes.formatting import percent_base_sentence
from tests.outcomes import frames


@pytest.fixture(scope="module")
def app():
    """A bare app with the app's catalogs: the sentences need no database."""
    return frames.catalog_app()


@pytest.mark.parametrize(
    ("kind", "language", "expected"),
    [
        ("single_choice", "en", "Percentages are of the 120 who answered."),
        ("yes_no", "en", "Percentages are of the 120 who answered."),
        ("ranking", "en", "Percentages are of the 120 who answered."),
        # several options each: the shares do not add up to 100 %, and the sentence says so
        (
            "multiple_choice",
            "en",
            "Percentages are of the 120 who answered; each could choose several options, so "
            "they can add up to more than 100%.",
        ),
        (
            "multiple_choice",
            "fr",
            "Les pourcentages portent sur les 120 personnes qui ont répondu\u00a0; chacune pouvait "
            "choisir plusieurs options, si bien que le total des pourcentages peut dépasser "
            "100 %.",
        ),
        # a matrix's shares are of each row's respondents, not of the question's
        (
            "matrix",
            "en",
            "Percentages in each row are of the respondents who answered that row (its "
            "“Answered” column).",
        ),
        ("matrix", "es", None),
        # no percentages at all
        ("long_text", "en", ""),
        ("number", "en", ""),
    ],
)
def test_the_base_sentence_is_true_for_each_kind(app, kind, language, expected):
    with app.test_request_context("/"), force_locale(language):
        sentence = percent_base_sentence({"type": kind, "base": 120})
    if expected is None:
        assert sentence.startswith("En cada fila") and "120" not in sentence
    else:
        assert sentence == expected


def _summary(*questionnaires):
    return {
        "questionnaires": [
            {
                "responses": sum(languages.values()),
                "participation": {
                    "by_language": [{"key": k, "count": n} for k, n in languages.items()]
                },
            }
            for languages in questionnaires
        ]
    }


@pytest.mark.parametrize(
    ("summary", "language", "expected"),
    [
        # both questionnaires together, and the sentence names the responses they are shares of
        (
            _summary({"en": 25, "fr": 15}, {"en": 5, "es": 5}),
            "en",
            "50 responses, by language: English 60%, French 30%, Spanish 10%",
        ),
        (
            _summary({"fr": 1}),
            "fr",
            "1 réponse, par langue : français 100 %",
        ),
        (_summary({}), "en", ""),
    ],
)
def test_the_deck_says_of_how_many_responses_its_language_shares_are(
    app, summary, language, expected
):
    from consult.outcomes.deck_content import languages_sentence

    with app.test_request_context("/"), force_locale(language):
        assert languages_sentence(summary).replace("\u202f", " ").replace("\xa0", " ") == expected


@pytest.mark.parametrize(
    ("total", "language", "expected"),
    [
        (
            60,
            "en",
            "Share of the 60 published contributions that raise each theme; one contribution "
            "may raise several.",
        ),
        (
            60,
            "es",
            "Proporción de las 60 contribuciones publicadas que tratan cada tema; una "
            "contribución puede tratar varios.",
        ),
    ],
)
def test_the_deck_says_the_theme_shares_do_not_add_up(app, total, language, expected):
    from consult.outcomes.formatting import themes_note

    with app.test_request_context("/"), force_locale(language):
        assert themes_note(total) == expected
