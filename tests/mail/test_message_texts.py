"""The default texts of every message, in each language, against what the platform does.

Since issue 12 an invitation link only *starts* an institution's response: afterwards it
continues only in the browser that started it, and shows anyone else that the answers were
started. Only the personal link opens the answers anywhere, and "Lost your link?" sends a link
that replaces it once opened (until then the current one keeps working). A text that still
promises otherwise misleads the officers who read it; this table holds the claims that were once
true, per message and language.
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
#: What the lost-link message must say: opening its link replaces the personal link, and until
#: then nothing changed (so a message one did not ask for can be ignored).
LOST_LINK_REPLACES = {
    "en": r"old link then stops working",
    "fr": r"ancien lien cesse alors de fonctionner",
    "es": r"enlace antiguo deja entonces de funcionar",
}
LOST_LINK_IGNORE = {
    "en": r"you can ignore this message",
    "fr": r"pouvez ignorer ce message",
    "es": r"puede ignorar este mensaje",
}
#: Claims once true, false now: asking for a lost link no longer ends the current link.
LOST_LINK_STALE = {
    "en": [r"send your personal link again", r"old link has stopped working", r"already stopped"],
    "fr": [r"renvoyer votre lien personnel", r"ancien lien a cessé", r"a déjà cessé"],
    "es": [r"volver a enviar su enlace personal", r"enlace antiguo ha dejado", r"ya dejó"],
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
            links=[
                f"https://consult.example.org/questionnaires/q/lost-link/T{i}" for i in range(links)
            ],
            invited=invited,
            days=7,
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
def test_the_lost_link_message_says_what_opening_its_link_does(
    app, language, links, invited
) -> None:
    text = _lost_link_texts(app, language, links, invited)
    flat = " ".join(text.split()).replace("’", "'")
    assert re.search(LOST_LINK_REPLACES[language], flat, re.IGNORECASE)
    assert re.search(LOST_LINK_IGNORE[language], flat, re.IGNORECASE)
    assert "7" in flat
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
