"""A contribution's public address tells the truth when it is not shown (consult.core.gone):
410 Gone with "withdrawn by its author" or "the moderators decided not to show it" (rejected),
404 while it may still be shown (hidden, reported, pending), in the visitor's language, with the
ways on and nothing of its content. Every public route that shows one contribution is walked
(found in the URL map), and every public page that lists contributions, for every state."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from consult.contributions import operations
from consult.contributions.models import Contribution
from consult.db import db, writing
from tests.conftest import csrf_token

SECRET = "Words only its author should ever see again"
AUTHOR = "Ada Secret-Author"
ORGANISATION = "Secret Organisation of Nowhere"


def _make(app: Flask, state: str) -> int:
    """A contribution on article 6 brought to ``state`` the way the app brings it there."""
    with app.app_context(), writing():
        contribution, _token = operations.create_contribution(
            db.session,
            text=SECRET,
            kind="comment",
            language="en",
            organisation_type="academia",
            organisation_name=ORGANISATION,
            article="art06",
            name=AUTHOR,
            email="ada@example.org",
            consented=True,
            show_name_publicly=True,
        )
        if state != "pending":
            operations.publish(db.session, contribution)
        if state == "withdrawn":
            operations.withdraw(db.session, contribution)
        elif state == "withdrawn_before_publication":
            contribution.status = "pending"
            operations.withdraw(db.session, contribution)
        elif state == "rejected":
            operations.reject(db.session, contribution, "off_topic")
        elif state == "hidden":
            operations.moderate(db.session, contribution, "hide", None, reason="off_topic")
        elif state == "hidden_by_reports":
            contribution.status = "hidden"
            contribution.is_hidden_by_reports = True
        db.commit()
        return contribution.id


#: state -> (status, what the page says in en, fr, es).
WITHDRAWN = (
    410,
    "This contribution was withdrawn by its author. It is no longer shown.",
    "Cette contribution a été retirée par la personne qui l&#39;a écrite.",
    "Esta contribución fue retirada por la persona que la escribió.",
)
MODERATED = (
    410,
    "The moderators decided not to show this contribution.",
    "La modération a décidé de ne pas afficher cette contribution.",
    "El equipo de moderación decidió no mostrar esta contribución.",
)
STATES = {
    "withdrawn": WITHDRAWN,
    "withdrawn_before_publication": WITHDRAWN,
    "rejected": MODERATED,
    # Hidden by a moderator can be restored: not gone (404), and never "decided not to show".
    "hidden": (
        404,
        "This contribution is not shown at the moment: the moderators have hidden it. It may "
        "be shown again.",
        "Cette contribution n&#39;est pas affichée pour le moment\u00a0: la modération l&#39;a "
        "masquée.",
        "Esta contribución no se muestra por el momento: el equipo de moderación la ha ocultado.",
    ),
    "hidden_by_reports": (
        404,
        "This contribution is hidden while the moderators look at it.",
        "Cette contribution est masquée le temps que la modération l&#39;examine.",
        "Esta contribución está oculta mientras el equipo de moderación la examina.",
    ),
    "pending": (
        404,
        "This contribution is not shown yet: it is waiting for the moderators.",
        "Cette contribution n&#39;est pas encore affichée\u00a0: elle attend la modération.",
        "Esta contribución aún no se muestra: está pendiente de moderación.",
    ),
}
WAYS = {
    "en": ("Other contributions on this article", "All published contributions"),
    "fr": ("Les autres contributions sur cet article", "Toutes les contributions publiées"),
    "es": ("Otras contribuciones sobre este artículo", "Todas las contribuciones publicadas"),
}


def _leaks(page: str) -> list[str]:
    return [word for word in (SECRET, AUTHOR, ORGANISATION, "Ada", "Secret") if word in page]


@pytest.mark.parametrize("state", sorted(STATES))
@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_the_public_page_says_what_happened_and_nothing_more(app, state, language):
    contribution_id = _make(app, state)
    status, *said = STATES[state]
    reply = app.test_client().get(f"/contributions/{contribution_id}?lang={language}")
    page = reply.get_data(as_text=True)
    assert reply.status_code == status
    assert said[("en", "fr", "es").index(language)] in page
    assert "This page does not exist" not in page
    assert _leaks(page) == []
    for label in WAYS[language]:
        assert label in page
    assert 'href="/charter/art06"' in page
    assert 'href="/contributions"' in page
    assert 'href="/"' in page


def test_a_number_never_given_is_still_not_found(app):
    reply = app.test_client().get("/contributions/987654")
    assert reply.status_code == 404
    assert "This page does not exist" in reply.get_data(as_text=True)


def test_a_script_is_told_the_same_in_json(app):
    contribution_id = _make(app, "withdrawn")
    reply = app.test_client().get(
        f"/contributions/{contribution_id}", headers={"Accept": "application/json"}
    )
    assert reply.status_code == 410
    assert reply.get_json() == {"error": 410, "message": WITHDRAWN[1]}


def _public_contribution_routes(app: Flask) -> set[tuple[str, str]]:
    """(method, rule) of every public route naming one contribution by its number."""
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if "contribution_id" in rule.arguments and not rule.rule.startswith("/staff")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


#: How each route is reached: what a browser posts there (a reply being written, for one).
POSTED = {
    "/contributions/<int:contribution_id>/support": {},
    "/contributions/<int:contribution_id>/report": {"reason": "spam", "comment": "Not fair."},
    "/contributions/<int:contribution_id>/replies": {"text": "My reply, kept.", "language": "en"},
}


@pytest.mark.parametrize("state", sorted(STATES))
def test_every_public_route_of_a_contribution_answers_the_same(app, state):
    routes = _public_contribution_routes(app)
    assert routes == {("GET", "/contributions/<int:contribution_id>")} | {
        ("POST", rule) for rule in POSTED
    }, "a new public route of one contribution: add it to this walk"
    contribution_id = _make(app, state)
    status, said, *_ = STATES[state]
    client = app.test_client()
    csrf = csrf_token(client.get("/contributions/new").get_data(as_text=True))
    for method, rule in sorted(routes):
        path = rule.replace("<int:contribution_id>", str(contribution_id))
        if method == "GET":
            reply = client.get(path)
        else:
            # From the contribution's own page (same-site): what was typed comes back.
            reply = client.post(
                path,
                data={"csrf_token": csrf, **POSTED[rule]},
                headers={"Sec-Fetch-Site": "same-origin"},
            )
        page = reply.get_data(as_text=True)
        assert reply.status_code == status, (method, rule)
        assert said.replace("'", "&#39;") in page, (method, rule)
        assert _leaks(page) == [], (method, rule)
        assert 'href="/contributions"' in page, (method, rule)
        if rule.endswith("/replies"):
            assert "My reply, kept." in page
    with app.app_context():
        found = db.session.get(Contribution, contribution_id)
        assert found.replies == [] and found.support_count == 0


def test_a_published_contribution_is_still_shown(app):
    contribution_id = _make(app, "published")
    page = app.test_client().get(f"/contributions/{contribution_id}").get_data(as_text=True)
    assert SECRET in page and AUTHOR in page
    assert not re.search(r"withdrawn by its author|decided not to show", page)


#: Public pages that list contributions (the article's is on article 6, where _make puts them).
LISTS = {
    "contributions.index": "/contributions",
    "contributions.index (search)": "/contributions?q=Words",
    "contributions.index (article)": "/contributions?article=art06",
    "charter.article": "/charter/art06",
    "charter.index": "/charter",
    "core.landing": "/",
}


@pytest.mark.parametrize("state", sorted({*STATES, "published"}))
def test_every_page_that_shows_a_contribution_says_its_state_truly(app, state):
    """Every state x every public page: the published one shown; any other only said."""
    contribution_id = _make(app, state)
    client = app.test_client()
    reply = client.get(f"/contributions/{contribution_id}")
    page = reply.get_data(as_text=True)
    if state == "published":
        assert reply.status_code == 200 and SECRET in page
    else:
        status, said, *_ = STATES[state]
        assert reply.status_code == status
        assert said in page and _leaks(page) == []
        # Only what is final says so: "gone" words never on a state that may come back.
        final = status == 410
        assert ("decided not to show" in page or "withdrawn" in page) is final, state
    for name, path in LISTS.items():
        listed = client.get(path)
        assert listed.status_code == 200, name
        shown = SECRET in listed.get_data(as_text=True)
        if state == "published" and name != "charter.index" and name != "core.landing":
            assert shown, (state, name)
        else:
            assert not shown, (state, name)
