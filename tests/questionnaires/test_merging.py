"""The merge of a page saved from an older copy: a table of cases over real questions."""

from __future__ import annotations

from pathlib import Path

import pytest

from consult.questionnaires import merging
from consult.questionnaires.parsing import definition_files, load_all

QUESTIONNAIRES = Path(__file__).resolve().parents[2] / "questionnaires"
LG = load_all(definition_files(QUESTIONNAIRES))["local-governments"]
NAME = LG.question("institution_name")  # short text
ELEMENTS = LG.question("hr_elements")  # checkboxes with "other"
MATRIX = LG.question("article_relevance")  # matrix, one unit per row
COMMENTS = LG.question("article_comments")  # free text
TYPE = LG.question("institution_type")  # single choice
QUESTIONS = (NAME, ELEMENTS, MATRIX, COMMENTS, TYPE)


def saved(base_answers, stored, posted, **options):
    """Merge ``posted`` shown at revision 1 with ``base_answers`` into ``stored`` (revision 2)."""
    base = merging.base_of(1, QUESTIONS, base_answers)
    return merging.merge(QUESTIONS, base, 2, stored, posted, **options)


# (case, base, stored now, posted, written, conflicting units)
CASES = [
    (
        "different questions: each keeps its change",
        {"institution_name": {"": "Lyon"}},
        {"institution_name": {"": "Ville de Lyon"}},
        {"institution_name": {"": "Lyon"}, "institution_type": {"": "metropolis"}},
        {"institution_name": {"": "Ville de Lyon"}, "institution_type": {"": "metropolis"}},
        [],
    ),
    (
        "same question, different values: conflict, stored kept",
        {"institution_name": {"": "Lyon"}},
        {"institution_name": {"": "Ville de Lyon"}},
        {"institution_name": {"": "Métropole de Lyon"}},
        {"institution_name": {"": "Ville de Lyon"}},
        ["institution_name"],
    ),
    (
        "both changed to the same value: no conflict",
        {"institution_name": {"": "Lyon"}},
        {"institution_name": {"": "Ville de Lyon"}},
        {"institution_name": {"": "Ville de Lyon"}},
        {"institution_name": {"": "Ville de Lyon"}},
        [],
    ),
    (
        "cleared here, changed there: conflict",
        {"article_comments": {"": "Article IX needs digital culture."}},
        {"article_comments": {"": "Article IX needs digital culture and libraries."}},
        {"article_comments": {}},
        {"article_comments": {"": "Article IX needs digital culture and libraries."}},
        ["article_comments"],
    ),
    (
        "cleared there, unchanged here: stays cleared",
        {"article_comments": {"": "Old"}},
        {},
        {"article_comments": {"": "Old"}},
        {"article_comments": {}},
        [],
    ),
    (
        "cleared here, unchanged there: cleared",
        {"article_comments": {"": "Old"}},
        {"article_comments": {"": "Old"}, "institution_name": {"": "Quito"}},
        {"article_comments": {}},
        {"article_comments": {}},
        [],
    ),
    (
        "matrix: different rows merge",
        {"article_relevance": {"art01": "relevant"}},
        {"article_relevance": {"art01": "relevant", "art02": "very_relevant"}},
        {"article_relevance": {"art01": "not_relevant"}},
        {"article_relevance": {"art01": "not_relevant", "art02": "very_relevant"}},
        [],
    ),
    (
        "matrix: the same row differently is a conflict on that row only",
        {"article_relevance": {"art01": "relevant"}},
        {"article_relevance": {"art01": "very_relevant", "art02": "relevant"}},
        {"article_relevance": {"art01": "not_relevant", "art03": "relevant"}},
        {"article_relevance": {"art01": "very_relevant", "art02": "relevant", "art03": "relevant"}},
        ["article_relevance.art01"],
    ),
    (
        "checkboxes are one answer: ticks on both sides conflict",
        {"hr_elements": {"local_charter": "1"}},
        {"hr_elements": {"local_charter": "1", "ombudsperson": "1"}},
        {"hr_elements": {"local_charter": "1", "indicators": "1"}},
        {"hr_elements": {"local_charter": "1", "ombudsperson": "1"}},
        ["hr_elements"],
    ),
    (
        "checkboxes unchanged here keep the other's ticks and other text",
        {"hr_elements": {"local_charter": "1"}},
        {"hr_elements": {"local_charter": "1", "other": "Comité de vigilancia"}},
        {"hr_elements": {"local_charter": "1"}},
        {"hr_elements": {"local_charter": "1", "other": "Comité de vigilancia"}},
        [],
    ),
    (
        "free text in any script: the other's text is kept when untouched here",
        {"article_comments": {"": "حق السكن"}, "institution_name": {"": "Tunis"}},
        {"article_comments": {"": "حق السكن اللائق"}, "institution_name": {"": "Tunis"}},
        {"article_comments": {"": "حق السكن"}, "institution_name": {"": "Ville de Tunis"}},
        {"article_comments": {"": "حق السكن اللائق"}, "institution_name": {"": "Ville de Tunis"}},
        [],
    ),
]


@pytest.mark.parametrize(
    ("base", "stored", "posted", "written", "conflicting"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_a_stale_page_merges_unit_by_unit(base, stored, posted, written, conflicting):
    result = saved(base, stored, posted)
    assert result.answers == written
    assert [c.unit for c in result.conflicts] == conflicting


def test_a_page_based_on_the_stored_revision_is_written_as_sent():
    stored = {"institution_name": {"": "Ville de Lyon"}}
    base = merging.base_of(2, QUESTIONS, {"institution_name": {"": "Lyon"}})
    posted = {"institution_name": {"": "Lyon"}}
    assert merging.merge(QUESTIONS, base, 2, stored, posted).answers == posted


def test_a_client_without_a_base_writes_as_before():
    stored = {"institution_name": {"": "Ville de Lyon"}}
    posted = {"institution_name": {"": "Lyon"}}
    assert merging.merge(QUESTIONS, None, 7, stored, posted).answers == posted


def test_a_conflict_carries_both_values_and_the_row():
    result = saved(
        {"article_relevance": {"art05": "relevant"}},
        {"article_relevance": {"art05": "very_relevant"}},
        {"article_relevance": {"art05": "not_relevant"}},
    )
    (conflict,) = result.conflicts
    assert (conflict.row, conflict.mine, conflict.theirs) == (
        "art05",
        {"art05": "not_relevant"},
        {"art05": "very_relevant"},
    )
    # The page showing it is based on the stored value; the browser's next autosave is not.
    assert result.shown_base(3).digests[conflict.unit] == merging.digest(conflict.theirs)
    assert result.next_base(3).digests[conflict.unit] == merging.digest({"art05": "relevant"})


def resolve(choice: str | None, stored_now: str):
    """Settle the conflict on the name, shown with "Ville de Lyon" stored, by ``choice``."""
    base = merging.base_of(3, QUESTIONS, {"institution_name": {"": "Ville de Lyon"}})
    return merging.merge(
        QUESTIONS,
        base,
        4,
        {"institution_name": {"": stored_now}},
        {"institution_name": {"": "Métropole de Lyon"}},
        pending=frozenset({"institution_name"}),
        choices={"institution_name": choice} if choice else {},
    )


@pytest.mark.parametrize(
    ("choice", "stored_now", "written", "conflict"),
    [
        ("mine", "Ville de Lyon", "Métropole de Lyon", None),
        ("theirs", "Ville de Lyon", "Ville de Lyon", None),
        (None, "Ville de Lyon", "Ville de Lyon", "shown already"),
        ("mine", "Grand Lyon", "Grand Lyon", "new"),  # changed yet again meanwhile
    ],
)
def test_a_pending_conflict_is_settled_by_the_choice(choice, stored_now, written, conflict):
    result = resolve(choice, stored_now)
    assert result.answers == {"institution_name": {"": written}}
    if conflict is None:
        assert not result.conflicts
    else:
        (found,) = result.conflicts
        assert found.is_new == (conflict == "new")


@pytest.mark.parametrize(
    "text",
    ["", "x", "3:institution_name", "3:a=zz", "a:b=0123456789", "1:" + "a=0123456789," * 2000],
)
def test_a_base_not_written_by_the_application_is_ignored(text):
    assert merging.parse_base(text) is None


def test_a_base_reads_back():
    base = merging.base_of(12, QUESTIONS, {"article_relevance": {"art01": "relevant"}})
    assert merging.parse_base(merging.encode_base(base)) == base
    assert len(base.digests) == 4 + len(MATRIX.rows)


@pytest.mark.parametrize(
    ("stored", "posted"),
    [
        ({"institution_name": {"": "Theirs"}}, {"institution_name": {"": "Old"}}),  # kept
        ({"institution_name": {"": "Theirs"}}, {"institution_name": {"": "Mine"}}),  # conflict
    ],
)
def test_a_copy_that_differs_from_the_store_stays_stale(stored, posted):
    """After a background save that kept the other's value (or hit a conflict), the browser
    still shows its own: its next save must compare again, not overwrite."""
    first = saved({"institution_name": {"": "Old"}}, stored, posted)
    following = merging.merge(QUESTIONS, first.next_base(3), 3, stored, posted)
    assert following.answers == stored


def test_a_copy_in_step_with_the_store_takes_the_short_way():
    stored = {"institution_name": {"": "Old"}}
    posted = {"institution_name": {"": "Mine"}}
    assert saved(stored, stored, posted).next_base(3).revision == 3
