"""Public pages of things that existed and are not shown: one truthful answer for all of them.

A withdrawn or moderated contribution's public address is still in shared links, e-mails and
bookmarks. "This page does not exist" would be false; its content would be a leak. A feature
raises ``NotShown`` with a sentence saying what happened in plain words (withdrawn by its
author, refused by the moderators, hidden for now, waiting for moderation) and the ways on (its
article's contributions, the list, home); core.errors answers every one the same way: 410 Gone
when it is final, 404 while it may still be shown (something hidden can be restored: never
"gone" words for it), never its title, text or author. A form posted to such
an address (a reply being written) keeps what was typed (``answer_refusal``), with the same
sentence and ways on.

A private link (a response's, a contribution's status, a pledge's) that names nothing is told
the same way (``unknown_link``): "this private link is not known", what was posted shown back.
"""

from __future__ import annotations

from typing import NamedTuple, NoReturn

from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, NotFound


class WayOn(NamedTuple):
    """A link offered on a page that cannot show what was asked for."""

    label: str
    url: str


class NotShown(HTTPException):
    """A public page of something that exists, or existed, and is not shown (see module)."""

    def __init__(self, message: str, ways: list[WayOn], *, final: bool = True) -> None:
        super().__init__(description=message)
        #: 410 Gone when no one will show it again (withdrawn, refused); 404 while it may be.
        self.code = 410 if final else 404
        self.ways = ways


#: What an unknown private link's address answers (a response's, a contribution's, a pledge's).
UNKNOWN_LINK = _l(
    "This private link is not known: check that it was copied whole from the message or page "
    "that gave it."
)


class UnknownLink(NotFound):
    """A private link that names nothing (mistyped, cut short, or never issued): a form posted
    to it says so, with what was typed (core.errors), rather than "this page does not exist"."""

    description = UNKNOWN_LINK


def unknown_link() -> NoReturn:
    """Refuse the request of a private link that names nothing (see UnknownLink)."""
    raise UnknownLink()
