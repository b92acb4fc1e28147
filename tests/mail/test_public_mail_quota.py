"""One meter for the mail the public causes (consult/mail/quota.py, asked by outbox.enqueue):
per client address and per recipient, whatever page queued the message.

Before it, a submitted response could press "Save changes" with a receipt address 240 times a
minute: 240 messages carrying the respondent's own text, to any addresses.
"""

from __future__ import annotations

import pytest
from flask import g
from sqlalchemy import func, select

from consult.db import db, writing
from consult.mail import quota
from consult.mail.models import REFUSED, OutboxMessage
from consult.mail.outbox import Draft, enqueue
from consult.staff.models import User
from tests.campaign.conftest import Institution
from tests.conftest import Respondent
from tests.mail.test_respondents import email_link, submit
from tests.questionnaires.test_respond import fill_required


def _queued(app, **where) -> int:
    with app.app_context():
        query = select(func.count(OutboxMessage.id)).where(OutboxMessage.state != REFUSED)
        for name, value in where.items():
            query = query.where(getattr(OutboxMessage, name) == value)
        return db.session.scalar(query)


def _queue(address: str) -> bool:
    draft = Draft(kind="test", recipient_email=address, language="en", subject="s", body_text="b")
    return enqueue(db.session, draft, "consult@cisdp.test") is not None


@pytest.mark.parametrize(
    ("context", "metered"),
    [("public request", True), ("staff request", False), ("no request", False), ("digest", False)],
)
def test_only_public_requests_are_metered(make_app, staff, context, metered):
    app = make_app(RATELIMIT_ENABLED=True, MAIL_PUBLIC_LIMIT="2 per hour")
    sent = []
    with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.5"}), writing():
        if context == "staff request":
            staff("admin", "boss@cisdp.test")
            g._login_user = db.session.scalar(select(User))  # Flask-Login's current user
        elif context == "digest":
            g.setdefault(quota.UNMETERED, True)
        sent = [_queue(f"city{n}@example.org") for n in range(4)]
        db.session.commit()
    if context == "no request":
        with app.app_context(), writing():
            sent = [_queue(f"city{n}@example.org") for n in range(4)]
            db.session.commit()
    assert sent == ([True, True, False, False] if metered else [True] * 4)


@pytest.mark.parametrize(
    ("limit", "per_recipient", "addresses", "expected"),
    [
        ("50 per hour", 3, ["a@example.org"] * 5, [True, True, True, False, False]),
        ("50 per hour", 3, ["a@example.org", "b@example.org"] * 2, [True] * 4),
        ("3 per hour", 10, [f"c{n}@example.org" for n in range(5)], [True] * 3 + [False] * 2),
        ("2 per hour;3 per day", 10, [f"d{n}@x.org" for n in range(4)], [True, True, False, False]),
    ],
)  # fmt: skip
def test_the_meter_counts_per_client_and_per_recipient(
    make_app, limit, per_recipient, addresses, expected
):
    app = make_app(
        RATELIMIT_ENABLED=True, MAIL_PUBLIC_LIMIT=limit, MAIL_PER_RECIPIENT_PER_DAY=per_recipient
    )
    with app.test_request_context(environ_base={"REMOTE_ADDR": "198.51.100.7"}), writing():
        assert [_queue(address) for address in addresses] == expected
        db.session.commit()
    # Another client address has its own counts, per client and per recipient: nobody else's
    # messages use up its budget.
    with app.test_request_context(environ_base={"REMOTE_ADDR": "198.51.100.8"}), writing():
        assert _queue("fresh@example.org")
        assert _queue(addresses[0])
        db.session.rollback()


def test_every_public_page_that_mails_goes_through_the_meter(make_app):
    """The receipt (again at every save), the personal link, the pledge received: one meter,
    its address ceiling kept per budget (what anyone can cause, the recipient's own steps)."""
    app = make_app(
        RATELIMIT_ENABLED=True, MAIL_PUBLIC_LIMIT="4 per hour", MAIL_ADDRESS_CEILING="4 per hour"
    )
    client = app.test_client()
    respondent = Respondent(client)
    respondent.start()
    fill_required(respondent)
    for n in range(3):
        reply = submit(respondent, **{"mail.receipt_email": f"victim{n}@example.org"})
        assert reply.status_code == 303
    assert email_link(respondent, f"/r/{respondent.token}/review", "me@example.org").status_code
    institution = Institution(client)
    for n in range(2):
        institution.join(contact_email=f"contact{n}@example.org")
    # Three receipts and the first pledge fill the own budget's ceiling; the link is anyone's.
    assert _queued(app) == 5
    assert _queued(app, kind="personal_link") == 1 and _queued(app, kind="campaign_received") == 1
    # The pages answered as usual: the submission and the pledges were made.
    with app.app_context():
        from consult.campaign.models import Pledge

        assert db.session.scalar(select(func.count(Pledge.id))) == 2


def test_a_response_cannot_flood_one_mailbox(make_app):
    app = make_app(RATELIMIT_ENABLED=False)  # the per-recipient bound holds without it
    respondent = Respondent(app.test_client())
    respondent.start()
    fill_required(respondent)
    for _n in range(15):
        assert submit(respondent, **{"mail.receipt_email": "victim@example.org"}).status_code == 303
    assert _queued(app, recipient_email="victim@example.org") == 10
