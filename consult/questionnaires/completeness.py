"""A submitted response stays complete: the questions a save makes apply on other pages.

Editing a submitted response through its link can flip a trigger answer that asks a required
question on another page. Refusing such a save outright would trap the respondent (the question
cannot be answered while it does not apply), and storing it would leave the response
incomplete. So the page being saved shows those questions too, with the page each belongs to,
and the save goes through only together with their answers; until then nothing is stored, and
the background save stores nothing of it either.
"""

from __future__ import annotations

from collections.abc import Mapping

from consult.questionnaires.answers import (
    Answers,
    Message,
    PageResult,
    missing_required,
    question_fields,
    read_page,
)
from consult.questionnaires.definition import Question, Questionnaire, Section

#: The hidden field listing the questions of other pages a page showed (see page.html).
ALSO_FIELD = "also"


def required_elsewhere(
    questionnaire: Questionnaire, section: Section, answers: Answers
) -> tuple[Question, ...]:
    """Return the required questions of other pages asked given ``answers`` but unanswered."""
    others = tuple(q for q in questionnaire.questions if q.section_key != section.key)
    missing = missing_required(questionnaire, others, answers)
    return tuple(q for q in others if q.key in missing)


def shown_also(questionnaire: Questionnaire, form: Mapping[str, str]) -> tuple[Question, ...]:
    """Return the questions of other pages that the posted page showed (its hidden field)."""
    keys = (form.get(ALSO_FIELD) or "").split(",")
    known = {q.key: q for q in questionnaire.questions}
    return tuple(known[key] for key in dict.fromkeys(keys) if key in known)


def also_field_names(questions: tuple[Question, ...]) -> set[str]:
    """Return the form field names of questions shown from other pages."""
    return {name for question in questions for name in question_fields(question)}


def read_also(
    questionnaire: Questionnaire,
    section: Section,
    questions: tuple[Question, ...],
    form,
    answers: Answers,
) -> PageResult:
    """Read and check the answers given here to questions of other pages.

    ``answers`` are the stored answers with this page's: the questions apply given them. A
    question still unanswered gets a message naming its page.
    """
    if not questions:
        return PageResult()
    also = Section(key=section.key, title=section.title, questions=questions)
    result = read_page(questionnaire, also, form, answers)
    result.unknown_fields = []  # this page's own fields: read by the page itself
    merged = {**answers, **result.answers}
    for key in missing_required(questionnaire, questions, merged):
        page = questionnaire.section(questionnaire.question(key).section_key)
        result.errors.setdefault(key, Message("required_elsewhere", {"page": page.title}))
    return result


def settle(
    questionnaire: Questionnaire, section: Section, form, answers: Answers
) -> tuple[tuple[Question, ...], PageResult]:
    """Return the questions of other pages this save makes apply, and their posted answers.

    An answer given to one of them can make yet another apply (a chain of conditions): the
    list grows until it holds every question the answers ask, each read from the form.
    """
    also: tuple[Question, ...] = ()
    while True:
        result = read_also(questionnaire, section, also, form, answers)
        merged = {**answers, **result.answers}
        more = tuple(q for q in required_elsewhere(questionnaire, section, merged) if q not in also)
        if not more:
            return also, result
        order = {q.key: n for n, q in enumerate(questionnaire.questions)}
        also = tuple(sorted((*also, *more), key=lambda q: order[q.key]))
