"""A page drawn again after a refused press is the person's copy: it carries the bases it was
posted with, never fresh ones (sharing.bases_as_posted), so that a colleague's change made
between the first drawing and the redraw is still merged or listed at the next press.

A table over the refusals a press can get (an expired session, a database outage, a rate limit,
a server error) and the pages that are pressed (a section page, the review).
"""

from __future__ import annotations

import html
import re
import sqlite3

import pytest
from flask import abort, request
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from consult.db import db
from consult.questionnaires import merging, review_check, sharing
from consult.questionnaires.models import Response
from tests.conftest import Respondent, answers_in_store, csrf_token
from tests.questionnaires.test_respond import PROFILE, fill_required

SAME = {"Sec-Fetch-Site": "same-origin"}
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
MINE = "Gobierno de la Ciudad"
THEIRS = "Alcaldía Mayor"


@pytest.fixture
def refusing(make_app):
    """An app whose POSTs are refused as the X-Refuse header says (after the CSRF check)."""
    app = make_app()

    @app.before_request
    def refuse():
        kind = request.headers.get("X-Refuse")
        if request.method != "POST" or not kind:
            return
        if kind == "outage":  # e.g. the rate limit's count finds the database locked
            raise OperationalError("UPDATE", {}, sqlite3.OperationalError("database is locked"))
        abort(int(kind))

    return app


def press(client, path: str, fields: dict, refusal: str | None = None):
    """Press a page's button with ``fields``, refused as ``refusal`` says (None: not)."""
    headers = dict(SAME)
    if refusal == "expired":
        fields = {**fields, "csrf_token": "expired"}
    elif refusal is not None:
        headers["X-Refuse"] = refusal
    return client.post(path, data=fields, headers=headers)


def form_of(page: str) -> dict[str, str]:
    """The hidden fields of the form a redrawn page (or its "Send again" page) posts."""
    fields = {n: html.unescape(v) for n, v in HIDDEN.findall(page) if n != "goto"}
    return fields | {"csrf_token": csrf_token(page)}


def colleague_renames(app, token: str) -> None:
    """Another browser holding the link changes the institution's name."""
    colleague = Respondent(app.test_client())
    colleague.token = token
    assert (
        colleague.save("profile", {**PROFILE, "q.institution_name": THEIRS}, "save").status_code
        == 303
    )


def section_page(app, respondent):
    """Press "Save draft" on the profile page: the colleague's name is merged, not overwritten."""
    token = respondent.start()
    assert respondent.save("profile", PROFILE).status_code == 303
    path = f"/r/{token}/s/profile"
    first = form_of(respondent.client.get(path).get_data(as_text=True))
    typed = {**PROFILE, "q.institution_name": MINE, "action": "save"}

    def check(reply) -> None:
        assert reply.status_code == 409, reply.status_code
        page = reply.get_data(as_text=True)
        assert "Someone else changed these answers" in page and THEIRS in page
        ((answers,),) = [list(answers_in_store(app).values())]
        assert answers["institution_name"] == {"": THEIRS}

    return token, path, first, typed, check


def review_page(app, respondent):
    """Press "Submit" on the review: the colleague's change is listed, nothing submitted."""
    token = respondent.start()
    fill_required(respondent)
    path = f"/r/{token}/review"
    first = form_of(respondent.client.get(path).get_data(as_text=True))

    def check(reply) -> None:
        assert reply.status_code == 409, reply.status_code
        page = reply.get_data(as_text=True)
        listed = page.split('id="changed-since"', 1)[1].split("</div>", 1)[0]
        assert "Name of your local or regional government" in listed
        with app.app_context():
            assert db.session.scalar(select(Response.status)) != "submitted"

    return token, path, first, {}, check


REFUSALS = {
    # kind: (the status of the page drawn again, whether it is the "Send again" page)
    "expired": 200,
    "outage": 503,
    "429": 429,
    "500": 500,
}


@pytest.mark.parametrize("pressed", [section_page, review_page], ids=["section", "review"])
@pytest.mark.parametrize("refusal", sorted(REFUSALS))
def test_the_press_after_a_redraw_compares_with_what_was_first_shown(refusing, pressed, refusal):
    respondent = Respondent(refusing.test_client())
    token, path, first, typed, check = pressed(refusing, respondent)
    colleague_renames(refusing, token)
    # The press is refused; the page drawn again comes after the colleague's change.
    redrawn = press(respondent.client, path, {**first, **typed}, refusal)
    assert redrawn.status_code == REFUSALS[refusal]
    page = redrawn.get_data(as_text=True)
    assert form_of(page)["base"] == first["base"]
    # The next press, from the page drawn again, still sees the colleague's change.
    check(press(respondent.client, path, {**form_of(page), **typed}))


@pytest.mark.parametrize(
    ("posted", "carried"),
    [
        ({}, {"base": "", "pending": "", "contact.base": ""}),
        (
            {"base": "7:q1=0123456789,q2.r1=abcdefabcd", "pending": "q1=q2+q0,q3"},
            {"base": "7:q1=0123456789,q2.r1=abcdefabcd", "pending": "q1=q0+q2,q3"},
        ),
        ({"contact.base": "none"}, {"contact.base": "none"}),
        ({"contact.base": "0123456789"}, {"contact.base": "0123456789"}),
        # Not what this application wrote: carried as nothing, never as something fresh.
        ({"base": "x:q1=0123456789"}, {"base": ""}),
        ({"base": "3:q1=<script>"}, {"base": ""}),
        ({"contact.base": "<b>"}, {"contact.base": ""}),
        ({"pending": "q1=<x>,q 2"}, {"pending": "q1"}),
    ],
)
def test_bases_as_posted(posted, carried):
    result = sharing.bases_as_posted(posted)
    assert set(result) == {
        merging.BASE_FIELD,
        merging.PENDING_FIELD,
        review_check.CONTACT_BASE_FIELD,
    }
    for name, text in carried.items():
        assert result[name] == text, name


THEMES = ["climate_justice", "digital_rights", "care"]
RANKING = {
    "q.new_themes_top3.rank1": "climate_justice",
    "q.new_themes_top3.rank2": "care",
    "q.new_themes_top3.rank3": "digital_rights",
}
LINKED_NOTE = "This answer goes with another one that was changed meanwhile."


@pytest.mark.parametrize("refusal", sorted(REFUSALS))
def test_a_linked_conflict_drawn_again_is_asked_again_with_its_explanation(refusing, refusal):
    """A conflict page whose press is refused comes back with its pending conflicts and what
    explains them: the next press asks again as first asked."""
    respondent = Respondent(refusing.test_client())
    token = respondent.start()
    assert respondent.save("profile", PROFILE).status_code == 303
    assert respondent.save("revision", {"q.new_themes": THEMES}, "save").status_code == 303
    path = f"/r/{token}/s/revision"
    mine = form_of(respondent.client.get(path).get_data(as_text=True))
    colleague = Respondent(refusing.test_client())
    colleague.token = token
    assert colleague.save("revision", {"q.new_themes": THEMES, **RANKING}).status_code == 303
    untick = {"q.new_themes": ["digital_rights", "care"], "action": "save"}
    asked = press(respondent.client, path, {**mine, **untick})
    assert asked.status_code == 409 and LINKED_NOTE in asked.get_data(as_text=True)
    shown = {**form_of(asked.get_data(as_text=True)), **untick, **RANKING}
    redrawn = press(respondent.client, path, shown, refusal)
    assert redrawn.status_code == REFUSALS[refusal]
    again = press(
        respondent.client, path, {**form_of(redrawn.get_data(as_text=True)), **untick, **RANKING}
    )
    assert again.status_code == 409
    assert LINKED_NOTE in again.get_data(as_text=True)
    ((answers,),) = [list(answers_in_store(refusing).values())]
    assert set(answers["new_themes"]) == set(THEMES)


@pytest.mark.parametrize("refusal", ["expired", "outage"])
def test_questions_of_other_pages_shown_with_a_page_come_back_with_it(refusing, refusal):
    """A submitted response's page shows the questions its changes make apply (completeness):
    drawn again after a refusal, they come back with what was typed in them."""
    respondent = Respondent(refusing.test_client())
    token = respondent.start()
    assert respondent.save("profile", PROFILE).status_code == 303
    path = f"/r/{token}/s/profile"
    shown = form_of(respondent.client.get(path).get_data(as_text=True))
    typed = {**PROFILE, "also": "local_charter_name", "q.local_charter_name": "Carta de la Ciudad"}
    redrawn = press(respondent.client, path, {**shown, **typed, "action": "save"}, refusal)
    assert redrawn.status_code == REFUSALS[refusal]
    page = redrawn.get_data(as_text=True)
    assert re.search(r'id="q.local_charter_name"[^>]*value="Carta de la Ciudad"', page)
    assert 'name="also" value="local_charter_name"' in page
