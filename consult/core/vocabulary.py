"""The words every part of the platform labels shared keys with, in three languages, Flask-free.

Yes/no answers, a matrix's "don't know", the "other" option and a contributor's organisation
type are keys that core (consult.core.key_labels), the outcomes and the exports all print. They
live here, below the features, so that core never imports a feature to name them (see
tests/core/test_layers.py). The organisation types' English names are msgids of the core
catalog (consult/translations, marked with N_ for extraction): the interface translates them
lazily, and exports, which must not import Flask, read the same compiled catalog.
"""

from __future__ import annotations

import functools
from pathlib import Path

from babel.support import Translations

#: The languages of every label (UCLG's working languages).
LABEL_LANGUAGES = ("en", "fr", "es")
#: The catalog that holds the names below (consult/translations).
CATALOG_FOLDER = Path(__file__).resolve().parent.parent / "translations"

#: A yes/no question's answers, and a matrix's "don't know".
YES_NO_LABELS = {
    "yes": {"en": "Yes", "fr": "Oui", "es": "Sí"},
    "no": {"en": "No", "fr": "Non", "es": "No"},
    "dont_know": {"en": "Don't know", "fr": "Je ne sais pas", "es": "No lo sé"},
}
#: The "other" option of a choice question (its text typed by the respondent).
OTHER_LABEL = {"en": "Other", "fr": "Autre", "es": "Otro"}


def N_(text: str) -> str:
    """Mark ``text`` for extraction into the catalog; translated where it is shown."""
    return text


#: A contributor's organisation type (consult.contributions.models.ORGANISATION_TYPES).
ORGANISATION_TYPE_NAMES = {
    "civil_society": N_("Civil society organisation"),
    "academia": N_("Academia or research"),
    "un_international": N_("UN or international organisation"),
    "local_government": N_("Local or regional government"),
    "national_government": N_("National government"),
    "individual": N_("Individual (inhabitant)"),
    "other": N_("Other"),
}


@functools.cache
def _catalog(language: str) -> Translations:
    return Translations.load(str(CATALOG_FOLDER), [language])


def organisation_type_labels() -> dict[str, dict[str, str]]:
    """Return organisation type -> its name in en, fr and es (from the core catalog)."""
    return {
        key: {language: _catalog(language).gettext(name) for language in LABEL_LANGUAGES}
        for key, name in ORGANISATION_TYPE_NAMES.items()
    }
