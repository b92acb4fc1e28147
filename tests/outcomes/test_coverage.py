"""Which channels each summary filter covers: the rule (a table of filters x channels), the
summary's contributions under each filter against SQL, and what the pages and downloads say."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import text

from consult.db import db, writing
from consult.geography import region_map
from consult.outcomes import coverage, demo, demo_contributions
from consult.outcomes.coverage import APPLIED, LEFT_OUT, NOT_APPLIED
from consult.outcomes.filters import AnswerCondition, SummaryFilter
from tests.outcomes.conftest import fill_demo
from tests.outcomes.page_figures import parse

#: (filter, how it treats responses, how it treats contributions)
CASES = [
    (SummaryFilter(questionnaire="partners"), APPLIED, NOT_APPLIED),
    (SummaryFilter(region="europe"), APPLIED, APPLIED),
    (SummaryFilter(respondent_type="civil_society"), APPLIED, APPLIED),
    (SummaryFilter(respondent_type="academia"), APPLIED, APPLIED),
    (SummaryFilter(respondent_type="municipality"), APPLIED, LEFT_OUT),
    (SummaryFilter(respondent_type="metropolis"), APPLIED, LEFT_OUT),
    (SummaryFilter(submitted_from=date(2022, 1, 1)), APPLIED, APPLIED),
    (SummaryFilter(submitted_to=date(2022, 1, 1)), APPLIED, APPLIED),
    (SummaryFilter(answers=(AnswerCondition("charter_2011_adopted", "yes"),)), APPLIED, LEFT_OUT),
    (SummaryFilter(answers=(AnswerCondition("hr_elements", "ombudsperson"),)), APPLIED, LEFT_OUT),
]


@pytest.mark.parametrize(("filters", "responses", "contributions"), CASES)
def test_each_filter_states_the_channels_it_covers(filters, responses, contributions):
    (row,) = coverage.coverage(filters)
    assert (row.responses, row.contributions) == (responses, contributions)
    assert coverage.covers_contributions(filters) is (contributions != LEFT_OUT)
    narrowed = coverage.contribution_filter(filters)
    assert narrowed.questionnaire is None and narrowed.answers == ()
    if contributions == APPLIED:
        assert narrowed == filters


def test_combined_filters_leave_contributions_out_if_any_condition_does():
    filters = SummaryFilter(
        region="africa", answers=(AnswerCondition("charter_2011_adopted", "no"),)
    )
    assert [r.contributions for r in coverage.coverage(filters)] == [APPLIED, LEFT_OUT]
    assert not coverage.covers_contributions(filters)
    assert coverage.contribution_filter(filters) == SummaryFilter(region="africa")
    assert coverage.coverage(SummaryFilter()) == []


@pytest.fixture
def mixed_app(app):
    """30 demo responses and 40 demo contributions."""
    fill_demo(app, 30, seed=8)
    with app.app_context(), writing():
        plan = demo.DemoPlan(responses=0, contributions=40, seed=9)
        for _made in demo_contributions.generate_contributions(
            db.session, region_map(app.config["QUESTIONNAIRES_PATH"]), plan
        ):
            pass
        db.commit()
    return app


def _published(app, where: str = "", **values) -> int:
    with app.app_context(), db.engine.connect() as connection:
        sql = "SELECT count(*) FROM contributions WHERE status = 'published'" + where
        return connection.execute(text(sql), values).scalar()


QUERIES = [
    ("", "", None),
    ("region=europe", " AND region = :r", {"r": "europe"}),
    ("respondent_type=civil_society", " AND organisation_type = :t", {"t": "civil_society"}),
    ("respondent_type=municipality", None, None),
    ("answer=charter_2011_adopted:yes", None, None),
    ("answer=charter_2011_adopted:yes&region=europe", " AND region = :r", {"r": "europe"}),
]


def test_filtered_pages_and_downloads_say_what_each_filter_covers(mixed_app, login):
    analyst = login(mixed_app.test_client(), "analyst")
    for query, where, values in QUERIES:
        check_summary_page(mixed_app, analyst, query, where, values)
    check_download(analyst)


def check_summary_page(mixed_app, analyst, query, where, values) -> None:
    """One filtered summary page: its coverage table, and its contributions against SQL."""
    doc = parse(analyst.get(f"/staff/outcomes/?{query}").get_data(as_text=True))
    table = doc.xpath('//table[contains(@class, "filter-coverage")]')
    note = doc.xpath('//p[contains(@class, "contributions-left-out")]')
    headline = doc.xpath('//section[@class="contribution-outcomes"]//dl/div[1]/dd')
    if not query:
        assert not table and not note
    else:
        kinds = {
            tr.get("data-kind"): [td.get("data-coverage") for td in tr.xpath("./td")]
            for tr in table[0].xpath("./tbody/tr")
        }
        expected = {
            "region": [APPLIED, APPLIED],
            "respondent_type": [APPLIED, LEFT_OUT if "municipality" in query else APPLIED],
            "answer": [APPLIED, LEFT_OUT],
        }
        assert kinds == {k: expected[k] for k in kinds}
    if "answer" in query or "municipality" in query:
        assert not headline, "contributions are left out of the view"
        # The note counts what matches the linkable filters (region), in SQL.
        assert f" {_published(mixed_app, where or '', **(values or {}))} published" in (
            " " + note[0].text_content()
        )
    else:
        assert not note
        assert int(headline[0].text_content().replace(",", "")) == _published(
            mixed_app, where, **(values or {})
        )


def check_download(analyst) -> None:
    """A download of a filtered view ends with the coverage table; an unfiltered one does not."""
    query = "answer=charter_2011_adopted:yes&region=europe"
    response = analyst.get(
        f"/staff/outcomes/figure.csv?name=participation:language&of=local-governments&{query}"
    )
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    start = lines.index(["Filter", "Questionnaire responses", "Open contributions"])
    assert lines[start + 1][1:] == ["filtered", "filtered"]  # the region
    assert lines[start + 2][1:] == ["filtered", "left out of this view"]  # the answer
    plain = analyst.get("/staff/outcomes/figure.csv?name=participation:language&of=partners")
    assert "Open contributions" not in plain.get_data(as_text=True)
