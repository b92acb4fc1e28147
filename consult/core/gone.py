"""Public pages of things that existed and are not shown: one truthful answer for all of them.

A withdrawn or moderated contribution's public address is still in shared links, e-mails and
bookmarks. "This page does not exist" would be false; its content would be a leak. A feature
raises ``NotShown`` with a sentence saying what happened in plain words (withdrawn by its
author, not shown by the moderators, waiting for moderation) and the ways on (its article's
contributions, the list, home); core.errors answers every one the same way: 410 Gone when it is
final, 404 while it may still be shown, never its title, text or author. A form posted to such
an address (a reply being written) keeps what was typed (``answer_refusal``), with the same
sentence and ways on.
"""

from __future__ import annotations

from typing import NamedTuple

from werkzeug.exceptions import HTTPException


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
