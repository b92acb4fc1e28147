"""The campaign in the staff workspace: the verification queue, a pledge with its letter and
possible duplicates, decisions, pioneers, paper pledges, the commitment list, due reports.

Every route requires the moderator role on the server (admins pass); contact details are shown
to the roles that may see personal data only. Every decision is in the audit log.
"""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from consult.campaign import letters, notices, operations, staff_versions
from consult.campaign.forms import DecisionForm, OptionForm, PioneerForm, PledgeForm, check_choices
from consult.campaign.models import (
    DRAFT,
    NEEDS_MORE,
    REJECTED,
    SOURCE_PAPER,
    SUBMITTED,
    VERIFIED,
    CommitmentLetter,
    CommitmentOption,
    Pledge,
    PledgeCommitment,
)
from consult.campaign.pledge_form import (
    FIELD_ORDER,
    STATUS_LABELS,
    prepare_pledge_form,
    receive_letter,
    values_from,
)
from consult.campaign.vocabulary import level_labels, region_names
from consult.db import db, utcnow
from consult.geography import country_name
from consult.i18n import current_language
from consult.questionnaires.models import Response
from consult.staff import audit, concurrency
from consult.staff.access import may_see_personal_data, role_required
from consult.staff.views import WORKSPACE_LINKS, client_ip

bp = Blueprint("campaign_staff", __name__, url_prefix="/staff/campaign")
bp.context_processor(staff_versions.template_helpers)

WORKSPACE_LINKS.append(("campaign_staff.queue", _l("Campaign pledges"), ("moderator",)))

#: The queue's views: what needs a decision first, then each state.
VIEWS = (SUBMITTED, NEEDS_MORE, DRAFT, VERIFIED, REJECTED)
VIEW_LABELS = {
    SUBMITTED: _l("To verify"),
    NEEDS_MORE: _l("Asked for more"),
    DRAFT: _l("Drafts"),
    VERIFIED: _l("Verified"),
    REJECTED: _l("Not accepted"),
}
DECISION_ERRORS = {
    "reason": _l("Write the reason: the institution will read it."),
    "duplicate": _l(
        "An institution of the same name in the same country has already joined. Check it is "
        "not the same one, tick the box, and verify again."
    ),
}


def _pledge_or_404(pledge_id: int) -> Pledge:
    pledge = db.session.get(Pledge, pledge_id)
    if pledge is None:
        abort(404)
    return pledge


def _labels() -> dict:
    language = current_language()
    return {
        "status_labels": STATUS_LABELS,
        "level_labels": level_labels(language),
        "region_names": region_names(language),
        "view_labels": VIEW_LABELS,
    }


@bp.get("")
@role_required("moderator")
def queue():
    """The pledges of one state (those to verify first), oldest first, with duplicates flagged."""
    view = request.args.get("view", SUBMITTED)
    if view not in VIEWS:
        view = SUBMITTED
    pledges = list(
        db.session.scalars(
            select(Pledge)
            .where(Pledge.status == view)
            .options(selectinload(Pledge.letters))
            .order_by(Pledge.submitted_at.is_(None), Pledge.submitted_at, Pledge.id)
            .limit(500)
        )
    )
    counts = dict(
        db.session.execute(select(Pledge.status, func.count()).group_by(Pledge.status)).all()
    )
    return render_template(
        "campaign/staff/queue.html",
        view=view,
        views=VIEWS,
        pledges=pledges,
        counts=counts,
        duplicates=operations.duplicate_counts(db.session, pledges),
        due_count=len(operations.due_reports(db.session, utcnow().date())),
        **_labels(),
    )


def _render_pledge(pledge: Pledge, decision_form=None, status: int = 200):
    decision_form = decision_form or DecisionForm(formdata=None)
    decision_form.revision.data = str(pledge.revision)
    response = db.session.get(Response, pledge.response_id) if pledge.response_id else None
    return (
        render_template(
            "campaign/staff/pledge.html",
            pledge=pledge,
            duplicates=operations.possible_duplicates(db.session, pledge),
            decision_form=decision_form,
            pioneer_form=PioneerForm(formdata=None, is_pioneer=pledge.is_pioneer),
            show_contact=may_see_personal_data(),
            response=response,
            latest=operations.latest_reports(pledge),
            today=utcnow().date(),
            **_labels(),
        ),
        status,
    )


@bp.get("/pledges/<int:pledge_id>")
@role_required("moderator")
def pledge(pledge_id: int):
    """One pledge: its facts, letter, possible duplicates, and the decision to take."""
    return _render_pledge(_pledge_or_404(pledge_id))


@bp.post("/pledges/<int:pledge_id>/decide")
@role_required("moderator")
@concurrency.versioned
def decide(pledge_id: int):
    """Verify, ask for more, or reject; the institution is told (reason included)."""
    found = _pledge_or_404(pledge_id)
    form = DecisionForm()
    typed = {
        "decision": (_("Decision"), request.form.get("decision", "")),
        "reason": (_("Reason given to the institution"), request.form.get("reason", "")),
    }
    stale = concurrency.refusal(replace(staff_versions.pledge(found), typed=typed), client_ip())
    if stale is not None:
        return stale
    if not form.validate():
        return _render_pledge(found, form, 422)
    # The version checked above holds the revision; the row's own version catches a race.
    shown = found.revision
    try:
        operations.decide(
            db.session,
            found,
            form.decision.data,
            form.reason.data or "",
            current_user,
            client_ip(),
            shown_revision=shown,
            joined_on=form.joined_on.data,
            not_a_duplicate=bool(form.not_a_duplicate.data),
        )
    except operations.StalePledge:
        # Changed between the version check and the write: the page as it is now, with the
        # decision and the reason typed still in their fields.
        db.rollback()
        form.decision.errors = [
            *form.decision.errors,
            _("This pledge changed while you were deciding. Look at it again."),
        ]
        return _render_pledge(_pledge_or_404(pledge_id), form, 409)
    except operations.DecisionError as error:
        db.rollback()
        code = str(error)
        message = DECISION_ERRORS.get(code) or _("This pledge is not waiting for a decision.")
        target = form.not_a_duplicate if code == "duplicate" else form.decision
        if code == "reason":
            target = form.reason
        target.errors = [*target.errors, str(message)]
        return _render_pledge(_pledge_or_404(pledge_id), form, 409)
    notices.queue_decision(db.session, found)
    db.commit()
    flash(
        _(
            "Decision saved for %(institution)s: %(status)s.",
            institution=found.institution_name,
            status=STATUS_LABELS[found.status],
        ),
        "success",
    )
    return redirect(url_for(".queue"), 303)


@bp.post("/pledges/<int:pledge_id>/pioneer")
@role_required("moderator")
@concurrency.versioned
def pioneer(pledge_id: int):
    """Mark a verified institution as one of the pioneers, or not."""
    found = _pledge_or_404(pledge_id)
    form = PioneerForm()
    stale = concurrency.refusal(staff_versions.pledge(found), client_ip())
    if stale is not None:
        return stale
    if not form.validate() or found.status != VERIFIED:
        abort(400)
    if operations.set_pioneer(
        db.session, found, bool(form.is_pioneer.data), current_user, client_ip()
    ):
        db.commit()
        flash(_("Saved."), "success")
    return redirect(url_for(".pledge", pledge_id=pledge_id), 303)


@bp.get("/pledges/<int:pledge_id>/letters/<int:letter_id>")
@role_required("moderator")
def letter(pledge_id: int, letter_id: int):
    """Download one of a pledge's letters."""
    found = _pledge_or_404(pledge_id)
    chosen = db.session.get(CommitmentLetter, letter_id)
    if chosen is None or chosen.pledge_id != found.id:
        abort(404)
    return letters.send_letter(found, chosen)


def _render_paper(form: PledgeForm, held, status: int = 200, language_error: str | None = None):
    return (
        render_template(
            "campaign/staff/paper.html",
            form=form,
            language_error=language_error,
            held_letter=held,
            field_order=FIELD_ORDER,
            max_letter_bytes=letters.max_bytes(),
            region_map={},
        ),
        status,
    )


@bp.get("/paper")
@role_required("moderator")
def paper():
    """Enter a pledge that reached CISDP on paper, with its letter."""
    form = PledgeForm(formdata=None)
    prepare_pledge_form(form)
    form.pledge_token.data = operations.new_token()
    return _render_paper(form, None)


@bp.post("/paper")
@role_required("moderator")
def paper_post():
    """Make the paper pledge (once per form); it joins the queue like any other."""
    form = PledgeForm()
    levels, bands, option_keys = prepare_pledge_form(form)
    # Staff enter what the signed paper says: the paper itself is the authorisation.
    form.authorised.data = True
    token = form.pledge_token.data or ""
    if not operations.is_token(token):
        abort(400)
    if operations.find_pledge(db.session, token) is not None:
        return redirect(url_for(".queue"), 303)
    holding = operations.holding_hash(token)
    valid = form.validate()
    # After validate(), which resets every field's errors.
    held = receive_letter(form, holding)
    valid = check_choices(form, levels, bands, option_keys) and valid
    if held is None and not form.letter.errors:
        form.letter.errors = [_("Attach the scanned letter of commitment (PDF).")]
    language = request.form.get("language") or current_language()
    language_error = None
    if language not in current_app.config["LANGUAGES"]:
        language_error = _("Choose one of the languages offered.")
    if not valid or form.letter.errors or language_error:
        db.commit()
        held_letter = letters.held_letter(db.session, holding)
        return _render_paper(form, held_letter, 422, language_error)
    pledge, created = operations.create_pledge(
        db.session, token, values_from(form, language, None), submit=True, source=SOURCE_PAPER
    )
    if created:
        attached = letters.attach_held(db.session, pledge, holding)
        if attached is not None:
            attached.uploaded_by_id = current_user.id
        audit.record(
            db.session,
            current_user,
            "campaign.paper_pledge_added",
            target=f"pledge {pledge.id}",
            details={"institution": pledge.institution_name, "country": pledge.country},
            ip=client_ip(),
        )
        notices.queue_pledge_received(db.session, pledge, token)
    db.commit()
    flash(_("The paper pledge is in the queue, to verify."), "success")
    return redirect(url_for(".pledge", pledge_id=pledge.id), 303)


@bp.get("/options")
@role_required("moderator")
def options():
    """The commitments offered in the join form, in three languages."""
    usage = dict(
        db.session.execute(
            select(PledgeCommitment.option_id, func.count()).group_by(PledgeCommitment.option_id)
        ).all()
    )
    return render_template(
        "campaign/staff/options.html",
        options=operations.all_options(db.session),
        usage=usage,
        new_form=OptionForm(formdata=None),
        forms={},
    )


@bp.post("/options")
@role_required("moderator")
def option_add():
    """Add a commitment option."""
    form = OptionForm()
    if form.validate() and not form.key.data:
        form.key.errors = [*form.key.errors, _("Give the new commitment a key.")]
    elif form.key.data and operations.option_key_taken(db.session, form.key.data):
        form.key.errors = [*form.key.errors, _("Another commitment has this key.")]
    if form.errors or form.key.errors:
        return render_template(
            "campaign/staff/options.html",
            options=operations.all_options(db.session),
            usage={},
            new_form=form,
            forms={},
        ), 422
    operations.save_option(
        db.session,
        None,
        key=form.key.data,
        labels={"en": form.label_en.data, "fr": form.label_fr.data, "es": form.label_es.data},
        position=form.position.data,
        is_active=bool(form.is_active.data),
        actor=current_user,
        ip=client_ip(),
    )
    db.commit()
    flash(_("Commitment added."), "success")
    return redirect(url_for(".options"), 303)


@bp.post("/options/<int:option_id>")
@role_required("moderator")
@concurrency.versioned
def option_edit(option_id: int):
    """Change a commitment option's labels, order, or whether it is offered."""
    option = db.session.get(CommitmentOption, option_id)
    if option is None:
        abort(404)
    typed = {
        name: (label, request.form.get(name, ""))
        for name, label in (
            ("label_en", _("English")),
            ("label_fr", _("French")),
            ("label_es", _("Spanish")),
        )
    }
    stale = concurrency.refusal(replace(staff_versions.option(option), typed=typed), client_ip())
    if stale is not None:
        return stale
    form = OptionForm()
    form.key.data = option.key
    if not form.validate():
        return render_template(
            "campaign/staff/options.html",
            options=operations.all_options(db.session),
            usage={},
            new_form=OptionForm(formdata=None),
            forms={option.id: form},
        ), 422
    operations.save_option(
        db.session,
        option,
        key=option.key,
        labels={"en": form.label_en.data, "fr": form.label_fr.data, "es": form.label_es.data},
        position=form.position.data,
        is_active=bool(form.is_active.data),
        actor=current_user,
        ip=client_ip(),
    )
    db.commit()
    flash(_("Commitment saved."), "success")
    return redirect(url_for(".options"), 303)


@bp.get("/due")
@role_required("moderator")
def due():
    """The verified institutions that owe this year's progress report."""
    today = utcnow().date()
    return render_template(
        "campaign/staff/due.html",
        due=operations.due_reports(db.session, today),
        year=today.year,
        show_contact=may_see_personal_data(),
        country_name=country_name,
        **_labels(),
    )
