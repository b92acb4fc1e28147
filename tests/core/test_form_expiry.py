"""An expired form never loses what was typed (issue 11: nothing typed is ever lost).

A form's CSRF token ends with its session (an idle timeout, a browser restart, a server
restart with a new key). Pages with their own recovery show themselves again filled in; every
other form goes through one chokepoint, ``consult.core.errors.may_resend_after_expiry``: the
typed text comes back on a page whose one button sends it again with a fresh token, for the
site's own pages only (never for a forged cross-site post, never with a password).
"""

from __future__ import annotations

import re

import pytest
from flask import Flask

from consult.core.errors import may_resend_after_expiry
from tests.core.test_leaving_keeps_input import (  # noqa: F401 - samples is a fixture
    PageForm,
    _post_form_pages,
    samples,
)

SAME = {"Sec-Fetch-Site": "same-origin"}


@pytest.mark.parametrize(
    ("method", "form", "headers", "expected"),
    [
        ("POST", {"text": "Housing first"}, SAME, True),
        ("POST", {"text": "Housing first"}, {"Sec-Fetch-Site": "cross-site"}, False),
        ("POST", {"text": "Housing first"}, {"Sec-Fetch-Site": "same-site"}, False),
        ("POST", {"text": "Housing first"}, {"Sec-Fetch-Site": "none"}, False),
        ("POST", {"text": "Housing first"}, {"Origin": "http://localhost"}, True),
        ("POST", {"text": "Housing first"}, {"Origin": "http://localhost:5000"}, True),
        ("POST", {"text": "Housing first"}, {"Origin": "https://evil.example"}, False),
        ("POST", {"text": "Housing first"}, {"Origin": "http://localhost.evil.example"}, False),
        ("POST", {"text": "Housing first"}, {"Origin": "null"}, False),
        ("POST", {"text": "Housing first"}, {}, False),
        ("POST", {"text": "Housing first"}, {**SAME, "Accept": "application/json"}, False),
        ("POST", {"email": "a@example.org", "password": "secret"}, SAME, False),
        ("POST", {"new_password": "secret"}, SAME, False),
        ("POST", {}, SAME, False),
        ("GET", {}, SAME, False),
    ],
)
def test_who_gets_a_send_again_page(app: Flask, method, form, headers, expected):
    with app.test_request_context("/contributions/new", method=method, data=form, headers=headers):
        assert may_resend_after_expiry() is expected


TYPED = "Texte tapé avant l'expiration ✓"


def _expired_post(client, page: PageForm, headers: dict[str, str]):
    field = page.first_text_field()
    data = {**page.data(), field: TYPED, "csrf_token": "expired-token"}
    return client.post(page.action, data=data, headers=headers)


def test_every_form_keeps_its_text_when_it_expired(app: Flask, client, samples):  # noqa: F811
    pages = _post_form_pages(app, client, samples)
    assert len(pages) >= 8
    for endpoint, form_id in pages:
        page = PageForm(client.get(samples[endpoint]).get_data(as_text=True), form_id)
        reply = _expired_post(client, page, SAME)
        body = reply.get_data(as_text=True)
        assert TYPED in body.replace("&#39;", "'"), endpoint
        resend = re.search(r'<form method="post" action="([^"]+)">', body)
        if resend is None or "This form expired" not in body:
            # A page with its own recovery: shown again filled in.
            assert reply.status_code in (200, 400, 422), endpoint
            continue
        # The chokepoint's page: one press sends everything again, with a fresh token.
        assert reply.status_code == 400 and reply.headers["Cache-Control"] == "no-store"
        assert resend.group(1) == page.action, endpoint
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', body))
        assert fields["csrf_token"] not in ("", "expired-token"), endpoint
        again = client.post(resend.group(1), data=fields, headers=SAME)
        assert "This form expired" not in again.get_data(as_text=True), endpoint
        assert again.status_code in (200, 302, 303, 422), (endpoint, again.status_code)


def test_a_forged_cross_site_post_is_never_shown_back(app: Flask, client, samples):  # noqa: F811
    from consult.core.requestlog import is_secret_variable

    secret = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if any(map(is_secret_variable, rule.arguments))
    }
    public = [(e, f) for e, f in _post_form_pages(app, client, samples) if e not in secret]
    assert {"contributions.new", "campaign.join", "mail.lost_link"} <= {e for e, _f in public}
    for endpoint, form_id in public:
        # (A page at a personal link's address may come back filled in: a forger cannot know it.)
        page = PageForm(client.get(samples[endpoint]).get_data(as_text=True), form_id)
        for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}, {}):
            reply = _expired_post(client, page, headers)
            body = reply.get_data(as_text=True)
            if "This form expired" in body or reply.status_code == 400:
                assert TYPED not in body.replace("&#39;", "'"), (endpoint, headers)
