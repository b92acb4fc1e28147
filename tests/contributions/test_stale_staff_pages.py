"""A staff page opened before another staff member's change never silently overwrites it.

The moderation forms (one decision, bulk, replies, the official response) carry the version
they were drawn from; a changed one is refused with what changed and who changed it, nothing
is sent, and "apply anyway" re-posts what was typed. Taking a published contribution off the
public site needs a tick.
"""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from consult.contributions.models import Contribution, OfficialResponse
from consult.db import db
from consult.staff.models import AuditEntry
from tests.conftest import csrf_token, versions_in
from tests.mail.test_contributors import make_contribution
from tests.mail.test_respondents import outbox

HIDDEN_RE = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
APPLY_RE = re.compile(
    r'<form method="post" action="[^"]+" class="inline-form apply-anyway">(.*?)</form>', re.S
)


def _page(client, path: str) -> str:
    return client.get(path).get_data(as_text=True)


def _apply_anyway(client, refused_page: str, path: str):
    """Press "Apply my change anyway" on a refusal page."""
    form = APPLY_RE.search(refused_page).group(1)
    return client.post(path, data=MultiDict([(n, unescape(v)) for n, v in HIDDEN_RE.findall(form)]))


def _status(app, contribution_id: int) -> str:
    with app.app_context():
        return db.session.get(Contribution, contribution_id).status


def _refusals(app) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEntry.target).where(AuditEntry.action == "staff.stale_refused")
            )
        )


def test_a_decision_from_a_page_opened_before_anothers_is_refused_and_sends_nothing(app, login):
    contribution_id = make_contribution(app)
    moderator = login(app.test_client(), "moderator")
    admin = login(app.test_client(), "admin")
    path = f"/staff/moderation/{contribution_id}"
    admins_page, moderators_page = _page(admin, path), _page(moderator, path)
    approved = moderator.post(
        "/staff/moderation/act",
        data={
            "csrf_token": csrf_token(moderators_page),
            "one": f"{contribution_id}:approve",
            **versions_in(moderators_page),
        },
    )
    assert approved.status_code == 303 and _status(app, contribution_id) == "published"
    sent = len(outbox(app))
    stale = admin.post(
        "/staff/moderation/act",
        data={
            "csrf_token": csrf_token(admins_page),
            "one": f"{contribution_id}:reject",
            f"reason-{contribution_id}": "off_topic",
            f"note-{contribution_id}": "Not about the Charter.",
            **versions_in(admins_page),
        },
    )
    text = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "changed since you opened it" in text and "moderator-" in text  # who: role, address
    assert "Awaiting moderation" in text and "Published" in text  # what changed: was, now
    assert "Not about the Charter." in text  # what was typed is kept
    assert _status(app, contribution_id) == "published"
    assert len(outbox(app)) == sent  # no "not published" e-mail after "published"
    assert _refusals(app) == [f"contribution {contribution_id}"]
    # Apply anyway: it takes a published contribution off the site, so it asks for the tick.
    asked = _apply_anyway(admin, text, "/staff/moderation/act")
    assert asked.status_code == 200 and "Take it off the public site?" in asked.get_data(
        as_text=True
    )
    assert _status(app, contribution_id) == "published"
    ticked = admin.post(
        "/staff/moderation/act",
        data=MultiDict(
            [
                *[(n, unescape(v)) for n, v in HIDDEN_RE.findall(asked.get_data(as_text=True))],
                ("confirm_removal", "yes"),
            ]
        ),
    )
    assert ticked.status_code == 303 and _status(app, contribution_id) == "rejected"


def test_a_bulk_decision_acts_on_the_unchanged_and_lists_the_others(app, login, contribute):
    first, _ = contribute("First")
    second, _ = contribute("Second")
    moderator = login(app.test_client(), "moderator")
    admin = login(app.test_client(), "admin")
    queue = _page(admin, "/staff/moderation/")
    page = _page(moderator, f"/staff/moderation/{first}")
    moderator.post(
        "/staff/moderation/act",
        data={"csrf_token": csrf_token(page), "one": f"{first}:approve", **versions_in(page)},
    )
    reply = admin.post(
        "/staff/moderation/act",
        data={
            "csrf_token": csrf_token(queue),
            "ids": [first, second],
            "action": "reject",
            "reason": "spam",
            **versions_in(queue),
        },
    )
    after = admin.get(reply.location).get_data(as_text=True)
    # who: address and role, as the staff header names them
    assert f"Contribution #{first}: Published, moderator-" in after
    assert "(moderator)" in after
    assert "Rejected: 1 contribution." in after
    assert _status(app, first) == "published" and _status(app, second) == "rejected"


def test_a_second_official_response_from_an_older_page_is_refused(app, login, contribute):
    contribution_id, _ = contribute("Please add a right to care.", publish=True)
    moderator = login(app.test_client(), "moderator")
    admin = login(app.test_client(), "admin")
    path = f"/staff/moderation/{contribution_id}"
    admins_page, moderators_page = _page(admin, path), _page(moderator, path)

    def respond(client, page, text):
        return client.post(
            f"{path}/response",
            data={
                "csrf_token": csrf_token(page),
                "text": text,
                "language": "en",
                **versions_in(page, action=f"{path}/response"),
            },
        )

    assert respond(moderator, moderators_page, "Care is on the agenda.").status_code == 303
    stale = respond(admin, admins_page, "We will consider it.")
    text = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "Care is on the agenda." in text and "We will consider it." in text
    with app.app_context():
        assert db.session.scalars(select(OfficialResponse.text)).one() == "Care is on the agenda."
    assert _apply_anyway(admin, text, f"{path}/response").status_code == 303
    with app.app_context():
        assert db.session.scalars(select(OfficialResponse.text)).one() == "We will consider it."


def test_every_moderation_form_refuses_a_missing_or_forged_version(app, login, contribute):
    contribution_id, _ = contribute("Published", publish=True)
    moderator = login(app.test_client(), "moderator")
    token = csrf_token(_page(moderator, "/staff/moderation/"))
    cases = [
        ("/staff/moderation/act", {"one": f"{contribution_id}:approve"}, "version-"),
        (f"/staff/moderation/{contribution_id}/response", {"text": "x", "language": "en"}, ""),
    ]
    for path, data, _field in cases:
        for version in (None, "forged", "e30.forged"):
            extra = (
                {}
                if version is None
                else {f"version-{contribution_id}": version, "version": version}
            )
            reply = moderator.post(path, data={"csrf_token": token, **data, **extra})
            assert reply.status_code == 409, (path, version)
