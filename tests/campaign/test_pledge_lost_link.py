"""A lost pledge link can be recovered (consult/campaign/links.py), as a response's can.

Before: no "Lost your link?" for pledges and no staff action, so a verified city that lost
its link could never report its progress; the "verified" e-mail promised a link it did not
hold, and the pledge page called the link "the only way back".
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from consult.db import db
from consult.staff.models import AuditEntry
from tests.campaign.conftest import Institution
from tests.campaign.test_staff import _decide, _pledge
from tests.conftest import csrf_token
from tests.mail.test_respondents import outbox

CONTACT = "droits@grigny.example.org"
LINK_RE = re.compile(r"https?://[^\s\"<]+/campaign/lost-link/[^\s\"<]+")
PLEDGE_RE = re.compile(r"https?://[^\s\"<]+(/campaign/pledge/[A-Za-z0-9_-]+)")


def _ask(client, address: str):
    page = client.get("/campaign/lost-link").get_data(as_text=True)
    return client.post(
        "/campaign/lost-link", data={"csrf_token": csrf_token(page), "email": address}
    )


def _open(client, url: str):
    path = url.split("://", 1)[1].split("/", 1)[1]
    page = client.get(f"/{path}")
    assert page.status_code == 200
    return client.post(f"/{path}", data={"csrf_token": csrf_token(page.get_data(as_text=True))})


def test_lost_link_mails_a_way_back_that_retires_the_old_link(app):
    institution = Institution(app.test_client())
    old = institution.join()
    stranger = app.test_client()
    # A known address and an unknown one answer the same; only the known one is mailed.
    for address in (CONTACT.upper(), "nobody@else.example"):
        reply = _ask(stranger, address)
        assert reply.status_code == 200 and "on its way" in reply.get_data(as_text=True)
    [message] = [m for m in outbox(app) if m.kind == "campaign_lost_link"]
    assert message.recipient_email.lower() == CONTACT
    # Nothing changes until the link is opened: the old link still works.
    assert institution.client.get(f"/campaign/pledge/{old}").status_code == 200
    opened = _open(app.test_client(), LINK_RE.search(message.body_text).group(0))
    assert opened.status_code == 303 and "/campaign/pledge/" in opened.location
    new = opened.location.rsplit("/", 1)[1]
    assert new != old and app.test_client().get(f"/campaign/pledge/{new}").status_code == 200
    gone = institution.client.get(f"/campaign/pledge/{old}")
    assert gone.status_code == 410 and "This link was replaced" in gone.get_data(as_text=True)
    # The same message opened again gives the same link; audited once.
    link = LINK_RE.search(message.body_text).group(0)
    again = app.test_client().get("/" + link.split("://", 1)[1].split("/", 1)[1])
    assert again.status_code == 303 and again.location.endswith(new)
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.action == "campaign.pledge_link_reissued")
        ).all()
    assert len(actions) == 1


def test_lost_link_is_bounded_per_client_and_says_when_nothing_was_sent(make_app):
    app = make_app(RATELIMIT_ENABLED=False)
    Institution(app.test_client()).join()
    client = app.test_client()
    codes = [_ask(client, CONTACT).status_code for _n in range(4)]
    assert codes == [200, 200, 200, 429]
    assert "Nothing was sent" in _ask(client, CONTACT).get_data(as_text=True)
    # Another connection, the owner's own, still gets its way back.
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "192.0.2.44"
    assert _ask(owner, CONTACT).status_code == 200
    assert [m.kind for m in outbox(app)].count("campaign_lost_link") == 4


def test_staff_send_a_new_link_audited_and_the_old_link_says_so(app, client, login):
    institution = Institution(app.test_client())
    old = institution.join()
    pledge_id = _pledge(app).id
    login(client, "moderator")
    page = client.get(f"/staff/campaign/pledges/{pledge_id}").get_data(as_text=True)
    assert "Send a new link" in page
    reply = client.post(
        f"/staff/campaign/pledges/{pledge_id}/new-link", data={"csrf_token": csrf_token(page)}
    )
    assert reply.status_code == 303
    [message] = [m for m in outbox(app) if m.kind == "campaign_new_link"]
    path = PLEDGE_RE.search(message.body_text).group(1)
    assert app.test_client().get(path).status_code == 200
    assert institution.client.get(f"/campaign/pledge/{old}").status_code == 410
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "campaign.pledge_link_reissued")
        ).one()
        assert entry.details["by"] == "staff"


def test_the_verified_mail_says_how_to_get_the_link_back(app, client, login):
    Institution(app.test_client()).join()
    pledge_id = _pledge(app).id
    login(client, "moderator")
    assert _decide(client, pledge_id, decision="verify").status_code == 303
    [message] = [m for m in outbox(app) if m.kind == "campaign_verified"]
    assert "/campaign/lost-link" in message.body_text
    assert "/campaign/lost-link" in message.body_html


def test_every_route_of_a_replaced_pledge_link_says_it_was_replaced(app, client, login):
    """Walk every /campaign/pledge/<token> route with a replaced link: 410, never a bare 404."""
    institution = Institution(app.test_client())
    old = institution.join()
    pledge_id = _pledge(app).id
    login(client, "moderator")
    page = client.get(f"/staff/campaign/pledges/{pledge_id}").get_data(as_text=True)
    client.post(
        f"/staff/campaign/pledges/{pledge_id}/new-link", data={"csrf_token": csrf_token(page)}
    )
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/campaign/pledge/<token>")]
    assert len(rules) >= 5
    visitor = institution.client
    token = csrf_token(visitor.get("/campaign/join").get_data(as_text=True))
    for rule in rules:
        path = rule.rule.replace("<token>", old)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            reply = visitor.open(path, method=method, data={"csrf_token": token})
            assert reply.status_code == 410, (method, path, reply.status_code)
    assert visitor.get("/campaign/pledge/" + "x" * 32).status_code == 404


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_the_pledge_pages_lead_to_the_lost_link_page(app, language):
    institution = Institution(app.test_client())
    institution.client.get(f"/?lang={language}")
    for path in ("/campaign/join", "/campaign/lost-link"):
        page = institution.client.get(path).get_data(as_text=True)
        assert 'href="/campaign/lost-link"' in page or 'action="/campaign/lost-link"' in page


def test_replaced_pledge_links_are_forgotten_by_the_maintenance_job_after_a_year(app):
    """The job that forgets a response's replaced links (`questionnaires purge-drafts`, run at
    each start) forgets a pledge's after the same RETIRED_LINK_DAYS: then the old link is
    unknown (404) like any other; a younger one still says it was replaced."""
    from datetime import timedelta

    from sqlalchemy import update

    from consult.campaign.links import LOST_LINK_ACTOR, reissue
    from consult.campaign.models import Pledge, RetiredPledgeLink
    from consult.campaign.operations import hash_token
    from consult.db import utcnow, writing
    from consult.questionnaires.models import RETIRED_LINK_DAYS

    institution = Institution(app.test_client())
    oldest = institution.join()
    with app.app_context(), writing():
        pledge = db.session.scalars(select(Pledge)).one()
        younger = reissue(db.session, pledge, LOST_LINK_ACTOR)
        reissue(db.session, pledge, LOST_LINK_ACTOR)
        for token, age in ((oldest, RETIRED_LINK_DAYS + 1), (younger, 1)):
            db.session.execute(
                update(RetiredPledgeLink)
                .where(RetiredPledgeLink.token_hash == hash_token(token))
                .values(retired_at=utcnow() - timedelta(days=age))
            )
        db.session.commit()
    client = app.test_client()
    assert client.get(f"/campaign/pledge/{oldest}").status_code == 410
    result = app.test_cli_runner().invoke(args=["questionnaires", "purge-drafts"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RetiredPledgeLink)) == 1
    assert client.get(f"/campaign/pledge/{oldest}").status_code == 404
    assert client.get(f"/campaign/pledge/{younger}").status_code == 410
