"""Server-side staff sessions: sign-out and inactivity end them for every host and worker;
only real staff navigation keeps a session alive."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.db import db, utcnow
from consult.staff import sessions
from consult.staff.models import AuditEntry, StaffSession
from tests.conftest import STAFF_PASSWORD, csrf_token


class Clock:
    """Moves the staff sessions' clock forward without waiting."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = timedelta(0)
        monkeypatch.setattr(sessions, "now", lambda: utcnow() + self.offset)

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def sign_in(client, email):
    page = client.get("/staff/login").get_data(as_text=True)
    reply = client.post(
        "/staff/login",
        data={"csrf_token": csrf_token(page), "email": email, "password": STAFF_PASSWORD},
    )
    assert reply.status_code == 302
    return client.get_cookie("session").value


def sign_out(client):
    page = client.get("/staff/").get_data(as_text=True)
    return client.post("/staff/logout", data={"csrf_token": csrf_token(page)})


def replay(app, cookie, path="/staff/"):
    """A fresh browser presenting a captured session cookie."""
    attacker = app.test_client()
    attacker.set_cookie("session", cookie)
    return attacker.get(path)


def is_signed_in(reply) -> bool:
    return reply.status_code == 200


def test_the_cookie_carries_only_a_session_id(app, client, staff):
    email = staff("analyst")
    sign_in(client, email)
    with client.session_transaction() as session:
        session_id = session["_user_id"]
    assert email not in session_id and ":" not in session_id and len(session_id) >= 40
    with app.app_context():
        row = db.session.scalar(select(StaffSession))
        assert row.token_hash == sessions.hash_id(session_id) != session_id


STAFF_PAGES = ["/staff/", "/staff/dashboard", "/staff/coverage", "/staff/account/password"]


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_a_cookie_captured_before_logout_opens_nothing_after(app, client, staff, path):
    cookie = sign_in(client, staff("admin"))
    assert is_signed_in(replay(app, cookie, path)), "the captured cookie works while signed in"
    assert sign_out(client).status_code == 302
    reply = replay(app, cookie, path)
    assert reply.status_code == 302 and "/staff/login" in reply.location


def test_logout_on_one_host_ends_the_session_on_every_host(make_app, app, staff):
    """Two app instances on one database and one secret key: two hosts behind a balancer."""
    other_host = make_app(instance=app.instance_path)
    email = staff("analyst")
    browser = app.test_client()
    cookie = sign_in(browser, email)
    assert is_signed_in(replay(other_host, cookie)), "the session is valid on the other host"
    # The browser's next request lands on the other host and signs out there.
    on_other = other_host.test_client()
    on_other.set_cookie("session", cookie)
    assert sign_out(on_other).status_code == 302
    for host in (app, other_host):
        assert replay(host, cookie).status_code == 302


def test_idle_timeout_ends_the_session_for_every_host(make_app, app, staff, clock):
    app.config["STAFF_INACTIVITY_TIMEOUT"] = 60
    other_host = make_app(instance=app.instance_path, STAFF_INACTIVITY_TIMEOUT=60)
    browser = app.test_client()
    cookie = sign_in(browser, staff("analyst"))
    clock.advance(61)
    reply = browser.get("/staff/dashboard")
    assert reply.status_code == 302 and "/staff/login" in reply.location
    assert "next=/staff/dashboard" in reply.location
    # Even if the clock went back (another host's), the ended session stays ended.
    clock.advance(-61)
    for host in (app, other_host):
        assert replay(host, cookie).status_code == 302
    with app.app_context():
        row = db.session.scalar(select(StaffSession))
        assert row.end_reason == "idle" and row.ended_at is not None
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "logout.idle"))


def test_idle_session_is_refused_by_a_host_that_never_saw_it(make_app, app, staff, clock):
    app.config["STAFF_INACTIVITY_TIMEOUT"] = 60
    other_host = make_app(instance=app.instance_path, STAFF_INACTIVITY_TIMEOUT=60)
    cookie = sign_in(app.test_client(), staff("analyst"))
    clock.advance(61)
    assert replay(other_host, cookie).status_code == 302


def test_navigation_keeps_the_session_alive(app, client, staff, clock):
    app.config["STAFF_INACTIVITY_TIMEOUT"] = 60
    sign_in(client, staff("analyst"))
    for _ in range(4):
        clock.advance(50)
        assert client.get("/staff/").status_code == 200  # 200 s in all, never 60 s idle


@pytest.mark.parametrize(
    ("what", "request_args"),
    [
        ("a static file", {"path": "/static/css/consult.css"}),
        ("the favicon", {"path": "/static/favicon.svg"}),
        ("a meta refresh", {"path": "/staff/dashboard?auto=1"}),
        ("a public page", {"path": "/contributions"}),
        ("the landing page", {"path": "/"}),
        ("a health check", {"path": "/healthz"}),
        ("a page that does not exist", {"path": "/staff/no-such-page"}),
        ("a prefetch", {"path": "/staff/", "headers": {"Sec-Purpose": "prefetch"}}),
        ("a HEAD request", {"path": "/staff/", "method": "HEAD"}),
    ],
)
def test_automatic_requests_do_not_keep_a_session_alive(
    app, client, staff, clock, what, request_args
):
    app.config["STAFF_INACTIVITY_TIMEOUT"] = 60
    sign_in(client, staff("analyst"))
    for _ in range(4):
        clock.advance(25)
        client.open(
            request_args["path"],
            method=request_args.get("method", "GET"),
            headers=request_args.get("headers", {}),
        ).close()
    reply = client.get("/staff/")
    assert reply.status_code == 302, f"{what} kept the session alive"


def test_the_export_page_refreshes_itself_as_an_automatic_request(app, login):
    from consult.staff.models import ExportJob

    client = app.test_client()
    login(client, "admin")
    with app.app_context():
        job = ExportJob(kind="responses", format="csv", options={}, status="running")
        db.session.add(job)
        db.commit()
        job_id = job.id
    page = client.get(f"/staff/exports/{job_id}").get_data(as_text=True)
    assert f'http-equiv="refresh" content="3; url=/staff/exports/{job_id}?auto=1"' in page


#: Pages under /staff/ that work without a login (as in test_routes.ALLOWED): signing in, and
#: the mail branch's forgotten-password and set-password pages (the link is the credential).
PUBLIC_STAFF_PAGES = ("staff.login", "mail.forgot_password", "mail.set_password")


def test_every_staff_page_counts_as_activity_and_no_public_page_does(app):
    """Walk the URL map: staff pages (behind a role) count, the rest never does."""
    with app.test_request_context():
        from consult.staff.views import counts_as_activity

        for rule in app.url_map.iter_rules():
            view = app.view_functions[rule.endpoint]
            is_staff = rule.rule.startswith("/staff/") and rule.endpoint not in PUBLIC_STAFF_PAGES
            if is_staff:
                assert getattr(view, "required_roles", None), f"{rule.rule} has no role check"
            method = "GET" if "GET" in rule.methods else "POST"
            with app.test_request_context(
                rule.rule.replace("<", "").replace(">", ""), method=method
            ) as context:
                context.request.url_rule = rule
                context.request.view_args = {}
                context.request.endpoint  # noqa: B018
                assert counts_as_activity() == is_staff, rule.rule


def test_a_password_change_ends_the_other_sessions_only(app, staff):
    email = staff("analyst")
    mine, other = app.test_client(), app.test_client()
    sign_in(mine, email)
    other_cookie = sign_in(other, email)
    form = mine.get("/staff/account/password").get_data(as_text=True)
    done = mine.post(
        "/staff/account/password",
        data={
            "csrf_token": csrf_token(form),
            "current_password": STAFF_PASSWORD,
            "new_password": "plum-orbit-canyon-ledger",
            "confirm_password": "plum-orbit-canyon-ledger",
        },
    )
    assert done.status_code == 302
    assert mine.get("/staff/").status_code == 200
    assert replay(app, other_cookie).status_code == 302


def test_an_admin_signs_an_account_out_everywhere(app, login, staff):
    email = staff("analyst")
    victim = app.test_client()
    cookie = sign_in(victim, email)
    admin = app.test_client()
    login(admin, "admin")
    from consult.staff.models import User

    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == email))
    page = admin.get(f"/staff/users/{user_id}").get_data(as_text=True)
    assert "Sign out everywhere" in page
    reply = admin.post(f"/staff/users/{user_id}/sign-out", data={"csrf_token": csrf_token(page)})
    assert reply.status_code == 302
    assert replay(app, cookie).status_code == 302
    assert admin.get("/staff/").status_code == 200
