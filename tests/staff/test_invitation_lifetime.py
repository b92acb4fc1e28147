"""An invited account tells one truth about its way in: the account page and the account list
say "expired" exactly when the invitation link no longer works (7 days), never after the 72
hours of a password shown on a screen, which an invited account never had."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from itsdangerous.timed import TimestampSigner

from consult.db import db, utcnow, writing
from consult.mail import staff_accounts
from consult.staff import operations
from consult.staff.models import INVITATION_LIFETIME, PasswordState, User

NOW = utcnow()
LIFETIME = timedelta(hours=72)


def invited(hours_ago: float, one_time: bool = True) -> User:
    at = NOW - timedelta(hours=hours_ago)
    return User(
        email="x@cisdp.test", password_set_at=at, invited_at=at, is_password_one_time=one_time
    )


def handed_over(hours_ago: float) -> User:
    return User(
        email="x@cisdp.test",
        password_set_at=NOW - timedelta(hours=hours_ago),
        is_password_one_time=True,
    )


#: (account, what its password lets happen now)
STATES = [
    (invited(1), "invited"),
    (invited(73), "invited"),  # past the 72 h of a shown password: the link still works
    (invited(7 * 24 - 1), "invited"),
    (invited(7 * 24 + 1), "invitation_expired"),
    (handed_over(1), "one_time"),
    (handed_over(73), "one_time_expired"),
    (User(email="x@cisdp.test", password_set_at=NOW, is_password_one_time=False), "own"),
]


@pytest.mark.parametrize(("account", "kind"), STATES)
def test_the_password_state_follows_the_way_in(account, kind):
    state = account.password_state(LIFETIME, NOW)
    assert state.kind == kind
    if account.invited_at is not None:
        assert state.until == account.invited_at + INVITATION_LIFETIME
    assert state == PasswordState(kind, state.until)


def test_setting_any_password_ends_the_invitation():
    account = invited(1)
    account.set_password("another long passphrase 7", one_time=True)
    assert account.invited_at is None
    assert account.password_state(LIFETIME).kind == "one_time"


def _invite(app, monkeypatch, email: str, hours_ago: float) -> tuple[int, str]:
    """Invite ``email`` as if ``hours_ago`` hours ago; return the account id and its link."""
    signed_at = int(time.time() - hours_ago * 3600)
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: signed_at)
        with app.test_request_context(), writing():
            user = staff_accounts.invite_staff(db.session, email, "analyst", "en")
            user.password_set_at = user.invited_at = utcnow() - timedelta(hours=hours_ago)
            token = staff_accounts.password_token(user, "invite")
            db.commit()
            return user.id, f"/staff/password/set/{token}"


def _password_cell(page: str, email: str) -> str:
    row = re.search(rf"<tr>\s*<td><a[^>]*>{re.escape(email)}</a>.*?</tr>", page, re.S).group(0)
    return re.findall(r"<td>(.*?)</td>", row, re.S)[3]


@pytest.mark.parametrize(("hours_ago", "works"), [(1, True), (73, True), (24 * 7 + 1, False)])
def test_the_admin_and_the_invitee_read_the_same_truth(app, login, monkeypatch, hours_ago, works):
    email = f"invited-{hours_ago}@cisdp.test"
    user_id, link = _invite(app, monkeypatch, email, hours_ago)
    invitee = app.test_client().get(link).get_data(as_text=True)
    assert ('name="password"' in invitee) is works
    assert ("expired or was already used" in invitee) is not works
    admin = login(app.test_client(), "admin")
    account_page = admin.get(f"/staff/users/{user_id}").get_data(as_text=True)
    listed = _password_cell(admin.get("/staff/users").get_data(as_text=True), email)
    for said in (account_page, listed):
        assert ("expired" in said) is not works
        assert ("invitation link" in said) is True
    assert "one-time" not in listed


def test_a_reset_after_an_invitation_is_a_one_time_password_again(app, login, monkeypatch):
    user_id, link = _invite(app, monkeypatch, "reset-invited@cisdp.test", 73)
    with app.app_context(), writing():
        operations.reset_password(db.session, db.session.get(User, user_id))
        db.commit()
    assert "expired or was already used" in app.test_client().get(link).get_data(as_text=True)
    admin = login(app.test_client(), "admin")
    assert "to be replaced at the next sign-in" in admin.get(f"/staff/users/{user_id}").text
