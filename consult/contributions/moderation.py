"""Moderation, in the staff workspace: the queue, decisions one by one or in bulk, the log.

Every route requires the moderator role (admins pass). Every decision is recorded with who,
when and why in the moderation log, and in the staff audit log with the moderator's address;
a rejection's reason and note reach the contributor on their private status page.
"""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

from flask import (
    Blueprint,
    abort,
    flash,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from consult.contributions import operations, reactions, staff_versions
from consult.contributions.choices import language_choices
from consult.contributions.forms import (
    OfficialResponseForm,
    moderation_reason_choices,
    set_options,
)
from consult.contributions.labels import MODERATION_REASON_LABELS
from consult.contributions.models import (
    STATUSES,
    Contribution,
    ContributionReply,
    ContributionReport,
    ModerationAction,
)
from consult.contributions.registry import current_charter
from consult.core.field_limits import too_long
from consult.core.inputs import parse_id, query_page
from consult.core.links import safe_local_path
from consult.db import db
from consult.staff import concurrency, removals
from consult.staff.access import role_required
from consult.staff.models import User
from consult.staff.views import WORKSPACE_LINKS, client_ip

bp = Blueprint("moderation", __name__, url_prefix="/staff/moderation")

WORKSPACE_LINKS.append(("moderation.queue", _l("Moderate contributions"), ("moderator",)))

bp.context_processor(staff_versions.template_helpers)

#: The queue's views: what needs a decision first, then every status.
VIEWS = ("queue", *STATUSES)
QUEUE_LIMIT = 200
LOG_PAGE = 100


def _reported_ids() -> list[int]:
    return list(
        db.session.scalars(
            select(ContributionReport.contribution_id)
            .where(ContributionReport.resolved_at.is_(None))
            .distinct()
        )
    )


@bp.get("/")
@role_required("moderator")
def queue():
    """Pending and reported contributions and pending replies; other statuses on request."""
    return _render_queue(request.args.get("show", "queue"))


def _render_queue(view: str, refused: str | None = None, status: int = 200):
    """The queue (``view``: what needs a decision, or one status); a refused decision's
    message and what its form held (``request.form``, drawn back into the fields)."""
    if view not in VIEWS:
        view = "queue"
    query = select(Contribution).options(selectinload(Contribution.contributor))
    reported = _reported_ids()
    if view == "queue":
        pending = db.session.scalars(
            query.where(Contribution.status == "pending")
            .order_by(Contribution.created_at)
            .limit(QUEUE_LIMIT)
        ).all()
        flagged = (
            db.session.scalars(
                query.where(Contribution.id.in_(reported)).order_by(Contribution.created_at)
            ).all()
            if reported
            else []
        )
        groups = [("pending", pending), ("reported", flagged)]
    else:
        items = db.session.scalars(
            query.where(Contribution.status == view)
            .order_by(Contribution.created_at.desc())
            .limit(QUEUE_LIMIT)
        ).all()
        groups = [(view, items)]
    shown = [c.id for _name, items in groups for c in items]
    replies = db.session.scalars(
        select(ContributionReply)
        .where(ContributionReply.status == "pending")
        .order_by(ContributionReply.created_at)
        .limit(QUEUE_LIMIT)
    ).all()
    counts = dict(
        db.session.execute(
            select(Contribution.status, func.count(Contribution.id)).group_by(Contribution.status)
        ).all()
    )
    return render_template(
        "moderation/queue.html",
        view=view,
        views=VIEWS,
        groups=groups,
        replies=replies if view == "queue" else [],
        twins=operations.near_twins(db.session, shown),
        report_counts=reactions.open_report_counts(db.session, shown),
        counts=counts,
        reported_total=len(reported),
        reasons=moderation_reason_choices(),
        charter=current_charter(),
        messages=get_flashed_messages(),
        refused=refused,
    ), status


#: The moderation page of one contribution (a decision's form may come from it).
_ONE_PAGE = re.compile(r"/staff/moderation/(\d+)\Z")


def _drawn_again(message: str, back: str):
    """Refuse a decision: the page its form came from, drawn again with the message and
    everything the form held (a note typed stays in its field), 422. Nothing is changed."""
    db.rollback()
    where = urlsplit(back)
    one = _ONE_PAGE.match(where.path)
    found = db.session.get(Contribution, int(one.group(1))) if one else None
    if found is not None:
        form = OfficialResponseForm(formdata=None, obj=found.official_response)
        set_options(form.language, language_choices())
        return _render_contribution(found, form, 422, refused=message)
    view = parse_qs(where.query).get("show", ["queue"])[0]
    return _render_queue(view, refused=message, status=422)


@bp.post("/act")
@role_required("moderator")
@concurrency.versioned
@removals.confirms_removal
def act():
    """Apply one decision (a per-item button) or the same decision to every ticked item."""
    single = request.form.get("one", "")
    if single:
        item, _sep, action = single.partition(":")
        ids = [item]
        reason = request.form.get(f"reason-{item}") or request.form.get("reason")
        note = request.form.get(f"note-{item}") or request.form.get("note")
    else:
        ids = request.form.getlist("ids")
        action = request.form.get("action", "")
        reason = request.form.get("reason")
        note = request.form.get("note")
    back = safe_local_path(
        request.form.get("next"), url_for("moderation.queue"), allowed_prefix="/staff/moderation"
    )
    if action not in operations.TRANSITIONS:
        return _drawn_again(_("Choose what to do."), back)
    if single:
        # A changed item is said first (with what was typed), before anything else is asked.
        number = parse_id(item)
        contribution = db.session.get(Contribution, number) if number is not None else None
        if contribution is not None:
            typed = {"action": (_("Action"), _action_word(action))}
            if action in ("reject", "hide"):
                reason_label = MODERATION_REASON_LABELS.get(reason or "", reason or "")
                typed["reason"] = (_("Reason (to reject or hide)"), str(reason_label))
                typed["note"] = (_("Note to the contributor (optional)"), note or "")
            shared = replace(staff_versions.moderation(contribution), typed=typed)
            stale = concurrency.refusal(shared, client_ip(), field_name=f"version-{number}")
            if stale is not None:
                return stale
    if action in ("reject", "hide") and reason not in operations.MODERATION_REASONS:
        return _drawn_again(_("Choose a reason to reject or hide."), back)
    if too_long(note, operations.MODERATION_NOTE_MAX):
        return _drawn_again(
            _(
                "Shorten the note to %(max)s characters at most (it has %(length)s).",
                max=format_decimal(operations.MODERATION_NOTE_MAX),
                length=format_decimal(len(note or "")),
            ),
            back,
        )
    if not ids:
        return _drawn_again(_("Tick at least one contribution."), back)
    chosen, skipped, changed = [], 0, []
    for raw in ids:
        number = parse_id(raw)
        contribution = db.session.get(Contribution, number) if number is not None else None
        if contribution is None:
            skipped += 1
            continue
        shared = staff_versions.moderation(contribution)
        if not single and not concurrency.is_current(shared, request.form.get(f"version-{number}")):
            concurrency.record_refusal(shared, None, client_ip())
            changed.append(shared)
            continue
        chosen.append(contribution)
    public = [c for c in chosen if c.status == "published"]
    if action in ("reject", "hide") and public:
        titles = [_("Contribution #%(number)d", number=c.id) for c in public]
        unconfirmed = removals.unconfirmed(titles, back)
        if unconfirmed is not None:
            db.rollback()  # nothing done yet; the confirmed post checks the versions again
            return unconfirmed
    done = 0
    for contribution in chosen:
        try:
            operations.moderate(
                db.session,
                contribution,
                action,
                current_user,
                reason=reason,
                note=note,
                ip=client_ip(),
            )
            done += 1
        except operations.ContributionError:
            skipped += 1
    db.commit()
    if changed:
        flash(
            _(
                "Not applied, changed by someone else since you opened the page (look again): "
                "%(list)s.",
                list="; ".join(
                    f"{s.title}: {s.fields['status'][1]}, {s.changed_by}" for s in changed
                ),
            ),
            "warning",
        )
    summary = ngettext(
        "%(action)s: %(num)d contribution.",
        "%(action)s: %(num)d contributions.",
        done,
        action=_action_word(action),
    )
    if skipped:
        summary += " " + ngettext(
            "%(num)d skipped (not in a state that allows it).",
            "%(num)d skipped (not in a state that allows it).",
            skipped,
        )
    flash(summary)
    return redirect(back, 303)


def _action_word(action: str) -> str:
    return {
        "approve": _("Approved"),
        "reject": _("Rejected"),
        "hide": _("Hidden"),
        "restore": _("Restored"),
    }[action]


@bp.post("/replies/act")
@role_required("moderator")
@concurrency.versioned
@removals.confirms_removal
def act_on_reply():
    """Approve, reject, hide or restore one reply."""
    item, _sep, action = request.form.get("one", "").partition(":")
    back = safe_local_path(
        request.form.get("next"), url_for("moderation.queue"), allowed_prefix="/staff/moderation"
    )
    reply = db.session.get(ContributionReply, int(item)) if item.isdigit() else None
    if reply is None:
        abort(404)
    reason = request.form.get(f"reply-reason-{item}") or None
    stale = concurrency.refusal(
        staff_versions.reply(reply), client_ip(), field_name=f"reply-version-{reply.id}"
    )
    if stale is not None:
        return stale
    if action in ("reject", "hide") and reply.status == "published":
        unconfirmed = removals.unconfirmed([_("reply #%(number)d", number=reply.id)], back)
        if unconfirmed is not None:
            return unconfirmed
    try:
        reactions.moderate_reply(
            db.session, reply, action, current_user, reason=reason, ip=client_ip()
        )
    except operations.ContributionError as error:
        flash(
            _("Choose a reason to reject or hide.")
            if error.code == "reason"
            else _("This reply is not in a state that allows it.")
        )
        return redirect(back, 303)
    db.commit()
    flash(_("%(action)s: 1 reply.", action=_action_word(action)))
    return redirect(back, 303)


@bp.get("/<int:contribution_id>")
@role_required("moderator")
def contribution(contribution_id: int):
    """One contribution for moderators: text, contributor, reports, twins, replies, history."""
    found = db.session.get(Contribution, contribution_id) or abort(404)
    form = OfficialResponseForm(formdata=None, obj=found.official_response)
    set_options(form.language, language_choices())
    return _render_contribution(found, form)


def _render_contribution(
    found: Contribution,
    form: OfficialResponseForm,
    status: int = 200,
    refused: str | None = None,
):
    reports = db.session.scalars(
        select(ContributionReport)
        .where(ContributionReport.contribution_id == found.id)
        .order_by(ContributionReport.created_at)
    ).all()
    history = db.session.execute(
        select(ModerationAction, User.email)
        .outerjoin(User, User.id == ModerationAction.moderator_id)
        .where(ModerationAction.contribution_id == found.id)
        .order_by(ModerationAction.created_at, ModerationAction.id)
    ).all()
    return (
        render_template(
            "moderation/contribution.html",
            contribution=found,
            reports=reports,
            decided_before=_decided_before(reports, [entry for entry, _email in history]),
            history=history,
            twins=operations.near_twins(db.session, [found.id]).get(found.id, []),
            reasons=moderation_reason_choices(),
            form=form,
            charter=current_charter(),
            messages=get_flashed_messages(),
            refused=refused,
        ),
        status,
    )


def _decided_before(
    reports: list[ContributionReport], history: list[ModerationAction]
) -> dict[int, ModerationAction]:
    """Open reports made before a decision (a comment added since opened them again): report
    id -> the last decision, which the page still shows next to the report."""
    decisions = [entry for entry in history if entry.action in operations.TRANSITIONS]
    found = {}
    for report in reports:
        earlier = [entry for entry in decisions if entry.created_at >= report.created_at]
        if report.resolved_at is None and earlier:
            found[report.id] = earlier[-1]
    return found


@bp.post("/<int:contribution_id>/response")
@role_required("moderator")
@concurrency.versioned
def respond(contribution_id: int):
    """Write or change CISDP's official response to a contribution."""
    found = db.session.get(Contribution, contribution_id) or abort(404)
    form = OfficialResponseForm()
    set_options(form.language, language_choices())
    if not form.validate() or form.language.data not in form.language.option_keys:
        return _render_contribution(found, form, 422)
    shared = replace(
        staff_versions.official_response(found),
        typed={"text": (_("Official response"), form.text.data or "")},
    )
    stale = concurrency.refusal(shared, client_ip())
    if stale is not None:
        return stale
    operations.set_official_response(
        db.session,
        found,
        text=form.text.data,
        language=form.language.data,
        author=current_user,
        ip=client_ip(),
    )
    db.commit()
    flash(_("The official response is saved."))
    return redirect(url_for("moderation.contribution", contribution_id=found.id), 303)


@bp.get("/log")
@role_required("moderator")
def log():
    """The moderation log: every decision, newest first."""
    page = query_page()
    entries = db.session.execute(
        select(ModerationAction, User.email)
        .outerjoin(User, User.id == ModerationAction.moderator_id)
        .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())
        .limit(LOG_PAGE + 1)
        .offset((page - 1) * LOG_PAGE)
    ).all()
    return render_template(
        "moderation/log.html",
        entries=entries[:LOG_PAGE],
        page=page,
        has_more=len(entries) > LOG_PAGE,
    )
