"""A key as a person reads it.

Regions, types of respondent and of organisation, questionnaires, questions, options, matrix
rows, languages, breakdowns and staff roles are stored as keys (``latin_america``,
``region_province``, ``local_charter_name``, ``analyst``). Keys stay in exports, codebooks and
URLs; a page a person reads prints their label in the page's language, and this is the one place
that gives it: every template has ``key_label`` (``key_label.region("asia_pacific")`` -> "Asie-
Pacifique"). A value that is no key (text a respondent typed, a key an older version dropped) is
returned as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from babel import Locale, UnknownLocaleError
from flask import current_app
from flask_babel import lazy_gettext as _l

from consult.core.vocabulary import ORGANISATION_TYPE_NAMES, OTHER_LABEL, YES_NO_LABELS
from consult.geography import country_name, region_labels
from consult.i18n import current_language, translate_text
from consult.questionnaires.registry import current_questionnaires

#: Staff roles (consult.staff.access.ROLES) in words.
ROLE_LABELS = {
    "admin": _l("administrator"),
    "analyst": _l("analyst"),
    "moderator": _l("moderator"),
}
#: A contributor's organisation type in words.
ORGANISATION_TYPE_LABELS = {key: _l(name) for key, name in ORGANISATION_TYPE_NAMES.items()}
#: The breakdowns a figure's responses can be listed by (besides a question's own answers).
BREAKDOWN_LABELS = {
    "region": _l("Region"),
    "country": _l("Country"),
    "respondent_type": _l("Type of respondent"),
    "language": _l("Language"),
}


def _text(value: Any, fallback: str) -> str:
    if isinstance(value, Mapping):
        return translate_text(value) or fallback
    return str(value) if value else fallback


class KeyLabels:
    """Labels of keys in the current request's language (see the module's docstring)."""

    def _questionnaire(self, key: str | None):
        return current_questionnaires().get(key) if key else None

    def _question(self, questionnaire: str | None, question: str | None):
        definition = self._questionnaire(questionnaire)
        if definition is None or not question:
            return None
        try:
            return definition.question(question)
        except KeyError:
            return None

    def region(self, key: str | None) -> str:
        """A UCLG region ("latin_america" -> "Latin America")."""
        if not key:
            return ""
        labels = region_labels(current_app.config["QUESTIONNAIRES_PATH"])
        return _text(labels.get(key), key)

    def respondent_type(self, key: str | None, questionnaire: str | None = None) -> str:
        """A type of respondent, from the questionnaire's own options (any questionnaire's when
        none is given), or a contributor's organisation type."""
        if not key:
            return ""
        keys = [questionnaire] if questionnaire else list(current_questionnaires())
        for questionnaire_key in keys:
            definition = self._questionnaire(questionnaire_key)
            field = definition.profile_fields.get("respondent_type") if definition else None
            if field:
                label = self.option(questionnaire_key, field, key, fallback="")
                if label:
                    return label
        if key in ORGANISATION_TYPE_LABELS:
            return str(ORGANISATION_TYPE_LABELS[key])
        return key

    def organisation_type(self, key: str | None) -> str:
        """A contributor's organisation type."""
        if not key:
            return ""
        return str(ORGANISATION_TYPE_LABELS.get(key, key))

    def questionnaire(self, key: str | None) -> str:
        """A questionnaire's title."""
        definition = self._questionnaire(key)
        return _text(definition.title, key or "") if definition else (key or "")

    def question(self, questionnaire: str | None, key: str | None) -> str:
        """A question's wording."""
        question = self._question(questionnaire, key)
        return _text(question.label, key or "") if question else (key or "")

    def option(
        self,
        questionnaire: str | None,
        question: str | None,
        value: str | None,
        fallback: str | None = None,
    ) -> str:
        """An option of a question (a choice, a matrix's scale point), or ``value`` as typed."""
        if not value:
            return ""
        if question in ("region",) and not self._question(questionnaire, question):
            return self.region(value)
        found = self._question(questionnaire, question)
        if found is not None:
            for option in (*found.options, *found.scale):
                if option.key == value:
                    return _text(option.label, value)
            if found.type == "region":
                return self.region(value)
            if value in YES_NO_LABELS:  # yes/no questions and a matrix's "don't know"
                return _text(YES_NO_LABELS[value], value)
            if value == "other" and found.other:
                return _text(OTHER_LABEL, value)
        return value if fallback is None else fallback

    def part(self, questionnaire: str | None, question: str | None, key: str | None) -> str:
        """A part of a question: a matrix's row, or an option ranked or ticked."""
        if not key:
            return ""
        found = self._question(questionnaire, question)
        if found is not None:
            for row in (*found.rows, *found.options):
                if row.key == key:
                    return _text(row.label, key)
        return key

    def language(self, key: str | None) -> str:
        """A language by its code ("fr" -> "français" on a French page)."""
        if not key:
            return ""
        try:
            return Locale.parse(key.replace("-", "_")).get_display_name(current_language()) or key
        except (ValueError, UnknownLocaleError):
            return key

    def breakdown(self, key: str | None, questionnaire: str | None = None) -> str:
        """What responses are listed by: a participation breakdown or a question."""
        if not key:
            return ""
        if key in BREAKDOWN_LABELS:
            return str(BREAKDOWN_LABELS[key])
        return self.question(questionnaire, key)

    def breakdown_value(self, breakdown: str | None, value: str | None) -> str:
        """A value of a participation breakdown (a region, a type, a language, a country)."""
        if not value:
            return ""
        if breakdown == "region":
            return self.region(value)
        if breakdown == "respondent_type":
            return self.respondent_type(value)
        if breakdown == "language":
            return self.language(value)
        if breakdown == "country":
            return country_name(value, current_language()) or value
        return value

    def role(self, key: str | None) -> str:
        """A staff role ("analyst" -> "analyste")."""
        if not key:
            return ""
        return str(ROLE_LABELS.get(key, key))


#: The one instance every template reads as ``key_label``.
key_label = KeyLabels()
