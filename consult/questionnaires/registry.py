"""The questionnaires an app serves: the current definitions from files, older ones from storage."""

from __future__ import annotations

import functools
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import select

from consult.db import db
from consult.questionnaires.definition import Questionnaire
from consult.questionnaires.models import QuestionnaireVersion, Response
from consult.questionnaires.parsing import definition_files, load_all, parse_definition

EXTENSION_KEY = "consult.questionnaires"


def load_into(app: Flask) -> None:
    """Validate and load the definitions; an invalid one stops the app with the reasons."""
    folder = Path(app.config["QUESTIONNAIRES_PATH"])
    app.extensions[EXTENSION_KEY] = load_all(definition_files(folder))


def current_questionnaires() -> dict[str, Questionnaire]:
    """Return the current definition of every questionnaire, by key."""
    return current_app.extensions[EXTENSION_KEY]


def get_questionnaire(key: str) -> Questionnaire | None:
    """Return the current definition of one questionnaire."""
    return current_questionnaires().get(key)


@functools.lru_cache(maxsize=64)
def _parsed(version_id: int, checksum: str, definition_json: str) -> Questionnaire:
    import json

    return parse_definition(json.loads(definition_json), f"stored version {version_id}")


def definition_of(response: Response) -> Questionnaire:
    """Return the definition of the version a response answered."""
    current = get_questionnaire(response.questionnaire_key)
    if current is not None and current.version == response.questionnaire_version:
        return current
    return stored_definition(response.version_id)


def stored_definition(version_id: int) -> Questionnaire:
    """Return a stored definition by its row id."""
    import json

    row = db.session.scalar(
        select(QuestionnaireVersion).where(QuestionnaireVersion.id == version_id)
    )
    if row is None:
        raise LookupError(f"no questionnaire version {version_id}")
    return _parsed(row.id, row.checksum, json.dumps(row.definition, sort_keys=True))
