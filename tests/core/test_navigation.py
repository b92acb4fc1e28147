"""The one rule that marks a navigation's current link (consult/core/navigation.py)."""

from __future__ import annotations

import pytest

from consult.core.navigation import PAGE, SECTION, current_marks

PUBLIC = ["/", "/questionnaires/partners", "/charter", "/contributions", "/campaign", "/outcomes"]
STAFF = ["/staff/", "/staff/users", "/staff/mail", "/staff/mail/invitations", "/staff/outcomes/"]


@pytest.mark.parametrize(
    ("paths", "here", "marked"),
    [
        (PUBLIC, "/", {"/": PAGE}),
        (PUBLIC, "/charter", {"/charter": PAGE}),
        (PUBLIC, "/charter/", {"/charter": PAGE}),
        (PUBLIC, "/charter/article-3", {"/charter": SECTION}),
        (PUBLIC, "/contributions/new", {"/contributions": SECTION}),
        (PUBLIC, "/questionnaires/partners/lost-link", {"/questionnaires/partners": SECTION}),
        # Under the home page only: nothing (every page is under it).
        (PUBLIC, "/privacy", {}),
        (PUBLIC, "/r/token/s/profile", {}),
        # A path that merely starts with a link's letters is not inside it.
        (PUBLIC, "/charters", {}),
        (PUBLIC, "/campaign-old", {}),
        (STAFF, "/staff/", {"/staff/": PAGE}),
        (STAFF, "/staff", {"/staff/": PAGE}),
        (STAFF, "/staff/users/12", {"/staff/users": SECTION}),
        (STAFF, "/staff/outcomes/", {"/staff/outcomes/": PAGE}),
        (STAFF, "/staff/outcomes/crosstab", {"/staff/outcomes/": SECTION}),
        # The longest section wins, and an exact link wins over a section.
        (STAFF, "/staff/mail/invitations/sent", {"/staff/mail/invitations": SECTION}),
        (STAFF, "/staff/mail/invitations", {"/staff/mail/invitations": PAGE}),
        (STAFF, "/staff/mail/templates/invitation/fr", {"/staff/mail": SECTION}),
        (STAFF, "/staff/kept-form", {}),
        # A link with a query marks by its path.
        (["/", "/outcomes?view=all"], "/outcomes", {"/outcomes?view=all": PAGE}),
        ([], "/", {}),
    ],
)
def test_one_link_at_most_is_marked(paths, here, marked):
    marks = current_marks(paths, here)
    assert {path: mark for path, mark in zip(paths, marks, strict=True) if mark} == marked
