"""Every "choose up to N" limit is said once on its page, in every language: by the definition's
help when it has one, otherwise by the hint the page makes, never both (they contradicted each
other: "Elija tres" and "Elija hasta 3"), and never as an exact number in the question itself.
A ranking whose options come from an earlier question tells, without JavaScript, the way to see
them: save the page."""

from __future__ import annotations

import re

import pytest

from consult.questionnaires.registry import current_questionnaires
from tests.conftest import Respondent

WORDS = {
    "en": {3: "three", 5: "five"},
    "fr": {3: "trois", 5: "cinq"},
    "es": {3: "tres", 5: "cinco"},
}
SAVE_TO_SEE = {
    "en": "save the page",
    "fr": "enregistrez la page",
    "es": "guarde la página",
}
PARAGRAPH = re.compile(r'<p class="(?:hint|help)[^"]*"[^>]*>(.*?)</p>', re.S)
LABEL = re.compile(r'class="question-label"[^>]*>(.*?)</(?:label|legend)>', re.S)


def _says(text: str, limit: int, language: str) -> bool:
    text = re.sub(r"<[^>]+>", " ", text)
    return bool(re.search(rf"(?<![\d.]){limit}(?![\d.])|\b{WORDS[language][limit]}\b", text, re.I))


def _blocks(html: str) -> dict[str, str]:
    parts = re.split(r'<div class="question[^"]*" id="question-', html)[1:]
    return {part.split('"', 1)[0]: part for part in parts}


@pytest.mark.parametrize("language", sorted(WORDS))
def test_every_limit_is_said_once_and_the_no_js_ranking_tells_the_way(app, language):
    with app.app_context():
        questionnaires = current_questionnaires()
    checked = 0
    for key, questionnaire in questionnaires.items():
        respondent = Respondent(app.test_client(), key)
        respondent.start()
        for section in questionnaire.sections:
            reply = respondent.client.get(f"/r/{respondent.token}/s/{section.key}?lang={language}")
            assert reply.status_code == 200, (key, section.key)
            blocks = _blocks(reply.get_data(as_text=True))
            for question in section.questions:
                ranked = question.rank if question.type == "ranking" else None
                limit = question.max_choices or ranked
                if not limit:
                    continue
                block = blocks[question.key]
                saying = [p for p in PARAGRAPH.findall(block) if _says(p, limit, language)]
                assert len(saying) == 1, (key, question.key, language, saying)
                label = LABEL.search(block).group(1).split("</span>", 1)[-1]
                assert not _says(label, limit, language), (key, question.key)
                if question.options_from:
                    empty = re.search(r'<p class="hint rank-empty".*?</p>', block, re.S).group(0)
                    assert SAVE_TO_SEE[language] in empty, (key, question.key, empty)
                checked += 1
    assert checked == 5


AT_MOST = {
    "en": ("Choose at most 1 option.", "Choose at most 2 options."),
    "fr": ("Choisissez au plus 1 option.", "Choisissez au plus 2 options."),
    "es": ("Elija como máximo 1 opción.", "Elija como máximo 2 opciones."),
}


@pytest.mark.parametrize("language", sorted(AT_MOST))
def test_too_many_choices_says_one_option_in_the_singular(app, language):
    """A question with ``max_choices: 1`` refuses two ticks with "at most 1 option"."""
    from flask_babel import force_locale

    from consult.questionnaires.answers import Message
    from consult.questionnaires.wording import message_text

    with app.test_request_context("/"), force_locale(language):
        said = tuple(message_text(Message("too_many_choices", {"max": n})) for n in (1, 2))
    assert said == AT_MOST[language]
