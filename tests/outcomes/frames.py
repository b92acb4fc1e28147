"""Small hand-made data for pure summary tests: definitions from the real partners
questionnaire (optionally changed into another version) and response and answer frames."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import yaml

from consult.questionnaires.definition import Questionnaire
from consult.questionnaires.parsing import parse_definition

PARTNERS = Path(__file__).resolve().parents[2] / "questionnaires" / "partners.yaml"


def partners_raw() -> dict:
    """The partners questionnaire as data."""
    return yaml.safe_load(PARTNERS.read_text("utf-8"))


def definition(raw: dict) -> Questionnaire:
    """Validate a (changed) definition."""
    return parse_definition(copy.deepcopy(raw), "test")


def add_option(raw: dict, question_key: str, key: str, label: str) -> dict:
    """Return a copy of ``raw`` with an option added to a question."""
    changed = copy.deepcopy(raw)
    for section in changed["sections"]:
        for question in section["questions"]:
            if question["key"] == question_key:
                question["options"].append(
                    {"key": key, "label": {"en": label, "fr": label, "es": label}}
                )
    return changed


def frames(
    respondents: list[tuple[int, dict[str, dict[str, str]]]], questionnaire: str = "partners"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build (responses, answers) from (version id, question -> part -> value) per respondent."""
    start = datetime(2022, 1, 10, 9, 0, tzinfo=UTC)
    rows, answers = [], []
    for number, (version_id, given) in enumerate(respondents, start=1):
        moment = start + timedelta(hours=number)
        rows.append(
            {
                "response_id": number,
                "questionnaire": questionnaire,
                "version": version_id,
                "version_id": version_id,
                "language": "en",
                "started_at": moment - timedelta(minutes=20),
                "submitted_at": moment,
                "country": "FR",
                "region": "europe",
                "respondent_type": "civil_society",
                "invitation_id": None,
                "is_demo": False,
                "status": "submitted",
            }
        )
        for question, parts in given.items():
            for part, value in parts.items():
                answers.append(
                    {
                        "response_id": number,
                        "question_key": question,
                        "part_key": part,
                        "value": value,
                    }
                )
    responses = pd.DataFrame(rows)
    for column in ("started_at", "submitted_at"):
        responses[column] = pd.to_datetime(responses[column], utc=True)
    return responses, pd.DataFrame(
        answers, columns=["response_id", "question_key", "part_key", "value"]
    )


def partners_summary(responses: pd.DataFrame, answers: pd.DataFrame) -> dict:
    """The staff summary of partners responses (version 1 of the real questionnaire)."""
    from consult.geography import REGION_KEYS
    from consult.outcomes.summary import summarise

    partners = definition({**partners_raw(), "version": 1})
    return summarise(
        responses,
        answers,
        current={"partners": partners},
        definitions={1: partners},
        region_labels={k: {"en": k} for k in REGION_KEYS},
    )


def catalog_app():
    """A bare Flask app with the outcomes' gettext catalogs: sentences and charts in three
    languages, no database."""
    from flask import Flask
    from flask_babel import Babel

    from consult import outcomes

    bare = Flask(__name__)
    Babel(
        bare, default_translation_directories=str(Path(outcomes.__file__).parent / "translations")
    )
    return bare
