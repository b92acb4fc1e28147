"""Every rate limit of the app, whom it counts and why: a person's own thing where there is one.

An address is shared (a venue's Wi-Fi, a city hall, a mobile operator): a limit keyed by the
address alone lets others lock a person out of her own response or contribution. The table
below is the app's every limit; a new one must be added here, with its key and reason.
"""

from __future__ import annotations

from flask import Flask
from flask_limiter.util import get_qualified_name

from consult.extensions import limiter
from consult.ratelimits.keys import browser, client_address, personal_link
from tests.conftest import Respondent

#: endpoint -> (the key functions of its limits, why).
LIMITS: dict[str, tuple[set, str]] = {
    "questionnaires.start": (
        {client_address},
        "no response exists yet: the address is all there is (20 a minute, 200 an hour)",
    ),
    "questionnaires.page": (
        {personal_link, client_address},
        "her own response first; the address only as a ceiling a full venue stays under",
    ),
    "questionnaires.autosave": (
        {personal_link, client_address},
        "shares the page's limits (one budget per response, one ceiling per address)",
    ),
    "questionnaires.review": (
        {personal_link, client_address},
        "shares the page's limits (the submission is a save)",
    ),
    "contributions.new": (
        {browser, client_address},
        "accepted sends and every POST per browser; the address as a workshop's ceiling",
    ),
    "contributions.reply": ({browser, client_address}, "per browser, then address"),
    "contributions.support": ({browser, client_address}, "per browser, then address"),
    "contributions.report": ({browser, client_address}, "per browser, then address"),
    "contributions.withdraw": ({browser, client_address}, "per browser, then address"),
    "mail.email_link": (
        {personal_link, client_address},
        "her own link's mails; the address bears ceilings (and MAIL_ADDRESS_CEILING's)",
    ),
    "mail.lost_link": ({client_address}, "no response is known before the mail is found"),
    "mail.open_lost_link": ({client_address}, "a link from a mail, not yet a response's"),
    "mail.forgot_password": ({client_address}, "no account is known: per address"),
    "mail.set_password": ({client_address}, "a one-time link: guessing it is per address"),
    "campaign.join_post": ({client_address}, "no pledge exists yet"),
    "campaign.lost_link": ({client_address}, "no pledge is known before the mail is found"),
    "campaign.open_lost_link": ({client_address}, "a link from a mail, not yet a pledge's"),
    "campaign.pledge_edit_post": (
        {personal_link, client_address},
        "the pledge's own link first; the address as a venue's ceiling",
    ),
    "campaign.pledge_progress_post": (
        {personal_link, client_address},
        "the pledge's own link first; the address as a venue's ceiling",
    ),
}


def _key_functions(app: Flask) -> dict[str, set]:
    found = {}
    with app.test_request_context("/"):
        for endpoint, view in app.view_functions.items():
            limits = limiter.limit_manager.decorated_limits(get_qualified_name(view))
            if limits:
                found[endpoint] = {limit.key_func for limit in limits}
    return found


def test_every_limit_and_whom_it_counts(app: Flask):
    found = _key_functions(app)
    assert {endpoint: keys for endpoint, (keys, _why) in LIMITS.items()} == found


def test_others_behind_the_address_never_use_up_her_saves(make_app):
    app = make_app(
        RATELIMIT_ENABLED=True,
        QUESTIONNAIRE_RESPONSE_SAVE_RATE_LIMIT="3 per minute",
        QUESTIONNAIRE_SAVE_RATE_LIMIT="100 per minute",
    )
    # Two respondents behind one address (the test clients share 127.0.0.1).
    other, her = Respondent(app.test_client()), Respondent(app.test_client())
    other.start()
    her.start()
    her.page("profile")
    autosave = f"/r/{other.token}/s/profile/autosave"
    other.page("profile")
    statuses = [
        other.client.post(autosave, data={"csrf_token": other.csrf}).status_code for _ in range(5)
    ]
    assert statuses[3:] == [429, 429], statuses  # the other one's own budget is spent
    assert her.save("profile", {"q.institution_name": "Grigny"}, action="save").status_code < 400


def test_the_address_ceiling_still_holds(make_app):
    app = make_app(
        RATELIMIT_ENABLED=True,
        QUESTIONNAIRE_RESPONSE_SAVE_RATE_LIMIT="100 per minute",
        QUESTIONNAIRE_SAVE_RATE_LIMIT="3 per minute",
    )
    first, second = Respondent(app.test_client()), Respondent(app.test_client())
    first.start()
    second.start()
    first.page("profile")
    second.page("profile")
    codes = [first.save("profile", {}, action="save").status_code for _ in range(2)]
    codes += [second.save("profile", {}, action="save").status_code for _ in range(2)]
    assert codes[:3] == [303] * 3 or all(c < 400 for c in codes[:3]), codes
    assert codes[3] == 429


def test_others_behind_the_address_never_use_up_her_contributions(make_app):
    from tests.contributions.conftest import Contributor

    app = make_app(
        RATELIMIT_ENABLED=True,
        CONTRIBUTIONS_RATE_LIMIT="1 per hour",
        CONTRIBUTION_MIN_FILL_SECONDS=0,
    )
    first, second = Contributor(app.test_client()), Contributor(app.test_client())
    first.send_ok("First.")
    assert first.send("First again.").status_code == 429
    second.send_ok("Second, from the same Wi-Fi.")


def test_a_client_dropping_its_session_meets_the_address_ceiling(make_app):
    from tests.contributions.conftest import Contributor

    app = make_app(
        RATELIMIT_ENABLED=True,
        CONTRIBUTIONS_ADDRESS_RATE_LIMIT="2 per hour",
        CONTRIBUTION_MIN_FILL_SECONDS=0,
    )
    Contributor(app.test_client()).send_ok("One.")
    Contributor(app.test_client()).send_ok("Two.")
    assert Contributor(app.test_client()).send("Three.").status_code == 429
