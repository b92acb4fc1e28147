"""Staff pages: forgot password, set a password from a link, invite a staff member."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from consult.db import db
from consult.extensions import limiter
from consult.i18n import current_language, format_moment
from consult.mail import digest, staff_accounts
from consult.mail.blueprint import bp
from consult.mail.compose import normalise_address
from consult.staff import audit, operations
from consult.staff.access import ROLES, role_required
from consult.staff.models import INVITATION_LIFETIME
from consult.staff.passwords import MIN_PASSWORD_LENGTH, problem_text
from consult.staff.views import WORKSPACE_LINKS, client_ip, one_time_lifetime

WORKSPACE_LINKS.append(("mail.invite_staff", _l("Invite a staff member"), ("admin",)))
WORKSPACE_LINKS.append(("mail.digest_settings", _l("Daily digest"), ("moderator",)))


def _request_limit() -> str:
    return current_app.config["MAIL_REQUEST_LIMIT"]


@bp.route("/staff/password/forgot", methods=["GET", "POST"])
@limiter.limit(_request_limit, methods=["POST"])
def forgot_password():
    """Ask for a link to choose a new password; the answer never says if the account exists."""
    if request.method == "GET":
        return render_template("mail/forgot_password.html", sent=False)
    typed = (request.form.get("email") or "").strip()
    if normalise_address(typed) is None:  # never cut: an address too long is not one
        error = _("Enter an e-mail address such as name@example.org.")
        page = render_template("mail/forgot_password.html", sent=False, error=error, typed=typed)
        return page, 422
    outcome = staff_accounts.request_reset(db.session, typed, current_language())
    audit.record(
        db.session,
        None,
        "password.reset_requested",
        target=operations.normalise_email(typed),
        details={"link_sent": outcome == staff_accounts.RESET_QUEUED},
        ip=client_ip(),
    )
    db.commit()
    if outcome == staff_accounts.RESET_REFUSED:
        return render_template(
            "mail/forgot_password.html", sent=False, refused=True, typed=typed
        ), 429
    return render_template("mail/forgot_password.html", sent=True)


@bp.route("/staff/password/set/<token>", methods=["GET", "POST"])
@limiter.limit(_request_limit, methods=["POST"])
def set_password(token: str):
    """Choose a password from an invitation or reset link (once; the link then stops working)."""
    found = staff_accounts.user_for_token(db.session, token)
    if found is None:
        return render_template("mail/set_password.html", invalid=True, error=None)
    user, purpose = found
    error = None
    if request.method == "POST":
        password = request.form.get("password", "")
        if password != request.form.get("confirm", ""):
            error = _("The two passwords differ.")
        else:
            try:
                operations.change_password(db.session, user, password)
            except operations.AccountError as exc:
                error = problem_text(exc.code)
        if error is None:
            audit.record(
                db.session,
                user,
                f"password.set_from_{purpose}_link",
                target=user.email,
                ip=client_ip(),
            )
            db.commit()
            flash(_("Your password is set. Sign in with it."), "success")
            return redirect(url_for("staff.login"), 303)
    return render_template(
        "mail/set_password.html",
        invalid=False,
        error=error,
        email=user.email,
        purpose=purpose,
        password_min=MIN_PASSWORD_LENGTH,
    ), (422 if error else 200)


@bp.route("/staff/mail/invite-staff", methods=["GET", "POST"])
@role_required("admin")
def invite_staff():
    """Invite a new staff member by e-mail: they choose their own password."""
    error = None
    if request.method == "POST":
        address = normalise_address(request.form.get("email"))
        role = request.form.get("role", "")
        if address is None:
            error = _("Enter an e-mail address such as name@example.org.")
        elif role not in ROLES:
            abort(400)
        else:
            try:
                user = staff_accounts.invite_staff(db.session, address, role, current_language())
            except operations.AccountError as exc:
                error = (
                    _("This e-mail address already has an account.")
                    if exc.code == "exists"
                    else str(exc)
                )
            else:
                audit.record(
                    db.session,
                    current_user,
                    "user.invited_by_email",
                    target=user.email,
                    details={"role": role},
                    ip=client_ip(),
                )
                db.commit()
                flash(
                    _(
                        "Invitation sent to %(email)s. Its link works once, until %(moment)s.",
                        email=user.email,
                        moment=format_moment(user.password_state(one_time_lifetime()).until),
                    ),
                    "success",
                )
                return redirect(url_for("mail.invite_staff"), 303)
    days = INVITATION_LIFETIME.days
    return render_template("mail/invite_staff.html", error=error, roles=ROLES, days=days), (
        422 if error else 200
    )


@bp.route("/staff/mail/digest", methods=["GET", "POST"])
@role_required("moderator")
def digest_settings():
    """Opt in or out of the daily digest of the moderation queue."""
    if request.method == "POST":
        wanted = request.form.get("subscribed") == "yes"
        digest.set_subscribed(db.session, current_user.id, wanted)
        audit.record(
            db.session, current_user, "mail.digest_" + ("on" if wanted else "off"), ip=client_ip()
        )
        db.commit()
        return redirect(url_for("mail.digest_settings"), 303)
    return render_template(
        "mail/digest_settings.html",
        subscribed=digest.is_subscribed(db.session, current_user.id),
        digest_hour=f"{int(current_app.config['MAIL_DIGEST_HOUR']):02d}:00",
        digest_zone=current_app.config["MAIL_DIGEST_TIMEZONE"],
    )
