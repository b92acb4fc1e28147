"""What the publish and withdraw forms are drawn from: which snapshot is public, since when
and by whom, described for the staff concurrency chokepoint (consult.staff.concurrency).

View-side (it uses Flask's translations and URLs); the analysis code never imports it.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from consult.db import db
from consult.outcomes.models import OutcomePublication, OutcomeSnapshot
from consult.staff import concurrency, removals
from consult.staff.concurrency import Shared, version


def publication() -> Shared:
    """The public outcomes page: the snapshot it shows (none: withdrawn) and its last change."""
    latest = db.session.scalars(
        select(OutcomePublication)
        .order_by(OutcomePublication.published_at.desc(), OutcomePublication.id.desc())
        .limit(1)
    ).first()
    public = latest if latest is not None and latest.withdrawn_at is None else None
    snapshot = db.session.get(OutcomeSnapshot, public.snapshot_id) if public else None
    if latest is None:
        who, when = None, None
    elif public is None:
        who, when = latest.withdrawn_by_email, latest.withdrawn_at
    else:
        who, when = latest.published_by_email, latest.published_at
    return Shared(
        target="outcomes publication",
        title=_("The public outcomes page"),
        fields={
            "snapshot": (_("Snapshot shown"), snapshot.label if snapshot else ""),
            "since": (
                _("Published since"),
                public.published_at.isoformat(timespec="seconds") if public else "",
            ),
        },
        changed_by=who,
        changed_at=when,
        back=url_for("outcomes.snapshots"),
    )


def refused(client_ip: str | None, *, removing: bool = False):
    """Return the page refusing a publish or withdraw drawn from an older publication, or (to
    withdraw) asking for the removal's tick; None when the change may go ahead."""
    shown = publication()
    stale = concurrency.refusal(shown, client_ip)
    if stale is not None or not removing:
        return stale
    return removals.unconfirmed([shown.title], shown.back)


def template_helpers() -> dict:
    """The version templates put in the publish and withdraw forms."""
    return {"publication_version": lambda: version(publication())}
