"""Who causes each kind of message decides its budget (consult/mail/kinds.py), at one gate.

Strangers once filled a mailbox's one daily ceiling with join drafts or a draft's "e-mail me
my link" naming someone's address, and that person's own receipt was refused for the day.
Each kind now has a cause: what anyone can cause by typing an address meets its own ceiling,
never the recipient's own; a receipt that still cannot go is said so and shown to staff.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import select

from consult.db import db, writing
from consult.mail import kinds, quota
from consult.mail.models import REFUSED, OutboxMessage
from consult.mail.outbox import Draft, enqueue
from consult.mail.sender import run
from tests.campaign.conftest import Institution
from tests.conftest import Respondent
from tests.mail.conftest import sign_in
from tests.mail.test_respondents import email_link, outbox, submit
from tests.questionnaires.test_respond import fill_required

OWNER = "owner@city.example"
ROOT = Path(__file__).resolve().parents[2]

#: Every kind the platform sends, and who causes it: changing the table is a decision.
EXPECTED = {
    "receipt": kinds.OWN,
    "campaign_received": kinds.OWN,
    "personal_link": kinds.ANYONE,
    "campaign_draft_received": kinds.ANYONE,
    "lost_link": kinds.ANYONE,
    "campaign_lost_link": kinds.ANYONE,
    "staff_reset": kinds.ANYONE,
    "contribution_hidden": kinds.ANYONE,
    "invitation": kinds.STAFF,
    "reminder": kinds.STAFF,
    "test": kinds.STAFF,
    "staff_invite": kinds.STAFF,
    "moderation_digest": kinds.STAFF,
    "contribution_published": kinds.STAFF,
    "contribution_rejected": kinds.STAFF,
    "contribution_replied": kinds.STAFF,
    "campaign_verified": kinds.STAFF,
    "campaign_needs_more": kinds.STAFF,
    "campaign_rejected": kinds.STAFF,
    "campaign_new_link": kinds.STAFF,
}


def test_every_kind_has_the_cause_we_decided():
    assert kinds.CAUSE_OF == EXPECTED


def _fill(app, kind: str, count: int, first_client: int = 1) -> None:
    """``count`` public messages of ``kind`` to OWNER, each from its own client and requester."""
    for n in range(count):
        client = f"198.51.100.{first_client + n}"
        with app.test_request_context(environ_base={"REMOTE_ADDR": client}), writing():
            draft = Draft(kind, OWNER, "en", "s", "b", requester=f"pledge:{900 + n}")
            assert enqueue(db.session, draft, "consult@cisdp.test") is not None
            db.session.commit()


def _said(app, kind: str) -> str | None:
    with app.test_request_context(environ_base={"REMOTE_ADDR": "192.0.2.50"}), writing():
        try:
            return quota.refusal(db.session, OWNER, "response:77", kind)
        finally:
            db.session.rollback()


@pytest.mark.parametrize("kind", sorted(EXPECTED))
@pytest.mark.parametrize("filled_by", ["personal_link", "receipt"])
def test_one_budget_full_never_refuses_another(make_app, kind, filled_by):
    """For every kind: strangers' mail filling its ceiling refuses only what anyone can cause
    (the owner's recovery apart); the recipient's own receipts filling theirs refuses only
    the recipient's own kinds. A staff kind a public request caused is anyone's."""
    app = make_app(
        RATELIMIT_ENABLED=True, MAIL_STRANGER_CEILING_PER_DAY=2, MAIL_RECIPIENT_CEILING_PER_DAY=2
    )
    _fill(app, filled_by, 2)
    full = kinds.budget_of(filled_by)
    expected = (
        quota.RECIPIENT_CEILING
        if kinds.budget_of(kind) == full and kind not in kinds.RECOVERY
        else None
    )
    assert _said(app, kind) == expected


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_a_refused_message_leaves_a_row_for_staff_only_when_it_was_the_recipients_own(
    make_app, kind
):
    app = make_app(
        RATELIMIT_ENABLED=True, MAIL_STRANGER_CEILING_PER_DAY=0, MAIL_RECIPIENT_CEILING_PER_DAY=0
    )
    with app.test_request_context(environ_base={"REMOTE_ADDR": "192.0.2.50"}), writing():
        draft = Draft(kind, OWNER, "en", "s", "secret body", requester="response:77")
        queued = enqueue(db.session, draft, "consult@cisdp.test")
        db.session.commit()
        rows = db.session.scalars(select(OutboxMessage)).all()
        if kind in kinds.RECOVERY:
            assert queued is not None and [r.state for r in rows] == ["pending"]
        elif kinds.cause_of(kind) == kinds.OWN:
            assert queued is None
            assert [(r.state, r.kind, r.recipient_email) for r in rows] == [(REFUSED, kind, OWNER)]
            assert rows[0].body_text is None and rows[0].body_html is None
        else:
            assert queued is None and rows == []


def test_staff_mail_is_never_metered(make_app):
    app = make_app(
        RATELIMIT_ENABLED=True, MAIL_STRANGER_CEILING_PER_DAY=0, MAIL_RECIPIENT_CEILING_PER_DAY=0
    )
    with app.app_context(), writing():  # no request: the command line, the sender's own work
        for kind in EXPECTED:
            assert enqueue(db.session, Draft(kind, OWNER, "en", "s", "b"), "c@cisdp.test")
        db.session.rollback()


def test_a_kind_without_a_cause_cannot_be_queued(make_app):
    app = make_app()
    with app.app_context(), pytest.raises(kinds.UnclassifiedKind):
        enqueue(db.session, Draft("newsletter", OWNER, "en", "s", "b"), "c@cisdp.test")


# -- the walk: every place that queues mail reaches the table ------------------------------------

#: Calls that take a message kind, and where: (positional index, keyword).
KIND_ARGUMENTS = {
    "Draft": (0, "kind"),
    "queue": (1, "kind"),  # consult.mail.messages.queue(session, kind, ...)
    "render": (0, "kind"),  # consult.mail.messages.render(kind, language, ...)
    "queue_to_contact": (2, "kind"),
    "answer_lost_link": (None, "kind"),
}


def _sources() -> list[Path]:
    return sorted((ROOT / "consult").rglob("*.py"))


def _name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _kind_literals() -> set[str]:
    """Every message kind written in the code: at the calls that take one, and in the tables
    that name kinds (the subjects, the notices, the contributors', the invitees')."""
    from consult.campaign import notices
    from consult.mail import contributors, invitees, messages, staff_accounts  # noqa: F401

    found = set(messages.SUBJECTS) | set(notices.KINDS.values())
    found |= set(contributors.KINDS.values()) | set(invitees.KINDS)
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or _name(node) not in KIND_ARGUMENTS:
                continue
            position, keyword = KIND_ARGUMENTS[_name(node)]
            values = [k.value for k in node.keywords if k.arg == keyword]
            if position is not None and len(node.args) > position:
                values.append(node.args[position])
            found |= {
                v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str)
            }
    # Every template of a message kind (messages.render draws templates/mail/<kind>.txt).
    found |= {
        p.stem for p in (ROOT / "templates" / "mail").glob("*.txt") if not p.stem.startswith("_")
    }
    return found


def test_every_kind_written_in_the_code_has_a_cause():
    written = _kind_literals()
    assert {"receipt", "personal_link", "campaign_received", "invitation"} <= written
    assert written - set(kinds.CAUSE_OF) == set()


def test_only_the_outbox_gate_writes_messages():
    """No code builds or inserts an outbox row but outbox.enqueue, which asks the table."""
    writers = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node) == "OutboxMessage":
                writers.append(path.relative_to(ROOT).as_posix())
            if (
                isinstance(node, ast.Call)
                and _name(node) == "insert"
                and any("OutboxMessage" in ast.dump(arg) for arg in node.args)
            ):
                writers.append(path.relative_to(ROOT).as_posix())
    assert writers == ["consult/mail/outbox.py"]
    source = (ROOT / "consult/mail/outbox.py").read_text(encoding="utf-8")
    gate = source[source.index("def enqueue(") : source.index("def _claimable(")]
    assert "kinds.cause_of(draft.kind)" in gate and "OutboxMessage(" in gate


def test_every_message_the_public_pages_queue_has_a_cause(make_app):
    """Walk the public pages that mail: every row they leave names a classified kind."""
    app = make_app(RATELIMIT_ENABLED=False)
    client = app.test_client()
    respondent = Respondent(client)
    respondent.start()
    email_link(respondent, f"/r/{respondent.token}/s/profile", "a@x.org")
    fill_required(respondent)
    submit(respondent, **{"mail.receipt_email": "a@x.org"})
    Institution(app.test_client()).send(action="draft", contact_email="b@x.org")
    Institution(app.test_client()).join(contact_email="c@x.org")
    seen = {m.kind for m in outbox(app, refused=True)}
    assert seen == {"personal_link", "receipt", "campaign_draft_received", "campaign_received"}
    assert seen <= set(kinds.CAUSE_OF)


# -- end to end, through a real SMTP server -------------------------------------------------------


def test_strangers_filling_her_mailbox_never_stop_her_receipt_arriving(make_app, smtp_server):
    app = make_app(RATELIMIT_ENABLED=True, MAIL_STRANGER_CEILING_PER_DAY=3, **smtp_server.config())
    for n in range(4):  # a fourth is refused: the strangers' ceiling holds
        stranger = Institution(app.test_client())
        stranger.client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
        stranger.send(action="draft", contact_email=OWNER)
    owner = Respondent(app.test_client())
    owner.client.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    owner.start()
    fill_required(owner)
    reply = submit(owner, **{"mail.receipt_email": OWNER})
    assert reply.status_code == 303 and "receipt_not_sent" not in reply.location
    with app.app_context():
        run(app, loop=False)
    subjects = [str(m["Subject"]) for m in smtp_server.recorder.messages()]
    assert len(subjects) == 4
    assert sum(s.startswith("Receipt ") for s in subjects) == 1


def test_a_receipt_that_cannot_go_is_said_and_shown_to_staff(make_app, smtp_server):
    """Her own budget full (two other responses' receipts to her address today): the page says
    the receipt was not e-mailed, nothing reaches the server, and the outbox shows it."""
    app = make_app(RATELIMIT_ENABLED=True, MAIL_RECIPIENT_CEILING_PER_DAY=2, **smtp_server.config())
    replies = []
    for n in range(3):
        respondent = Respondent(app.test_client())
        respondent.client.environ_base["REMOTE_ADDR"] = f"192.0.2.{20 + n}"
        respondent.start()
        fill_required(respondent)
        replies.append(submit(respondent, **{"mail.receipt_email": OWNER}))
    assert ["receipt_not_sent" in r.location for r in replies] == [False, False, True]
    page = replies[-1].location
    said = respondent.client.get(page, follow_redirects=True).get_data(as_text=True)
    assert "Your receipt was not e-mailed" in said
    with app.app_context():
        run(app, loop=False)
    assert len(smtp_server.recorder.messages()) == 2
    refused = [m for m in outbox(app, refused=True) if m.state == REFUSED]
    assert [(m.kind, m.recipient_email, m.body_text) for m in refused] == [("receipt", OWNER, None)]
    staff = app.test_client()
    sign_in(app, staff, "admin")
    shown = staff.get("/staff/mail").get_data(as_text=True)
    assert (
        "a daily limit on receipts and pledge copies was reached (the page said so)</dt><dd>1<"
        in shown
    )
    assert "refused" in shown
