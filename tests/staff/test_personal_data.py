"""Who sees contributors' and respondents' personal data: admins only, on every staff page.

The role matrix: a contributor's e-mail address and a name they did not make public appear on
no page a moderator or an analyst can open (every staff GET route is walked), and on the
moderation page of an admin."""

from __future__ import annotations

import pytest

from consult.contributions import operations
from consult.db import db, writing
from tests.staff.test_routes import staff_rules

EMAIL = "zorro.secret@example.org"
HIDDEN_NAME = "Zorrina Privatename"
PUBLIC_NAME = "Publius Shownname"


@pytest.fixture
def contributions(app):
    """One contribution with a private name, one with a public name; both with an e-mail."""
    ids = []
    with app.app_context(), writing():
        for name, public in ((HIDDEN_NAME, False), (PUBLIC_NAME, True)):
            contribution, _token = operations.create_contribution(
                db.session,
                kind="comment",
                text=f"A comment on the Charter by {'someone' if not public else 'me'}.",
                language="en",
                organisation_type="individual",
                name=name,
                email=EMAIL.replace("zorro", "zorro" + str(len(ids))),
                consented=True,
                show_name_publicly=public,
            )
            ids.append(contribution.id)
        db.commit()
    return ids


def _pages(app, client, contribution_id):
    for endpoint, method, path in staff_rules(app):
        if method != "GET" or endpoint in ("staff.logout", "staff.export_download"):
            continue
        if endpoint == "moderation.contribution":
            path = f"/staff/moderation/{contribution_id}"
        reply = client.get(path)
        if reply.status_code == 200:
            yield path, reply.get_data(as_text=True)


@pytest.mark.parametrize(
    ("role", "sees_personal_data"),
    [("moderator", False), ("analyst", False), ("admin", True)],
)
def test_only_admins_see_contributors_personal_data(
    app, login, contributions, role, sees_personal_data
):
    client = login(app.test_client(), role)
    seen = {}
    for contribution_id in contributions:
        for path, page in _pages(app, client, contribution_id):
            seen[path] = page
            if not sees_personal_data:
                assert "@example.org" not in page, f"{role} sees an e-mail on {path}"
                assert HIDDEN_NAME not in page, f"{role} sees a private name on {path}"
    moderation = {p: html for p, html in seen.items() if p.startswith("/staff/moderation/")}
    if role == "analyst":
        assert not moderation
        return
    hidden_page = seen[f"/staff/moderation/{contributions[0]}"]
    public_page = seen[f"/staff/moderation/{contributions[1]}"]
    assert PUBLIC_NAME in public_page, "a name shown publicly is shown to moderators too"
    if sees_personal_data:
        assert "zorro0.secret@example.org" in hidden_page and HIDDEN_NAME in hidden_page
    else:
        assert "only admins see it" in hidden_page


@pytest.mark.parametrize("role", ["moderator", "analyst"])
def test_only_admins_may_export_personal_data(app, login, role):
    from tests.conftest import csrf_token

    client = login(app.test_client(), role)
    page = client.get("/staff/exports")
    if role == "moderator":
        assert page.status_code == 403
        return
    html = page.get_data(as_text=True)
    assert "with_personal_data" not in html
    for path, prefix in (
        ("/staff/exports", ""),
        ("/staff/exports/contributions", "contributions-"),
    ):
        reply = client.post(
            path,
            data={
                "csrf_token": csrf_token(html),
                f"{prefix}format": "csv",
                f"{prefix}with_personal_data": "y",
            },
        )
        assert reply.status_code == 403, path
