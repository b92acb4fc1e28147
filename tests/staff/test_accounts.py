"""Staff accounts: sign-in, roles on the server, the command line, the first admin."""

from __future__ import annotations

import re

from tests.conftest import STAFF_PASSWORD, csrf_token


def test_workspace_needs_a_login(client):
    reply = client.get("/staff/")
    assert reply.status_code == 302 and "/staff/login" in reply.location


def test_login_then_home(client, login):
    login(client, "analyst")
    page = client.get("/staff/").get_data(as_text=True)
    assert "Signed in as analyst-" in page


def test_wrong_password_and_unknown_email_get_the_same_answer(client, staff):
    email = staff("moderator")
    page = client.get("/staff/login").get_data(as_text=True)
    wrong = client.post(
        "/staff/login",
        data={"csrf_token": csrf_token(page), "email": email, "password": "not-the-password"},
    )
    unknown = client.post(
        "/staff/login",
        data={
            "csrf_token": csrf_token(page),
            "email": "nobody@cisdp.test",
            "password": STAFF_PASSWORD,
        },
    )
    assert wrong.status_code == unknown.status_code == 200
    assert "E-mail or password is not right." in wrong.get_data(as_text=True)
    # CSRF tokens carry a timestamp: two pages a second apart differ there and nowhere else.
    assert _without_csrf(wrong.get_data(as_text=True)) == _without_csrf(
        unknown.get_data(as_text=True).replace('value="nobody@cisdp.test"', f'value="{email}"')
    )


def _without_csrf(html: str) -> str:
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1", html)


def test_login_refuses_an_open_redirect(client, staff):
    email = staff("analyst")
    page = client.get("/staff/login?next=//evil.example/").get_data(as_text=True)
    reply = client.post(
        "/staff/login",
        data={
            "csrf_token": csrf_token(page),
            "email": email,
            "password": STAFF_PASSWORD,
            "next": "//evil.example/",
        },
    )
    assert reply.status_code == 302 and reply.location == "/staff/"


def test_cli_creates_lists_and_disables(app, runner):
    created = runner.invoke(
        args=["user", "create", "Ana@UCLG.org", "--role", "analyst", "--password-stdin"],
        input="correct-horse-battery\n",
    )
    assert created.exit_code == 0, created.output
    listed = runner.invoke(args=["user", "list"])
    assert "ana@uclg.org\tanalyst\tenabled" in listed.output
    short = runner.invoke(
        args=["user", "create", "b@uclg.org", "--role", "admin", "--password-stdin"],
        input="short\n",
    )
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    disabled = runner.invoke(args=["user", "disable", "ana@uclg.org"])
    assert disabled.exit_code == 0
    assert "ana@uclg.org\tanalyst\tdisabled" in runner.invoke(args=["user", "list"]).output


def test_disabling_ends_the_session(app, client, login, runner):
    login(client, "moderator")
    email = f"moderator-{id(client)}@cisdp.test"
    assert client.get("/staff/").status_code == 200
    runner.invoke(args=["user", "disable", email])
    assert client.get("/staff/").status_code == 302


def test_init_creates_the_first_admin_once(make_app):
    app = make_app()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["init"])
    # make_app already ran init once, which created the admin: a second init says nothing of it
    assert "password" not in first.output
    listed = runner.invoke(args=["user", "list"])
    assert "first-admin@cisdp.test\tadmin\tenabled" in listed.output


import pytest  # noqa: E402


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/staff",
        "/\\evil.example",
        "javascript:alert(1)",
        "/staff/%0d%0aLocation:%20https://evil.example",
        "\t//evil.example",
    ],
)
def test_login_refuses_every_kind_of_offsite_next(client, staff, target):
    email = staff("analyst")
    page = client.get("/staff/login").get_data(as_text=True)
    reply = client.post(
        "/staff/login",
        data={
            "csrf_token": csrf_token(page),
            "email": email,
            "password": STAFF_PASSWORD,
            "next": target,
        },
    )
    assert reply.status_code == 302
    assert reply.location.startswith("/") and not reply.location.startswith("//")
    assert "evil.example" not in reply.location.split("?")[0].split("/staff")[0]


def test_login_follows_a_next_on_this_site(client, staff):
    email = staff("analyst")
    page = client.get("/staff/login?next=/staff/dashboard").get_data(as_text=True)
    reply = client.post(
        "/staff/login",
        data={
            "csrf_token": csrf_token(page),
            "email": email,
            "password": STAFF_PASSWORD,
            "next": "/staff/dashboard",
        },
    )
    assert reply.location == "/staff/dashboard"
