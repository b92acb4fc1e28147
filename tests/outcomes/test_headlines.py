"""Headlines say what they compute: each sentence template against a dataset where the
statistics disagree (first places against Borda points, the mean against the most chosen
point), in the page's language, and the deck's sentences against an independent count."""

from __future__ import annotations

import html
import re

import pytest
from flask_babel import force_locale

from consult.db import db
from consult.outcomes import operations
from consult.outcomes.headlines import (
    participation_sentences,
    questionnaire_headlines,
    regions_sentence,
)
from consult.outcomes.models import OutcomeSnapshot
from consult.outcomes.summary import summarise
from consult.outcomes.suppression import public_summary
from consult.questionnaires.registry import current_questionnaires
from tests.conftest import csrf_token
from tests.outcomes import frames, independent
from tests.outcomes.conftest import fill_demo

RANKINGS = (
    # 5 put climate justice first: the most first places, but few points.
    [{"climate_justice": "1", "older_persons": "2", "disability": "3"}] * 5
    # Care is never the most frequent first choice, yet earns the most Borda points.
    + [{"care": "1", "health": "2", "mobility": "3"}] * 4
    + [{"health": "1", "care": "2", "mobility": "3"}] * 4
    + [{"mobility": "1", "care": "2", "health": "3"}] * 3
)


def _relevance(number: int) -> dict[str, str]:
    rows = {f"art{n:02d}": "relevant" for n in range(1, 13)}
    # Article I: "don't know" is by far the most chosen point, but the mean leaves it out.
    rows["art01"] = "very_relevant" if number < 2 else "dont_know"
    rows["art02"] = "not_relevant"
    return rows


@pytest.fixture
def disagreeing():
    definition = frames.definition({**frames.partners_raw(), "version": 1})
    people = [
        (
            1,
            {
                "knows_charter": {"": "yes" if number < 9 else "no"},
                "top_themes": ranking,
                "article_relevance": _relevance(number),
            },
        )
        for number, ranking in enumerate(RANKINGS)
    ]
    responses, answers = frames.frames(people)
    summary = summarise(
        responses, answers, current={"partners": definition}, definitions={1: definition}
    )
    return summary


def _sentences(summary, language):
    with force_locale(language):
        groups = questionnaire_headlines(summary["questionnaires"][0], summary)
    return {h.statistic: h for group in groups for h in group}


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            {
                "first_places": "“Climate justice” was ranked first most often: first choice of "
                "5 of the 16 respondents who answered (31%).",
                "borda": "“Care and the caring city” is the top priority overall by Borda score: "
                "26 points from the 16 respondents who ranked up to 3 options (a first place "
                "earns 3 points, each next place one point less). The two measures disagree: "
                "“Climate justice” has the most first places, “Care and the caring city” the most "
                "Borda points; no single option leads on both.",
                "mean_high": "“I. Right to the city” has the highest mean score: 4.00 on a scale "
                "from 1 to 4, from the 2 respondents who gave it a score (“don't know” answers "
                "are left out of the mean).",
                "mean_low": "“II. Right to participatory democracy” has the lowest mean score: "
                "1.00 on a scale from 1 to 4, from the 16 respondents who gave it a score "
                "(“don't know” answers are left out of the mean).",
                "share": "56% of the 16 respondents who answered chose “Yes”.",
            },
        ),
        (
            "fr",
            {
                "first_places": "«\u00a0Justice climatique\u00a0» a été le plus souvent classé "
                "en premier\u00a0: premier choix de 5 sur 16 répondants (31\u00a0%).",
                "borda": "«\u00a0Le soin et la ville qui prend soin\u00a0» est la priorité "
                "d'ensemble selon les points Borda\u00a0: 26\u00a0points, attribués par 16 "
                "répondants ayant classé jusqu'à 3 options (une première place vaut 3\u00a0points, "
                "chaque place suivante un point de moins). Les deux mesures divergent\u00a0: "
                "«\u00a0Justice climatique\u00a0» a le plus de premières places, «\u00a0Le soin et "
                "la ville qui prend soin\u00a0» le plus de points Borda\u00a0; aucune option ne "
                "mène selon les deux.",
                "mean_high": "«\u00a0I. Droit à la ville\u00a0» a la note moyenne la plus "
                "élevée\u00a0: 4,00 sur une échelle de 1 à 4, d'après les 2 répondants qui lui "
                "ont donné une note (les réponses «\u00a0je ne sais pas\u00a0» ne comptent pas "
                "dans la moyenne).",
                "share": "Sur 16 répondants, 56\u00a0% ont choisi «\u00a0Oui\u00a0».",
            },
        ),
    ],
)
def test_each_sentence_names_the_statistic_it_computes(app, disagreeing, language, expected):
    with app.test_request_context("/"):
        headlines = _sentences(disagreeing, language)
    for statistic, sentence in expected.items():
        assert headlines[statistic].sentence.replace("\u202f", "\u00a0") == sentence
    # The two ranking statistics disagree here, and each sentence names its own leader.
    assert headlines["first_places"].option_key == "climate_justice"
    assert headlines["borda"].option_key == "care"
    assert headlines["mean_high"].option_key == "art01"


def test_the_deck_sentences_match_an_independent_count(app, login):
    fill_demo(app, 120, seed=3)
    client = login(app.test_client(), "analyst")
    page = client.get("/staff/outcomes/snapshots").get_data(as_text=True)
    client.post(
        "/staff/outcomes/snapshots",
        data={
            "csrf_token": csrf_token(page),
            "label": "Deck",
            "cutoff": "now",
            "timezone": "UTC",
            "step": "confirm",
        },
    )
    deck = html.unescape(client.get("/staff/outcomes/1/deck").get_data(as_text=True))
    with app.app_context():
        ids = set(operations.snapshot_ids(db.session.get(OutcomeSnapshot, 1)))
        with db.engine.connect() as connection:
            rows = [r for r in independent.wide_table(connection) if r.response_id in ids]
        questionnaires = current_questionnaires()
    checked = 0
    for sentence in re.findall(
        r"“([^”]+)” was ranked first most often: first choice of (\d+) "
        r"of the (\d+) respondents",
        deck,
    ):
        label, first, base = sentence
        found = False
        for questionnaire in questionnaires.values():
            for question in questionnaire.questions:
                if question.type != "ranking":
                    continue
                expected = independent.expected_question(questionnaire, question.key, rows)
                labels = {o.key: o.label["en"] for o in question.options}
                leader = max(
                    expected["options"].items(),
                    key=lambda kv: (kv[1]["first"], -list(labels).index(kv[0])),
                )
                if labels[leader[0]] == label and expected["answered"] == int(base):
                    found = leader[1]["first"] == int(first)
        # named the true leader, with its true count (a withheld leader is no claim at all)
        assert found, sentence
        checked += 1
    for label, points in re.findall(
        r"“([^”]+)” is the top priority overall by Borda score: ([\d,]+) points", deck
    ):
        found = False
        for questionnaire in questionnaires.values():
            for question in questionnaire.questions:
                if question.type != "ranking":
                    continue
                expected = independent.expected_question(questionnaire, question.key, rows)
                labels = {o.key: o.label["en"] for o in question.options}
                best = max(o["borda"] for o in expected["options"].values())
                leaders = [labels[k] for k, o in expected["options"].items() if o["borda"] == best]
                if label in leaders and best == float(points.replace(",", "")):
                    found = True
        assert found, (label, points)
        checked += 1
    for share, base, answer in re.findall(
        r"(\d+)% of the (\d+) respondents who answered (?:chose|ticked) “([^”]+)”", deck
    ):
        found = False
        for questionnaire in questionnaires.values():
            for question in questionnaire.questions:
                if question.type not in ("single_choice", "yes_no", "multiple_choice"):
                    continue
                expected = independent.expected_question(questionnaire, question.key, rows)
                if expected["answered"] != int(base):
                    continue
                for _key, count in expected["counts"].items():
                    if round(100 * count / int(base)) == int(share):
                        found = True
        assert found, (share, base, answer)
        checked += 1
    assert checked >= 3, "the deck states headline figures"


def test_countries_are_counted_not_the_rows_left_after_small_ones_are_pooled(app):
    responses, answers = frames.frames([(1, {"knows_charter": {"": "yes"}})] * 12)
    responses["country"] = ["FR"] * 8 + ["SN", "BR", "KR", "CA"]
    responses.loc[8:, "region"] = ["africa", "latin_america", "asia_pacific", "north_america"]
    summary = frames.partners_summary(responses, answers)
    shown = public_summary(summary, 5)
    assert [e["key"] for e in shown["questionnaires"][0]["participation"]["by_country"]] == [
        "FR",
        "_other",
    ]
    with app.test_request_context("/"):
        # 5 countries would say the 4 pooled in "other countries" (4) have one each:
        # the count is withheld (country_cells.protect_country_count)
        assert participation_sentences(shown) == [
            "12 responses to the questionnaire for partners, from several countries."
        ]
        assert regions_sentence(shown) == "responses from 5 of the 7 UCLG regions"
