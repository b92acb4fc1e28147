"""The dashboard: per-day counts, breakdowns, chart, contributions only where they exist."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import Column, Integer, String, Table, select

from consult.db import Base, db, utcnow, writing
from consult.questionnaires import operations
from consult.questionnaires.models import Response
from consult.questionnaires.registry import EXTENSION_KEY


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


def test_contributions_are_counted_when_their_table_exists(app, login):
    table = Table(
        "contributions",
        Base.metadata,
        Column("id", Integer, primary_key=True),
        Column("status", String(16)),
    )
    try:
        with app.app_context():
            table.create(db.engine)
            with db.engine.begin() as connection:
                connection.execute(
                    table.insert(),
                    [{"status": "published"}] * 3 + [{"status": "pending"}] * 2,
                )
        client = app.test_client()
        login(client, "analyst")
        page = client.get("/staff/dashboard").get_data(as_text=True)
        assert "Open contributions" in page and "2 pending" in page
        card = page.split("Open contributions")[1]
        assert re.search(r'class="stat-value">3<', card)
    finally:
        with app.app_context():
            table.drop(db.engine)
        Base.metadata.remove(table)


def test_dashboard_with_no_responses(app, login):
    client = app.test_client()
    login(client, "analyst")
    page = client.get("/staff/dashboard")
    assert page.status_code == 200 and "No responses yet." in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Response.id)) is None
