"""Every headline states its base: a finding on a question not every respondent was asked (a
follow-up, or a question of some versions only) says how many were asked, so that "of the 10
respondents who answered" is never heard as 10 of everyone (headlines.asked_of), in en/fr/es;
a question everyone was asked says nothing more."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from consult.outcomes.headlines import questionnaire_headlines
from tests.outcomes import frames


@pytest.fixture(scope="module")
def app():
    """A bare app with the outcomes catalogs: the sentences need no database."""
    return frames.catalog_app()


@pytest.fixture(scope="module")
def summary():
    # 10 of 16 know the Charter, and only they are asked how they used it.
    people = [
        (
            1,
            {
                "knows_charter": {"": "yes" if number < 10 else "no"},
                **({"charter_uses": {"advocacy": "1"}} if number < 10 else {}),
            },
        )
        for number in range(16)
    ]
    responses, answers = frames.frames(people)
    return frames.partners_summary(responses, answers)


ASKED = {
    "en": "The question was asked to 10 of the 16 respondents only.",
    "fr": "La question n'a été posée qu'à 10 des 16 répondants.",
    "es": "La pregunta solo se hizo a 10 de las 16 personas que respondieron.",
}


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_a_follow_up_finding_says_how_many_were_asked(app, summary, language):
    with app.test_request_context("/"), force_locale(language):
        groups = questionnaire_headlines(summary["questionnaires"][0], summary, limit=10)
    said = {group[0].question_key: " ".join(h.sentence for h in group) for group in groups}
    assert said["charter_uses"].endswith(" " + ASKED[language])
    assert "10" in said["charter_uses"]
    assert ASKED[language] not in said["knows_charter"]  # asked to everyone
