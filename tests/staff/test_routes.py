"""Every staff route with each role and without a login; CSRF refused on every staff form."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from consult.staff.access import ROLES
from tests.conftest import csrf_token

#: Endpoint -> roles that may use it (admins may use everything).
ALLOWED = {
    "staff.login": None,  # public
    "staff.logout": ROLES,
    "staff.home": ROLES,
    "staff.change_password": ROLES,
    "staff.kept_form": ROLES,
    "staff.dashboard_page": ROLES,
    "staff.coverage": ROLES,
    "staff.users": ("admin",),
    "staff.user_detail": ("admin",),
    "staff.user_role": ("admin",),
    "staff.user_status": ("admin",),
    "staff.user_reset_password": ("admin",),
    "staff.user_unlock": ("admin",),
    "staff.user_sign_out": ("admin",),
    "staff.audit_log": ("admin",),
    "staff.regions_page": ("admin",),
    "staff.region_reset": ("admin",),
    "staff.invitations_page": ("admin", "analyst"),
    "staff.invitation_links": ("admin", "analyst"),
    "staff.invitation_new_link": ("admin",),
    "staff.exports": ("admin", "analyst"),
    "staff.export_job": ("admin", "analyst"),
    "staff.export_download": ("admin", "analyst"),
    "staff.export_contributions": ("admin", "analyst"),
    "moderation.queue": ("moderator",),
    "moderation.act": ("moderator",),
    "moderation.act_on_reply": ("moderator",),
    "moderation.contribution": ("moderator",),
    "moderation.respond": ("moderator",),
    "moderation.log": ("moderator",),
    "outcomes.summary": ("analyst",),
    "outcomes.rows": ("analyst",),
    "outcomes.snapshots": ("analyst",),
    "outcomes.freeze": ("analyst",),
    "outcomes.snapshot": ("analyst",),
    "outcomes.snapshot_json": ("analyst",),
    "outcomes.publish": ("admin",),
    "outcomes.withdraw": ("admin",),
    "outcomes.deck": ("analyst",),
    "outcomes.quotes": ("analyst",),
    "outcomes.star": ("analyst",),
    "outcomes.unstar": ("analyst",),
    "outcomes.deck_position": ("analyst",),
    "outcomes.publishers": ("admin",),
    "outcomes.figure": ("analyst",),
    "outcomes.crosstab_page": ("analyst",),
    "outcomes.dashboard": ("analyst",),
    "mail.outbox": ("admin",),
    "mail.message_file": ("admin",),
    "mail.message_html": ("admin",),
    "mail.message_raw": ("admin",),
    "mail.invitations_page": ("admin", "analyst"),
    "mail.template": ("admin", "analyst"),
    "mail.invite_staff": ("admin",),
    "mail.digest_settings": ("moderator",),
    "mail.forgot_password": None,  # public
    "mail.set_password": None,  # public: the link is the credential
    "outcomes_deck.settings": ("analyst",),
    "outcomes_deck.presenter": ("analyst",),
    "outcomes_deck.pptx": ("analyst",),
    "outcomes_deck.pdf": ("analyst",),
    "campaign_staff.queue": ("moderator",),
    "campaign_staff.pledge": ("moderator",),
    "campaign_staff.decide": ("moderator",),
    "campaign_staff.pioneer": ("moderator",),
    "campaign_staff.new_link": ("moderator",),
    "campaign_staff.letter": ("moderator",),
    "campaign_staff.paper": ("moderator",),
    "campaign_staff.paper_post": ("moderator",),
    "campaign_staff.options": ("moderator",),
    "campaign_staff.option_add": ("moderator",),
    "campaign_staff.option_edit": ("moderator",),
    "campaign_staff.due": ("moderator",),
}


def staff_rules(app: Flask):
    """Every URL rule under /staff, with sample arguments filled in."""
    samples = {
        "user_id": "1",
        "job_id": "1",
        "part": "0",
        "country": "FR",
        "contribution_id": "1",
        "snapshot_id": "1",
        "quote_id": "1",
        "fmt": "svg",
        "name": "20261203-080000-00000001-test.eml",
        "kind": "invitation",
        "language": "fr",
        "token": "not-a-token",
        "invitation_id": "1",
        "pledge_id": "1",
        "letter_id": "1",
        "option_id": "1",
    }
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/staff"):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:\w+:)?{name}>", samples[name], path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, path


def test_the_table_lists_every_staff_route(app):
    assert {endpoint for endpoint, _m, _p in staff_rules(app)} == set(ALLOWED)


@pytest.mark.parametrize("role", [None, *ROLES])
def test_every_staff_route_checks_the_role(app, login, role):
    client = app.test_client()
    if role:
        login(client, role)
    # a valid token, so that a refusal comes from the role check and not from CSRF
    token = csrf_token(client.get("/staff/login").get_data(as_text=True))
    for endpoint, method, path in staff_rules(app):
        if endpoint == "staff.logout":
            continue  # would end the session the loop relies on; checked below
        data = {"csrf_token": token} if method == "POST" else None
        reply = client.open(path, method=method, data=data)
        allowed = ALLOWED[endpoint]
        where = f"{method} {path} as {role}"
        if allowed is None:
            assert reply.status_code in (200, 302, 400, 422), where  # 422: an empty form refused
        elif role is None:
            assert reply.status_code == 302 and "/staff/login" in reply.location, where
        elif role == "admin" or role in allowed:
            # allowed: the page answers (a sample id may not exist, a bare POST may be refused)
            assert reply.status_code in (200, 302, 303, 400, 404, 409, 422), where
        else:
            assert reply.status_code == 403, where
    reply = client.post("/staff/logout", data={"csrf_token": token})
    assert reply.status_code == 302
    if role:
        assert "/staff/login" not in reply.location
        assert client.get("/staff/").status_code == 302  # signed out


def test_every_staff_form_refuses_a_post_without_csrf_token(app, login):
    """With CSRF protection on, a POST without a token is refused (400) on every staff route."""
    client = app.test_client()
    login(client, "admin")
    for endpoint, method, path in staff_rules(app):
        if method != "POST":
            continue
        reply = client.post(path, data={"email": "x@y.z", "role": "analyst"})
        assert reply.status_code == 400, f"{endpoint} accepted a POST without a CSRF token"
    # the session is intact: nothing was done
    assert client.get("/staff/").status_code == 200


def test_public_invitation_start_needs_csrf(app):
    reply = app.test_client().post("/i/anything.invalid")
    assert reply.status_code == 400
