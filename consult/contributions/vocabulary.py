"""The names of kinds and text languages, in three languages, Flask-free.

The English names are the msgids of the contributions catalog (marked with N_ for extraction):
the interface translates them lazily (consult/contributions/labels.py), and exports, which must
not import Flask, read the same compiled catalog for their codebook in en, fr and es.
Organisation types are named in consult/core/vocabulary.py: core labels them too.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path

from babel import Locale
from babel.support import Translations

#: The languages of every label (UCLG's working languages).
LABEL_LANGUAGES = ("en", "fr", "es")
CATALOG_FOLDER = Path(__file__).resolve().parent / "translations"

Label = Mapping[str, str]


def N_(text: str) -> str:
    """Mark ``text`` for extraction into the catalog; translated where it is shown."""
    return text


KIND_NAMES = {
    "comment": N_("Comment"),
    "wording": N_("Proposed wording"),
    "new_right": N_("Proposed new right"),
    "reflection": N_("General reflection"),
}
#: Languages a contribution can be written in: the three working languages first.
TEXT_LANGUAGES = ("en", "fr", "es", "ar", "pt", "zh", "ru", "de", "it", "ko", "ja", "tr")
OTHER_LANGUAGE = "other"
OTHER_LANGUAGE_NAME = N_("Another language")


@functools.cache
def _catalog(language: str) -> Translations:
    return Translations.load(str(CATALOG_FOLDER), [language])


def in_three_languages(name: str) -> dict[str, str]:
    """Return {en, fr, es} for an English name of the contributions catalog."""
    return {language: _catalog(language).gettext(name) for language in LABEL_LANGUAGES}


def labelled(names: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Return key -> {en, fr, es} for a mapping of keys to English names."""
    return {key: in_three_languages(name) for key, name in names.items()}


def text_language_labels() -> dict[str, dict[str, str]]:
    """Return language code -> its name in en, fr and es (CLDR), "other" included."""
    labels = {
        code: {
            language: Locale.parse(code).get_display_name(language) or code
            for language in LABEL_LANGUAGES
        }
        for code in TEXT_LANGUAGES
    }
    labels[OTHER_LANGUAGE] = in_three_languages(OTHER_LANGUAGE_NAME)
    return labels
