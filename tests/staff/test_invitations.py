"""Invitations: CSV import with row-level errors, personal links, prefill, coverage, links CSV."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select

from consult.db import db
from consult.questionnaires.models import Response
from consult.staff.models import AuditEntry, Invitation
from tests.conftest import answers_in_store, csrf_token

GOOD = (
    "name;country;email;region\n"
    "Ville de Grigny;France;mairie@grigny.example;\n"
    "Gwangju Metropolitan City;KR;;asia_pacific\n"
    "Ciudad de México;México;cdmx@cdmx.example;Amérique latine\n"
    "=Villa Formula;ES;;\n"
)


def upload(client, content: bytes, name: str = "list.csv"):
    page = client.get("/staff/invitations").get_data(as_text=True)
    return client.post(
        "/staff/invitations",
        data={"csrf_token": csrf_token(page), "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def invitations(app) -> list[tuple[str, str, str | None, str | None]]:
    with app.app_context():
        return [
            tuple(row)
            for row in db.session.execute(
                select(
                    Invitation.institution_name,
                    Invitation.country,
                    Invitation.region,
                    Invitation.email,
                ).order_by(Invitation.id)
            )
        ]


def test_import_with_bom_and_semicolons(app, login):
    client = app.test_client()
    login(client, "analyst")
    reply = upload(client, ("\ufeff" + GOOD).encode("utf-8"))
    assert reply.status_code == 200, reply.get_data(as_text=True)
    assert "4 invitations created" in reply.get_data(as_text=True)
    assert invitations(app) == [
        ("Ville de Grigny", "FR", None, "mairie@grigny.example"),
        ("Gwangju Metropolitan City", "KR", "asia_pacific", None),
        ("Ciudad de México", "MX", "latin_america", "cdmx@cdmx.example"),
        ("=Villa Formula", "ES", None, None),
    ]
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "invitations.imported")
        )
        assert entry.details == {"count": 4} and entry.target == "list.csv"


def test_every_row_is_checked_and_nothing_imported_on_error(app, login):
    client = app.test_client()
    login(client, "admin")
    bad = (
        "name,country,email,region\n"
        "Good City,FR,,\n"
        ",FR,,\n"
        "Nowhere,Atlantis,,\n"
        "Bad Mail,PT,not-an-address,\n"
        "Wrong Region,BR,,Antarctica\n"
        "Good City,fr,,\n"
    )
    reply = upload(client, bad.encode("utf-8"))
    page = reply.get_data(as_text=True)
    assert reply.status_code == 422
    assert "Nothing was imported" in page
    for line, text in [
        (3, "is required"),
        (4, "Atlantis"),
        (5, "not-an-address"),
        (6, "Antarctica"),
        (7, "already invited"),
    ]:
        assert re.search(rf"Line {line}: [^<]*{re.escape(text)}", page.replace("&#34;", '"')), (
            line,
            text,
        )
    assert "Line 2" not in page
    assert invitations(app) == []


def test_file_level_errors(app, login):
    client = app.test_client()
    login(client, "admin")
    latin1 = upload(client, "name;country\nSão Paulo;BR\n".encode("latin-1"))
    assert "not UTF-8" in latin1.get_data(as_text=True)
    header = upload(client, b"institution;place\nA;B\n")
    assert "has no" in header.get_data(as_text=True) or "Unknown column" in header.get_data(
        as_text=True
    )
    assert invitations(app) == []


def test_the_link_starts_then_resumes_the_prefilled_response(app, login):
    staff_client = app.test_client()
    login(staff_client, "admin")
    upload(staff_client, GOOD.encode("utf-8"))
    links = staff_client.get("/staff/invitations/links.csv")
    assert links.headers["Content-Type"].startswith("text/csv")
    body = links.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [r["name"] for r in rows] == sorted(
        ["Ville de Grigny", "Gwangju Metropolitan City", "Ciudad de México", "'=Villa Formula"],
        key=lambda n: n.lstrip("'"),
    )
    grigny = next(r for r in rows if r["name"] == "Ville de Grigny")
    assert grigny["status"] == "not_started" and grigny["region"] == "europe"
    path = grigny["link"].split("://", 1)[1].split("/", 1)[1]
    respondent = app.test_client()
    welcome = respondent.get("/" + path)
    assert welcome.status_code == 200 and "Ville de Grigny" in welcome.get_data(as_text=True)
    start = respondent.post(
        "/" + path, data={"csrf_token": csrf_token(welcome.get_data(as_text=True))}
    )
    assert start.status_code == 303 and "/r/" in start.location
    with app.app_context():
        response = db.session.scalar(select(Response))
        invitation = db.session.scalar(
            select(Invitation).where(Invitation.institution_name == "Ville de Grigny")
        )
        assert response.invitation_id == invitation.id
        response_id = response.id
    answers = answers_in_store(app)[response_id]
    assert answers == {
        "institution_name": {"": "Ville de Grigny"},
        "country": {"": "FR"},
        "region": {"": "europe"},
    }
    # the same link in the same browser continues the response
    page = respondent.get("/" + path).get_data(as_text=True)
    assert "Continue" in page
    again = respondent.post("/" + path, data={"csrf_token": csrf_token(page)})
    assert again.location == start.location
    # from another browser (whoever downloaded the links) it opens nothing
    other = app.test_client()
    page = other.get("/" + path).get_data(as_text=True)
    assert "already been started" in page and "Continue" not in page
    token = csrf_token(other.get("/contributions/new").get_data(as_text=True))
    refused = other.post("/" + path, data={"csrf_token": token})
    assert refused.status_code == 303 and "/r/" not in refused.location
    with app.app_context():
        assert db.session.query(Response).count() == 1


def test_forged_links_open_nothing(app, login):
    staff_client = app.test_client()
    login(staff_client, "admin")
    upload(staff_client, GOOD.encode("utf-8"))
    with app.app_context():
        nonce = db.session.scalar(select(Invitation.nonce))
    assert app.test_client().get(f"/i/{nonce}.forgedsignature000000").status_code == 404
    assert app.test_client().get(f"/i/{nonce}").status_code == 404


def test_coverage_counts_and_lists_who_has_not_answered(app, login, respondent_factory):
    staff_client = app.test_client()
    login(staff_client, "analyst")
    upload(staff_client, GOOD.encode("utf-8"))
    rows = list(
        csv.DictReader(
            io.StringIO(
                staff_client.get("/staff/invitations/links.csv").get_data().decode("utf-8-sig")
            )
        )
    )
    links = {r["name"]: "/" + r["link"].split("://", 1)[1].split("/", 1)[1] for r in rows}
    # Grigny starts; Gwangju starts and submits
    for name in ("Ville de Grigny", "Gwangju Metropolitan City"):
        client = app.test_client()
        page = client.get(links[name]).get_data(as_text=True)
        client.post(links[name], data={"csrf_token": csrf_token(page)})
    from consult.questionnaires import operations
    from consult.questionnaires.registry import EXTENSION_KEY

    questionnaire = app.extensions[EXTENSION_KEY]["local-governments"]
    with app.app_context():
        invitation = db.session.scalar(select(Invitation).where(Invitation.country == "KR"))
        response = db.session.scalar(
            select(Response).where(Response.invitation_id == invitation.id)
        )
        operations.submit_response(db.session, questionnaire, response, "en")
        db.commit()
    page = staff_client.get("/staff/coverage").get_data(as_text=True)
    waiting = page.split('id="waiting"')[1]
    assert "Not answered yet (3)" in waiting[:30]
    assert (
        "Gwangju" not in waiting and "Ville de Grigny" in waiting and "Ciudad de México" in waiting
    )
    assert "=Villa Formula" in waiting  # shown as text, escaped
    assert 'class="state state-started"' in waiting  # opened, not sent
    assert '<span class="state">not started' in waiting
    totals = re.findall(r'class="stat-value">(\d+)<', page)
    assert totals[:3] == ["4", "2", "1"]
    dashboard = staff_client.get("/staff/dashboard").get_data(as_text=True)
    assert "1 / 4" in dashboard


def test_moderators_cannot_import(app, login):
    client = app.test_client()
    login(client, "moderator")
    assert client.get("/staff/invitations").status_code == 403
    assert client.get("/staff/invitations/links.csv").status_code == 403
    assert client.get("/staff/coverage").status_code == 200
