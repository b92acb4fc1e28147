"""The pledge's personal page, opened by its token only (no-store, never logged), like a
questionnaire response: its status, its update (a page shown before another change is refused
with both versions), its letter and its yearly progress report.
"""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from consult import geography
from consult.campaign import letters, operations, prefill, refusals
from consult.campaign.blueprint import bp, campaign_home_url, limit_pledge_posts, load_pledge
from consult.campaign.forms import PledgeForm, check_choices, progress_fields
from consult.campaign.models import (
    DRAFT,
    OWN_COMMITMENT_KEY,
    PROGRESS_STATUSES,
    PROGRESS_TEXT_MAX,
    REJECTED,
    VERIFIED,
    Pledge,
)
from consult.campaign.pledge_form import (
    EXPIRED_NOTICE,
    FIELD_ORDER,
    STATUS_LABELS,
    prepare_pledge_form,
    receive_letter,
    values_from,
)
from consult.campaign.vocabulary import band_labels, level_labels, progress_labels, region_names
from consult.core.acknowledgements import acknowledgement
from consult.core.errors import recovers_from_csrf
from consult.core.leaving import showing_again
from consult.core.links import absolute_url_for
from consult.db import db, utcnow
from consult.i18n import current_language


def _recover_edit():
    """An update whose CSRF token expired: shown again with everything typed but the file."""
    token = request.view_args.get("token", "")
    found = load_pledge(token)
    form = PledgeForm(meta={"csrf": False})
    prepare_pledge_form(form, found)
    return _render_edit(form, found, token, 400, notice=EXPIRED_NOTICE)


@bp.get("/campaign/pledge/<token>")
def pledge(token: str):
    """The institution's private page: status, staff's reason, commitments, letter, progress."""
    found = load_pledge(token)
    today = utcnow().date()
    return render_template(
        "campaign/pledge.html",
        pledge=found,
        token=token,
        just_sent=acknowledgement("sent") in ("1", "unmailed"),
        mailed=acknowledgement("sent") != "unmailed",
        status_labels=STATUS_LABELS,
        pledge_url=absolute_url_for("campaign.pledge", token=token),
        level_labels=level_labels(current_language()),
        band_labels=band_labels(current_language()),
        region_names=region_names(current_language()),
        progress_labels=progress_labels(),
        latest=operations.latest_reports(found),
        report_due=operations.is_report_due(found, today),
        this_year=today.year,
        own_key=OWN_COMMITMENT_KEY,
        campaign_url=campaign_home_url(),
        messages=get_flashed_messages(),
    )


def pledge_form_of(pledge: Pledge) -> PledgeForm:
    """The form filled with what a pledge holds (its update page, a join form continuing it)."""
    form = PledgeForm(formdata=None)
    for name in (
        "institution_name",
        "level",
        "country",
        "region",
        "population_band",
        "own_commitment",
        "signatory_name",
        "signatory_office",
        "contact_name",
        "contact_email",
        "contact_phone",
    ):
        getattr(form, name).data = getattr(pledge, name)
    form.commitments.data = [c.option.key for c in pledge.commitments]
    form.revision.data = str(pledge.revision)
    return form


def _render_edit(form: PledgeForm, pledge: Pledge, token: str, status: int = 200, **extra):
    held = letters.held_letter(db.session, operations.holding_hash(token))
    return (
        render_template(
            "campaign/edit.html",
            form=form,
            pledge=pledge,
            token=token,
            held_letter=held,
            field_order=FIELD_ORDER,
            locked=operations.identity_locked(pledge),
            max_letter_bytes=letters.max_bytes(),
            region_map=geography.region_map(current_app.config["QUESTIONNAIRES_PATH"]),
            status_labels=STATUS_LABELS,
            **extra,
        ),
        status,
    )


@bp.get("/campaign/pledge/<token>/edit")
def pledge_edit(token: str):
    """Complete or update the pledge (commitments, signatory, contact, letter)."""
    found = load_pledge(token)
    if found.status == REJECTED:
        return redirect(url_for(".pledge", token=token), 303)
    form = pledge_form_of(found)
    form.authorised.data = True
    prepare_pledge_form(form, found)
    return _render_edit(form, found, token)


def _same_letter(held, letter) -> bool:
    """Tell whether a letter sent again is the one the pledge has (a double click's copy)."""
    return letter is not None and (held.original_name, held.size_bytes) == (
        letter.original_name,
        letter.size_bytes,
    )


def _stale_changes(form: PledgeForm, pledge: Pledge) -> dict[str, str]:
    """Field name -> the value now saved, for each field where it differs from what was sent."""
    saved = pledge_form_of(pledge)
    changed = {}
    for name in FIELD_ORDER:
        if name in ("letter", "authorised"):
            continue
        now, sent = getattr(saved, name).data, getattr(form, name).data
        if name == "commitments":
            now, sent = sorted(now or []), sorted(sent or [])
        if (now or "") != (sent or ""):
            changed[name] = now
    return changed


@bp.post("/campaign/pledge/<token>/edit")
@limit_pledge_posts
@recovers_from_csrf(_recover_edit)
def pledge_edit_post(token: str):
    """Save the update; a page shown before another change is refused with both versions."""
    return _save(load_pledge(token), token)


#: The revision a pledge has when its join form made it: the same form sent again (a reply
#: lost, Back then Send) was drawn from that revision.
JOINED_REVISION = 1


def continue_from_join(found: Pledge, token: str):
    """The join form that made ``found`` sent again: the pledge continues with what was sent
    now (new values, the send, the letter); a mere repeat shows the pledge, and a pledge
    changed since (its link, staff) is refused with both versions, as the update page does."""
    return _save(found, token, joined=True)


def _save(found: Pledge, token: str, *, joined: bool = False):
    if found.status == REJECTED:
        return refusals.refuse_change(found, token, "rejected")
    form = PledgeForm()
    levels, bands, option_keys = prepare_pledge_form(form, found)
    locked = operations.identity_locked(found)
    if locked:
        # Who the institution is stays as verified: the page shows it, never sends it.
        for name in ("institution_name", "level", "country", "region"):
            getattr(form, name).data = getattr(found, name)
    holding = operations.holding_hash(token)
    if showing_again():
        # The language switcher (a button of this form): the page again, nothing saved.
        receive_letter(form, holding)
        db.commit()
        return _render_edit(form, found, token)
    # The join form's main button sends; the update page's saves unless told to send.
    submit = (
        (request.form.get("action") != "draft")
        if joined
        else (request.form.get("action") == "submit")
    )
    valid = form.validate()
    # After validate(), which resets every field's errors.
    held = receive_letter(form, holding)
    valid = check_choices(form, levels, bands, option_keys) and valid
    response_id = prefill.proven_response_id(form.response_token.data)
    if submit and held is None and found.letter is None and not form.letter.errors:
        form.letter.errors = [_("Attach the signed letter of commitment (PDF) before sending.")]
    if joined:
        shown = JOINED_REVISION
        repeat = not _stale_changes(form, found) and (not submit or found.status != DRAFT)
        if repeat and (held is None or _same_letter(held, found.letter)):
            # The same form sent twice as it was (a double click): one pledge, shown.
            db.commit()
            return redirect(url_for(".pledge", token=token), 303)
    else:
        try:
            shown = int(form.revision.data or "")
        except ValueError:
            shown = -1
    if shown != found.revision:
        changes = _stale_changes(form, found)
        form.revision.data = str(found.revision)
        db.commit()
        return _render_edit(form, found, token, 409, stale=True, saved_values=changes)
    if not valid or form.letter.errors:
        db.commit()
        return _render_edit(form, found, token, 422)
    try:
        operations.update_pledge(
            db.session,
            found,
            values_from(form, found.language, response_id),
            shown,
            submit=submit,
        )
    except operations.StalePledge:
        db.rollback()
        found = load_pledge(token)
        prepare_pledge_form(form, found)
        changes = _stale_changes(form, found)
        form.revision.data = str(found.revision)
        return _render_edit(form, found, token, 409, stale=True, saved_values=changes)
    letters.attach_held(db.session, found, holding)
    db.commit()
    flash(_("Sent for verification.") if submit else _("Your changes are saved."))
    return redirect(url_for(".pledge", token=token), 303)


@bp.get("/campaign/pledge/<token>/letter")
def pledge_letter(token: str):
    """Download the pledge's letter of commitment (its own link only; staff have theirs)."""
    found = load_pledge(token)
    letter = found.letter
    if letter is None:
        abort(404)
    return letters.send_letter(found, letter)


@bp.get("/campaign/pledge/<token>/letter/held")
def pledge_held_letter(token: str):
    """Download a letter sent with a form not saved yet (to check it before saving)."""
    if not operations.is_token(token):
        abort(404)
    letter = letters.held_letter(db.session, operations.holding_hash(token))
    if letter is None:
        abort(404)
    return letters.send_letter(None, letter)


def _render_progress(pledge: Pledge, token: str, year: int, entries, errors, status=200):
    return (
        render_template(
            "campaign/progress.html",
            pledge=pledge,
            token=token,
            year=year,
            entries=entries,
            errors=errors,
            keys=operations.commitment_keys(pledge),
            own_key=OWN_COMMITMENT_KEY,
            statuses=PROGRESS_STATUSES,
            progress_labels=progress_labels(),
            progress_text_max=PROGRESS_TEXT_MAX,
        ),
        status,
    )


@bp.get("/campaign/pledge/<token>/progress")
def pledge_progress(token: str):
    """This year's progress report on each commitment (verified institutions)."""
    found = load_pledge(token)
    if found.status != VERIFIED:
        return redirect(url_for(".pledge", token=token), 303)
    year = utcnow().year
    entries = {
        key: (report.status, report.text)
        for key, report in operations.reports_of_year(found, year).items()
    }
    return _render_progress(found, token, year, entries, {})


@bp.post("/campaign/pledge/<token>/progress")
@limit_pledge_posts
def pledge_progress_post(token: str):
    """Save this year's report (sending again within the year corrects it)."""
    found = load_pledge(token)
    if found.status != VERIFIED:
        return refusals.refuse_change(found, token, "not_verified")
    year = utcnow().year
    keys = operations.commitment_keys(found)
    entries, errors = progress_fields(request.form, keys, PROGRESS_STATUSES)
    if showing_again():
        # The language switcher (a button of this form): the report again, nothing saved.
        return _render_progress(found, token, year, entries, {})
    if errors:
        return _render_progress(found, token, year, entries, errors, 422)
    operations.record_progress(db.session, found, year, entries, found.language)
    db.commit()
    flash(_("Thank you: your progress report for %(year)s is saved.", year=year))
    return redirect(url_for(".pledge", token=token), 303)
