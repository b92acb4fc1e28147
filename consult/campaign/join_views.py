"""Joining the campaign, without an account: the join form, the pledge's personal page, its
update, its letter and its yearly progress report.

The join form carries the token of the pledge it will make, so that sending it twice makes one
pledge. A letter accepted while other fields were refused waits for the pledge (letters.py), so
nothing typed or uploaded is lost; a letter refused keeps every other field. The personal page
is opened by its token only (no-store, never logged), like a questionnaire response.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from consult import geography
from consult.campaign import letters, notices, operations, prefill
from consult.campaign.forms import PledgeForm, check_choices, progress_fields
from consult.campaign.models import (
    DRAFT,
    NEEDS_MORE,
    OWN_COMMITMENT_KEY,
    PROGRESS_STATUSES,
    REJECTED,
    SUBMITTED,
    VERIFIED,
    CommitmentLetter,
    Pledge,
)
from consult.campaign.vocabulary import band_labels, level_labels, progress_labels, region_names
from consult.contributions.forms import set_options
from consult.core.errors import recovers_from_csrf
from consult.core.leaving import showing_again
from consult.core.links import absolute_url_for
from consult.db import db, utcnow
from consult.extensions import limiter
from consult.i18n import current_language, prefer_page_language
from consult.ratelimits.keys import personal_link
from consult.ratelimits.owned import limit_by_owner

bp = Blueprint("campaign", __name__)

STATUS_LABELS = {
    DRAFT: _l("Draft: not sent yet"),
    SUBMITTED: _l("Sent: CISDP is verifying it"),
    NEEDS_MORE: _l("CISDP asks you for more"),
    VERIFIED: _l("Verified: your institution has joined the campaign"),
    REJECTED: _l("Not accepted"),
}
EXPIRED_NOTICE = _l(
    "This page had been open too long to be sent safely. Everything you typed is below: "
    "check it, choose your letter again if you had chosen one, and send it again."
)
#: The pledge form's fields in the page's order (the error summary lists them so).
FIELD_ORDER = (
    "institution_name",
    "level",
    "country",
    "region",
    "population_band",
    "commitments",
    "own_commitment",
    "signatory_name",
    "signatory_office",
    "letter",
    "contact_name",
    "contact_email",
    "contact_phone",
    "receipt_number",
    "authorised",
)


def _post_limit() -> str:
    return current_app.config.get("CAMPAIGN_POST_RATE_LIMIT") or "30 per minute"


def _address_post_limit() -> str:
    return current_app.config.get("CAMPAIGN_ADDRESS_POST_RATE_LIMIT") or "300 per minute"


#: A pledge's own edits and reports count its personal link; the address is only a ceiling
#: (several cities editing their pledges on one venue's Wi-Fi, see consult/ratelimits/keys.py).
_limit_pledge_posts = limit_by_owner(_post_limit, _address_post_limit, personal_link)


@bp.url_value_preprocessor
def _open_in_the_pledge_language(endpoint: str | None, values: dict | None) -> None:
    """A personal link opens in its pledge's language unless the visitor chose another."""
    token = (values or {}).get("token")
    if token and endpoint and endpoint.startswith("campaign.pledge"):
        prefer_page_language(
            lambda: g.get("pledge_language") or operations.pledge_language(db.session, token)
        )


@bp.app_context_processor
def campaign_helpers():
    """Let the questionnaire's receipt page offer the join form (see _on_receipt.html)."""
    return {"campaign_join_offer": prefill.join_offer}


def campaign_home_url() -> str | None:
    """Return the public campaign page's address, if the app serves one."""
    for rule in current_app.url_map.iter_rules():
        if rule.rule == "/campaign" and "GET" in (rule.methods or ()):
            return url_for(rule.endpoint)
    return None


def _load(token: str) -> Pledge:
    pledge = operations.find_pledge(db.session, token)
    if pledge is None:
        abort(404)
    g.pledge_language = pledge.language
    return pledge


def prepare_pledge_form(form: PledgeForm, pledge: Pledge | None = None):
    """Fill the choices that depend on the language and on staff's list of commitments."""
    language = current_language()
    levels = level_labels(language)
    bands = band_labels(language)
    options = operations.active_options(db.session)
    # A pledge keeps a commitment staff no longer offer.
    if pledge is not None:
        offered = {o.id for o in options}
        options += [c.option for c in pledge.commitments if c.option_id not in offered]
    set_options(form.level, list(levels.items()))
    set_options(
        form.country,
        [("", _("Choose a country"))] + list(geography.country_names(language).items()),
    )
    set_options(form.region, [("", _("From the country"))] + list(region_names(language).items()))
    set_options(form.population_band, [("", _("Not given"))] + list(bands.items()))
    set_options(form.commitments, [(o.key, o.label(language)) for o in options])
    return levels, bands, {o.key for o in options}


def values_from(
    form: PledgeForm, language: str, response_id: int | None
) -> operations.PledgeValues:
    """Read a valid pledge form into the values operations take."""
    country = form.country.data
    region = form.region.data or geography.region_of(
        current_app.config["QUESTIONNAIRES_PATH"], country
    )
    return operations.PledgeValues(
        institution_name=form.institution_name.data,
        level=form.level.data,
        country=country,
        region=region or "europe",
        population_band=form.population_band.data or None,
        signatory_name=form.signatory_name.data,
        signatory_office=form.signatory_office.data,
        contact_name=form.contact_name.data,
        contact_email=form.contact_email.data,
        contact_phone=form.contact_phone.data or "",
        own_commitment=form.own_commitment.data or "",
        option_keys=list(form.commitments.data or []),
        language=language,
        response_id=response_id,
    )


def receive_letter(form: PledgeForm, holding: str) -> CommitmentLetter | None:
    """Check and keep the uploaded letter, if one was sent; a refusal goes next to the field.

    Returns the letter now waiting under ``holding`` (this one, or one sent with an earlier
    post of the same form), or None.
    """
    upload = request.files.get(form.letter.name)
    if upload is not None and upload.filename:
        try:
            checked = letters.check_upload(upload.stream)
        except letters.LetterRefused as refusal:
            form.letter.errors = [*form.letter.errors, refusal.message()]
        else:
            letters.store(db.session, checked, upload.filename, holding_hash=holding)
    return letters.held_letter(db.session, holding)


def _response_id(form: PledgeForm) -> int | None:
    """The questionnaire response the form links: from the receipt link, or a receipt number."""
    response = prefill.response_for_token(form.response_token.data)
    if response is None and form.receipt_number.data:
        response = prefill.response_for_receipt(form.receipt_number.data)
        if response is None:
            form.receipt_number.errors = [
                *form.receipt_number.errors,
                _("No submitted local-governments response has this receipt number."),
            ]
            return None
    return response.id if response is not None else None


def _render_join(form: PledgeForm, held: CommitmentLetter | None, status: int = 200, **extra):
    return (
        render_template(
            "campaign/join.html",
            form=form,
            held_letter=held,
            field_order=FIELD_ORDER,
            max_letter_bytes=letters.max_bytes(),
            region_map=geography.region_map(current_app.config["QUESTIONNAIRES_PATH"]),
            campaign_url=campaign_home_url(),
            **extra,
        ),
        status,
    )


@bp.get("/campaign/join")
def join():
    """The join form, empty."""
    form = PledgeForm(formdata=None)
    prepare_pledge_form(form)
    form.pledge_token.data = operations.new_token()
    return _render_join(form, None)


@bp.get("/campaign/join/from/<token>")
def join_from_response(token: str):
    """The join form filled with the institution's profile from its questionnaire response."""
    response = prefill.response_for_token(token)
    if response is None:
        abort(404)
    form = PledgeForm(formdata=None)
    prepare_pledge_form(form)
    prefill.fill_from_response(form, response)
    form.pledge_token.data = operations.new_token()
    form.response_token.data = token
    return _render_join(form, None, from_response=response)


def _recover_join():
    """A join form whose CSRF token expired: shown again with everything typed but the file."""
    form = PledgeForm(meta={"csrf": False})
    prepare_pledge_form(form)
    if not operations.is_token(form.pledge_token.data):
        form.pledge_token.data = operations.new_token()
    held = letters.held_letter(db.session, operations.holding_hash(form.pledge_token.data))
    return _render_join(form, held, 400, notice=EXPIRED_NOTICE)


def _recover_edit():
    """An update whose CSRF token expired: shown again with everything typed but the file."""
    token = request.view_args.get("token", "")
    found = _load(token)
    form = PledgeForm(meta={"csrf": False})
    prepare_pledge_form(form, found)
    return _render_edit(form, found, token, 400, notice=EXPIRED_NOTICE)


@bp.post("/campaign/join")
@limiter.limit(_post_limit)
@recovers_from_csrf(_recover_join)
def join_post():
    """Make the pledge (once per form), or show the form again with every value kept."""
    form = PledgeForm()
    levels, bands, option_keys = prepare_pledge_form(form)
    token = form.pledge_token.data or ""
    if not operations.is_token(token):
        # A form we never made: start again (nothing of a real form is lost this way).
        form.pledge_token.data = operations.new_token()
        return _render_join(form, None, 400, notice=_("Please fill in the form again."))
    existing = operations.find_pledge(db.session, token)
    if existing is not None:
        # The same form sent again (a second click, a reload): one pledge, shown.
        return redirect(url_for(".pledge", token=token), 303)
    if showing_again():
        # The language switcher (a button of this form): the same form, in that language,
        # nothing sent; a letter chosen meanwhile is checked and kept for the next send.
        receive_letter(form, operations.holding_hash(token))
        db.commit()
        return _render_join(form, letters.held_letter(db.session, operations.holding_hash(token)))
    submit = request.form.get("action") != "draft"
    valid = form.validate()
    # After validate(), which resets every field's errors.
    held = receive_letter(form, operations.holding_hash(token))
    valid = check_choices(form, levels, bands, option_keys) and valid
    response_id = _response_id(form)
    valid = not form.receipt_number.errors and valid
    if submit and held is None and not form.letter.errors:
        form.letter.errors = [
            _("Attach the signed letter of commitment (PDF), or save a draft and send it later.")
        ]
    if not valid or form.letter.errors:
        # Commit the accepted letter: the next post of this form finds it.
        db.commit()
        return _render_join(
            form, letters.held_letter(db.session, operations.holding_hash(token)), 422
        )
    pledge, created = operations.create_pledge(
        db.session, token, values_from(form, current_language(), response_id), submit=submit
    )
    if created:
        letters.attach_held(db.session, pledge, operations.holding_hash(token))
        notices.queue_pledge_received(db.session, pledge, token)
    db.commit()
    return redirect(url_for(".pledge", token=token, sent=1), 303)


@bp.get("/campaign/pledge/<token>")
def pledge(token: str):
    """The institution's private page: status, staff's reason, commitments, letter, progress."""
    found = _load(token)
    today = utcnow().date()
    return render_template(
        "campaign/pledge.html",
        pledge=found,
        token=token,
        just_sent=request.args.get("sent") == "1",
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


def _form_for(pledge: Pledge) -> PledgeForm:
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
    found = _load(token)
    if found.status == REJECTED:
        return redirect(url_for(".pledge", token=token), 303)
    form = _form_for(found)
    form.authorised.data = True
    prepare_pledge_form(form, found)
    return _render_edit(form, found, token)


def _stale_changes(form: PledgeForm, pledge: Pledge) -> dict[str, str]:
    """Field name -> the value now saved, for each field where it differs from what was sent."""
    saved = _form_for(pledge)
    changed = {}
    for name in FIELD_ORDER:
        if name in ("letter", "receipt_number", "authorised"):
            continue
        now, sent = getattr(saved, name).data, getattr(form, name).data
        if name == "commitments":
            now, sent = sorted(now or []), sorted(sent or [])
        if (now or "") != (sent or ""):
            changed[name] = now
    return changed


@bp.post("/campaign/pledge/<token>/edit")
@_limit_pledge_posts
@recovers_from_csrf(_recover_edit)
def pledge_edit_post(token: str):
    """Save the update; a page shown before another change is refused with both versions."""
    found = _load(token)
    if found.status == REJECTED:
        abort(409)
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
    submit = request.form.get("action") == "submit"
    valid = form.validate()
    # After validate(), which resets every field's errors.
    held = receive_letter(form, holding)
    valid = check_choices(form, levels, bands, option_keys) and valid
    response_id = _response_id(form)
    valid = not form.receipt_number.errors and valid
    if submit and held is None and found.letter is None and not form.letter.errors:
        form.letter.errors = [_("Attach the signed letter of commitment (PDF) before sending.")]
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
        found = _load(token)
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
    found = _load(token)
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
        ),
        status,
    )


@bp.get("/campaign/pledge/<token>/progress")
def pledge_progress(token: str):
    """This year's progress report on each commitment (verified institutions)."""
    found = _load(token)
    if found.status != VERIFIED:
        return redirect(url_for(".pledge", token=token), 303)
    year = utcnow().year
    entries = {
        key: (report.status, report.text)
        for key, report in operations.reports_of_year(found, year).items()
    }
    return _render_progress(found, token, year, entries, {})


@bp.post("/campaign/pledge/<token>/progress")
@_limit_pledge_posts
def pledge_progress_post(token: str):
    """Save this year's report (sending again within the year corrects it)."""
    found = _load(token)
    if found.status != VERIFIED:
        abort(409)
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
