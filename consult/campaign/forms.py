"""The campaign's forms: the pledge (join and update), the progress report, and staff's forms.

Every value is checked here with a message next to its field; choices that depend on the
language or on staff's list are filled by ``prepare_pledge_form``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from consult.campaign.models import (
    NAME_MAX,
    OPTION_LABEL_MAX,
    OWN_COMMITMENT_MAX,
    PROGRESS_TEXT_MAX,
    REASON_MAX,
)
from consult.core.inputs import Form
from consult.db import utcnow
from consult.geography import REGION_KEYS, country_codes

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
#: The longest e-mail address (RFC 5321's path limit), telephone number and option key.
EMAIL_MAX = 254
PHONE_MAX = 40
OPTION_KEY_MAX = 64
PHONE_PATTERN = rf"^\+?[0-9 ().\-/]{{6,{PHONE_MAX}}}$"


def _required(message) -> DataRequired:
    return DataRequired(message)


class PledgeForm(Form):
    """Join the campaign on behalf of an institution, or update its pledge."""

    institution_name = StringField(
        _l("Name of the local or regional government (or association)"),
        validators=[
            _required(_l("Write the name of your institution.")),
            Length(max=NAME_MAX, message=_l("Write at most %(max)d characters.")),
        ],
    )
    level = RadioField(
        _l("Type of institution"),
        validate_choice=False,
        validators=[InputRequired(_l("Choose the type of your institution."))],
    )
    country = SelectField(
        _l("Country"),
        validate_choice=False,
        validators=[_required(_l("Choose the country of your institution."))],
    )
    region = SelectField(_l("UCLG region"), validate_choice=False)
    population_band = SelectField(
        _l("Population of the territory (optional)"), validate_choice=False
    )
    commitments = SelectMultipleField(
        _l("The commitments your institution takes"), validate_choice=False
    )
    own_commitment = TextAreaField(
        _l("A commitment in your own words (optional)"),
        validators=[
            Optional(),
            Length(
                max=OWN_COMMITMENT_MAX,
                message=_l("Write at most %(max)d characters, or shorten your text."),
            ),
        ],
    )
    signatory_name = StringField(
        _l("Name of the person who signs the letter"),
        validators=[
            _required(_l("Write the name of the person who signs the letter.")),
            Length(max=NAME_MAX, message=_l("Write at most %(max)d characters.")),
        ],
    )
    signatory_office = StringField(
        _l("Their office"),
        validators=[
            _required(_l("Write the office of the person who signs, for example Mayor.")),
            Length(max=NAME_MAX, message=_l("Write at most %(max)d characters.")),
        ],
    )
    contact_name = StringField(
        _l("Contact person"),
        validators=[
            _required(_l("Write the name of a person we can contact.")),
            Length(max=NAME_MAX, message=_l("Write at most %(max)d characters.")),
        ],
    )
    contact_email = EmailField(
        _l("Contact e-mail"),
        validators=[
            _required(_l("Write an e-mail address we can write to.")),
            Length(max=EMAIL_MAX, message=_l("Write at most %(max)d characters.")),
            Regexp(EMAIL_PATTERN, message=_l("Enter an e-mail address such as name@example.org.")),
        ],
    )
    contact_phone = StringField(
        _l("Contact telephone (optional)"),
        validators=[
            Optional(),
            Length(max=PHONE_MAX, message=_l("Write at most %(max)d characters.")),
            Regexp(
                PHONE_PATTERN,
                message=_l("Enter a telephone number with digits, such as +34 93 402 70 00."),
            ),
        ],
    )
    letter = FileField(_l("Letter of commitment (PDF)"))
    authorised = BooleanField(
        _l(
            "I am authorised to send this pledge on behalf of the institution, and I agree that "
            "UCLG CISDP keeps the contact details above to follow it up."
        )
    )
    #: The personal-link token the pledge will have (a double submission makes one pledge).
    pledge_token = HiddenField()
    #: The questionnaire response the form was filled from, if any: its resume token, the
    #: proof that whoever sends the form holds the response (prefill.proven_response_id).
    response_token = HiddenField()
    #: The pledge's revision the page was shown at (updates only).
    revision = HiddenField()

    def validate_country(self, field: SelectField) -> None:
        """Only a country CLDR names."""
        if field.data and field.data not in country_codes():
            raise ValidationError(_l("Choose one of the countries offered."))

    def validate_region(self, field: SelectField) -> None:
        """Only a UCLG region (empty: it follows from the country)."""
        if field.data and field.data not in REGION_KEYS:
            raise ValidationError(_l("Choose one of the regions offered."))

    def validate_authorised(self, field: BooleanField) -> None:
        """A pledge is sent only by someone who may speak for the institution."""
        if not field.data:
            raise ValidationError(_l("Tick this box to confirm that you may send this pledge."))


def check_choices(form: PledgeForm, levels, bands, option_keys) -> bool:
    """Refuse a level, band or commitment no list offers, and a pledge without any commitment."""
    valid = True
    if form.level.data and form.level.data not in levels:
        form.level.errors = [*form.level.errors, _l("Choose one of the types offered.")]
        valid = False
    if form.population_band.data and form.population_band.data not in bands:
        form.population_band.errors = [
            *form.population_band.errors,
            _l("Choose one of the population bands offered."),
        ]
        valid = False
    chosen = form.commitments.data or []
    if any(key not in option_keys for key in chosen):
        form.commitments.errors = [
            *form.commitments.errors,
            _l("Choose among the commitments offered."),
        ]
        valid = False
    elif not chosen and not (form.own_commitment.data or "").strip():
        form.commitments.errors = [
            *form.commitments.errors,
            _l("Choose at least one commitment, or write one in your own words."),
        ]
        valid = False
    return valid


def progress_fields(form_data, keys: list[str], statuses: tuple[str, ...]):
    """Read and check a progress report: (entries key -> (status, text), errors key -> msg)."""
    entries: dict[str, tuple[str, str]] = {}
    errors: dict[str, str] = {}
    for key in keys:
        status = form_data.get(f"status-{key}", "")
        text = form_data.get(f"text-{key}", "")
        if status not in statuses:
            errors[key] = str(_l("Say where this commitment stands."))
        elif len(text) > PROGRESS_TEXT_MAX:
            errors[key] = str(
                _l(
                    "Write at most %(max)d characters; this text has %(length)d.",
                    max=PROGRESS_TEXT_MAX,
                    length=len(text),
                )
            )
        entries[key] = (status, text)
    return entries, errors


class DecisionForm(Form):
    """Staff's decision on a submitted pledge."""

    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice(
                "verify", _l("Verify: the institution joins the campaign and is shown publicly")
            ),
            SelectChoice("ask_more", _l("Ask the institution for more")),
            SelectChoice("reject", _l("Reject")),
        ],
        validators=[InputRequired(_l("Choose a decision."))],
    )
    reason = TextAreaField(
        _l("Reason, shown to the institution (required to ask for more or reject)"),
        validators=[Length(max=REASON_MAX)],
    )
    joined_on = DateField(_l("Joined on (verification)"), validators=[Optional()])
    not_a_duplicate = BooleanField(
        _l("I checked: this is not the same institution as the one already verified")
    )
    revision = HiddenField()

    def validate_reason(self, field: TextAreaField) -> None:
        """The institution is told why."""
        if self.decision.data in ("ask_more", "reject") and not (field.data or "").strip():
            raise ValidationError(_l("Write the reason: the institution will read it."))

    def validate_joined_on(self, field: DateField) -> None:
        """A day that has come (the page's date picker stops at today, in UTC as here)."""
        if field.data and field.data > utcnow().date():
            raise ValidationError(_l("Choose today or an earlier day."))


class PioneerForm(Form):
    """Mark a verified institution as one of the pioneers, or not."""

    is_pioneer = BooleanField(_l("One of the pioneer cities and territories"))


class OptionForm(Form):
    """A commitment option in three languages."""

    key = StringField(
        _l("Key (letters, digits and underscores; never changes)"),
        validators=[
            Optional(),
            Length(max=OPTION_KEY_MAX),
            Regexp(
                rf"^[a-z][a-z0-9_]{{1,{OPTION_KEY_MAX - 1}}}$",
                message=_l("Use 2 to 64 lower-case letters, digits or _."),
            ),
        ],
    )
    label_en = StringField(_l("English"), validators=[DataRequired(), Length(max=OPTION_LABEL_MAX)])
    label_fr = StringField(_l("French"), validators=[DataRequired(), Length(max=OPTION_LABEL_MAX)])
    label_es = StringField(_l("Spanish"), validators=[DataRequired(), Length(max=OPTION_LABEL_MAX)])
    position = IntegerField(
        _l("Order"), default=0, validators=[InputRequired(), NumberRange(min=0, max=10_000)]
    )
    is_active = BooleanField(_l("Offered in the join form"), default=True)
