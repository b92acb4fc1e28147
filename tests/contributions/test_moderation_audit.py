"""Moderation decisions reach the staff audit log (who, what, when, from where), besides the
moderation log; what the platform does by itself does not."""

from __future__ import annotations

from sqlalchemy import select

from consult.contributions import operations, reactions
from consult.contributions.models import Contribution, ContributionReply
from consult.db import db, writing
from consult.staff.models import AuditEntry, User
from tests.conftest import csrf_token, form_versions, moderation_versions
from tests.contributions.conftest import moderation_csrf

ADDRESS = "203.0.113.7"


def audit_entries(app) -> list[tuple[str, str, str | None, str | None, dict | None]]:
    with app.app_context():
        return [
            (entry.action, entry.target, entry.actor_email, entry.ip, entry.details)
            for entry in db.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action.like("moderation.%"))
                .order_by(AuditEntry.id)
            )
        ]


def moderator_email(app) -> str:
    with app.app_context():
        return db.session.scalar(select(User.email).where(User.role == "moderator"))


def test_every_decision_in_the_workspace_is_audited_with_its_address(
    app, client, login, contribute
):
    first, _ = contribute("First")
    second, _ = contribute("Second")
    login(client, "moderator")
    token = moderation_csrf(client)
    env = {"REMOTE_ADDR": ADDRESS}

    def act(**data):
        reply = client.post(
            "/staff/moderation/act",
            data={**moderation_versions(client), "csrf_token": token, **data},
            environ_base=env,
        )
        assert reply.status_code == 303

    act(one=f"{first}:approve")
    act(**{"one": f"{second}:reject", f"reason-{second}": "off_topic", f"note-{second}": "Why"})
    act(**{"one": f"{first}:hide", f"reason-{first}": "spam", "confirm_removal": "yes"})
    act(one=f"{first}:restore")
    act(one=f"{first}:approve")  # refused: already published; nothing recorded
    who = moderator_email(app)
    assert audit_entries(app) == [
        (
            "moderation.approve",
            f"contribution {first}",
            who,
            ADDRESS,
            {"from": "pending", "to": "published"},
        ),
        (
            "moderation.reject",
            f"contribution {second}",
            who,
            ADDRESS,
            {"from": "pending", "to": "rejected", "reason": "off_topic", "note": "Why"},
        ),
        (
            "moderation.hide",
            f"contribution {first}",
            who,
            ADDRESS,
            {"from": "published", "to": "hidden", "reason": "spam"},
        ),
        (
            "moderation.restore",
            f"contribution {first}",
            who,
            ADDRESS,
            {"from": "hidden", "to": "published"},
        ),
    ]


def test_a_bulk_decision_is_audited_once_per_contribution(app, client, login, contribute):
    ids = [contribute(f"Bulk {n}")[0] for n in range(3)]
    login(client, "moderator")
    client.post(
        "/staff/moderation/act",
        data={
            **moderation_versions(client),
            "csrf_token": moderation_csrf(client),
            "ids": ids,
            "action": "approve",
        },
    )
    assert [(action, target) for action, target, *_ in audit_entries(app)] == [
        ("moderation.approve", f"contribution {i}") for i in ids
    ]


def test_reply_decisions_and_official_responses_are_audited(app, client, login, contribute):
    contribution_id, _ = contribute("Original", publish=True)
    with app.app_context(), writing():
        contribution = db.session.get(Contribution, contribution_id)
        reply = reactions.add_reply(db.session, contribution, text="A reply", language="fr")
        db.commit()
        reply_id = reply.id
    login(client, "moderator")
    queue = client.get("/staff/moderation/").get_data(as_text=True)
    client.post(
        "/staff/moderation/replies/act",
        data={
            **moderation_versions(client),
            "csrf_token": csrf_token(queue),
            "one": f"{reply_id}:hide",
            "confirm_removal": "yes",
            f"reply-reason-{reply_id}": "offensive",
        },
        environ_base={"REMOTE_ADDR": ADDRESS},
    )
    page = client.get(f"/staff/moderation/{contribution_id}").get_data(as_text=True)
    for text in ("We read you.", "We read you, and answer."):
        client.post(
            f"/staff/moderation/{contribution_id}/response",
            data={
                **form_versions(client, f"/staff/moderation/{contribution_id}"),
                "csrf_token": csrf_token(page),
                "text": text,
                "language": "en",
            },
            environ_base={"REMOTE_ADDR": ADDRESS},
        )
    with app.app_context():
        assert db.session.get(ContributionReply, reply_id).status == "hidden"
    who = moderator_email(app)
    assert audit_entries(app) == [
        (
            "moderation.reply.hide",
            f"reply {reply_id} (contribution {contribution_id})",
            who,
            ADDRESS,
            {"from": "pending", "to": "hidden", "reason": "offensive"},
        ),
        (
            "moderation.respond",
            f"contribution {contribution_id}",
            who,
            ADDRESS,
            {"official_response": "written", "language": "en"},
        ),
        (
            "moderation.respond",
            f"contribution {contribution_id}",
            who,
            ADDRESS,
            {"official_response": "changed", "language": "en"},
        ),
    ]


def test_what_the_platform_does_by_itself_is_not_a_staff_action(app, contribute):
    """Submissions, hiding after reports and withdrawals stay in the moderation log only."""
    contribution_id, _ = contribute("Reported", publish=True)
    with app.app_context(), writing():
        # What the test's set-up did (the publishing moderator's account) is not counted.
        before = {e.id for e in db.session.scalars(select(AuditEntry))}
        contribution = db.session.get(Contribution, contribution_id)
        for n in range(3):
            reactions.add_report(
                db.session,
                contribution,
                reason="spam",
                reporter_hash=f"r{n}",
                address_hash=f"a{n}",
            )
        operations.withdraw(db.session, contribution)
        db.commit()
        assert contribution.status == "withdrawn"
        after = db.session.scalars(select(AuditEntry)).all()
        assert [e.action for e in after if e.id not in before] == []


def test_admins_find_moderation_in_the_audit_page(app, client, login, contribute):
    contribution_id, _ = contribute("Audited")
    login(client, "moderator")
    client.post(
        "/staff/moderation/act",
        data={
            **moderation_versions(client),
            "csrf_token": moderation_csrf(client),
            "one": f"{contribution_id}:approve",
        },
    )
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get("/staff/audit?action=moderation.approve").get_data(as_text=True)
    assert f"contribution {contribution_id}" in page and moderator_email(app) in page
    assert '<option value="moderation.reject"' in page  # offered in the filter before it occurs
