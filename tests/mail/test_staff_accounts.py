"""Staff accounts by e-mail: invitation to choose a password, and "forgot password"."""

from __future__ import annotations

import re
import time

from sqlalchemy import select

from consult.db import db
from consult.staff.models import AuditEntry, User
from tests.conftest import csrf_token
from tests.mail.conftest import sign_in
from tests.mail.test_respondents import outbox

NEW_PASSWORD = "violet-harbour-lantern-73"


def _post(client, path: str, **data):
    token = csrf_token(client.get(path).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def _link_path(message) -> str:
    return re.search(r"https?://[^/\s]+(/staff/password/set/\S+)", message.body_text).group(1)


def _actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_an_admin_invites_a_staff_member_who_chooses_a_password_once(make_app) -> None:
    app = make_app()
    admin = app.test_client()
    sign_in(app, admin, "admin")
    reply = _post(admin, "/staff/mail/invite-staff", email="New.Analyst@cisdp.test", role="analyst")
    assert reply.status_code == 303
    [message] = outbox(app)
    assert message.kind == "staff_invite" and message.recipient_email == "new.analyst@cisdp.test"
    path = _link_path(message)
    newcomer = app.test_client()
    assert "new.analyst@cisdp.test" in newcomer.get(path).get_data(as_text=True).lower()
    mismatch = _post(newcomer, path, password=NEW_PASSWORD, confirm="something-else-entirely")
    assert mismatch.status_code == 422
    weak = _post(newcomer, path, password="short", confirm="short")
    assert weak.status_code == 422
    done = _post(newcomer, path, password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert done.status_code == 303 and done.location.endswith("/staff/login")
    # Single use: the same link no longer works.
    again = newcomer.get(path).get_data(as_text=True)
    assert "expired or was already used" in again
    login = newcomer.get("/staff/login").get_data(as_text=True)
    signed_in = newcomer.post(
        "/staff/login",
        data={
            "csrf_token": csrf_token(login),
            "email": "new.analyst@cisdp.test",
            "password": NEW_PASSWORD,
        },
    )
    assert signed_in.status_code == 302
    actions = _actions(app)
    assert "user.invited_by_email" in actions and "password.set_from_invite_link" in actions


def test_forgot_password_answers_alike_and_sends_only_to_accounts(make_app) -> None:
    app = make_app()
    email = sign_in(app, app.test_client(), "moderator")
    client = app.test_client()
    assert 'href="/staff/password/forgot"' in client.get("/staff/login").get_data(as_text=True)
    known = _post(client, "/staff/password/forgot", email=email.upper())
    unknown = _post(client, "/staff/password/forgot", email="nobody@cisdp.test")
    strip = re.compile(r'name="csrf_token"[^>]*>')
    assert strip.sub("", known.get_data(as_text=True)) == strip.sub(
        "", unknown.get_data(as_text=True)
    )
    [message] = outbox(app)
    assert message.kind == "staff_reset" and message.recipient_email == email
    path = _link_path(message)
    assert _post(client, path, password=NEW_PASSWORD, confirm=NEW_PASSWORD).status_code == 303
    assert "expired or was already used" in client.get(path).get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user.check_password(NEW_PASSWORD)
    assert _actions(app).count("password.reset_requested") == 2
    assert "password.set_from_reset_link" in _actions(app)


def test_reset_links_are_throttled_per_account_and_client(make_app) -> None:
    """Three an hour for one address from one client, said on the page when refused (for an
    unknown address alike); a stranger's requests never use up the owner's own."""
    app = make_app()
    email = sign_in(app, app.test_client(), "analyst")
    stranger = app.test_client()
    codes = [_post(stranger, "/staff/password/forgot", email=email).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    refused = _post(stranger, "/staff/password/forgot", email=email).get_data(as_text=True)
    assert "Nothing was sent" in refused
    unknown = [
        _post(stranger, "/staff/password/forgot", email="nobody@cisdp.test").status_code
        for _ in range(4)
    ]
    assert unknown == [200, 200, 200, 429]  # no oracle: the same for an unknown address
    assert len(outbox(app)) == 3
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "192.0.2.44"
    assert _post(owner, "/staff/password/forgot", email=email).status_code == 200
    assert len(outbox(app)) == 4


def test_reset_links_expire(make_app, monkeypatch) -> None:
    from consult.mail import staff_accounts

    app = make_app()
    email = sign_in(app, app.test_client(), "analyst")
    client = app.test_client()
    _post(client, "/staff/password/forgot", email=email)
    path = _link_path(outbox(app)[0])
    monkeypatch.setitem(staff_accounts.LIFETIMES, "reset", 1)
    time.sleep(2.1)
    assert "expired or was already used" in client.get(path).get_data(as_text=True)
    assert client.get("/staff/password/set/forged.token").status_code == 200


def test_forgot_password_does_the_same_work_for_any_address(make_app, monkeypatch) -> None:
    # Timing: an unknown, disabled or throttled address must cost what a known one costs, even
    # cold (the first render compiles the message's templates). Counted, not timed.
    from consult.core.links import absolute_url_for
    from consult.mail import messages, quota, staff_accounts
    from consult.staff import operations

    app = make_app()
    known = sign_in(app, app.test_client(), "analyst")
    disabled = sign_in(app, app.test_client(), "moderator")
    throttled = sign_in(app, app.test_client(), "admin")
    assert app.test_cli_runner().invoke(args=["user", "disable", disabled]).exit_code == 0
    client = app.test_client()
    for _ in range(staff_accounts.RESETS_PER_HOUR):
        _post(client, "/staff/password/forgot", email=throttled)
    calls: list[str] = []

    def counting(module, name, original):
        def wrapper(*args, **kwargs):
            calls.append(name)
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    counting(operations, "find_user", operations.find_user)
    counting(quota, "asks_about", quota.asks_about)
    counting(quota, "count_client_hit", quota.count_client_hit)
    counting(staff_accounts, "password_token", staff_accounts.password_token)
    counting(staff_accounts, "absolute_url_for", absolute_url_for)
    counting(messages, "render", messages.render)
    seen = {}
    for label, address in [
        ("known", known),
        ("unknown", "nobody@cisdp.test"),
        ("disabled", disabled),
        ("throttled", throttled),
    ]:
        calls.clear()
        before = len(outbox(app))
        status = _post(client, "/staff/password/forgot", email=address).status_code
        assert status == (429 if label == "throttled" else 200)
        seen[label] = (sorted(calls), len(outbox(app)) - before)
    expected = sorted(
        ["find_user", "asks_about", "count_client_hit", "password_token", "absolute_url_for"]
        + ["render"]
    )
    assert seen == {
        "known": (expected, 1),
        "unknown": (expected, 0),
        "disabled": (expected, 0),
        "throttled": (expected, 0),
    }


def test_a_forged_host_header_never_reaches_the_reset_link(make_app) -> None:
    # Password-reset poisoning: the link must come from CONSULT_BASE_URL, whatever Host said.
    app = make_app(BASE_URL="https://consult.example.org")
    email = sign_in(app, app.test_client(), "admin")
    attacker = app.test_client()
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    page = attacker.get("/staff/password/forgot", headers=forged).get_data(as_text=True)
    reply = attacker.post(
        "/staff/password/forgot",
        data={"csrf_token": csrf_token(page), "email": email},
        headers=forged,
    )
    assert reply.status_code == 200
    [message] = [m for m in outbox(app) if m.kind == "staff_reset"]
    assert "evil.example" not in message.body_text + (message.body_html or "")
    assert "https://consult.example.org/staff/password/set/" in message.body_text
