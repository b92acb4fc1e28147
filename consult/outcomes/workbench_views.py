"""The analyst's workbench: the live summary with its filters, and the rows behind a figure
(found by figure_rows). The quotes bank is in quote_bank_views."""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, datetime

from flask import Response as HttpResponse
from flask import (
    current_app,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup

from consult.core.inputs import query_int, query_page, url_args
from consult.db import db
from consult.exports import naming
from consult.exports.writers import csv_text
from consult.geography import REGION_KEYS
from consult.i18n import current_language
from consult.outcomes import (
    data,
    figure_rows,
    operations,
    page_refresh,
    presenting,
)
from consult.outcomes.blueprints import (
    ROWS_PER_PAGE,
    STAFF_ROLES,
    bp,
    snapshot_or_404,
    sources,
    template_context,
)
from consult.outcomes.distribution import identifying_keys
from consult.outcomes.filter_reading import (
    closed_questions,
    download_filters,
    filters_from_request,
    refused_answers,
    region_names,
    respondent_type_choices,
    typed_fields,
)
from consult.outcomes.filter_words import (
    answer_phrase,
    filter_args,
    filter_coverage,
    filter_description,
    left_out_contributions,
)
from consult.outcomes.summary import SummaryFilter
from consult.outcomes.text import load_codebook
from consult.questionnaires.registry import current_questionnaires
from consult.staff import audit
from consult.staff.access import role_required
from consult.staff.views import client_ip

# -- the live summary -----------------------------------------------------------------------------


#: Raised when the summary page's figures change shape, so cached pages are re-rendered.
PAGE_VARIANT = "summary-body-4"


def _render_figures(filters: SummaryFilter) -> tuple[str, str, datetime, float]:
    """Compute the summary (live when unfiltered) and render its figures: (html, data version
    of the figures, moment their data was read, seconds spent)."""
    started = time.perf_counter()
    result = data.cached_summary(db.engine, sources(), filters)
    body = render_template(
        "outcomes/_summary_body.html",
        **template_context(result.summary, filters=filters, filter_query=filter_args(filters)),
    )
    as_of = datetime.fromisoformat(result.summary["generated_at"])
    return body, result.summary["data_version"], as_of, time.perf_counter() - started


def _store_figures(key: str, filters: SummaryFilter) -> page_refresh.StoredPage:
    body, version, as_of, seconds = _render_figures(filters)
    data.store(db.engine, key, version, body, seconds, as_of, kind="html")
    return page_refresh.StoredPage(body, version, as_of)


def _refresh_later(key: str, version: str, filters: SummaryFilter) -> None:
    """Bring a page's figures up to date in the background (consult.outcomes.page_refresh),
    rendered as this request would render them (its language and address)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    path, base_url, language = request.path, request.url_root, current_language()

    def make() -> None:
        with app.test_request_context(path, base_url=base_url, query_string={"lang": language}):
            _store_figures(key, filters)

    page_refresh.refresh_in_background(app, db.engine, key, version, make)


@bp.get("/")
@role_required(*STAFF_ROLES)
def summary():
    """The live summary with filters, every chart with its table and the rows behind it.

    The figures are rendered once per data version, filter and language and kept in the shared
    cache. When the data changed since, the page shows the figures it has at once, says how old
    they are, and a single refresh brings them up to date (consult.outcomes.page_refresh); only
    a page with no figures at all (or OUTCOMES_PAGE_WAITS) waits for them.
    """
    filters = filters_from_request()
    engine = db.engine
    with engine.connect() as connection:
        version = data.data_version(connection, sources())
    key = data.page_key(filters, current_language(), PAGE_VARIANT)
    page = page_refresh.stored_page(engine, key)
    behind = None
    if page is None or (page.data_version != version and page_refresh.waits()):
        page = _store_figures(key, filters)
    elif page.data_version != version:
        _refresh_later(key, version, filters)
        behind = page_refresh.submitted_in(version) - page_refresh.submitted_in(page.data_version)
    return render_template(
        "outcomes/summary.html",
        body=Markup(page.payload),  # noqa: S704 - our own template's output, stored by us
        as_of=page.as_of,
        behind=behind,
        p=presenting,
        filters=filters,
        typed=typed_fields(),
        region_keys=REGION_KEYS,
        region_names=region_names(),
        respondent_types=respondent_type_choices(),
        questionnaires=current_questionnaires(),
        closed=closed_questions(profile=False),
        profile=closed_questions(),
        answer_phrase=answer_phrase,
        refused=refused_answers(),
        filter_phrases=filter_description(filters),
        coverage_rows=filter_coverage(filters),
        left_out=left_out_contributions(filters),
        remove_url=lambda condition: url_for(
            "outcomes.summary",
            **filter_args(
                dataclasses.replace(
                    filters, answers=tuple(c for c in filters.answers if c != condition)
                )
            ),
        ),
    )


# -- the rows behind a figure ---------------------------------------------------------------------


def _known_selection(frame, filtered_questionnaire: str | None) -> list[tuple[str, str]]:
    """The figure a rows download was asked for, as (argument, value) pairs of known values
    only: a questionnaire, question, breakdown or theme the app defines, a part or value
    that the rows hold. An argument naming nothing known is left out of the file's name."""
    questionnaires = current_questionnaires()
    questions = {q.key for each in questionnaires.values() for q in each.questions}
    args = request.args
    known = {
        "questionnaire": args.get("questionnaire") in questionnaires
        and args.get("questionnaire") != filtered_questionnaire,
        "question": args.get("question") in questions,
        "breakdown": args.get("breakdown") in ("region", "country", "respondent_type", "language"),
        "theme": args.get("theme") in {th.key for th in load_codebook(sources().codebook_path)},
        "part": "part_key" in frame and args.get("part") in set(frame["part_key"]),
        "value": "value" in frame and args.get("value") in set(frame["value"].astype(str)),
    }
    return [(name, args[name]) for name, is_known in known.items() if is_known]


@bp.get("/rows")
@role_required(*STAFF_ROLES)
def rows():
    """The responses behind one figure (no receipts, no contact details), or them as CSV."""
    filters = download_filters()
    snapshot_id = query_int("snapshot")
    ids = None
    snapshot = None
    if snapshot_id:
        snapshot = snapshot_or_404(snapshot_id)
        ids = operations.snapshot_ids(snapshot)
    frame = figure_rows.matching_rows(
        db.session, request.args, filters, ids, sources().codebook_path
    )
    question_key = request.args.get("question")
    questionnaire_key = request.args.get("questionnaire")
    hide_text = question_key in identifying_keys(
        q for definition in current_questionnaires().values() for q in definition.questions
    )
    if request.args.get("format") == "csv":
        audit.record(
            db.session,
            current_user,
            "export.outcomes_rows",
            target=f"snapshot:{snapshot.id}" if snapshot else "live",
            details={"rows": len(frame), **request.args.to_dict()},
            ip=client_ip(),
        )
        db.commit()
        body = csv_text(
            [
                "response_id",
                "questionnaire",
                "submitted_at",
                "language",
                "country",
                "region",
                "respondent_type",
                "part",
                "value",
            ],
            (
                [
                    row.response_id,
                    row.questionnaire,
                    row.submitted_at.isoformat(),
                    row.language,
                    row.country or "",
                    row.region or "",
                    row.respondent_type or "",
                    getattr(row, "part_key", "") or "",
                    "" if hide_text else (row.value if isinstance(row.value, str) else ""),
                ]
                for row in frame.itertuples(index=False)
            ),
        )
        return HttpResponse(
            body.encode("utf-8"),
            mimetype="text/csv",
            headers={
                "Content-Disposition": naming.content_disposition(
                    naming.download_name(
                        "outcomes",
                        "rows",
                        fmt="csv",
                        snapshot=snapshot.id if snapshot else None,
                        live=snapshot is None,
                        # which rows: the question, option, part asked for, and the filters,
                        # each a known value (nothing of the request is echoed)
                        filters=[
                            *_known_selection(frame, filters.questionnaire),
                            *filter_args(filters).items(),
                        ],
                        day=snapshot.data_as_of if snapshot else datetime.now(UTC).date(),
                    )
                )
            },
        )
    page = query_page()
    total = len(frame)
    shown = frame.iloc[(page - 1) * ROWS_PER_PAGE : page * ROWS_PER_PAGE]
    # Every staff view of individual responses is in the audit log.
    audit.record(
        db.session,
        current_user,
        "responses.viewed",
        target=f"snapshot:{snapshot.id}" if snapshot else "live",
        details={
            "page": "rows",
            "responses": sorted({int(i) for i in shown.get("response_id", [])})[:200],
        },
        ip=client_ip(),
    )
    db.commit()
    question = None
    if questionnaire_key in current_questionnaires() and question_key:
        try:
            question = current_questionnaires()[questionnaire_key].question(question_key)
        except KeyError:
            question = None
    theme_key = request.args.get("theme")
    theme_label = ""
    if theme_key:
        codebook = {th.key: th for th in load_codebook(sources().codebook_path)}
        theme_label = presenting.t(codebook[theme_key].label) if theme_key in codebook else ""
    return render_template(
        "outcomes/rows.html",
        theme_label=theme_label or theme_key,
        rows=shown.to_dict("records"),
        total=total,
        page=page,
        pages=max(1, -(-total // ROWS_PER_PAGE)),
        question=question,
        hide_text=hide_text,
        args=url_args(request.args, "format", "page"),
        snapshot=snapshot,
        p=presenting,
        region_names=region_names(),
    )
