"""Admin pages: staff accounts, the audit log, and the country -> region mapping."""

from __future__ import annotations

import math

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from consult import geography
from consult.core.inputs import query_page
from consult.db import db
from consult.i18n import current_language, translate_text
from consult.staff import audit, concurrency, operations, regions, sessions, throttle
from consult.staff.access import role_required
from consult.staff.forms import (
    ActionForm,
    AuditFilterForm,
    RegionForm,
    RoleForm,
    UserCreateForm,
    choices,
)
from consult.staff.models import User
from consult.staff.passwords import problem_text
from consult.staff.views import WORKSPACE_LINKS, bp, client_ip, one_time_lifetime

WORKSPACE_LINKS.extend(
    [
        ("staff.users", _l("Staff accounts"), ("admin",)),
        ("staff.audit_log", _l("Audit log"), ("admin",)),
        ("staff.regions_page", _l("Countries and regions"), ("admin",)),
    ]
)

ACCOUNT_MESSAGES = {
    "last_admin": _l("The last enabled admin cannot lose the role or be disabled."),
    "exists": _l("This e-mail address already has an account."),
    "invalid": _l("Enter an e-mail address."),
    "role": _l("Choose one of the roles."),
}


def _account_message(exc: operations.AccountError) -> str:
    if exc.code in ACCOUNT_MESSAGES:
        return str(ACCOUNT_MESSAGES[exc.code])
    return problem_text(exc.code)


def _user_or_404(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.route("/users", methods=["GET", "POST"])
@role_required("admin")
def users():
    """List staff accounts and create new ones."""
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            user = operations.create_user(
                db.session, form.email.data, form.role.data, form.password.data
            )
        except operations.AccountError as exc:
            field = (
                form.password
                if exc.code in ("too_short", "common", "pattern", "email")
                else (form.email)
            )
            field.errors.append(_account_message(exc))
        else:
            audit.record(
                db.session,
                current_user,
                "user.created",
                target=user.email,
                details={"role": user.role},
                ip=client_ip(),
            )
            db.commit()
            flash(_("Account %(email)s created.", email=user.email), "success")
            return redirect(url_for("staff.users"))
    accounts = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template(
        "staff/users.html",
        form=form,
        accounts=accounts,
        one_time_lifetime=one_time_lifetime(),
        now=sessions.now(),
    )


@bp.get("/users/<int:user_id>")
@role_required("admin")
def user_detail(user_id: int):
    """One account: change its role, disable or enable it, reset its password."""
    return _user_page(_user_or_404(user_id))


def account_shared(user: User) -> concurrency.Shared:
    """A staff account as an admin changes it: its role and whether it may sign in."""
    who, when = concurrency.last_audited(user.email)
    return concurrency.Shared(
        target=user.email,
        title=user.email,
        fields={
            "role": (_("Role"), user.role),
            "enabled": (_("State"), _("enabled") if user.is_enabled else _("disabled")),
        },
        changed_by=who,
        changed_at=when,
        back=url_for("staff.user_detail", user_id=user.id),
    )


def _user_page(user: User, new_password: str | None = None) -> str:
    return render_template(
        "staff/user.html",
        account=user,
        account_version=concurrency.version(account_shared(user)),
        role_form=RoleForm(role=user.role),
        action_form=ActionForm(),
        new_password=new_password,
        one_time_lifetime=one_time_lifetime(),
        now=sessions.now(),
        open_sessions=sessions.open_sessions(db.session, user),
        failures=throttle.failures_by_address(
            db.session, user.email, throttle.limits_from_config(current_app.config)
        ),
    )


@bp.post("/users/<int:user_id>/unlock")
@role_required("admin")
def user_unlock(user_id: int):
    """Clear an account's failed sign-ins from every address: its sign-in waits end at once."""
    user = _user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    cleared = throttle.clear(db.session, user.email)
    audit.record(
        db.session,
        current_user,
        "login.unlocked",
        target=user.email,
        details={"failures_cleared": cleared},
        ip=client_ip(),
    )
    db.commit()
    flash(_("Failed sign-ins of %(email)s cleared.", email=user.email), "success")
    return redirect(url_for("staff.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/sign-out")
@role_required("admin")
def user_sign_out(user_id: int):
    """End every session of an account (the admin's own current one excepted)."""
    user = _user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    keep = current_user.staff_session if user.id == current_user.id else None
    ended = sessions.end_all(db.session, user, "revoked", keep=keep)
    audit.record(
        db.session,
        current_user,
        "sessions.revoked",
        target=user.email,
        details={"sessions": ended},
        ip=client_ip(),
    )
    db.commit()
    flash(_("%(email)s was signed out everywhere.", email=user.email), "success")
    return redirect(url_for("staff.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/role")
@role_required("admin")
@concurrency.versioned
def user_role(user_id: int):
    """Change an account's role."""
    user = _user_or_404(user_id)
    stale = concurrency.refusal(account_shared(user), client_ip())
    if stale is not None:
        return stale
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    before = user.role
    try:
        operations.change_role(db.session, user, form.role.data)
    except operations.AccountError as exc:
        flash(_account_message(exc), "warning")
        return redirect(url_for("staff.user_detail", user_id=user.id))
    if before != user.role:
        audit.record(
            db.session,
            current_user,
            "user.role_changed",
            target=user.email,
            details={"from": before, "to": user.role},
            ip=client_ip(),
        )
    db.commit()
    flash(_("Role of %(email)s: %(role)s.", email=user.email, role=user.role), "success")
    return redirect(url_for("staff.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/status")
@role_required("admin")
@concurrency.versioned
def user_status(user_id: int):
    """Disable an enabled account, or enable a disabled one."""
    user = _user_or_404(user_id)
    stale = concurrency.refusal(account_shared(user), client_ip())
    if stale is not None:
        return stale
    if not ActionForm().validate_on_submit():
        abort(400)
    enable = not user.is_enabled
    try:
        operations.set_enabled(db.session, user, enable)
    except operations.AccountError as exc:
        flash(_account_message(exc), "warning")
        return redirect(url_for("staff.user_detail", user_id=user.id))
    audit.record(
        db.session,
        current_user,
        "user.enabled" if enable else "user.disabled",
        target=user.email,
        ip=client_ip(),
    )
    db.commit()
    if user.id == current_user.id and not enable:
        return redirect(url_for("staff.login"))
    message = _("%(email)s can sign in again.") if enable else _("%(email)s is disabled.")
    flash(message % {"email": user.email}, "success")
    return redirect(url_for("staff.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/reset-password")
@role_required("admin")
def user_reset_password(user_id: int):
    """Give an account a new random password, shown once to the admin."""
    user = _user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    # Every session of the account ends (an admin's own current one continues, and must then
    # replace the password it was shown).
    keep = current_user.staff_session if user.id == current_user.id else None
    password = operations.reset_password(db.session, user, keep=keep)
    audit.record(db.session, current_user, "user.password_reset", target=user.email, ip=client_ip())
    db.commit()
    response = current_app.make_response(_user_page(user, new_password=password))
    # The page shows a password: never keep it in a cache.
    response.headers["Cache-Control"] = "no-store"
    return response


PER_PAGE = 50


@bp.get("/audit")
@role_required("admin")
def audit_log():
    """Browse the audit log, newest first, filtered by action."""
    form = AuditFilterForm(request.args)
    actions = audit.recorded_actions(db.session)
    form.action.choices = choices([("", _("All actions"))] + [(a, a) for a in actions])
    action = request.args.get("action") or None
    if action is not None and action not in actions:
        action = None
    page = query_page()
    entries, total = audit.entries(db.session, action=action, page=page, per_page=PER_PAGE)
    pages = max(1, math.ceil(total / PER_PAGE))
    return render_template(
        "staff/audit.html",
        form=form,
        entries=entries,
        total=total,
        page=page,
        pages=pages,
        action=action,
    )


@bp.route("/regions", methods=["GET", "POST"])
@role_required("admin")
def regions_page():
    """See and correct the UCLG region of each country."""
    path = current_app.config["QUESTIONNAIRES_PATH"]
    language = current_language()
    labels = geography.region_labels(path)
    names = geography.country_names(language)
    form = RegionForm()
    form.country.choices = choices(names.items())
    form.region.choices = choices((k, translate_text(labels[k])) for k in geography.REGION_KEYS)
    if form.validate_on_submit():
        try:
            changed = regions.set_region(
                db.session, path, form.country.data, form.region.data, current_user, client_ip()
            )
        except regions.RegionError:
            abort(400)
        db.commit()
        if changed:
            flash(
                _(
                    "%(country)s now belongs to %(region)s.",
                    country=names[form.country.data],
                    region=translate_text(labels[form.region.data]),
                ),
                "success",
            )
        return redirect(url_for("staff.regions_page"))
    defaults = geography.default_region_map(path)
    corrections = regions.overrides(db.session)
    rows = [
        {
            "code": code,
            "name": name,
            "default": defaults.get(code),
            "region": corrections.get(code, defaults.get(code)),
            "is_corrected": code in corrections,
        }
        for code, name in names.items()
    ]
    region_filter = request.args.get("region")
    if region_filter in geography.REGION_KEYS:
        rows = [row for row in rows if row["region"] == region_filter]
    return render_template(
        "staff/regions.html",
        form=form,
        rows=rows,
        labels={k: translate_text(v) for k, v in labels.items()},
        reset_form=ActionForm(),
        region_filter=region_filter,
        corrections=len(corrections),
    ), (422 if form.is_submitted() else 200)  # a choice no list offers: said next to it


@bp.post("/regions/<country>/reset")
@role_required("admin")
def region_reset(country: str):
    """Return a country to its default region."""
    if not ActionForm().validate_on_submit():
        abort(400)
    regions.reset_region(
        db.session, current_app.config["QUESTIONNAIRES_PATH"], country, current_user, client_ip()
    )
    db.commit()
    return redirect(url_for("staff.regions_page"))
