"""Snapshots and the deck: freezing, comparing, a snapshot's page and JSON, the deck of a
snapshot (publishing and withdrawing: publication_views)."""

from __future__ import annotations

from datetime import datetime

from flask import Response as HttpResponse
from flask import (
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from consult.core.field_limits import too_long
from consult.core.inputs import form_line, parse_datetime, query_int
from consult.db import db
from consult.exports import naming
from consult.outcomes import (
    attribution,
    data,
    deck_content,
    deck_guard,
    operations,
    presenting,
    publication_versions,
    view_scope,
)
from consult.outcomes.blueprints import (
    STAFF_ROLES,
    TIMEZONES,
    bp,
    can_publish,
    country_regions,
    covered_contributions,
    frozen_summary_of,
    group_limit,
    snapshot_or_404,
    sources,
    template_context,
    threshold,
)
from consult.outcomes.filter_reading import (
    filters_from_request,
    read_filters,
    refused_answers,
    typed_fields,
)
from consult.outcomes.filter_words import (
    coverage_note,
    filter_args,
    filter_coverage,
    filter_description,
    left_out_contributions,
)
from consult.outcomes.filters import SummaryFilter
from consult.outcomes.models import SNAPSHOT_LABEL_MAX, OutcomePublication, OutcomeSnapshot
from consult.outcomes.narrowing import EmptySnapshotError, empty_freeze_message
from consult.outcomes.suppression import public_summary
from consult.questionnaires.models import Response
from consult.questionnaires.registry import current_questionnaires
from consult.security import CONTENT_SECURITY_POLICY
from consult.staff import audit
from consult.staff.access import has_role, role_required
from consult.staff.models import User
from consult.staff.views import client_ip

bp.context_processor(publication_versions.template_helpers)

# -- snapshots ------------------------------------------------------------------------------------


#: The fields of the freeze form that are kept when the page is shown again.
FREEZE_FIELDS = ("label", "cutoff", "as_of", "timezone")


def _snapshots_page(
    form: dict[str, str],
    filters: SummaryFilter,
    preview: operations.FreezePreview | None = None,
    error: str | None = None,
    status: int = 200,
    refused: list[str] | None = None,
    typed: dict[str, str] | None = None,
):
    """The snapshots page: the list, the publication log and the freeze form as typed (its
    filter fields too, ``typed``: a refused one is carried on as it was typed)."""
    listed = db.session.scalars(
        select(OutcomeSnapshot).order_by(OutcomeSnapshot.frozen_at.desc())
    ).all()
    # Each row's deck caution, in a few queries for the whole list (kept per data version).
    deck_guard.prepare_cautions(listed)
    publication = operations.current_publication(db.session)
    history = db.session.scalars(
        select(OutcomePublication).order_by(OutcomePublication.published_at.desc()).limit(20)
    ).all()
    live = db.session.scalar(select(func.count(Response.id)).where(Response.status == "submitted"))
    body = render_template(
        "outcomes/snapshots.html",
        snapshots=listed,
        publication=publication,
        history=history,
        live_count=live,
        timezones=TIMEZONES,
        label_max=SNAPSHOT_LABEL_MAX,
        p=presenting,
        form=form,
        filters=filters,
        filter_fields={**filter_args(filters), **(typed or {})},
        filter_phrases=filter_description(filters),
        coverage_rows=filter_coverage(filters),
        left_out=left_out_contributions(filters),
        preview=preview,
        empty_message=empty_freeze_message(),
        refused=refused or [],
        error=error,
        can_publish=can_publish(),
        publishers=operations.publishers(db.session) if has_role("admin") else [],
        analysts=(
            db.session.scalars(
                select(User).where(User.role == "analyst", User.is_enabled).order_by(User.email)
            ).all()
            if has_role("admin")
            else []
        ),
    )
    return body, status


@bp.get("/snapshots")
@role_required(*STAFF_ROLES)
def snapshots():
    """Every frozen snapshot, the one published, and the form to freeze a new one (of the
    filtered view the link came from, if any)."""
    form = {"label": "", "cutoff": "now", "as_of": "", "timezone": TIMEZONES[0]}
    return _snapshots_page(
        form, filters_from_request(), refused=refused_answers(), typed=typed_fields()
    )


def _cut_off(form: dict[str, str]) -> datetime | None:
    """The data time the form asks for: None for "until the moment of confirming"."""
    zone = operations.check_timezone(form["timezone"])
    if form["cutoff"] != "earlier":
        return None
    if not form["as_of"]:
        raise operations.OutcomesError(_("Give the earlier date and time, or freeze until now."))
    moment = parse_datetime(form["as_of"])
    if moment is None:
        raise operations.OutcomesError(_("The data time is not a valid date and time."))
    return operations.local_cut_off(moment, zone)


@bp.post("/snapshots")
@role_required(*STAFF_ROLES)
def freeze():
    """Review, then freeze, the outcomes until now (or an explicitly chosen earlier moment).

    The first step shows how many responses and contributions the snapshot will hold against
    how many exist, and which starred quotes changed; only the second step freezes. A refused
    freeze shows the form again as it was typed.
    """
    form = {name: form_line(name) for name in FREEZE_FIELDS}
    form["cutoff"] = "earlier" if form["cutoff"] == "earlier" else "now"
    form["timezone"] = form["timezone"] or "UTC"
    reading = read_filters(request.form)
    filters = reading.filters
    as_of = None
    try:
        as_of = _cut_off(form)
        if not form["label"]:
            raise operations.OutcomesError(_("give the snapshot a label"))
        if too_long(form["label"], SNAPSHOT_LABEL_MAX):
            raise operations.OutcomesError(
                _(
                    "Shorten the label to %(max)s characters at most (it has %(length)s).",
                    max=format_decimal(SNAPSHOT_LABEL_MAX),
                    length=format_decimal(len(form["label"])),
                )
            )
        if reading.ignored and request.form.get("step") == "confirm":
            # The snapshot would cover more than its filter says: never frozen so.
            raise operations.OutcomesError(
                _(
                    "Part of this filter cannot be applied (said above): correct or remove it "
                    "before freezing."
                )
            )
        if request.form.get("step") != "confirm":
            preview = operations.preview_freeze(db.session, as_of=as_of, filters=filters)
            db.rollback()
            return _snapshots_page(
                form,
                filters,
                preview=preview,
                refused=list(reading.ignored),
                typed=dict(reading.typed),
            )
        snapshot = operations.freeze(
            db.session,
            sources(),
            label=form["label"],
            timezone=form["timezone"],
            actor=current_user,
            as_of=as_of,
            filters=filters,
            ip=client_ip(),
            confirmed_empty=request.form.get("empty") == "yes",
            threshold=threshold(),
        )
    except operations.OutcomesError as exc:
        db.rollback()
        preview = None
        if isinstance(exc, EmptySnapshotError):
            # The review again, with the confirmation that the snapshot holds no response.
            preview = operations.preview_freeze(db.session, as_of=as_of, filters=filters)
            db.rollback()
        return _snapshots_page(
            form,
            filters,
            preview=preview,
            error=str(exc),
            status=400,
            refused=list(reading.ignored),
            typed=dict(reading.typed),
        )
    frozen = operations.snapshot_summary(snapshot)
    contributions = (frozen.get("contributions") or {}).get("total", 0)
    responses_now = len(data.covered_ids(db.session.connection()))
    contributions_now = len(data.covered_contribution_ids(db.session.connection()))
    db.commit()
    flash(
        _(
            "Snapshot frozen: %(responses)s and %(contributions)s.",
            responses=ngettext(
                "%(n)s submitted response out of %(total)s",
                "%(n)s submitted responses out of %(total)s",
                snapshot.response_count,
                n=presenting.number(snapshot.response_count),
                total=presenting.number(responses_now),
            ),
            contributions=ngettext(
                "%(n)s published contribution out of %(total)s",
                "%(n)s published contributions out of %(total)s",
                contributions,
                n=presenting.number(contributions),
                total=presenting.number(contributions_now),
            ),
        ),
        "success",
    )
    return redirect(url_for("outcomes.snapshot", snapshot_id=snapshot.id))


@bp.get("/snapshots/<int:snapshot_id>")
@role_required(*STAFF_ROLES)
def snapshot(snapshot_id: int):
    """A frozen snapshot, and how the live data (or a later snapshot) differs from it."""
    frozen = snapshot_or_404(snapshot_id)
    frozen_summary = frozen_summary_of(frozen)
    frozen_filters = SummaryFilter.from_dict(frozen_summary.get("filters"))
    ids = operations.snapshot_ids(frozen)
    compare_with = query_int("compare")
    if compare_with:
        later = snapshot_or_404(compare_with)
        later_summary = operations.snapshot_summary(later)
        later_ids = operations.snapshot_ids(later)
        compared_label = later.label
    else:
        later_summary = data.cached_summary(db.engine, sources(), frozen_filters).summary
        later_ids = data.covered_ids(db.session.connection(), frozen_filters)
        compared_label = None
    comparison = operations.compare(
        frozen_summary, ids, later_summary, later_ids, minimum=threshold()
    )
    fresh = None if compare_with else operations.freshness(db.session, frozen, frozen_summary)
    others = db.session.scalars(
        select(OutcomeSnapshot)
        .where(OutcomeSnapshot.id != frozen.id)
        .order_by(OutcomeSnapshot.frozen_at.desc())
    ).all()
    publication = operations.current_publication(db.session)
    return render_template(
        "outcomes/snapshot.html",
        **template_context(
            frozen_summary,
            snapshot=frozen,
            comparison=comparison,
            freshness=fresh,
            filter_phrases=filter_description(frozen_filters),
            coverage_rows=filter_coverage(frozen_filters),
            left_out=left_out_contributions(frozen_filters, frozen.data_as_of),
            compared_label=compared_label,
            others=others,
            is_published=publication is not None and publication.snapshot_id == frozen.id,
            narrower=operations.publication_narrowing(db.session, frozen),
            can_publish=can_publish(),
            filter_query={},
            mode="snapshot",
            public_view=False,
        ),
    )


@bp.get("/snapshots/<int:snapshot_id>/summary.json")
@role_required(*STAFF_ROLES)
def snapshot_json(snapshot_id: int):
    """Download a snapshot's summary exactly as frozen."""
    frozen = snapshot_or_404(snapshot_id)
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
        headers={
            "Content-Disposition": naming.content_disposition(
                naming.download_name(
                    "outcomes", "summary", fmt="json", snapshot=frozen.id, day=frozen.data_as_of
                )
            )
        },
    )


# -- the deck -------------------------------------------------------------------------------------


def deck_figures(frozen: OutcomeSnapshot) -> tuple[dict, list, dict]:
    """The frozen summary, quotes and headline sentences the deck (and its notes) show.

    The deck is shown on stage and handed out as PPTX and PDF: its figures are the public
    page's (consult.outcomes.suppression.public_summary: small cells and every figure that
    would give one away withheld), never the staff page's. Only the starred quotes come from
    the frozen summary itself.
    """
    staff_summary = frozen_summary_of(frozen)
    ids = operations.snapshot_ids(frozen)
    contributions = covered_contributions(staff_summary)
    if "quotes" in staff_summary:
        starred = staff_summary["quotes"]
    else:  # a snapshot frozen before quotes were re-read at the freeze
        starred = operations.deck_quotes(db.session, set(ids), contributions, limit=None)
    # A quote answering a question flagged identifying (starred before the flag) names who
    # wrote it whatever its attribution: never shown.
    questionnaires = current_questionnaires()
    starred = [q for q in starred if not operations.identifies_its_author(q, questionnaires)]
    # Every attribution names a group of at least the threshold in this snapshot's own base;
    # an answer of a questionnaire whose count is withheld is not quoted (attribution.py).
    safe = attribution.protect(db.session, starred, ids, contributions, threshold())
    quotes = operations.frozen_deck_quotes(db.session, safe)
    frozen_summary = public_summary(
        staff_summary, threshold(), country_regions(), group_limit=group_limit()
    )
    # What the deck says of what it shows nothing of (view_scope): the contributions a view
    # leaves out counted as the snapshot page counts them, the chosen quotes outside the view.
    filters = SummaryFilter.from_dict(staff_summary.get("filters"))
    frozen_summary["view_scope"] = view_scope.scope_record(
        staff_summary, left_out_contributions(filters, frozen.data_as_of)
    )
    findings = {
        # Shown on stage: no headline rests on fewer respondents than a public figure may.
        q["key"]: presenting.questionnaire_headlines(q, frozen_summary, minimum=threshold())
        for q in frozen_summary["questionnaires"]
    }
    return frozen_summary, quotes, findings


#: The site's policy, except that a page of this site may frame the deck (presenter view).
EMBEDDABLE_POLICY = CONTENT_SECURITY_POLICY.replace(
    "frame-ancestors 'none'", "frame-ancestors 'self'"
)


@bp.get("/<int:snapshot_id>/deck")
@role_required(*STAFF_ROLES)
def deck(snapshot_id: int):
    """A five-minute slide deck of a snapshot, in the chosen language."""
    frozen = snapshot_or_404(snapshot_id)
    frozen_summary, quotes, findings = deck_figures(frozen)
    closing = deck_content.closing_slide(db.session, frozen.id)
    embedded = request.args.get("embed") == "1"
    html = render_template(
        "outcomes/deck.html",
        **template_context(
            frozen_summary,
            snapshot=frozen,
            quotes=quotes,
            findings=findings,
            findings_slides=deck_content.findings_slides(
                frozen_summary, frozen, findings, threshold()
            ),
            finding_bases=deck_content.finding_bases,
            quote_slides=deck_content.quote_slides(frozen_summary, frozen, quotes),
            quotes_foot=deck_content.quotes_foot(frozen),
            languages_sentence=deck_content.languages_sentence(frozen_summary),
            public_view=False,
            closing=closing,
            closing_points=deck_content.closing_points(closing),
            methodology=deck_content.methodology(frozen_summary, frozen, threshold()),
            notes=deck_content.speaker_notes(
                frozen_summary,
                frozen,
                findings,
                quotes,
                closing,
                threshold(),
                coverage_note(frozen_summary.get("filters")),
            ),
            embedded=embedded,
            caution=deck_guard.deck_caution(frozen),
        ),
    )
    if not embedded:
        return html
    # The presenter view shows the deck in frames of its own page: same origin only.
    response = make_response(html)
    response.headers["Content-Security-Policy"] = EMBEDDABLE_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
