"""Password policy, throttled sign-in, session cookies, inactivity, password change, audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult.db import db
from consult.staff.models import AuditEntry, LoginAttempt
from consult.staff.passwords import common_passwords, password_problem
from tests.conftest import STAFF_PASSWORD, csrf_token


def sign_in(client, email, password, ip="198.51.100.7"):
    page = client.get("/staff/login").get_data(as_text=True)
    return client.post(
        "/staff/login",
        data={"csrf_token": csrf_token(page), "email": email, "password": password},
        environ_base={"REMOTE_ADDR": ip},
    )


def audit_actions(app) -> list[tuple[str, str | None, str | None]]:
    with app.app_context():
        return [
            (a, t, ip)
            for a, t, ip in db.session.execute(
                select(AuditEntry.action, AuditEntry.target, AuditEntry.ip).order_by(AuditEntry.id)
            )
        ]


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short-pass", "too_short"),
        ("password1234", "common"),
        ("Password1234", "common"),
        ("qwertyuiop123", "common"),
        ("Sunshine2024!!", "common"),
        ("123456789012", "common"),
        ("abababababab", "pattern"),
        ("ana.lopez-secret-words", "email"),
        ("plum-orbit-canyon-ledger", None),
        ("Ciudad de los derechos 2030", None),
    ],
)
def test_password_policy(password, problem):
    assert password_problem(password, "ana.lopez@uclg.org") == problem


def test_the_common_password_list_ships_with_the_package():
    words = common_passwords()
    assert 3000 < len(words) < 10000
    assert "iloveyou1234" in words and "humanrights2022" in words


def test_cli_refuses_a_common_password(runner):
    result = runner.invoke(
        args=["user", "create", "a@uclg.org", "--role", "analyst", "--password-stdin"],
        input="Password12345\n",
    )
    assert result.exit_code != 0 and "most common" in result.output


def test_login_is_throttled_per_account(app, client, staff):
    email = staff("analyst")
    for _ in range(5):
        assert sign_in(client, email, "wrong-password-xx").status_code == 200
    throttled = sign_in(client, email, STAFF_PASSWORD)
    assert throttled.status_code == 429, "even the right password waits"
    assert "Too many failed sign-ins" in throttled.get_data(as_text=True)
    # another account from the same address is not affected
    other = staff("moderator")
    assert sign_in(client, other, STAFF_PASSWORD).status_code == 302


def test_unknown_accounts_are_throttled_alike(client):
    for _ in range(5):
        sign_in(client, "nobody@cisdp.test", "wrong-password-xx")
    assert sign_in(client, "nobody@cisdp.test", "wrong-password-xx").status_code == 429


def test_login_is_throttled_per_address(make_app, staff):
    app = make_app(LOGIN_FAILURES_PER_ADDRESS=3)
    client = app.test_client()
    for n in range(3):
        sign_in(client, f"guess{n}@cisdp.test", "wrong-password-xx", ip="203.0.113.9")
    assert sign_in(client, "guess9@cisdp.test", "x" * 12, ip="203.0.113.9").status_code == 429
    assert sign_in(client, "guess9@cisdp.test", "x" * 12, ip="203.0.113.10").status_code == 200


def test_throttling_is_shared_between_workers(make_app, staff, app):
    """Two app instances (two workers) on one database see the same failures."""
    email = staff("analyst")
    other_worker = make_app(instance=app.instance_path)
    for n in range(5):
        worker = app if n % 2 else other_worker
        sign_in(worker.test_client(), email, "wrong-password-xx")
    with app.app_context():
        assert db.session.query(LoginAttempt).count() == 5
    assert sign_in(app.test_client(), email, STAFF_PASSWORD).status_code == 429


def test_sign_ins_are_audited_with_the_address(app, client, staff):
    email = staff("analyst")
    sign_in(client, email, "wrong-password-xx", ip="192.0.2.44")
    sign_in(client, email, STAFF_PASSWORD, ip="192.0.2.44")
    assert audit_actions(app)[-2:] == [
        ("login.failure", email, "192.0.2.44"),
        ("login.success", email, "192.0.2.44"),
    ]


def test_session_cookie_flags(app, client, staff):
    email = staff("analyst")
    reply = sign_in(client, email, STAFF_PASSWORD)
    cookie = reply.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure_client = app.test_client()
    page = secure_client.get("/staff/login", base_url="https://consult.example")
    reply = secure_client.post(
        "/staff/login",
        base_url="https://consult.example",
        headers={"Referer": "https://consult.example/staff/login"},
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "email": email,
            "password": STAFF_PASSWORD,
        },
    )
    assert reply.status_code == 302
    assert "Secure" in reply.headers["Set-Cookie"]


def test_a_new_secret_key_is_used_at_once_and_the_old_one_only_as_a_fallback(app, client, staff):
    """The session's signing serializer is made once per secret key, not once per app: a key
    rotated in a running app signs and checks at once."""
    email = staff("analyst")
    sign_in(client, email, STAFF_PASSWORD)
    assert client.get("/staff/").status_code == 200
    old_key = app.secret_key
    app.secret_key = "a-rotated-secret-key-for-this-test"
    app.config["SECRET_KEY_FALLBACKS"] = [old_key]
    assert client.get("/staff/").status_code == 200  # signed with the old key, still valid
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert client.get("/staff/").status_code == 200  # re-signed with the new key on the way
    app.secret_key = old_key
    reply = client.get("/staff/")
    assert reply.status_code == 302 and "/staff/login" in reply.location


def test_login_renews_the_session(client, staff):
    email = staff("analyst")
    client.get("/staff/login")
    before = client.get_cookie("session").value
    sign_in(client, email, STAFF_PASSWORD)
    assert client.get_cookie("session").value != before


def test_change_own_password(app, login, staff):
    client = app.test_client()
    login(client, "analyst")
    email = f"analyst-{id(client)}@cisdp.test"
    other = app.test_client()
    assert sign_in(other, email, STAFF_PASSWORD).status_code == 302
    form = client.get("/staff/account/password").get_data(as_text=True)
    common = client.post(
        "/staff/account/password",
        data={
            "csrf_token": csrf_token(form),
            "current_password": STAFF_PASSWORD,
            "new_password": "Password12345",
            "confirm_password": "Password12345",
        },
    )
    assert "among the most common" in common.get_data(as_text=True)
    wrong = client.post(
        "/staff/account/password",
        data={
            "csrf_token": csrf_token(form),
            "current_password": "not-my-password",
            "new_password": "plum-orbit-canyon-ledger",
            "confirm_password": "plum-orbit-canyon-ledger",
        },
    )
    assert "not your current password" in wrong.get_data(as_text=True)
    done = client.post(
        "/staff/account/password",
        data={
            "csrf_token": csrf_token(form),
            "current_password": STAFF_PASSWORD,
            "new_password": "plum-orbit-canyon-ledger",
            "confirm_password": "plum-orbit-canyon-ledger",
        },
    )
    assert done.status_code == 302
    assert client.get("/staff/").status_code == 200, "this session continues"
    assert other.get("/staff/").status_code == 302, "other sessions end"
    assert sign_in(app.test_client(), email, "plum-orbit-canyon-ledger").status_code == 302
    assert ("password.changed", email, "127.0.0.1") in audit_actions(app)
