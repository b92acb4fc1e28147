"""The choices of the contribution pages' select boxes and filters, in the interface language:
languages, UCLG regions, the Charter's articles.
"""

from __future__ import annotations

from babel import Locale
from flask import current_app
from flask_babel import lazy_gettext as _l

from consult import geography
from consult.contributions import labels
from consult.contributions.registry import current_charter
from consult.contributions.vocabulary import OTHER_LANGUAGE_NAME
from consult.i18n import current_language


def language_name(code: str) -> str:
    """Name a language in the interface language ("Another language" for other)."""
    if code == labels.OTHER_LANGUAGE:
        return str(_l(OTHER_LANGUAGE_NAME))
    try:
        return Locale.parse(code).get_display_name(current_language()) or code
    except (ValueError, LookupError):
        return code


def language_choices() -> list[tuple[str, str]]:
    """The languages a contribution may be written in, named in the interface language."""
    return [(code, language_name(code)) for code in (*labels.TEXT_LANGUAGES, "other")]


def region_labels() -> dict[str, dict[str, str]]:
    """UCLG's regions, labelled in every language."""
    return geography.region_labels(current_app.config["QUESTIONNAIRES_PATH"])


def region_choices(empty: str) -> list[tuple[str, str]]:
    """UCLG's regions as choices, after ``empty`` (the choice of none)."""
    language = current_language()
    return [("", empty)] + [
        (key, label.get(language, key)) for key, label in region_labels().items()
    ]


def article_choices(empty: str) -> list[tuple[str, str]]:
    """The Charter's articles as choices, after ``empty`` (the choice of none)."""
    language = current_language()
    return [("", empty)] + [
        (a.key, f"{a.roman}. {a.title.get(language, a.title['en'])}")
        for a in current_charter().articles
    ]
