"""The analyst's tools beside the summary: any chart as SVG or PNG and any table as CSV or XLSX,
the cross-tabulation of two closed questions, and the participation dashboard."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from flask import Response as HttpResponse
from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from consult.db import db
from consult.exports import naming
from consult.i18n import current_language
from consult.outcomes import data, downloads, presenting
from consult.outcomes.blueprints import (
    FIGURE_FORMATS,
    STAFF_ROLES,
    Ambiguity,
    ambiguity,
    bp,
    closed_questions,
    download_filters,
    figure_file,
    filter_args,
    filter_description,
    filters_from_request,
    frozen_summary_of,
    refused_answers,
    region_names,
    resolve_closed,
    snapshot_or_404,
    sources,
    threshold,
)
from consult.outcomes.crosstab import crosstab, public_crosstab, published_questions
from consult.outcomes.filters import SummaryFilter
from consult.outcomes.suppression import public_summary
from consult.staff import audit
from consult.staff.access import role_required
from consult.staff.views import WORKSPACE_LINKS, client_ip

if ("outcomes.dashboard", _l("Participation dashboard"), STAFF_ROLES) not in WORKSPACE_LINKS:
    WORKSPACE_LINKS.append(("outcomes.dashboard", _l("Participation dashboard"), STAFF_ROLES))


def _summary_for_request() -> dict[str, Any]:
    """The summary a download is taken from: a snapshot's (``snapshot=``) or the live one."""
    snapshot_id = request.args.get("snapshot", type=int)
    if snapshot_id:
        return frozen_summary_of(snapshot_or_404(snapshot_id))
    return data.cached_summary(db.engine, sources(), download_filters()).summary


@bp.get("/figure.<fmt>")
@role_required(*STAFF_ROLES)
def figure(fmt: str):
    """Download one chart (SVG, PNG) or its table (CSV, XLSX) as the page shows it.

    ``name`` says which figure (see downloads.figure), ``of`` its questionnaire; the summary
    filters (or ``snapshot``) say which summary, as on the page the link was on.
    """
    if fmt not in FIGURE_FORMATS:
        abort(404)
    name = (request.args.get("name") or "")[:120]
    summary = _summary_for_request()
    found = downloads.figure(summary, request.args.get("of"), name, threshold())
    if found is None:
        abort(404)
    return figure_file(found, fmt, name, summary, request.args.get("snapshot", type=int))


# -- cross-tabulation -----------------------------------------------------------------------------


def _options(question: dict[str, Any]) -> list[str]:
    return list(question["options"])


def crosstab_choice(
    closed: dict[str, dict[str, Any]], filters: SummaryFilter, row: str, column: str
) -> tuple[str | None, str | None, str | Ambiguity | None]:
    """The two questions a request names, as closed_questions keys, or why they are refused.

    A question is one questionnaire's ("local-governments:barriers"); an older link's bare
    key stands for it when one questionnaire only asks it, and is refused when several do
    (an Ambiguity: one link per questionnaire). Both questions must be of one questionnaire,
    the filtered one if any.
    """
    found = [resolve_closed(value, closed) for value in (row, column)]
    for param, value, resolved in zip(("rows", "columns"), (row, column), found, strict=True):
        if resolved.key is None and resolved.choices:
            return None, None, ambiguity(param, value, resolved.choices, closed)
    row_key, column_key = (resolved.key for resolved in found)
    if row_key is None or column_key is None or row_key == column_key:
        return None, None, _("Choose two different closed questions.")
    questionnaires = {closed[row_key]["questionnaire"], closed[column_key]["questionnaire"]}
    if len(questionnaires) > 1:
        return (
            None,
            None,
            _(
                "Choose two questions of the same questionnaire: each response answers one "
                "questionnaire only."
            ),
        )
    if filters.questionnaire and filters.questionnaire not in questionnaires:
        return None, None, _("Choose questions of the questionnaire the view is filtered on.")
    return row_key, column_key, None


@bp.get("/crosstab")
@role_required(*STAFF_ROLES)
def crosstab_page():
    """Cross-tabulate two closed questions of one questionnaire (within the summary filters):
    counts, row and column percentages; with ``public=1``, as it could be published (small
    cells hidden). Only that questionnaire's responses are read, with its option labels."""
    closed = closed_questions()
    if request.args.get("format") in ("csv", "xlsx"):
        filters = download_filters()
    else:
        filters = filters_from_request()
    asked_rows = request.args.get("rows") or ""
    asked_columns = request.args.get("columns") or ""
    public_view = request.args.get("public") == "1"
    row_key, column_key, error = crosstab_choice(closed, filters, asked_rows, asked_columns)
    if error and (asked_rows or asked_columns):
        return (
            render_template(
                "outcomes/crosstab.html",
                **_crosstab_context(closed, filters, asked_rows, asked_columns, public_view, None),
                error=error,
            ),
            400,
        )
    table = None
    if row_key and column_key:
        rows, columns = closed[row_key], closed[column_key]
        of_questionnaire = dataclasses.replace(filters, questionnaire=rows["questionnaire"])
        published = None
        if public_view:
            # Never print what the public page of the same respondents hides. (Before the
            # session's connection: the summary cache writes through its own.)
            summary = data.cached_summary(db.engine, sources(), filters).summary
            published = published_questions(public_summary(summary, threshold()))
        connection = db.session.connection()
        ids = data.covered_ids(connection, of_questionnaire)
        answers = data.answers_of(connection, ids, (rows["question"], columns["question"]))
        table = crosstab(
            answers, (rows["question"], _options(rows)), (columns["question"], _options(columns))
        )
        table["rows"]["question"], table["columns"]["question"] = row_key, column_key
        if public_view:
            table = public_crosstab(table, threshold(), published)
        fmt = request.args.get("format")
        if fmt in ("csv", "xlsx"):
            return _crosstab_file(fmt, table, closed, filters)
    return render_template(
        "outcomes/crosstab.html",
        **_crosstab_context(closed, filters, row_key, column_key, public_view, table),
    )


def withheld_note() -> str:
    """Why a public cross-tabulation prints no figure."""
    return _(
        "Not shown: the public outcomes withhold the figures of one of these questions (too few "
        "answered it, or it was asked only after an answer whose count is hidden), and this "
        "table would give them back."
    )


def _crosstab_context(closed, filters, row_key, column_key, public_view, table) -> dict:
    return {
        "closed": closed,
        "filters": filters,
        "filter_fields": filter_args(filters),
        "filter_phrases": filter_description(filters),
        "refused": refused_answers(),
        "row_key": row_key,
        "column_key": column_key,
        "public_view": public_view,
        "table": table,
        "threshold": threshold(),
        "withheld_note": withheld_note(),
        "p": presenting,
    }


def _crosstab_file(fmt: str, table: dict, closed: dict, filters: SummaryFilter) -> HttpResponse:
    rows_question = closed[table["rows"]["question"]]
    columns_question = closed[table["columns"]["question"]]
    row_labels = [rows_question["options"][k] for k in table["rows"]["options"]]
    column_labels = [columns_question["options"][k] for k in table["columns"]["options"]]
    header = [
        f"{rows_question['label']} / {columns_question['label']} ({rows_question['short']})",
        *column_labels,
        _("Total"),
    ]
    lines: list[list[Any]] = [[_("Counts")]]
    for label, counts, total in zip(row_labels, table["counts"], table["row_totals"], strict=True):
        lines.append([label, *counts, total])
    lines.append([_("Total"), *table["column_totals"], table["total"]])
    lines.append([_("Row percentages")])
    for label, shares in zip(row_labels, table["row_shares"], strict=True):
        lines.append([label, *shares, None])
    lines.append([_("Column percentages")])
    for label, shares in zip(row_labels, table["column_shares"], strict=True):
        lines.append([label, *shares, None])
    if table.get("withheld"):
        lines.append([withheld_note()])
    width = len(header)
    lines = [line + [None] * (width - len(line)) for line in lines]
    audit.record(
        db.session,
        current_user,
        "export.outcomes_crosstab",
        target="live",
        details={
            "rows": rows_question["key"],
            "columns": columns_question["key"],
            "public": "suppressed_below" in table,
            **filters.as_dict(),
        },
        ip=client_ip(),
    )
    db.commit()
    body = downloads.table_file(fmt, header, lines, "crosstab")
    name = naming.download_name(
        "crosstab",
        rows_question["questionnaire"],
        rows_question["question"],
        columns_question["question"],
        "public" if "suppressed_below" in table else None,
        fmt=fmt,
        live=True,
        filters=filters.as_dict(),
        language=current_language(),
        day=datetime.now(UTC).date(),
    )
    return HttpResponse(
        body,
        mimetype=FIGURE_FORMATS[fmt],
        headers={"Content-Disposition": naming.content_disposition(name)},
    )


# -- the dashboard --------------------------------------------------------------------------------


@bp.get("/dashboard")
@role_required(*STAFF_ROLES)
def dashboard():
    """Responses by region and country and over time, for all respondents (invited or not),
    both questionnaires together and each on its own."""
    summary = data.cached_summary(db.engine, sources()).summary
    return render_template(
        "outcomes/dashboard.html",
        summary=summary,
        combined=combined_participation(summary),
        p=presenting,
        region_names=region_names(),
        threshold=threshold(),
    )


def combined_participation(summary: dict[str, Any]) -> dict[str, Any]:
    """Add up every questionnaire's participation: by region, by country, per day."""
    regions: dict[str | None, int] = {}
    countries: dict[str | None, int] = {}
    days: dict[str, int] = {}
    for questionnaire in summary["questionnaires"]:
        part = questionnaire["participation"]
        for entry in part["by_region"]:
            regions[entry["key"]] = regions.get(entry["key"], 0) + (entry["count"] or 0)
        for entry in part["by_country"]:
            countries[entry["key"]] = countries.get(entry["key"], 0) + (entry["count"] or 0)
        for entry in part["per_day"]:
            days[entry["date"]] = days.get(entry["date"], 0) + (entry["count"] or 0)
    total = sum(regions.values())

    def entries(counts: dict[str | None, int]) -> list[dict[str, Any]]:
        return [
            {"key": k, "count": n, "share": n / total if total else None}
            for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0] or ""))
        ]

    cumulative, per_day = 0, []
    for day in sorted(days):
        cumulative += days[day]
        per_day.append({"date": day, "count": days[day], "cumulative": cumulative})
    return {
        "submitted": total,
        "by_region": entries(regions),
        "by_country": entries(countries),
        "countries": summary.get("countries"),
        "per_day": per_day,
    }
