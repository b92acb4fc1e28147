"""What every request pays for and a respondent's page save does not need, taken off in the
chokepoints every request goes through, each answer unchanged: the session's copy and its
"Vary: Cookie", the access log's redacted path, the cache policy of a URL rule,
Flask-Limiter's check while limits are off, and the HTML page werkzeug writes into every
redirect."""

from __future__ import annotations

import copy
import secrets
from datetime import UTC, datetime

import flask
import flask_limiter
import pytest
from flask.sessions import SecureCookieSessionInterface
from markupsafe import Markup

from consult import security
from consult.core import requestlog
from consult.core.requestlog import current_log_path, redact_path
from consult.staff import views as staff_views
from consult.staff.views import fresh_copy
from tests.questionnaires.test_respond import PROFILE
from tests.questionnaires.test_save_cost import CHANGED_PROFILE

TOKEN = secrets.token_urlsafe(24)


# -- the session's data, copied without deepcopy ---------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"csrf_token": "921e7d11", "_permanent": True, "_fresh": False, "browser": "Owc"},
        {"nested": {"list": [1, 2.5, None, "x", b"raw"], "tuple": ({"in": ["a"]}, "b")}},
        {"markup": Markup("<b>kept</b>"), "when": datetime(2026, 12, 4, tzinfo=UTC)},
        {"review": {"response": "ab12", "fields": {"name": ["Aïcha"], "email": [""]}}},
    ],
)
def test_a_copy_of_session_data_equals_it_and_shares_nothing_mutable(data):
    copied = fresh_copy(data)
    assert copied == data == copy.deepcopy(data)

    def mutables(value):
        if isinstance(value, dict):
            yield value
            for item in value.values():
                yield from mutables(item)
        elif isinstance(value, list | tuple):
            if isinstance(value, list):
                yield value
            for item in value:
                yield from mutables(item)

    originals = {id(m) for m in mutables(data)}
    assert not originals & {id(m) for m in mutables(copied)}


def test_a_remembered_cookie_is_opened_without_deepcopy(app, respondent, monkeypatch):
    respondent.start()
    assert respondent.save("profile", PROFILE).status_code == 303  # verified and remembered

    def refused(*_args, **_kwargs):
        raise AssertionError("deepcopy of plain session data")

    monkeypatch.setattr(staff_views.copy, "deepcopy", refused)
    assert respondent.save("profile", CHANGED_PROFILE).status_code == 303


# -- an unchanged session: only "Vary: Cookie" -----------------------------------------------------


def test_an_unchanged_session_adds_vary_cookie_and_works_out_no_cookie(
    app, respondent, monkeypatch
):
    respondent.start()
    assert respondent.save("profile", PROFILE).status_code == 303
    asked = []
    for name in ("get_cookie_domain", "get_cookie_path", "get_cookie_samesite"):
        original = getattr(SecureCookieSessionInterface, name)
        monkeypatch.setattr(
            SecureCookieSessionInterface,
            name,
            lambda self, app_, name=name, original=original: (
                asked.append(name) or original(self, app_)
            ),
        )
    reply = respondent.save("profile", CHANGED_PROFILE)
    assert reply.status_code == 303
    assert reply.headers["Vary"] == "Cookie"
    assert not [h for h in reply.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert asked == []


def test_vary_cookie_joins_a_vary_the_view_set(make_app):
    app = make_app()

    @app.get("/varies")
    def varies():
        from flask import session

        session.get("anything")  # read, not changed
        return "ok", 200, {"Vary": "Accept-Language"}

    client = app.test_client()
    client.set_cookie("session", "")  # no session: Flask's own path
    with app.test_request_context():
        from flask import session

        session["seen"] = True
        value = app.session_interface.get_signing_serializer(app).dumps(dict(session))
    client.set_cookie("session", value)
    reply = client.get("/varies")
    assert {v.strip() for v in reply.headers["Vary"].split(",")} == {"Accept-Language", "Cookie"}


# -- the access log's path: redacted once per rule and values not secret ---------------------------


def sample_paths(app):
    """A path of every rule with variables: short values, then token-shaped ones."""
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if not rule.arguments or rule.endpoint == "static":
            continue
        for value in ("profile", TOKEN):
            values = {
                name: 12 if "Integer" in type(rule._converters[name]).__name__ else value
                for name in rule.arguments
            }
            try:
                yield rule, adapter.build(rule.endpoint, values, method=next(iter(rule.methods)))
            except Exception:  # noqa: BLE001, S112 - a converter that refuses the sample: skip it
                continue


def test_the_logged_path_of_every_rule_is_what_redact_path_says(app):
    walked = 0
    for rule, path in sample_paths(app):
        with app.test_request_context(path, method=next(iter(rule.methods))):
            from flask import request

            if request.url_rule is None or request.url_rule.rule != rule.rule:
                continue  # another rule answers this path
            expected = redact_path(request.path, rule.rule, request.view_args)
            assert current_log_path() == expected == current_log_path()
            assert TOKEN not in current_log_path()
            walked += 1
    assert walked > 40


def test_a_page_of_many_links_is_redacted_once(app, respondent_factory, monkeypatch):
    calls = []
    original = requestlog.redact_path
    monkeypatch.setattr(
        requestlog, "redact_path", lambda *args: calls.append(args) or original(*args)
    )
    requestlog._redacted_rule_path.cache_clear()
    for _ in range(3):
        respondent = respondent_factory(app.test_client())
        respondent.start()
        calls.clear()
        assert respondent.save("profile", PROFILE).status_code == 303
        assert respondent.save("profile", CHANGED_PROFILE).status_code == 303
    assert calls == []  # the third link's pages: the same rule and section, already redacted


# -- the cache policy of a rule: decided once per rule ---------------------------------------------


def test_the_cache_policy_of_a_rule_is_decided_once(app, respondent, monkeypatch):
    decided = []
    original = security.is_private_rule
    monkeypatch.setattr(
        security, "is_private_rule", lambda rule: decided.append(rule.rule) or original(rule)
    )
    respondent.start()
    for answers in (PROFILE, CHANGED_PROFILE, PROFILE):
        reply = respondent.save("profile", answers)
        assert reply.status_code == 303 and reply.headers["Cache-Control"] == "no-store"
    assert decided.count("/r/<token>/s/<section_key>") <= 1


# -- Flask-Limiter's check, skipped while limits are off -------------------------------------------


@pytest.mark.parametrize("enabled", [False, True])
def test_the_limit_check_runs_only_when_limits_are_on(
    make_app, respondent_factory, monkeypatch, enabled
):
    app = make_app(RATELIMIT_ENABLED=enabled)
    checked = []
    original = flask_limiter.Limiter._check_request_limit
    monkeypatch.setattr(
        flask_limiter.Limiter,
        "_check_request_limit",
        lambda self, *a, **k: checked.append(1) or original(self, *a, **k),
    )
    respondent = respondent_factory(app.test_client())
    respondent.start()
    checked.clear()
    assert respondent.save("profile", PROFILE).status_code == 303
    assert bool(checked) is enabled


# -- redirects: the Location header, no page naming it ---------------------------------------------


@pytest.mark.parametrize(
    ("location", "sent"),
    [
        ("/r/abc/s/articles", "/r/abc/s/articles"),
        ("/r/abc/review?next=review&saved=1", "/r/abc/review?next=review&saved=1"),
        ("https://consult.example.org/staff/", "https://consult.example.org/staff/"),
        ("/contributions/article/Aïcha", "/contributions/article/A%C3%AFcha"),
        ("/search?q=façade #1", "/search?q=fa%C3%A7ade%20#1"),
    ],
)
@pytest.mark.parametrize("code", [301, 302, 303, 307])
def test_a_redirect_carries_its_location_and_no_body(app, location, sent, code):
    with app.test_request_context("/"):
        reply = flask.redirect(location, code)
    assert reply.status_code == code
    assert reply.headers["Location"] == sent
    assert reply.get_data() == b""


def test_a_page_save_is_redirected_without_a_body(respondent):
    respondent.start()
    reply = respondent.save("profile", PROFILE)
    assert reply.status_code == 303 and "/s/" in reply.location
    assert reply.get_data() == b"" and reply.headers["Content-Length"] == "0"
