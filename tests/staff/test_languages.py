"""The workspace and the invitation page speak English, French and Spanish."""

from __future__ import annotations

import csv
import io

from tests.conftest import csrf_token


def test_workspace_pages_in_french_and_spanish(app, login):
    client = app.test_client()
    login(client, "admin")
    assert "Tableau de bord" in client.get("/staff/dashboard?lang=fr").get_data(as_text=True)
    assert "Journal d'audit" in client.get("/staff/audit").get_data(as_text=True).replace(
        "&#39;", "'"
    )
    assert "Exportar las respuestas" in client.get("/staff/exports?lang=es").get_data(as_text=True)


def test_login_page_in_french(client):
    page = client.get("/staff/login?lang=fr").get_data(as_text=True)
    assert "Se connecter" in page and "Mot de passe" in page


def test_invitation_page_in_the_invitation_language(app, login):
    staff_client = app.test_client()
    login(staff_client, "admin")
    page = staff_client.get("/staff/invitations").get_data(as_text=True)
    staff_client.post(
        "/staff/invitations",
        data={
            "csrf_token": csrf_token(page),
            "file": (
                io.BytesIO(b"name,country,language\nMunicipio de Rosario,AR,es\n"),
                "l.csv",
            ),
        },
        content_type="multipart/form-data",
    )
    links = staff_client.get("/staff/invitations/links.csv").get_data().decode("utf-8-sig")
    link = list(csv.reader(io.StringIO(links)))[1][5]
    assert link.endswith("?lang=es")
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    welcome = app.test_client().get(path).get_data(as_text=True)
    assert "invita a Municipio de Rosario (Argentina)" in welcome
    assert "Empezar" in welcome
