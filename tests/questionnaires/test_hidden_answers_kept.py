"""Nothing a respondent types is lost when a condition hides it: the answer is kept (hidden),
comes back when the condition holds again, is never counted nor exported while hidden, and is
never dropped silently (the save says so, the review page lists it before submitting).

A table over every conditional question of both questionnaires (hide, show, hide; page saves
without JavaScript and the background save; a tab left open), then the reported cases: the
Charter page emptied by Yes, No, Yes; a submitted response's "Save changes"; a charter name typed
where it is not asked; two colleagues on one link; a ranking whose first choice is unticked.
"""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from consult.db import db
from consult.questionnaires import documents
from consult.questionnaires.models import Response
from tests.conftest import Respondent, answers_in_store, csrf_token, hidden_in_store
from tests.questionnaires.conditions import ConditionalCase, conditional_cases, page_fields

CASES = conditional_cases()
PROFILE = {
    "q.institution_name": "Ciudad de México",
    "q.country": "MX",
    "q.institution_type": "metropolis",
    "q.population_band": "over_5m",
}
ARTICLES = {f"q.article_relevance.art{n:02d}": "very_relevant" for n in range(1, 13)}
EXPERIENCE = {
    "q.charter_adoption_year": "2014",
    "q.charter_2011_use": ["policy_framework", "training"],
    "q.charter_impact": "great_extent",
}
EXPERIENCE_STORED = {
    "charter_adoption_year": {"": "2014"},
    "charter_2011_use": {"policy_framework": "1", "training": "1"},
    "charter_impact": {"": "great_extent"},
}


def counted(app) -> dict[str, dict[str, str]]:
    (answers,) = answers_in_store(app).values()
    return answers


def hidden(app) -> dict[str, dict[str, str]]:
    (answers,) = hidden_in_store(app).values()
    return answers


def post(respondent: Respondent, section_key: str, fields, action: str = "save"):
    data = {"csrf_token": respondent.csrf, **fields, "action": action}
    return respondent.client.post(f"/r/{respondent.token}/s/{section_key}", data=data)


def autosave(respondent: Respondent, section_key: str, fields):
    return respondent.client.post(
        f"/r/{respondent.token}/s/{section_key}/autosave",
        data={"csrf_token": respondent.csrf, **fields},
        headers={"Accept": "application/json"},
    )


def kept_aside(text: str) -> set[str]:
    """The question numbers a save or page says are kept but will not be sent."""
    found = re.findall(r"questions? ([\d, ]+) (?:is|are) kept but will not be sent", text)
    return {number.strip() for numbers in found for number in numbers.split(",")}


def answer_every_page(respondent: Respondent, case: ConditionalCase) -> None:
    for section in case.questionnaire.sections:
        reply = post(respondent, section.key, page_fields(case, section, trigger=case.trigger_on))
        assert reply.status_code == 303, (section.key, reply.get_data(as_text=True)[:2000])


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_hiding_keeps_the_answer_and_showing_brings_it_back(app, client, case):
    respondent = Respondent(client, case.questionnaire.key)
    respondent.start()
    respondent.page(case.questionnaire.sections[0].key)
    answer_every_page(respondent, case)
    given = counted(app)[case.question.key]
    assert given
    number = str(case.questionnaire.number(case.question.key))
    off = page_fields(case, case.trigger_section, trigger=case.trigger_off)
    on = page_fields(case, case.trigger_section, trigger=case.trigger_on)

    # Hidden by a page save (no JavaScript): kept aside, not counted, and said on the next page.
    reply = post(respondent, case.trigger_section.key, off)
    assert reply.status_code == 303
    assert case.question.key not in counted(app)
    assert hidden(app)[case.question.key] == given
    shown = client.get(reply.location, follow_redirects=True).get_data(as_text=True)
    assert number in kept_aside(shown)

    # Shown again by the background save: back, as typed.
    reply = autosave(respondent, case.trigger_section.key, on)
    assert reply.json["saved"] is True and number not in kept_aside(reply.json["hidden"])
    assert counted(app)[case.question.key] == given
    assert case.question.key not in hidden(app)

    # Hidden again by the background save: the status names it instead of a plain "Saved".
    reply = autosave(respondent, case.trigger_section.key, off)
    assert reply.json["saved"] is True and number in kept_aside(reply.json["hidden"])
    assert hidden(app)[case.question.key] == given

    # A tab left open on the question's page posts it after the flip: kept, still hidden.
    stale = page_fields(case, case.section, trigger=case.trigger_off)
    assert post(respondent, case.section.key, stale).status_code == 303
    assert case.question.key not in counted(app)
    assert hidden(app)[case.question.key] == given

    # The review page says, before submitting, what will not be sent and why.
    review = client.get(f"/r/{respondent.token}/review").get_data(as_text=True)
    listed = review.split('id="review-hidden"', 1)
    assert len(listed) == 2 and f">{number}.<" in listed[1].split("</section>", 1)[0]
    reply = client.post(f"/r/{respondent.token}/review", data={"csrf_token": csrf_token(review)})
    assert reply.status_code == 303 and reply.location.endswith("/receipt")
    # Submitted: not counted (no Answer row, not in the document), still kept.
    assert case.question.key not in counted(app)
    assert hidden(app)[case.question.key] == given
    with app.app_context():
        response = db.session.scalars(select(Response)).one()
        document = documents.decode(case.questionnaire, response.answers_document)
    assert case.question.key not in document


def test_yes_no_yes_keeps_the_charter_page(app, respondent):
    respondent.start()
    respondent.save("profile", PROFILE)
    respondent.save("commitments", {"q.charter_2011_adopted": "yes"})
    respondent.page("charter_experience")
    assert respondent.save("charter_experience", EXPERIENCE).status_code == 303
    for value in ("no", "yes"):
        reply = autosave(respondent, "commitments", {"q.charter_2011_adopted": value})
        assert reply.json["saved"] is True
    assert {k: counted(app)[k] for k in EXPERIENCE_STORED} == EXPERIENCE_STORED
    page = respondent.page("charter_experience").get_data(as_text=True)
    assert 'value="2014"' in page and 'value="training" checked' in page


def test_save_changes_of_a_submitted_response_keeps_what_dont_know_hides(app, respondent):
    respondent.start()
    respondent.save("profile", PROFILE)
    respondent.save("commitments", {"q.charter_2011_adopted": "yes"})
    respondent.save("charter_experience", EXPERIENCE)
    respondent.save("articles", ARTICLES)
    assert respondent.submit().status_code == 303
    respondent.page("commitments")
    reply = respondent.save("commitments", {"q.charter_2011_adopted": "dont_know"}, action="save")
    assert reply.status_code == 303
    # Not counted while hidden (the Answer rows the outcomes and exports read), but kept.
    assert not set(EXPERIENCE_STORED) & set(counted(app))
    assert hidden(app) == EXPERIENCE_STORED
    respondent.page("commitments")
    respondent.save("commitments", {"q.charter_2011_adopted": "yes"}, action="save")
    assert {k: counted(app)[k] for k in EXPERIENCE_STORED} == EXPERIENCE_STORED
    assert hidden(app) == {}


def test_a_charter_name_typed_where_it_is_not_asked_is_kept_and_said(app, respondent):
    respondent.start()
    respondent.save("profile", PROFILE)
    respondent.page("commitments")
    reply = respondent.save(
        "commitments",
        {
            "q.hr_elements": ["ombudsperson"],
            "q.local_charter_name": "Carta de la Ciudad, 2010",
            "q.charter_2011_adopted": "no",
        },
    )
    assert reply.status_code == 303
    assert "local_charter_name" not in counted(app)
    assert hidden(app)["local_charter_name"] == {"": "Carta de la Ciudad, 2010"}
    following = respondent.client.get(reply.location, follow_redirects=True).get_data(as_text=True)
    assert "Your answer to question 8 is kept but will not be sent" in following
    assert "question 7" in following
    # Shown on the page again, and counted once "local charter" is ticked.
    page = respondent.page("commitments").get_data(as_text=True)
    assert "Carta de la Ciudad, 2010" in page
    respondent.save(
        "commitments",
        {
            "q.hr_elements": ["local_charter"],
            "q.local_charter_name": "Carta de la Ciudad, 2010",
            "q.charter_2011_adopted": "no",
        },
    )
    assert counted(app)["local_charter_name"] == {"": "Carta de la Ciudad, 2010"}


def test_two_colleagues_on_one_link_nothing_typed_is_lost_and_it_is_said(app, client):
    a = Respondent(client)
    a.start()
    a.save("profile", PROFILE)
    a.save("commitments", {"q.charter_2011_adopted": "yes"})
    b = Respondent(app.test_client())
    b.token = a.token
    page = b.page("charter_experience").get_data(as_text=True)
    base = re.search(r'name="base" value="([^"]*)"', page).group(1)
    a.page("commitments")
    a.save("commitments", {"q.charter_2011_adopted": "no"}, action="save")

    typed = {"q.charter_adoption_year": "2014", "q.charter_2011_use": ["training"]}
    # A changed the answer these questions follow since B's page was shown: B is told, and
    # nothing of either is overwritten (merging.py: linked questions merge as one unit).
    reply = autosave(b, "charter_experience", {**typed, "base": base})
    assert reply.status_code == 409
    assert {c["question"] for c in reply.json["conflicts"]} == {
        "charter_adoption_year",
        "charter_2011_use",
    }
    shown = b.save("charter_experience", {**typed, "base": base}, action="save")
    assert shown.status_code == 409
    page = shown.get_data(as_text=True)
    assert "This answer goes with another one that was changed meanwhile" in page
    chosen = {
        "base": html.unescape(re.search(r'name="base" value="([^"]*)"', page).group(1)),
        "pending": re.search(r'name="pending" value="([^"]*)"', page).group(1),
        "resolve.charter_adoption_year": "mine",
        "resolve.charter_2011_use": "mine",
    }
    reply = b.save("charter_experience", {**typed, **chosen}, action="save")
    assert reply.status_code == 303
    following = b.client.get(reply.location, follow_redirects=True).get_data(as_text=True)
    assert "Your answers to questions 12, 13 are kept but will not be sent" in following
    assert hidden(app) == {
        "charter_adoption_year": {"": "2014"},
        "charter_2011_use": {"training": "1"},
    }


def test_unticking_a_ranked_theme_moves_the_later_choices_up_without_javascript(app, respondent):
    respondent.start()
    themes = ["climate_justice", "care", "migration_refugees"]
    ranks = {f"q.new_themes_top3.rank{n}": key for n, key in enumerate(themes, start=1)}
    assert respondent.save("revision", {"q.new_themes": themes, **ranks}).status_code == 303
    respondent.page("revision")
    reply = respondent.save("revision", {"q.new_themes": themes[1:], **ranks}, action="save")
    assert reply.status_code == 303
    assert counted(app)["new_themes_top3"] == {"care": "1", "migration_refugees": "2"}
    page = respondent.page("revision").get_data(as_text=True)
    first = re.search(r'name="q.new_themes_top3.rank1".*?</select>', page, re.S).group(0)
    assert 'value="care" selected' in first


@pytest.mark.parametrize("form", [(), ("--long",)], ids=["wide", "long"])
def test_a_hidden_answer_is_not_exported(app, runner, respondent, tmp_path, form):
    respondent.start()
    respondent.save("profile", PROFILE)
    respondent.save("commitments", {"q.charter_2011_adopted": "yes"})
    respondent.save("charter_experience", {"q.charter_impact": "great_extent"})
    respondent.save(
        "commitments",
        {"q.charter_2011_adopted": "no", "q.local_charter_name": "Carta escondida"},
    )
    respondent.save("articles", ARTICLES)
    assert respondent.submit().status_code == 303
    assert set(hidden(app)) == {"charter_impact", "local_charter_name"}
    out = tmp_path / "responses.json"
    result = runner.invoke(
        args=["export", "responses", "--format", "json", "--out", str(out), *form]
    )
    assert result.exit_code == 0, result.output
    exported = out.read_text(encoding="utf-8")
    rows = exported.split('"rows": [', 1)[1]  # after the codebook, which names every option
    assert "Ciudad de México" in rows  # the response is there
    assert "Carta escondida" not in rows and "great_extent" not in rows
