"""Never stuck, without JavaScript: an answer to a question that no longer applies blocks no
button. Generated from the definitions: for every conditional question of both questionnaires,
answer it, flip its trigger (on the same page, on an earlier page, in the background save), and
press every button of the page (next, previous, save, the step list, review, the language
switcher); then review and submit."""

from __future__ import annotations

import pytest

from tests.conftest import Respondent, answers_in_store, csrf_token
from tests.questionnaires.conditions import ConditionalCase, Fields, conditional_cases, page_fields

CASES = conditional_cases()


def buttons(case: ConditionalCase) -> list[tuple[str, str]]:
    """Every button of a questionnaire page, as the (name, value) it posts."""
    first = case.questionnaire.sections[0].key
    return [
        ("action", "next"),
        ("action", "previous"),
        ("action", "save"),
        ("goto", f"section:{first}"),
        ("goto", "review"),
        ("goto", "lang:fr"),
        ("goto", "lang:en"),
    ]


def stored_answer(app, case: ConditionalCase) -> dict[str, str]:
    (answers,) = answers_in_store(app).values()
    return answers.get(case.question.key, {})


def post(respondent: Respondent, section_key: str, fields: Fields, button: tuple[str, str]):
    data = {"csrf_token": respondent.csrf, **fields, button[0]: button[1]}
    return respondent.client.post(f"/r/{respondent.token}/s/{section_key}", data=data)


def ask_and_answer(respondent: Respondent, case: ConditionalCase, *, every_page: bool) -> None:
    """Answer the pages with the trigger set so that the question is asked (every page, or
    only the trigger's and the question's once the others are answered)."""
    sections = case.questionnaire.sections
    if not every_page:
        sections = [s for s in sections if s in (case.trigger_section, case.section)]
    for section in sections:
        fields = page_fields(case, section, trigger=case.trigger_on)
        reply = post(respondent, section.key, fields, ("action", "save"))
        assert reply.status_code == 303, (section.key, reply.get_data(as_text=True)[:2000])


def autosave(respondent: Respondent, section_key: str, fields: Fields):
    return respondent.client.post(
        f"/r/{respondent.token}/s/{section_key}/autosave",
        data={"csrf_token": respondent.csrf, **fields},
        headers={"Accept": "application/json"},
    )


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_an_answer_that_no_longer_applies_never_blocks_a_button(app, client, case):
    respondent = Respondent(client, case.questionnaire.key)
    respondent.start()
    respondent.page(case.questionnaire.sections[0].key)
    ask_and_answer(respondent, case, every_page=True)
    off = page_fields(case, case.trigger_section, trigger=case.trigger_off)
    # What the question's page posts after the flip: its answer is still in the form (a
    # browser without JavaScript, or a tab left open before the trigger changed).
    stale = page_fields(case, case.section, trigger=case.trigger_off)
    for button in buttons(case):
        # The trigger flipped by a page save (the answer is on that page, or an earlier one).
        ask_and_answer(respondent, case, every_page=False)
        assert stored_answer(app, case), "the question was not asked"
        reply = post(respondent, case.trigger_section.key, off, button)
        assert reply.status_code == 303, (button, reply.get_data(as_text=True)[:3000])
        assert stored_answer(app, case) == {}, button

        # The trigger flipped by the background save, then a button of the question's page.
        ask_and_answer(respondent, case, every_page=False)
        reply = autosave(respondent, case.trigger_section.key, off)
        assert reply.status_code == 200 and reply.json["saved"] is True
        assert reply.json["errors"] == {}
        assert stored_answer(app, case) == {}, button
        reply = post(respondent, case.section.key, stale, button)
        assert reply.status_code == 303, (button, reply.get_data(as_text=True)[:3000])
        assert stored_answer(app, case) == {}, button

    # Review and submit: nothing asks about the question.
    review = respondent.client.get(f"/r/{respondent.token}/review")
    assert review.status_code == 200
    page = review.get_data(as_text=True)
    assert 'id="error-summary"' not in page
    reply = respondent.client.post(
        f"/r/{respondent.token}/review", data={"csrf_token": csrf_token(page)}
    )
    assert reply.status_code == 303 and reply.location.endswith("/receipt")
    assert stored_answer(app, case) == {}
