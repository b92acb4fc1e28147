"""What an outside reviewer found on demo data: an empty filtered snapshot frozen and published
over the real outcomes without a word, filter links whose unusable parts were dropped silently,
and times written in several forms and zones. Each is closed at one chokepoint (narrowing,
filter_reading.read_filters, i18n.format_moment), tested with a table of cases and a walk."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime

from flask import render_template_string
from flask_babel import force_locale

from consult.db import db
from consult.i18n import format_moment
from consult.outcomes import narrowing
from consult.outcomes.filter_reading import read_filters
from consult.outcomes.models import OutcomeSnapshot
from tests.conftest import csrf_token, publication_version
from tests.outcomes.conftest import fill_demo

# -- 1. the filter of a link: every part that cannot be applied is said --------------------------

GOOD = "local-governments:charter_2011_adopted:yes"

FILTER_CASES = [
    # (query, what is applied, sentences saying what was ignored)
    (f"region=europe&answer={GOOD}", {"region": "europe", "answers": [GOOD]}, []),
    (
        "region=europe&answer=local-governments:charter_adopted:yes",
        {"region": "europe", "answers": []},
        ["No closed question “local-governments:charter_adopted”"],
    ),
    (
        "answer=local-governments:charter_2011_adopted:maybe",
        {"answers": []},
        ["has no answer “maybe”"],
    ),
    ("answer=nonsense", {"answers": []}, ["“nonsense” is not an answer condition"]),
    ("region=mars", {"region": None}, ["This link names a region the consultation does not use"]),
    (
        "questionnaire=nope",
        {"questionnaire": None},
        ["This link names a questionnaire the consultation does not have"],
    ),
    (
        "respondent_type=alien",
        {"respondent_type": None},
        ["This link names a respondent type the consultation does not have"],
    ),
    ("from=2022-02-31", {"submitted_from": None}, ["the start date was ignored"]),
    ("to=yesterday", {"submitted_to": None}, ["the end date was ignored"]),
    (
        "from=2022-02-01&to=2021-12-01",
        {"submitted_from": None, "submitted_to": None},
        ["The start date (1 February 2022) is after the end date (1 December 2021)"],
    ),
    (
        "from=2021-12-01&to=2022-02-01",
        {"submitted_from": "2021-12-01", "submitted_to": "2022-02-01"},
        [],
    ),
    (
        "&".join([f"answer={GOOD}"] * 7),
        {"answers": [GOOD]},
        ["At most 6 answer conditions apply at once"],
    ),
    ("region=&from=&answer=", {"region": None}, []),
]


def test_a_filter_part_that_cannot_be_applied_is_said(app):
    for query, applied, said in FILTER_CASES:  # one app for the table: each case is cheap
        with app.test_request_context(f"/staff/outcomes/?{query}"):
            reading = read_filters()
        assert {k: reading.filters.as_dict()[k] for k in applied} == applied, query
        assert len(reading.ignored) == len(said), (query, reading.ignored)
        for sentence, expected in zip(reading.ignored, said, strict=True):
            assert expected in sentence, query


def test_what_was_ignored_is_said_in_the_page_language(app):
    query = "region=mars&from=2022-02-01&to=2021-12-01&answer=x:y:z"
    words = {
        "fr": ("une région que la consultation", "est postérieure"),
        "es": ("una región que la consulta", "es posterior"),
    }
    for language, expected in words.items():
        with app.test_request_context(f"/?{query}"), force_locale(language):
            text = " ".join(read_filters().ignored)
        for word in expected:
            assert word in text, (language, text)


#: Outcomes pages that read no summary filter (their links carry none).
NO_FILTER = {"outcomes.dashboard", "outcomes.quotes"}


def test_every_outcomes_route_says_or_refuses_what_it_ignores(app, login):
    """Walk the staff outcomes routes without URL variables: each either shows the sentence on
    the page or refuses the download with it (400); none drops a bad filter silently."""
    fill_demo(app, 12, seed=5)
    client = login(app.test_client(), "admin")
    walked = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("outcomes.") or not rule.arguments <= {"fmt"}:
            continue
        if "GET" not in (rule.methods or ()) or rule.endpoint in NO_FILTER:
            continue
        path = rule.rule.replace(".<fmt>", ".csv")
        reply = client.get(f"{path}?region=mars&name=participation&lang=es")
        assert "una región que la consulta no utiliza" in reply.get_data(as_text=True), (
            rule.endpoint
        )
        walked.append(rule.endpoint)
    for query in ("rows=charter_2011_adopted&columns=local-governments:barriers&format=csv",):
        reply = client.get(f"/staff/outcomes/crosstab?{query}&region=mars&lang=en")
        assert (
            reply.status_code == 400
            and "This link names a region the consultation does not use"
            in reply.get_data(as_text=True)
        )
    assert {"outcomes.summary", "outcomes.crosstab_page", "outcomes.snapshots"} <= set(walked)
    assert {"outcomes.figure", "outcomes.rows"} <= set(walked)


def test_an_empty_filtered_view_says_no_response_matches(app, login):
    fill_demo(app, 12, seed=5)
    client = login(app.test_client(), "analyst")
    page = client.get("/staff/outcomes/?from=2090-01-01").get_data(as_text=True)
    assert "No response matches these filters." in page
    assert "No responses yet" not in page


# -- 2. freezing and publishing less than what is shown ------------------------------------------


def _snapshot(id_, count, filtered, day):
    summary = {"filters": {"region": "europe" if filtered else None}}
    return OutcomeSnapshot(
        id=id_,
        label=f"#{id_}",
        response_count=count,
        summary_json=json.dumps(summary),
        data_as_of=datetime(2026, 12, day, 6, 44, tzinfo=UTC),
        timezone="Europe/Paris",
    )


NARROWING_CASES = [
    # (snapshot: count, filtered, day), (published or None), reasons
    ((30, False, 4), None, ()),
    ((0, False, 4), None, (narrowing.EMPTY,)),
    ((30, False, 4), (30, False, 4), ()),
    ((31, False, 5), (30, False, 4), ()),
    ((25, False, 5), (30, False, 4), ()),  # withdrawals since: a later, smaller page is news
    ((0, True, 5), (30, False, 4), (narrowing.EMPTY, narrowing.PARTIAL)),
    ((8, True, 5), (30, False, 4), (narrowing.PARTIAL,)),
    ((8, True, 5), (10, True, 4), ()),
    ((30, False, 3), (30, False, 4), (narrowing.OLDER,)),
]


def test_publishing_less_is_named(app):
    for snapshot, published, reasons in NARROWING_CASES:
        shown = _snapshot(1, *published) if published else None
        found = narrowing.narrowing(_snapshot(2, *snapshot), shown)
        assert (found.reasons if found else ()) == reasons, (snapshot, published)
        if found:
            with app.test_request_context("/"):
                assert len(found.sentences()) == len(reasons)


def _form(client, path="/staff/outcomes/snapshots"):
    page = client.get(path).get_data(as_text=True)
    return page, csrf_token(page)


def test_an_empty_snapshot_is_frozen_and_published_only_when_confirmed(app, login):
    fill_demo(app, 30, seed=11)
    client = login(app.test_client(), "admin")
    _page, token = _form(client)
    base = {"csrf_token": token, "timezone": "UTC", "cutoff": "now"}
    assert (
        client.post(
            "/staff/outcomes/snapshots", data={**base, "label": "All", "step": "confirm"}
        ).status_code
        == 302
    )
    publish = {"csrf_token": token, "confirm": "yes", **publication_version(app)}
    assert client.post("/staff/outcomes/snapshots/1/publish", data=publish).status_code == 302
    empty = {**base, "label": "Nobody", "from": "2090-01-01"}
    review = client.post("/staff/outcomes/snapshots", data={**empty, "step": "review"})
    text = review.get_data(as_text=True)
    assert 'name="empty" value="yes" required' in text and "would hold no response" in text
    refused = client.post("/staff/outcomes/snapshots", data={**empty, "step": "confirm"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Nothing was frozen" in text
    assert 'value="Nobody"' in text and 'name="empty"' in text  # what was typed is kept
    with app.app_context():
        assert db.session.query(OutcomeSnapshot).count() == 1
    confirmed = {**empty, "step": "confirm", "empty": "yes"}
    assert client.post("/staff/outcomes/snapshots", data=confirmed).status_code == 302
    # Publishing it in place of the 30 responses needs its own, labelled confirmation.
    snapshot_page = client.get("/staff/outcomes/snapshots/2").get_data(as_text=True)
    assert 'name="narrower" value="yes"' in snapshot_page
    assert "These outcomes cover part of the consultation only" in snapshot_page
    publish = {**publish, **publication_version(app)}  # the page drawn after the first one
    reply = client.post("/staff/outcomes/snapshots/2/publish", data=publish, follow_redirects=True)
    assert "Not published: This snapshot holds no response" in reply.get_data(as_text=True)
    public = app.test_client()
    assert "30" in public.get("/outcomes").get_data(as_text=True)
    forced = {**publish, "narrower": "yes"}
    assert client.post("/staff/outcomes/snapshots/2/publish", data=forced).status_code == 302
    page = public.get("/outcomes?lang=fr").get_data(as_text=True)
    assert "Ces résultats ne portent que sur une partie de la consultation" in html.unescape(page)


# -- 3. every date and time a person reads: one form, the page's language, the zone named --------

MOMENT = datetime(2026, 12, 4, 6, 46, 24, tzinfo=UTC)

MOMENT_CASES = [
    ("en", "UTC", MOMENT, "4 December 2026, 06:46 UTC"),
    ("fr", "UTC", MOMENT, "4 décembre 2026, 06:46 UTC"),
    ("es", "UTC", MOMENT, "4 de diciembre de 2026, 06:46 UTC"),
    ("en", "Europe/Paris", MOMENT, "4 December 2026, 07:46 CET"),
    ("es", "Europe/Paris", "2026-12-04T06:46:24+00:00", "4 de diciembre de 2026, 07:46 CET"),
    ("fr", "America/Bogota", MOMENT.replace(tzinfo=None), "4 décembre 2026, 01:46 -05"),
]


def test_one_form_for_every_moment(make_app):
    apps = {}
    for language, zone, moment, expected in MOMENT_CASES:
        app = apps.get(zone) or apps.setdefault(zone, make_app(BABEL_DEFAULT_TIMEZONE=zone))
        with app.test_request_context(f"/?lang={language}"), force_locale(language):
            assert format_moment(moment) == expected
            rendered = render_template_string(
                "{{ format_datetime(m, 'medium') }}|{{ m|moment }}", m=moment
            )
        assert rendered == f"{expected}|{expected}"


def test_no_template_writes_a_time_its_own_way(app):
    from pathlib import Path

    root = Path(app.template_folder)
    for template in root.rglob("*.html"):
        text = template.read_text()
        assert ".strftime(" not in text, template
