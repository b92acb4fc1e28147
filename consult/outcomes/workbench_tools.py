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
from consult.outcomes import data, dimensions, downloads, presenting
from consult.outcomes.blueprints import (
    FIGURE_FORMATS,
    STAFF_ROLES,
    bp,
    figure_file,
    frozen_summary_of,
    group_limit,
    snapshot_or_404,
    sources,
    threshold,
)
from consult.outcomes.crosstab import crosstab_pairs, public_crosstab, published_questions
from consult.outcomes.filter_reading import (
    Ambiguity,
    ambiguity,
    closed_questions,
    download_filters,
    filters_from_request,
    refused_answers,
    region_names,
    resolve_closed,
    typed_fields,
)
from consult.outcomes.filter_words import filter_args, filter_description
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
    return figure_file(found, fmt, summary, request.args.get("snapshot", type=int))


# -- cross-tabulation -----------------------------------------------------------------------------


def crosstab_choice(
    closed: dict[str, dict[str, Any]], filters: SummaryFilter, row: str, column: str
) -> tuple[str | None, str | None, str | Ambiguity | None]:
    """The two dimensions a request names, as closed_questions keys, or why they are refused.

    A question or matrix row is one questionnaire's ("local-governments:barriers",
    "local-governments:relevance.art03"); an older link's bare key stands for it when one
    questionnaire only asks it, and is refused when several do (an Ambiguity: one link per
    questionnaire). The respondent's region, country, type and language go with any
    questionnaire. Questions must be of one questionnaire, the filtered one if any.
    """
    found = [resolve_closed(value, closed) for value in (row, column)]
    for param, value, resolved in zip(("rows", "columns"), (row, column), found, strict=True):
        if resolved.key is None and resolved.choices:
            return None, None, ambiguity(param, value, resolved.choices, closed)
    row_key, column_key = (resolved.key for resolved in found)
    if row_key is None or column_key is None or row_key == column_key:
        return None, None, _("Choose two different closed questions.")
    questionnaires = {closed[k]["questionnaire"] for k in (row_key, column_key)} - {None}
    if len(questionnaires) > 1:
        return (
            None,
            None,
            _(
                "Choose two questions of the same questionnaire: each response answers one "
                "questionnaire only."
            ),
        )
    if filters.questionnaire and questionnaires and filters.questionnaire not in questionnaires:
        return None, None, _("Choose questions of the questionnaire the view is filtered on.")
    return row_key, column_key, None


#: The group of the countries too small to be named in a public cross-tabulation.
OTHER_COUNTRIES = "_other"


def _side(
    dimension: dict[str, Any], answers: Any, responses: Any, public_view: bool
) -> tuple[Any, list[str], dict[str, str]]:
    """One side of the table: its (response_id, option) pairs, its options in order and their
    labels. Countries: only those with respondents, and in a public view the countries of
    fewer than the threshold grouped as "other countries" (naming them would say a respondent
    is from there)."""
    found = dimensions.pairs(dimension, answers, responses)
    labels = dict(dimension["options"])
    if dimension["key"] != "country":
        return found, list(labels), labels
    sizes = found.groupby("option")["response_id"].nunique()
    small = {c for c, n in sizes.items() if n < threshold()} if public_view else set()
    if small:
        found = found.assign(
            option=found["option"].where(~found["option"].isin(small), OTHER_COUNTRIES)
        )
        labels[OTHER_COUNTRIES] = _("Other countries (fewer than %(n)s each)", n=threshold())
    present = set(found["option"])
    order = [c for c in sorted(present - {OTHER_COUNTRIES}, key=lambda c: labels.get(c, c))]
    return found, order + ([OTHER_COUNTRIES] if OTHER_COUNTRIES in present else []), labels


@bp.get("/crosstab")
@role_required(*STAFF_ROLES)
def crosstab_page():
    """Cross-tabulate two closed dimensions (within the summary filters): questions or matrix
    rows of one questionnaire, or the respondent's region, country, type or language; counts,
    row and column percentages; with ``public=1``, as it could be published (small cells
    hidden). Only that questionnaire's responses are read, with its option labels."""
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
        owner = rows["questionnaire"] or columns["questionnaire"]
        of_questionnaire = dataclasses.replace(
            filters, questionnaire=owner or filters.questionnaire
        )
        published = None
        if public_view:
            # Never print what the public page of the same respondents hides. (Before the
            # session's connection: the summary cache writes through its own.)
            summary = data.cached_summary(db.engine, sources(), filters).summary
            published = published_questions(
                public_summary(summary, threshold(), group_limit=group_limit())
            )
        connection = db.session.connection()
        responses = data.covered_responses(connection, of_questionnaire)
        questions = [d["question"] for d in (rows, columns) if d["kind"] != dimensions.PROFILE]
        answers = data.answers_of(connection, responses["response_id"], questions)
        left, row_options, row_labels = _side(rows, answers, responses, public_view)
        right, column_options, column_labels = _side(columns, answers, responses, public_view)
        table = crosstab_pairs(left, right, (row_key, row_options), (column_key, column_options))
        table["labels"] = {"rows": row_labels, "columns": column_labels}
        if public_view:
            table = public_crosstab(table, threshold(), published, group_limit=group_limit())
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


def small_groups_note(table: dict[str, Any]) -> str | None:
    """Why a public cross-tabulation shows no cell of a small row or column (None: none)."""
    lines = table.get("small_groups") or {}
    if not (lines.get("rows") or lines.get("columns")):
        return None
    return _(
        "In a row or column of fewer than %(n)s respondents, no cell is shown, not even a zero: "
        "with so few people, a cell could tell how each of them answered.",
        n=table["group_limit"],
    )


def dimension_groups(closed: dict[str, dict[str, Any]]) -> list[tuple[str, list[dict]]]:
    """The dimensions as the selects group them: the respondent's profile, then each
    questionnaire's questions and matrix rows, in the catalogue's order."""
    groups: dict[str, list[dict]] = {}
    for entry in closed.values():
        group = entry["short"] or _("Respondent profile")
        groups.setdefault(group, []).append(entry)
    profile = _("Respondent profile")
    return sorted(groups.items(), key=lambda item: item[0] != profile)


def _crosstab_context(closed, filters, row_key, column_key, public_view, table) -> dict:
    return {
        "closed": closed,
        "dimension_groups": dimension_groups(closed),
        "filters": filters,
        "filter_fields": filter_args(filters),
        "typed": typed_fields(),
        "filter_phrases": filter_description(filters),
        "refused": refused_answers(),
        "row_key": row_key,
        "column_key": column_key,
        "public_view": public_view,
        "table": table,
        "threshold": threshold(),
        "withheld_note": withheld_note(),
        "small_groups_note": small_groups_note(table) if table else None,
        "p": presenting,
    }


def _crosstab_file(fmt: str, table: dict, closed: dict, filters: SummaryFilter) -> HttpResponse:
    rows_question = closed[table["rows"]["question"]]
    columns_question = closed[table["columns"]["question"]]
    row_labels = [table["labels"]["rows"][k] for k in table["rows"]["options"]]
    column_labels = [table["labels"]["columns"][k] for k in table["columns"]["options"]]
    short = rows_question["short"] or columns_question["short"]
    header = [
        f"{rows_question['label']} / {columns_question['label']}"
        + (f" ({short})" if short else ""),
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
    elif small_groups_note(table):
        lines.append([small_groups_note(table)])
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
    owner = rows_question["questionnaire"] or columns_question["questionnaire"]
    name = naming.download_name(
        "crosstab",
        owner,
        dimensions.bare_key(rows_question),
        dimensions.bare_key(columns_question),
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
