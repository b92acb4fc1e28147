"""Invitations: import (admin, analyst), links for a mail merge, coverage; the public link."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from consult import geography
from consult.core.links import absolute_url_for
from consult.db import db, utcnow
from consult.exports import naming
from consult.i18n import current_language, translate_text
from consult.mail import invitee_mail
from consult.questionnaires import operations as responding
from consult.questionnaires import retired
from consult.questionnaires.registry import get_questionnaire
from consult.staff import audit, invitations, personal
from consult.staff.access import role_required
from consult.staff.forms import ActionForm, InvitationImportForm
from consult.staff.models import Invitation
from consult.staff.views import ALL_ROLES, WORKSPACE_LINKS, bp, client_ip

WORKSPACE_LINKS.extend(
    [
        ("staff.invitations_page", _l("Invitations"), ("admin", "analyst")),
        ("staff.coverage", _l("Coverage"), ALL_ROLES),
    ]
)

ERRORS = {
    "encoding": _l("The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again."),
    "empty": _l("The file is empty."),
    "unknown_column": _l("Unknown column “%(value)s” (expected name, country, email, region)."),
    "missing_column": _l("The header has no “%(column)s” column."),
    "too_many_rows": _l("More than %(value)s rows: split the file."),
    "extra_cells": _l("This row has more cells than the header."),
    "required": _l("“%(column)s” is required."),
    "too_long": _l("Longer than %(value)s characters."),
    "unknown_country": _l("“%(value)s” is not a country code or name we know."),
    "invalid_email": _l("“%(value)s” is not an e-mail address."),
    "unknown_region": _l("“%(value)s” is not a UCLG region."),
    "unknown_language": _l("“%(value)s” is not a language of the consultation (en, fr, es)."),
    "duplicate": _l("“%(value)s” is already invited (or appears twice in the file)."),
    "no_rows": _l("The file has a header but no rows."),
}


def _region_map() -> dict[str, str]:
    return geography.region_map(current_app.config["QUESTIONNAIRES_PATH"])


def _region_labels() -> dict[str, dict[str, str]]:
    return geography.region_labels(current_app.config["QUESTIONNAIRES_PATH"])


def link_for(invitation) -> str:
    """Return the full personal link of an invitation."""
    token = invitations.invitation_token(invitation, current_app.config["SECRET_KEY"])
    args = {"lang": invitation.language} if invitation.language else {}
    return absolute_url_for("invitations.open_invitation", token=token, **args)


def _statuses():
    return invitations.statuses(db.session, invitations.INVITATION_QUESTIONNAIRE, _region_map())


@bp.route("/invitations", methods=["GET", "POST"])
@role_required("admin", "analyst")
def invitations_page():
    """List invitations and import a CSV file of local governments."""
    form = InvitationImportForm()
    errors: list[str] = []
    imported = None
    status = 200
    if form.validate_on_submit():
        data = form.file.data.read(5 * 1024 * 1024 + 1)
        if len(data) > 5 * 1024 * 1024:
            errors.append(_("The file is larger than 5 MB: split it."))
        else:
            result = invitations.parse_csv(
                data,
                _region_labels(),
                invitations.existing_identities(db.session, invitations.INVITATION_QUESTIONNAIRE),
            )
            errors = [_error_text(error) for error in result.errors]
            if not result.errors:
                created = invitations.create_invitations(
                    db.session,
                    result.rows,
                    current_user,
                    invitations.INVITATION_QUESTIONNAIRE,
                )
                audit.record(
                    db.session,
                    current_user,
                    "invitations.imported",
                    target=form.file.data.filename,
                    details={"count": len(created)},
                    ip=client_ip(),
                )
                db.commit()
                imported = len(created)
        if errors:
            status = 422
    elif form.errors:
        errors = [str(e) for messages in form.errors.values() for e in messages]
        status = 422
    rows = _statuses()
    return (
        render_template(
            "staff/invitations.html",
            form=form,
            errors=errors,
            imported=imported,
            rows=rows,
            region_labels={k: translate_text(v) for k, v in _region_labels().items()},
            country_names=geography.country_names(current_language()),
        ),
        status,
    )


def _error_text(error: invitations.RowError) -> str:
    message = str(ERRORS[error.code]) % {"value": error.value, "column": error.column}
    if error.line >= 2:
        return _("Line %(line)s: %(message)s", line=error.line, message=message)
    return message


@bp.get("/invitations/links.csv")
@role_required("admin", "analyst")
def invitation_links():
    """Download every invitation with its personal link, for a mail merge."""
    rows = _statuses()
    body = invitations.links_csv(rows, link_for, lambda email: personal.shown(email, "email"))
    audit.record(
        db.session,
        current_user,
        "invitations.exported",
        details={"count": len(rows)},
        ip=client_ip(),
    )
    db.commit()
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": naming.content_disposition(f"invitation-links-{stamp}.csv"),
            "Cache-Control": "no-store",
        },
    )


@bp.get("/coverage")
@role_required(*ALL_ROLES)
def coverage():
    """Invited, started, submitted per region and per country; who has not answered yet."""
    rows = _statuses()
    total, by_region, by_country = invitations.coverage(rows)
    waiting = [row for row in rows if row.state != "submitted"]
    names = geography.country_names(current_language())
    labels = {k: translate_text(v) for k, v in _region_labels().items()}
    return render_template(
        "staff/coverage.html",
        total=total,
        by_region=geography.sorted_by_name(
            by_region, lambda line: labels.get(line.key, line.key), current_language()
        ),
        by_country=geography.sorted_by_name(
            by_country, lambda line: names.get(line.key, line.key), current_language()
        ),
        waiting=waiting,
        region_labels=labels,
        country_names=names,
    )


@bp.post("/invitations/<int:invitation_id>/new-link")
@role_required("admin")
def invitation_new_link(invitation_id: int):
    """Give a started response a new personal link (the old one stops working), shown once.

    For a respondent who lost theirs: admins only, written to the audit log.
    """
    invitation = db.session.get(Invitation, invitation_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    response = invitations.invitation_response(db.session, invitation) or abort(404)
    token = invitations.reissue_personal_link(
        db.session, response, current_user, invitation=invitation, ip=client_ip()
    )
    db.commit()
    page = current_app.make_response(
        render_template(
            "staff/invitation_new_link.html",
            invitation=invitation,
            link=absolute_url_for("questionnaires.resume", token=token),
        )
    )
    page.headers["Cache-Control"] = "no-store"
    return page


# -- the public side: the invitation link ----------------------------------------------------------
#
# Whoever holds the invitation links (staff download them for a mail merge) must not be able to
# read or change an institution's answers through them. The link therefore only *starts* the
# response: the browser that starts it gets a new random personal link (/r/<token>, shown on
# every page) and a cookie, scoped to this invitation's path, holding that personal link. From
# then on the invitation link continues the response only in that browser; anywhere else it
# says the response was started and shows nothing of it (no answers, no contact details). A
# respondent who lost their personal link asks CISDP: an admin issues a new one (audited),
# which ends the old one. See SECURITY.md.

public = Blueprint("invitations", __name__)

#: Cookie, scoped to one invitation link's path, that holds the personal link it started.
CLAIM_COOKIE = "consult_invitation"
CLAIM_COOKIE_AGE = 60 * 60 * 24 * 400


def _open(token: str):
    invitation = invitations.find_invitation(db.session, token, current_app.config["SECRET_KEY"])
    if invitation is None:
        abort(404)
    questionnaire = get_questionnaire(invitation.questionnaire_key) or abort(404)
    return invitation, questionnaire


def _claimed_by_this_browser(invitation) -> str | None:
    """Return the personal link token this browser holds for the invitation's response."""
    held = request.cookies.get(CLAIM_COOKIE, "")
    if not held:
        return None
    response = responding.find_response(db.session, held)
    if response is None or response.invitation_id != invitation.id:
        return None
    return held


def _held_link_replaced(invitation) -> bool:
    """Tell whether this browser started the invitation's response but the personal link it
    holds was replaced since (someone asked for it again, or CISDP issued a new one)."""
    held = request.cookies.get(CLAIM_COOKIE, "")
    found = retired.replaced_response(held) if held else None
    return found is not None and found[0].invitation_id == invitation.id


@public.get("/i/<token>")
def open_invitation(token: str):
    """Welcome an invited institution; offer to start, or to continue in the browser that did."""
    invitation, questionnaire = _open(token)
    started = invitations.invitation_response(db.session, invitation)
    held = _claimed_by_this_browser(invitation) if started else None
    # Never "the browser that started it opens the answers" to that very browser, whose link
    # was replaced: it is told so, with the ways to the new link.
    replaced = started is not None and held is None and _held_link_replaced(invitation)
    invitee_mail.note_opened(invitation.id)
    return render_template(
        "staff/invitation_open.html",
        invitation=invitation,
        questionnaire=questionnaire,
        token=token,
        started=started,
        held=held is not None,
        held_replaced=replaced,
        is_open=questionnaire.is_open(utcnow()),
        country=geography.country_name(invitation.country, current_language()),
    )


@public.post("/i/<token>")
def start_invitation(token: str):
    """Start the invited institution's response (once), or continue it in the browser that did."""
    invitation, questionnaire = _open(token)
    # One start per invitation, even when two browsers press Start at once.
    invitations.lock_invitation(db.session, invitation)
    started = invitations.invitation_response(db.session, invitation)
    if started is not None:
        held = _claimed_by_this_browser(invitation)
        if held is None:
            return redirect(url_for("invitations.open_invitation", token=token), 303)
        return redirect(url_for("questionnaires.resume", token=held), 303)
    if not questionnaire.is_open(utcnow()):
        return redirect(url_for("invitations.open_invitation", token=token), 303)
    resume = responding.new_resume_token()
    responding.start_response(
        db.session,
        questionnaire,
        resume,
        current_language(),
        invitation_id=invitation.id,
        prefill=invitations.prefill(invitation, questionnaire, _region_map()),
    )
    db.commit()
    reply = redirect(url_for("questionnaires.resume", token=resume), 303)
    reply.set_cookie(
        CLAIM_COOKIE,
        resume,
        max_age=CLAIM_COOKIE_AGE,
        path=url_for("invitations.open_invitation", token=token),
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"] or request.is_secure,
    )
    return reply
