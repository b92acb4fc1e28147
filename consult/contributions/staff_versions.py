"""What a moderator's forms are drawn from: a contribution's moderation state, a reply's, an
official response, described for the staff concurrency chokepoint (consult.staff.concurrency).
"""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from consult.contributions import labels
from consult.contributions.models import Contribution, ContributionReply
from consult.db import db
from consult.staff.concurrency import Shared, staff_label, version
from consult.staff.models import User


def _label(mapping: dict, key: str | None) -> str:
    return str(mapping.get(key, key)) if key else ""


def _staff(user_id: int | None) -> str | None:
    return staff_label(db.session.get(User, user_id)) if user_id else None


def moderation(found: Contribution) -> Shared:
    """A contribution's moderation state: status, reason, note, hidden by reports."""
    if found.moderated_by_id:
        who = _staff(found.moderated_by_id)
    elif found.status == "withdrawn" or found.moderated_at is None:
        who = _("the contributor")
    else:
        who = _("the platform (readers' reports)")
    return Shared(
        target=f"contribution {found.id}",
        title=_("Contribution #%(number)d", number=found.id),
        fields={
            "status": (_("Status"), _label(labels.STATUS_LABELS, found.status)),
            "reason": (
                _("Reason (to reject or hide)"),
                _label(labels.MODERATION_REASON_LABELS, found.moderation_reason),
            ),
            "note": (_("Note to the contributor (optional)"), found.moderation_note or ""),
            "reported": (
                _("Hidden automatically until you decide"),
                _("yes") if found.is_hidden_by_reports else "",
            ),
        },
        changed_by=who,
        changed_at=found.moderated_at or found.created_at,
        back=url_for("moderation.contribution", contribution_id=found.id),
    )


def reply(found: ContributionReply) -> Shared:
    """A reply's moderation state."""
    who = _staff(found.moderated_by_id) if found.moderated_by_id else _("the contributor")
    return Shared(
        target=f"reply {found.id}",
        title=_("reply #%(number)d", number=found.id),
        fields={"status": (_("Status"), _label(labels.STATUS_LABELS, found.status))},
        changed_by=who,
        changed_at=found.moderated_at or found.created_at,
        back=url_for("moderation.contribution", contribution_id=found.contribution_id),
    )


def official_response(found: Contribution) -> Shared:
    """CISDP's official response to a contribution (none yet: empty)."""
    response = found.official_response
    return Shared(
        target=f"contribution {found.id} response",
        title=_("The official response to contribution #%(number)d", number=found.id),
        fields={
            "text": (_("Official response"), response.text if response else ""),
            "language": (_("Language"), response.language if response else ""),
        },
        changed_by=_staff(response.author_id) if response else None,
        changed_at=response.updated_at if response else None,
        back=url_for("moderation.contribution", contribution_id=found.id),
    )


def template_helpers() -> dict:
    """The versions templates put in the moderation forms."""
    return {
        "moderation_version": lambda c: version(moderation(c)),
        "reply_version": lambda r: version(reply(r)),
        "response_version": lambda c: version(official_response(c)),
    }
