"""Nobody's mail uses up anyone else's (consult/mail/quota.py): the per-recipient budget is
counted per requester (the response, pledge or contribution a message comes from, else the
client address), and a page whose message was not queued says so.

Before it, a stranger submitted their own response and pressed "Save changes" ten times with
someone's address as the receipt address: that person's "Lost your link?", "E-mail me my
link" and own receipt were then silently not queued for the day, while the pages said they
were on their way.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult.db import db, writing
from consult.mail import quota
from consult.mail.models import OutboxMessage
from consult.mail.outbox import Draft, enqueue
from tests.campaign.conftest import Institution, letter
from tests.conftest import Respondent
from tests.mail.test_respondents import _lost_link, email_link, outbox, submit
from tests.questionnaires.test_respond import fill_required

VICTIM = "officer@city.example.org"


def _queue(address: str, requester: str | None) -> bool:
    draft = Draft(
        kind="receipt",
        recipient_email=address,
        language="en",
        subject="s",
        body_text="b",
        requester=requester,
    )
    return enqueue(db.session, draft, "consult@cisdp.test") is not None


#: (client address, requester, recipient, queued?) in order, with 2 a day per recipient and
#: requester, and 6 an hour per client address (its ceiling and its own meter alike).
SEQUENCE = [
    ("203.0.113.1", "response:1", "a@x.org", True),
    ("203.0.113.1", "response:1", "a@x.org", True),
    ("203.0.113.1", "response:1", "a@x.org", False),  # response 1's budget for a@ is spent
    ("203.0.113.1", "response:1", "b@x.org", True),  # another recipient: its own budget
    ("203.0.113.2", "response:2", "a@x.org", True),  # another response: never used up by 1
    ("203.0.113.2", "response:2", "a@x.org", True),
    ("203.0.113.2", "response:2", "a@x.org", False),
    ("203.0.113.2", "pledge:1", "a@x.org", True),  # a pledge: its own
    ("203.0.113.2", "contribution:1", "a@x.org", True),
    ("203.0.113.2", "lost-link:client:203.0.113.2", "a@x.org", True),
    ("203.0.113.3", None, "a@x.org", True),  # no requester named: the client address
    ("203.0.113.3", None, "a@x.org", True),
    ("203.0.113.3", None, "a@x.org", False),
    ("203.0.113.4", None, "a@x.org", True),  # another client address: its own
    ("203.0.113.2", "response:3", "c@x.org", True),  # client .2's sixth message this hour
    ("203.0.113.2", "response:4", "d@x.org", False),  # its seventh: the address's ceiling
]


def test_each_requester_has_its_own_budget_per_recipient(make_app):
    app = make_app(
        RATELIMIT_ENABLED=True,
        MAIL_PUBLIC_LIMIT="6 per hour",
        MAIL_ADDRESS_CEILING="6 per hour",
        MAIL_PER_RECIPIENT_PER_DAY=2,
    )
    outcomes = []
    for client, requester, address, _queued in SEQUENCE:
        with app.test_request_context(environ_base={"REMOTE_ADDR": client}), writing():
            outcomes.append(_queue(address, requester))
            db.session.commit()
    assert outcomes == [queued for *_rest, queued in SEQUENCE]
    with app.app_context():
        recorded = set(db.session.scalars(select(OutboxMessage.requester)))
    assert "client:203.0.113.3" in recorded and None not in recorded


def test_refusal_says_why(make_app):
    app = make_app(
        RATELIMIT_ENABLED=True,
        MAIL_REQUESTER_LIMIT="3 per hour",
        MAIL_ADDRESS_CEILING="4 per hour",
        MAIL_PER_RECIPIENT_PER_DAY=1,
    )
    with app.test_request_context(environ_base={"REMOTE_ADDR": "192.0.2.9"}), writing():
        assert quota.refusal(db.session, "a@x.org", "response:1", "receipt") is None
        assert _queue("a@x.org", "response:1")
        assert quota.refusal(db.session, "a@x.org", "response:1", "receipt") == quota.RECIPIENT
        assert quota.refusal(db.session, "b@x.org", "response:1", "receipt") is None
        assert quota.refusal(db.session, "c@x.org", "response:1", "receipt") == quota.REQUESTER
        # Another response behind the same address: its own meter, up to the address's ceiling.
        assert quota.refusal(db.session, "c@x.org", "response:2", "receipt") is None
        assert quota.refusal(db.session, "d@x.org", "response:2", "receipt") == quota.CLIENT
        db.session.rollback()


def _strangers_receipts(app, count: int) -> None:
    """A stranger submits their own response and saves it ``count`` times with the victim's
    address as the receipt address."""
    stranger = Respondent(app.test_client())
    stranger.client.environ_base["REMOTE_ADDR"] = "198.51.100.66"
    stranger.start()
    fill_required(stranger)
    for _n in range(count):
        assert submit(stranger, **{"mail.receipt_email": VICTIM}).status_code == 303


def test_a_strangers_receipts_never_silence_the_owners_own_mail(make_app):
    app = make_app(RATELIMIT_ENABLED=False)
    _strangers_receipts(app, 12)
    assert [m.recipient_email for m in outbox(app)].count(VICTIM) == 10
    victim = Respondent(app.test_client())
    victim.start()
    fill_required(victim)
    # Her own receipt, her own link (the box and the form) and her "Lost your link?".
    reply = submit(victim, **{"mail.receipt_email": VICTIM})
    assert "receipt_not_sent" not in reply.location
    sent = email_link(victim, f"/r/{victim.token}/receipt", VICTIM)
    assert "link_sent=1" in sent.location
    page = victim.client.get(sent.location, follow_redirects=True).get_data(as_text=True)
    assert "on its way" in page and "was not sent" not in page
    lost = _lost_link(victim.client, VICTIM)
    assert lost.status_code == 200 and "on its way" in lost.get_data(as_text=True)
    kinds = [m.kind for m in outbox(app) if m.recipient_email == VICTIM]
    assert kinds.count("receipt") == 11
    assert kinds.count("personal_link") == 1 and kinds.count("lost_link") == 1


def test_a_message_not_queued_is_said_so_on_the_page(make_app):
    """The response's own budget spent: each page that asked says the message was not sent."""
    app = make_app(RATELIMIT_ENABLED=False, MAIL_PER_RECIPIENT_PER_DAY=2)
    respondent = Respondent(app.test_client())
    respondent.start()

    def box():
        return respondent.save("profile", {"link_email": VICTIM}, action="", goto="email-link")

    assert [("link_sent=1" in box().location) for _n in range(2)] == [True, True]
    # The box of a question page, then the receipt, then "E-mail me my link".
    assert "link_not_sent=1" in box().location
    page = respondent.client.get(box().location, follow_redirects=True).get_data(as_text=True)
    assert "Your personal link was not sent" in page and "on its way" not in page
    fill_required(respondent)
    reply = submit(respondent, **{"mail.receipt_email": VICTIM})
    assert reply.status_code == 303 and "receipt_not_sent=1" in reply.location
    page = respondent.client.get(reply.location, follow_redirects=True).get_data(as_text=True)
    assert "Your receipt was not e-mailed" in page
    sent = email_link(respondent, f"/r/{respondent.token}/receipt", VICTIM)
    assert "link_not_sent=1" in sent.location
    page = respondent.client.get(sent.location, follow_redirects=True).get_data(as_text=True)
    assert "Your personal link was not sent" in page and "on its way" not in page
    # Another address still has this response's budget; the receipt page says nothing then.
    other = email_link(respondent, f"/r/{respondent.token}/receipt", "b@x.org")
    assert "link_sent=1" in other.location
    assert (
        "receipt_not_sent" not in submit(respondent, **{"mail.receipt_email": "b@x.org"}).location
    )


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_a_pledge_whose_copy_was_not_mailed_says_so(make_app, language):
    app = make_app(RATELIMIT_ENABLED=True, MAIL_ADDRESS_CEILING="1 per hour")
    client = app.test_client()
    Institution(client).join()
    second = Institution(client)
    reply = second.send(upload=letter())
    assert reply.status_code == 303 and "sent=unmailed" in reply.location
    page = client.get(f"{reply.location}&lang={language}", follow_redirects=True).get_data(
        as_text=True
    )
    said = {"en": "No copy could be e-mailed", "fr": "Aucune copie", "es": "No se pudo enviar"}
    assert said[language] in page


def test_every_public_message_names_its_requester(make_app):
    """Walk the public pages that queue mail: each message is counted for what caused it."""
    app = make_app(RATELIMIT_ENABLED=False)
    client = app.test_client()
    respondent = Respondent(client)
    respondent.start()
    respondent.save("profile", {"link_email": "c@x.org"}, action="", goto="email-link")
    fill_required(respondent)
    submit(respondent, **{"mail.receipt_email": "a@x.org"})
    email_link(respondent, f"/r/{respondent.token}/receipt", "b@x.org")
    _lost_link(client, "a@x.org")
    Institution(client).join(contact_email="d@x.org")
    with app.app_context():
        from consult.campaign.models import Pledge
        from consult.questionnaires.models import Response

        response = db.session.scalars(select(Response.id)).one()
        pledge = db.session.scalars(select(Pledge.id)).one()
    seen = {(m.kind, m.recipient_email): m.requester for m in outbox(app)}
    assert seen == {
        ("receipt", "a@x.org"): f"response:{response}",
        ("personal_link", "b@x.org"): f"response:{response}",
        ("personal_link", "c@x.org"): f"response:{response}",
        ("lost_link", "a@x.org"): "lost-link:client:127.0.0.1",
        ("campaign_received", "d@x.org"): f"pledge:{pledge}",
    }


@pytest.mark.parametrize(
    ("requesters", "expected"),
    [
        # Thirty responses behind one venue's address: each its own meter, under the ceiling.
        ([f"response:{n}" for n in range(30)], [None] * 30),
        # One response asking for more than its own meter: refused for it, not for the others.
        (["response:1"] * 4 + ["response:2"], [None] * 3 + [quota.REQUESTER, None]),
        # Pledges and contributions are owners too.
        (["pledge:1"] * 4 + ["contribution:1"], [None] * 3 + [quota.REQUESTER, None]),
        # Nobody's own thing (a lost link, a client): the client address's own meter.
        ([None] * 3 + ["response:9"], [None, None, quota.CLIENT, None]),
        (["lost-link:client:192.0.2.1"] * 3, [None, None, quota.CLIENT]),
        # However many owners, the address bears a ceiling.
        ([f"response:{n}" for n in range(40, 47)], [None] * 6 + [quota.CLIENT]),
    ],
)
def test_the_meter_counts_the_owner_and_the_address_only_as_a_ceiling(
    make_app, requesters, expected
):
    """A venue's Wi-Fi: every city's receipt is sent, whoever else is on the same address."""
    app = make_app(
        RATELIMIT_ENABLED=True,
        MAIL_REQUESTER_LIMIT="3 per hour",
        MAIL_PUBLIC_LIMIT="2 per hour",
        MAIL_ADDRESS_CEILING="6 per hour" if len(requesters) == 7 else "100 per hour",
        MAIL_PER_RECIPIENT_PER_DAY=10,
    )
    with app.test_request_context(environ_base={"REMOTE_ADDR": "192.0.2.1"}), writing():
        said = [
            quota.refusal(db.session, f"city{n}@x.org", requester, "receipt")
            for n, requester in enumerate(requesters)
        ]
        db.session.rollback()
    assert said == expected


def test_thirty_cities_behind_one_address_each_get_their_receipt(make_app):
    """With the default limits: a working session's cities submit from one Wi-Fi."""
    app = make_app(RATELIMIT_ENABLED=True)
    for n in range(30):
        respondent = Respondent(app.test_client())
        respondent.start()
        fill_required(respondent)
        reply = submit(respondent, **{"mail.receipt_email": f"officer{n}@city{n}.example.org"})
        assert reply.status_code == 303 and "receipt_not_sent" not in reply.location, n
    assert len(outbox(app)) == 30
