"""A staff form sent after its session ended loses nothing and leads to no dead end.

Every staff post (walked from the URL map) x every way a session ends (inactivity, an admin's
"Sign out everywhere", a password changed elsewhere): the post is sent to the sign-in (never a
405 or 500), what it carried comes back after signing in again as the same account, with one
"Send again", and never for another account. A sign-in's "next" naming a post-only address
lands on a page that answers GET.
"""

from __future__ import annotations

import itertools
import re
from datetime import timedelta
from html import unescape

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.routing.converters import NumberConverter

from consult.db import db, utcnow, writing
from consult.staff import operations, sessions
from consult.staff.models import User
from tests.conftest import STAFF_PASSWORD, csrf_token

#: Staff posts whose form is not kept, and why (each still lands on a page, never a 405).
NOT_KEPT = {
    "staff.logout": "signing out means to leave: nothing to send again",
    "staff.change_password": "a password form: passwords are typed again, never stored",
}
NEW_PASSWORD = "another-long-test-password"
#: Each change needs a password different from the current one.
CHANGES = itertools.count()
TYPED = "Our official answer: the right to housing comes first. Ñandú ça."


def staff_posts(app: Flask) -> list[tuple[str, str]]:
    """Every staff route that takes a post, as (endpoint, an address of it)."""
    found = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if "POST" not in rule.methods or getattr(view, "required_roles", None) is None:
            continue
        values = {
            name: 1 if isinstance(converter, NumberConverter) else "FR"
            for name, converter in rule._converters.items()
        }
        if rule.endpoint == "mail.template":
            values = {"kind": "invitation", "language": "en"}
        path = rule.build(values, append_unknown=False)[1]
        found.append((rule.endpoint, path))
    return sorted(found)


def _app_for_listing() -> Flask:
    import tempfile
    from pathlib import Path

    from consult import create_app
    from tests.conftest import base_config

    return create_app(base_config(Path(tempfile.mkdtemp())))


STAFF_POSTS = staff_posts(_app_for_listing())
KEPT_POSTS = [(endpoint, path) for endpoint, path in STAFF_POSTS if endpoint not in NOT_KEPT]


def sign_in(client, email: str, password: str = STAFF_PASSWORD, next_page: str | None = None):
    query = f"?next={next_page}" if next_page else ""
    page = client.get(f"/staff/login{query}").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "email": email, "password": password}
    if next_page:
        data["next"] = next_page
    reply = client.post(f"/staff/login{query}", data=data)
    assert reply.status_code == 302, reply.get_data(as_text=True)
    return reply


def _user(app: Flask, email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def end_session(app: Flask, email: str, kind: str, monkeypatch, password: str) -> str:
    """End the account's session the way ``kind`` says; return its password afterwards."""
    if kind == "idle":
        later = utcnow() + timedelta(seconds=app.config["STAFF_INACTIVITY_TIMEOUT"] + 60)
        monkeypatch.setattr(sessions, "now", lambda: later)
        return password
    with app.app_context(), writing():
        user = _user(app, email)
        if kind == "everywhere":
            sessions.end_all(db.session, user, "revoked")
        else:
            password = f"{NEW_PASSWORD}-{next(CHANGES)}"
            operations.change_password(db.session, user, password)
        db.commit()
    return password


def fields_for(page: str) -> dict[str, str]:
    return {"csrf_token": csrf_token(page), "text": TYPED, "language": "en", "version": "v1"}


HIDDEN_RE = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def follow_to_page(client, reply):
    """Follow redirects by GET, as a browser does; return the last reply."""
    for _hop in range(5):
        if reply.status_code not in (301, 302, 303, 307, 308):
            return reply
        reply = client.get(reply.location)
    return reply


KINDS = ["idle", "everywhere", "password"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_staff_form_sent_after_the_session_ended_comes_back_after_signing_in(
    app, staff, monkeypatch, kind
):
    email, password = staff("admin"), STAFF_PASSWORD
    failures = []
    for endpoint, path in KEPT_POSTS:
        client = app.test_client()
        sign_in(client, email, password)
        page = client.get("/staff/").get_data(as_text=True)
        password = end_session(app, email, kind, monkeypatch, password)
        try:
            _sent_after_the_end_comes_back(client, email, password, path, page, monkeypatch)
        except AssertionError as failure:
            failures.append((endpoint, str(failure)))
        monkeypatch.setattr(sessions, "now", utcnow)
    assert not failures


def _sent_after_the_end_comes_back(client, email, password, path, page, monkeypatch):
    sent = client.post(path, data=fields_for(page))
    assert sent.status_code == 303, sent.status_code
    assert sent.location.startswith("/staff/login")
    login_page = client.get(sent.location)
    assert login_page.status_code == 200
    assert "sign in again to see it" in login_page.get_data(as_text=True)
    monkeypatch.setattr(sessions, "now", utcnow)  # the person is back
    back = follow_to_page(client, sign_in(client, email, password, _next_of(sent.location)))
    html = back.get_data(as_text=True)
    assert back.status_code == 200, back.status_code
    assert TYPED in unescape(html)
    assert "Send again" in html
    form = html[html.index('<form method="post" action="') :]
    assert form.startswith(f'<form method="post" action="{path}"')
    resent = dict(HIDDEN_RE.findall(form[: form.index("</form>")]))
    assert unescape(resent["text"]) == TYPED and resent["version"] == "v1"
    # Shown once: the page is not kept any more.
    again = client.get("/staff/kept-form")
    assert again.status_code == 302 and TYPED not in again.get_data(as_text=True)


def _next_of(location: str) -> str | None:
    from urllib.parse import parse_qs, urlsplit

    return (parse_qs(urlsplit(location).query).get("next") or [None])[0]


@pytest.mark.parametrize("kind", KINDS)
def test_another_account_signing_in_never_sees_what_was_kept(app, staff, monkeypatch, kind):
    email, other = staff("admin"), staff("admin", "second-admin@cisdp.test")
    client = app.test_client()
    sign_in(client, email)
    page = client.get("/staff/").get_data(as_text=True)
    password = end_session(app, email, kind, monkeypatch, STAFF_PASSWORD)
    path = "/staff/moderation/1/response"
    assert client.post(path, data=fields_for(page)).status_code == 303
    monkeypatch.setattr(sessions, "now", utcnow)

    shown = follow_to_page(client, sign_in(client, other, next_page="/staff/moderation/1"))
    assert TYPED not in unescape(shown.get_data(as_text=True))
    assert client.get("/staff/kept-form").status_code == 302
    # And it is gone for good: its own account signing in later finds nothing either.
    client.post("/staff/logout", data={"csrf_token": csrf_token(client.get("/staff/").text)})
    later = follow_to_page(client, sign_in(client, email, password))
    assert TYPED not in unescape(later.get_data(as_text=True))


@pytest.mark.parametrize("kind", KINDS)
def test_posts_not_kept_still_land_on_a_page(app, staff, monkeypatch, kind):
    email, password = staff("admin"), STAFF_PASSWORD
    for endpoint in sorted(NOT_KEPT):
        client = app.test_client()
        sign_in(client, email, password)
        page = client.get("/staff/").get_data(as_text=True)
        password = end_session(app, email, kind, monkeypatch, password)
        sent = client.post(
            dict(STAFF_POSTS)[endpoint],
            data={"csrf_token": csrf_token(page), "current_password": "x"},
        )
        assert sent.status_code == 303 and sent.location.startswith("/staff/login"), endpoint
        monkeypatch.setattr(sessions, "now", utcnow)
        back = follow_to_page(client, sign_in(client, email, password, _next_of(sent.location)))
        assert back.status_code == 200, endpoint
        assert "Send again" not in back.get_data(as_text=True)


def test_a_sign_in_whose_next_is_post_only_lands_on_a_page(app, staff):
    email = staff("admin")
    landed_on = {}
    for endpoint, path in STAFF_POSTS:
        client = app.test_client()
        landed = follow_to_page(client, sign_in(client, email, next_page=path))
        landed_on[endpoint] = (landed.status_code, landed.request.method)
    # A page (its thing, numbered 1 here, may not exist: 404), never "cannot be used that way".
    wrong = {endpoint: got for endpoint, got in landed_on.items() if got[0] not in (200, 404)}
    assert not wrong and len(landed_on) == len(STAFF_POSTS) > 30


def test_the_official_response_form_signs_in_to_its_contribution_page(app, staff):
    from tests.mail.test_contributors import make_contribution

    contribution_id = make_contribution(app)
    client = app.test_client()
    page = f"/staff/moderation/{contribution_id}"
    reply = sign_in(client, staff("moderator"), next_page=f"{page}/response")
    assert reply.location == page
    assert client.get(page).status_code == 200


def test_a_kept_form_is_checked_again_for_the_role_it_is_sent_with(app, staff):
    """A moderator made analyst meanwhile sees the text again, but sending it is refused."""
    from tests.mail.test_contributors import make_contribution

    contribution_id = make_contribution(app)
    email = staff("moderator")
    client = app.test_client()
    sign_in(client, email)
    path = f"/staff/moderation/{contribution_id}"
    page = client.get(path).get_data(as_text=True)
    with app.app_context(), writing():
        operations.change_role(db.session, _user(app, email), "analyst")
        db.commit()
    sent = client.post(f"{path}/response", data=fields_for(page))
    assert sent.status_code == 303
    shown = follow_to_page(client, sign_in(client, email, next_page=_next_of(sent.location)))
    html = shown.get_data(as_text=True)
    assert TYPED in unescape(html)
    form = html[html.index('<form method="post" action="') :]
    resent = client.post(f"{path}/response", data=dict(HIDDEN_RE.findall(form)))
    assert resent.status_code == 403
    with app.app_context():
        from consult.contributions.models import OfficialResponse

        assert db.session.scalar(select(OfficialResponse)) is None


def test_a_form_sent_before_a_one_time_password_is_replaced_comes_back_after(app):
    """Sent from a session still on a one-time password: kept, and shown once it is replaced."""
    with app.app_context(), writing():
        operations.create_user(db.session, "newcomer@cisdp.test", "admin", STAFF_PASSWORD)
        db.commit()
    client = app.test_client()
    sign_in(client, "newcomer@cisdp.test")
    page = client.get("/staff/account/password").get_data(as_text=True)
    sent = client.post("/staff/moderation/1/response", data=fields_for(page))
    assert sent.status_code == 303 and _next_of(sent.location) == "/staff/kept-form"
    changed = client.post(
        sent.location,
        data={
            "csrf_token": csrf_token(page),
            "current_password": STAFF_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
            "next": "/staff/kept-form",
        },
    )
    shown = follow_to_page(client, changed)
    assert shown.request.path == "/staff/kept-form"
    assert TYPED in unescape(shown.get_data(as_text=True))
