"""What the campaign's staff forms are drawn from (a pledge, a commitment option), described
for the staff concurrency chokepoint (consult.staff.concurrency).
"""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from consult.campaign.models import CommitmentOption, Pledge
from consult.campaign.pledge_form import STATUS_LABELS
from consult.db import db
from consult.staff.concurrency import Shared, last_audited, staff_label, version
from consult.staff.models import User


def pledge(found: Pledge) -> Shared:
    """A pledge as staff decide on it: who changed it last, staff or the institution."""
    who, when = last_audited(f"pledge {found.id}")
    if who is None and found.decided_by_id:
        who, when = staff_label(db.session.get(User, found.decided_by_id)), found.decided_at
    if when is None or (found.submitted_at is not None and found.submitted_at > when):
        who, when = _("the institution"), found.submitted_at or found.updated_at
    letter = found.letter
    return Shared(
        target=f"pledge {found.id}",
        title=found.institution_name,
        fields={
            "revision": (_("Revision"), str(found.revision)),
            "status": (_("Status"), str(STATUS_LABELS.get(found.status, found.status))),
            "reason": (_("Reason given to the institution"), found.decision_reason or ""),
            "institution": (_("Institution"), found.institution_name),
            "signatory": (_("Signatory"), found.signatory_name),
            "pioneer": (_("Pioneer"), _("yes") if found.is_pioneer else _("no")),
            "letter": (_("Letter of commitment"), letter.original_name if letter else ""),
        },
        changed_by=who,
        changed_at=when,
        back=url_for("campaign_staff.pledge", pledge_id=found.id),
    )


def option(found: CommitmentOption) -> Shared:
    """A commitment option offered in the join form."""
    who, when = last_audited(f"option {found.key}")
    return Shared(
        target=f"option {found.key}",
        title=_("Commitment %(key)s", key=found.key),
        fields={
            "en": (_("English"), found.label_en),
            "fr": (_("French"), found.label_fr),
            "es": (_("Spanish"), found.label_es),
            "position": (_("Order"), str(found.position)),
            "active": (_("Offered in the join form"), _("yes") if found.is_active else _("no")),
        },
        changed_by=who,
        changed_at=when or found.updated_at,
        back=url_for("campaign_staff.options"),
    )


def template_helpers() -> dict:
    """The versions templates put in the campaign's staff forms."""
    return {
        "pledge_version": lambda p: version(pledge(p)),
        "option_version": lambda o: version(option(o)),
    }
