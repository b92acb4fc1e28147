"""A refused form never loses what was sent, and says truthfully how long to wait.

The chokepoint: ``consult.core.errors.answer_refusal`` answers every HTTP refusal (429 from any
rate limit, 400, 403, 404, 409, 413, 500, 503): a form of our own site comes back on the expired
form's page (``resend_page``) with the reason, the wait from the limit's real reset in words,
and "Send again" when the same form may pass later (else a link back to the form's page).
"""

from __future__ import annotations

import math
import re

import pytest
from flask import Flask, abort, request, url_for
from flask_babel import force_locale
from werkzeug.routing.converters import NumberConverter

from consult.core.waiting import wait_words
from consult.i18n import LANG_COOKIE
from tests.conftest import Respondent, csrf_token
from tests.contributions.conftest import Contributor

SAME = {"Sec-Fetch-Site": "same-origin"}
TYPED = "Vivienda digna para todas las personas ✓ (texto largo)"


@pytest.mark.parametrize(
    ("seconds", "language", "words"),
    [
        (0.2, "en", "1 second"),
        (1, "en", "1 second"),
        (59, "en", "59 seconds"),
        (59.1, "en", "60 seconds"),
        (61, "en", "61 seconds"),
        (120, "en", "2 minutes"),
        (121, "en", "3 minutes"),
        (2700, "en", "45 minutes"),
        (2699.4, "en", "45 minutes"),
        (3600, "en", "1 hour"),
        (3601, "en", "1 hour and 1 minute"),
        (5400, "en", "1 hour and 30 minutes"),
        (86_400, "en", "24 hours"),
        (2700, "fr", "45 minutes"),
        (1, "fr", "1 seconde"),
        (5400, "fr", "1 heure et 30 minutes"),
        (7200, "fr", "2 heures"),
        (2700, "es", "45 minutos"),
        (1, "es", "1 segundo"),
        (5400, "es", "1 hora y 30 minutos"),
    ],
)
def test_a_wait_in_words_never_says_less_than_the_wait(app: Flask, seconds, language, words):
    with app.test_request_context("/"), force_locale(language):
        assert wait_words(seconds) == words


# -- the chokepoint, one refusal status at a time -------------------------------------------


@pytest.fixture
def forcing(make_app):
    """An app whose POSTs are refused with the status named in X-Refuse (after the CSRF check)."""
    app = make_app()

    @app.before_request
    def refuse():
        if request.method == "POST" and request.headers.get("X-Refuse"):
            abort(int(request.headers["X-Refuse"]))

    return app


def _contribution(client, headers: dict[str, str], **fields):
    token, started, _page = Contributor(client).form()
    data = {"csrf_token": token, "started": started, "kind": "comment", "text": TYPED, **fields}
    return client.post("/contributions/new", data=data, headers=headers)


def _typed_back(body: str) -> bool:
    return TYPED in body.replace("&#39;", "'")


@pytest.mark.parametrize(
    ("code", "resend"),
    [
        (400, False),
        (403, False),
        (404, False),
        (409, False),
        (413, False),
        (429, True),
        (500, True),
        (503, True),
    ],
)
def test_every_refusal_of_a_form_shows_back_what_was_sent(forcing: Flask, code, resend):
    client = forcing.test_client()
    reply = _contribution(client, {**SAME, "X-Refuse": str(code)})
    body = reply.get_data(as_text=True)
    assert reply.status_code == code
    assert reply.headers["Cache-Control"] == "no-store"
    assert _typed_back(body), code
    sends_again = re.search(r'<form method="post" action="/contributions/new">', body)
    assert bool(sends_again) is resend, code
    if not resend:
        # The way forward: the form's own page (it answers GET), and the text to copy.
        assert 'href="/contributions/new"' in body and "copy it" in body


@pytest.mark.parametrize(
    ("headers", "fields", "shown_back"),
    [
        (SAME, {}, True),
        ({"Origin": "http://localhost"}, {}, True),
        ({"Sec-Fetch-Site": "cross-site"}, {}, False),  # a forged post is never shown back
        ({}, {}, False),
        (SAME, {"password": "secret"}, False),  # a password is typed again, not shown
        ({**SAME, "Accept": "application/json"}, {}, False),  # a script: JSON
    ],
)
def test_who_gets_the_input_back(forcing: Flask, headers, fields, shown_back):
    reply = _contribution(forcing.test_client(), {**headers, "X-Refuse": "429"}, **fields)
    assert reply.status_code == 429
    assert _typed_back(reply.get_data(as_text=True)) is shown_back
    assert "secret" not in reply.get_data(as_text=True)


def test_a_script_is_told_the_reason_in_json(forcing: Flask):
    reply = _contribution(
        forcing.test_client(), {**SAME, "Accept": "application/json", "X-Refuse": "429"}
    )
    assert reply.status_code == 429 and reply.is_json
    assert reply.json["error"] == 429 and "Too many requests" in reply.json["message"]


def test_a_body_too_large_to_read_is_refused_plainly(make_app):
    app = make_app(MAX_CONTENT_LENGTH=2000)
    client = app.test_client()
    token, started, _page = Contributor(client).form()
    data = {"csrf_token": token, "started": started, "text": "x" * 5000}
    reply = client.post("/contributions/new", data=data, headers=SAME)
    assert reply.status_code == 413 and "too large" in reply.get_data(as_text=True)


# -- real rate limits: the wait said is the limit's own -------------------------------------


def test_a_refused_contribution_comes_back_in_spanish_with_the_real_wait(make_app):
    app = make_app(
        RATELIMIT_ENABLED=True,
        CONTRIBUTIONS_RATE_LIMIT="2 per hour",
        CONTRIBUTION_MIN_FILL_SECONDS=0,
    )
    client = app.test_client()
    client.set_cookie(LANG_COOKIE, "es")
    fields = {
        "article": "art10",
        "language": "es",
        "organisation_type": "civil_society",
    }
    for _ in range(2):
        token, started, _page = Contributor(client).form()
        data = {"csrf_token": token, "started": started, "kind": "comment", **fields}
        data["text"] = f"Otra contribución {started[-6:]}."
        assert client.post("/contributions/new", data=data, headers=SAME).status_code == 303
    reply = _contribution(client, SAME, **fields)
    body = reply.get_data(as_text=True)
    assert reply.status_code == 429
    assert _typed_back(body)
    assert "Enviar de nuevo" in body and "Espere un momento" not in body
    wait = int(reply.headers["Retry-After"])
    assert 3500 < wait <= 3600
    minutes = math.ceil(wait / 60)
    said = re.search(r"dentro de (\d+) minutos|dentro de 1 hora", body)
    assert said, body
    assert said.group(1) is None or int(said.group(1)) in (minutes, minutes + 1)


def test_a_save_refused_by_the_address_ceiling_comes_back_with_the_answers(make_app):
    app = make_app(RATELIMIT_ENABLED=True, QUESTIONNAIRE_SAVE_RATE_LIMIT="2 per minute")
    respondent = Respondent(app.test_client())
    respondent.start()
    respondent.page("profile")
    for _ in range(2):
        assert respondent.save("profile", {}, action="save").status_code < 400
    reply = respondent.client.post(
        f"/r/{respondent.token}/s/profile",
        data={"csrf_token": respondent.csrf, "action": "next", "q.institution_name": TYPED},
        headers=SAME,
    )
    body = reply.get_data(as_text=True)
    assert reply.status_code == 429 and _typed_back(body)
    assert re.search(r"send it again in \d+ seconds", body), body
    assert 0 < int(reply.headers["Retry-After"]) <= 61
    # The autosave is told the same, in JSON, with the seconds to wait.
    autosave = respondent.client.post(
        f"/r/{respondent.token}/s/profile/autosave",
        data={"csrf_token": respondent.csrf, "q.institution_name": TYPED},
        headers={**SAME, "Accept": "application/json"},
    )
    assert autosave.status_code == 429 and 0 < autosave.json["retry_after"] <= 61
    assert "send it again in" in autosave.json["message"]


# -- the walk: every POST route of the URL map, under a forced 429 --------------------------


def _sample_url(app: Flask, rule) -> str:
    values = {
        name: 1 if isinstance(converter, NumberConverter) else "sample"
        for name, converter in rule._converters.items()
    }
    with app.test_request_context("/"):
        return url_for(rule.endpoint, **values)


def test_every_post_route_gives_the_input_back_under_a_rate_limit(forcing: Flask):
    client = forcing.test_client()
    token = csrf_token(client.get("/contributions/new").get_data(as_text=True))
    walked = []
    for rule in forcing.url_map.iter_rules():
        if "POST" not in (rule.methods or ()):
            continue
        url = _sample_url(forcing, rule)
        reply = client.post(
            url, data={"csrf_token": token, "text": TYPED}, headers={**SAME, "X-Refuse": "429"}
        )
        body = reply.get_data(as_text=True)
        assert reply.status_code == 429, (rule.endpoint, reply.status_code)
        assert _typed_back(body), rule.endpoint
        assert f'<form method="post" action="{url}">' in body, rule.endpoint
        walked.append(rule.endpoint)
    assert len(walked) > 40, walked
