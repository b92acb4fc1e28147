"""A form posted to a private link that names nothing (a response's, a contribution's status, a
pledge's: mistyped, cut short, never issued) says so, "this private link is not known", with
what was typed shown back and a way to CISDP: never "this page does not exist" (core.gone).
A replaced response link is told it was replaced (questionnaires.retired). Walks the URL map."""

from __future__ import annotations

import pytest

from tests.core.test_ways_forward import CONTACT, _main
from tests.core.test_ways_forward_walk import UNKNOWN, token_routes

#: The private links of the three kinds, by their routes' prefixes.
PRIVATE_LINKS = ("/r/", "/campaign/pledge/", "/contributions/status/", "/campaign/join/from/")
#: Token routes that are not such a link, and why.
OTHER_TOKENS = {
    # A form's own token for a letter sent before the pledge exists (not a pledge's link).
    "campaign.pledge_held_letter",
    # One-time links of their own kinds, each with its own page (test_ways_forward).
    "invitations.open_invitation",
    "invitations.start_invitation",
    "mail.set_password",
    "mail.open_lost_link",
    "campaign.open_lost_link",
    "mail.unsubscribe",
}
SAID = {
    "en": "This private link is not known",
    "fr": "Ce lien privé est inconnu",
    "es": "Este enlace privado no es conocido",
}
TYPED = "Words typed on a page whose link is not known"


def _private_link_routes(app) -> list[tuple[str, str, str]]:
    routes = [
        (method, path, endpoint)
        for method, path, endpoint in token_routes(app)
        if endpoint not in OTHER_TOKENS
    ]
    assert all(path.startswith(PRIVATE_LINKS) for _m, path, _e in routes), routes
    return routes


def test_every_token_route_is_a_private_link_or_named_as_another_kind(app):
    endpoints = {endpoint for _m, _p, endpoint in token_routes(app)}
    assert endpoints >= OTHER_TOKENS
    assert {e for _m, _p, e in _private_link_routes(app)} >= {
        "questionnaires.page",
        "questionnaires.review",
        "mail.email_link",
        "contributions.withdraw",
        "campaign.pledge_edit_post",
        "campaign.pledge_progress_post",
        "campaign.join_from_response",
    }


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_a_form_posted_to_an_unknown_private_link_says_so_and_keeps_what_was_typed(
    make_app, language
):
    app = make_app(WTF_CSRF_ENABLED=False, PRIVACY_CONTACT_URL=CONTACT)
    client = app.test_client()
    client.set_cookie("consult_lang", language)
    wrong = []
    for method, path, endpoint in _private_link_routes(app):
        if method != "POST" or endpoint == "questionnaires.autosave":
            continue
        reply = client.post(
            path,
            data={"q.institution_name": TYPED, "text": TYPED, "email": "a@example.org"},
            headers={"Sec-Fetch-Site": "same-origin"},
        )
        main = _main(reply)
        if not (
            reply.status_code == 404
            and SAID[language] in main
            and TYPED in main
            and f'href="{CONTACT}"' in main
            and "does not exist" not in main
        ):
            wrong.append(f"{method} {path} ({endpoint}): {reply.status_code}")
    assert wrong == []


def test_opening_an_unknown_private_link_says_so(make_app):
    app = make_app(PRIVACY_CONTACT_URL=CONTACT)
    client = app.test_client()
    wrong = []
    for method, path, endpoint in _private_link_routes(app):
        if method != "GET":
            continue
        reply = client.get(path)
        main = _main(reply)
        if reply.status_code != 404 or SAID["en"] not in main or f'href="{CONTACT}"' not in main:
            wrong.append(f"{method} {path} ({endpoint}): {reply.status_code}")
    assert wrong == []


def test_the_autosave_of_an_unknown_link_is_told_in_json(make_app):
    app = make_app(WTF_CSRF_ENABLED=False)
    reply = app.test_client().post(
        f"/r/{UNKNOWN}/s/profile/autosave",
        data={"q.institution_name": TYPED},
        headers={"Accept": "application/json"},
    )
    assert reply.status_code == 404
    assert SAID["en"] in reply.get_json()["message"]
