"""The default texts of every message, in each language, against what the platform does.

Since issue 12 an invitation link only *starts* an institution's response: afterwards it
continues only in the browser that started it, and shows anyone else that the answers were
started. Only the personal link opens the answers anywhere, and "Lost your link?" replaces it
(the old one stops working). A text that still promises otherwise misleads the officers who
read it; this table holds the claims that were once true, per message and language.
"""

from __future__ import annotations

import re

import pytest

from consult.db import db
from consult.mail import invitees, messages
from consult.questionnaires.registry import get_questionnaire

LANGUAGES = ("en", "fr", "es")

#: Claims the invitation and reminder (whose link is the invitation link) must never make.
INVITATION_LINK_STALE = {
    # "anyone who has this link can see and change your answers"
    "en": [r"anyone who has (it|this link|the link)\b[^.]*\b(see|change)"],
    "fr": [r"toute personne qui (l'a|a ce lien|dispose de ce lien)[^.]*(voir|modifier)"],
    "es": [r"cualquier persona que (lo|este enlace|el enlace) tenga[^.]*(ver|cambiar)"],
}
#: The invitation link called the "personal link" (it is not: the personal link comes later).
INVITATION_LINK_CALLED_PERSONAL = {
    "en": [r"your personal link opens the questionnaire"],
    "fr": [r"votre lien personnel ouvre le questionnaire"],
    "es": [r"su enlace personal abre el cuestionario"],
}
#: What the lost-link message must say (the old link is dead), and must not (ignore this).
LOST_LINK_REPLACES = {
    "en": r"old link no longer opens",
    "fr": r"ancien lien ne permet plus d'ouvrir",
    "es": r"enlace antiguo ya no abre",
}
LOST_LINK_STALE = {
    "en": [r"you can ignore this message", r"send your personal link again"],
    "fr": [r"pouvez ignorer ce message", r"renvoyer votre lien personnel"],
    "es": [r"puede ignorar este mensaje", r"volver a enviar su enlace personal"],
}


def _invitee_texts(app, kind: str, language: str) -> str:
    """The default message of ``kind`` in ``language``, as an invitee receives it."""
    with app.test_request_context():
        rendered = invitees.render_for(
            db.session,  # a fresh database: no text edited by staff, the default is used
            kind,
            language,
            get_questionnaire("local-governments"),
            "Ville de Lyon",
            "https://consult.example.org/i/INVITATION",
            "https://consult.example.org/unsubscribe/X",
        )
    return rendered.subject + "\n" + rendered.text + "\n" + rendered.html


def _lost_link_texts(app, language: str, links: int, invited: bool) -> str:
    with app.test_request_context():
        subject, text, html = messages.render(
            "lost_link",
            language,
            links=[f"https://consult.example.org/r/TOKEN{i}" for i in range(links)],
            invited=invited,
            questionnaire_title="Q",
            closes_on="1 June 2030",
        )
    return subject + "\n" + text + "\n" + html


def _matches(patterns: list[str], text: str) -> list[str]:
    flat = " ".join(text.split()).replace("’", "'")
    return [p for p in patterns if re.search(p, flat, re.IGNORECASE)]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", ["invitation", "reminder"])
def test_invitations_and_reminders_promise_nothing_the_invitation_link_no_longer_does(
    app, kind, language
) -> None:
    text = _invitee_texts(app, kind, language)
    assert "https://consult.example.org/i/INVITATION" in text
    assert _matches(INVITATION_LINK_STALE[language], text) == []
    assert _matches(INVITATION_LINK_CALLED_PERSONAL[language], text) == []
    if language != "en":
        # Translated, not the English default shown through.
        assert "Dear colleagues" not in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_invitation_says_where_the_answers_open_once_started(app, language) -> None:
    # The personal link given at the start: named in the invitation, in every language.
    personal = {"en": "personal link", "fr": "lien personnel", "es": "enlace personal"}
    assert personal[language] in _invitee_texts(app, "invitation", language)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("links", "invited"), [(1, False), (1, True), (2, True)])
def test_the_lost_link_message_says_the_old_link_stopped_working(
    app, language, links, invited
) -> None:
    text = _lost_link_texts(app, language, links, invited)
    flat = " ".join(text.split()).replace("’", "'")
    if links == 1:
        assert re.search(LOST_LINK_REPLACES[language], flat, re.IGNORECASE)
    assert _matches(LOST_LINK_STALE[language], text) == []
    note = {"en": "invitation link", "fr": "lien d'invitation", "es": "enlace de invitación"}
    assert (note[language] in flat) is invited


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_about_a_lost_link_promise_a_new_link_not_the_old_one(app, language) -> None:
    client = app.test_client()
    page = client.get(f"/questionnaires/local-governments/lost-link?lang={language}")
    assert _matches(LOST_LINK_STALE[language], page.get_data(as_text=True)) == []
    intro = client.get(f"/questionnaires/local-governments?lang={language}")
    assert _matches(LOST_LINK_STALE[language], intro.get_data(as_text=True)) == []
