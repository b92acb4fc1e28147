"""Publishing a snapshot at /outcomes, withdrawing it, and who may do either (an
administrator or a delegated analyst; every step logged)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from consult.db import db
from consult.i18n import format_moment
from consult.outcomes import operations, presenting, publication_versions
from consult.outcomes.blueprints import STAFF_ROLES, bp, can_publish, snapshot_or_404, threshold
from consult.outcomes.narrowing import NarrowingError
from consult.staff import concurrency, removals
from consult.staff.access import role_required
from consult.staff.models import User
from consult.staff.views import client_ip


@bp.post("/snapshots/<int:snapshot_id>/publish")
@role_required(*STAFF_ROLES)
@concurrency.versioned
def publish(snapshot_id: int):
    """Publish a snapshot at /outcomes (an administrator or a delegated analyst; logged)."""
    if not can_publish():
        abort(403)
    frozen = snapshot_or_404(snapshot_id)
    if answer := publication_versions.refused(client_ip()):
        return answer
    if request.form.get("confirm") != "yes":
        flash(_("Tick the confirmation to publish."), "warning")
        return redirect(url_for("outcomes.snapshot", snapshot_id=frozen.id))
    try:
        operations.publish(
            db.session,
            frozen,
            current_user,
            ip=client_ip(),
            threshold=threshold(),
            confirmed_narrower=request.form.get("narrower") == "yes",
        )
    except NarrowingError as narrower:
        db.rollback()
        flash(
            _(
                "Not published: %(reasons)s Tick the confirmation that the public page will say "
                "less, if that is what you want.",
                reasons=" ".join(narrower.narrowing.sentences()),
            ),
            "error",
        )
        return redirect(url_for("outcomes.snapshot", snapshot_id=frozen.id))
    except operations.DifferencingError as refused:
        flash(_differencing_message(refused), "error")
        return redirect(url_for("outcomes.snapshot", snapshot_id=frozen.id))
    db.commit()
    flash(_("Published at /outcomes."), "success")
    return redirect(url_for("outcomes.snapshot", snapshot_id=frozen.id))


def _differencing_message(refused: operations.DifferencingError) -> str:
    """Why publishing was refused: the snapshot sits too close to another one."""
    close = refused.close
    n = close.differing + close.unknown
    if close.published_at is None:
        return ngettext(
            "Not published: beside snapshot “%(label)s” (frozen on %(when)s, not published, "
            "its deck may have been shown), this snapshot differs by %(n)s response, fewer "
            "than %(threshold)s. Comparing the two would show that response's answers. "
            "Publish when at least %(threshold)s responses differ (freeze again later).",
            "Not published: beside snapshot “%(label)s” (frozen on %(when)s, not published, "
            "its deck may have been shown), this snapshot differs by %(n)s responses, fewer "
            "than %(threshold)s. Comparing the two would show those responses' answers. "
            "Publish when at least %(threshold)s responses differ (freeze again later).",
            n,
            when=format_moment(close.earlier.frozen_at),
            label=close.earlier.label,
            n=presenting.number(n),
            threshold=refused.threshold,
        )
    return ngettext(
        "Not published: beside the outcomes published on %(when)s (snapshot “%(label)s”), "
        "this snapshot differs by %(n)s response, fewer than %(threshold)s. Comparing the "
        "two pages would show that response's answers. Publish when at least "
        "%(threshold)s responses differ (freeze again later), or keep the earlier one.",
        "Not published: beside the outcomes published on %(when)s (snapshot “%(label)s”), "
        "this snapshot differs by %(n)s responses, fewer than %(threshold)s. Comparing the "
        "two pages would show those responses' answers. Publish when at least "
        "%(threshold)s responses differ (freeze again later), or keep the earlier one.",
        n,
        when=format_moment(close.published_at),
        label=close.earlier.label,
        n=presenting.number(n),
        threshold=refused.threshold,
    )


@bp.post("/publication/withdraw")
@role_required(*STAFF_ROLES)
@concurrency.versioned
@removals.confirms_removal
def withdraw():
    """Take the published outcomes off the public site (an administrator or a delegated
    analyst; logged)."""
    if not can_publish():
        abort(403)
    if answer := publication_versions.refused(client_ip(), removing=True):
        return answer
    operations.withdraw(db.session, current_user, ip=client_ip())
    db.commit()
    flash(_("The public outcomes page is empty again."), "success")
    return redirect(url_for("outcomes.snapshots"))


@bp.post("/publishers")
@role_required("admin")
def publishers():
    """Let an analyst publish and withdraw the outcomes, or take it back (logged)."""
    user = db.session.get(User, request.form.get("user_id", type=int) or 0)
    if user is None:
        abort(404)
    try:
        if request.form.get("grant") == "yes":
            operations.grant_publishing(db.session, user, current_user, ip=client_ip())
            message = _("%(email)s may now publish and withdraw the outcomes.", email=user.email)
        else:
            operations.revoke_publishing(db.session, user, current_user, ip=client_ip())
            message = _("%(email)s may no longer publish the outcomes.", email=user.email)
    except operations.OutcomesError as exc:
        db.rollback()
        flash(str(exc), "warning")
        return redirect(url_for("outcomes.snapshots"))
    db.commit()
    flash(message, "success")
    return redirect(url_for("outcomes.snapshots"))
