"""The dashboard: per-day counts, breakdowns, chart, open contributions per status."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from consult.contributions import operations as contributions
from consult.db import db, utcnow, writing
from consult.questionnaires import operations
from consult.questionnaires.models import Response
from consult.questionnaires.registry import EXTENSION_KEY
from consult.staff import dashboard


def add_responses(app):
    """Three submitted LG responses (two today, one two days ago), one draft, one partner."""
    questionnaires = app.extensions[EXTENSION_KEY]
    today = utcnow()
    plan = [
        ("local-governments", "FR", "europe", "municipality", today),
        ("local-governments", "KR", "asia_pacific", "metropolis", today),
        ("local-governments", "SN", "africa", "municipality", today - timedelta(days=2)),
        ("local-governments", "BR", "latin_america", "metropolis", None),
        ("partners", "KE", "africa", None, today),
    ]
    with app.app_context(), writing():
        for key, country, region, kind, submitted in plan:
            questionnaire = questionnaires[key]
            response = operations.start_response(
                db.session, questionnaire, operations.new_resume_token(), "en"
            )
            answers = {"country": {"": country}, "region": {"": region}}
            type_key = questionnaire.profile_fields["respondent_type"]
            answers[type_key] = {"": kind or questionnaire.question(type_key).options[0].key}
            operations.save_answers(db.session, questionnaire, response, answers)
            if submitted:
                operations.submit_response(db.session, questionnaire, response, "en", submitted)
        db.commit()


def test_dashboard_counts_without_an_export(app, login):
    add_responses(app)
    client = app.test_client()
    login(client, "moderator")
    page = client.get("/staff/dashboard").get_data(as_text=True)
    lg = page.split('id="q-local-governments"')[1].split('id="q-partners"')[0]
    assert "<svg" in lg and 'role="img"' in lg
    assert len(re.findall(r'class="bar-submitted"', lg)) == 2  # two days with submissions
    day_rows = re.findall(
        r'<tr><th scope="row">([^<]+)</th><td class="num">(\d+)</td><td class="num">(\d+)</td>', lg
    )
    today = [row for row in day_rows if row[1:] == ("2", "1")]
    assert len(today) == 1, day_rows  # today: 2 submitted, 1 draft started
    assert ("Europe", "1", "0") in day_rows and ("Latin America", "0", "1") in day_rows
    assert ("Municipality or local council", "2", "0") in day_rows
    assert "Open contributions" in page  # counted straight from the contributions table
    stats = re.findall(r'class="stat-value">([^<]+)<', page)
    assert stats[:2] == ["3", "1"]


def add_contributions(app) -> None:
    """Three published, two pending, one rejected, one hidden and one withdrawn contribution."""
    plan = ["published"] * 3 + ["pending"] * 2 + ["rejected", "hidden", "withdrawn"]
    with app.app_context(), writing():
        for number, status in enumerate(plan):
            contribution, _token = contributions.create_contribution(
                db.session,
                kind="comment",
                text=f"Contribution number {number} on housing.",
                language="en",
                organisation_type="academia",
                article="art10",
            )
            if status == "published":
                contributions.publish(db.session, contribution)
            elif status in ("rejected", "hidden"):
                action = "reject" if status == "rejected" else "hide"
                contributions.moderate(db.session, contribution, action, None, reason="spam")
            elif status == "withdrawn":
                contributions.withdraw(db.session, contribution)
        db.commit()


def test_contributions_are_counted_by_status(app, login):
    add_contributions(app)
    with app.app_context():
        counts = dashboard.contribution_counts(db.session)
    assert counts == {"pending": 2, "published": 3, "rejected": 1, "hidden": 1, "withdrawn": 1}
    client = app.test_client()
    login(client, "analyst")
    page = client.get("/staff/dashboard").get_data(as_text=True)
    card = page.split("Open contributions")[1].split("</div>")[0]
    assert re.search(r'class="stat-value">3<', card) and "2 pending" in card
    assert "/staff/moderation/" not in card  # analysts do not moderate: no link
    moderator = app.test_client()
    login(moderator, "moderator")
    card = moderator.get("/staff/dashboard").get_data(as_text=True).split("Open contributions")[1]
    assert "/staff/moderation/" in card.split("</div>")[0]


def test_contributions_count_zero_before_any(app, login):
    with app.app_context():
        assert dashboard.contribution_counts(db.session)["published"] == 0
    client = app.test_client()
    login(client, "analyst")
    card = client.get("/staff/dashboard").get_data(as_text=True).split("Open contributions")[1]
    assert re.search(r'class="stat-value">0<', card) and "0 pending" in card


def test_dashboard_with_no_responses(app, login):
    client = app.test_client()
    login(client, "analyst")
    page = client.get("/staff/dashboard")
    assert page.status_code == 200 and "No responses yet." in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Response.id)) is None
