"""A reply to a POST speaks the language of the page that was posted (i18n.posted_page_language),
not the response's stored language, which a colleague may have switched meanwhile.

Found by a reviewer: A and B open the review page of a Spanish response; A switches to
Français and submits; B presses "Enviar mi respuesta" with contact details and gets the refusal
("Les coordonnées ont été modifiées…") in French.
"""

from __future__ import annotations

import html
import re

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import update

from consult.db import db
from consult.i18n import PAGE_LANGUAGE_FIELD
from consult.i18n_tools import ROOT
from consult.questionnaires.models import Response
from tests.conftest import Respondent, csrf_token
from tests.questionnaires.test_respond import fill_required

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
INVALID_BAND = {"q.population_band": "not-a-band"}
OPTION_UNKNOWN = "Choose one of the options offered."
ANA = {"name": "Ana", "email": "ana@example.org", "job_title": "Jefa", "consent": "yes"}
BEA = {"name": "Bea", "email": "bea@example.org", "job_title": "Jefa", "consent": "yes"}


def _hidden(page: str) -> dict[str, str]:
    """The hidden fields of a page's forms, as a browser holds them (buttons left out)."""
    fields = {name: html.unescape(value) for name, value in HIDDEN.findall(page)}
    fields.pop("goto", None)
    return fields | {"csrf_token": csrf_token(page)}


def _switch_stored_language(app, token_language: str) -> None:
    """What a colleague's language switch does to the response (see operations.py)."""
    with app.app_context():
        db.session.execute(update(Response).values(language=token_language))
        db.session.commit()


def _page_posts(app, client, token):
    """Every respondent POST route, each with the form its page showed (in Spanish)."""
    page = client.get(f"/r/{token}/s/profile").get_data(as_text=True)
    review = client.get(f"/r/{token}/review").get_data(as_text=True)
    assert '<html lang="es"' in page and '<html lang="es"' in review
    page_form, review_form = _hidden(page), _hidden(review)
    assert page_form[PAGE_LANGUAGE_FIELD] == review_form[PAGE_LANGUAGE_FIELD] == "es"
    return {
        "page save, shown again with its errors": {**page_form, "action": "save", **INVALID_BAND},
        "autosave's messages": {**page_form, **INVALID_BAND},
        "review submit, refused for a missing contact consent": {
            **review_form,
            "contact.email": "bea@example.org",
        },
        "contact details changed elsewhere": {
            **review_form,
            **{f"contact.{k}": v for k, v in BEA.items()},
        },
        "link box, refused address": {
            **review_form,
            "back": f"/r/{token}/review",
            "email": "not an address",
        },
    }


#: Every respondent POST route (test_the_table_holds_every_respondent_post_route), by case.
PATHS = {
    "page save, shown again with its errors": "/r/{token}/s/profile",
    "autosave's messages": "/r/{token}/s/profile/autosave",
    "review submit, refused for a missing contact consent": "/r/{token}/review",
    "contact details changed elsewhere": "/r/{token}/review",
    "link box, refused address": "/r/{token}/email-link",
}
ROUTES = list(PATHS)


@pytest.mark.parametrize("route", ROUTES)
def test_a_reply_to_a_post_keeps_the_language_of_the_posted_page(app, route):
    browser_b = app.test_client()
    browser_b.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"  # B never chose: no cookie
    respondent = Respondent(browser_b)
    token = respondent.start()
    fill_required(respondent)
    if route == "contact details changed elsewhere":
        assert respondent.submit(**ANA).status_code == 303
    assert browser_b.get_cookie("consult_lang") is None
    # B's browser prefers English; B's pages are in Spanish, the response's stored language.
    browser_b.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    posts = _page_posts(app, browser_b, token)
    assert set(posts) == set(ROUTES)
    # Colleague A, in another browser, switches the response to French (and, for one route,
    # changes the contact details).
    if route == "contact details changed elsewhere":
        colleague = Respondent(app.test_client())
        colleague.token = token
        assert colleague.submit(**{**ANA, "name": "Carla", "replace": "yes"}).status_code == 303
    _switch_stored_language(app, "fr")
    assert '<html lang="fr"' in app.test_client().get(f"/r/{token}/review").get_data(as_text=True)
    data = posts[route]
    path = PATHS[route].format(token=token)
    reply = browser_b.post(path, data=data, headers={"Accept": "application/json"})
    assert reply.status_code in (409, 422, 200), reply.status_code
    if reply.is_json:
        with app.test_request_context(), force_locale("es"):
            expected = gettext(OPTION_UNKNOWN)
        assert expected != OPTION_UNKNOWN
        assert expected in str(reply.get_json())
    else:
        assert '<html lang="es"' in reply.get_data(as_text=True)
        if route == "contact details changed elsewhere":
            assert "Los datos de contacto se cambiaron en otro navegador" in reply.get_data(
                as_text=True
            )


#: The pages whose language is the stored one of what they edit (prefer_page_language): a
#: response's pages and a pledge's.
PERSONAL_PAGES = ("/r/<token>/", "/campaign/pledge/<token>/")
FORM = re.compile(r"<form\b[^>]*\bmethod=\"post\"[^>]*>.*?</form>", re.S | re.I)


def test_the_table_holds_every_respondent_post_route(app):
    posted = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and rule.rule.startswith("/r/<token>/")
    }
    adapter = app.url_map.bind("localhost")
    with app.test_request_context():
        covered = {adapter.match(p.format(token="T"), method="POST")[0] for p in PATHS.values()}
    assert posted == covered


def test_every_form_of_a_personal_page_posts_its_page_language(app):
    """Each form posting to a response's or a pledge's route carries page_language_field()."""
    endpoints = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and rule.rule.startswith(PERSONAL_PAGES)
    }
    found = set()
    for path in (ROOT / "templates").rglob("*.html"):
        for form in FORM.findall(path.read_text(encoding="utf-8")):
            action = re.search(r"url_for\('([\w.]+)'", form.split(">", 1)[0])
            if action and action.group(1) in endpoints:
                found.add(action.group(1))
                assert "{{ page_language_field() }}" in form, path
    assert found >= endpoints - {"questionnaires.autosave"}  # autosave posts the page's form
