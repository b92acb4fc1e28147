"""The workspace navigation (consult/staff/navigation.py): every section names a view, and each
role sees exactly the sections it may open, each marked current on its own pages."""

from __future__ import annotations

import re

import pytest

from consult.staff.access import ROLES
from consult.staff.navigation import WORKSPACE_LINKS

NAV = re.compile(r'<nav class="site-nav staff-nav".*?</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)"( aria-current="(\w+)")?>')


def test_every_section_names_a_view_that_lets_in_the_roles_it_is_shown_to(app):
    for endpoint, label, roles in WORKSPACE_LINKS:
        view = app.view_functions.get(endpoint)
        assert view is not None, f"{label}: {endpoint} is no view"
        assert set(roles) == set(view.required_roles), f"{label}: shown to {roles}"


def test_every_workspace_page_is_reached_from_the_navigation(app):
    """A section of the workspace is in the navigation: none is registered under another name
    and silently left out (the dashboard and e-mailed invitations were)."""
    sections = {endpoint for endpoint, _label, _roles in WORKSPACE_LINKS}
    for endpoint in ("staff.dashboard_page", "mail.invitations_page", "staff.coverage"):
        assert endpoint in sections


@pytest.mark.parametrize("role", ROLES)
def test_a_role_sees_every_section_it_may_open_and_no_other(app, login, role):
    client = login(app.test_client(), role)
    nav = NAV.search(client.get("/staff/").get_data(as_text=True)).group(0)
    shown = {href for href, _attribute, _mark in LINK.findall(nav)}
    for href in shown:
        assert client.get(href).status_code == 200, (role, href)
    with app.test_request_context():
        from flask import url_for

        may_open = {
            url_for(endpoint)
            for endpoint, _label, roles in WORKSPACE_LINKS
            if role == "admin" or role in roles
        }
    assert may_open <= shown


@pytest.mark.parametrize(
    ("page", "current"),
    [
        ("/staff/", {"/staff/": "page"}),
        ("/staff/dashboard", {"/staff/dashboard": "page"}),
        ("/staff/mail/invitations", {"/staff/mail/invitations": "page"}),
        ("/staff/mail/digest", {"/staff/mail/digest": "page"}),
        ("/staff/outcomes/dashboard", {"/staff/outcomes/dashboard": "page"}),
        ("/staff/outcomes/snapshots", {"/staff/outcomes/": "true"}),
        ("/staff/moderation/log", {"/staff/moderation/": "true"}),
        ("/staff/account/password", {"/staff/account/password": "page"}),
    ],
)
def test_one_link_is_marked_current(app, login, page, current):
    client = login(app.test_client(), "admin")
    nav = NAV.search(client.get(page).get_data(as_text=True)).group(0)
    assert {href: mark for href, _attribute, mark in LINK.findall(nav) if mark} == current
