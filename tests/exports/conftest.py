"""Fixtures: an app holding submitted responses (every question type, tricky text) and a draft."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest
from flask import Flask

from consult.db import db, writing
from consult.questionnaires import operations
from consult.questionnaires.answers import Answers
from consult.questionnaires.registry import current_questionnaires
from tests.exports.synthetic import random_answers


@dataclass
class Stored:
    """What the fixture stored, to cross-check exports against."""

    submitted: dict[int, tuple[str, Answers]]
    draft_ids: list[int]
    contacts: dict[int, tuple[str, str, str]]


def store_responses(app: Flask, per_questionnaire: int = 12, seed: int = 7) -> Stored:
    """Submit responses to every questionnaire (and leave one draft each)."""
    rng = random.Random(seed)
    submitted: dict[int, tuple[str, Answers]] = {}
    drafts: list[int] = []
    contacts: dict[int, tuple[str, str, str]] = {}
    with app.app_context(), writing():
        for key, questionnaire in sorted(current_questionnaires().items()):
            for n in range(per_questionnaire + 1):
                answers = random_answers(questionnaire, rng)
                response = operations.start_response(
                    db.session,
                    questionnaire,
                    operations.new_resume_token(),
                    rng.choice(("en", "fr", "es")),
                )
                operations.save_answers(db.session, questionnaire, response, answers)
                if n == per_questionnaire:
                    drafts.append(response.id)
                    continue
                operations.submit_response(db.session, questionnaire, response, response.language)
                if n % 3 == 0:
                    contact = (f"Name {n} =cmd", f"person{n}@city.example", "Mayor's office")
                    operations.save_contact_details(
                        db.session,
                        response,
                        name=contact[0],
                        email=contact[1],
                        job_title=contact[2],
                        language="en",
                    )
                    contacts[response.id] = contact
                submitted[response.id] = (key, operations.stored_answers(db.session, response))
        db.commit()
    return Stored(submitted, drafts, contacts)


@pytest.fixture
def stored(app: Flask) -> Stored:
    """The app's database holds submitted responses to every questionnaire, and drafts."""
    return store_responses(app)
