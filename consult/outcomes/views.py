"""Outcome pages: the staff summary, the rows behind a figure, snapshots, quotes, the deck, and
the public /outcomes page."""

from __future__ import annotations

import csv
import io
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import Response as HttpResponse
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select

from consult.db import db, utcnow
from consult.geography import REGION_KEYS, region_labels
from consult.i18n import current_language
from consult.outcomes import contributions as contribution_data
from consult.outcomes import data, deck_content, operations, presenting
from consult.outcomes.models import OutcomePublication, OutcomeQuote, OutcomeSnapshot
from consult.outcomes.summary import IDENTIFYING_QUESTIONS, SummaryFilter
from consult.outcomes.suppression import (
    public_summary,
    quoted_contribution_ids,
    withhold_contributions,
)
from consult.outcomes.text import Corpus, load_codebook
from consult.questionnaires.models import Answer, Response
from consult.questionnaires.registry import current_questionnaires
from consult.security import CONTENT_SECURITY_POLICY
from consult.staff import audit
from consult.staff.access import has_role, role_required
from consult.staff.views import WORKSPACE_LINKS, client_ip

bp = Blueprint("outcomes", __name__, url_prefix="/staff/outcomes")
public = Blueprint("outcomes_public", __name__)

STAFF_ROLES = ("analyst",)
ROWS_PER_PAGE = 100
QUOTES_PER_PAGE = 50
#: Time zones offered when freezing (any IANA name is accepted from the form).
TIMEZONES = (
    "Europe/Paris",
    "UTC",
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


def _parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def filters_from_request() -> SummaryFilter:
    """Read the summary filters from the query string (unknown values are ignored)."""
    args = request.args
    questionnaire = args.get("questionnaire") or None
    if questionnaire not in current_questionnaires():
        questionnaire = None
    region = args.get("region") or None
    if region not in REGION_KEYS:
        region = None
    respondent_type = (args.get("respondent_type") or "").strip()[:64] or None
    return SummaryFilter(
        questionnaire=questionnaire,
        region=region,
        respondent_type=respondent_type,
        submitted_from=_parse_date(args.get("from")),
        submitted_to=_parse_date(args.get("to")),
    )


def filter_args(filters: SummaryFilter) -> dict[str, str]:
    """The query-string form of a filter, for links that keep it."""
    values = {
        "questionnaire": filters.questionnaire,
        "region": filters.region,
        "respondent_type": filters.respondent_type,
        "from": filters.submitted_from.isoformat() if filters.submitted_from else None,
        "to": filters.submitted_to.isoformat() if filters.submitted_to else None,
    }
    return {k: v for k, v in values.items() if v}


def respondent_type_choices() -> list[tuple[str, str, str]]:
    """(questionnaire title, key, label) of every respondent type, for the filter."""
    choices = []
    for questionnaire in current_questionnaires().values():
        key = questionnaire.profile_fields.get("respondent_type")
        if not key:
            continue
        for option in questionnaire.question(key).options:
            choices.append(
                (presenting.t(questionnaire.title), option.key, presenting.t(option.label))
            )
    return choices


def _snapshot_or_404(snapshot_id: int) -> OutcomeSnapshot:
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


def _region_names() -> dict[str, str]:
    path = current_app.config["QUESTIONNAIRES_PATH"]
    return {key: presenting.t(label) for key, label in region_labels(path).items()}


def _template_context(summary: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "summary": summary,
        "p": presenting,
        "threshold": threshold(),
        "region_names": _region_names(),
        **extra,
    }


# -- the live summary -----------------------------------------------------------------------------


#: Raised when the summary page's figures change shape, so cached pages are re-rendered.
PAGE_VARIANT = "summary-body-1"


@bp.get("/")
@role_required(*STAFF_ROLES)
def summary():
    """The live summary with filters, every chart with its table and the rows behind it.

    The figures are rendered once per data version, filter and language and kept in the shared
    cache, so that a page whose data did not change answers without computing or drawing.
    """
    filters = filters_from_request()
    engine = db.engine
    with engine.connect() as connection:
        version = data.data_version(connection, sources())
    key = data.page_key(filters, current_language(), PAGE_VARIANT)
    body = data.cached_page(engine, key, version)
    if body is None:
        started = time.perf_counter()
        result = data.cached_summary(engine, sources(), filters)
        body = render_template(
            "outcomes/_summary_body.html",
            **_template_context(
                result.summary,
                filters=filters,
                filter_query=filter_args(filters),
                cached=result,
            ),
        )
        seconds = time.perf_counter() - started
        data.store(engine, key, version, body, seconds, utcnow(), kind="html")
    return render_template(
        "outcomes/summary.html",
        body=Markup(body),  # noqa: S704 - our own template's output, stored by us
        filters=filters,
        region_keys=REGION_KEYS,
        region_names=_region_names(),
        respondent_types=respondent_type_choices(),
        questionnaires=current_questionnaires(),
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
    if ids is not None:
        query = query.where(Response.id.in_(ids))
    responses = pd.DataFrame(db.session.execute(query).mappings().all())
    if responses.empty:
        return responses
    responses["submitted_at"] = pd.to_datetime(responses["submitted_at"], utc=True)
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
    filters = filters_from_request()
    snapshot_id = request.args.get("snapshot", type=int)
    ids = None
    snapshot = None
    if snapshot_id:
        snapshot = _snapshot_or_404(snapshot_id)
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
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
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
            ]
        )
        for row in frame.itertuples(index=False):
            writer.writerow(
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
            )
        return HttpResponse(
            buffer.getvalue(),
            mimetype="text/csv",
            headers={"Content-Disposition": "attachment; filename=outcomes-rows.csv"},
        )
    page = max(1, request.args.get("page", 1, type=int))
    total = len(frame)
    shown = frame.iloc[(page - 1) * ROWS_PER_PAGE : page * ROWS_PER_PAGE]
    question = None
    if questionnaire_key in current_questionnaires() and question_key:
        try:
            question = current_questionnaires()[questionnaire_key].question(question_key)
        except KeyError:
            question = None
    return render_template(
        "outcomes/rows.html",
        rows=shown.to_dict("records"),
        total=total,
        page=page,
        pages=max(1, -(-total // ROWS_PER_PAGE)),
        question=question,
        hide_text=hide_text,
        args=request.args.to_dict(),
        snapshot=snapshot,
        p=presenting,
        region_names=_region_names(),
    )


# -- snapshots ------------------------------------------------------------------------------------


@bp.get("/snapshots")
@role_required(*STAFF_ROLES)
def snapshots():
    """Every frozen snapshot, the one published, and the form to freeze a new one."""
    listed = db.session.scalars(
        select(OutcomeSnapshot).order_by(OutcomeSnapshot.frozen_at.desc())
    ).all()
    publication = operations.current_publication(db.session)
    history = db.session.scalars(
        select(OutcomePublication).order_by(OutcomePublication.published_at.desc()).limit(20)
    ).all()
    live = db.session.scalar(select(func.count(Response.id)).where(Response.status == "submitted"))
    return render_template(
        "outcomes/snapshots.html",
        snapshots=listed,
        publication=publication,
        history=history,
        live_count=live,
        timezones=TIMEZONES,
        p=presenting,
        now_local=utcnow().astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%dT%H:%M"),
    )


@bp.post("/snapshots")
@role_required(*STAFF_ROLES)
def freeze():
    """Freeze the outcomes now (or at an earlier data time) under a label."""
    form = request.form
    timezone = form.get("timezone", "UTC")
    try:
        zone = operations.check_timezone(timezone)
        as_of = None
        if form.get("as_of"):
            try:
                as_of = datetime.fromisoformat(form["as_of"]).replace(tzinfo=zone)
            except ValueError as exc:
                raise operations.OutcomesError(
                    _("The data time is not a valid date and time.")
                ) from exc
        snapshot = operations.freeze(
            db.session,
            sources(),
            label=form.get("label", ""),
            timezone=timezone,
            actor=current_user,
            as_of=as_of,
            ip=client_ip(),
        )
    except operations.OutcomesError as exc:
        db.rollback()
        flash(_("Nothing was frozen: %(reason)s", reason=str(exc)), "warning")
        return redirect(url_for("outcomes.snapshots"))
    db.commit()
    flash(_("Snapshot frozen: %(n)s responses.", n=snapshot.response_count), "success")
    return redirect(url_for("outcomes.snapshot", snapshot_id=snapshot.id))


@bp.get("/snapshots/<int:snapshot_id>")
@role_required(*STAFF_ROLES)
def snapshot(snapshot_id: int):
    """A frozen snapshot, and how the live data (or a later snapshot) differs from it."""
    frozen = _snapshot_or_404(snapshot_id)
    frozen_summary = frozen_summary_of(frozen)
    ids = operations.snapshot_ids(frozen)
    compare_with = request.args.get("compare", type=int)
    if compare_with:
        later = _snapshot_or_404(compare_with)
        later_summary = operations.snapshot_summary(later)
        later_ids = operations.snapshot_ids(later)
        compared_label = later.label
    else:
        later_summary = data.cached_summary(db.engine, sources()).summary
        later_ids = [
            int(i)
            for i in db.session.scalars(select(Response.id).where(Response.status == "submitted"))
        ]
        compared_label = None
    comparison = operations.compare(frozen_summary, ids, later_summary, later_ids)
    others = db.session.scalars(
        select(OutcomeSnapshot)
        .where(OutcomeSnapshot.id != frozen.id)
        .order_by(OutcomeSnapshot.frozen_at.desc())
    ).all()
    publication = operations.current_publication(db.session)
    return render_template(
        "outcomes/snapshot.html",
        **_template_context(
            frozen_summary,
            snapshot=frozen,
            comparison=comparison,
            compared_label=compared_label,
            others=others,
            is_published=publication is not None and publication.snapshot_id == frozen.id,
            can_publish=has_role("admin"),
            filter_query={},
            mode="snapshot",
            public_view=False,
        ),
    )


@bp.get("/snapshots/<int:snapshot_id>/summary.json")
@role_required(*STAFF_ROLES)
def snapshot_json(snapshot_id: int):
    """Download a snapshot's summary exactly as frozen."""
    frozen = _snapshot_or_404(snapshot_id)
    audit.record(
        db.session,
        current_user,
        "export.outcomes",
        target=f"snapshot:{frozen.id}",
        details={"format": "json"},
        ip=client_ip(),
    )
    db.commit()
    return HttpResponse(
        frozen.summary_json,
        mimetype="application/json",
        headers={"Content-Disposition": f"attachment; filename=outcomes-snapshot-{frozen.id}.json"},
    )


@bp.post("/snapshots/<int:snapshot_id>/publish")
@role_required("admin")
def publish(snapshot_id: int):
    """Publish a snapshot at /outcomes (administrators only; logged)."""
    frozen = _snapshot_or_404(snapshot_id)
    if request.form.get("confirm") != "yes":
        flash(_("Tick the confirmation to publish."), "warning")
        return redirect(url_for("outcomes.snapshot", snapshot_id=frozen.id))
    operations.publish(db.session, frozen, current_user, ip=client_ip())
    db.commit()
    flash(_("Published at /outcomes."), "success")
    return redirect(url_for("outcomes.snapshot", snapshot_id=frozen.id))


@bp.post("/publication/withdraw")
@role_required("admin")
def withdraw():
    """Take the published outcomes off the public site (administrators only; logged)."""
    operations.withdraw(db.session, current_user, ip=client_ip())
    db.commit()
    flash(_("The public outcomes page is empty again."), "success")
    return redirect(url_for("outcomes.snapshots"))


# -- the deck -------------------------------------------------------------------------------------

#: The site's policy, except that a page of this site may frame the deck (presenter view).
EMBEDDABLE_POLICY = CONTENT_SECURITY_POLICY.replace(
    "frame-ancestors 'none'", "frame-ancestors 'self'"
)


@bp.get("/<int:snapshot_id>/deck")
@role_required(*STAFF_ROLES)
def deck(snapshot_id: int):
    """A five-minute slide deck of a snapshot, in the chosen language."""
    frozen = _snapshot_or_404(snapshot_id)
    frozen_summary = frozen_summary_of(frozen)
    ids = set(operations.snapshot_ids(frozen))
    quotes = operations.deck_quotes(db.session, ids, covered_contributions(frozen_summary))
    findings = {q["key"]: presenting.key_findings(q) for q in frozen_summary["questionnaires"]}
    closing = deck_content.closing_slide(db.session, frozen.id)
    embedded = request.args.get("embed") == "1"
    html = render_template(
        "outcomes/deck.html",
        **_template_context(
            frozen_summary,
            snapshot=frozen,
            quotes=quotes,
            findings=findings,
            public_view=False,
            closing=closing,
            closing_points=deck_content.closing_points(closing),
            methodology=deck_content.methodology(frozen_summary, frozen, threshold()),
            notes=deck_content.speaker_notes(
                frozen_summary, frozen, findings, quotes, closing, threshold()
            ),
            embedded=embedded,
        ),
    )
    if not embedded:
        return html
    # The presenter view shows the deck in frames of its own page: same origin only.
    response = make_response(html)
    response.headers["Content-Security-Policy"] = EMBEDDABLE_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


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
    text_questions = [
        q
        for q in (questionnaire.questions if questionnaire else ())
        if q.type in ("short_text", "long_text") and q.key not in IDENTIFYING_QUESTIONS
    ]
    question_key = request.args.get("question") or (
        text_questions[0].key if text_questions else None
    )
    search = (request.args.get("q") or "").strip()[:100]
    page = max(1, request.args.get("page", 1, type=int))
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
        p=presenting,
        region_names=_region_names(),
    )


def _back_to_quotes():
    target = request.form.get("next") or ""
    if target.startswith("/staff/outcomes") and "//" not in target:
        return redirect(target)
    return redirect(url_for("outcomes.quotes"))


@bp.post("/quotes")
@role_required(*STAFF_ROLES)
def star():
    """Star a text answer (or a published contribution) as a quote."""
    try:
        if request.form.get("contribution_id"):
            operations.star_contribution(
                db.session,
                request.form.get("contribution_id", type=int) or 0,
                current_user,
                ip=client_ip(),
            )
        else:
            operations.star_answer(
                db.session,
                current_questionnaires(),
                request.form.get("response_id", type=int) or 0,
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
    position = int(raw) if raw.isdigit() else None
    try:
        operations.set_deck_position(db.session, quote_id, position)
    except operations.OutcomesError as exc:
        db.rollback()
        flash(str(exc), "warning")
        return _back_to_quotes()
    db.commit()
    return _back_to_quotes()


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
        **_template_context(
            shown,
            snapshot=frozen,
            publication=publication,
            public_view=True,
            filter_query={},
            mode="public",
        ),
    )
