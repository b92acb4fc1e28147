"""A finding about a dimension the view is filtered on is no finding (headlines.filtered_on, the
one rule of every finding generator): every filter kind against every finding kind. Filtered to
a type of respondent, no sentence says "100% are civil society"; to a region, the participation
sentence says the region is the view's filter, never "from 1 of the 7 regions"; to an answer,
no sentence says that everyone gave it; a questionnaire or a period fixes no answer, and leaves
every finding in place."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask_babel import force_locale

from consult.geography import REGION_KEYS
from consult.outcomes.filters import AnswerCondition, SummaryFilter
from consult.outcomes.headlines import (
    key_findings,
    participation_sentences,
    questionnaire_headlines,
    regions_sentence,
)
from consult.outcomes.summary import summarise
from tests.outcomes import frames
from tests.outcomes.conftest import fill_demo

COUNT = 24


@pytest.fixture(scope="module")
def bare_app():
    """A bare app with the outcomes catalogs: the sentences need no database."""
    return frames.catalog_app()


def _respondent(number: int) -> dict[str, dict[str, str]]:
    return {
        "organisation_type": {"": "civil_society" if number % 4 else "academia"},
        "region": {"": "europe" if number % 2 else "africa"},
        "scope_of_work": {"": "local" if number % 3 else "national"},
        "knows_charter": {"": "yes" if number % 3 else "no"},
        "thematic_areas": {"housing": "1", **({"culture": "1"} if number % 2 else {})},
        "top_themes": {"care": "1", "health": "2", "mobility": "3"}
        if number % 2
        else {"health": "1", "mobility": "2", "care": "3"},
        "article_relevance": {
            "art01": "very_relevant",
            "art02": "not_relevant" if number % 2 else "relevant",
            **{f"art{n:02d}": "relevant" for n in range(3, 13)},
        },
    }


@pytest.fixture(scope="module")
def data():
    responses, answers = frames.frames([(1, _respondent(n)) for n in range(COUNT)])
    given = answers.set_index(["response_id", "question_key"])["value"]
    responses["region"] = [given[(i, "region")] for i in responses["response_id"]]
    responses["respondent_type"] = [
        given[(i, "organisation_type")] for i in responses["response_id"]
    ]
    return responses, answers


_SUMMARIES: dict[SummaryFilter, dict] = {}


def _summary(data, filters: SummaryFilter) -> dict:
    """The view's summary (each filter's once: the sentences never change it)."""
    if filters not in _SUMMARIES:
        _SUMMARIES[filters] = _summarise(data, filters)
    return _SUMMARIES[filters]


def _summarise(data, filters: SummaryFilter) -> dict:
    responses, answers = data
    partners = frames.definition({**frames.partners_raw(), "version": 1})
    return summarise(
        responses,
        answers,
        current={"partners": partners},
        definitions={1: partners},
        region_labels={k: {"en": k.capitalize()} for k in REGION_KEYS},
        filters=filters,
    )


def _answer(question: str, option: str) -> SummaryFilter:
    return SummaryFilter(answers=(AnswerCondition(question, option, "partners"),))


#: (filter kind, filter, the questions whose answers it fixes)
FILTERS = [
    ("none", SummaryFilter(), set()),
    ("questionnaire", SummaryFilter(questionnaire="partners"), set()),
    ("region", SummaryFilter(region="europe"), {"region"}),
    ("type of respondent", SummaryFilter(respondent_type="civil_society"), {"organisation_type"}),
    ("submitted from", SummaryFilter(submitted_from=date(2022, 1, 11)), set()),
    ("submitted to", SummaryFilter(submitted_to=date(2022, 1, 10)), set()),
    ("answer: single choice", _answer("scope_of_work", "local"), {"scope_of_work"}),
    ("answer: yes/no", _answer("knows_charter", "yes"), {"knows_charter"}),
    ("answer: multiple choice", _answer("thematic_areas", "culture"), {"thematic_areas"}),
    ("answer: region question", _answer("region", "africa"), {"region"}),
]

#: The finding kinds a questionnaire's headlines hold (Headline.statistic), and the questions
#: that give them in this dataset.
FINDING_KINDS = {
    "share": {"organisation_type", "scope_of_work", "knows_charter", "thematic_areas"},
    "mean_high": {"article_relevance"},
    "mean_low": {"article_relevance"},
    "first_places": {"top_themes"},
    "borda": {"top_themes"},
}


@pytest.mark.parametrize(("kind", "filters", "fixed"), FILTERS, ids=[f[0] for f in FILTERS])
@pytest.mark.parametrize("finding", sorted(FINDING_KINDS))
def test_no_finding_restates_the_filter(bare_app, data, kind, filters, fixed, finding):
    summary = _summary(data, filters)
    questionnaire = summary["questionnaires"][0]
    with bare_app.test_request_context("/"), force_locale("en"):
        said = [
            h for group in questionnaire_headlines(questionnaire, summary, limit=20) for h in group
        ]
    # every finding of this kind in the view, filter rule aside
    possible = {
        f["question"]["key"] for f in key_findings(questionnaire, limit=20)
    } & FINDING_KINDS[finding]
    stated = {h.question_key for h in said if h.statistic == finding}
    if kind == "none":
        assert possible == FINDING_KINDS[finding], "the dataset gives every finding kind"
    assert not stated & fixed, f"{kind}: a {finding} finding restates the filter"
    assert stated == possible - fixed, f"{kind}: a {finding} finding left out for nothing"
    for headline in said:
        assert "100%" not in headline.sentence or headline.question_key not in fixed


@pytest.mark.parametrize(("kind", "filters", "fixed"), FILTERS, ids=[f[0] for f in FILTERS])
@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_the_participation_sentences_say_the_filter_not_a_finding(
    bare_app, data, kind, filters, fixed, language
):
    summary = _summary(data, filters)
    with bare_app.test_request_context("/"), force_locale(language):
        regions = regions_sentence(summary)
        said = " ".join(participation_sentences(summary))
    of_seven = {"en": "of the 7 UCLG regions", "fr": "des 7 régions", "es": "de las 7 regiones"}
    if filters.region:
        assert of_seven[language] not in regions
        assert "Europe" in regions
    else:
        assert of_seven[language] in regions
    assert str(summary["questionnaires"][0]["responses"]) in said


NOTE = "These outcomes are filtered on this question"


def _noted(page: str) -> set[str]:
    """The questions whose figure says the view is filtered on it."""
    figures = re.split(r'<article class="question-figure" id="q-', page)[1:]
    return {figure.split('"', 1)[0] for figure in figures if NOTE in figure.split("</h4>")[1][:400]}


def test_the_pages_say_which_figures_restate_the_filter(app, login):
    """The summary page (and the public page, from the same macro) flags the figures of a
    question the view is filtered on, and only those."""
    fill_demo(app, 60, seed=5)
    client = login(app.test_client(), "analyst")
    for query, flagged in (
        ("", set()),
        ("respondent_type=municipality", {"local-governments-institution_type"}),
        (
            "answer=local-governments:charter_2011_adopted:yes",
            {"local-governments-charter_2011_adopted"},
        ),
        ("region=europe", set()),  # region questions have no figure of their own
    ):
        page = client.get(f"/staff/outcomes/?{query}").get_data(as_text=True)
        assert _noted(page) == flagged, query
