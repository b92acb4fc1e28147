"""A question whose answers identify who answered is flagged ``identifying: true`` in its
definition, the one source the quotes bank, the deck, the rows beside a figure and the
free-text mining read (issue 17's review: "What is your local charter or declaration called,
and when was it adopted?" was offered as a quote; its answers name the institution, so the
region and type under a quote protect nothing)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from consult.db import db, writing
from consult.outcomes.models import OutcomeQuote
from consult.outcomes.quotes import identifies_its_author, quotable_questions
from consult.questionnaires.definition import DefinitionError
from consult.questionnaires.models import Answer, Response
from consult.questionnaires.parsing import load_file, parse_definition
from consult.questionnaires.registry import current_questionnaires
from tests.outcomes.conftest import fill_demo
from tests.outcomes.test_pages import freeze

QUESTIONNAIRES = Path(__file__).resolve().parents[2] / "questionnaires"
TEXT_TYPES = ("short_text", "long_text")
#: What asks for something that names or points at who answered, in a key or English text.
ASKS_FOR_A_NAME = re.compile(
    r"\b(names?|named|called|titled?|links?|urls?|web ?sites?|e-?mails?|addresse?s?|"
    r"(tele)?phones?)\b|_name(d)?\b",
    re.IGNORECASE,
)
#: Open-text questions the pattern finds that were read and judged not identifying, and why.
REVIEWED = {
    ("local-governments", "good_practice"): (
        "asks to describe a practice; its help welcomes links, but the answer is a description "
        "and staff read each one before starring it"
    ),
    ("partners", "relevance_comments"): "'name the article': a Charter article, not a name",
}


def _definitions():
    return {path.stem: load_file(path) for path in sorted(QUESTIONNAIRES.glob("*.yaml"))}


def _open_text_questions():
    for key in ("local-governments", "partners"):
        for question in load_file(QUESTIONNAIRES / f"{key}.yaml").questions:
            if question.type in TEXT_TYPES:
                yield key, question


def test_every_open_text_question_asking_for_a_name_is_flagged():
    found = []
    for questionnaire, question in _open_text_questions():
        words = " ".join([question.key, question.label["en"], (question.help or {}).get("en", "")])
        if ASKS_FOR_A_NAME.search(words) and (questionnaire, question.key) not in REVIEWED:
            found.append(question.key)
            assert question.identifying, (questionnaire, question.key, question.label["en"])
    assert {"institution_name", "organisation_name", "local_charter_name"} <= set(found)
    for questionnaire, key in REVIEWED:
        assert any(
            q.key == key for q in load_file(QUESTIONNAIRES / f"{questionnaire}.yaml").questions
        )


@pytest.mark.parametrize(
    ("questionnaire", "key", "quotable"),
    [
        ("local-governments", "local_charter_name", False),
        ("local-governments", "institution_name", False),
        ("partners", "organisation_name", False),
        ("partners", "charter_local_governments_named", False),
        ("partners", "campaign_cities_named", False),
        ("local-governments", "good_practice", True),
        ("partners", "charter_sentence", True),
    ],
)
def test_a_flagged_question_is_never_quotable(questionnaire, key, quotable):
    definition = load_file(QUESTIONNAIRES / f"{questionnaire}.yaml")
    question = next(q for q in definition.questions if q.key == key)
    assert question.identifying is not quotable
    assert (key in {q.key for q in quotable_questions(definition)}) is quotable


def test_the_flag_is_checked_and_needs_no_new_version():
    raw = yaml.safe_load((QUESTIONNAIRES / "partners.yaml").read_text(encoding="utf-8"))
    flagged = parse_definition(raw, "partners.yaml")
    question = next(
        q for s in raw["sections"] for q in s["questions"] if q["key"] == "organisation_name"
    )
    question.pop("identifying")
    unflagged = parse_definition(raw, "partners.yaml")
    # How answers may be shown, not how they are stored: the same structure.
    assert flagged.checksum == unflagged.checksum
    assert not next(q for q in unflagged.questions if q.key == "organisation_name").identifying
    question["identifying"] = "yes"
    with pytest.raises(DefinitionError, match="identifying"):
        parse_definition(raw, "partners.yaml")


TEXTS = {
    "en": "What is your local charter or declaration called, and when was it adopted?",
    "fr": "Quel est le titre de votre charte ou déclaration locale, et quand a-t-elle été adoptée",
    "es": "¿Cómo se titula su carta o declaración local y cuándo se aprobó?",
}
WHY = {
    "en": "Not offered here: the answers to these questions name or point at who answered",
    "fr": "Non proposées ici\u00a0: les réponses à ces questions nomment ou désignent",
    "es": "No se ofrecen aquí: las respuestas a estas preguntas nombran o señalan",
}


def test_the_quotes_bank_says_why_and_no_deck_shows_one(app, login):
    """The bank does not offer the question and says why (three languages), refuses it by URL
    and by starring; a quote starred before the flag is marked and left out of the deck."""
    fill_demo(app, 30)
    analyst = login(app.test_client(), "analyst")
    for language in ("en", "fr", "es"):
        page = analyst.get(
            f"/staff/outcomes/quotes?questionnaire=local-governments&lang={language}"
        ).get_data(as_text=True)
        assert WHY[language] in page, language
        why = page.index(WHY[language])
        assert page.count(TEXTS[language]) == 1 and page.index(TEXTS[language]) > why
        assert 'value="local_charter_name"' not in page
    reply = analyst.get(
        "/staff/outcomes/quotes?questionnaire=local-governments&question=local_charter_name"
    )
    assert reply.status_code == 404
    # One starred before the flag, as the bank once allowed.
    with app.app_context(), writing():
        response = db.session.scalars(
            select(Response).where(
                Response.status == "submitted", Response.questionnaire_key == "local-governments"
            )
        ).first()
        answer = db.session.scalar(
            select(Answer).where(
                Answer.response_id == response.id,
                Answer.question_key == "local_charter_name",
                Answer.part_key == "",
            )
        )
        if answer is None:
            answer = Answer(response_id=response.id, question_key="local_charter_name", part_key="")
            db.session.add(answer)
        answer.value = "Charte montréalaise des droits, adoptée en 2006"
        quote = OutcomeQuote(
            source="answer",
            response_id=response.id,
            questionnaire_key="local-governments",
            question_key="local_charter_name",
            text="Charte montréalaise des droits, adoptée en 2006",
            language="fr",
            region=response.region,
            respondent_type=response.respondent_type,
            starred_by_email="analyst@example.org",
            deck_position=1,
        )
        db.session.add(quote)
        db.commit()
        assert identifies_its_author(quote, current_questionnaires())
    page = analyst.get("/staff/outcomes/quotes?lang=en").get_data(as_text=True)
    assert (
        "Not quoted in the deck: the answers to its question name or point at who answered." in page
    )
    assert freeze(analyst, label="With the old quote").status_code in (302, 303)
    with app.app_context():
        from consult.outcomes.models import OutcomeSnapshot

        snapshot = db.session.scalar(select(OutcomeSnapshot.id).order_by(OutcomeSnapshot.id.desc()))
    deck = analyst.get(f"/staff/outcomes/{snapshot}/deck?lang=en").get_data(as_text=True)
    assert "montréalaise" not in deck
