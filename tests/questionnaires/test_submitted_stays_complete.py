"""A submitted response stays complete whatever is flipped (consult/questionnaires/completeness.py).

Generated from the definitions: for every trigger answer of both questionnaires whose flip asks
a required question (on its own page or another), a submitted response flips it, without
JavaScript and in the background save. Nothing is stored until the questions it makes apply are
answered; answered on the same page, they are saved together and the response is complete.

The shipped questionnaires make no conditional question required today, so the cases run on a
variant of each where every conditional question is required (plus any the files themselves
make required): the rule is checked on every trigger, not only on today's few.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from sqlalchemy import update

from consult.db import db
from consult.questionnaires.definition import Question, Questionnaire, is_shown
from consult.questionnaires.models import Response
from consult.questionnaires.parsing import definition_files, parse_definition
from tests.conftest import Respondent, answers_in_store, csrf_token
from tests.questionnaires.conditions import (
    QUESTIONNAIRES_FOLDER,
    Fields,
    _condition_fields,
    sample_fields,
)


def _all_conditionals_required(raw: dict) -> dict:
    for section in raw["sections"]:
        for question in section["questions"]:
            if question.get("when") or section.get("when"):
                question["required"] = True
    return raw


@pytest.fixture(scope="module")
def variant_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("every-conditional-required")
    for path in QUESTIONNAIRES_FOLDER.glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    for path in definition_files(QUESTIONNAIRES_FOLDER):
        raw = _all_conditionals_required(yaml.safe_load(path.read_text(encoding="utf-8")))
        (folder / path.name).write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    return folder


def _variants() -> list[Questionnaire]:
    return [
        parse_definition(
            _all_conditionals_required(yaml.safe_load(path.read_text(encoding="utf-8"))),
            path.name,
        )
        for path in definition_files(QUESTIONNAIRES_FOLDER)
    ]


def _parts(trigger: Question, value: str) -> dict[str, str]:
    return {value: "1"} if trigger.type == "multiple_choice" else {"": value}


@dataclass(frozen=True)
class Flip:
    """A trigger answer that asks required questions, and the answer that does not."""

    questionnaire: Questionnaire
    trigger: Question
    value: str
    trigger_on: Fields
    trigger_off: Fields

    @property
    def id(self) -> str:
        return f"{self.questionnaire.key}:{self.trigger.key}={self.value}"


def flips() -> list[Flip]:
    """Every trigger answer that asks a required question, once per (trigger, value)."""
    found: dict[tuple[str, str, str], Flip] = {}
    for questionnaire in _variants():
        for section in questionnaire.sections:
            for question in section.questions:
                condition = question.when or section.when
                if condition is None or not question.required:
                    continue
                trigger = questionnaire.question(condition.question)
                key = (questionnaire.key, trigger.key, condition.value)
                found.setdefault(
                    key,
                    Flip(
                        questionnaire,
                        trigger,
                        condition.value,
                        _condition_fields(trigger, condition.value, met=True),
                        _condition_fields(trigger, condition.value, met=False),
                    ),
                )
    return list(found.values())


FLIPS = flips()


def test_the_flips_cover_both_questionnaires():
    assert {flip.questionnaire.key for flip in FLIPS} == {"local-governments", "partners"}


@pytest.fixture
def app(make_app, variant_folder):
    return make_app(QUESTIONNAIRES_PATH=str(variant_folder))


def fields_of(question: Question) -> set[str]:
    prefix = f"q.{question.key}"
    return {name for name in sample_fields(question) if name.startswith(prefix)}


def page_fields(flip: Flip, section_key: str, trigger: Fields, leave_out=()) -> Fields:
    fields: Fields = {}
    for question in flip.questionnaire.section(section_key).questions:
        if question.key not in leave_out:
            fields.update(sample_fields(question))
    if flip.trigger.section_key == section_key:
        fields.update(trigger)
    return fields


def submitted_with_trigger_off(app, client, flip: Flip) -> Respondent:
    respondent = Respondent(client, flip.questionnaire.key)
    respondent.start()
    for section in flip.questionnaire.sections:
        respondent.page(section.key)
        fields = page_fields(flip, section.key, flip.trigger_off)
        reply = respondent.save(section.key, fields, action="save")
        assert reply.status_code == 303, (section.key, reply.get_data(as_text=True)[:1500])
    assert respondent.submit().status_code == 303
    # What was typed where the trigger does not ask is kept, hidden, and would come back with
    # the flip (tests/questionnaires/test_hidden_answers_kept.py): here, it was never typed.
    with app.app_context():
        db.session.execute(update(Response).values(hidden_answers=None))
        db.session.commit()
    return respondent


def revealed(flip: Flip, stored) -> list[Question]:
    """The required questions that the flip asks and the stored response has not answered."""
    answers = {**stored, flip.trigger.key: _parts(flip.trigger, flip.value)}
    return [
        q
        for q in flip.questionnaire.questions
        if q.required and not stored.get(q.key) and is_shown(q, answers, flip.questionnaire)
    ]


def one_response(app):
    (answers,) = answers_in_store(app).values()
    return answers


@pytest.mark.parametrize("flip", FLIPS, ids=[flip.id for flip in FLIPS])
def test_a_flip_is_saved_only_with_the_answers_it_makes_required(app, client, flip):
    respondent = submitted_with_trigger_off(app, client, flip)
    before = one_response(app)
    asked = revealed(flip, before)
    assert asked, flip.id
    page_key = flip.trigger.section_key
    respondent.page(page_key)
    fields = page_fields(flip, page_key, flip.trigger_on, leave_out={q.key for q in asked})

    # The background save stores nothing of it.
    reply = client.post(
        f"/r/{respondent.token}/s/{page_key}/autosave",
        data={"csrf_token": respondent.csrf, **fields},
        headers={"Accept": "application/json"},
    )
    assert reply.json["saved"] is False and reply.json["incomplete"] is True
    assert {q.key for q in asked} <= set(reply.json["errors"])
    assert one_response(app) == before

    # The page save is refused: input kept, nothing stored, each question named with its page.
    reply = respondent.save(page_key, fields, action="save")
    assert reply.status_code == 422
    body = reply.get_data(as_text=True)
    assert 'id="error-summary"' in body and "<title>Error:" in body
    assert one_response(app) == before
    for question in asked:
        assert f'id="question-{question.key}"' in body, question.key
        assert f'href="#{re.escape("q." + question.key)}' in body or (
            f'href="#q.{question.key}' in body
        )
        if question.section_key != page_key:
            title = flip.questionnaire.section(question.section_key).title["en"]
            assert f"From the page “{title}”" in body.replace("&#39;", "'")
    also = re.search(r'name="also" value="([^"]*)"', body)
    elsewhere = [q for q in asked if q.section_key != page_key]
    assert (also is not None) == bool(elsewhere)

    # Answered here, together: saved, and the response is complete again. An answer given
    # here may ask a further question (a chain): the page then shows it too, until none is left.
    answers: Fields = dict(fields)
    for question in asked:
        answers.update(sample_fields(question))
    for _round in range(len(flip.questionnaire.questions)):
        if also:
            answers["also"] = also.group(1)
            for key in also.group(1).split(","):
                answers.update(sample_fields(flip.questionnaire.question(key)))
        reply = client.post(
            f"/r/{respondent.token}/s/{page_key}",
            data={"csrf_token": csrf_token(body), "action": "save", **answers},
        )
        if reply.status_code != 422:
            break
        assert one_response(app) == before  # still nothing stored
        body = reply.get_data(as_text=True)
        also = re.search(r'name="also" value="([^"]*)"', body)
    assert reply.status_code == 303, reply.get_data(as_text=True)[:2000]
    after = one_response(app)
    assert after[flip.trigger.key] == _parts(flip.trigger, flip.value) or flip.value in after.get(
        flip.trigger.key, {}
    )
    assert all(after.get(q.key) for q in asked)
    review = client.get(f"/r/{respondent.token}/review").get_data(as_text=True)
    assert 'id="error-summary"' not in review


@pytest.mark.parametrize("flip", FLIPS[:2], ids=[flip.id for flip in FLIPS[:2]])
def test_the_background_save_stores_the_flip_with_its_answers(app, client, flip):
    respondent = submitted_with_trigger_off(app, client, flip)
    asked = revealed(flip, one_response(app))
    page_key = flip.trigger.section_key
    respondent.page(page_key)
    fields = page_fields(flip, page_key, flip.trigger_on, leave_out={q.key for q in asked})
    for question in asked:
        fields.update(sample_fields(question))
    fields["also"] = ",".join(q.key for q in asked if q.section_key != page_key)
    reply = client.post(
        f"/r/{respondent.token}/s/{page_key}/autosave",
        data={"csrf_token": respondent.csrf, **fields},
        headers={"Accept": "application/json"},
    )
    assert reply.json["saved"] is True, reply.json
    assert all(one_response(app).get(q.key) for q in asked)


def test_a_draft_may_flip_freely(app, client):
    """A draft's gaps wait for the submission: the flip is saved at once."""
    flip = FLIPS[0]
    respondent = Respondent(client, flip.questionnaire.key)
    respondent.start()
    page_key = flip.trigger.section_key
    respondent.page(page_key)
    reply = respondent.save(page_key, dict(flip.trigger_on), action="save")
    assert reply.status_code == 303
