"""The campaign in the staff workspace: roles on the server, the queue with duplicates, each
decision audited and told to the institution, pioneers, paper pledges, the commitment list."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from consult.campaign.models import CommitmentOption, Pledge
from consult.db import db
from consult.mail.models import OutboxMessage
from consult.staff.models import AuditEntry
from tests.campaign.conftest import PLEDGE_TOKEN_RE, Institution, letter
from tests.conftest import csrf_token, form_versions, versions_in

STAFF_PAGES = [
    "/staff/campaign",
    "/staff/campaign?view=verified",
    "/staff/campaign/paper",
    "/staff/campaign/options",
    "/staff/campaign/due",
]


def _pledge(app, pledge_id: int | None = None) -> Pledge:
    with app.app_context():
        query = select(Pledge).order_by(Pledge.id.desc())
        if pledge_id:
            query = query.where(Pledge.id == pledge_id)
        pledge = db.session.scalars(query).first()
        db.session.expunge(pledge)
        return pledge


def _decide(client, pledge_id: int, **fields):
    page = client.get(f"/staff/campaign/pledges/{pledge_id}").get_data(as_text=True)
    revision = re.search(r'name="revision"[^>]*value="(\d+)"', page).group(1)
    data = {"csrf_token": csrf_token(page), "revision": revision, **versions_in(page), **fields}
    return client.post(f"/staff/campaign/pledges/{pledge_id}/decide", data=data)


def test_every_campaign_staff_route_checks_the_role_on_the_server(app, client, login):
    staff_rules = [
        rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("campaign_staff.")
    ]
    assert len(staff_rules) >= 9
    for rule in staff_rules:
        view = app.view_functions[rule.endpoint]
        assert getattr(view, "required_roles", None) == ("moderator",), rule.endpoint
    for path in STAFF_PAGES:
        assert client.get(path).status_code in (302, 401), path
    login(client, "analyst")
    for path in STAFF_PAGES:
        assert client.get(path).status_code == 403, path


def test_the_queue_verifies_asks_for_more_and_rejects_with_reasons_audited(app, client, login):
    institution = Institution(app.test_client())
    first = institution.join()
    second_client = Institution(app.test_client())
    second_client.join(institution_name="Ville de Montreuil", contact_email="m@montreuil.example")
    third = Institution(app.test_client())
    third.join(institution_name="Test", contact_email="t@test.example")
    login(client, "moderator")
    queue = client.get("/staff/campaign").get_data(as_text=True)
    for name in ("Ville de Grigny", "Ville de Montreuil", "Test"):
        assert name in queue
    grigny, montreuil, test = (p for p in sorted(_ids(app)))
    # A reason is required to ask for more or reject.
    refused = _decide(client, montreuil, decision="ask_more", reason="  ")
    assert refused.status_code == 422 and 'id="reason-error"' in refused.get_data(as_text=True)
    assert _decide(client, grigny, decision="verify").status_code == 303
    assert (
        _decide(client, montreuil, decision="ask_more", reason="Sign the letter.").status_code
        == 303
    )
    assert _decide(client, test, decision="reject", reason="Not a government.").status_code == 303
    assert _pledge(app, grigny).status == "verified"
    assert _pledge(app, grigny).joined_on == date.today()
    assert _pledge(app, montreuil).status == "needs_more"
    # The institution reads the reason on its page.
    mine = institution.client.get(f"/campaign/pledge/{first}").get_data(as_text=True)
    assert "Verified" in mine
    other = second_client.client.get(f"/campaign/pledge/{second_client.token}").get_data(
        as_text=True
    )
    assert "Sign the letter." in other
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("campaign.%"))
        ).all()
        assert sorted(actions) == [
            "campaign.pledge_needs_more",
            "campaign.pledge_rejected",
            "campaign.pledge_verified",
        ]
        kinds = db.session.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id)).all()
        assert kinds[-3:] == ["campaign_verified", "campaign_needs_more", "campaign_rejected"]
    # A decided pledge is not decided again.
    page = client.get(f"/staff/campaign/pledges/{grigny}").get_data(as_text=True)
    assert "/decide" not in page


def _ids(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(Pledge.id)))


def test_a_duplicate_institution_is_flagged_and_verified_only_when_confirmed(app, client, login):
    Institution(app.test_client()).join()
    Institution(app.test_client()).join(institution_name="GRIGNY (ville de)")
    login(client, "moderator")
    first, second = sorted(_ids(app))
    queue = client.get("/staff/campaign").get_data(as_text=True)
    assert queue.count("Possible duplicate (1)") == 2
    assert _decide(client, first, decision="verify").status_code == 303
    refused = _decide(client, second, decision="verify")
    assert refused.status_code == 409
    assert "already joined" in refused.get_data(as_text=True)
    assert _pledge(app, second).status == "submitted"
    confirmed = _decide(client, second, decision="verify", not_a_duplicate="y")
    assert confirmed.status_code == 303
    assert _pledge(app, second).status == "verified"


def test_a_decision_on_a_page_older_than_the_institutions_change_is_refused(app, client, login):
    institution = Institution(app.test_client())
    institution.join()
    login(client, "moderator")
    [pledge_id] = _ids(app)
    page = client.get(f"/staff/campaign/pledges/{pledge_id}").get_data(as_text=True)
    assert institution.edit(contact_phone="+33 1 00 00 00 00").status_code == 303
    stale = client.post(
        f"/staff/campaign/pledges/{pledge_id}/decide",
        data={
            "csrf_token": csrf_token(page),
            "revision": "1",
            "decision": "verify",
            **versions_in(page),
        },
    )
    assert stale.status_code == 409
    refused = stale.get_data(as_text=True)
    assert "Changed by the institution" in refused and "Apply my change anyway" in refused
    assert _pledge(app, pledge_id).status == "submitted"


def test_pioneers_are_marked_on_verified_pledges_and_audited(app, client, login):
    Institution(app.test_client()).join()
    login(client, "moderator")
    [pledge_id] = _ids(app)
    _decide(client, pledge_id, decision="verify", joined_on="2022-02-23")
    page = client.get(f"/staff/campaign/pledges/{pledge_id}").get_data(as_text=True)
    reply = client.post(
        f"/staff/campaign/pledges/{pledge_id}/pioneer",
        data={"csrf_token": csrf_token(page), "is_pioneer": "y", **versions_in(page)},
    )
    assert reply.status_code == 303
    pledge = _pledge(app, pledge_id)
    assert pledge.is_pioneer and pledge.joined_on == date(2022, 2, 23)
    with app.app_context():
        assert db.session.scalar(
            select(AuditEntry.id).where(AuditEntry.action == "campaign.pioneer_marked")
        )


def test_staff_add_a_paper_pledge_with_its_letter(app, client, login):
    login(client, "moderator")
    page = client.get("/staff/campaign/paper").get_data(as_text=True)
    token = PLEDGE_TOKEN_RE.search(page).group(1)
    from tests.campaign.conftest import FIELDS

    data = {
        **FIELDS,
        "authorised": "",
        "csrf_token": csrf_token(page),
        "pledge_token": token,
        "language": "fr",
    }
    missing = client.post("/staff/campaign/paper", data=data, content_type="multipart/form-data")
    assert missing.status_code == 422 and "scanned letter" in missing.get_data(as_text=True)
    reply = client.post(
        "/staff/campaign/paper",
        data={**data, "letter": letter(name="scan.pdf")},
        content_type="multipart/form-data",
    )
    assert reply.status_code == 303
    pledge = _pledge(app)
    assert (pledge.source, pledge.status, pledge.language) == ("paper", "submitted", "fr")
    detail = client.get(reply.location).get_data(as_text=True)
    letter_link = re.search(r'href="(/staff/campaign/pledges/\d+/letters/\d+)"', detail).group(1)
    download = client.get(letter_link)
    assert download.mimetype == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment")
    # Contact details: admins only.
    assert "droits@grigny.example.org" not in detail
    admin = app.test_client()
    login(admin, "admin")
    assert "droits@grigny.example.org" in admin.get(reply.location).get_data(as_text=True)


def test_staff_maintain_the_commitments_in_three_languages(app, client, login):
    login(client, "moderator")
    page = client.get("/staff/campaign/options").get_data(as_text=True)
    labels = {
        "label_en": "Open data on rights",
        "label_fr": "Données ouvertes sur les droits",
        "label_es": "Datos abiertos sobre derechos",
    }
    added = client.post(
        "/staff/campaign/options",
        data={
            "csrf_token": csrf_token(page),
            "key": "open_data",
            "position": "9",
            "is_active": "y",
            **labels,
        },
    )
    assert added.status_code == 303
    again = client.post(
        "/staff/campaign/options",
        data={"csrf_token": csrf_token(page), "key": "open_data", "position": "9", **labels},
    )
    assert again.status_code == 422 and "Another commitment has this key." in again.get_data(
        as_text=True
    )
    with app.app_context():
        option = db.session.scalars(
            select(CommitmentOption).where(CommitmentOption.key == "open_data")
        ).one()
        option_id = option.id
    edited = client.post(
        f"/staff/campaign/options/{option_id}",
        data={  # unticked: not offered
            "csrf_token": csrf_token(page),
            "position": "1",
            **labels,
            **form_versions(
                client,
                "/staff/campaign/options",
                action=f"/staff/campaign/options/{option_id}",
            ),
        },
    )
    assert edited.status_code == 303
    join = app.test_client().get("/campaign/join?lang=es").get_data(as_text=True)
    assert "Datos abiertos" not in join
    with app.app_context():
        assert not db.session.get(CommitmentOption, option_id).is_active
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("campaign.option%"))
        ).all()
        assert sorted(actions) == ["campaign.option_added", "campaign.option_changed"]
