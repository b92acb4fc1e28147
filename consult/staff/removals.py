"""One chokepoint for staff actions that take something off the public site.

Withdrawing the public outcomes, hiding or rejecting a published contribution or reply, and the
like need an explicit tick (``confirm_removal=yes``) in the form that asks for them; a post
without it is answered with a page that says what would leave the public site and asks for the
tick there, re-posting what was sent (it works without JavaScript). Views that go through here
are marked with `@confirms_removal` (a walk over the URL map checks the list).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import render_template, request

#: The tick a removal needs.
FIELD = "confirm_removal"
#: Posted by the confirmation page itself: a second post without the tick is an error.
ASKED = "removal_asked"
NOT_ECHOED = frozenset({"csrf_token", FIELD, ASKED})


def is_confirmed() -> bool:
    """Tell whether the post carries the removal's tick."""
    return request.form.get(FIELD) == "yes"


def unconfirmed(what: list[str], back: str):
    """Return the confirmation page for taking ``what`` off the public site, or None if ticked.

    Nothing is changed before the tick; the page re-posts what was sent, with the tick.
    """
    if is_confirmed():
        return None
    asked = request.form.get(ASKED) == "yes"
    echoed = [
        (name, value)
        for name, values in request.form.lists()
        if name not in NOT_ECHOED
        for value in values
    ]
    page = render_template(
        "staff/confirm_removal.html",
        what=what,
        echoed=echoed,
        action=request.path,
        back=back,
        missing=asked,
        field=FIELD,
        asked_field=ASKED,
    )
    return page, 422 if asked else 200


def confirms_removal(view: Callable) -> Callable:
    """Mark a view as asking for the removal tick through this module (the walk looks)."""
    view.confirms_removal = True  # type: ignore[attr-defined]
    return view
