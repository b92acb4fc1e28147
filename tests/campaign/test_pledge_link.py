"""The personal link: status and staff's reason, completing a draft, updating later without a
stale page ever overwriting silently, and the yearly progress report once verified."""

from __future__ import annotations

from sqlalchemy import select

from consult.campaign import operations
from consult.campaign.models import ProgressReport
from consult.db import db, utcnow
from consult.staff.models import User
from tests.campaign.conftest import letter
from tests.conftest import csrf_token


def _decide(app, decision: str, reason: str = "", joined_on=None) -> None:
    from consult.campaign.models import Pledge
    from consult.staff.operations import create_user

    with app.app_context():
        actor = db.session.scalar(select(User)) or create_user(
            db.session, "mod@cisdp.test", "moderator", "a-long-test-password-1"
        )
        pledge = db.session.scalars(select(Pledge)).one()
        operations.decide(
            db.session, pledge, decision, reason, actor, "127.0.0.1", joined_on=joined_on
        )
        db.commit()


def test_a_draft_is_completed_and_sent_through_its_link(app, institution):
    draft = institution.send(action="draft", own_commitment="")
    assert draft.status_code == 303
    page = institution.client.get(f"/campaign/pledge/{institution.token}").get_data(as_text=True)
    assert "Draft" in page and "Complete and send" in page
    csrf, revision, _page = institution.edit_page()
    refused = institution.edit((csrf, revision), action="submit")
    assert refused.status_code == 422 and "Attach the signed letter" in refused.get_data(
        as_text=True
    )
    sent = institution.edit(
        (csrf_token(refused.get_data(as_text=True)), revision), action="submit", upload=letter()
    )
    assert sent.status_code == 303
    page = institution.client.get(f"/campaign/pledge/{institution.token}").get_data(as_text=True)
    assert "CISDP is verifying it" in page


def test_a_stale_page_never_overwrites_silently(app, institution):
    institution.join()
    old = institution.edit_page()[:2]
    # Another browser changes the pledge meanwhile.
    assert (
        institution.edit(
            contact_phone="+33 1 11 11 11 11", commitments=["local_charter"]
        ).status_code
        == 303
    )
    stale = institution.edit(old, contact_phone="+33 1 22 22 22 22")
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert "changed elsewhere" in page
    assert 'value="+33 1 22 22 22 22"' in page  # what was typed is kept
    assert (
        "+33 1 11 11 11 11" in page.split('id="contact_phone-saved"', 1)[1][:200]
    )  # the saved one shown
    assert 'id="commitments-saved"' in page
    from consult.campaign.models import Pledge

    with app.app_context():
        assert db.session.scalars(select(Pledge.contact_phone)).one() == "+33 1 11 11 11 11"
    # Saved again from the page that showed both: it goes through.
    again = institution.edit(
        (
            csrf_token(page),
            page.split('name="revision"', 1)[1].split('value="', 1)[1].split('"', 1)[0],
        ),
        contact_phone="+33 1 22 22 22 22",
    )
    assert again.status_code == 303


def test_the_reason_of_a_request_for_more_is_shown_and_the_pledge_sent_again(app, institution):
    institution.join()
    _decide(app, "ask_more", "Please send the letter signed by the mayor.")
    page = institution.client.get(f"/campaign/pledge/{institution.token}").get_data(as_text=True)
    assert "Please send the letter signed by the mayor." in page
    reply = institution.edit(action="submit", upload=letter())
    assert reply.status_code == 303
    from consult.campaign.models import Pledge

    with app.app_context():
        pledge = db.session.scalars(select(Pledge)).one()
        assert pledge.status == "submitted" and len(pledge.letters) == 2


def test_a_verified_pledge_keeps_who_it_is_and_reports_progress_once_a_year(app, institution):
    token = institution.join()
    _decide(app, "verify")
    reply = institution.edit(
        institution_name="Somewhere else", country="ES", contact_name="New contact"
    )
    assert reply.status_code == 303
    from consult.campaign.models import Pledge

    with app.app_context():
        pledge = db.session.scalars(select(Pledge)).one()
        assert (pledge.institution_name, pledge.country, pledge.contact_name) == (
            "Ville de Grigny",
            "FR",
            "New contact",
        )
    form = institution.client.get(f"/campaign/pledge/{token}/progress").get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(form),
        "status-local_charter": "in_progress",
        "text-local_charter": "Draft charter debated.",
    }
    refused = institution.client.post(f"/campaign/pledge/{token}/progress", data=data)
    assert refused.status_code == 422 and 'id="status-biennial_report-error"' in refused.get_data(
        as_text=True
    )
    data.update(
        {"status-biennial_report": "not_started", "status-own": "achieved", "text-own": "x" * 1001}
    )
    too_long = institution.client.post(f"/campaign/pledge/{token}/progress", data=data)
    assert too_long.status_code == 422 and "at most 1000" in too_long.get_data(as_text=True)
    data["text-own"] = "Council set up."
    assert (
        institution.client.post(f"/campaign/pledge/{token}/progress", data=data).status_code == 303
    )
    data["status-local_charter"] = "achieved"
    assert (
        institution.client.post(f"/campaign/pledge/{token}/progress", data=data).status_code == 303
    )
    with app.app_context():
        reports = db.session.scalars(select(ProgressReport)).all()
        assert len(reports) == 3  # once a year: the second send corrected this year's
        assert {r.year for r in reports} == {utcnow().year}
        assert {r.commitment_key: r.status for r in reports}["local_charter"] == "achieved"


def test_who_owes_a_report_is_due_from_the_first_anniversary(app, institution, client, login):
    from datetime import date, timedelta

    institution.join()
    _decide(app, "verify", joined_on=date.today() - timedelta(days=400))
    login(client, "moderator")
    page = client.get("/staff/campaign/due").get_data(as_text=True)
    assert "Ville de Grigny" in page
    own = institution.client.get(f"/campaign/pledge/{institution.token}").get_data(as_text=True)
    assert "is due" in own
