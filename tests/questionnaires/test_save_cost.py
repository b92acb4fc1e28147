"""What one "Save and continue" costs the server, pinned so that a regression shows: the SQL
statements of a page save (a draft's, a submitted response's), and the session cookie, which
is neither decoded again nor signed and sent again while it does not change."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import itsdangerous.timed
import pytest
from sqlalchemy import event

from consult.db import db
from consult.staff import views as staff_views
from tests.questionnaires.test_respond import PROFILE, fill_required

#: The statements of a page save, by their first word: the response row read (and locked), the
#: answers document and the response's columns written in one UPDATE, one commit. SQLite also
#: says BEGIN IMMEDIATE (PostgreSQL's BEGIN is implicit in its driver).
DRAFT_SAVE = {
    "sqlite": ["BEGIN", "SELECT", "UPDATE"],
    "postgresql": ["SELECT", "UPDATE"],
}
#: A submitted response edited through its link also keeps its Answer rows in step: SQLite in
#: one multi-row upsert beside the UPDATE, PostgreSQL in one statement (data-modifying CTEs).
SUBMITTED_SAVE = {
    "sqlite": ["BEGIN", "SELECT", "INSERT", "UPDATE"],
    "postgresql": ["SELECT", "WITH"],
}
#: The profile page as a browser posts it: with the region select, which the page shows filled
#: from the country (a page posted without it has the region looked up: one more SELECT).
CHANGED_PROFILE = {
    **PROFILE,
    "q.institution_name": "Municipalidad de Rosario",
    "q.country": "AR",
    "q.region": "latin_america",
}


def statements_of(app, request) -> list[str]:
    """Run ``request()`` and return the first word of each SQL statement it sent."""
    sent: list[str] = []

    def note(_conn, _cursor, statement, _parameters, _context, _many) -> None:
        sent.append(statement.lstrip().split(None, 1)[0].upper())

    engine = app.extensions["consult.db"].engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        reply = request()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert reply.status_code == 303, reply.status_code
    return sent


@pytest.mark.parametrize("submitted", [False, True], ids=["draft", "submitted"])
def test_a_page_save_sends_a_fixed_few_statements(app, respondent, submitted):
    respondent.start()
    if submitted:
        fill_required(respondent)
        assert respondent.submit().status_code == 303
    assert respondent.save("profile", PROFILE).status_code == 303  # the session's first save
    with app.app_context():
        dialect = db.engine.dialect.name
    sent = statements_of(app, lambda: respondent.save("profile", CHANGED_PROFILE))
    assert sent == (SUBMITTED_SAVE if submitted else DRAFT_SAVE)[dialect]


def session_cookies(reply) -> list[str]:
    return [h for h in reply.headers.getlist("Set-Cookie") if h.startswith("session=")]


def test_an_unchanged_session_cookie_is_sent_again_only_once_it_is_an_hour_old(
    app, respondent, monkeypatch
):
    respondent.start()
    first = respondent.save("profile", PROFILE)
    assert session_cookies(first), "the first save makes the session permanent (browser id)"
    again = respondent.save("profile", CHANGED_PROFILE)
    assert again.status_code == 303
    assert session_cookies(again) == [], "an unchanged, fresh session is not signed again"
    assert "Cookie" in again.headers.get("Vary", "")

    # An hour later (the clock of the check moved on), the expiry moves on: sent again.
    later = staff_views.utcnow() + staff_views.SESSION_REFRESH_AFTER + timedelta(seconds=1)
    monkeypatch.setattr(staff_views, "utcnow", lambda: later)
    refreshed = respondent.save("profile", PROFILE)
    assert refreshed.status_code == 303
    (cookie,) = session_cookies(refreshed)
    assert "Expires=" in cookie


def test_a_remembered_cookie_still_expires_and_a_forged_one_is_refused(
    app, respondent, monkeypatch
):
    respondent.start()
    assert respondent.save("profile", PROFILE).status_code == 303  # verified and remembered
    assert respondent.save("profile", CHANGED_PROFILE).status_code == 303

    # A forged cookie (the remembered one, altered) opens an empty session: the CSRF token is
    # then missing and the page is shown again with the answers kept, nothing saved.
    cookie = respondent.client.get_cookie("session")
    respondent.client.set_cookie("session", cookie.value[:-2] + "xx")
    forged = respondent.save("profile", PROFILE)
    assert forged.status_code == 200
    assert "nothing was saved" in forged.get_data(as_text=True)

    # The genuine cookie, once older than the session's lifetime, is refused though remembered.
    respondent.client.set_cookie("session", cookie.value)
    lifetime = app.permanent_session_lifetime
    later = staff_views.utcnow() + lifetime + timedelta(seconds=1)
    monkeypatch.setattr(staff_views, "utcnow", lambda: later)
    monkeypatch.setattr(itsdangerous.timed, "time", SimpleNamespace(time=later.timestamp))
    expired = respondent.save("profile", PROFILE)
    assert expired.status_code == 200
    assert "nothing was saved" in expired.get_data(as_text=True)
