"""The review page sends what it showed: answers changed since are shown before anything is
submitted, and contact details given elsewhere are never partly erased (HTTP, no JavaScript)."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from consult.db import db
from consult.questionnaires.models import ContactDetails, Response
from tests.conftest import Respondent, csrf_token
from tests.questionnaires.test_respond import fill_required

FIELD = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def review_form(client, token: str) -> dict[str, str]:
    """The hidden fields of the review page as a browser holds them."""
    page = client.get(f"/r/{token}/review").get_data(as_text=True)
    return {name: html.unescape(value) for name, value in FIELD.findall(page) if name != "goto"} | {
        "csrf_token": csrf_token(page)
    }


def stored_contact(app) -> tuple:
    with app.app_context():
        row = db.session.scalar(select(ContactDetails))
        return (row.name, row.email, row.job_title) if row else None


def test_a_change_made_since_the_review_was_shown_is_shown_before_submitting(app, respondent):
    token = respondent.start()
    fill_required(respondent)
    shown = review_form(respondent.client, token)  # A opens the review (and prints it)
    # Meanwhile B changes the institution name on the profile page.
    colleague = Respondent(app.test_client())
    colleague.token = token
    renamed = {
        "q.institution_name": "Alcaldía Mayor",
        "q.country": "MX",
        "q.institution_type": "metropolis",
        "q.population_band": "over_5m",
    }
    assert colleague.save("profile", renamed, "save").status_code == 303
    reply = respondent.client.post(f"/r/{token}/review", data=shown)
    assert reply.status_code == 409
    page = reply.get_data(as_text=True)
    assert "Answers were changed in another browser or tab since this page was shown" in page
    listed = page.split('id="changed-since"', 1)[1].split("</div>", 1)[0]
    assert "<li>1. Name of your local or regional government" in listed
    assert "Alcaldía Mayor" in page  # the review shows the answers as they are now
    with app.app_context():
        assert db.session.scalar(select(Response.status)) != "submitted"
    # Pressed again from the page now shown: submitted.
    again = {n: html.unescape(v) for n, v in FIELD.findall(page)} | {"csrf_token": csrf_token(page)}
    assert respondent.client.post(f"/r/{token}/review", data=again).status_code == 303


def test_typing_one_contact_field_elsewhere_never_erases_the_others(app, respondent):
    token = respondent.start()
    fill_required(respondent)
    given = {"name": "Ana Example", "email": "ana@grigny.example", "job_title": "Head"}
    assert respondent.submit(**given, consent="yes").status_code == 303
    colleague = app.test_client()
    form = review_form(colleague, token)
    typed = {**form, "contact.email": "bea@grigny.example", "contact.consent": "yes"}
    reply = colleague.post(f"/r/{token}/review", data=typed)
    assert reply.status_code == 422
    assert "To replace all of them with the ones you typed, tick the box" in reply.get_data(
        as_text=True
    )
    assert stored_contact(app) == ("Ana Example", "ana@grigny.example", "Head")
    # Replacing them is a choice made knowingly: then all of them are replaced.
    chosen = colleague.post(f"/r/{token}/review", data={**typed, "contact.replace": "yes"})
    assert chosen.status_code == 303
    assert stored_contact(app) == (None, "bea@grigny.example", None)


def test_contact_details_changed_since_the_page_was_shown_are_not_overwritten(app, respondent):
    token = respondent.start()
    fill_required(respondent)
    given = {"name": "Ana Example", "email": "ana@grigny.example", "job_title": "Head"}
    assert respondent.submit(**given, consent="yes").status_code == 303
    mine = review_form(respondent.client, token)  # A's review shows her details
    colleague = app.test_client()
    other = review_form(colleague, token)
    bea = {"contact.name": "Bea", "contact.email": "bea@grigny.example", "contact.consent": "yes"}
    replaced = colleague.post(f"/r/{token}/review", data={**other, **bea, "contact.replace": "yes"})
    assert replaced.status_code == 303
    # A presses Save with her (now stale) details, a title corrected: she is told, Bea's stay.
    a_typed = {
        **mine,
        "contact.name": "Ana Example",
        "contact.email": "ana@grigny.example",
        "contact.job_title": "Head of office",
        "contact.consent": "yes",
    }
    reply = respondent.client.post(f"/r/{token}/review", data=a_typed)
    assert reply.status_code == 409
    assert "The contact details were changed in another browser or tab" in reply.get_data(
        as_text=True
    )
    assert stored_contact(app) == ("Bea", "bea@grigny.example", None)
