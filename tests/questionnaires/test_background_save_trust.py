"""The background save keeps going when the page's session is gone, and a conflict page names
the browser that saved the answer in conflict, not whoever saved last.

A phone's browser closed and its tab restored comes back without its session cookie: the
page's form token no longer matches, and the background save used to answer "This form
expired. Go back, reload the page", the one advice that drops what was typed since. It now
gets a fresh token and saves again (respond.js). And when a colleague's browser saved an
answer that this browser then changed too, this browser's own background save of its other
answers made the conflict page say "saved in another tab of this browser": the colleague's
answer could be thrown away as one's own. Each stored answer now keeps the tag of the browser
that saved it (merging.browser_tags) and the page says what that tells.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from consult.db import utcnow
from consult.questionnaires import merging
from consult.questionnaires.sharing import saved_by
from tests.questionnaires.test_respond import PROFILE
from tests.questionnaires.test_shared_link import Browser, stored_profile

EDITOR_RE = re.compile(r'name="editor" value="([^"]+)"')


class PageBrowser(Browser):
    """A browser that posts its page's editor id, as the page's form does."""

    def remember(self, page: str) -> None:
        super().remember(page)
        self.editor = EDITOR_RE.search(page).group(1)

    def save(self, section, fields, action="save", **extra):
        return super().save(section, {**fields, "editor": self.editor}, action, **extra)

    def autosave(self, section, fields):
        return super().autosave(section, {**fields, "editor": self.editor})


def test_a_background_save_without_its_session_gets_a_new_token_and_saves(app, respondent):
    token = respondent.start()
    assert respondent.save("profile", PROFILE).status_code == 303
    phone = PageBrowser(app, token)
    phone.open("profile")
    phone.client.delete_cookie("session")  # the browser was closed; the tab comes back
    typed = {**PROFILE, "q.respondent_department": "Direction de la solidarité"}
    refused = phone.autosave("profile", typed)
    assert refused.status_code == 400
    answer = refused.get_json()
    assert answer["expired"] is True and answer["saved"] is False
    assert answer["csrf_token"] and answer["csrf_token"] != phone.csrf
    assert "reload" not in refused.get_data(as_text=True).lower()
    phone.csrf = answer["csrf_token"]
    again = phone.autosave("profile", typed)
    assert again.status_code == 200 and again.get_json()["saved"] is True
    assert stored_profile(app)["respondent_department"] == {"": "Direction de la solidarité"}


def test_the_new_token_is_for_the_page_s_own_script_only(app, respondent):
    token = respondent.start()
    stranger = app.test_client()
    reply = stranger.post(
        f"/r/{token}/s/profile/autosave",
        data={"csrf_token": "forged", "q.institution_name": "Forged"},
        headers={"Accept": "application/json", "Origin": "https://evil.example"},
    )
    # No cross-origin reading is allowed (no CORS header), nothing is stored, nothing cached.
    assert reply.status_code == 400
    assert "Access-Control-Allow-Origin" not in reply.headers
    assert "no-store" in reply.headers.get("Cache-Control", "")
    assert stored_profile(app).get("institution_name") != {"": "Forged"}


def test_the_conflict_names_the_browser_of_the_answer_not_the_last_save(app, respondent):
    token = respondent.start()
    assert respondent.save("profile", PROFILE).status_code == 303
    colleague, mine = PageBrowser(app, token), PageBrowser(app, token)
    colleague.open("profile")
    mine.open("profile")
    # The colleague renames the institution; this browser, on the older page, renames it too
    # and gives the department: its background save keeps the department, not the name.
    assert colleague.save("profile", {**PROFILE, "q.institution_name": "CDMX"}).status_code == 303
    typed = {**PROFILE, "q.institution_name": "Ciudad de México (capital)"}
    background = mine.autosave("profile", {**typed, "q.respondent_department": "Inclusión"})
    assert background.status_code == 409
    assert stored_profile(app)["institution_name"] == {"": "CDMX"}
    assert stored_profile(app)["respondent_department"] == {"": "Inclusión"}
    mine.base = background.get_json()["base"]  # as the page's script does
    page = mine.save(
        "profile", {**typed, "q.respondent_department": "Inclusión"}, action="compare"
    ).get_data(as_text=True)
    assert "CDMX" in page
    assert "another tab of this browser" not in page
    assert "saved from another browser or tab" in page


LAST = SimpleNamespace(
    updated_at=utcnow(),
    last_saved_browser="m" * 64,
    last_saved_device="Firefox/Linux",
    last_saved_language="fr",
)


@pytest.mark.parametrize(
    ("tags", "contact_browser", "expected"),
    [
        # the answer's browser is the last saver's: the last save's time and device say it
        (frozenset({"m" * 12}), None, "saved from another browser (Firefox on Linux, in French), "),
        # no tag known (answers saved before tags were kept): as before
        (frozenset(), None, "saved from another browser (Firefox on Linux, in French), "),
        # this browser's other tab saved the answer; this browser saved other answers since
        (frozenset({"t" * 12}), None, "saved in another tab of this browser"),
        # the contact's browser saved it, someone else saved last
        (frozenset({"c" * 12}), "c" * 64, "saved by Aïcha Diop"),
        # another browser saved it, someone else saved last: no time, no device of another
        (frozenset({"o" * 12}), None, "saved from another browser or tab"),
        (frozenset({"o" * 12, "t" * 12}), None, "saved from another browser or tab"),
    ],
)
def test_who_saved_the_answer_in_conflict(app, tags, contact_browser, expected):
    contact = (
        SimpleNamespace(browser_hash=contact_browser, name="Aïcha Diop", job_title=None)
        if contact_browser
        else None
    )
    with app.test_request_context("/?lang=en"):
        said = saved_by(LAST, "t" * 64, contact, tags)
    assert said.startswith(expected), said
    if "Firefox" not in expected:
        assert "Firefox" not in said and "UTC" not in said, said


def test_each_answer_keeps_the_tag_of_the_browser_that_saved_it(app):
    from tests.questionnaires.test_own_saves import LG as lg

    first = merging.unit_editors_after(
        lg, None, "E" * 16, {}, {"institution_name": {"": "A"}}, browser="b" * 64
    )
    assert merging.browser_tags(first, ["institution_name"]) == {"b" * 12}
    assert merging.own_units("E" * 16, first) == {"institution_name"}
    # another page in another browser changes it: its tag replaces the first
    second = merging.unit_editors_after(
        lg,
        first,
        "F" * 16,
        {"institution_name": {"": "A"}},
        {"institution_name": {"": "B"}},
        browser="c" * 64,
    )
    assert merging.browser_tags(second, ["institution_name"]) == {"c" * 12}
    assert merging.own_units("E" * 16, second) == frozenset()
    # an entry written before tags were kept has none
    assert merging.browser_tags("institution_name=" + "E" * 16, ["institution_name"]) == set()
