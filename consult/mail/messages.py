"""Rendering a message kind in the recipient's language and queueing it (Flask side).

Each kind has a text template ``templates/mail/<kind>.txt`` and an HTML one
``templates/mail/<kind>.html`` (autoescaped: user text is never markup), and a subject here.
Both are rendered with the recipient's language forced, whatever the page's language was.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.orm import Session

from consult.mail.models import OutboxMessage
from consult.mail.outbox import Draft, enqueue

SUBJECTS = {
    "personal_link": _l("Your personal link: %(questionnaire_title)s"),
    "receipt": _l("Receipt %(receipt_number)s: %(questionnaire_title)s"),
    "lost_link": _l("Open your answers again: %(questionnaire_title)s"),
    "test": _l("Test message from the consultation platform"),
}


#: The button of the link in invitations and reminders.
OPEN_LINK_LABEL = _l("Open the questionnaire")
UNSUBSCRIBE_FOOTER = _l("To receive no more reminders about this questionnaire: %(url)s")


def render_html_body(
    language: str, subject: str, body: Markup, unsubscribe_url: str | None = None
) -> str:
    """Wrap an HTML body (already escaped) in the layout of every message."""
    with force_locale(language):
        return render_template(
            "mail/staff_text.html",
            language=language,
            subject=subject,
            body=body,
            unsubscribe_url=unsubscribe_url,
        )


def unsubscribe_footer(url: str) -> str:
    """The text part's last line in invitations and reminders (in the forced language)."""
    return str(UNSUBSCRIBE_FOOTER) % {"url": url}


def language_of(language: str | None) -> str:
    """Return ``language`` if the platform speaks it, else the default language."""
    languages = current_app.config["LANGUAGES"]
    return language if language in languages else languages[0]


def render(kind: str, language: str, **context: Any) -> tuple[str, str, str]:
    """Return the subject, text and HTML of a message kind in ``language``."""
    with force_locale(language):
        subject = str(SUBJECTS[kind]) % context
        text = render_template(f"mail/{kind}.txt", language=language, **context)
        html = render_template(f"mail/{kind}.html", language=language, subject=subject, **context)
    return subject, text, html


def queue(
    session: Session,
    kind: str,
    recipient_email: str,
    language: str | None,
    *,
    recipient_name: str = "",
    unsubscribe_url: str | None = None,
    invitation_id: int | None = None,
    requester: str | None = None,
    flush: bool = True,
    **context: Any,
) -> OutboxMessage | None:
    """Render ``kind`` in the recipient's language and add it to the outbox (not committed);
    None when the public's mail quota refused it (consult/mail/quota.py; ``requester``: who
    caused it, see outbox.Draft)."""
    language = language_of(language)
    subject, text, html = render(kind, language, unsubscribe_url=unsubscribe_url, **context)
    return enqueue(
        session,
        Draft(
            kind=kind,
            recipient_email=recipient_email,
            recipient_name=recipient_name,
            language=language,
            subject=subject,
            body_text=text,
            body_html=html,
            unsubscribe_url=unsubscribe_url,
            invitation_id=invitation_id,
            requester=requester,
        ),
        current_app.config["MAIL_FROM"],
        flush=flush,
    )
