"""The maintenance sweep forgets what is kept only for a while (consult/maintenance/sweep.py).

A staff form kept after its session ended waited forever for an account that never signed in
again (its typed text, maybe personal data, in the file store); a sender without MAIL_HOST
kept every written message, personal links and all, for ever.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.cli import purge_drafts
from consult.db import db, utcnow
from consult.staff import kept_forms, sessions
from consult.staff.models import User
from consult.storage import file_store
from tests.conftest import STAFF_PASSWORD
from tests.staff.test_kept_forms import end_session, fields_for, sign_in

TYPED = "Our official answer, typed for thirty minutes"


def _keep_a_form(app, staff, monkeypatch, email: str) -> int:
    """Let ``email``'s session end with a form open and send it: the form is kept."""
    staff("admin", email)
    client = app.test_client()
    sign_in(client, email)
    page = client.get("/staff/").get_data(as_text=True)
    end_session(app, email, "idle", monkeypatch, STAFF_PASSWORD)
    reply = client.post("/staff/moderation/1/response", data={**fields_for(page), "text": TYPED})
    assert reply.status_code == 303
    monkeypatch.setattr(sessions, "now", utcnow)
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == email))
        assert TYPED in b"".join(file_store().chunks(kept_forms._name(user_id))).decode()
    return user_id


def _kept(app, user_id: int) -> bool:
    with app.app_context():
        return file_store().size(kept_forms._name(user_id)) is not None


@pytest.mark.parametrize(
    ("hours_ago", "setting", "swept"),
    [
        (1, None, False),  # within the default 24 hours: its account may still sign in
        (25, None, True),  # past it: nobody will ever see it
        (3, 2, True),  # the setting shortens it
        (25, 48, False),  # or lengthens it
    ],
)
def test_a_kept_staff_form_is_swept_when_its_time_is_past(
    make_app, monkeypatch, hours_ago, setting, swept
):
    overrides = {} if setting is None else {"STAFF_KEPT_FORM_HOURS": setting}
    app = make_app(**overrides)
    staff = _staff_on(app)
    stale = _keep_a_form(app, staff, monkeypatch, "gone@cisdp.test")
    fresh = _keep_a_form(app, staff, monkeypatch, "back-soon@cisdp.test")
    later = utcnow() + timedelta(hours=hours_ago)
    monkeypatch.setattr(kept_forms, "utcnow", lambda: later)
    with app.app_context():
        deleted = purge_drafts(app)  # the housekeeping `consult serve` and cron run
    assert deleted == 0  # no empty draft: the count printed is the drafts'
    assert _kept(app, stale) is not swept and _kept(app, fresh) is not swept


def test_a_fresh_kept_form_survives_the_sweep_and_still_comes_back(make_app, monkeypatch):
    app = make_app()
    staff = _staff_on(app)
    user_id = _keep_a_form(app, staff, monkeypatch, "editor@cisdp.test")
    with app.app_context():
        purge_drafts(app)
    assert _kept(app, user_id)


def _staff_on(app):
    from consult.db import writing
    from consult.staff.operations import create_user

    def create(role: str, email: str) -> str:
        with app.app_context(), writing():
            create_user(db.session, email, role, STAFF_PASSWORD, one_time=False)
            db.commit()
        return email

    return create


def test_written_messages_are_swept_after_the_outboxs_retention(make_app):
    app = make_app(MAIL_KEEP_DAYS=30)
    folder = os.path.join(app.instance_path, "mail")
    os.makedirs(folder)
    old, new = (os.path.join(folder, f"{name}.eml") for name in ("old", "new"))
    for path in (old, new):
        with open(path, "w") as handle:
            handle.write("Subject: s\n\nhttps://consult.test/r/secret-token/\n")
    past = (utcnow() - timedelta(days=31)).timestamp()
    os.utime(old, (past, past))
    with app.app_context():
        purge_drafts(app)
    assert not os.path.exists(old) and os.path.exists(new)


def test_the_looping_sender_is_handed_the_sweep_by_the_application(app):
    """The mail sender (a feature) runs the sweep every hour without importing the application
    layer (tests/core/test_layers.py): create_app hands it over."""
    import inspect

    from consult import SWEEP
    from consult.mail import sender
    from consult.maintenance.sweep import sweep

    assert app.extensions[SWEEP] is sweep
    assert f'app.extensions.get("{SWEEP}")' in inspect.getsource(sender.run)
