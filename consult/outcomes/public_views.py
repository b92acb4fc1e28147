"""The public outcomes page: the published snapshot, small cells suppressed; and the download
of each of its tables and charts, holding exactly what the page shows."""

from __future__ import annotations

from typing import Any

import cairosvg
from flask import Response as HttpResponse
from flask import abort, render_template, request

from consult.db import db
from consult.outcomes import charts, downloads, operations, presenting
from consult.outcomes.blueprints import (
    coverage_table_rows,
    filter_coverage,
    frozen_summary_of,
    left_out_contributions,
    public,
    template_context,
    threshold,
)
from consult.outcomes.filters import SummaryFilter
from consult.outcomes.models import OutcomeSnapshot
from consult.outcomes.suppression import (
    public_summary,
)

#: What a public figure can be downloaded as.
FIGURE_FORMATS = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def published_summary() -> tuple[Any, OutcomeSnapshot, dict[str, Any]] | None:
    """The publication in force, its snapshot and the summary as the public may see it."""
    publication = operations.current_publication(db.session)
    if publication is None:
        return None
    frozen = db.session.get(OutcomeSnapshot, publication.snapshot_id)
    return publication, frozen, public_summary(frozen_summary_of(frozen), threshold())


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
    _publication, _frozen, shown = published
    of = request.args.get("of")
    if any(q["key"] == of and q.get("suppressed") for q in shown["questionnaires"]):
        abort(404)  # the page shows none of its figures: neither does a download
    found = downloads.figure(shown, of, name, threshold(), public=True)
    if found is None or not found.header:
        abort(404)
    if fmt in ("svg", "png"):
        if found.chart is None:
            abort(404)
        svg = charts.standalone_svg(str(found.chart))
        body = svg.encode() if fmt == "svg" else cairosvg.svg2png(bytestring=svg.encode(), scale=2)
    else:
        filters = SummaryFilter.from_dict(shown.get("filters"))
        rows = found.rows + coverage_table_rows(filters, len(found.header))
        body = downloads.table_file(fmt, found.header, rows, found.title)
    return HttpResponse(
        body,
        mimetype=FIGURE_FORMATS[fmt],
        headers={"Content-Disposition": f"attachment; filename={downloads.file_name(name, fmt)}"},
    )
