"""Staff forms: each carries a CSRF token (Flask-WTF), validated on the server."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from consult.core.inputs import Form


def choices(pairs) -> list[SelectChoice]:
    """Turn (value, label) pairs into select options."""
    return [SelectChoice(value, label) for value, label in pairs]


ROLE_CHOICES = [
    ("analyst", _l("Analyst: outcomes and exports without personal data")),
    ("moderator", _l("Moderator: open contributions")),
    ("admin", _l("Admin: everything, including accounts and personal data")),
]


class LoginForm(Form):
    """Log in with e-mail and password."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])
    next = HiddenField()


class PasswordChangeForm(Form):
    """Change one's own password."""

    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=1000)]
    )
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1000)])
    confirm_password = PasswordField(
        _l("New password, again"),
        validators=[
            DataRequired(),
            EqualTo("new_password", message=_l("The two new passwords differ.")),
        ],
    )
    #: Where to go once the password is changed (a page on this site).
    next = HiddenField()


class UserCreateForm(Form):
    """Create a staff account (admins only)."""

    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Length(max=254)],
    )
    role = SelectField(_l("Role"), choices=choices(ROLE_CHOICES), validators=[DataRequired()])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(max=1000)])


class RoleForm(Form):
    """Change an account's role."""

    role = SelectField(_l("Role"), choices=choices(ROLE_CHOICES), validators=[DataRequired()])


class ActionForm(Form):
    """A form whose only content is its CSRF token and a button (enable, reset, ...)."""

    submit = SubmitField()


class InvitationImportForm(Form):
    """Upload a CSV file of local governments to invite."""

    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])


class RegionForm(Form):
    """Set the UCLG region of a country."""

    country = SelectField(_l("Country"), validators=[DataRequired()])
    region = SelectField(_l("UCLG region"), validators=[DataRequired()])


class ExportForm(Form):
    """Ask for an export of the responses."""

    format = SelectField(
        _l("Format"),
        choices=choices(
            [
                ("xlsx", _l("Excel workbook (XLSX), codebook on a second sheet")),
                ("csv", _l("CSV (UTF-8), codebook in a second file")),
                ("json", _l("JSON, codebook included")),
                ("sav", _l("SPSS (.sav) with variable and value labels, for SPSS and R")),
                ("dta", _l("Stata (.dta) with variable and value labels, for Stata and R")),
            ]
        ),
    )
    questionnaire = SelectField(_l("Questionnaire"), validators=[Optional()])
    long = BooleanField(_l("Long form: one row per answered value"))
    with_personal_data = BooleanField(
        _l("Include the contact details respondents gave (personal data; admins only)")
    )

    def validate_long(self, field: BooleanField) -> None:
        """SPSS and Stata files hold the wide form only."""
        if field.data and self.format.data in ("sav", "dta"):
            raise ValidationError(
                _l("SPSS and Stata files hold one row per response: untick the long form.")
            )


class ContributionsExportForm(Form):
    """Ask for an export of the published open contributions."""

    format = SelectField(
        _l("Format"),
        choices=choices(
            [
                ("xlsx", _l("Excel workbook (XLSX), codebook on a second sheet")),
                ("csv", _l("CSV (UTF-8), codebook in a second file")),
                ("json", _l("JSON, codebook included")),
            ]
        ),
    )
    with_personal_data = BooleanField(
        _l(
            "Include the name and e-mail of contributors who consented to keeping them "
            "(personal data; admins only)"
        )
    )


class AuditFilterForm(Form):
    """Filter the audit log (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    action = SelectField(_l("Action"), validators=[Optional()])
