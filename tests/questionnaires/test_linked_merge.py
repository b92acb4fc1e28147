"""Questions linked in the definition merge as one unit: a table over every linked pair of both
questionnaires (a ranking and the question it ranks from, a condition and what it shows)."""

from __future__ import annotations

from pathlib import Path

import pytest

from consult.geography import REGION_KEYS
from consult.questionnaires import merging
from consult.questionnaires.definition import YES_NO_KEYS, Question, Questionnaire
from consult.questionnaires.parsing import definition_files, load_all

QUESTIONNAIRES = load_all(definition_files(Path(__file__).resolve().parents[2] / "questionnaires"))


def direct_links(questionnaire: Questionnaire) -> list[tuple[str, str]]:
    """Every (question, the question it depends on) the definition states."""
    links = []
    for section in questionnaire.sections:
        for question in section.questions:
            for source in (question.options_from, question.when, section.when):
                key = getattr(source, "question", source)
                if key and key != question.key:
                    links.append((question.key, key))
    return links


PAIRS = [
    pytest.param(questionnaire, changed_here, changed_there, id=f"{key}:{a}<-{b}:{changed_here}")
    for key, questionnaire in sorted(QUESTIONNAIRES.items())
    for a, b in sorted(set(direct_links(questionnaire)))
    for changed_here, changed_there in ((a, b), (b, a))
]


def value(question: Question, variant: int) -> dict[str, str]:
    """A valid answer to ``question``; two variants differ."""
    kind = question.type
    if kind in ("short_text", "long_text"):
        return {"": f"text {variant}"}
    if kind == "number":
        return {"": str(int(question.min or 0) + variant)}
    if kind == "yes_no":
        return {"": YES_NO_KEYS[variant]}
    if kind == "country":
        return {"": ("FR", "ES")[variant]}
    if kind == "region":
        return {"": REGION_KEYS[variant]}
    if kind == "single_choice":
        return {"": question.options[variant].key}
    if kind == "multiple_choice":
        return {question.options[variant].key: "1"}
    if kind == "ranking":
        return {question.options[variant].key: "1"}
    if kind == "matrix":
        return {question.rows[0].key: question.scale[variant].key}
    raise AssertionError(kind)


def page_of(questionnaire: Questionnaire, key: str):
    return questionnaire.section(questionnaire.question(key).section_key).questions


@pytest.mark.parametrize(("questionnaire", "here", "there"), PAIRS)
def test_a_stale_change_to_a_linked_question_conflicts(questionnaire, here, there):
    """The page changes ``here`` from a base older than another browser's change to
    ``there``: nothing of the page's change is written, and the conflict names ``there``."""
    page = page_of(questionnaire, here)
    mine, theirs = questionnaire.question(here), questionnaire.question(there)
    base = merging.base_of(1, merging.with_linked(questionnaire, page), {})
    assert any(unit.split(".")[0] == there for unit in base.digests)  # even on another page
    stored = {there: value(theirs, 1)}
    posted = {here: value(mine, 0)}
    if there in {q.key for q in page}:
        posted[there] = {}  # the page still shows it unanswered
    result = merging.merge(page, base, 2, stored, posted, questionnaire=questionnaire)
    (conflict,) = result.conflicts
    assert conflict.question.key == here
    assert conflict.mine == value(mine, 0)
    assert [q.key for q, _value in conflict.linked] == [there]
    assert conflict.linked[0][1] == value(theirs, 1)
    assert {**stored, **result.answers}.get(here, {}) == {}  # the page's change waits
    assert {**stored, **result.answers}[there] == value(theirs, 1)  # theirs stays
    # Unlinked, the same two changes merge silently (what happened before: a ranking or a
    # follow-up changed by an answer its author never saw).
    alone = merging.merge(page, base, 2, stored, posted)
    assert alone.conflicts == []


@pytest.mark.parametrize(("questionnaire", "here", "there"), PAIRS)
def test_linked_changes_without_a_stale_base_merge_as_before(questionnaire, here, there):
    page = page_of(questionnaire, here)
    mine = questionnaire.question(here)
    stored = {there: value(questionnaire.question(there), 1)}
    base = merging.base_of(2, merging.with_linked(questionnaire, page), stored)
    posted = {here: value(mine, 0)}
    if there in {q.key for q in page}:
        posted[there] = stored[there]
    result = merging.merge(page, base, 2, stored, posted, questionnaire=questionnaire)
    assert result.conflicts == []
    assert result.answers[here] == value(mine, 0)
    # The page's next base still carries the linked question, to compare later saves with.
    assert any(unit.split(".")[0] == there for unit in result.next_base(3).digests)


def test_every_link_of_both_questionnaires_is_known_both_ways():
    for questionnaire in QUESTIONNAIRES.values():
        groups = merging.linked_groups(questionnaire)
        for a, b in direct_links(questionnaire):
            assert b in groups[a] and a in groups[b]


SIBLINGS = [
    pytest.param(questionnaire, a, c, id=f"{key}:{a}|{c}")
    for key, questionnaire in sorted(QUESTIONNAIRES.items())
    for a, b in sorted(set(direct_links(questionnaire)))
    for c, d in sorted(set(direct_links(questionnaire)))
    if b == d and a < c and c not in merging.linked_groups(questionnaire)[a]
]


@pytest.mark.parametrize(("questionnaire", "here", "there"), SIBLINGS)
def test_two_follow_ups_of_one_trigger_merge_separately(questionnaire, here, there):
    """Two questions shown on the same condition do not change each other: each keeps its
    change, as any two questions do."""
    page = page_of(questionnaire, here)
    base = merging.base_of(1, merging.with_linked(questionnaire, page), {})
    stored = {there: value(questionnaire.question(there), 1)}
    posted = {here: value(questionnaire.question(here), 0)}
    if there in {q.key for q in page}:
        posted[there] = {}
    result = merging.merge(page, base, 2, stored, posted, questionnaire=questionnaire)
    assert result.conflicts == []
    assert result.answers[here] == value(questionnaire.question(here), 0)


def test_the_ranking_case_of_the_review():
    """new_themes = climate, digital, care; A ranks them; B, from the same base, unticks
    climate and ticks housing: B is told, and no first place appears that nobody gave."""
    lg = QUESTIONNAIRES["local-governments"]
    themes, ranking = lg.question("new_themes"), lg.question("new_themes_top3")
    page = page_of(lg, "new_themes")
    keys = [o.key for o in themes.options]
    climate, digital, care, housing = (
        next(k for k in keys if word in k) for word in ("climate", "digital", "care", "housing")
    )
    ticked = {climate: "1", digital: "1", care: "1"}
    base = merging.base_of(1, merging.with_linked(lg, page), {"new_themes": ticked})
    ranked = {climate: "1", care: "2", digital: "3"}
    stored = {"new_themes": ticked, "new_themes_top3": ranked}
    posted = {"new_themes": {digital: "1", care: "1", housing: "1"}, "new_themes_top3": {}}
    result = merging.merge(page, base, 2, stored, posted, questionnaire=lg)
    assert [c.unit for c in result.conflicts] == ["new_themes"]
    assert result.conflicts[0].linked == ((ranking, ranked),)
    assert {**stored, **result.answers} == stored
