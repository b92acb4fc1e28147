"""Two browsers on one personal link never silently overwrite each other (HTTP, no JavaScript)."""

from __future__ import annotations

import html
import re

import pytest

from tests.conftest import Respondent, answers_in_store, csrf_token
from tests.questionnaires.test_respond import ARTICLES, PROFILE, fill_required

BASE_RE = re.compile(r'name="base" value="([^"]*)"')
PENDING_RE = re.compile(r'name="pending" value="([^"]*)"')


class Browser:
    """One browser holding the personal link: its own cookies, the page as it last saw it."""

    def __init__(self, app, token: str) -> None:
        self.client = app.test_client()
        self.token = token
        self.csrf = ""
        self.base = ""
        self.pending = ""

    def open(self, section: str) -> str:
        page = self.client.get(f"/r/{self.token}/s/{section}").get_data(as_text=True)
        self.remember(page)
        return page

    def remember(self, page: str) -> None:
        self.csrf = csrf_token(page)
        self.base = html.unescape(BASE_RE.search(page).group(1))
        found = PENDING_RE.search(page)
        self.pending = found.group(1) if found else ""

    def save(self, section: str, fields: dict, action: str = "save", **extra):
        data = {"csrf_token": self.csrf, "action": action, "base": self.base, **fields, **extra}
        if self.pending:
            data["pending"] = self.pending
        return self.client.post(f"/r/{self.token}/s/{section}", data=data)

    def autosave(self, section: str, fields: dict):
        data = {"csrf_token": self.csrf, "base": self.base, **fields}
        return self.client.post(
            f"/r/{self.token}/s/{section}/autosave",
            data=data,
            headers={"Accept": "application/json"},
        )


@pytest.fixture
def two_browsers(app, respondent):
    """A response with its profile saved, open on the profile page in two browsers."""
    token = respondent.start()
    assert respondent.save("profile", PROFILE).status_code == 303
    first, second = Browser(app, token), Browser(app, token)
    first.open("profile")
    second.open("profile")
    return first, second


def stored_profile(app) -> dict:
    (answers,) = answers_in_store(app).values()
    return answers


def test_changes_to_different_questions_are_both_kept(app, two_browsers):
    first, second = two_browsers
    assert first.save("profile", {**PROFILE, "q.institution_name": "CDMX"}).status_code == 303
    # The second browser still shows the old name and changes the type only.
    reply = second.save("profile", {**PROFILE, "q.institution_type": "municipality"})
    assert reply.status_code == 303
    answers = stored_profile(app)
    assert answers["institution_name"] == {"": "CDMX"}
    assert answers["institution_type"] == {"": "municipality"}


def test_the_same_question_changed_in_both_shows_both_and_overwrites_nothing(app, two_browsers):
    first, second = two_browsers
    first.save(
        "profile",
        {
            **PROFILE,
            "q.institution_name": "Ciudad de México (CDMX)",
            "q.respondent_department": "DDH",
        },
    )
    reply = second.save(
        "profile",
        {**PROFILE, "q.institution_name": "Gobierno de la Ciudad", "q.population_band": "1m_5m"},
        action="next",
    )
    assert reply.status_code == 409
    page = reply.get_data(as_text=True)
    assert "Someone else changed these answers" in page
    assert "Ciudad de México (CDMX)" in page  # theirs, shown
    assert 'value="Gobierno de la Ciudad"' in page  # mine, still in the field
    assert re.search(
        r"saved from another browser \(in English\), \d+ \w+ 20\d\d, \d\d:\d\d UTC", page
    )
    # What only the other browser changed is shown as it is stored now, and stays.
    assert 'name="q.respondent_department" type="text" dir="auto"' in page
    assert re.search(r'id="q.respondent_department"[^>]*value="DDH"', page)
    assert stored_profile(app)["institution_name"] == {"": "Ciudad de México (CDMX)"}

    # Without a choice, saving again keeps asking and still overwrites nothing.
    second.remember(page)
    assert second.pending == "institution_name"
    shown = {
        **PROFILE,
        "q.institution_name": "Gobierno de la Ciudad",
        "q.respondent_department": "DDH",
    }
    again = second.save("profile", shown)
    assert again.status_code == 409
    assert stored_profile(app)["institution_name"] == {"": "Ciudad de México (CDMX)"}

    second.remember(again.get_data(as_text=True))
    chosen = second.save(
        "profile",
        shown,
        action="next",
        **{"resolve.institution_name": "mine"},
    )
    assert chosen.status_code == 303 and chosen.location.endswith("/s/commitments")
    assert stored_profile(app)["institution_name"] == {"": "Gobierno de la Ciudad"}
    assert stored_profile(app)["respondent_department"] == {"": "DDH"}


def test_choosing_the_saved_answer_keeps_it(app, two_browsers):
    first, second = two_browsers
    first.save("profile", {**PROFILE, "q.institution_name": "CDMX"})
    reply = second.save("profile", {**PROFILE, "q.institution_name": "Ciudad"})
    second.remember(reply.get_data(as_text=True))
    chosen = second.save(
        "profile",
        {**PROFILE, "q.institution_name": "Ciudad"},
        **{"resolve.institution_name": "theirs"},
    )
    assert chosen.status_code == 303
    assert stored_profile(app)["institution_name"] == {"": "CDMX"}


def test_a_choice_made_over_a_value_changed_again_asks_again(app, two_browsers):
    first, second = two_browsers
    first.save("profile", {**PROFILE, "q.institution_name": "CDMX"})
    second.remember(second.save("profile", {**PROFILE, "q.institution_name": "B"}).get_data(True))
    first.open("profile")
    first.save("profile", {**PROFILE, "q.institution_name": "CDMX 2"})
    reply = second.save(
        "profile", {**PROFILE, "q.institution_name": "B"}, **{"resolve.institution_name": "mine"}
    )
    assert reply.status_code == 409 and "CDMX 2" in reply.get_data(as_text=True)
    assert stored_profile(app)["institution_name"] == {"": "CDMX 2"}


def test_the_same_page_sent_twice_saves_once_without_a_conflict(app, two_browsers):
    first, _second = two_browsers
    fields = {**PROFILE, "q.institution_name": "CDMX"}
    assert first.save("profile", fields, action="next").status_code == 303
    assert first.save("profile", fields, action="next").status_code == 303


def test_autosave_answers_a_conflict_in_json_and_writes_the_rest(app, two_browsers):
    first, second = two_browsers
    first.save("profile", {**PROFILE, "q.institution_name": "CDMX"})
    reply = second.autosave(
        "profile",
        {**PROFILE, "q.institution_name": "Ciudad", "q.respondent_department": "Derechos"},
    )
    assert reply.status_code == 409
    body = reply.get_json()
    assert body["saved"] is True
    assert [c["unit"] for c in body["conflicts"]] == ["institution_name"]
    answers = stored_profile(app)
    assert answers["institution_name"] == {"": "CDMX"}
    assert answers["respondent_department"] == {"": "Derechos"}

    # The next background save is based on this one: the department is no longer stale, the
    # name still is (the page POST then shows both).
    second.base = body["base"]
    later = second.autosave(
        "profile",
        {**PROFILE, "q.institution_name": "Ciudad", "q.respondent_department": "Derechos H."},
    )
    assert later.status_code == 409
    assert stored_profile(app)["respondent_department"] == {"": "Derechos H."}
    page = second.save("profile", {**PROFILE, "q.institution_name": "Ciudad"}, action="compare")
    assert page.status_code == 409


def test_autosave_then_page_save_from_the_same_browser_is_no_conflict(app, two_browsers):
    first, _second = two_browsers
    fields = {**PROFILE, "q.institution_name": "CDMX"}
    reply = first.autosave("profile", fields)
    assert reply.status_code == 200
    first.base = reply.get_json()["base"]
    assert first.save("profile", {**fields, "q.respondent_department": "DH"}).status_code == 303
    assert stored_profile(app)["respondent_department"] == {"": "DH"}


def test_an_edit_of_a_submitted_response_merges_and_keeps_its_rows_in_step(app, respondent):
    token = respondent.start()
    fill_required(respondent)
    assert respondent.submit().status_code == 303
    first, second = Browser(app, token), Browser(app, token)
    first.open("articles")
    second.open("articles")
    assert first.save("articles", {**ARTICLES, "q.article_relevance.art01": "relevant"})
    mine = {**ARTICLES, "q.article_relevance.art01": "not_relevant"}
    reply = second.save("articles", {**mine, "q.article_relevance.art02": "relevant"})
    assert reply.status_code == 409
    page = reply.get_data(as_text=True)
    assert "Save changes" in page or "Save draft" in page
    answers = stored_profile(app)  # a submitted response: its Answer rows
    assert answers["article_relevance"]["art01"] == "relevant"
    assert answers["article_relevance"]["art02"] == "relevant"  # the row not in conflict
    second.remember(page)
    reply = second.save(
        "articles",
        {**mine, "q.article_relevance.art02": "relevant"},
        **{"resolve.article_relevance.art01": "mine"},
    )
    assert reply.status_code == 303
    assert stored_profile(app)["article_relevance"]["art01"] == "not_relevant"


def test_a_page_without_a_base_is_written_as_before(app, respondent):
    respondent.start()
    respondent.save("profile", PROFILE)
    other = Respondent(app.test_client())
    other.token = respondent.token
    assert other.save("profile", {**PROFILE, "q.institution_name": "X"}).status_code == 303
    assert stored_profile(app)["institution_name"] == {"": "X"}


def test_an_expired_session_on_the_conflict_page_keeps_the_conflict_pending(app, two_browsers):
    first, second = two_browsers
    first.save("profile", {**PROFILE, "q.institution_name": "CDMX"})
    second.remember(second.save("profile", {**PROFILE, "q.institution_name": "B"}).get_data(True))
    second.csrf = "expired"
    reshown = second.save("profile", {**PROFILE, "q.institution_name": "B"})
    assert reshown.status_code == 200 and "Your session had expired" in reshown.get_data(True)
    second.remember(reshown.get_data(as_text=True))
    assert second.pending == "institution_name"
    again = second.save("profile", {**PROFILE, "q.institution_name": "B"})
    assert again.status_code == 409
    assert stored_profile(app)["institution_name"] == {"": "CDMX"}
