"""The forms of open contributions: contribute, reply, report; and the moderators' forms."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from consult.contributions.labels import (
    KIND_LABELS,
    MODERATION_REASON_LABELS,
    ORGANISATION_TYPE_LABELS,
    REPORT_REASON_LABELS,
)
from consult.contributions.models import KINDS, ORGANISATION_TYPES
from consult.contributions.operations import MODERATION_REASONS, REPORT_COMMENT_MAX
from consult.contributions.reactions import REPORT_REASONS
from consult.core.inputs import Form


class TextLimit:
    """Refuse a text longer than the configured limit, saying how long it is and by how much."""

    def __init__(self, config_key: str) -> None:
        self.config_key = config_key

    def __call__(self, form: Form, field: TextAreaField) -> None:
        limit = current_app.config[self.config_key]
        length = len(field.data or "")
        if length > limit:
            raise ValidationError(
                lazy_ngettext(
                    "Your text is %(length)s characters long; the limit is %(limit)s. "
                    "Please shorten it by %(num)d character.",
                    "Your text is %(length)s characters long; the limit is %(limit)s. "
                    "Please shorten it by %(num)d characters.",
                    length - limit,
                    length=length,
                    limit=limit,
                )
            )


class NotBlank:
    """Refuse a text made only of spaces."""

    def __call__(self, form: Form, field: TextAreaField) -> None:
        if not (field.data or "").strip():
            raise ValidationError(_l("Please write your contribution."))


class ContributionForm(Form):
    """Contribute on the Charter, an article or one part of an article; no account needed."""

    kind = RadioField(
        _l("What kind of contribution is it?"),
        choices=[SelectChoice(k, KIND_LABELS[k]) for k in KINDS],
        validators=[InputRequired(_l("Choose the kind of contribution."))],
    )
    article = SelectField(_l("Which article does it concern?"), validate_choice=False)
    part = SelectField(_l("Which part of the article?"), validate_choice=False)
    text = TextAreaField(
        _l("Your contribution"),
        validators=[NotBlank(), TextLimit("CONTRIBUTION_MAX_LENGTH")],
    )
    language = SelectField(_l("Language of your text"), validate_choice=False)
    organisation_type = RadioField(
        _l("You contribute as"),
        choices=[SelectChoice(k, ORGANISATION_TYPE_LABELS[k]) for k in ORGANISATION_TYPES],
        validators=[InputRequired(_l("Say on whose behalf you contribute."))],
    )
    organisation_name = StringField(
        _l("Name of your organisation or institution (optional)"),
        validators=[Optional(), Length(max=200)],
    )
    country = SelectField(_l("Country (optional)"), validate_choice=False)
    region = SelectField(_l("Region (optional)"), validate_choice=False)
    name = StringField(_l("Your name (optional)"), validators=[Optional(), Length(max=200)])
    email = EmailField(
        _l("Your e-mail (optional)"),
        validators=[
            Optional(),
            Length(max=254),
            Regexp(
                r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                message=_l("Enter an e-mail address such as name@example.org."),
            ),
        ],
    )
    consent = BooleanField(
        _l(
            "I agree that UCLG CISDP keeps my name and e-mail to contact me about this "
            "contribution, as described above."
        )
    )
    show_name = BooleanField(_l("Show my name publicly with my contribution"))
    #: Honeypot: hidden from people by CSS, filled by bots that fill every field.
    website = StringField(_l("Leave this field empty"))
    #: Signed time at which the form was shown, for the minimum fill time.
    started = HiddenField()

    def validate_part(self, field: SelectField) -> None:
        """A part only makes sense with an article."""
        if field.data and not self.article.data:
            raise ValidationError(_l("Choose the article first, or leave the part empty."))

    def validate_consent(self, field: BooleanField) -> None:
        """Personal data is kept only with consent."""
        if (self.name.data or self.email.data) and not field.data:
            raise ValidationError(
                _l("To leave your name or e-mail, tick this box; or leave both empty.")
            )

    def validate_show_name(self, field: BooleanField) -> None:
        """A name can be shown only if there is one."""
        if field.data and not (self.name.data or "").strip():
            raise ValidationError(_l("Write your name above, or untick this box."))


class ReplyForm(Form):
    """Reply to a published contribution."""

    text = TextAreaField(
        _l("Your reply"),
        validators=[
            DataRequired(_l("Please write your reply.")),
            TextLimit("CONTRIBUTION_REPLY_MAX_LENGTH"),
        ],
    )
    language = SelectField(_l("Language of your reply"), validate_choice=False)
    signature = StringField(
        _l("Sign as (optional, shown publicly)"), validators=[Optional(), Length(max=200)]
    )
    organisation_type = SelectField(
        _l("You reply as (optional)"),
        choices=[SelectChoice("", "—")]
        + [SelectChoice(k, ORGANISATION_TYPE_LABELS[k]) for k in ORGANISATION_TYPES],
        validators=[Optional()],
    )
    website = StringField(_l("Leave this field empty"))


class ReportForm(Form):
    """Report a published contribution to the moderators."""

    reason = RadioField(
        _l("Why should moderators look at it?"),
        choices=[SelectChoice(k, REPORT_REASON_LABELS[k]) for k in REPORT_REASONS],
        validators=[InputRequired(_l("Choose a reason."))],
    )
    comment = TextAreaField(
        _l("Anything moderators should know (optional)"),
        validators=[Optional(), Length(max=REPORT_COMMENT_MAX)],
    )


class OfficialResponseForm(Form):
    """CISDP's official response to a contribution."""

    text = TextAreaField(
        _l("Official response"),
        validators=[DataRequired(), TextLimit("CONTRIBUTION_MAX_LENGTH")],
    )
    language = SelectField(_l("Language"), validate_choice=False)


def set_options(field, options: list[tuple[str, str]]) -> None:
    """Give a select box its options (templates read ``options``, checks ``option_keys``)."""
    field.choices = [SelectChoice(key, label) for key, label in options]
    field.options = options
    field.option_keys = frozenset(key for key, _label in options)


def moderation_reason_choices() -> list[tuple[str, str]]:
    """The reasons a moderator may give, for select boxes."""
    return [("", "—")] + [(k, MODERATION_REASON_LABELS[k]) for k in MODERATION_REASONS]
