"""The public outcomes page: the published snapshot, small cells suppressed."""

from __future__ import annotations

from flask import (
    render_template,
)

from consult.db import db
from consult.outcomes import operations, presenting
from consult.outcomes.blueprints import (
    frozen_summary_of,
    public,
    template_context,
    threshold,
)
from consult.outcomes.models import OutcomeSnapshot
from consult.outcomes.suppression import (
    public_summary,
)

# -- the public page ------------------------------------------------------------------------------


@public.get("/outcomes")
def index():
    """The published outcomes, small cells suppressed; or a note that nothing is published yet."""
    publication = operations.current_publication(db.session)
    if publication is None:
        return render_template("outcomes/public.html", summary=None, p=presenting)
    frozen = db.session.get(OutcomeSnapshot, publication.snapshot_id)
    shown = public_summary(frozen_summary_of(frozen), threshold())
    return render_template(
        "outcomes/public.html",
        **template_context(
            shown,
            snapshot=frozen,
            publication=publication,
            public_view=True,
            filter_query={},
            mode="public",
        ),
    )
