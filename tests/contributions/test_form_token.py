"""The contribution form's fill-time token: bound to the session, single-use on every worker,
limited in age; a form shown again keeps the moment it was first shown."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from consult.contributions import form_token
from consult.contributions.models import Contribution
from consult.core import single_use
from consult.db import db, writing
from tests.contributions.conftest import Contributor


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Contribution.id)))


def _fields(csrf, started, text="Housing is a right."):
    return {
        "csrf_token": csrf,
        "started": started,
        "kind": "comment",
        "article": "art10",
        "part": "",
        "text": text,
        "language": "en",
        "organisation_type": "civil_society",
        "organisation_name": "",
        "country": "",
        "region": "",
        "website": "",
    }


class Clock:
    def __init__(self, monkeypatch) -> None:
        import time

        self.offset = 0.0
        real = time.time
        monkeypatch.setattr(form_token.time, "time", lambda: real() + self.offset)


def test_a_token_is_accepted_once_and_a_second_press_shows_the_same_status(app):
    browser = Contributor(app.test_client())
    csrf, started, _page = browser.form()
    first = browser.client.post("/contributions/new", data=_fields(csrf, started))
    assert first.status_code == 303
    again = browser.client.post("/contributions/new", data=_fields(csrf, started))
    assert again.status_code == 302 and again.location == first.location
    assert _count(app) == 1


@pytest.mark.parametrize("replayer", ["another browser", "the same browser, new session"])
def test_a_used_token_cannot_be_replayed(app, replayer):
    browser = Contributor(app.test_client())
    csrf, started, _page = browser.form()
    assert browser.client.post("/contributions/new", data=_fields(csrf, started)).status_code == 303
    other = Contributor(app.test_client())
    if replayer == "the same browser, new session":
        other.client.set_cookie("session", browser.client.get_cookie("session").value)
        with other.client.session_transaction() as session:
            session.pop(form_token.SENT_KEY)
    other_csrf, _s, _p = other.form()
    reply = other.client.post("/contributions/new", data=_fields(other_csrf, started, "Again."))
    assert reply.status_code == 422
    assert "could not be sent" in reply.get_data(as_text=True)
    assert _count(app) == 1


def test_a_token_from_another_session_is_refused_even_unused(app):
    shown_to = Contributor(app.test_client())
    _csrf, started, _page = shown_to.form()
    bot = Contributor(app.test_client())
    bot_csrf, _s, _p = bot.form()
    reply = bot.client.post("/contributions/new", data=_fields(bot_csrf, started))
    assert reply.status_code == 422 and _count(app) == 0
    # the browser it was shown to can still use it
    csrf, _s, _p = shown_to.form()
    assert (
        shown_to.client.post("/contributions/new", data=_fields(csrf, started)).status_code == 303
    )


@pytest.mark.parametrize(
    ("age", "accepted"),
    [
        (timedelta(hours=23), True),
        (timedelta(days=1, minutes=1), False),
        (timedelta(days=6), False),
    ],
)
def test_a_token_is_limited_in_age(app, monkeypatch, age, accepted):
    clock = Clock(monkeypatch)
    browser = Contributor(app.test_client())
    csrf, started, _page = browser.form()
    clock.offset = age.total_seconds()
    reply = browser.client.post("/contributions/new", data=_fields(csrf, started))
    assert reply.status_code == (303 if accepted else 422)


def test_a_form_shown_again_keeps_the_moment_it_was_first_shown(make_app, monkeypatch):
    app = make_app(CONTRIBUTION_MIN_FILL_SECONDS=60)
    clock = Clock(monkeypatch)
    browser = Contributor(app.test_client())
    csrf, started, _page = browser.form()
    clock.offset = 40
    mistake = browser.client.post("/contributions/new", data=_fields(csrf, started, text=""))
    assert mistake.status_code == 422
    from tests.contributions.conftest import STARTED_RE

    again = STARTED_RE.search(mistake.get_data(as_text=True)).group(1)
    assert again != started, "a new id"
    clock.offset = 61  # 61 s after the form was first shown, 21 s after it was shown again
    assert browser.client.post("/contributions/new", data=_fields(csrf, again)).status_code == 303


def test_spending_is_atomic_across_workers(app, make_app):
    """Two workers (two apps on one database) spending the same token id: one wins."""
    other = make_app(instance=app.instance_path)
    results = []
    for worker in (app, other, app):
        with worker.app_context(), writing():
            results.append(single_use.spend(db.session, "test", "same-id", timedelta(hours=1)))
            db.commit()
    assert results == [True, False, False]


def test_spent_ids_are_forgotten_once_expired(app):
    with app.app_context(), writing():
        assert single_use.spend(db.session, "test", "old", timedelta(seconds=-1))
        db.commit()
        assert single_use.spend(db.session, "test", "fresh", timedelta(hours=1))
        db.commit()
        assert not single_use.is_spent(db.session, "test", "old")
        assert single_use.is_spent(db.session, "test", "fresh")
