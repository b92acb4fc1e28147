"""One client cannot flood one mailbox through new requesters (consult/mail/quota.py).

Every new draft is a new requester, so the per-requester budget never added up: fourteen join
drafts from one client, each naming a stranger as the contact, queued fourteen messages to
her, with the institution's name (typed by anyone) in the subject; six fresh responses each
pressing "E-mail me my link" queued six. Many requesters from one client to ONE recipient is a
flood (MAIL_CLIENT_RECIPIENT_LIMIT); many recipients from one client is a venue (its receipts
go: tests/mail/test_budgets_per_requester.py). And every client together meets a ceiling per
recipient, per budget (MAIL_STRANGER_CEILING_PER_DAY for what anyone can cause,
MAIL_RECIPIENT_CEILING_PER_DAY for the recipient's own steps), above which the owner's own
"Lost your link?" still goes.
"""

from __future__ import annotations

import pytest

from consult.db import db, writing
from consult.mail import quota
from consult.mail.outbox import Draft, enqueue
from tests.campaign.conftest import Institution
from tests.conftest import Respondent
from tests.mail.test_respondents import _lost_link, email_link, outbox, submit
from tests.questionnaires.test_respond import fill_required

VICTIM = "victim@target.example"

DRAFT = "campaign_draft_received"
#: (client address, requester, kind, recipient, why refused or None), in order, with 3 an hour
#: per client and recipient and 5 a day per recipient from every client, per budget.
SEQUENCE = [
    ("203.0.113.1", "pledge:1", DRAFT, VICTIM, None),
    ("203.0.113.1", "pledge:2", DRAFT, VICTIM, None),
    ("203.0.113.1", "response:3", "personal_link", VICTIM, None),
    ("203.0.113.1", "pledge:4", DRAFT, VICTIM, quota.CLIENT_RECIPIENT),  # a fourth requester
    ("203.0.113.1", "response:5", "personal_link", VICTIM, quota.CLIENT_RECIPIENT),
    ("203.0.113.1", "pledge:6", DRAFT, "other@target.example", None),  # a venue
    ("203.0.113.1", None, "contribution_hidden", "third@target.example", None),
    ("203.0.113.2", "pledge:7", DRAFT, VICTIM, None),  # another client: its own count
    ("203.0.113.3", "pledge:8", DRAFT, VICTIM, None),  # the victim's fifth stranger's message
    ("203.0.113.4", "pledge:9", DRAFT, VICTIM, quota.RECIPIENT_CEILING),  # every client
    ("203.0.113.4", "lost-link:client:203.0.113.4", "lost_link", VICTIM, None),  # recovery
    ("203.0.113.4", "pledge:9", DRAFT, "other@target.example", None),
    # The recipient's own steps have their own budget, per client and over every client.
    ("203.0.113.1", "response:10", "receipt", VICTIM, None),
    ("203.0.113.4", "pledge:11", "campaign_received", VICTIM, None),
]


def test_one_client_cannot_flood_one_recipient_through_new_requesters(make_app):
    app = make_app(
        RATELIMIT_ENABLED=True,
        MAIL_CLIENT_RECIPIENT_LIMIT="3 per hour",
        MAIL_STRANGER_CEILING_PER_DAY=5,
        MAIL_RECIPIENT_CEILING_PER_DAY=5,
    )
    outcomes = []
    for client, requester, kind, address, _why in SEQUENCE:
        with app.test_request_context(environ_base={"REMOTE_ADDR": client}), writing():
            outcomes.append(quota.refusal(db.session, address, requester, kind))
            if outcomes[-1] is None:
                draft = Draft(kind, address, "en", "s", "b", requester=requester)
                enqueue(db.session, draft, "consult@cisdp.test", metered=False)
            db.session.commit()
    assert outcomes == [why for *_rest, why in SEQUENCE]


def _drafts(client, count: int, institution_name: str) -> list[str]:
    """Send ``count`` fresh join drafts from one client, each for another institution (one
    browser's draft for the same institution is continued, not made again); return where each
    answer went."""
    return [
        Institution(client)
        .send(action="draft", contact_email=VICTIM, institution_name=f"{institution_name} {n}")
        .location
        for n in range(count)
    ]


def test_join_drafts_from_one_client_flood_no_one(make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    locations = _drafts(app.test_client(), 14, institution_name="Spam town")
    mailed = [m for m in outbox(app) if m.recipient_email == VICTIM]
    assert len(mailed) == 5  # MAIL_CLIENT_RECIPIENT_LIMIT's hour
    assert sum("sent=unmailed" in where for where in locations) == 9
    # Nothing the public typed is in the subject a stranger's mailbox shows.
    assert all("Spam" not in m.subject for m in mailed)


def test_email_my_link_from_fresh_drafts_floods_no_one(make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    client = app.test_client()
    sent = []
    for _n in range(7):
        respondent = Respondent(client)
        respondent.start()
        sent.append(email_link(respondent, f"/r/{respondent.token}/s/profile", VICTIM).location)
    assert [("link_sent=1" in where) for where in sent] == [True] * 5 + [False] * 2
    assert all("link_not_sent=1" in where for where in sent[5:])
    assert [m.recipient_email for m in outbox(app)].count(VICTIM) == 5


def test_strangers_who_filled_her_mailbox_never_take_the_owners_receipt(make_app):
    """Strangers from many clients reach the ceiling of what anyone can cause (join drafts,
    a draft's link, lost links asked for her address); her receipt still goes, the page says
    nothing of a refusal, and her "Lost your link?" from her own connection still goes."""
    app = make_app(RATELIMIT_ENABLED=True, MAIL_STRANGER_CEILING_PER_DAY=3)
    owner = Respondent(app.test_client())
    owner.client.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    owner.start()
    for n in range(3):
        stranger = Institution(app.test_client())
        stranger.client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
        stranger.send(action="draft", contact_email=VICTIM)
    # The ceiling is reached: one more of anyone's is refused, from any client.
    assert "link_not_sent=1" in email_link(owner, f"/r/{owner.token}/s/profile", VICTIM).location
    fill_required(owner)
    reply = submit(owner, **{"mail.receipt_email": VICTIM})
    assert reply.status_code == 303 and "receipt_not_sent" not in reply.location
    lost = _lost_link(owner.client, VICTIM)
    assert lost.status_code == 200 and "on its way" in lost.get_data(as_text=True)
    kinds = [m.kind for m in outbox(app) if m.recipient_email == VICTIM]
    assert kinds.count("receipt") == 1 and kinds.count("lost_link") == 1
    assert kinds.count("campaign_draft_received") == 3 and kinds.count("personal_link") == 0


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_no_subject_of_public_mail_carries_what_the_public_typed(make_app, language):
    """Walk the public pages that mail an address anyone may type: no subject holds text
    typed on the page (the institution, a name)."""
    app = make_app(RATELIMIT_ENABLED=False)
    client = app.test_client()
    client.get(f"/?lang={language}")
    typed = "Spam town ZQX"
    Institution(client).send(action="draft", contact_email="a@x.org", institution_name=typed)
    Institution(client).join(contact_email="b@x.org", institution_name=typed, contact_name=typed)
    respondent = Respondent(client)
    respondent.start()
    email_link(respondent, f"/r/{respondent.token}/s/profile", "c@x.org")
    fill_required(respondent)
    submit(respondent, **{"mail.receipt_email": "d@x.org"})
    _lost_link(client, "d@x.org")
    subjects = {m.kind: m.subject for m in outbox(app)}
    expected = {"campaign_draft_received", "personal_link", "receipt", "lost_link"}
    assert expected <= set(subjects)
    assert all("ZQX" not in subject for subject in subjects.values()), subjects
