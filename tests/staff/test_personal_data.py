"""Who sees contributors' and respondents' personal data: admins only, on every staff page.

The role matrix: a contributor's e-mail address and a name they did not make public appear on
no page a moderator or an analyst can open (every staff GET route is walked), and on the
moderation page of an admin."""

from __future__ import annotations

import pytest

from consult.contributions import operations
from consult.db import db, writing
from tests.staff.test_routes import staff_rules

EMAIL = "zorro.secret@example.org"
HIDDEN_NAME = "Zorrina Privatename"
PUBLIC_NAME = "Publius Shownname"


@pytest.fixture
def contributions(app):
    """One contribution with a private name, one with a public name; both with an e-mail."""
    ids = []
    with app.app_context(), writing():
        for name, public in ((HIDDEN_NAME, False), (PUBLIC_NAME, True)):
            contribution, _token = operations.create_contribution(
                db.session,
                kind="comment",
                text=f"A comment on the Charter by {'someone' if not public else 'me'}.",
                language="en",
                organisation_type="individual",
                name=name,
                email=EMAIL.replace("zorro", "zorro" + str(len(ids))),
                consented=True,
                show_name_publicly=public,
            )
            ids.append(contribution.id)
        db.commit()
    return ids


def _pages(app, client, contribution_id):
    for endpoint, method, path in staff_rules(app):
        if method != "GET" or endpoint in ("staff.logout", "staff.export_download"):
            continue
        if endpoint == "moderation.contribution":
            path = f"/staff/moderation/{contribution_id}"
        reply = client.get(path)
        if reply.status_code == 200:
            yield path, reply.get_data(as_text=True)


@pytest.mark.parametrize(
    ("role", "sees_personal_data"),
    [("moderator", False), ("analyst", False), ("admin", True)],
)
def test_only_admins_see_contributors_personal_data(
    app, login, contributions, role, sees_personal_data
):
    client = login(app.test_client(), role)
    seen = {}
    for contribution_id in contributions:
        for path, page in _pages(app, client, contribution_id):
            seen[path] = page
            if not sees_personal_data:
                assert "@example.org" not in page, f"{role} sees an e-mail on {path}"
                assert HIDDEN_NAME not in page, f"{role} sees a private name on {path}"
    moderation = {p: html for p, html in seen.items() if p.startswith("/staff/moderation/")}
    if role == "analyst":
        assert not moderation
        return
    hidden_page = seen[f"/staff/moderation/{contributions[0]}"]
    public_page = seen[f"/staff/moderation/{contributions[1]}"]
    assert PUBLIC_NAME in public_page, "a name shown publicly is shown to moderators too"
    if sees_personal_data:
        assert "zorro0.secret@example.org" in hidden_page and HIDDEN_NAME in hidden_page
    else:
        assert "only admins see it" in hidden_page


@pytest.mark.parametrize("role", ["moderator", "analyst"])
def test_only_admins_may_export_personal_data(app, login, role):
    from tests.conftest import csrf_token

    client = login(app.test_client(), role)
    page = client.get("/staff/exports")
    if role == "moderator":
        assert page.status_code == 403
        return
    html = page.get_data(as_text=True)
    assert "with_personal_data" not in html
    for path, prefix in (
        ("/staff/exports", ""),
        ("/staff/exports/contributions", "contributions-"),
    ):
        reply = client.post(
            path,
            data={
                "csrf_token": csrf_token(html),
                f"{prefix}format": "csv",
                f"{prefix}with_personal_data": "y",
            },
        )
        assert reply.status_code == 403, path


RESPONDENT = ("Aïcha Privatecontact", "aicha.private@city.example", "Chief of the rights unit")
PLEDGE_CONTACT = ("Bruno Pledgecontact", "bruno.pledge@city.example", "+33 1 23 45 67 89")


@pytest.fixture
def respondent_and_pledge(app):
    """A submitted response with contact details, and a pledge with its contact (submitted and
    verified, so that it is on the staff queue and on the public map)."""
    import hashlib
    from datetime import date

    from consult.campaign.models import Pledge
    from consult.questionnaires import operations as responses
    from consult.questionnaires.registry import current_questionnaires

    with app.app_context(), writing():
        questionnaire = current_questionnaires()["local-governments"]
        response = responses.start_response(
            db.session, questionnaire, responses.new_resume_token(), "en"
        )
        responses.save_answers(
            db.session, questionnaire, response, {"institution_name": {"": "Ville de Test"}}
        )
        responses.submit_response(db.session, questionnaire, response, "en")
        name, email, job = RESPONDENT
        responses.save_contact_details(
            db.session, response, name=name, email=email, job_title=job, language="en"
        )
        ids = []
        for status in ("submitted", "verified"):
            pledge = Pledge(
                token_hash=hashlib.sha256(status.encode()).hexdigest(),
                status=status,
                institution_name=f"Ville de {status}",
                normalised_name=f"ville de {status}",
                level="municipality",
                country="FR",
                region="europe",
                language="fr",
                signatory_name="Maire Public",
                signatory_office="Maire",
                contact_name=PLEDGE_CONTACT[0],
                contact_email=PLEDGE_CONTACT[1],
                contact_phone=PLEDGE_CONTACT[2],
                joined_on=date(2022, 2, 23) if status == "verified" else None,
            )
            db.session.add(pledge)
            db.session.flush()
            ids.append(pledge.id)
        db.commit()
    return ids


@pytest.mark.parametrize("role", ["moderator", "analyst", "admin"])
def test_respondents_and_pledge_contacts_reach_admins_only(app, login, respondent_and_pledge, role):
    """The same walk for respondents' contact details and pledges' contacts: before this, the
    walk seeded only contributors, so it would have passed with either shown to anyone."""
    client = login(app.test_client(), role)
    secrets = [*RESPONDENT, *PLEDGE_CONTACT]
    pledge_pages = [f"/staff/campaign/pledges/{pledge_id}" for pledge_id in respondent_and_pledge]
    shown = {}
    for endpoint, method, path in staff_rules(app):
        if method != "GET" or endpoint in ("staff.logout", "staff.export_download"):
            continue
        paths = pledge_pages if endpoint == "campaign_staff.pledge" else [path]
        for one in paths:
            reply = client.get(one)
            if reply.status_code == 200:
                page = reply.get_data(as_text=True)
                shown[one] = [secret for secret in secrets if secret in page]
    if role == "admin":
        # The positive control: the pages do show them to admins (so the walk can see them).
        assert PLEDGE_CONTACT[1] in shown[pledge_pages[0]]
    else:
        assert {path: found for path, found in shown.items() if found} == {}
        if role == "moderator":
            assert set(pledge_pages) <= set(shown)  # the moderator did open the pledges
    for path in ("/campaign", f"/campaign/signatories/{respondent_and_pledge[1]}"):
        page = app.test_client().get(path).get_data(as_text=True)
        assert not [secret for secret in secrets if secret in page], path
