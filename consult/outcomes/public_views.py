"""The public outcomes page: the published snapshot, small cells suppressed; and the download
of each of its tables and charts, holding exactly what the page shows."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request

from consult.db import db
from consult.outcomes import downloads, operations, presenting
from consult.outcomes.blueprints import (
    FIGURE_FORMATS,
    country_regions,
    figure_file,
    frozen_summary_of,
    group_limit,
    public,
    template_context,
    threshold,
)
from consult.outcomes.filter_words import filter_coverage, left_out_contributions
from consult.outcomes.filters import SummaryFilter
from consult.outcomes.models import OutcomeSnapshot
from consult.outcomes.suppression import (
    public_summary,
)


def published_summary() -> tuple[Any, OutcomeSnapshot, dict[str, Any]] | None:
    """The publication in force, its snapshot and the summary as the public may see it."""
    publication = operations.current_publication(db.session)
    if publication is None:
        return None
    frozen = db.session.get(OutcomeSnapshot, publication.snapshot_id)
    return (
        publication,
        frozen,
        public_summary(
            frozen_summary_of(frozen), threshold(), country_regions(), group_limit=group_limit()
        ),
    )


# -- the public page ------------------------------------------------------------------------------


@public.get("/outcomes")
def index():
    """The published outcomes, small cells suppressed; or a note that nothing is published yet."""
    published = published_summary()
    if published is None:
        return render_template("outcomes/public.html", summary=None, p=presenting)
    publication, frozen, shown = published
    filters = SummaryFilter.from_dict(shown.get("filters"))
    return render_template(
        "outcomes/public.html",
        **template_context(
            shown,
            snapshot=frozen,
            publication=publication,
            public_view=True,
            filter_query={},
            mode="public",
            coverage_rows=filter_coverage(filters),
            left_out=left_out_contributions(filters, frozen.data_as_of),
        ),
    )


@public.get("/outcomes/figure.<fmt>")
def figure(fmt: str):
    """Download one published chart (SVG, PNG) or its table (CSV, XLSX): the public page's
    figures, small cells suppressed as there; 404 when nothing is published."""
    published = published_summary()
    if fmt not in FIGURE_FORMATS or published is None:
        abort(404)
    name = (request.args.get("name") or "")[:120]
    _publication, frozen, shown = published
    of = request.args.get("of")
    if any(q["key"] == of and q.get("suppressed") for q in shown["questionnaires"]):
        abort(404)  # the page shows none of its figures: neither does a download
    found = downloads.figure(shown, of, name, threshold(), public=True)
    if found is None or not found.header:
        abort(404)
    return figure_file(found, fmt, shown, frozen.id, public=True)
