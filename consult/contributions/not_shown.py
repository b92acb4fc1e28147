"""What a contribution's public address answers when the contribution is not shown.

Every public route of one contribution (its page, and the support, report and reply buttons of
that page) finds it through ``published_or_refused``: a published one is returned; any other
state is said in plain words through core.gone (410 when final, 404 while it may be shown),
with the ways on and nothing of the contribution but its article. A number never given is the
ordinary 404.
"""

from __future__ import annotations

from flask import abort, url_for
from flask_babel import lazy_gettext as _l

from consult.contributions.models import Contribution
from consult.core.gone import NotShown, WayOn
from consult.db import db

#: A state that is not shown -> (what the page says, final?).
NOT_SHOWN = {
    "withdrawn": (
        _l("This contribution was withdrawn by its author. It is no longer shown."),
        True,
    ),
    # A rejection is the moderators' decision: final for the public (410).
    "rejected": (_l("The moderators decided not to show this contribution."), True),
    # Hidden is reversible (a moderator may restore it): not gone, only not shown now (404).
    "hidden": (
        _l(
            "This contribution is not shown at the moment: the moderators have hidden it. It "
            "may be shown again."
        ),
        False,
    ),
    "hidden_by_reports": (
        _l("This contribution is hidden while the moderators look at it. It may be shown again."),
        False,
    ),
    "pending": (_l("This contribution is not shown yet: it is waiting for the moderators."), False),
}


def public_state(contribution: Contribution) -> str:
    """Name the contribution's state as its public address answers it (a key of NOT_SHOWN,
    or "published")."""
    if contribution.status == "hidden" and contribution.is_hidden_by_reports:
        return "hidden_by_reports"
    return contribution.status


def ways_on(contribution: Contribution) -> list[WayOn]:
    """Where to go instead: the article's contributions, every published contribution."""
    ways = []
    if contribution.article:
        ways.append(
            WayOn(
                str(_l("Other contributions on this article")),
                url_for("charter.article", reference=contribution.article),
            )
        )
    ways.append(WayOn(str(_l("All published contributions")), url_for("contributions.index")))
    return ways  # the error page adds the start page and CISDP's contact


def published_or_refused(contribution_id: int) -> Contribution:
    """Return the published contribution; say truthfully why any other is not shown."""
    contribution = db.session.get(Contribution, contribution_id)
    if contribution is None:
        abort(404)
    state = public_state(contribution)
    if state == "published":
        return contribution
    message, final = NOT_SHOWN[state]
    raise NotShown(str(message), ways_on(contribution), final=final)
