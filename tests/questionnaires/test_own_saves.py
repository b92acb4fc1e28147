"""A page's own earlier saves are never taken for someone else's: an autosave whose reply was
lost, then another save from the same page with the old base, is applied (HTTP)."""

from __future__ import annotations

import re

import pytest

from consult.questionnaires import merging
from tests.conftest import answers_in_store
from tests.questionnaires.test_linked_merge import QUESTIONNAIRES
from tests.questionnaires.test_respond import PROFILE
from tests.questionnaires.test_shared_link import Browser

EDITOR_RE = re.compile(r'name="editor" value="([^"]*)"')


class Page(Browser):
    """One page shown in a browser: its base and its editor id, sent with every save."""

    def remember(self, page: str) -> None:
        super().remember(page)
        found = EDITOR_RE.search(page)
        self.editor = found.group(1) if found else ""

    def save(self, section, fields, action="save", **extra):
        return super().save(section, {**fields, "editor": self.editor}, action, **extra)

    def autosave(self, section, fields):
        return super().autosave(section, {**fields, "editor": self.editor})


@pytest.fixture
def phone(app, respondent):
    token = respondent.start()
    assert respondent.save("profile", PROFILE).status_code == 303
    page = Page(app, token)
    page.open("profile")
    return page


def stored_name(app) -> dict:
    (answers,) = answers_in_store(app).values()
    return answers["institution_name"]


def test_an_autosave_whose_reply_was_lost_is_no_conflict_for_the_next_one(app, phone):
    other_tab = Page(app, phone.token)
    other_tab.client = phone.client  # same browser, same cookies: another tab
    other_tab.open("profile")
    typed = {**PROFILE, "q.institution_name": "Ayuntamiento de Bar"}
    assert phone.autosave("profile", typed).status_code == 200  # the reply never arrives
    typed["q.institution_name"] = "Ayuntamiento de Barcelona"
    retry = phone.autosave("profile", typed)  # same old base
    assert retry.status_code == 200, retry.get_json()
    assert retry.get_json()["conflicts"] == []
    assert stored_name(app) == {"": "Ayuntamiento de Barcelona"}
    # Save and continue, still with the base the page was shown with: no conflict either.
    typed["q.institution_name"] = "Ajuntament de Barcelona"
    assert phone.save("profile", typed, "next").status_code == 303
    assert stored_name(app) == {"": "Ajuntament de Barcelona"}
    # Another tab of the same browser, shown before these saves, is someone else.
    reply = other_tab.save("profile", {**PROFILE, "q.institution_name": "Barcelona"})
    assert reply.status_code == 409
    assert stored_name(app) == {"": "Ajuntament de Barcelona"}


def test_own_saves_stay_own_when_a_colleague_saved_another_question_since(app, phone):
    colleague = Page(app, phone.token)
    colleague.open("profile")
    typed = {**PROFILE, "q.institution_name": "Ayuntamiento de Bar"}
    assert phone.autosave("profile", typed).status_code == 200  # reply lost
    # The colleague changes another answer meanwhile.
    moved = {**PROFILE, "q.population_band": "from_250k_to_1m"}
    assert colleague.save("profile", moved).status_code == 303
    typed["q.institution_name"] = "Ayuntamiento de Barcelona"
    reply = phone.save("profile", typed)
    assert reply.status_code == 303
    (answers,) = answers_in_store(app).values()
    assert answers["institution_name"] == {"": "Ayuntamiento de Barcelona"}
    assert answers["population_band"] == {"": "from_250k_to_1m"}  # the colleague's change kept


LG = QUESTIONNAIRES["local-governments"]
NAME, MATRIX = LG.question("institution_name"), LG.question("article_relevance")
PAGE_A, PAGE_B = "a" * 16, "b" * 16


@pytest.mark.parametrize(
    ("saves", "editor", "own"),
    [
        ([], PAGE_A, set()),
        ([(PAGE_A, "institution_name")], PAGE_A, {"institution_name"}),
        ([(PAGE_A, "institution_name")], PAGE_B, set()),
        ([(PAGE_A, "institution_name"), (PAGE_B, "institution_name")], PAGE_A, set()),
        (
            [(PAGE_A, "institution_name"), (PAGE_B, "article_relevance")],
            PAGE_A,
            {"institution_name"},
        ),
        ([(PAGE_A, "institution_name"), (None, "institution_name")], PAGE_A, set()),
        ([(PAGE_A, "institution_name")], None, set()),
    ],
)
def test_the_units_a_page_saved_last_are_its_own(saves, editor, own):
    unit_editors, stored = None, {}
    for n, (saver, key) in enumerate(saves):
        value = {"": f"v{n}"} if key == "institution_name" else {"art01": "relevant"}
        answers = {key: value}
        unit_editors = merging.unit_editors_after(LG, unit_editors, saver, stored, answers)
        stored = {**stored, **answers}
    found = merging.own_units(editor, unit_editors)
    assert {unit.split(".")[0] for unit in found} == own


def test_an_own_unit_merges_as_in_step_and_another_does_not():
    base = merging.base_of(1, (NAME,), {"institution_name": {"": "Ayuntamiento"}})
    stored = {"institution_name": {"": "Ayuntamiento de Bar"}}
    posted = {"institution_name": {"": "Ayuntamiento de Barcelona"}}
    own = frozenset({"institution_name"})
    mine = merging.merge((NAME,), base, 3, stored, posted, own=own)
    assert mine.conflicts == [] and mine.answers == posted
    theirs = merging.merge((NAME,), base, 3, stored, posted)
    assert [c.unit for c in theirs.conflicts] == ["institution_name"]
