"""The workspace's sections and its navigation: each role sees the sections it may open."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request, url_for
from flask_login import current_user

from consult.core.navigation import current_marks
from consult.staff.access import has_role

#: Workspace sections features register: (endpoint, label, roles that see it). A section is
#: shown to a role only when its view lets that role in as well (see workspace_links).
WORKSPACE_LINKS: list[tuple[str, str, tuple[str, ...]]] = []


def workspace_links() -> list[tuple[str, str]]:
    """Return the workspace sections the signed-in staff member may open."""
    if not current_user.is_authenticated or current_user.is_password_one_time:
        return []  # a one-time password's session reaches no section before replacing it
    shown = []
    for endpoint, label, roles in WORKSPACE_LINKS:
        view = current_app.view_functions.get(endpoint)
        if view is None:
            raise LookupError(f"workspace section {endpoint!r} names no view")
        # The view's own roles decide too, so that a link never leads to a refusal.
        if has_role(*roles) and has_role(*getattr(view, "required_roles", ())):
            shown.append((endpoint, str(label)))
    return shown


@dataclass(frozen=True)
class NavLink:
    """A link of the workspace navigation, and its aria-current (None, "page" or "true")."""

    url: str
    label: str
    current: str | None


@dataclass(frozen=True)
class WorkspaceNav:
    """The workspace navigation of the page shown: its sections, the account's password page,
    and the name of the current one (said by the phone's folded menu)."""

    links: list[NavLink]
    password: NavLink
    current: str | None


def workspace_nav(home_label: str, password_label: str) -> WorkspaceNav:
    """Build the navigation for the signed-in staff member on the page shown."""
    entries = [(url_for("staff.home"), home_label)]
    entries += [(url_for(endpoint), label) for endpoint, label in workspace_links()]
    entries.append((url_for("staff.change_password"), password_label))
    marks = current_marks([url for url, _label in entries], request.path)
    links = [NavLink(url, label, mark) for (url, label), mark in zip(entries, marks, strict=True)]
    current = next((link.label for link in links if link.current), None)
    return WorkspaceNav(links=links[:-1], password=links[-1], current=current)
