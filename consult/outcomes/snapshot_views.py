"""Snapshots and the deck: freezing, comparing, publishing and withdrawing, the deck of a
snapshot."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Response as HttpResponse
from flask import (
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from consult.db import db, utcnow
from consult.outcomes import data, operations, presenting
from consult.outcomes.blueprints import (
    STAFF_ROLES,
    TIMEZONES,
    bp,
    covered_contributions,
    frozen_summary_of,
    snapshot_or_404,
    sources,
    template_context,
)
from consult.outcomes.models import OutcomePublication, OutcomeSnapshot
from consult.questionnaires.models import Response
from consult.staff import audit
from consult.staff.access import has_role, role_required
from consult.staff.views import client_ip

# -- snapshots ------------------------------------------------------------------------------------


@bp.get("/snapshots")
@role_required(*STAFF_ROLES)
def snapshots():
    """Every frozen snapshot, the one published, and the form to freeze a new one."""
    listed = db.session.scalars(
        select(OutcomeSnapshot).order_by(OutcomeSnapshot.frozen_at.desc())
    ).all()
    publication = operations.current_publication(db.session)
    history = db.session.scalars(
        select(OutcomePublication).order_by(OutcomePublication.published_at.desc()).limit(20)
    ).all()
    live = db.session.scalar(select(func.count(Response.id)).where(Response.status == "submitted"))
    return render_template(
        "outcomes/snapshots.html",
        snapshots=listed,
        publication=publication,
        history=history,
        live_count=live,
        timezones=TIMEZONES,
        p=presenting,
        now_local=utcnow().astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%dT%H:%M"),
    )


@bp.post("/snapshots")
@role_required(*STAFF_ROLES)
def freeze():
    """Freeze the outcomes now (or at an earlier data time) under a label."""
    form = request.form
    timezone = form.get("timezone", "UTC")
    try:
        zone = operations.check_timezone(timezone)
        as_of = None
        if form.get("as_of"):
            try:
                as_of = datetime.fromisoformat(form["as_of"]).replace(tzinfo=zone)
            except ValueError as exc:
                raise operations.OutcomesError(
                    _("The data time is not a valid date and time.")
                ) from exc
        snapshot = operations.freeze(
            db.session,
            sources(),
            label=form.get("label", ""),
            timezone=timezone,
            actor=current_user,
            as_of=as_of,
            ip=client_ip(),
        )
    except operations.OutcomesError as exc:
        db.rollback()
        flash(_("Nothing was frozen: %(reason)s", reason=str(exc)), "warning")
        return redirect(url_for("outcomes.snapshots"))
    db.commit()
    flash(_("Snapshot frozen: %(n)s responses.", n=snapshot.response_count), "success")
    return redirect(url_for("outcomes.snapshot", snapshot_id=snapshot.id))


@bp.get("/snapshots/<int:snapshot_id>")
@role_required(*STAFF_ROLES)
def snapshot(snapshot_id: int):
    """A frozen snapshot, and how the live data (or a later snapshot) differs from it."""
    frozen = snapshot_or_404(snapshot_id)
    frozen_summary = frozen_summary_of(frozen)
    ids = operations.snapshot_ids(frozen)
    compare_with = request.args.get("compare", type=int)
    if compare_with:
        later = snapshot_or_404(compare_with)
        later_summary = operations.snapshot_summary(later)
        later_ids = operations.snapshot_ids(later)
        compared_label = later.label
    else:
        later_summary = data.cached_summary(db.engine, sources()).summary
        later_ids = [
            int(i)
            for i in db.session.scalars(select(Response.id).where(Response.status == "submitted"))
        ]
        compared_label = None
    comparison = operations.compare(frozen_summary, ids, later_summary, later_ids)
    others = db.session.scalars(
        select(OutcomeSnapshot)
        .where(OutcomeSnapshot.id != frozen.id)
        .order_by(OutcomeSnapshot.frozen_at.desc())
    ).all()
    publication = operations.current_publication(db.session)
    return render_template(
        "outcomes/snapshot.html",
        **template_context(
            frozen_summary,
            snapshot=frozen,
            comparison=comparison,
            compared_label=compared_label,
            others=others,
            is_published=publication is not None and publication.snapshot_id == frozen.id,
            can_publish=has_role("admin"),
            filter_query={},
            mode="snapshot",
            public_view=False,
        ),
    )


@bp.get("/snapshots/<int:snapshot_id>/summary.json")
@role_required(*STAFF_ROLES)
def snapshot_json(snapshot_id: int):
    """Download a snapshot's summary exactly as frozen."""
    frozen = snapshot_or_404(snapshot_id)
    audit.record(
        db.session,
        current_user,
        "export.outcomes",
        target=f"snapshot:{frozen.id}",
        details={"format": "json"},
        ip=client_ip(),
    )
    db.commit()
    return HttpResponse(
        frozen.summary_json,
        mimetype="application/json",
        headers={"Content-Disposition": f"attachment; filename=outcomes-snapshot-{frozen.id}.json"},
    )


@bp.post("/snapshots/<int:snapshot_id>/publish")
@role_required("admin")
def publish(snapshot_id: int):
    """Publish a snapshot at /outcomes (administrators only; logged)."""
    frozen = snapshot_or_404(snapshot_id)
    if request.form.get("confirm") != "yes":
        flash(_("Tick the confirmation to publish."), "warning")
        return redirect(url_for("outcomes.snapshot", snapshot_id=frozen.id))
    operations.publish(db.session, frozen, current_user, ip=client_ip())
    db.commit()
    flash(_("Published at /outcomes."), "success")
    return redirect(url_for("outcomes.snapshot", snapshot_id=frozen.id))


@bp.post("/publication/withdraw")
@role_required("admin")
def withdraw():
    """Take the published outcomes off the public site (administrators only; logged)."""
    operations.withdraw(db.session, current_user, ip=client_ip())
    db.commit()
    flash(_("The public outcomes page is empty again."), "success")
    return redirect(url_for("outcomes.snapshots"))


# -- the deck -------------------------------------------------------------------------------------


@bp.get("/<int:snapshot_id>/deck")
@role_required(*STAFF_ROLES)
def deck(snapshot_id: int):
    """A five-minute slide deck of a snapshot, in the chosen language."""
    frozen = snapshot_or_404(snapshot_id)
    frozen_summary = frozen_summary_of(frozen)
    ids = set(operations.snapshot_ids(frozen))
    quotes = operations.deck_quotes(db.session, ids, covered_contributions(frozen_summary))
    return render_template(
        "outcomes/deck.html",
        **template_context(
            frozen_summary,
            snapshot=frozen,
            quotes=quotes,
            findings={
                q["key"]: presenting.key_findings(q) for q in frozen_summary["questionnaires"]
            },
            public_view=False,
        ),
    )
