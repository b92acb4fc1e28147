"""A findings slide without a finding says the reason that held, decided by the rules that
picked the findings (headlines.no_finding_reason): "no figure is shown" only when no question
reached the threshold, never when figures are shown and the picker chose none of them."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from consult.outcomes import deck_content
from consult.outcomes.headlines import questionnaire_headlines
from consult.outcomes.presenting import no_responses_text
from consult.outcomes.summary import summarise
from tests.outcomes import frames

THRESHOLD = 5
SNAPSHOT = SimpleNamespace(data_as_of=datetime(2022, 2, 22, 17, 0, tzinfo=UTC), timezone="UTC")

NO_FIGURE = {
    "en": "No question has been answered by 5 respondents or more yet: no figure is shown.",
    "fr": "Aucune question n'a encore reçu de réponse d'au moins 5 répondants\u00a0: "
    "aucun chiffre n'est affiché.",
}
HIDDEN = {
    "en": "No answer can be named as the most chosen: some answers are hidden to protect "
    "respondents, and one of them could be ahead of those shown. The figures shown are in the "
    "full outcomes.",
    "es": "Ninguna respuesta puede señalarse como la más elegida: algunas respuestas se ocultan "
    "para proteger a quienes respondieron, y una de ellas podría estar por delante de las que se "
    "muestran. Las cifras mostradas están en los resultados completos.",
}
NONE_STANDS_OUT = {
    "en": "No answer stands out enough to be a key finding; the figures are in the full outcomes.",
    "fr": "Aucune réponse ne se distingue assez pour être un résultat clé\u00a0; les chiffres "
    "figurent dans les résultats complets.",
    "es": "Ninguna respuesta destaca lo suficiente para ser una conclusión clave; las cifras "
    "están en los resultados completos.",
}


@pytest.fixture(scope="module")
def bare_app():
    return frames.catalog_app()


def _summary(people):
    definition = frames.definition({**frames.partners_raw(), "version": 1})
    responses, answers = frames.frames([(1, given) for given in people])
    return summarise(
        responses, answers, current={"partners": definition}, definitions={1: definition}
    )


def _hidden_leader(summary):
    """18 said yes, and "no" is hidden to protect another cell: it could be ahead."""
    for question in summary["questionnaires"][0]["questions"]:
        if question["key"] == "knows_charter":
            for option in question["options"]:
                if option["key"] == "no":
                    option.update(share=None, count=None, secondary=True)
    return summary


def _no_responses(summary):
    questionnaire = summary["questionnaires"][0]
    questionnaire["responses"] = 0
    for question in questionnaire["questions"]:
        question["answered"] = 0
    return summary


YES = {"knows_charter": {"": "yes"}}
REGION = {"region": {"": "europe"}}

#: (case, summary, what the slide must say, by language; None: no_responses_text)
CASES = [
    ("no responses", lambda: _no_responses(_summary([YES])), None),
    ("under the threshold", lambda: _summary([YES] * 3), NO_FIGURE),
    ("a leader may be hidden", lambda: _hidden_leader(_summary([YES] * 18)), HIDDEN),
    ("only a region answered", lambda: _summary([REGION] * 18), NONE_STANDS_OUT),
    ("a narrow follow-up only", lambda: _summary([YES] * 5 + [REGION] * 13), NONE_STANDS_OUT),
    ("findings present", lambda: _summary([YES] * 18), ""),
]


@pytest.mark.parametrize(("case", "make", "expected"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_a_slide_without_a_finding_says_the_reason_that_held(
    bare_app, case, make, expected, language
):
    summary = make()
    questionnaire = summary["questionnaires"][0]
    with bare_app.test_request_context("/"), force_locale(language):
        findings = {"partners": questionnaire_headlines(questionnaire, summary, minimum=THRESHOLD)}
        (slide,) = deck_content.findings_slides(summary, SNAPSHOT, findings, THRESHOLD)
        wanted = no_responses_text(None) if expected is None else expected
    if case == "findings present":
        assert slide.groups and slide.empty == ""
        return
    assert slide.groups == []
    if isinstance(wanted, dict):
        if language in wanted:
            assert slide.empty == wanted[language]
        else:
            assert slide.empty and slide.empty not in wanted.values(), "left in English"
    else:
        assert slide.empty == wanted
    shown = any(
        (q.get("answered") or 0) >= THRESHOLD and not q.get("suppressed")
        for q in questionnaire["questions"]
    )
    # the class: "no figure is shown" is said only of a questionnaire with no figure shown
    assert shown == (case not in ("no responses", "under the threshold"))
