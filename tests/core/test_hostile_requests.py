"""Walk the URL map with hostile values: every path variable, every known query argument and a
form full of control characters, anonymous and as an admin. Nothing answers 5xx, every answer
carries the security headers, and pages with personal data or secret links are never cached."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from consult.security import SECURITY_HEADERS, is_private_rule

#: Hostile values for <int:...> variables (a 404 is expected: the converter refuses them).
HOSTILE_INTS = ["99999999999999999999", "2147483648", "-1", "١٢", "²", "1e3", "0x1f", "0"]
#: Hostile values for string variables (already URL-quoted).
HOSTILE_STRINGS = ["%00", "a%00b", "%C0%80", "%E2%80%AE", "x" * 300, "..", "%25", "%0d%0a"]
#: Every query argument a view reads, and names colliding with url_for's keywords.
QUERY_NAMES = [
    "page", "snapshot", "compare", "from", "to", "question", "questionnaire", "part", "value",
    "theme", "breakdown", "format", "q", "article", "kind", "region", "type", "language",
    "respondent_type", "show", "action", "source", "sent", "next", "lang", "_external",
    "_anchor", "_method", "_scheme", "endpoint", "values", "token", "key", "section_key",
]  # fmt: skip
HOSTILE_QUERY_VALUES = [
    "%00", "99999999999999999999", "-5", "١٢", "9999-12-31", "0001-01-01", "2022-02-30",
    "x" * 2000, "%E2%80%AE", "javascript:alert(1)", "1", "",
]  # fmt: skip
#: What a hostile form holds in every field: control characters, huge numbers, odd Unicode.
HOSTILE_FORM_VALUE = "\x00=1+1\x07\u202e" + "١٢"


def _fill(rule, value_for) -> str:
    path = rule.rule
    for converter in re.findall(r"<([^>]+)>", rule.rule):
        kind, _sep, name = converter.rpartition(":")
        path = path.replace(f"<{converter}>", value_for(kind or "string", name), 1)
    return path


def _assert_fine(reply, what: str) -> None:
    assert reply.status_code < 500, (what, reply.status_code)
    for name, _value in SECURITY_HEADERS:
        assert reply.headers.get(name), (what, name)


def _rules(app: Flask):
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


@pytest.fixture
def walker(app: Flask, login) -> list[FlaskClient]:
    admin = login(app.test_client(), "admin")
    app.config["WTF_CSRF_ENABLED"] = False
    return [app.test_client(), admin]


def test_hostile_path_values_never_give_5xx(app, walker):
    for client in walker:
        for rule in _rules(app):
            if not rule.arguments:
                continue
            for n in range(len(HOSTILE_INTS)):

                def value_for(kind, name, n=n):
                    if kind == "int":
                        return HOSTILE_INTS[n]
                    if kind == "path":
                        return "x"
                    return HOSTILE_STRINGS[n % len(HOSTILE_STRINGS)]

                path = _fill(rule, value_for)
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    reply = client.open(path, method=method, data={"text": HOSTILE_FORM_VALUE})
                    _assert_fine(reply, f"{method} {path}")


def test_hostile_query_arguments_never_give_5xx(app, walker, respondent_factory):
    respondent = respondent_factory(walker[0])
    token = respondent.start()

    def value_for(kind, name):
        return "1" if kind == "int" else token if name == "token" else "local-governments"

    for client in walker:
        for rule in _rules(app):
            if "GET" not in rule.methods:
                continue
            path = _fill(rule, value_for)
            for value in HOSTILE_QUERY_VALUES:
                query = "&".join(f"{name}={value}" for name in QUERY_NAMES)
                reply = client.get(f"{path}?{query}")
                _assert_fine(reply, f"GET {path}?...={value[:20]}")


def test_hostile_forms_never_give_5xx(app, walker, respondent_factory):
    """Every POST route gets every field name a form of ours uses, each with control
    characters; on PostgreSQL a NUL reaching the database would be a 500."""
    from consult.questionnaires.registry import current_questionnaires

    respondent = respondent_factory(walker[0])
    token = respondent.start()
    with app.app_context():
        names = {
            q.key
            for questionnaire in current_questionnaires().values()
            for q in questionnaire.questions
        }
    names |= {
        "text", "name", "email", "organisation_name", "signature", "comment", "reason", "note",
        "label", "password", "current_password", "new_password", "confirm_password", "role",
        "country", "region", "language", "kind", "article", "part", "timezone", "as_of",
        "position", "contribution_id", "response_id", "question", "ids", "one", "action",
        "contact.name", "contact.email", "contact.job_title", "contact.consent", "next",
    }  # fmt: skip
    form = {name: HOSTILE_FORM_VALUE for name in names}

    def value_for(kind, name):
        return "1" if kind == "int" else token if name == "token" else "local-governments"

    for client in walker:
        for rule in _rules(app):
            if "POST" not in rule.methods or rule.endpoint == "staff.logout":
                continue
            path = _fill(rule, value_for)
            _assert_fine(client.post(path, data=form), f"POST {path}")


def test_every_private_page_is_no_store_and_the_rule_covers_what_it_must(app, walker):
    private = {r.endpoint for r in _rules(app) if is_private_rule(r)}
    # Every staff page, every secret link, and the POSTs that answer with one.
    assert {r.endpoint for r in _rules(app) if r.rule.startswith("/staff")} <= private
    assert {
        "questionnaires.resume",
        "questionnaires.page",
        "questionnaires.review",
        "questionnaires.receipt",
        "questionnaires.autosave",
        "questionnaires.start",
        "contributions.status",
        "contributions.withdraw",
        "contributions.new",
        "invitations.open_invitation",
        "staff.invitation_links",
    } <= private
    assert not {"core.landing", "charter.index", "contributions.index", "outcomes_public.index"} & (
        private
    )
    for client in walker:
        for rule in _rules(app):
            path = _fill(rule, lambda kind, name: "1" if kind == "int" else "x")
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                reply = client.open(path, method=method)
                if is_private_rule(rule):
                    assert reply.headers.get("Cache-Control") == "no-store", (method, path)


def test_error_pages_and_static_files_carry_the_headers(app):
    client = app.test_client()
    for reply in (
        client.get("/no/such/page"),
        client.delete("/"),
        client.get("/static/no-such-file.css"),
        client.get("/static/" + quote("css/site.css")),
        client.post("/contributions/new", data="x" * (app.config["MAX_CONTENT_LENGTH"] + 1)),
    ):
        _assert_fine(reply, reply.request.path)


def test_a_failing_error_page_falls_back_to_a_static_page_with_the_headers(app, monkeypatch):
    import consult.core.errors as errors

    def broken(*_args, **_kwargs):
        raise RuntimeError("the template engine broke")

    monkeypatch.setattr(errors, "render_template", broken)
    reply = app.test_client().get("/no/such/page")
    assert reply.status_code == 404
    assert b"Something went wrong" in reply.data
    _assert_fine(reply, "fallback")


def test_an_exception_escaping_flask_gets_the_static_page_with_the_headers(app, monkeypatch):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/_boom")
    def boom():
        raise RuntimeError("boom")

    def also_broken(*_args, **_kwargs):
        raise RuntimeError("the 500 page broke too")

    # The 500 handler itself raises: Flask gives up, the middleware answers.
    app.error_handler_spec[None][500] = {RuntimeError: also_broken, Exception: also_broken}
    app.error_handler_spec[None][None] = {Exception: also_broken}
    reply = app.test_client().get("/_boom")
    assert reply.status_code == 500
    assert b"Something went wrong" in reply.data
    for name, _value in SECURITY_HEADERS:
        assert reply.headers.get(name), name
