"""Labels of the campaign's fixed vocabularies in en/fr/es: levels, population bands, regions,
progress statuses.

Levels and population bands are the local-governments questionnaire's own options (the
institution_type and population_band questions), so that a pledge pre-filled from a response
speaks the same words; regions are the questionnaires' UCLG regions (questionnaires/regions.yaml).
"""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from consult.campaign.models import LEVELS, POPULATION_BANDS
from consult.geography import REGION_KEYS, region_labels

#: The questionnaire the campaign shares its vocabulary (and its link) with.
QUESTIONNAIRE_KEY = "local-governments"
LEVEL_QUESTION = "institution_type"
BAND_QUESTION = "population_band"

#: What the progress statuses say (shown to institutions, staff and the public).
PROGRESS_LABELS = {
    "not_started": _l("Not started yet"),
    "in_progress": _l("In progress"),
    "achieved": _l("Achieved"),
    "on_hold": _l("On hold"),
}


def _question_labels(question_key: str, keys: tuple[str, ...], language: str) -> dict[str, str]:
    from consult.questionnaires.registry import get_questionnaire

    questionnaire = get_questionnaire(QUESTIONNAIRE_KEY)
    found: dict[str, str] = {}
    if questionnaire is not None:
        for option in questionnaire.question(question_key).options:
            found[option.key] = option.label.get(language) or option.label.get("en", option.key)
    return {key: found.get(key, key.replace("_", " ")) for key in keys}


def level_labels(language: str) -> dict[str, str]:
    """Return level key -> label in ``language``, in the questionnaire's order."""
    return _question_labels(LEVEL_QUESTION, LEVELS, language)


def band_labels(language: str) -> dict[str, str]:
    """Return population band key -> label in ``language``, smallest first."""
    return _question_labels(BAND_QUESTION, POPULATION_BANDS, language)


def region_names(language: str) -> dict[str, str]:
    """Return UCLG region key -> label in ``language``."""
    labels = region_labels(current_app.config["QUESTIONNAIRES_PATH"])
    return {key: labels[key].get(language) or labels[key].get("en", key) for key in REGION_KEYS}


def progress_labels() -> dict[str, str]:
    """Return progress status key -> label in the request's language."""
    return {key: str(label) for key, label in PROGRESS_LABELS.items()}
