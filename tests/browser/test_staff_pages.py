"""Workspace pages in a real browser: sign-in, dashboard, coverage, invitations; axe finds
nothing serious, the strict CSP holds (no console error), and screenshots are saved."""

from __future__ import annotations

import csv
import io
import random

from consult.db import db, writing
from consult.questionnaires import operations
from consult.questionnaires.registry import EXTENSION_KEY
from tests.browser.conftest import screenshot, serious_accessibility_violations
from tests.conftest import STAFF_PASSWORD, csrf_token
from tests.exports.synthetic import random_answers

INVITED = (
    "name;country;email;region\n"
    "Ville de Grigny;FR;mairie@grigny.example;\n"
    "Gwangju Metropolitan City;KR;;\n"
    "Ciudad de México;MX;cdmx@cdmx.example;\n"
    "Utrecht;NL;;\n"
    "Wien;AT;;\n"
)


def fill(app) -> None:
    """Responses spread over the last weeks, drafts, and invitations with some answers."""
    from datetime import timedelta

    from consult.db import utcnow

    rng = random.Random(23)
    questionnaires = app.extensions[EXTENSION_KEY]
    with app.app_context(), writing():
        for n in range(80):
            key = "local-governments" if n % 3 else "partners"
            questionnaire = questionnaires[key]
            response = operations.start_response(
                db.session, questionnaire, operations.new_resume_token(), "en"
            )
            operations.save_answers(
                db.session, questionnaire, response, random_answers(questionnaire, rng)
            )
            if n % 5:
                moment = utcnow() - timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 23))
                operations.submit_response(db.session, questionnaire, response, "en", moment)
        db.commit()


def sign_in(page, live_server, email):
    page.goto(live_server.url + "/staff/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/staff/")


def test_workspace_pages_in_a_browser(app, live_server, page, staff):
    fill(app)
    email = staff("admin")
    client = app.test_client()
    form = client.get("/staff/login").get_data(as_text=True)
    client.post(
        "/staff/login",
        data={"csrf_token": csrf_token(form), "email": email, "password": STAFF_PASSWORD},
    )
    form = client.get("/staff/invitations").get_data(as_text=True)
    client.post(
        "/staff/invitations",
        data={"csrf_token": csrf_token(form), "file": (io.BytesIO(INVITED.encode()), "l.csv")},
        content_type="multipart/form-data",
    )
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.set_viewport_size({"width": 1200, "height": 900})

    page.goto(live_server.url + "/staff/login")
    assert serious_accessibility_violations(page) == []
    screenshot(page, "staff-login")
    sign_in(page, live_server, email)

    for path, name in [
        ("/staff/dashboard", "staff-dashboard"),
        ("/staff/coverage", "staff-coverage"),
        ("/staff/invitations", "staff-invitations"),
        ("/staff/exports", "staff-exports"),
        ("/staff/audit", "staff-audit"),
    ]:
        page.goto(live_server.url + path)
        assert page.locator("h1").first.is_visible()
        assert serious_accessibility_violations(page) == [], path
        screenshot(page, name)
    page.goto(live_server.url + "/staff/dashboard")
    assert page.locator("svg.chart rect.bar-submitted").count() > 3
    assert errors == [], errors


def test_invitation_link_in_a_browser(app, live_server, page, staff):
    email = staff("analyst")
    client = app.test_client()
    form = client.get("/staff/login").get_data(as_text=True)
    client.post(
        "/staff/login",
        data={"csrf_token": csrf_token(form), "email": email, "password": STAFF_PASSWORD},
    )
    form = client.get("/staff/invitations").get_data(as_text=True)
    client.post(
        "/staff/invitations",
        data={"csrf_token": csrf_token(form), "file": (io.BytesIO(INVITED.encode()), "l.csv")},
        content_type="multipart/form-data",
    )
    links = client.get("/staff/invitations/links.csv").get_data().decode("utf-8-sig")
    link = next(row for row in csv.reader(io.StringIO(links)) if row[0] == "Utrecht")[5]
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    page.goto(live_server.url + path)
    assert serious_accessibility_violations(page) == []
    screenshot(page, "invitation-welcome")
    page.get_by_role("button", name="Start").click()
    page.wait_for_url("**/s/profile")
    assert page.locator("#q\\.institution_name").input_value() == "Utrecht"


def test_an_invitation_link_opens_nothing_in_another_browser(
    app, live_server, page, new_context, staff
):
    """Started in one browser, the invitation link continues there and shows nothing of the
    response in another (desktop; phone in French)."""
    email = staff("analyst")
    client = app.test_client()
    form = client.get("/staff/login").get_data(as_text=True)
    client.post(
        "/staff/login",
        data={"csrf_token": csrf_token(form), "email": email, "password": STAFF_PASSWORD},
    )
    form = client.get("/staff/invitations").get_data(as_text=True)
    client.post(
        "/staff/invitations",
        data={"csrf_token": csrf_token(form), "file": (io.BytesIO(INVITED.encode()), "l.csv")},
        content_type="multipart/form-data",
    )
    links = client.get("/staff/invitations/links.csv").get_data().decode("utf-8-sig")
    # Every text field of the app's CSVs is quoted: read it as CSV.
    link = next(row for row in csv.reader(io.StringIO(links)) if row[0] == "Wien")[5]
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    page.goto(live_server.url + path)
    page.get_by_role("button", name="Start").click()
    page.wait_for_url("**/s/profile")
    personal = page.url.split("/s/", 1)[0]
    page.goto(live_server.url + path)
    assert page.get_by_role("button", name="Continue").is_visible()
    phone = new_context(viewport={"width": 390, "height": 844}, locale="fr-FR").new_page()
    phone.goto(live_server.url + path + "?lang=fr")
    text = phone.locator("main").inner_text()
    assert "déjà été commencée" in text and personal.rsplit("/", 1)[1] not in phone.content()
    assert phone.locator("main form").count() == 0
    assert serious_accessibility_violations(phone) == []
    screenshot(phone, "invitation-started-elsewhere-fr-phone")
    desktop = new_context(viewport={"width": 1280, "height": 900}).new_page()
    desktop.goto(live_server.url + path)
    assert "already been started" in desktop.locator("main").inner_text()
    screenshot(desktop, "invitation-started-elsewhere")
