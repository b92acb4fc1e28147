"""Staff sign-in and the workspace home."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from consult.db import db
from consult.extensions import login_manager
from consult.staff import operations
from consult.staff.access import role_required
from consult.staff.forms import LoginForm
from consult.staff.models import User

bp = Blueprint("staff", __name__, url_prefix="/staff")

login_manager.login_view = "staff.login"
login_manager.login_message = None


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Load the account of a session, unless its password changed or it was disabled since."""
    user_id, _sep, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version) or not user.is_enabled:
        return None
    return user


def safe_next(target: str | None) -> str:
    """Return ``target`` if it is a path on this site, else the workspace home."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("staff.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in to the workspace."""
    form = LoginForm(next=request.args.get("next", ""))
    error = None
    if form.validate_on_submit():
        user = operations.authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            db.commit()
            session.clear()  # a new session identifier at login
            login_user(user)
            session.permanent = True
            return redirect(safe_next(form.next.data))
        error = _("E-mail or password is not right.")
    return render_template("staff/login.html", form=form, error=error)


@bp.post("/logout")
@role_required("admin", "moderator", "analyst")
def logout():
    """Sign out."""
    logout_user()
    session.clear()
    return redirect(url_for("core.landing"))


#: Workspace sections features register: (endpoint, label, roles that see it).
WORKSPACE_LINKS: list[tuple[str, str, tuple[str, ...]]] = []


@bp.get("/")
@role_required("admin", "moderator", "analyst")
def home():
    """The workspace home: links to what the signed-in role may use."""
    links = [
        (endpoint, label)
        for endpoint, label, roles in WORKSPACE_LINKS
        if endpoint in current_app.view_functions
        and (current_user.role == "admin" or current_user.role in roles)
    ]
    return render_template("staff/home.html", links=links)
