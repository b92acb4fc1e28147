"""Questions carry the same number everywhere: the online pages, the review, the blank
printable version and the PDF of a response (one macro, templates/questionnaires/_number.html,
over Questionnaire.number)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import Respondent
from tests.questionnaires.conditions import questionnaires

QUESTIONNAIRES = {q.key: q for q in questionnaires()}

#: A question's block and the number written at its head (online page or blank).
NUMBERED = re.compile(
    r'id="(?:question|blank-q)-([a-z0-9_]+)"[^>]*>.*?<span class="question-number">(\d+)\.</span>',
    re.S,
)


def numbers_in(page: str) -> dict[str, int]:
    return {key: int(number) for key, number in NUMBERED.findall(page)}


@pytest.mark.parametrize("key", sorted(QUESTIONNAIRES))
@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_the_blank_version_numbers_every_question_as_the_online_pages_do(client, key, language):
    questionnaire = QUESTIONNAIRES[key]
    expected = {q.key: n for n, q in enumerate(questionnaire.questions, start=1)}
    blank = client.get(f"/questionnaires/{key}/print?lang={language}").get_data(as_text=True)
    assert numbers_in(blank) == expected
    # Pages are named as online ("Page 2 of 8"), not numbered like questions.
    assert blank.count('class="page-count"') == len(questionnaire.sections)

    respondent = Respondent(client, key)
    respondent.start()
    online: dict[str, int] = {}
    for section in questionnaire.sections:
        page = respondent.page(section.key).get_data(as_text=True)
        online.update(numbers_in(page))
    # Questions hidden by an answer on an earlier page are not on a fresh draft's pages.
    hidden = {
        q.key
        for q in questionnaire.questions
        if (q.when or questionnaire.section(q.section_key).when)
    }
    assert set(expected) - hidden <= set(online)
    assert online.items() <= expected.items()
