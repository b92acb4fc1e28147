"""One catalogue of closed dimensions (consult.outcomes.dimensions): every closed question,
every row of a matrix (with its scale), and the respondent's region, country, type and
language, read by the answer filter, the freeze form's filter and the cross-tabulation alike.
Each table of cases is checked against a recomputation from plain SQL (tests.outcomes.
independent)."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter

import pandas as pd
import pytest

from consult.db import db
from consult.outcomes.crosstab import crosstab_pairs, public_crosstab, published_questions
from consult.outcomes.filter_reading import answer_conditions, closed_questions
from consult.outcomes.filters import AnswerCondition
from tests.outcomes import independent
from tests.outcomes.conftest import fill_demo

LG, PA = "local-governments", "partners"
PROFILE = ("region", "country", "respondent_type", "language")


@pytest.fixture
def workbench(app, login):
    fill_demo(app, 150, seed=21)
    with app.app_context(), db.engine.connect() as connection:
        rows = [r for r in independent.wide_table(connection) if r.status == "submitted"]
    return app, login(app.test_client(), "analyst"), rows


def _values(row, key: str) -> set[str]:
    """What one response gave on one dimension, read from the plain-SQL rows."""
    if key in PROFILE:
        value = getattr(row, key)
        return {value} if value else set()
    questionnaire, question = key.split(":")
    if row.questionnaire != questionnaire:
        return set()
    question, _dot, part = question.partition(".")
    given = row.answers.get(question, {})
    if part:
        return {given[part]} if part in given else set()
    return {given[""]} if "" in given else {k for k, v in given.items() if v == "1"}


def test_the_catalogue_holds_questions_matrix_rows_and_the_profile(app):
    with app.test_request_context("/?lang=fr"):
        closed = closed_questions()
        answerable = closed_questions(profile=False)
    for key in PROFILE:
        assert closed[key]["kind"] == "profile" and key not in answerable
    row = closed[f"{LG}:article_relevance.art03"]
    assert row["kind"] == "matrix_row" and row["part"] == "art03"
    assert "III." in row["row_label"] and row["options"]["very_relevant"] == "Très pertinent"
    assert closed["region"]["options"]["europe"] == "Europe"
    assert closed["country"]["options"]["FR"] == "France"
    assert closed["language"]["options"]["es"] == "espagnol"
    assert f"{PA}:article_relevance.art12" in answerable  # each questionnaire's own rows


CROSSTABS = [
    # (rows, columns): every kind of dimension on either axis
    ("region", "language"),
    ("respondent_type", "region"),
    ("country", "language"),
    (f"{LG}:article_relevance.art03", "region"),
    ("language", f"{LG}:article_relevance.art03"),
    (f"{LG}:article_relevance.art01", f"{LG}:article_update.art01"),
    (f"{LG}:article_relevance.art03", f"{LG}:charter_2011_adopted"),
    (f"{PA}:barriers", "respondent_type"),
    ("country", f"{LG}:barriers"),
]


@pytest.mark.parametrize(("row_key", "column_key"), CROSSTABS)
def test_any_two_closed_dimensions_cross_tabulate(workbench, row_key, column_key):
    """Every cell of the CSV equals the plain-SQL count (respondents who gave both)."""
    app, client, rows = workbench
    reply = client.get(f"/staff/outcomes/crosstab?rows={row_key}&columns={column_key}&format=csv")
    assert reply.status_code == 200, reply.get_data(as_text=True)[:300]
    table = list(csv.reader(io.StringIO(reply.get_data(as_text=True).lstrip("\ufeff"))))
    with app.test_request_context("/"):
        closed = closed_questions()
    labels = {
        side: {label: key for key, label in closed[k]["options"].items()}
        for side, k in (("rows", row_key), ("columns", column_key))
    }
    header = table[0][1:-1]
    body = _counts(table)
    assert body, table[:4]
    pairs = Counter(
        (r, c)
        for row in rows
        if _values(row, row_key) and _values(row, column_key)
        for r in _values(row, row_key)
        for c in _values(row, column_key)
    )
    for line in body:
        for label, count in zip(header, line[1:-1], strict=True):
            key = (labels["rows"][line[0]], labels["columns"][label])
            assert int(count) == pairs.get(key, 0), (row_key, column_key, key)
    assert sum(int(n) for line in body for n in line[1:-1]) == sum(pairs.values())


def _counts(table: list[list[str]]) -> list[list[str]]:
    """The count lines of a downloaded crosstab (between "Counts" and their "Total")."""
    start = next(i for i, line in enumerate(table) if line[0] == "Counts") + 1
    end = next(i for i, line in enumerate(table) if i > start and line[0] == "Total")
    return table[start:end]


def test_the_crosstab_page_offers_every_dimension_on_both_axes(workbench):
    _app, client, _rows = workbench
    page = client.get("/staff/outcomes/crosstab").get_data(as_text=True)
    for select in ("rows", "columns"):
        offered = re.search(rf'<select id="ct-{select}" name="{select}">(.*?)</select>', page, re.S)
        values = set(re.findall(r'<option value="([^"]+)"', offered.group(1)))
        assert set(PROFILE) | {f"{LG}:article_relevance.art03", f"{PA}:barriers"} <= values


def test_a_public_crosstab_by_country_never_names_a_small_country(workbench):
    app, client, rows = workbench
    reply = client.get(
        "/staff/outcomes/crosstab?rows=country&columns=language&public=1&format=csv"
    ).get_data(as_text=True)
    table = list(csv.reader(io.StringIO(reply.lstrip("\ufeff"))))
    sizes = Counter(r.country for r in rows if r.country and r.language)
    with app.test_request_context("/"):
        names = closed_questions()["country"]["options"]
    named = {line[0] for line in _counts(table) if line[0] in names.values()}
    assert named and all(sizes[k] >= 5 for k, v in names.items() if v in named)
    assert any(line[0].startswith("Other countries") for line in _counts(table))


MATRIX_CONDITIONS = [
    # (answers of a link, conditions kept, refused)
    ([f"{LG}:article_relevance.art03:very_relevant"], [(LG, "article_relevance", "art03")], 0),
    (["article_update.art01:keep"], [(LG, "article_update", "art01")], 0),  # one asks it
    (["article_relevance.art03:very_relevant"], [], 1),  # both ask it: choose
    ([f"{LG}:article_relevance.art99:very_relevant"], [], 1),  # no such row
    ([f"{LG}:article_relevance.art03:yes"], [], 1),  # not a point of its scale
    ([f"{LG}:article_relevance.:very_relevant"], [], 1),  # malformed
    (["region:europe"], [], 1),  # the profile has its own fields
]


def test_answer_conditions_on_matrix_rows(app):
    with app.test_request_context("/"):
        for raws, kept, refused in MATRIX_CONDITIONS:
            conditions, messages = answer_conditions(raws)
            assert [(c.questionnaire, c.question, c.part) for c in conditions] == kept, raws
            assert len(messages) == refused, raws


def test_the_summary_filters_by_a_matrix_answer(workbench):
    """ "Article III relevance = very relevant": the summary covers exactly those respondents,
    alone and combined with another condition, and the form offers the matrix's answers."""
    _app, client, rows = workbench
    for conditions in (
        [f"{LG}:article_relevance.art03:very_relevant"],
        [f"{LG}:article_relevance.art03:very_relevant", f"{LG}:charter_2011_adopted:yes"],
    ):
        query = "&".join(f"answer={c}" for c in conditions)
        page = client.get(f"/staff/outcomes/?{query}").get_data(as_text=True)
        expected = [
            r
            for r in rows
            if all(c.split(":")[-1] in _values(r, ":".join(c.split(":")[:2])) for c in conditions)
        ]
        found = sum(
            int(n.replace(",", ""))
            for n in re.findall(r'<a href="#qn-[^"]+">[^<]+</a> \(([\d,]+)\)', page)
        )
        assert found == len(expected) > 0, conditions
        assert "III. Right to civic peace" in page  # the chip says the row in words
        assert f'value="{conditions[0]}"' in page
    page = client.get("/staff/outcomes/").get_data(as_text=True)
    assert f'<option value="{LG}:article_relevance.art03:very_relevant">' in page


def test_a_matrix_condition_round_trips_as_text():
    condition = AnswerCondition.parse(f"{LG}:article_relevance.art03:very_relevant")
    assert (condition.question, condition.part, condition.option) == (
        "article_relevance",
        "art03",
        "very_relevant",
    )
    assert condition.as_text() == f"{LG}:article_relevance.art03:very_relevant"
    assert condition.stored_as() == (("art03", "very_relevant"),)
    assert AnswerCondition.parse("barriers:funding").stored_as() == (
        ("", "funding"),
        ("funding", "1"),
    )


def test_the_public_crosstab_reads_what_the_public_page_hides_of_rows_and_profile():
    """A matrix row the public page withholds withholds the table; a region or language whose
    count the public page hides has its total hidden here too."""
    public = {
        "questionnaires": [
            {
                "key": LG,
                "questions": [
                    {
                        "key": "article_relevance",
                        "rows": [
                            {"key": "art01", "suppressed": True, "distribution": []},
                            {
                                "key": "art02",
                                "distribution": [
                                    {"key": "very_relevant", "suppressed": True},
                                    {"key": "relevant", "count": 9},
                                ],
                            },
                        ],
                    }
                ],
                "participation": {
                    "by_region": [{"key": "africa", "suppressed": True}, {"key": "europe"}],
                    "by_language": [{"key": "es", "suppressed": True}],
                },
            }
        ]
    }
    found = published_questions(public)
    assert found[f"{LG}:article_relevance.art01"]["suppressed"] is True
    assert [o["key"] for o in found[f"{LG}:article_relevance.art02"]["options"]] == [
        "very_relevant"
    ]
    assert [o["key"] for o in found["region"]["options"]] == ["africa"]
    assert [o["key"] for o in found["language"]["options"]] == ["es"]
    left = pd.DataFrame({"response_id": range(40), "option": ["africa"] * 12 + ["europe"] * 28})
    right = pd.DataFrame({"response_id": range(40), "option": ["en"] * 20 + ["es"] * 20})
    table = crosstab_pairs(
        left, right, ("region", ["africa", "europe"]), ("language", ["en", "es"])
    )
    shown = public_crosstab(table, 5, found)
    assert shown["row_totals"][0] is None and shown["column_totals"][1] is None
    withheld = crosstab_pairs(
        left, right, (f"{LG}:article_relevance.art01", ["africa", "europe"]), ("language", ["en"])
    )
    assert public_crosstab(withheld, 5, found)["withheld"] is True


@pytest.mark.parametrize(("row_key", "column_key"), CROSSTABS[:5])
def test_the_crosstab_page_shows_any_two_dimensions_in_words(workbench, row_key, column_key):
    _app, client, _rows = workbench
    for public in ("", "&public=1"):
        reply = client.get(f"/staff/outcomes/crosstab?rows={row_key}&columns={column_key}{public}")
        page = reply.get_data(as_text=True)
        assert reply.status_code == 200 and "Row percentages" in page
        headers = re.findall(r'<th scope="(?:row|col)"[^>]*>([^<]*)<', page)
        assert not {row_key, column_key, "art03", "very_relevant"} & set(headers)


def test_the_summary_and_a_snapshot_filter_by_country_and_language(workbench):
    """The profile's country and language filter the summary and a frozen snapshot as its
    region and type do, each said in words."""
    app, client, rows = workbench
    country = Counter(r.country for r in rows if r.country).most_common(1)[0][0]
    for query, keep, words in (
        (f"country={country}", lambda r: r.country == country, None),
        ("language=fr", lambda r: r.language == "fr", "French"),
        (
            f"language=es&country={country}",
            lambda r: r.language == "es" and r.country == country,
            "Spanish",
        ),
    ):
        page = client.get(f"/staff/outcomes/?{query}").get_data(as_text=True)
        found = sum(
            int(n.replace(",", ""))
            for n in re.findall(r'<a href="#qn-[^"]+">[^<]+</a> \(([\d,]+)\)', page)
        )
        assert found == sum(1 for r in rows if keep(r)), query
        assert "Filtered view:" in page and (words is None or words in page)
        form = client.get(f"/staff/outcomes/snapshots?{query}").get_data(as_text=True)
        for name, value in (part.split("=") for part in query.split("&")):
            assert f'<input type="hidden" name="{name}" value="{value}">' in form
