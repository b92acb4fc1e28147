"""Exports from the workspace: background job, download, roles, personal data, audit."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from sqlalchemy import select

from consult.db import db
from consult.staff.exporting import wait_for_jobs
from consult.staff.models import AuditEntry, ExportJob
from consult.storage import file_store
from tests.conftest import PG_URL, csrf_token
from tests.exports.conftest import store_responses


def ask(client, **fields):
    page = client.get("/staff/exports").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "format": "csv", "questionnaire": "", **fields}
    return client.post("/staff/exports", data=data)


def finished(app, client, reply):
    assert reply.status_code == 303, reply.get_data(as_text=True)
    wait_for_jobs(app)
    page = client.get(reply.location).get_data(as_text=True)
    assert "ready" in page, page
    return page


def test_analyst_exports_in_the_background_and_downloads(app, login):
    stored = store_responses(app, per_questionnaire=5)
    client = app.test_client()
    login(client, "analyst")
    page = finished(app, client, ask(client, format="csv"))
    link = re.search(r'href="(/staff/exports/\d+/download/0)"', page).group(1)
    with client.get(link) as download:
        assert download.status_code == 200 and download.headers["Cache-Control"] == "no-store"
        rows = list(csv.reader(io.StringIO(download.get_data().decode("utf-8-sig"))))
    assert len(rows) - 1 == len(stored.submitted)
    assert "contact_email" not in rows[0]
    with client.get(link[:-1] + "1") as codebook:
        head = '"column","questionnaire","question","type","value","score","label_en"'
        assert codebook.get_data().decode("utf-8-sig").startswith(head)
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
        job = db.session.scalar(select(ExportJob))
        assert job.status == "done" and job.row_count == len(stored.submitted)
        file_name = job.file_name
    assert actions[-3:] == ["export.responses", "export.downloaded", "export.downloaded"]
    # the file is in the app's file store: the instance folder on SQLite, else the database
    with app.app_context():
        assert file_store().size(f"exports/{file_name}") is not None
    assert (Path(app.instance_path) / "exports" / file_name).exists() is (not PG_URL)


def test_personal_data_only_for_admins(app, login):
    stored = store_responses(app, per_questionnaire=4)
    analyst = app.test_client()
    login(analyst, "analyst")
    assert "with_personal_data" not in analyst.get("/staff/exports").get_data(as_text=True)
    assert ask(analyst, with_personal_data="y").status_code == 403
    admin = app.test_client()
    login(admin, "admin")
    page = finished(app, admin, ask(admin, format="json", with_personal_data="y"))
    link = re.search(r'href="(/staff/exports/\d+/download/0)"', page).group(1)
    with admin.get(link) as download:
        document = json.loads(download.get_data())
    emails = {r["contact_email"] for r in document["rows"] if r["contact_email"]}
    assert emails == {email for _n, email, _j in stored.contacts.values()}
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export.responses"))
        assert entry.details["with_personal_data"] is True


def test_jobs_are_private_to_their_analyst(app, login):
    store_responses(app, per_questionnaire=2)
    first = app.test_client()
    login(first, "analyst")
    reply = ask(first, format="xlsx")
    finished(app, first, reply)
    second = app.test_client()
    from consult.db import writing
    from consult.staff.operations import create_user
    from tests.conftest import STAFF_PASSWORD

    with app.app_context(), writing():
        create_user(
            db.session, "other.analyst@cisdp.test", "analyst", STAFF_PASSWORD, one_time=False
        )
        db.commit()
    page = second.get("/staff/login").get_data(as_text=True)
    second.post(
        "/staff/login",
        data={
            "csrf_token": csrf_token(page),
            "email": "other.analyst@cisdp.test",
            "password": STAFF_PASSWORD,
        },
    )
    assert second.get(reply.location).status_code == 404
    assert second.get(reply.location + "/download/0").status_code == 404


def test_a_failed_job_says_so(app, login, monkeypatch):
    from consult.staff import exporting

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(exporting, "export_responses", broken)
    client = app.test_client()
    login(client, "analyst")
    reply = ask(client)
    wait_for_jobs(app)
    page = client.get(reply.location).get_data(as_text=True)
    assert "The export failed" in page and "disk full" in page


def test_a_demoted_admin_can_no_longer_download_personal_data(app, login):
    """The role is checked on every download, not when the export was asked for."""
    from consult.staff.models import User

    store_responses(app, per_questionnaire=2)
    admin = app.test_client()
    login(admin, "admin")
    page = finished(app, admin, ask(admin, format="csv", with_personal_data="y"))
    links = re.findall(r'href="(/staff/exports/(\d+)/download/\d)"', page)
    job_page = f"/staff/exports/{links[0][1]}"
    plain = finished(app, admin, ask(admin, format="csv"))
    plain_link = re.search(r'href="(/staff/exports/\d+/download/0)"', plain).group(1)
    for link, _job in links:
        with admin.get(link) as download:
            assert download.status_code == 200
    email = f"admin-{id(admin)}@cisdp.test"
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        user.role = "analyst"  # demoted (in the workspace this also ends the session)
        db.commit()
    for link, _job in links:
        with admin.get(link) as download:
            assert download.status_code == 404, link
    assert admin.get(job_page).status_code == 404
    assert job_page not in admin.get("/staff/exports").get_data(as_text=True)
    with admin.get(plain_link) as download:
        assert download.status_code == 200, "their own export without personal data stays"
