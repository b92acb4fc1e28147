"""The analyst's workbench: the live summary with its filters, the rows behind a figure, and
the quotes bank."""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from flask import Response as HttpResponse
from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select

from consult.core.inputs import form_int, parse_id, query_int, query_page, url_args
from consult.core.links import safe_local_path
from consult.db import db
from consult.exports import naming
from consult.exports.writers import csv_text
from consult.geography import REGION_KEYS
from consult.i18n import current_language
from consult.outcomes import (
    attribution,
    data,
    deck_content,
    operations,
    page_refresh,
    presenting,
)
from consult.outcomes import contributions as contribution_data
from consult.outcomes.blueprints import (
    QUOTES_PER_PAGE,
    ROWS_PER_PAGE,
    STAFF_ROLES,
    bp,
    snapshot_or_404,
    sources,
    template_context,
    threshold,
)
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
from consult.outcomes.models import OutcomeQuote
from consult.outcomes.summary import IDENTIFYING_QUESTIONS, SummaryFilter
from consult.outcomes.text import Corpus, load_codebook
from consult.questionnaires.models import Answer, Response
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


def _matching_rows(args: Any, filters: SummaryFilter, ids: list[int] | None) -> pd.DataFrame:
    """Return the submitted responses behind one figure, with the value that put them there."""
    questionnaire = args.get("questionnaire") or filters.questionnaire
    question_key = args.get("question") or ""
    query = select(
        Response.id.label("response_id"),
        Response.questionnaire_key.label("questionnaire"),
        Response.submitted_at,
        Response.language,
        Response.country,
        Response.region,
        Response.respondent_type,
    ).where(Response.status == "submitted")
    if questionnaire:
        query = query.where(Response.questionnaire_key == questionnaire)
    if filters.region:
        query = query.where(Response.region == filters.region)
    if filters.respondent_type:
        query = query.where(Response.respondent_type == filters.respondent_type)
    if filters.country:
        query = query.where(Response.country == filters.country)
    if filters.language:
        query = query.where(Response.language == filters.language)
    if ids is not None:
        query = query.where(Response.id.in_(ids))
    responses = pd.DataFrame(db.session.execute(query).mappings().all())
    if responses.empty:
        return responses
    responses["submitted_at"] = pd.to_datetime(responses["submitted_at"], utc=True)
    if filters.answers:
        kept = data.covered_ids(db.session.connection(), filters)
        responses = responses[responses["response_id"].isin(kept)]
    days = responses["submitted_at"].dt.date
    if filters.submitted_from:
        responses = responses[days >= filters.submitted_from]
    if filters.submitted_to:
        responses = responses[days <= filters.submitted_to]
    # Participation figures: a breakdown value of the response itself.
    breakdown = args.get("breakdown")
    if breakdown in ("region", "country", "respondent_type", "language"):
        wanted = args.get("value") or None
        column = responses[breakdown]
        responses = responses[column.isna()] if wanted is None else responses[column == wanted]
        return responses.assign(value=responses[breakdown])
    if not question_key:
        return responses.assign(value="")
    answers = db.session.execute(
        select(Answer.response_id, Answer.part_key, Answer.value).where(
            Answer.question_key == question_key,
            Answer.response_id.in_(select(Response.id).where(Response.status == "submitted")),
        )
    ).all()
    frame = pd.DataFrame(answers, columns=["response_id", "part_key", "value"])
    frame = frame[frame["response_id"].isin(responses["response_id"])]
    part, value, theme = args.get("part"), args.get("value"), args.get("theme")
    if theme:
        texts = frame[frame["part_key"] == ""].reset_index(drop=True)
        codebook = {th.key: th for th in load_codebook(sources().codebook_path)}
        if theme not in codebook or texts.empty:
            frame = frame.iloc[0:0]
        else:
            hits = Corpus(texts["value"]).themes([codebook[theme]])[theme].to_numpy()
            frame = texts[hits]
    else:
        if part is not None:
            frame = frame[frame["part_key"] == part]
        if value is not None:
            frame = frame[frame["value"] == value]
    merged = responses.merge(frame[["response_id", "part_key", "value"]], on="response_id")
    if args.get("question") and not theme and part is None and value is None:
        # "Everyone who answered": one line per response, parts joined.
        merged = (
            merged.groupby([c for c in responses.columns], dropna=False)
            .agg(value=("value", lambda v: "; ".join(map(str, v))))
            .reset_index()
        )
    return merged.sort_values("response_id")


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
    frame = _matching_rows(request.args, filters, ids)
    question_key = request.args.get("question")
    questionnaire_key = request.args.get("questionnaire")
    hide_text = question_key in IDENTIFYING_QUESTIONS
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
                        # which rows: the question, option, part asked for, and the filters
                        filters=[
                            (k, v)
                            for k, v in request.args.items(multi=True)
                            if k not in ("format", "lang", "page")
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


# -- the quotes bank ------------------------------------------------------------------------------


@bp.get("/quotes")
@role_required(*STAFF_ROLES)
def quotes():
    """The quotes bank, and text answers (or published contributions) to star."""
    starred = db.session.scalars(
        select(OutcomeQuote).order_by(
            OutcomeQuote.deck_position.is_(None),
            OutcomeQuote.deck_position,
            OutcomeQuote.starred_at.desc(),
        )
    ).all()
    questionnaires = current_questionnaires()
    questionnaire_key = request.args.get("questionnaire") or next(iter(questionnaires), None)
    questionnaire = questionnaires.get(questionnaire_key) if questionnaire_key else None
    text_questions = operations.quotable_questions(questionnaire)
    question_key = request.args.get("question") or (
        text_questions[0].key if text_questions else None
    )
    if question_key is not None and question_key not in {q.key for q in text_questions}:
        abort(404)  # what the page promises, whatever the URL asks: no names, no choices
    search = (request.args.get("q") or "").strip()[:100]
    page = query_page()
    query = (
        select(
            Answer.response_id,
            Answer.value,
            Response.language,
            Response.region,
            Response.respondent_type,
        )
        .join(Response, Response.id == Answer.response_id)
        .where(
            Response.status == "submitted",
            Response.questionnaire_key == questionnaire_key,
            Answer.question_key == question_key,
            Answer.part_key == "",
        )
        .order_by(Answer.response_id.desc())
    )
    if search:
        query = query.where(func.lower(Answer.value).contains(search.lower()))
    candidates = db.session.execute(
        query.limit(QUOTES_PER_PAGE + 1).offset((page - 1) * QUOTES_PER_PAGE)
    ).all()
    if candidates:
        # Answers of individual responses are shown: the audit log says who saw which.
        audit.record(
            db.session,
            current_user,
            "responses.viewed",
            target=questionnaire_key,
            details={
                "page": "quotes",
                "question": question_key,
                "responses": [row.response_id for row in candidates[:QUOTES_PER_PAGE]],
            },
            ip=client_ip(),
        )
        db.commit()
    starred_keys = {(q.response_id, q.question_key) for q in starred if q.source == "answer"}
    contributions = None
    if request.args.get("source") == "contributions":
        frame = contribution_data.load(db.session.connection())
        if search:
            frame = frame[frame["text"].str.lower().str.contains(search.lower(), regex=False)]
        contributions = frame.sort_values("supports", ascending=False).head(QUOTES_PER_PAGE)
    no_longer_public = {
        q.contribution_id for q in starred if q.source == "contribution"
    } - operations.published_contribution_ids(
        db.session, (q.contribution_id for q in starred if q.source == "contribution")
    )
    return render_template(
        "outcomes/quotes.html",
        starred=starred,
        questionnaires=questionnaires,
        questionnaire_key=questionnaire_key,
        text_questions=text_questions,
        question_key=question_key,
        candidates=candidates[:QUOTES_PER_PAGE],
        has_more=len(candidates) > QUOTES_PER_PAGE,
        page=page,
        search=search,
        starred_keys=starred_keys,
        contributions=contributions.to_dict("records") if contributions is not None else None,
        starred_contributions={q.contribution_id for q in starred if q.source == "contribution"},
        no_longer_public=no_longer_public,
        deck_slides={q.id: deck_content.deck_slides_of(q.text) for q in starred},
        attributions=_bank_attributions(starred, questionnaires),
        threshold=threshold(),
        p=presenting,
        region_names=region_names(),
    )


def _bank_attributions(starred, questionnaires) -> dict[int, dict[str, Any]]:
    """Each starred quote's attribution as the deck would print it with the responses submitted
    now (attribution.py), and whether it is withheld: no quote leaves the deck unexplained."""
    if not starred:
        return {}
    # The base is every submitted response, counted by the database: none is read one by one.
    records = attribution.checked(db.session, starred, None, None, threshold())
    # The labels a summary carries, from the definitions (this page has no summary).
    labels = {
        "questionnaires": [
            {
                "key": key,
                "audience": definition.audience,
                "respondent_types": {
                    option.key: dict(option.label)
                    for field in [definition.profile_fields.get("respondent_type")]
                    if field
                    for option in definition.question(field).options
                },
            }
            for key, definition in questionnaires.items()
        ]
    }
    names = region_names()
    result = {}
    for record in records:
        safe = record["attribution"]
        shown = {**record, "region": safe["region"], "respondent_type": safe["respondent_type"]}
        result[record["quote_id"]] = {
            **safe,
            "source": deck_content.quote_source(shown, labels, names),
        }
    return result


def _back_to_quotes():
    return redirect(
        safe_local_path(
            request.form.get("next"), url_for("outcomes.quotes"), allowed_prefix="/staff/outcomes"
        )
    )


@bp.post("/quotes")
@role_required(*STAFF_ROLES)
def star():
    """Star a text answer (or a published contribution) as a quote."""
    try:
        if request.form.get("contribution_id"):
            operations.star_contribution(
                db.session,
                form_int("contribution_id") or 0,
                current_user,
                ip=client_ip(),
            )
        else:
            operations.star_answer(
                db.session,
                current_questionnaires(),
                form_int("response_id") or 0,
                request.form.get("question", ""),
                current_user,
                ip=client_ip(),
            )
    except operations.OutcomesError as exc:
        db.rollback()
        flash(str(exc), "warning")
        return _back_to_quotes()
    db.commit()
    flash(_("Added to the quotes bank."), "success")
    return _back_to_quotes()


@bp.post("/quotes/<int:quote_id>/remove")
@role_required(*STAFF_ROLES)
def unstar(quote_id: int):
    """Remove a quote from the bank."""
    try:
        operations.unstar(db.session, quote_id, current_user, ip=client_ip())
    except operations.OutcomesError:
        abort(404)
    db.commit()
    flash(_("Removed from the quotes bank."), "success")
    return _back_to_quotes()


@bp.post("/quotes/<int:quote_id>/deck")
@role_required(*STAFF_ROLES)
def deck_position(quote_id: int):
    """Choose where (or whether) a quote appears in the deck."""
    raw = request.form.get("position", "")
    position = parse_id(raw, maximum=1000)
    try:
        operations.set_deck_position(db.session, quote_id, position)
    except operations.OutcomesError as exc:
        db.rollback()
        flash(str(exc), "warning")
        return _back_to_quotes()
    db.commit()
    return _back_to_quotes()
