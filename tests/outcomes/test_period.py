"""The consultation period: from the day the questionnaires opened to the cut-off (or the day
they closed), never the days of the first and last responses (each one respondent's)."""

from __future__ import annotations

from datetime import date

import pytest
from flask_babel import force_locale

from consult.outcomes.period import Period, consultation_period, period_note, period_text
from tests.outcomes import frames

OPENS = "2021-11-15T00:00:00+00:00"
CLOSES = "2027-06-30T23:59:59+00:00"
CUT_OFF = "2022-02-22T17:00:00+00:00"


def _questionnaire(opens=OPENS, closes=CLOSES, days=("2021-11-17", "2022-02-21")):
    questionnaire = {"participation": {"per_day": [{"date": d} for d in days]}}
    if opens:
        questionnaire.update(opens_at=opens, closes_at=closes)
    return questionnaire


@pytest.mark.parametrize(
    ("questionnaires", "cut_off", "zone", "expected", "filters"),
    [
        # open at the cut-off: from the opening day to the cut-off's day
        ([_questionnaire()], CUT_OFF, "UTC", Period(date(2021, 11, 15), date(2022, 2, 22)), None),
        # two questionnaires: the earlier opening
        (
            [_questionnaire(), _questionnaire(opens="2021-12-01T00:00:00+00:00")],
            CUT_OFF,
            "UTC",
            Period(date(2021, 11, 15), date(2022, 2, 22)),
            None,
        ),
        # the days are the snapshot's time zone's: 23:30 UTC is the next day in Madrid
        (
            [_questionnaire()],
            "2022-02-22T23:30:00+00:00",
            "Europe/Madrid",
            Period(date(2021, 11, 15), date(2022, 2, 23)),
            None,
        ),
        # every questionnaire closed before the cut-off: the period ends when they closed
        (
            [_questionnaire(closes="2022-01-31T23:00:00+00:00")],
            CUT_OFF,
            "UTC",
            Period(date(2021, 11, 15), date(2022, 1, 31), closed=True),
            None,
        ),
        # a snapshot limited to responses submitted in January: January, within the period
        (
            [_questionnaire()],
            CUT_OFF,
            "UTC",
            Period(date(2022, 1, 1), date(2022, 1, 31), limited=True),
            {"submitted_from": "2022-01-01", "submitted_to": "2022-01-31"},
        ),
        # limited from a day before the opening: the opening still starts it
        (
            [_questionnaire(closes="2022-01-31T23:00:00+00:00")],
            CUT_OFF,
            "UTC",
            Period(date(2021, 11, 15), date(2022, 1, 31), limited=True),
            {"submitted_from": "2021-01-01"},
        ),
        # frozen before the opening days were kept: the month of the first total shown
        (
            [_questionnaire(opens=None)],
            CUT_OFF,
            "UTC",
            Period(date(2021, 11, 17), date(2022, 2, 22), start_is_month=True),
            None,
        ),
        # and nothing shown at all: only the end
        (
            [_questionnaire(opens=None, days=())],
            CUT_OFF,
            "UTC",
            Period(None, date(2022, 2, 22), start_is_month=True),
            None,
        ),
    ],
)
def test_the_period_runs_from_the_opening_to_the_cut_off(
    questionnaires, cut_off, zone, expected, filters
):
    summary = {"questionnaires": questionnaires, "filters": filters}
    assert consultation_period(summary, cut_off, zone) == expected


@pytest.fixture(scope="module")
def app():
    """A bare app with the app's catalogs: the texts need no database."""
    return frames.catalog_app()


OPEN = Period(date(2021, 11, 15), date(2022, 2, 22))
MONTH = Period(date(2021, 11, 17), date(2022, 2, 22), start_is_month=True)
CLOSED = Period(date(2021, 11, 15), date(2022, 1, 31), closed=True)


@pytest.mark.parametrize(
    ("period", "language", "slide", "note"),
    [
        (
            OPEN,
            "en",
            "15 November 2021 to 22 February 2022",
            "The questionnaires opened on 15 November 2021 and were still open at the cut-off,"
            " 22 February 2022, 18:00 CET: anything submitted later is not in the figures.",
        ),
        (
            OPEN,
            "fr",
            "du 15 novembre 2021 au 22 février 2022",
            "Les questionnaires ont été ouverts le 15 novembre 2021 et l'étaient encore à la"
            " date d'arrêt, le 22 février 2022, 18:00 CET\u00a0: rien de ce qui a été envoyé"
            " ensuite n'est dans les chiffres.",
        ),
        (
            OPEN,
            "es",
            "del 15 de noviembre de 2021 al 22 de febrero de 2022",
            "Los cuestionarios se abrieron el 15 de noviembre de 2021 y seguían abiertos en la"
            " fecha de corte, el 22 de febrero de 2022, 18:00 CET: lo enviado después no está"
            " en las cifras.",
        ),
        (
            MONTH,
            "en",
            "November 2021 to 22 February 2022",
            "Responses came in from November 2021; the figures stop at 22 February 2022, 18:00"
            " CET, and anything submitted later is not in them.",
        ),
        (MONTH, "fr", "novembre 2021 – 22 février 2022", None),
        (MONTH, "es", "noviembre de 2021 – 22 de febrero de 2022", None),
        (
            Period(date(2022, 1, 1), date(2022, 1, 31), limited=True),
            "fr",
            "du 1er janvier 2022 au 31 janvier 2022",
            "Ces résultats ne portent que sur les réponses envoyées du 1er janvier 2022 au"
            " 31 janvier 2022\u00a0; les chiffres s'arrêtent au 22 février 2022, 18:00 CET.",
        ),
        (
            CLOSED,
            "en",
            "15 November 2021 to 31 January 2022",
            "The questionnaires were open from 15 November 2021 to 31 January 2022; the figures"
            " include everything submitted until they closed (cut-off 22 February 2022, 18:00"
            " CET).",
        ),
    ],
)
def test_the_period_reads_as_a_period_in_each_language(app, period, language, slide, note):
    with app.test_request_context("/"), force_locale(language):
        assert period_text(period).replace("\u00a0", " ") == slide
        said = period_note(period, CUT_OFF, "Europe/Madrid")
        if note:
            assert said == note
        # never a single day of a response: the 17th is the first one's
        assert "17" not in said and "17" not in period_text(period)


def test_the_public_summary_keeps_no_first_or_last_response_day():
    from consult.outcomes.suppression import _participation

    participation = {
        "submitted": 12,
        "by_region": [{"key": "europe", "count": 12, "share": 1.0}],
        "by_country": [],
        "per_day": [
            {"date": "2022-01-03", "count": 6, "cumulative": 6},
            {"date": "2022-01-04", "count": 6, "cumulative": 12},
        ],
        "first_submitted": "2022-01-03",
        "last_submitted": "2022-01-04",
    }
    _participation(participation, 5)
    assert "first_submitted" not in participation and "last_submitted" not in participation


def test_the_running_total_says_both_ends_with_their_totals(app):
    from consult.outcomes.figure_charts import timeline_chart
    from consult.outcomes.suppression import cumulative_steps

    days = [
        {"date": f"2022-01-0{n}", "count": c, "cumulative": t}
        for n, c, t in ((1, 2, 2), (2, 2, 4), (3, 2, 6), (4, 20, 26))
    ]
    public = {"participation": {"per_day": cumulative_steps(days, 5)}}
    with app.test_request_context("/"), force_locale("en"):
        chart = str(timeline_chart(public))
    # it starts on the day of its first total, 6, not "from" a first day with 2 or 0
    assert "Running total of submitted responses: 6 on 3 Jan 2022, 26 on 4 Jan 2022." in chart


def test_a_day_stays_with_its_month_on_the_slide(app):
    with app.test_request_context("/"), force_locale("fr"):
        assert period_text(OPEN) == "du 15\u00a0novembre 2021 au 22\u00a0février 2022"
