"""Every route that opens something by a token answers a token it does not know (never issued,
expired, used, replaced) with a way forward: the page links UCLG CISDP's contact. Walks the URL
map, so that a new token route cannot forget it (tests/core/test_ways_forward.py holds the
table of the refusals reached through real, used or replaced tokens)."""

from __future__ import annotations

from tests.core.test_ways_forward import CONTACT, _main

#: Path arguments that carry a secret (a token, a ticket): the routes walked here.
TOKEN_ARGUMENTS = ("token", "link_token")
#: Shaped like our tokens, never issued.
UNKNOWN = "Zk3cQ0xW1vR8tY5uI2oP7aS4dF6gH9jK"


def token_routes(app) -> list[tuple[str, str, str]]:
    """Every (method, path, endpoint) of the URL map whose path carries a token."""
    found = []
    for rule in app.url_map.iter_rules():
        names = set(rule.arguments)
        if not names & set(TOKEN_ARGUMENTS):
            continue
        values = {name: UNKNOWN for name in TOKEN_ARGUMENTS if name in names}
        values |= {"key": "partners", "section_key": "profile"}
        path = rule.build(values, append_unknown=False)[1]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, path, rule.endpoint))
    return sorted(found)


def test_the_walk_finds_the_token_routes(app):
    endpoints = {endpoint for _m, _p, endpoint in token_routes(app)}
    assert {
        "questionnaires.page",
        "contributions.status",
        "contributions.withdraw",
        "campaign.pledge",
        "campaign.pledge_edit_post",
        "campaign.join_from_response",
        "invitations.open_invitation",
        "mail.set_password",
        "mail.open_lost_link",
        "mail.unsubscribe",
    } <= endpoints


def test_an_unknown_token_on_every_route_offers_a_way_forward(make_app):
    app = make_app(WTF_CSRF_ENABLED=False, PRIVACY_CONTACT_URL=CONTACT)
    client = app.test_client()
    stuck = []
    for method, path, endpoint in token_routes(app):
        reply = client.open(path, method=method, data={"email": "a@example.org"})
        if reply.status_code in (301, 302, 303):
            reply = client.get(reply.headers["Location"])
        page = reply.get_data(as_text=True)
        if reply.status_code < 400 and "<main" not in page:
            continue  # a file or a redirect elsewhere, not a page
        if "<main" not in page or f'href="{CONTACT}"' not in _main(reply):
            stuck.append(f"{method} {path} ({endpoint}): {reply.status_code}")
    assert stuck == []
