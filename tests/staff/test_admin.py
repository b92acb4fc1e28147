"""Admin pages: accounts (create, role, disable/enable, reset), the audit log, regions."""

from __future__ import annotations

import re

from sqlalchemy import select

from consult.db import db
from consult.staff.models import AuditEntry, User
from tests.conftest import STAFF_PASSWORD, csrf_token, form_versions


def user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def post(client, path: str, **data):
    token = csrf_token(client.get("/staff/account/password").get_data(as_text=True))
    if path.endswith(("/role", "/status")):  # forms drawn from the account's page
        data = {**form_versions(client, path.rsplit("/", 1)[0], action=path), **data}
    return client.post(path, data={"csrf_token": token, **data})


def test_admin_creates_an_account_with_the_policy(app, login):
    client = app.test_client()
    login(client, "admin")
    weak = post(
        client, "/staff/users", email="new@uclg.org", role="analyst", password="qwerty123456"
    )
    assert "among the most common" in weak.get_data(as_text=True)
    made = post(
        client, "/staff/users", email="new@uclg.org", role="analyst", password="plum-orbit-canyon"
    )
    assert made.status_code == 302
    assert "new@uclg.org" in client.get("/staff/users").get_data(as_text=True)
    again = post(
        client, "/staff/users", email="NEW@uclg.org", role="admin", password="plum-orbit-canyon"
    )
    assert "already has an account" in again.get_data(as_text=True)
    # the first admin, created (and audited) by `consult init`, and this one
    assert actions(app).count("user.created") == 2


def test_role_change_takes_effect_at_once(app, login, staff):
    admin = app.test_client()
    login(admin, "admin")
    email = staff("analyst")
    analyst = app.test_client()
    page = analyst.get("/staff/login").get_data(as_text=True)
    analyst.post(
        "/staff/login",
        data={"csrf_token": csrf_token(page), "email": email, "password": STAFF_PASSWORD},
    )
    assert analyst.get("/staff/exports").status_code == 200
    uid = user_id(app, email)
    assert post(admin, f"/staff/users/{uid}/role", role="moderator").status_code == 302
    assert analyst.get("/staff/exports").status_code == 302, "signed out: role changed"
    with app.app_context():
        assert db.session.get(User, uid).role == "moderator"
    assert "user.role_changed" in actions(app)


def test_disable_enable_and_reset(app, login, staff):
    admin = app.test_client()
    login(admin, "admin")
    email = staff("moderator")
    uid = user_id(app, email)
    post(admin, f"/staff/users/{uid}/status")
    with app.app_context():
        assert not db.session.get(User, uid).is_enabled
    post(admin, f"/staff/users/{uid}/status")
    with app.app_context():
        assert db.session.get(User, uid).is_enabled
    reset = post(admin, f"/staff/users/{uid}/reset-password")
    assert reset.headers["Cache-Control"] == "no-store"
    new_password = re.search(r"<code>([^<]+)</code>", reset.get_data(as_text=True)).group(1)
    client = app.test_client()
    page = client.get("/staff/login").get_data(as_text=True)
    ok = client.post(
        "/staff/login",
        data={"csrf_token": csrf_token(page), "email": email, "password": new_password},
    )
    assert ok.status_code == 302
    assert actions(app)[-4:-1] == ["user.disabled", "user.enabled", "user.password_reset"]


def test_the_last_admin_keeps_the_role(app, login):
    admin = app.test_client()
    login(admin, "admin")
    with app.app_context():
        # `consult init` made first-admin@cisdp.test: disable it so that one admin is left
        first = db.session.scalar(select(User).where(User.email == "first-admin@cisdp.test"))
        first.is_enabled = False
        db.commit()
    me = user_id(app, f"admin-{id(admin)}@cisdp.test")
    refused = post(admin, f"/staff/users/{me}/role", role="analyst")
    assert refused.status_code == 302
    with app.app_context():
        assert db.session.get(User, me).role == "admin"
    post(admin, f"/staff/users/{me}/status")
    with app.app_context():
        assert db.session.get(User, me).is_enabled


def test_audit_log_page_filters_and_pages(app, login, staff):
    admin = app.test_client()
    login(admin, "admin")
    from consult.staff import audit

    with app.app_context():
        for n in range(120):
            audit.record(db.session, None, "login.failure", target=f"guess{n}@x.org", ip="10.0.0.1")
        audit.record(db.session, None, "region.changed", target="<script>alert(1)</script>")
        db.commit()
    page = admin.get("/staff/audit?action=login.failure").get_data(as_text=True)
    assert (
        "120 entries" in page and "guess119@x.org" in page and "region.changed</code>" not in page
    )
    second = admin.get("/staff/audit?action=login.failure&page=3").get_data(as_text=True)
    assert "guess0@x.org" in second and "Page 3 of 3" in second
    everything = admin.get("/staff/audit").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in everything
    assert "<script>alert(1)" not in everything


def test_region_corrections_feed_the_questionnaire(app, login, respondent):
    admin = app.test_client()
    login(admin, "admin")
    changed = post(admin, "/staff/regions", country="MX", region="north_america")
    assert changed.status_code == 302
    page = admin.get("/staff/regions?region=north_america").get_data(as_text=True)
    assert "Mexico" in page and "corrected" in page
    # a respondent picking Mexico now gets North America pre-filled
    respondent.start()
    reply = respondent.save(
        "profile",
        {
            "q.institution_name": "Ciudad de México",
            "q.country": "MX",
            "q.institution_type": "metropolis",
        },
    )
    assert reply.status_code == 303, reply.get_data(as_text=True)
    from consult.questionnaires.models import Response

    with app.app_context():
        assert db.session.scalar(select(Response.region)) == "north_america"
    post(admin, "/staff/regions/MX/reset")
    assert (
        "corrected"
        not in admin.get("/staff/regions?region=north_america")
        .get_data(as_text=True)
        .split("<tbody>")[1]
        .split("Mexico")[0][-200:]
    )
    assert actions(app)[-2:] == ["region.changed", "region.reset"]
