"""A language picked before signing in stays picked: at sign-in, at the change of a one-time
password, at sign-out, and when a staff session ends and the browser's session is renewed
(consult/staff/renewal.py is the one place that happens), in each of the three languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import csrf_token
from tests.staff.test_one_time_passwords import ONE_TIME, change, make_account, sign_in

#: The language picked, and the one the browser's Accept-Language asks for (never the same,
#: so that a page in the picked language cannot be a coincidence of the header).
PICKS = [("en", "es"), ("fr", "en"), ("es", "fr")]
HTML_LANG = re.compile(r'<html lang="(\w+)"')


def language_of(reply) -> str:
    return HTML_LANG.search(reply.get_data(as_text=True)).group(1)


def language_after(client, redirect) -> str:
    """The language of the page a redirect leads to (through any further redirect)."""
    return language_of(client.get(redirect.location, follow_redirects=True))


@pytest.mark.parametrize(("picked", "header"), PICKS)
def test_the_language_picked_survives_every_renewal_of_the_session(app, picked, header):
    email = make_account(app, f"lang-{picked}@cisdp.test")
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = header
    # Picked on a workspace link while signed out: the page sends to the sign-in page.
    reply = client.get(f"/staff/?lang={picked}")
    assert reply.status_code == 302
    assert language_after(client, reply) == picked, "sign-in page"
    # Signing in renews the session; a one-time password leads to the page replacing it.
    reply = sign_in(client, email, ONE_TIME)
    assert reply.status_code == 302
    assert language_after(client, reply) == picked, "one-time password page"
    reply = change(client)
    assert reply.status_code == 302
    assert language_after(client, reply) == picked, "after the password change"
    # Signing out renews it again.
    page = client.get("/staff/").get_data(as_text=True)
    reply = client.post("/staff/logout", data={"csrf_token": csrf_token(page)})
    assert reply.status_code == 302
    assert language_after(client, reply) == picked, "after signing out"
    assert language_of(client.get("/staff/login")) == picked, "signing in again"


@pytest.mark.parametrize(("picked", "header"), PICKS)
def test_an_ended_session_renewed_keeps_the_language(app, login, picked, header):
    client = login(app.test_client(), "analyst")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = header
    assert language_of(client.get(f"/staff/?lang={picked}")) == picked
    # An admin signs the account out everywhere: its next request renews the session.
    from consult.db import db, writing
    from consult.staff import sessions
    from consult.staff.models import User

    with app.app_context(), writing():
        for user in db.session.query(User).filter(User.email.like("analyst-%")):
            sessions.end_all(db.session, user, "revoked")
        db.commit()
    reply = client.get("/staff/")
    assert reply.status_code == 302
    assert language_after(client, reply) == picked


def test_the_session_is_renewed_in_one_place_only():
    """Every sign-in, sign-out and ended session goes through renew_session."""
    root = Path(__file__).resolve().parents[2] / "consult"
    clearing = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "session.clear()" in path.read_text(encoding="utf-8")
    )
    assert clearing == ["staff/renewal.py"]
