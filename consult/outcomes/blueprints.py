"""The two blueprints of the outcome pages (staff under /staff/outcomes, public at /outcomes)
and what every outcome view shares: sources, threshold, snapshot look-up and the template
context. Reading a filter from the request lives in filter_reading, saying it in words in
filter_words. The view modules import this one; never the reverse."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from consult.db import db
from consult.exports import naming
from consult.geography import region_map
from consult.i18n import current_language
from consult.outcomes import data, operations, presenting
from consult.outcomes.filter_reading import region_names
from consult.outcomes.filter_words import coverage_note, coverage_table_rows
from consult.outcomes.filters import SummaryFilter
from consult.outcomes.group_disclosure import limit_in_force
from consult.outcomes.models import OutcomeSnapshot
from consult.outcomes.suppression import (
    quoted_contribution_ids,
    withhold_contributions,
)
from consult.questionnaires.registry import current_questionnaires
from consult.staff.access import has_role
from consult.staff.views import WORKSPACE_LINKS

bp = Blueprint("outcomes", __name__, url_prefix="/staff/outcomes")
public = Blueprint("outcomes_public", __name__)

STAFF_ROLES = ("analyst",)
ROWS_PER_PAGE = 100
QUOTES_PER_PAGE = 50
#: Time zones offered when freezing (any IANA name is accepted from the form). UTC first: the
#: default, the zone receipts and questionnaire pages write times in; another zone is a choice.
TIMEZONES = (
    "UTC",
    "Europe/Paris",
    "Europe/London",
    "Europe/Istanbul",
    "Europe/Moscow",
    "Africa/Dakar",
    "Africa/Abidjan",
    "Africa/Johannesburg",
    "Africa/Nairobi",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Jakarta",
    "Asia/Seoul",
    "Asia/Tokyo",
    "Australia/Sydney",
    "America/Mexico_City",
    "America/Bogota",
    "America/Sao_Paulo",
    "America/Buenos_Aires",
    "America/New_York",
    "America/Montreal",
    "America/Los_Angeles",
)

if ("outcomes.summary", _l("First outcomes"), STAFF_ROLES) not in WORKSPACE_LINKS:
    WORKSPACE_LINKS.append(("outcomes.summary", _l("First outcomes"), STAFF_ROLES))


# -- helpers --------------------------------------------------------------------------------------


def sources() -> data.SummarySources:
    """The definitions and data files the summary depends on."""
    return data.SummarySources(
        current_questionnaires(), Path(current_app.config["QUESTIONNAIRES_PATH"])
    )


def threshold() -> int:
    """The small-cell threshold in force."""
    return int(current_app.config.get("SMALL_CELL_THRESHOLD", 5))


def group_limit() -> int:
    """The group size from which a public table may say that everyone gave one answer
    (GROUP_DISCLOSURE_LIMIT, by default twice the threshold: group_disclosure)."""
    return limit_in_force(current_app.config.get("GROUP_DISCLOSURE_LIMIT"), threshold())


def country_regions() -> dict[str, str]:
    """The country -> region map in force, for a public summary of a snapshot frozen before
    each country's region was recorded with it (suppression.public_summary)."""
    return region_map(current_app.config["QUESTIONNAIRES_PATH"])


def can_publish() -> bool:
    """Whether the signed-in staff member may publish and withdraw the public outcomes: an
    administrator, or an analyst an administrator delegated it to."""
    return has_role("admin", "analyst") and operations.may_publish(db.session, current_user)


def snapshot_or_404(snapshot_id: int) -> OutcomeSnapshot:
    snapshot = db.session.get(OutcomeSnapshot, snapshot_id)
    if snapshot is None:
        abort(404)
    return snapshot


def frozen_summary_of(snapshot: OutcomeSnapshot) -> dict[str, Any]:
    """A snapshot's summary as it may be shown today: frozen figures, but no text of a
    contribution hidden, rejected or withdrawn since the freeze."""
    summary = operations.snapshot_summary(snapshot)
    public_ids = operations.published_contribution_ids(db.session, quoted_contribution_ids(summary))
    return withhold_contributions(summary, public_ids)


def covered_contributions(summary: dict[str, Any]) -> set[int] | None:
    """The contributions a frozen summary counted (None for a snapshot older than that record)."""
    ids = (summary.get("contributions") or {}).get("contribution_ids")
    return None if ids is None else {int(i) for i in ids}


def template_context(summary: dict[str, Any], **extra: Any) -> dict[str, Any]:
    from consult.outcomes.deck_campaign import campaign_view

    names = region_names()
    snapshot = extra.get("snapshot")
    data_time = (
        None if snapshot is None else presenting.data_time(snapshot.data_as_of, snapshot.timezone)
    )
    return {
        "summary": summary,
        "coverage_note": coverage_note(summary.get("filters")),
        "p": presenting,
        "threshold": threshold(),
        "region_names": names,
        "campaign": campaign_view(summary, names, data_time),
        **extra,
    }


#: What a figure (chart or table) can be downloaded as, staff or public.
FIGURE_FORMATS = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def figure_file(
    found: Any,
    fmt: str,
    summary: dict[str, Any],
    snapshot: int | None = None,
    *,
    public: bool = False,
) -> Response:
    """Answer one figure of ``summary`` as a chart (SVG, PNG) or its table (CSV, XLSX), the
    table ending with what the summary's filters cover; 404 for a figure without a chart.
    Its file name says which figure of which questionnaire, from which snapshot (or live),
    with which filters, in which language and of which day (consult.exports.naming); a
    public one (small cells hidden) says so. Every part of the name is a known value: the
    figure's own name and questionnaire (downloads.figure), the snapshot and the parsed
    filters; nothing of the request is echoed."""
    import cairosvg

    from consult.outcomes import charts, downloads

    if fmt in ("svg", "png"):
        if found.chart is None:
            abort(404)
        svg = charts.standalone_svg(str(found.chart))
        body = svg.encode() if fmt == "svg" else cairosvg.svg2png(bytestring=svg.encode(), scale=2)
    else:
        filters = SummaryFilter.from_dict(summary.get("filters"))
        rows = found.rows + coverage_table_rows(filters, len(found.header))
        body = downloads.table_file(fmt, found.header, rows, found.title)
    file_name = naming.download_name(
        "outcomes",
        "public" if public else None,
        found.name,
        found.questionnaire,
        fmt=fmt,
        snapshot=snapshot,
        live=snapshot is None,
        filters=summary.get("filters"),
        language=current_language(),
        day=summary.get("generated_at"),
    )
    return Response(
        body,
        mimetype=FIGURE_FORMATS[fmt],
        headers={"Content-Disposition": naming.content_disposition(file_name)},
    )
