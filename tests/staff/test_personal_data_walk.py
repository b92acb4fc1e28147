"""Every staff page and download, as each role, over data holding personal data everywhere it
can live: a role that may not see personal data finds none of it (consult/staff/personal.py).

Seeded: invitees' addresses (imported by an analyst, then e-mailed, so the outbox holds them),
a respondent's contact details, contributors' e-mails and a name not made public, a pledge's
contact (name, address, telephone). Admins see them unchanged; the others see the masked
address ("a•••@city.test") where knowing that an address exists is part of their work.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from consult.staff.exporting import wait_for_jobs
from tests.conftest import csrf_token
from tests.staff.test_personal_data import (  # noqa: F401 - fixtures
    EMAIL,
    HIDDEN_NAME,
    PLEDGE_CONTACT,
    RESPONDENT,
    contributions,
    respondent_and_pledge,
)
from tests.staff.test_routes import staff_rules

INVITEES = [f"a{n}@city.test" for n in range(1, 8)]
SECRETS = [
    *INVITEES,
    *RESPONDENT,
    *PLEDGE_CONTACT,
    HIDDEN_NAME,
    EMAIL.replace("zorro", "zorro0"),
    EMAIL.replace("zorro", "zorro1"),
]


def _import_invitations(client) -> None:
    lines = ["name,country,email"] + [
        f"Ville {n},FR,{address}" for n, address in enumerate(INVITEES, 1)
    ]
    page = client.get("/staff/invitations").get_data(as_text=True)
    reply = client.post(
        "/staff/invitations",
        data={
            "csrf_token": csrf_token(page),
            "file": (io.BytesIO("\n".join(lines).encode()), "invitees.csv"),
        },
        content_type="multipart/form-data",
    )
    assert reply.status_code == 200, reply.get_data(as_text=True)


def _send_invitations(client) -> None:
    page = client.get("/staff/mail/invitations").get_data(as_text=True)
    reply = client.post(
        "/staff/mail/invitations", data={"csrf_token": csrf_token(page), "action": "invite"}
    )
    assert reply.status_code == 303


def _export_links(app, client) -> list[str]:
    """Ask for each workspace export this client may have; return their download links."""
    page = client.get("/staff/exports")
    if page.status_code != 200:
        return []
    links = []
    for path, prefix in (
        ("/staff/exports", ""),
        ("/staff/exports/contributions", "contributions-"),
    ):
        html = client.get("/staff/exports").get_data(as_text=True)
        data = {"csrf_token": csrf_token(html), f"{prefix}format": "csv", "questionnaire": ""}
        if "with_personal_data" in html:
            data[f"{prefix}with_personal_data"] = "y"
        reply = client.post(path, data=data)
        assert reply.status_code == 303, path
        wait_for_jobs(app)
        job = client.get(reply.location).get_data(as_text=True)
        links += re.findall(r'href="(/staff/exports/\d+/download/\d)"', job)
    assert links
    return links


def _text_of(body: bytes) -> str:
    """A page's or a file's text: a spreadsheet or a deck is read inside its zip."""
    if body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return body.decode("utf-8", "replace")


def _walk(app, client, contribution_ids, pledge_ids):
    """Yield (path, text) of every staff page and download this client opens."""
    paths = []
    for endpoint, method, path in staff_rules(app):
        if method != "GET" or endpoint in ("staff.logout", "staff.export_download"):
            continue
        if endpoint == "moderation.contribution":
            paths += [f"/staff/moderation/{i}" for i in contribution_ids]
        elif endpoint == "campaign_staff.pledge":
            paths += [f"/staff/campaign/pledges/{i}" for i in pledge_ids]
        else:
            paths.append(path)
    paths += _export_links(app, client)
    for path in paths:
        reply = client.get(path)
        if reply.status_code == 200:
            yield path, _text_of(reply.get_data())


@pytest.fixture
def seeded(app, login, contributions, respondent_and_pledge):  # noqa: F811 - fixtures
    _import_invitations(login(app.test_client(), "analyst"))
    _send_invitations(login(app.test_client(), "admin"))
    return contributions, respondent_and_pledge


@pytest.mark.parametrize("role", ["moderator", "analyst", "admin"])
def test_personal_data_reaches_admins_only_on_every_page_and_download(app, login, seeded, role):
    client = login(app.test_client(), role)
    shown = {path: text for path, text in _walk(app, client, *seeded)}
    found = {path: [s for s in SECRETS if s in text] for path, text in shown.items()}
    if role == "admin":
        # Unchanged for admins: the positive control that the walk reaches the data.
        for path in ("/staff/coverage", "/staff/invitations", "/staff/invitations/links.csv"):
            assert set(INVITEES) <= set(found[path]), path
        assert set(INVITEES) <= set(found["/staff/mail/invitations"])
        assert set(INVITEES) <= set(found["/staff/mail"])
        return
    assert {path: secrets for path, secrets in found.items() if secrets} == {}
    # What the role needs: that an invitee has an address, and its administration's domain.
    assert "a•••@city.test" in shown["/staff/coverage"]
    if role == "analyst":
        for path in (
            "/staff/invitations",
            "/staff/invitations/links.csv",
            "/staff/mail/invitations",
        ):
            assert "a•••@city.test" in shown[path], path


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("a1@city.test", "a•••@city.test"),
        ("Jean.Dupont@ville-grigny.fr", "J•••@ville-grigny.fr"),
        ("@no-local.test", "•••"),
        ("no-at-sign", "•••"),
        ("x@y@z.test", "x•••@z.test"),
    ],
)
def test_an_address_keeps_its_first_character_and_domain(address, masked):
    from consult.staff.personal import masked_email

    assert masked_email(address) == masked


@pytest.mark.parametrize("whole", [True, False])
def test_the_rule_shows_whole_to_admins_and_masks_for_others(app, monkeypatch, whole):
    from consult.staff import personal

    monkeypatch.setattr(personal, "may_see_personal_data", lambda: whole)
    with app.test_request_context():
        assert personal.shown("a1@city.test", "email") == (
            "a1@city.test" if whole else "a•••@city.test"
        )
        hidden = "hidden: admins only"
        assert personal.shown("Aïcha Diop", "name") == ("Aïcha Diop" if whole else hidden)
        assert personal.shown("+33 1 23", "phone") == ("+33 1 23" if whole else hidden)
        assert personal.shown(None, "email") == "" and personal.shown("", "name") == ""
