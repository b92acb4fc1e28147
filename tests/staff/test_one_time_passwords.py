"""One-time passwords: a password someone other than its owner set or saw opens only the page
that replaces it, and only for STAFF_ONE_TIME_PASSWORD_HOURS; every password change ends the
account's other sessions on the server."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.core import terminal as consult_cli
from consult.db import db, utcnow, writing
from consult.staff import operations, sessions
from consult.staff.models import AuditEntry, StaffSession, User
from consult.staff.views import ONE_TIME_PASSWORD_ENDPOINTS
from tests.conftest import STAFF_PASSWORD, csrf_token

ONE_TIME = "handed-over-password-77"
OWN = "my-own-better-password-5"
CHANGE_PAGE = "/staff/account/password"


class Clock:
    """Moves the staff sessions' clock (which sign-in and sessions read) forward."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = timedelta(0)
        monkeypatch.setattr(sessions, "now", lambda: utcnow() + self.offset)

    def advance(self, hours: float) -> None:
        self.offset += timedelta(hours=hours)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def make_account(app, email="newcomer@cisdp.test", role="admin", password=ONE_TIME, **options):
    with app.app_context(), writing():
        operations.create_user(db.session, email, role, password, **options)
        db.commit()
    return email


def sign_in(client, email, password=ONE_TIME):
    page = client.get("/staff/login").get_data(as_text=True)
    return client.post(
        "/staff/login",
        data={"csrf_token": csrf_token(page), "email": email, "password": password},
    )


def change(client, current=ONE_TIME, new=OWN, next_path=""):
    page = client.get(CHANGE_PAGE).get_data(as_text=True)
    return client.post(
        CHANGE_PAGE,
        data={
            "csrf_token": csrf_token(page),
            "current_password": current,
            "new_password": new,
            "confirm_password": new,
            "next": next_path,
        },
    )


def set_from_link(app, token, password):
    client = app.test_client()
    path = f"/staff/password/set/{token}"
    page = client.get(path).get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "password": password, "confirm": password}
    assert client.post(path, data=data).status_code == 303


def account(app, email) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge(user)
        return user


def open_sessions(app, email) -> int:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        return len(sessions.open_sessions(db.session, user))


def sample_path(rule) -> str:
    """A URL of ``rule`` that its converters accept (the check runs before any view)."""
    path = rule.rule
    for name, converter in rule._converters.items():
        regex = getattr(converter, "regex", "")
        choice = re.match(r"\(\?:([^|)]+)", regex)
        value = "1" if regex.startswith("[0-9]") else choice.group(1) if choice else "x"
        path = re.sub(rf"<(?:[^<>:]+:)?{name}>", value, path)
    return path


# -- which passwords are one-time --------------------------------------------------------------


def test_the_first_admin_from_init_has_a_one_time_password(app):
    first = account(app, "first-admin@cisdp.test")
    assert first.is_password_one_time


@pytest.mark.parametrize(
    "how, one_time",
    [
        ("created by an admin's form", True),
        ("created on the command line", True),
        ("reset by an admin", True),
        ("reset on the command line", True),
        ("invited by e-mail (nobody knows it)", True),
        ("changed by its owner", False),
        ("chosen from an invitation or reset link", False),
    ],
)
def test_a_password_is_one_time_unless_its_owner_chose_it(app, login, monkeypatch, how, one_time):
    from consult.mail import staff_accounts

    admin = login(app.test_client(), "admin")
    email = "colleague@cisdp.test"
    if how == "created by an admin's form":
        page = admin.get("/staff/users").get_data(as_text=True)
        admin.post(
            "/staff/users",
            data={"csrf_token": csrf_token(page), "email": email, "role": "analyst"}
            | {"password": ONE_TIME},
        )
    elif how == "created on the command line":
        app.test_cli_runner().invoke(
            args=["user", "create", email, "--role", "analyst", "--password-stdin"],
            input=ONE_TIME + "\n",
        )
    elif how == "invited by e-mail (nobody knows it)":
        with app.test_request_context(), writing():
            staff_accounts.invite_staff(db.session, email, "analyst", "en")
            db.commit()
    else:
        make_account(app, email, "analyst", one_time=False)
        if how == "reset by an admin":
            user_id = account(app, email).id
            page = admin.get(f"/staff/users/{user_id}").get_data(as_text=True)
            admin.post(
                f"/staff/users/{user_id}/reset-password", data={"csrf_token": csrf_token(page)}
            )
        elif how == "reset on the command line":
            monkeypatch.setattr(consult_cli, "is_terminal", lambda err=False: True)
            app.test_cli_runner().invoke(args=["user", "reset-password", email])
        elif how == "changed by its owner":
            client = app.test_client()
            sign_in(client, email, ONE_TIME)
            assert change(client, ONE_TIME, OWN).status_code == 302
        else:
            with app.test_request_context(), writing():
                user = operations.find_user(db.session, email)
                token = staff_accounts.password_token(user, "reset")
                db.commit()
            set_from_link(app, token, OWN)
    assert account(app, email).is_password_one_time is one_time, how


# -- the chokepoint ----------------------------------------------------------------------------


def test_every_route_sends_a_one_time_session_to_the_change_page_first(app):
    """Walk the whole URL map: with a one-time password, only the change page and sign-out
    answer; every other route (staff or public, any method) redirects there."""
    client = app.test_client()
    reply = sign_in(client, make_account(app))
    assert reply.status_code == 302
    token = csrf_token(client.get(CHANGE_PAGE).get_data(as_text=True))
    walked = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ONE_TIME_PASSWORD_ENDPOINTS or rule.endpoint == "static":
            continue
        path = sample_path(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": token} if method == "POST" else None
            reply = client.open(path, method=method, data=data)
            where = f"{method} {path} ({rule.endpoint})"
            assert reply.status_code in (302, 303), where
            assert reply.location.startswith(CHANGE_PAGE), where
            walked.add(rule.endpoint)
    staff_endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.rule.startswith("/staff")}
    assert staff_endpoints - ONE_TIME_PASSWORD_ENDPOINTS <= walked
    assert len(walked) > 60
    # a page asked for comes back after the change
    reply = client.get("/staff/dashboard")
    assert reply.location == f"{CHANGE_PAGE}?next=/staff/dashboard"
    assert change(client, next_path="/staff/dashboard").location == "/staff/dashboard"
    assert client.get("/staff/dashboard").status_code == 200


def test_the_change_page_says_why_and_until_when_and_hides_the_workspace(app):
    client = app.test_client()
    sign_in(client, make_account(app))
    page = client.get(CHANGE_PAGE).get_data(as_text=True)
    assert "set by someone else" in page and "UTC" in page
    assert 'href="/staff/users"' not in page  # no section link that would only bounce back
    assert 'action="/staff/logout"' in page  # signing out stays possible
    assert client.post("/staff/logout", data={"csrf_token": csrf_token(page)}).status_code == 302
    assert client.get("/staff/").location.startswith("/staff/login")


def test_the_new_password_must_differ_and_the_old_one_then_opens_nothing(app):
    client = app.test_client()
    email = make_account(app)
    sign_in(client, email)
    same = change(client, ONE_TIME, ONE_TIME)
    assert same.status_code == 200 and "different from your current one" in same.get_data(True)
    assert account(app, email).is_password_one_time
    assert change(client).status_code == 302
    assert not account(app, email).is_password_one_time
    assert client.get("/staff/").status_code == 200
    other = app.test_client()
    assert sign_in(other, email, ONE_TIME).status_code == 200  # refused: the form again
    assert sign_in(other, email, OWN).status_code == 302


def test_an_owners_password_opens_every_page_at_once(app, staff):
    client = app.test_client()
    sign_in(client, staff("analyst"), STAFF_PASSWORD)
    assert client.get("/staff/dashboard").status_code == 200


# -- expiry ------------------------------------------------------------------------------------


def test_a_one_time_password_expires_with_a_message_and_a_way_back(app, clock):
    email = make_account(app)
    clock.advance(72.01)
    reply = sign_in(app.test_client(), email)
    page = reply.get_data(as_text=True)
    assert reply.status_code == 200 and "/staff/login" not in (reply.location or "")
    assert "expired" in page and "Ask an admin to reset it" in page
    assert "Forgot your password" in page  # the way back without an admin
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "login.password_expired" in actions and "login.success" not in actions


def test_an_open_session_ends_when_its_one_time_password_expires(make_app, clock):
    app = make_app(STAFF_INACTIVITY_TIMEOUT=100 * 3600)  # not signed out for inactivity first
    client = app.test_client()
    email = make_account(app)
    sign_in(client, email)
    assert client.get(CHANGE_PAGE).status_code == 200
    clock.advance(71)
    assert client.get(CHANGE_PAGE).status_code == 200  # still within 72 hours
    clock.advance(1.5)
    reply = client.get(CHANGE_PAGE)
    assert reply.status_code == 302 and reply.location == "/staff/login"
    assert "expired" in client.get("/staff/login").get_data(as_text=True)
    with app.app_context():
        row = db.session.scalar(select(StaffSession))
        assert row.end_reason == "expired" and row.ended_at is not None


def test_an_owners_password_never_expires(app, staff, clock):
    email = staff("analyst")
    clock.advance(24 * 365)
    assert sign_in(app.test_client(), email, STAFF_PASSWORD).status_code == 302


# -- sessions end when the password changes ----------------------------------------------------


@pytest.mark.parametrize("how", ["own change", "admin reset", "link", "command line"])
def test_every_password_change_ends_the_other_sessions_on_the_server(app, login, monkeypatch, how):
    from consult.mail import staff_accounts

    email = make_account(app, "owner@cisdp.test", "analyst", OWN, one_time=False)
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, email, OWN)
    sign_in(phone, email, OWN)
    stolen = phone.get_cookie("session").value
    assert open_sessions(app, email) == 2
    if how == "own change":
        assert change(laptop, OWN, "yet-another-password-9").status_code == 302
        kept = 1
    elif how == "admin reset":
        admin = login(app.test_client(), "admin")
        user_id = account(app, email).id
        page = admin.get(f"/staff/users/{user_id}").get_data(as_text=True)
        admin.post(f"/staff/users/{user_id}/reset-password", data={"csrf_token": csrf_token(page)})
        kept = 0
    elif how == "link":
        with app.test_request_context():
            token = staff_accounts.password_token(operations.find_user(db.session, email), "reset")
            db.session.rollback()
        set_from_link(app, token, "yet-another-password-9")
        kept = 0
    else:
        monkeypatch.setattr(consult_cli, "is_terminal", lambda err=False: True)
        result = app.test_cli_runner().invoke(args=["user", "reset-password", email])
        assert result.exit_code == 0, result.output
        kept = 0
    # ended in the table (every host sees it), not only refused by a version check
    assert open_sessions(app, email) == kept
    attacker = app.test_client()
    attacker.set_cookie("session", stolen)
    assert attacker.get("/staff/").location.startswith("/staff/login")
    assert (laptop.get("/staff/").status_code == 200) is (kept == 1)


# -- the command line --------------------------------------------------------------------------


def _no_accounts(make_app):
    from sqlalchemy import delete

    app = make_app(init=False, ADMIN_EMAIL=None)
    with app.app_context():
        db.session.execute(delete(User))
        db.commit()
    return app


def test_init_shows_the_first_admins_password_in_a_terminal_only(make_app, monkeypatch):
    app = _no_accounts(make_app)
    piped = app.test_cli_runner().invoke(args=["init", "--admin-email", "ana@uclg.org"])
    assert piped.exit_code == 0, piped.output
    assert "one-time password" in piped.output and "not shown" in piped.output
    assert "consult user reset-password ana@uclg.org" in piped.output
    assert not re.search(r"password: \S{16,}$", piped.output, re.M)
    # in a terminal, the way back prints it there
    monkeypatch.setattr(consult_cli, "is_terminal", lambda err=False: True)
    shown = app.test_cli_runner().invoke(args=["user", "reset-password", "ana@uclg.org"])
    password = re.search(r"password: (\S+)$", shown.output, re.M).group(1)
    assert len(password) >= 16 and "within 72 hours" in shown.output
    assert sign_in(app.test_client(), "ana@uclg.org", password).location.startswith("/staff/")


def test_init_in_a_terminal_shows_the_password_once(make_app, monkeypatch):
    app = _no_accounts(make_app)
    monkeypatch.setattr(consult_cli, "is_terminal", lambda err=False: True)
    result = app.test_cli_runner().invoke(args=["init", "--admin-email", "ana@uclg.org"])
    password = re.search(r"password: (\S+)$", result.output, re.M).group(1)
    client = app.test_client()
    assert sign_in(client, "ana@uclg.org", password).status_code == 302
    assert client.get("/staff/").location.startswith(CHANGE_PAGE)


def test_reset_password_outside_a_terminal_changes_nothing(app, staff):
    email = staff("admin")
    before = account(app, email).password_hash
    result = app.test_cli_runner().invoke(args=["user", "reset-password", email])
    assert result.exit_code != 0 and "terminal" in result.output
    assert account(app, email).password_hash == before


@pytest.mark.parametrize("terminal", [True, False])
def test_secret_lines_reach_a_terminal_only(monkeypatch, capsys, terminal):
    monkeypatch.setattr(consult_cli, "is_terminal", lambda err=False: terminal)
    consult_cli.echo_lines(["plain", consult_cli.Secret("s3cret", "withheld")], err=True)
    printed = capsys.readouterr().err.splitlines()
    assert printed == (["plain", "s3cret"] if terminal else ["plain", "withheld"])


# -- accounts that existed before one-time passwords -------------------------------------------


def test_the_upgrade_makes_passwords_no_owner_chose_one_time(app):
    """Migration 0900: the first admin who never replaced the printed password, and an account
    whose latest password came from an admin, must replace it; owners' own passwords stay."""
    from alembic import command
    from sqlalchemy import text

    from consult.schema import alembic_config

    def run(step, revision):
        config = alembic_config(db.engine.url.render_as_string(hide_password=False))
        with writing(), db.engine.begin() as connection:
            config.attributes["connection"] = connection
            step(config, revision)

    history = {
        "first-admin@cisdp.test": [],  # created by `consult init` (audited), never changed
        "changed@cisdp.test": ["user.created", "password.changed"],
        "reset@cisdp.test": ["user.created", "password.changed", "user.password_reset"],
        "linked@cisdp.test": ["user.invited_by_email", "password.set_from_invite_link"],
    }
    with app.app_context():
        run(command.downgrade, "0890")
        with db.engine.begin() as connection:
            for email, actions in history.items():
                if email != "first-admin@cisdp.test":
                    connection.execute(
                        text(
                            "INSERT INTO users (email, password_hash, role, is_enabled, "
                            "created_at, session_version) VALUES (:e, 'x', 'analyst', true, "
                            "CURRENT_TIMESTAMP, 1)"
                        ),
                        {"e": email},
                    )
                for action in actions:
                    connection.execute(
                        text(
                            "INSERT INTO audit_entries (occurred_at, action, target) "
                            "VALUES (CURRENT_TIMESTAMP, :a, :e)"
                        ),
                        {"a": action, "e": email},
                    )
        run(command.upgrade, "0900")
        flags = dict(db.session.execute(select(User.email, User.is_password_one_time)).all())
        stamped = db.session.scalars(select(User.password_set_at)).all()
    assert flags == {
        "first-admin@cisdp.test": True,
        "changed@cisdp.test": False,
        "reset@cisdp.test": True,
        "linked@cisdp.test": False,
    }
    # counted from the upgrade: the next sign-in still works, and asks for a new password
    assert all(abs(moment - utcnow()) < timedelta(minutes=5) for moment in stamped)


# -- what staff read ---------------------------------------------------------------------------


def test_an_admin_sees_which_passwords_are_one_time_and_which_expired(app, login, clock):
    admin = login(app.test_client(), "admin")
    first_id = account(app, "first-admin@cisdp.test").id
    own_id = account(app, make_account(app, "owner@cisdp.test", password=OWN, one_time=False)).id
    assert "to be replaced at the next sign-in" in admin.get(f"/staff/users/{first_id}").text
    assert "chosen by its owner" in admin.get(f"/staff/users/{own_id}").text
    clock.advance(73)
    admin = login(app.test_client(), "admin")  # a fresh session: the clock moved on
    assert "expired on" in admin.get(f"/staff/users/{first_id}").text


@pytest.mark.parametrize(
    "language, notice, expired",
    [
        ("en", "set by someone else", "Ask an admin to reset it"),
        ("fr", "choisi par quelqu'un d'autre", "Demandez à un administrateur"),
        ("es", "la fijó otra persona", "Pida a un administrador"),
    ],
)
def test_the_one_time_texts_are_in_the_staff_members_language(
    app, clock, language, notice, expired
):
    client = app.test_client()
    email = make_account(app)
    client.get(f"/staff/login?lang={language}")
    sign_in(client, email)
    page = client.get(CHANGE_PAGE).get_data(as_text=True)
    assert f'lang="{language}"' in page and notice in page.replace("&#39;", "'")
    clock.advance(73)
    other = app.test_client()
    other.get(f"/staff/login?lang={language}")
    refused = sign_in(other, email).get_data(as_text=True)
    assert expired in refused
