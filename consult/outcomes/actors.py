"""Who acts on the outcomes, and the error an outcomes act raises (shared by operations,
quotes and comparing)."""

from __future__ import annotations

from consult.staff.models import User

#: Who acts: a staff account, or a description such as audit.COMMAND_LINE.
Actor = User | str


class OutcomesError(Exception):
    """A request the outcomes cannot honour; the message says why, for the staff member."""


def actor_email(actor: Actor) -> str:
    """The e-mail address (or description) recorded for an actor."""
    return actor.email if isinstance(actor, User) else str(actor)
