"""A closed question is one questionnaire's: both questionnaires ask a question keyed
``barriers`` with other wording and options, and no cross-tabulation, download or answer filter
ever puts the two together (older links naming a bare key keep working when it is unambiguous,
and ask to choose otherwise)."""

from __future__ import annotations

import csv
import io
from urllib.parse import unquote, urlencode

import openpyxl
import pandas as pd

from consult.outcomes.crosstab import crosstab, public_crosstab, published_questions
from consult.outcomes.filter_reading import answer_conditions, closed_questions
from consult.outcomes.filters import AnswerCondition, SummaryFilter
from consult.outcomes.workbench_tools import crosstab_choice
from tests.outcomes import independent
from tests.outcomes.conftest import fill_demo

LG, PA = "local-governments", "partners"

CHOICES = [
    # (rows, columns, filtered questionnaire, resolved rows, error words)
    (f"{LG}:charter_2011_adopted", f"{LG}:barriers", None, f"{LG}:charter_2011_adopted", None),
    ("charter_2011_adopted", "charter_2011_use", None, f"{LG}:charter_2011_adopted", None),
    ("charter_2011_adopted", "barriers", None, None, "several questionnaires ask"),
    ("barriers", f"{PA}:knows_charter", None, None, "several questionnaires ask"),
    (f"{PA}:barriers", f"{LG}:charter_2011_adopted", None, None, "same questionnaire"),
    (f"{PA}:barriers", "knows_charter", LG, None, "filtered on"),
    (f"{LG}:barriers", f"{LG}:barriers", None, None, "two different"),
    ("nope", f"{LG}:barriers", None, None, "two different"),
]


def test_a_crosstab_takes_two_questions_of_one_questionnaire(app):
    """The table of CHOICES on the chokepoint (one app for all: each case is cheap)."""
    with app.test_request_context("/"):
        closed = closed_questions()
        for rows, columns, questionnaire, resolved, error in CHOICES:
            row, _column, message = crosstab_choice(
                closed, SummaryFilter(questionnaire=questionnaire), rows, columns
            )
            assert row == resolved, (rows, columns)
            assert (message is None) if error is None else (error in str(message)), (rows, columns)


def test_each_questionnaire_s_question_keeps_its_own_wording_and_options(app):
    with app.test_request_context("/"):
        closed = closed_questions()
    ours, theirs = closed[f"{LG}:barriers"], closed[f"{PA}:barriers"]
    assert "insufficient_funding" in ours["options"] and "insufficient_funding" not in theirs
    assert theirs["options"]["funding"] == "Lack of funding"
    assert ours["label"] != theirs["label"] and (ours["short"], theirs["short"]) == (
        "Local governments",
        "Partners",
    )


CONDITIONS = [
    # (answers of the link, filtered questionnaire, conditions kept, refused)
    ([f"{PA}:barriers:funding"], None, [f"{PA}:barriers:funding"], 0),
    (["barriers:funding"], None, [], 1),  # ambiguous: asks to choose
    (["barriers:insufficient_funding"], LG, [f"{LG}:barriers:insufficient_funding"], 0),
    (
        [f"{LG}:charter_2011_adopted:yes", "barriers:insufficient_funding"],
        None,
        [f"{LG}:barriers:insufficient_funding", f"{LG}:charter_2011_adopted:yes"],
        0,
    ),
    (["knows_charter:no"], None, [f"{PA}:knows_charter:no"], 0),  # one questionnaire asks it
    ([f"{PA}:barriers:insufficient_funding"], None, [], 1),  # not an option of theirs: said
    # Pinned to local governments by the other condition, whose barriers have no "funding"
    # (said, as every part of a link's filter that is not applied).
    (
        ["barriers:funding", f"{LG}:charter_2011_adopted:yes"],
        None,
        [f"{LG}:charter_2011_adopted:yes"],
        1,
    ),
]


def test_an_answer_filter_names_its_questionnaire(app):
    """The table of CONDITIONS on the chokepoint every filtered view reads its answers with."""
    for raws, questionnaire, kept, refused in CONDITIONS:
        query = urlencode([("answer", raw) for raw in raws])
        with app.test_request_context(f"/staff/outcomes/?{query}"):
            conditions, messages = answer_conditions(raws, questionnaire)
        assert sorted(c.as_text() for c in conditions) == sorted(kept), raws
        assert len(messages) == refused, raws


AMBIGUOUS = [
    # (page, parameter, bare value, option, choices: (questionnaire, wording, answer, value))
    (
        "/staff/outcomes/crosstab?rows=barriers&columns=x&format=csv",
        "rows",
        "barriers",
        None,
        [(LG, "barriers", "", f"{LG}:barriers"), (PA, "barriers", "", f"{PA}:barriers")],
    ),
    (
        "/staff/outcomes/?answer=barriers:funding&region=europe",
        "answer",
        "barriers:funding",
        "funding",
        [(PA, "barriers", "Lack of funding", f"{PA}:barriers:funding")],
    ),
    ("/staff/outcomes/?answer=barriers:nope", "answer", "barriers:nope", "nope", []),
]


def test_an_ambiguous_link_asks_to_choose_in_words_with_a_link_per_questionnaire(app):
    """The table of AMBIGUOUS on filter_reading.ambiguity: each choice names its questionnaire by
    title and its question by its wording, never by key, in the page's language, and links
    to the same page (other parameters kept, the download format dropped) with the key
    made that questionnaire's."""
    from consult.outcomes.filter_reading import ambiguity
    from consult.questionnaires.registry import current_questionnaires

    for language in ("en", "fr", "es"):
        for page, param, value, option, expected in AMBIGUOUS:
            with app.test_request_context(f"{page}&lang={language}"):
                from flask_babel import refresh

                refresh()
                closed = closed_questions()
                found = ambiguity(
                    param, value, (f"{LG}:barriers", f"{PA}:barriers"), closed, option
                )
                questionnaires = current_questionnaires()
                if not expected:
                    assert found is None
                    continue
                assert len(found.choices) == len(expected)
                for choice, (owner, question, answer, chosen) in zip(
                    found.choices, expected, strict=True
                ):
                    entry = closed[f"{owner}:{question}"]
                    assert choice.title == questionnaires[owner].title[language]
                    assert choice.label == entry["label"] and choice.answer == (
                        entry["options"][option] if option else ""
                    )
                    assert language != "en" or choice.answer == answer
                    assert f"{param}={chosen}" in unquote(choice.url) and "format" not in choice.url
                text = str(found)
                assert f"“{value}”" not in text and "_" not in text, text


def test_a_condition_naming_a_questionnaire_keeps_only_its_responses():
    responses = pd.DataFrame({"response_id": [1, 2], "questionnaire": [LG, PA]})
    answers = pd.DataFrame(
        [(1, "barriers", "funding", "1"), (2, "barriers", "funding", "1")],
        columns=["response_id", "question_key", "part_key", "value"],
    )
    for condition, kept in (
        (AnswerCondition("barriers", "funding", PA), [2]),
        (AnswerCondition("barriers", "funding"), [1, 2]),  # an older snapshot's: any
    ):
        mask = SummaryFilter(answers=(condition,)).select(responses, answers=answers)
        assert list(responses.loc[mask, "response_id"]) == kept


def _table(reply, fmt):
    if fmt == "csv":
        return list(csv.reader(io.StringIO(reply.get_data(as_text=True).lstrip("\ufeff"))))
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(reply.data)).active
        return [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
    return None


def test_every_crosstab_route_reads_one_questionnaire(app, login):
    """Page, CSV, XLSX, each also as it could be published: partners' answers under partners'
    wording and counts; an ambiguous older link asks to choose, an unambiguous one works."""
    fill_demo(app, 150, seed=21)
    with app.app_context():
        from consult.db import db

        with db.engine.connect() as connection:
            rows = [r for r in independent.wide_table(connection) if r.status == "submitted"]
    client = login(app.test_client(), "analyst")
    partners = [r for r in rows if r.questionnaire == PA and "barriers" in r.answers]
    both = [r for r in partners if "knows_charter" in r.answers]
    funding_no = sum(
        1
        for r in both
        if r.answers["barriers"].get("funding") == "1" and r.answers["knows_charter"][""] == "no"
    )
    base = f"/staff/outcomes/crosstab?rows={PA}:knows_charter&columns={PA}:barriers"
    for public in ("", "&public=1"):
        page = client.get(base + public).get_data(as_text=True)
        assert "Lack of funding" in page and "Insufficient funding" not in page
        assert page.count("Limited legal competences") == 3  # one column head per table
        if not public:
            assert f"{len(both)} respondents answered both questions." in page
        for fmt in ("csv", "xlsx"):
            table = _table(client.get(f"{base}{public}&format={fmt}"), fmt)
            header = table[0]
            assert "Lack of funding" in header and "Insufficient funding" not in header
            assert header.count("Limited legal competences") == 1
            if not public:
                no_row = next(line for line in table[1:] if line[0] == "No")
                assert int(no_row[header.index("Lack of funding")]) == funding_no
    for fmt in ("", "&format=csv", "&format=xlsx", "&public=1"):
        refused = client.get(f"/staff/outcomes/crosstab?rows=knows_charter&columns=barriers{fmt}")
        assert refused.status_code == 400
        assert "several questionnaires ask" in refused.get_data(as_text=True)
    older = client.get("/staff/outcomes/crosstab?rows=knows_charter&columns=charter_usefulness")
    assert older.status_code == 200 and "respondents answered both questions" in older.text
    summary = client.get("/staff/outcomes/?answer=barriers:funding").get_data(as_text=True)
    assert "several questionnaires ask" in summary and "Filtered view:" not in summary


def test_the_published_questions_are_each_questionnaire_s_own():
    """What the public page hides of one questionnaire's question is not held against the
    other's question of the same key (keys as closed_questions gives them)."""
    hidden = [{"key": "insufficient_funding", "suppressed": True}]
    public = {
        "questionnaires": [
            {"key": LG, "questions": [{"key": "barriers", "options": hidden}]},
            {"key": PA, "suppressed": True, "questions": [{"key": "barriers", "options": []}]},
        ]
    }
    found = published_questions(public)
    assert set(found) == {f"{LG}:barriers", f"{PA}:barriers"}
    assert found[f"{LG}:barriers"]["suppressed"] is False
    assert [o["key"] for o in found[f"{LG}:barriers"]["options"]] == ["insufficient_funding"]
    assert found[f"{PA}:barriers"] == {"suppressed": True, "options": []}


def test_a_public_crosstab_of_a_multiple_choice_hides_only_what_gives_a_small_cell_away():
    """A multiple choice's cells of one row add up to more than the row: no sum is assumed
    there (it hid every cell), while the single choice's columns still protect the small one."""
    pairs = []
    for rid in range(40):
        pairs.append((rid, "q1", "", "a" if rid < 20 else "b"))
        ticked = ["x", "y"] + (["z"] if rid < 10 or rid in (20, 21) else [])
        pairs += [(rid, "q2", option, "1") for option in ticked]
    frame = pd.DataFrame(pairs, columns=["response_id", "question_key", "part_key", "value"])
    table = crosstab(frame, ("q1", ["a", "b"]), ("q2", ["x", "y", "z"]))
    assert table["counts"] == [[20, 20, 10], [20, 20, 2]]
    shown = public_crosstab(table, 5)
    assert shown["counts"] == [[20, 20, None], [20, 20, None]]
    assert shown["column_totals"] == [40, 40, 12] and shown["row_totals"] == [20, 20]
