"""Sign-in throttling: growing waits per (account, address) and per address, never a lock
of the owner from everywhere; unlocking; audit; the first admin's address chosen at init."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.db import db, utcnow
from consult.staff import throttle
from consult.staff.models import AuditEntry, User
from tests.conftest import STAFF_PASSWORD, csrf_token

ATTACKER = "203.0.113.66"
OWNER = "198.51.100.20"


class Clock:
    def __init__(self, monkeypatch):
        self.offset = timedelta(0)
        monkeypatch.setattr(throttle, "now", lambda: utcnow() + self.offset)

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def sign_in(client, email, password, ip):
    page = client.get("/staff/login").get_data(as_text=True)
    return client.post(
        "/staff/login",
        data={"csrf_token": csrf_token(page), "email": email, "password": password},
        environ_base={"REMOTE_ADDR": ip},
    )


LIMITS = throttle.Limits(
    per_account=5,
    per_address=20,
    first_delay=timedelta(seconds=2),
    max_delay=timedelta(minutes=15),
)


@pytest.mark.parametrize(
    ("failures", "free", "wait"),
    [
        (0, 5, 0),
        (4, 5, 0),
        (5, 5, 2),
        (6, 5, 4),
        (7, 5, 8),
        (10, 5, 64),
        (14, 5, 900),  # capped at 15 minutes
        (500, 5, 900),
        (19, 20, 0),
        (20, 20, 2),
        (23, 20, 16),
    ],
)
def test_waits_double_after_the_free_failures(failures, free, wait):
    assert throttle.delay_after(failures, free, LIMITS) == timedelta(seconds=wait)


def test_an_attacker_cannot_lock_the_owner_out(app, staff):
    owner = staff("admin")
    attacker = app.test_client()
    refused = 0
    for _ in range(40):
        reply = sign_in(attacker, owner, "wrong-password-xx", ATTACKER)
        refused += reply.status_code == 429
    assert refused >= 30, "the attacker's address is slowed down"
    assert sign_in(attacker, owner, STAFF_PASSWORD, ATTACKER).status_code == 429
    # The owner, from their own address, signs in at once.
    assert sign_in(app.test_client(), owner, STAFF_PASSWORD, OWNER).status_code == 302


def test_waits_grow_with_each_failure(app, staff, clock):
    email = staff("analyst")
    client = app.test_client()
    for _ in range(5):
        assert sign_in(client, email, "wrong-password-xx", ATTACKER).status_code == 200
    waits = []
    for _ in range(4):
        reply = sign_in(client, email, "wrong-password-xx", ATTACKER)
        assert reply.status_code == 429
        with app.app_context():
            details = db.session.scalar(
                select(AuditEntry.details)
                .where(AuditEntry.action == "login.throttled")
                .order_by(AuditEntry.id.desc())
            )
        waits.append(details["wait_seconds"])
        clock.advance(details["wait_seconds"] + 0.5)
        # The wait is over: one more try is allowed (and fails, doubling the next wait).
        assert sign_in(client, email, "wrong-password-xx", ATTACKER).status_code == 200
    assert waits == [2, 4, 8, 16]
    # The right password from the throttled address must still wait...
    assert sign_in(client, email, STAFF_PASSWORD, ATTACKER).status_code == 429
    # ...and is accepted once the wait is over, which clears this address's count.
    clock.advance(33)
    assert sign_in(client, email, STAFF_PASSWORD, ATTACKER).status_code == 302
    assert sign_in(app.test_client(), email, "wrong-password-xx", ATTACKER).status_code == 200


def test_the_window_forgets_old_failures(app, staff, clock):
    email = staff("analyst")
    client = app.test_client()
    for _ in range(8):
        sign_in(client, email, "wrong-password-xx", ATTACKER)
        clock.advance(20)
    clock.advance(app.config["LOGIN_THROTTLE_WINDOW"])
    assert sign_in(client, email, STAFF_PASSWORD, ATTACKER).status_code == 302


def test_the_wait_is_shown_in_the_page(app, staff):
    email = staff("analyst")
    client = app.test_client()
    for _ in range(5):
        sign_in(client, email, "wrong-password-xx", ATTACKER)
    page = sign_in(client, email, STAFF_PASSWORD, ATTACKER).get_data(as_text=True)
    assert "Too many failed sign-ins. Wait 2 seconds and try again." in page


def test_throttling_is_in_the_audit_log_page(app, login, staff):
    email = staff("analyst")
    for _ in range(6):
        sign_in(app.test_client(), email, "wrong-password-xx", ATTACKER)
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get("/staff/audit?action=login.throttled").get_data(as_text=True)
    assert "login.throttled" in page and email in page and ATTACKER in page


def _throttle_account(app, email):
    client = app.test_client()
    for _ in range(6):
        sign_in(client, email, "wrong-password-xx", ATTACKER)
    assert sign_in(client, email, STAFF_PASSWORD, ATTACKER).status_code == 429
    return client


def test_unlock_from_the_command_line(app, runner, staff):
    email = staff("analyst")
    client = _throttle_account(app, email)
    result = runner.invoke(args=["user", "unlock", email.upper()])
    assert result.exit_code == 0 and "cleared 5 failed sign-in(s)" in result.output
    assert sign_in(client, email, STAFF_PASSWORD, ATTACKER).status_code == 302
    with app.app_context():
        entry = db.session.execute(
            select(AuditEntry.target, AuditEntry.actor_email).where(
                AuditEntry.action == "login.unlocked"
            )
        ).one()
        assert tuple(entry) == (email, "command line")


def test_an_admin_clears_failed_sign_ins(app, login, staff):
    email = staff("analyst")
    client = _throttle_account(app, email)
    admin = app.test_client()
    login(admin, "admin")
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == email))
    page = admin.get(f"/staff/users/{user_id}").get_data(as_text=True)
    assert ATTACKER in page and "Clear failed sign-ins" in page
    reply = admin.post(f"/staff/users/{user_id}/unlock", data={"csrf_token": csrf_token(page)})
    assert reply.status_code == 302
    assert sign_in(client, email, STAFF_PASSWORD, ATTACKER).status_code == 302


# -- the first admin ---------------------------------------------------------------------------


@pytest.fixture
def no_accounts(make_app):
    """Build an app on a database that holds no staff account yet."""

    def build(**config):
        from sqlalchemy import delete

        app = make_app(init=False, ADMIN_EMAIL=None, **config)
        with app.app_context():
            db.session.execute(delete(User))
            db.commit()
        return app

    return build


def _accounts(app):
    with app.app_context():
        return [(u.email, u.role) for u in db.session.scalars(select(User).order_by(User.id))]


def test_init_creates_the_first_admin_with_the_address_given(no_accounts):
    app = no_accounts()
    result = app.test_cli_runner().invoke(args=["init", "--admin-email", "Ana@UCLG.org"])
    assert result.exit_code == 0, result.output
    assert "e-mail:   ana@uclg.org" in result.output and "password:" in result.output
    assert _accounts(app) == [("ana@uclg.org", "admin")]
    again = app.test_cli_runner().invoke(args=["init", "--admin-email", "other@uclg.org"])
    assert "password" not in again.output and _accounts(app) == [("ana@uclg.org", "admin")]


def test_init_takes_the_address_from_the_environment(no_accounts, monkeypatch):
    from consult import config

    monkeypatch.setenv("CONSULT_ADMIN_EMAIL", "cisdp@uclg.org")
    app = no_accounts()
    app.config["ADMIN_EMAIL"] = config.from_environment()["ADMIN_EMAIL"]
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0 and _accounts(app) == [("cisdp@uclg.org", "admin")]


def test_init_without_an_address_creates_no_guessable_account(no_accounts):
    app = no_accounts()
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0
    assert "--admin-email" in result.output
    assert _accounts(app) == []


def test_init_refuses_an_address_that_is_not_one(no_accounts):
    app = no_accounts()
    result = app.test_cli_runner().invoke(args=["init", "--admin-email", "not-an-address"])
    assert result.exit_code != 0 and "first admin" in result.output
    assert _accounts(app) == []
