"""The pledge form, as the join form, the pledge's update and staff's paper entry share it: its
choices, its statuses' words, its values read for operations, the letter sent with it, and the
questionnaire response it links.
"""

from __future__ import annotations

from flask import (
    current_app,
    request,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from consult import geography
from consult.campaign import letters, operations
from consult.campaign.forms import PledgeForm
from consult.campaign.models import (
    DRAFT,
    NEEDS_MORE,
    REJECTED,
    SUBMITTED,
    VERIFIED,
    CommitmentLetter,
    Pledge,
)
from consult.campaign.vocabulary import band_labels, level_labels, region_names
from consult.contributions.forms import set_options
from consult.db import db
from consult.i18n import current_language

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
    "authorised",
)


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
