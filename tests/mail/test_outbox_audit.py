"""Every staff view of personal data is in the audit log: the outbox list shows recipients'
addresses, so seeing it is recorded like seeing one message."""

from __future__ import annotations

from sqlalchemy import select

from consult.db import db
from consult.staff.models import AuditEntry
from tests.conftest import csrf_token
from tests.mail.conftest import sign_in


def _entries(app, action: str) -> list[tuple[str | None, dict | None]]:
    with app.app_context():
        return [
            (entry.actor_email, entry.details)
            for entry in db.session.scalars(select(AuditEntry).where(AuditEntry.action == action))
        ]


def test_seeing_the_outbox_list_is_in_the_audit_log(make_app) -> None:
    app = make_app()
    visitor = app.test_client()
    page = visitor.get("/staff/password/forgot").get_data(as_text=True)
    analyst = app.test_client()
    analyst_email = sign_in(app, analyst, "analyst")
    visitor.post(
        "/staff/password/forgot",
        data={"csrf_token": csrf_token(page), "email": analyst_email},
    )
    assert analyst.get("/staff/mail").status_code == 403
    assert _entries(app, "mail.outbox_viewed") == []  # refused: nothing was shown

    admin = app.test_client()
    admin_email = sign_in(app, admin, "admin")
    shown = admin.get("/staff/mail")
    assert shown.status_code == 200 and analyst_email in shown.get_data(as_text=True)
    [(actor, details)] = _entries(app, "mail.outbox_viewed")
    assert actor == admin_email and details["messages_shown"] == 1
    admin.get("/staff/mail")
    assert len(_entries(app, "mail.outbox_viewed")) == 2
    audit_page = admin.get("/staff/audit?action=mail.outbox_viewed")
    assert audit_page.status_code == 200 and admin_email in audit_page.get_data(as_text=True)
