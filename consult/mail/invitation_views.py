"""Staff pages to e-mail the invitations and reminders, edit their texts; the unsubscribe link."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from consult import geography
from consult.core.inputs import form_line
from consult.core.links import absolute_url_for
from consult.db import db, utcnow
from consult.extensions import csrf
from consult.i18n import current_language, translate_text
from consult.mail import invitees
from consult.mail.blueprint import bp
from consult.mail.outbox import Draft, InvalidAddress, enqueue
from consult.questionnaires.answers import without_nul
from consult.questionnaires.registry import get_questionnaire
from consult.staff import audit, concurrency, invitations
from consult.staff.access import role_required
from consult.staff.invitation_views import link_for
from consult.staff.views import WORKSPACE_LINKS, client_ip

WORKSPACE_LINKS.append(("mail.invitations_page", _l("Invitations by e-mail"), ("admin", "analyst")))

KIND_LABELS = {"invitation": _l("Invitation"), "reminder": _l("Reminder")}
TARGET_LABELS = {
    "not_started": _l("Invitees who have not started"),
    "not_submitted": _l("Invitees who have not submitted"),
}
MAX_SUBJECT = 200
MAX_BODY = 20000


def _questionnaire():
    return get_questionnaire(invitations.INVITATION_QUESTIONNAIRE) or abort(404)


def _region_labels() -> dict[str, str]:
    labels = geography.region_labels(current_app.config["QUESTIONNAIRES_PATH"])
    return {key: translate_text(value) for key, value in labels.items()}


def _statuses():
    region_map = geography.region_map(current_app.config["QUESTIONNAIRES_PATH"])
    return invitations.statuses(db.session, invitations.INVITATION_QUESTIONNAIRE, region_map)


def _interval() -> timedelta:
    return timedelta(days=float(current_app.config["MAIL_REMINDER_INTERVAL_DAYS"]))


def _region_arg() -> str | None:
    region = request.form.get("region") or None
    if region is not None and region not in geography.REGION_KEYS:
        abort(400)
    return region


@bp.route("/staff/mail/invitations", methods=["GET", "POST"])
@role_required("admin", "analyst")
def invitations_page():
    """Send the invitations, then reminders; each invitee's mail state."""
    statuses = _statuses()
    states = invitees.states_by_invitation(db.session)
    if request.method == "POST":
        action = request.form.get("action")
        region = _region_arg()
        if action == "invite":
            chosen = invitees.invitation_candidates(statuses, states, region)
            kind = "invitation"
        elif action == "remind":
            target = request.form.get("target", "")
            if target not in invitees.REMINDER_TARGETS:
                abort(400)
            chosen = invitees.reminder_candidates(
                statuses, states, target, _interval(), utcnow(), region
            )
            kind = "reminder"
        else:
            abort(400)
        queued = invitees.queue_for(
            db.session, kind, chosen, _questionnaire(), link_for, _interval()
        )
        audit.record(
            db.session,
            current_user,
            f"mail.{kind}s_queued",
            target=region or "all",
            details={"count": len(queued), "target": request.form.get("target")},
            ip=client_ip(),
        )
        db.commit()
        flash(
            ngettext("%(num)d message queued.", "%(num)d messages queued.", len(queued)),
            "success",
        )
        return redirect(url_for("mail.invitations_page"), 303)
    now = utcnow()
    deliveries = invitees.last_deliveries(db.session)
    return render_template(
        "mail/invitations.html",
        rows=statuses,
        states=states,
        deliveries=deliveries,
        invitable=len(invitees.invitation_candidates(statuses, states)),
        remindable={
            target: len(invitees.reminder_candidates(statuses, states, target, _interval(), now))
            for target in invitees.REMINDER_TARGETS
        },
        interval_days=current_app.config["MAIL_REMINDER_INTERVAL_DAYS"],
        region_labels=_region_labels(),
        country_names=geography.country_names(current_language()),
        target_labels=TARGET_LABELS,
        kind_labels=KIND_LABELS,
        languages=current_app.config["LANGUAGES"],
        edited={
            (kind, language): invitees.template_text(db.session, kind, language)[2]
            for kind in invitees.KINDS
            for language in current_app.config["LANGUAGES"]
        },
    )


def _template_args(kind: str, language: str) -> None:
    if kind not in invitees.KINDS or language not in current_app.config["LANGUAGES"]:
        abort(404)


def _read_template() -> tuple[str, str, dict[str, str]]:
    subject = " ".join(form_line("subject").split())
    body = without_nul(request.form.get("body", "")).replace("\r\n", "\n").strip()
    errors = {
        field: _problem_text(code)
        for field, code in invitees.template_problems(subject, body).items()
    }
    if not subject or len(subject) > MAX_SUBJECT:
        errors["subject"] = _("Write a subject of at most %(max)s characters.", max=MAX_SUBJECT)
    if not body or len(body) > MAX_BODY:
        errors["body"] = _("Write a text of at most %(max)s characters.", max=MAX_BODY)
    return subject, body, errors


def _problem_text(code: str) -> str:
    """What staff read for a problem code of invitees.template_problems."""
    if code == "no_link":
        return _("The text must hold {link}: without it, nobody can answer.")
    if code == "link_in_subject":
        return _(
            "Put {link} in the text, not in the subject: the subject shows in inbox lists and "
            "notifications, and the link must stay private."
        )
    known = ", ".join("{" + name + "}" for name in invitees.PLACEHOLDERS)
    return _(
        "Not a placeholder: %(found)s. Only these are replaced: %(known)s (written exactly so).",
        found=code.removeprefix("unknown:"),
        known=known,
    )


@bp.route("/staff/mail/templates/<kind>/<language>", methods=["GET", "POST"])
@role_required("admin", "analyst")
@concurrency.versioned
def template(kind: str, language: str):
    """Edit the subject and text of invitations or reminders in one language; preview, test."""
    _template_args(kind, language)
    questionnaire = _questionnaire()
    subject, body, edited = invitees.template_text(db.session, kind, language)
    errors: dict[str, str] = {}
    preview = None
    status = 200
    shared = _template_shared(kind, language, subject, body)
    if request.method == "POST":
        action = request.form.get("action")
        if action in ("reset", "save"):
            # Two staff editing one text: a page drawn before the other's save is refused.
            typed = {"body": (_("Text"), request.form.get("body", ""))}
            stale = concurrency.refusal(replace(shared, typed=typed), client_ip())
            if stale is not None:
                return stale
        if action == "reset":
            invitees.reset_template(db.session, kind, language)
            audit.record(
                db.session,
                current_user,
                "mail.template_reset",
                target=f"{kind}/{language}",
                ip=client_ip(),
            )
            db.commit()
            flash(_("The default text is back."), "success")
            return redirect(url_for("mail.template", kind=kind, language=language), 303)
        subject, body, errors = _read_template()
        if errors:
            status = 422
        elif action == "save":
            invitees.save_template(db.session, kind, language, subject, body, current_user)
            audit.record(
                db.session,
                current_user,
                "mail.template_saved",
                target=f"{kind}/{language}",
                ip=client_ip(),
            )
            db.commit()
            flash(_("Saved. The next messages use this text."), "success")
            return redirect(url_for("mail.template", kind=kind, language=language), 303)
        elif action in ("preview", "test"):
            rendered = _sample(kind, language, questionnaire, subject, body)
            preview = rendered
            if action == "test":
                try:
                    enqueue(
                        db.session,
                        Draft(
                            kind="test",
                            recipient_email=current_user.email,
                            language=language,
                            subject=rendered.subject,
                            body_text=rendered.text,
                            body_html=rendered.html,
                            unsubscribe_url=rendered.unsubscribe_url,
                        ),
                        current_app.config["MAIL_FROM"],
                    )
                except InvalidAddress:
                    abort(400)
                db.commit()
                flash(_("A test message is on its way to %(email)s.", email=current_user.email))
        else:
            abort(400)
    return render_template(
        "mail/template.html",
        kind=kind,
        language=language,
        kind_label=KIND_LABELS[kind],
        subject=subject,
        body=body,
        edited=edited,
        errors=errors,
        preview=preview,
        placeholders=invitees.PLACEHOLDERS,
        version=request.form.get("version") or concurrency.version(shared),
    ), status


def _template_shared(kind: str, language: str, subject: str, body: str) -> concurrency.Shared:
    """A message template as staff edit it (its subject and text now, who saved it last)."""
    who, when = concurrency.last_audited(f"{kind}/{language}")
    return concurrency.Shared(
        target=f"{kind}/{language}",
        title=f"{KIND_LABELS[kind]} · {language.upper()}",
        fields={"subject": (_("Subject"), subject), "body": (_("Text"), body)},
        changed_by=who,
        changed_at=when,
        back=url_for("mail.template", kind=kind, language=language),
    )


def _sample(kind: str, language: str, questionnaire, subject: str, body: str):
    """The message as an invitee would get it (the first invitee's name, or an example).

    Its links belong to nobody: the questionnaire's public page instead of an invitee's
    invitation link (a staff member who follows the link in a test message must not open,
    or start, that institution's response, nor show it as "opened" on the coverage page),
    and the unsubscribe link of invitation 0, which does not exist.
    """
    first = next(iter(_statuses()), None)
    institution = first.invitation.institution_name if first else _("City of Example")
    link = absolute_url_for("questionnaires.intro", key=questionnaire.key, lang=language)
    return invitees.render_for(
        db.session,
        kind,
        language,
        questionnaire,
        institution,
        link,
        invitees.unsubscribe_url(0),
        (subject, body),
    )


# -- the public side: one-click unsubscribe -------------------------------------------------------


@bp.route("/mail/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    """Stop reminders: a page with one button, or one click from the mail client (RFC 8058);
    the same page lets the invitee take them back.

    Exempt from CSRF: mail clients POST "List-Unsubscribe=One-Click" without a form token, and
    the signed token in the address is what authorises the request. A GET (a mail scanner
    following the link) changes nothing.
    """
    invitation_id = invitees.invitation_from_token(token)
    if invitation_id is None:
        abort(404)
    if request.method == "GET":
        done = invitees.is_unsubscribed(db.session, invitation_id)
        return render_template("mail/unsubscribe.html", token=token, done=done)
    if request.form.get("action") == "resubscribe":
        if invitees.resubscribe(db.session, invitation_id):
            audit.record(
                db.session, None, "mail.resubscribed", target=f"invitation {invitation_id}"
            )
        db.commit()
        return render_template("mail/unsubscribe.html", token=token, done=False, resubscribed=True)
    if invitees.unsubscribe(db.session, invitation_id):
        audit.record(
            db.session,
            None,
            "mail.unsubscribed",
            target=f"invitation {invitation_id}",
            details={"one_click": request.form.get("List-Unsubscribe") == "One-Click"},
        )
    db.commit()
    return render_template("mail/unsubscribe.html", token=token, done=True)


@bp.app_context_processor
def mail_helpers():
    """What the coverage page's mail column needs."""

    def invitee_mail():
        return {
            "states": invitees.states_by_invitation(db.session),
            "deliveries": invitees.last_deliveries(db.session),
        }

    def invitee_mail_counts():
        return invitees.counts(db.session)

    return {"invitee_mail": invitee_mail, "invitee_mail_counts": invitee_mail_counts}
