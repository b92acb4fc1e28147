"""Staff sign-in, sign-out, server-side sessions and their inactivity timeout, password change
and the workspace home.

Further workspace pages live beside this module (users, audit, dashboard, invitations,
regions, exports) and add their routes to the same blueprint.
"""

from __future__ import annotations

import contextlib
import copy
from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadSignature

from consult import geography
from consult.core.links import page_of_form, safe_local_path
from consult.db import db, utcnow, writing
from consult.extensions import login_manager
from consult.i18n import format_moment
from consult.staff import audit, kept_forms, operations, personal, sessions, throttle
from consult.staff.access import may_see_personal_data, role_required
from consult.staff.forms import LoginForm, PasswordChangeForm
from consult.staff.models import User
from consult.staff.navigation import (  # features register their sections from here
    WORKSPACE_LINKS,  # noqa: F401
    workspace_links,
    workspace_nav,
)
from consult.staff.passwords import problem_text
from consult.staff.renewal import renew_session

bp = Blueprint("staff", __name__, url_prefix="/staff")

login_manager.login_view = "staff.login"
login_manager.login_message = None

ALL_ROLES = ("admin", "moderator", "analyst")


#: An unchanged permanent session's cookie is sent again (its expiry moved on) once it is older
#: than this, rather than on every response.
SESSION_REFRESH_AFTER = timedelta(hours=1)
#: How many session cookies a worker remembers as verified (see open_session).
VERIFIED_COOKIES = 2048


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over HTTPS (or config says so).

    Behind a TLS-terminating proxy, let the app see the scheme (werkzeug's ProxyFix).
    """

    def get_signing_serializer(self, app: Flask):
        """Flask's signing serializer, made once per secret key rather than on every request."""
        keys = (app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = self.__dict__.get("_serializer")
        if cached is None or cached[0] != keys:
            cached = (keys, super().get_signing_serializer(app))
            self._serializer = cached
            self._verified = {}  # cookies verified with other keys count no more
        return cached[1]

    def open_session(self, app: Flask, request_: Any) -> SecureCookieSession | None:
        """Flask's session, noting when its cookie was signed (see should_set_cookie).

        A browser sends the same cookie with every request until the session changes: a
        cookie whose signature was verified is remembered (the last VERIFIED_COOKIES of them)
        and not verified and decoded again, its age still checked against the lifetime.
        """
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request_.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = app.permanent_session_lifetime
        known = self._verified.get(value)
        if known is not None and utcnow() - known[1] <= max_age:
            data, signed_at = fresh_copy(known[0]), known[1]
        else:
            try:
                data, signed_at = serializer.loads(
                    value, max_age=int(max_age.total_seconds()), return_timestamp=True
                )
            except BadSignature:
                return self.session_class()
            if len(self._verified) >= VERIFIED_COOKIES:
                with contextlib.suppress(KeyError, RuntimeError, StopIteration):
                    del self._verified[next(iter(self._verified))]  # the oldest
            self._verified[value] = (fresh_copy(data), signed_at)
        session_ = self.session_class(data)
        if not app.config.get("SECRET_KEY_FALLBACKS"):
            # While a rotated key's fallbacks are kept, every cookie is signed again (with
            # the new key) on the way out, as Flask does: see should_set_cookie.
            session_.signed_at = signed_at
        return session_

    def save_session(self, app: Flask, session_: SessionMixin, response: Any) -> None:
        """Flask's save_session, with the unchanged session's answer made cheaply.

        A session that is neither empty nor to be sent again (see should_set_cookie), most
        requests, only adds "Vary: Cookie" when it was read: Flask would first work out every
        cookie attribute and parse the Vary header into a set. Everything else is Flask's.
        """
        if session_ and not self.should_set_cookie(app, session_):
            if session_.accessed:
                vary = response.headers.get("Vary")
                if not vary:
                    response.headers["Vary"] = "Cookie"
                else:
                    response.vary.add("Cookie")
            return
        super().save_session(app, session_, response)

    def should_set_cookie(self, app: Flask, session_: SessionMixin) -> bool:
        """Send the cookie when the session changed, or to move a permanent session's expiry
        on once its cookie is older than SESSION_REFRESH_AFTER.

        Flask would sign and send an unchanged permanent session again on every response: a
        tenth of the CPU of a questionnaire page save, for an expiry that moves by seconds.
        """
        if session_.modified:
            return True
        if not (session_.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session_, "signed_at", None)
        return signed_at is None or utcnow() - signed_at >= SESSION_REFRESH_AFTER

    def get_cookie_secure(self, app: Flask) -> bool:
        """Tell whether the session cookie gets the Secure flag."""
        if app.config["SESSION_COOKIE_SECURE"]:
            return True
        return has_request_context() and request.is_secure


def fresh_copy(value: Any) -> Any:
    """Return a copy of session data that shares nothing mutable with ``value``.

    What a session cookie holds (Flask's tagged JSON: dicts, lists, tuples of them, and
    immutable leaves such as str, numbers, bytes, Markup, UUID, datetime), copied without
    copy.deepcopy's memo and dispatch (a fifth of the session's cost on a page save); anything
    else is handed to deepcopy.
    """
    kind = type(value)
    if kind is dict:
        return {key: fresh_copy(item) for key, item in value.items()}
    if kind is list:
        return [fresh_copy(item) for item in value]
    if kind is tuple:
        return tuple(fresh_copy(item) for item in value)
    if kind in _IMMUTABLE_LEAVES:
        return value
    return copy.deepcopy(value)


#: Session values copied as they are: nothing in them can change.
_IMMUTABLE_LEAVES = frozenset({str, int, float, bool, type(None), bytes})


@bp.record_once
def _setup(state) -> None:
    """At app start: HTTPS-aware session cookies and the staff's region corrections."""
    app = state.app
    app.session_interface = HttpsAwareSessionInterface()
    from consult.staff.regions import region_overrides_for_current_app

    geography.set_override_source(region_overrides_for_current_app)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Load the account of a server-side session, if that session is still valid (reads only)."""
    lookup = sessions.look_up(db.session, session_id, idle_timeout(), one_time_lifetime())
    if not lookup.is_valid:
        return None
    return _acting(lookup, session_id)


def _acting(lookup: sessions.Lookup, session_id: str) -> User:
    user = lookup.user
    assert user is not None
    user.staff_session_id = session_id
    user.staff_session = lookup.row
    return user


def idle_timeout() -> timedelta:
    """How long a staff session may stay without activity."""
    return timedelta(seconds=float(current_app.config["STAFF_INACTIVITY_TIMEOUT"]))


def one_time_lifetime() -> timedelta:
    """How long a password someone other than its owner set or saw opens anything."""
    return timedelta(hours=float(current_app.config["STAFF_ONE_TIME_PASSWORD_HOURS"]))


def client_ip() -> str:
    """Return the client's address as this server sees it."""
    return request.remote_addr or ""


#: Query argument our own automatic requests carry (a page's meta refresh): not activity.
AUTOMATIC = "auto"


def counts_as_activity() -> bool:
    """Tell whether this request is real staff navigation, which keeps a session alive.

    Only staff pages count (views behind role_required), asked for by a person: not static
    files, public pages, meta refreshes or prefetches.
    """
    view = current_app.view_functions.get(request.endpoint or "")
    return (
        request.method in ("GET", "POST")
        and getattr(view, "required_roles", None) is not None
        and AUTOMATIC not in request.args
        and "prefetch" not in (request.headers.get("Sec-Purpose") or "")
        and (request.headers.get("Purpose") or "") != "prefetch"
    )


def _is_staff_page() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "required_roles", None) is not None


#: What a session signed in with a one-time password may reach: the page that replaces it,
#: and sign-out. Every other endpoint (staff or public) sends it to that page first.
ONE_TIME_PASSWORD_ENDPOINTS = frozenset({"staff.change_password", "staff.logout"})

#: A session found ended on this request -> (its audit action, its end reason).
_ENDED = {
    "idle": ("logout.idle", "idle"),
    "expired": ("logout.password_expired", "expired"),
}


@bp.before_app_request
def check_staff_session():
    """Check the staff session on the server first thing; end it after inactivity, or when its
    one-time password expired; send a one-time password's session to the page replacing it.

    Runs before any view touches the database, so that its own commit carries nothing else.
    Static files are answered without looking at the session at all.
    """
    session_id = session.get("_user_id")
    if not session_id or request.endpoint in (None, "static"):
        return None
    lookup = sessions.look_up(db.session, session_id, idle_timeout(), one_time_lifetime())
    if not lookup.is_valid:
        db.commit()  # end the read; nothing was written
        ended = _ENDED.get(lookup.problem or "")
        if ended is not None and lookup.row is not None:
            with writing():
                sessions.end(db.session, lookup.row, ended[1])
                audit.record(
                    db.session, lookup.user, ended[0], target=lookup.user.email, ip=client_ip()
                )
                db.commit()
        # A form sent after its session ended keeps what it carries, for its own account.
        keeps = lookup.user is not None and _is_staff_page() and kept_forms.may_keep()
        nonce = kept_forms.keep(lookup.user.id) if keeps else None
        logout_user()
        renew_session()
        if nonce is not None:
            kept_forms.remember(lookup.user.id, nonce)
        return _after_session_end(lookup, kept=nonce is not None)
    user = _acting(lookup, session_id)
    db.commit()  # end the read; nothing was written
    if counts_as_activity() and sessions.needs_touch(lookup.row):
        with writing():
            sessions.touch(db.session, lookup.row)
            db.commit()
    g._login_user = user  # Flask-Login's cache: the account is not loaded a second time
    if user.is_password_one_time and request.endpoint not in ONE_TIME_PASSWORD_ENDPOINTS:
        if request.method == "GET":
            return redirect(url_for("staff.change_password", next=request.full_path.rstrip("?")))
        nonce = kept_forms.keep(user.id) if _is_staff_page() and kept_forms.may_keep() else None
        if nonce is not None:  # shown back once the password is replaced (change_password)
            kept_forms.remember(user.id, nonce)
            return redirect(url_for("staff.change_password", next=url_for("staff.kept_form")), 303)
        return redirect(url_for("staff.change_password"), 303)
    return None


#: Why a session ended, as told at the next sign-in (the reasons a form may meet).
_ENDED_TEXTS = {
    "idle": _l("You were signed out after a period of inactivity."),
    "ended": _l("You were signed out (from this device or everywhere), so nothing was sent."),
    "account": _l(
        "You were signed out because your account changed (its password, role or status), so "
        "nothing was sent."
    ),
}


def _after_session_end(lookup: sessions.Lookup, *, kept: bool):
    """Answer a request whose staff session was just found ended (see check_staff_session).

    A form (any non-GET) of a staff page is sent to the sign-in, told why and whether what it
    carried was kept; its "next" is a page that answers GET (a post-only address would be a
    405 after signing in). A staff page asked for by GET goes to the sign-in with its address.
    """
    kept_text = _("What you sent is kept: sign in again to see it and send it again.")
    if lookup.problem == "expired":
        flash(_expired_text(lookup.user), "warning")
        if kept:
            flash(kept_text, "notice")
        return redirect(url_for("staff.login"))
    if not _is_staff_page() or request.endpoint == "staff.login":
        return None
    if request.method in ("GET", "HEAD"):
        if lookup.problem != "idle":
            return None  # role_required sends it to the sign-in, with its address
        flash(_("You were signed out after a period of inactivity."), "notice")
        return redirect(url_for("staff.login", next=request.full_path.rstrip("?")))
    flash(str(_ENDED_TEXTS.get(lookup.problem or "", _ENDED_TEXTS["ended"])), "notice")
    if kept:
        flash(kept_text, "notice")
    next_page = page_of_form(request.path, "") if request.endpoint not in NO_NEXT else ""
    return redirect(url_for("staff.login", next=next_page or None), 303)


#: Posts whose page is not worth returning to after signing in again.
NO_NEXT = frozenset({"staff.logout"})


def _expired_text(user: User) -> str:
    expired_at = user.one_time_password_expires_at(one_time_lifetime())
    return _(
        "The one-time password of %(email)s expired on %(moment)s: it opens nothing any more. "
        "Ask an admin to reset it, or use “Forgot your password?” below.",
        email=user.email,
        moment=format_moment(expired_at),
    )


def _wait_text(wait: timedelta) -> str:
    seconds = max(1, int(wait.total_seconds() + 0.999))
    if seconds < 120:
        return ngettext(
            "Too many failed sign-ins. Wait %(num)d second and try again.",
            "Too many failed sign-ins. Wait %(num)d seconds and try again.",
            seconds,
        )
    return _(
        "Too many failed sign-ins. Wait %(minutes)s minutes and try again.",
        minutes=(seconds + 59) // 60,
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in to the workspace (throttled per account and address, and per address)."""
    form = LoginForm(next=safe_local_path(request.args.get("next"), ""))
    kept = kept_forms.pointed_at()  # a form sent after the session ended (see kept_forms)
    error = None
    status = 200
    if form.validate_on_submit():
        email = operations.normalise_email(form.email.data)
        ip = client_ip()
        limits = throttle.limits_from_config(current_app.config)
        verdict = throttle.check(db.session, email, ip, limits)
        if verdict.is_throttled:
            audit.record(
                db.session,
                None,
                "login.throttled",
                target=email,
                ip=ip,
                details={
                    "scope": verdict.scope,
                    "failures": verdict.failures,
                    "wait_seconds": round(verdict.wait.total_seconds()),
                },
            )
            db.commit()
            error = _wait_text(verdict.wait)
            status = 429
        else:
            try:
                user = operations.authenticate(
                    db.session, email, form.password.data, one_time_lifetime()
                )
            except operations.OneTimePasswordExpired as exc:
                # The right password, but it opens nothing any more: counted as a failure.
                throttle.note_attempt(db.session, email, ip, succeeded=False)
                audit.record(db.session, exc.user, "login.password_expired", target=email, ip=ip)
                db.commit()
                error = _expired_text(exc.user)
                return render_template("staff/login.html", form=form, error=error)
            throttle.note_attempt(db.session, email, ip, succeeded=user is not None)
            if user is not None:
                audit.record(db.session, user, "login.success", target=user.email, ip=ip)
                session_id = sessions.start(db.session, user, ip)
                db.commit()
                renew_session()  # a new session at sign-in; the cookie carries only its id
                user.staff_session_id = session_id
                login_user(user)
                session.permanent = True
                if kept_forms.after_sign_in(user.id, kept):
                    return redirect(url_for("staff.kept_form"))
                return redirect(page_of_form(form.next.data, url_for("staff.home")))
            audit.record(db.session, None, "login.failure", target=email, ip=ip)
            db.commit()
            error = _("E-mail or password is not right.")
    elif form.is_submitted():
        # Empty, or longer than any address or password can be (the fields' own limits): said
        # as a wrong sign-in is, nothing checked against the accounts.
        error, status = _("E-mail or password is not right."), 422
    return render_template("staff/login.html", form=form, error=error), status


@bp.post("/logout")
@role_required(*ALL_ROLES)
def logout():
    """Sign out: the session ends on the server, for every host."""
    user = current_user._get_current_object()
    if user.staff_session is not None:
        sessions.end(db.session, user.staff_session, "logout")
    audit.record(db.session, user, "logout", target=user.email, ip=client_ip())
    db.commit()
    logout_user()
    renew_session()
    return redirect(url_for("core.landing"))


@bp.route("/account/password", methods=["GET", "POST"])
@role_required(*ALL_ROLES)
def change_password():
    """Change the signed-in staff member's own password (first thing after signing in with a
    one-time password: see check_staff_session)."""
    form = PasswordChangeForm(next=safe_local_path(request.args.get("next"), ""))
    user = current_user._get_current_object()
    if form.validate_on_submit():
        if not user.check_password(form.current_password.data):
            form.current_password.errors.append(_("This is not your current password."))
        else:
            try:
                operations.change_password(
                    db.session, user, form.new_password.data, keep=user.staff_session
                )
            except operations.AccountError as exc:
                form.new_password.errors.append(problem_text(exc.code))
            else:
                audit.record(
                    db.session, user, "password.changed", target=user.email, ip=client_ip()
                )
                db.commit()
                flash(_("Your password was changed. Other sessions were signed out."), "success")
                return redirect(page_of_form(form.next.data, url_for("staff.home")))
    return render_template(
        "staff/password.html",
        form=form,
        one_time_until=user.one_time_password_expires_at(one_time_lifetime()),
    )


@bp.app_context_processor
def staff_helpers():
    """Give workspace templates their navigation and the personal-data rule."""
    return {
        "workspace_nav": workspace_nav,
        "may_see_personal_data": may_see_personal_data,
        "personal": personal.shown,
    }


@bp.get("/")
@role_required(*ALL_ROLES)
def home():
    """The workspace home: links to what the signed-in role may use."""
    return render_template("staff/home.html", links=workspace_links())


@bp.get("/kept-form")
@role_required(*ALL_ROLES)
def kept_form():
    """Show the form this account sent after its session ended, with one "Send again"."""
    return kept_forms.page(current_user.id) or redirect(url_for("staff.home"))


# The other workspace pages register their routes on ``bp`` when imported.
from consult.staff import (  # noqa: E402
    admin_views,  # noqa: F401
    dashboard_views,  # noqa: F401
    export_views,  # noqa: F401
    invitation_views,  # noqa: F401
)
