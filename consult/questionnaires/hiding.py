"""Say, in the respondent's words, which typed answers another answer hides (kept, not sent).

Hiding a question never destroys its answer (answers.split_hidden), but a hidden answer is not
sent: a save that set some aside says so, and the review page lists them before submitting,
each with the answer that hides it, so that no answer is dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import ngettext

from consult.questionnaires.answers import Answers, hidden_by, split_hidden
from consult.questionnaires.definition import Question, Questionnaire


def newly_hidden(
    questionnaire: Questionnaire, before: Answers, after: Answers, posted: Answers
) -> list[Question]:
    """Return the questions a save leaves hidden that it sent, or that it has just hidden."""
    _asked, was_hidden = split_hidden(questionnaire, before)
    _asked, hidden = split_hidden(questionnaire, after)
    return [
        question
        for question in questionnaire.questions
        if question.key in hidden and (posted.get(question.key) or question.key not in was_hidden)
    ]


def hidden_notes(
    questionnaire: Questionnaire, answers: Answers, among: Iterable[Question] | None = None
) -> list[str]:
    """Return one sentence per answer that hides others: which are kept but will not be sent."""
    notes = []
    for trigger, questions in hidden_by(questionnaire, answers, among).items():
        numbers = ", ".join(str(questionnaire.number(q.key)) for q in questions)
        notes.append(
            ngettext(
                "Your answer to question %(numbers)s is kept but will not be sent, because of "
                "your answer to question %(trigger)s. It comes back if you change that answer.",
                "Your answers to questions %(numbers)s are kept but will not be sent, because "
                "of your answer to question %(trigger)s. They come back if you change that "
                "answer.",
                len(questions),
                numbers=numbers,
                trigger=questionnaire.number(trigger),
            )
        )
    return notes
