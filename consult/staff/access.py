"""Role checks for staff pages, enforced on the server for every route that uses them."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import abort
from flask_login import current_user

from consult.extensions import login_manager

#: Roles and what each may do; admin may do everything.
ROLES = ("admin", "moderator", "analyst")
#: Who may see personal data (respondents' and contributors' names beyond what is public,
#: e-mail addresses, job titles), on any page or in any export: admins only. Moderators judge
#: what is published and analysts what was answered; neither needs to reach the people.
PERSONAL_DATA_ROLES = ("admin",)


def has_role(*roles: str) -> bool:
    """Tell whether the signed-in staff member holds one of ``roles`` (admins hold all)."""
    if not current_user.is_authenticated or not getattr(current_user, "is_active", False):
        return False
    return current_user.role == "admin" or current_user.role in roles


def may_see_personal_data() -> bool:
    """Tell whether the signed-in staff member may see contact details (admins only)."""
    return (
        current_user.is_authenticated
        and getattr(current_user, "is_active", False)
        and current_user.role in PERSONAL_DATA_ROLES
    )


def role_required(*roles: str) -> Callable:
    """Let only staff holding one of ``roles`` run a view; others log in first or are refused."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles  # type: ignore[attr-defined]
        return wrapped

    return decorate
