"""A moderator's official response sent after the session ended, in a browser.

Typed, the session ends (inactivity, or "Sign out everywhere"), sent: the sign-in says what was
kept; signing in again shows the text with one "Send again", which publishes it. On a phone in
French and on a desktop in English, each page passing axe-core.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.contributions import operations
from consult.contributions.models import OfficialResponse
from consult.db import db, utcnow, writing
from consult.staff import sessions
from consult.staff.models import User
from tests.browser.conftest import PHONE, screenshot, serious_accessibility_violations
from tests.conftest import STAFF_PASSWORD

CASES = {
    "fr-phone": {
        "locale": "fr-FR",
        "viewport": PHONE,
        "end": "everywhere",
        "text": "La CISDP inscrira le droit au logement dans la Charte ; merci !",
        "kept": "Ce que vous aviez saisi est conservé",
        "publish": "Publier la réponse",
        "sign_in": "Se connecter",
        "send_again": "Envoyer à nouveau",
    },
    "en-desktop": {
        "locale": "en-GB",
        "viewport": {"width": 1280, "height": 900},
        "end": "idle",
        "text": "UCLG CISDP will write the right to housing into the Charter; thank you!",
        "kept": "What you sent is kept",
        "publish": "Publish the response",
        "sign_in": "Sign in",
        "send_again": "Send again",
    },
}


def _sign_in(page, email: str, button: str) -> None:
    page.fill("#email", email)
    page.fill("#password", STAFF_PASSWORD)
    page.get_by_role("button", name=button).click()


@pytest.mark.parametrize("case", sorted(CASES))
def test_an_official_response_sent_after_the_session_ended_is_sent_again(
    app, live_server, new_context, staff, monkeypatch, case
):
    said = CASES[case]
    with app.test_request_context(), writing():
        contribution, _token = operations.create_contribution(
            db.session,
            kind="comment",
            text="The Charter should say more about housing.",
            language="en",
            organisation_type="civil_society",
        )
        operations.publish(db.session, contribution)
        db.commit()
        path = f"/staff/moderation/{contribution.id}"
    email = staff("moderator")
    page = new_context(locale=said["locale"], viewport=said["viewport"]).new_page()
    page.goto(live_server.url + path)
    _sign_in(page, email, said["sign_in"])
    assert page.url.endswith(path)
    page.fill("#official-text", said["text"])

    if said["end"] == "idle":
        later = utcnow() + timedelta(seconds=app.config["STAFF_INACTIVITY_TIMEOUT"] + 60)
        monkeypatch.setattr(sessions, "now", lambda: later)
    else:
        with app.app_context(), writing():
            user = db.session.scalar(select(User).where(User.email == email))
            sessions.end_all(db.session, user, "revoked")
            db.commit()
    page.get_by_role("button", name=said["publish"]).click()

    assert "/staff/login" in page.url and said["kept"] in page.content()
    assert said["text"] not in page.content()  # nothing shown before signing in again
    assert serious_accessibility_violations(page) == []
    screenshot(page, f"staff-session-ended-{case}")
    _sign_in(page, email, said["sign_in"])
    assert "/staff/kept-form" in page.url
    assert said["text"] in page.locator(".user-text").inner_text()
    assert serious_accessibility_violations(page) == []
    screenshot(page, f"staff-kept-form-{case}")
    page.get_by_role("button", name=said["send_again"]).click()
    assert page.url.endswith(path)
    with app.app_context():
        assert db.session.scalars(select(OfficialResponse.text)).one() == said["text"]
