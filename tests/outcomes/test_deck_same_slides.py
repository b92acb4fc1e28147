"""The deck has one structure for every language: the key findings are shared out between
slides by measuring them in every language (deck_fit.share_out_all), so that a language whose
sentences run longer never carries one more "continued" slide than the others, and the slide
numbers and speaker notes line up in en, fr and es. Every slide still fits in every language."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from consult.outcomes import deck_content, deck_findings, deck_fit
from consult.outcomes.headlines import questionnaire_headlines
from consult.outcomes.summary import summarise
from tests.outcomes import frames

THRESHOLD = 5
LANGUAGES = ("en", "fr", "es")
SNAPSHOT = SimpleNamespace(data_as_of=datetime(2022, 2, 22, 17, 0, tzinfo=UTC), timezone="UTC")
LONG = " ".join(["una pregunta formulada con muchas palabras largas"] * 6)


@pytest.fixture(scope="module")
def bare_app():
    return frames.catalog_app()


def _respondent(number: int) -> dict[str, dict[str, str]]:
    return {
        "organisation_type": {"": "civil_society" if number % 4 else "academia"},
        "scope_of_work": {"": "local" if number % 3 else "national"},
        "knows_charter": {"": "yes" if number % 3 else "no"},
        "thematic_areas": {"housing": "1", **({"culture": "1"} if number % 2 else {})},
    }


def _summary(long_in: str | None):
    definition = frames.definition({**frames.partners_raw(), "version": 1})
    responses, answers = frames.frames([(1, _respondent(n)) for n in range(24)])
    summary = summarise(
        responses, answers, current={"partners": definition}, definitions={1: definition}
    )
    if long_in:
        # One language words its questions at length: alone, it would need more slides.
        for question in summary["questionnaires"][0]["questions"]:
            question["label"] = {**question["label"], long_in: LONG}
    return summary


def _deck(bare_app, summary, language):
    """The findings slides in ``language``, each with the room it leaves and its findings'
    heights, measured in that language."""
    questionnaire = summary["questionnaires"][0]
    with bare_app.test_request_context("/"), force_locale(language):
        findings = {"partners": questionnaire_headlines(questionnaire, summary, minimum=THRESHOLD)}
        slides = deck_content.findings_slides(summary, SNAPSHOT, findings, THRESHOLD)
        continued = deck_content._("Key findings (continued)")
        fits = [
            deck_fit.grid_height(
                [
                    deck_fit.finding_height(text, deck_fit.column_width(s.columns))
                    for text in deck_findings._finding_texts(s.groups)
                ],
                s.columns,
            )
            <= deck_fit.findings_room(s.kicker, continued, s.foot)
            or len(s.groups) == 1
            for s in slides
        ]
    return slides, fits


def _alone(bare_app, summary, language):
    """How many findings slides ``language`` would need measured on its own."""
    questionnaire = summary["questionnaires"][0]
    with bare_app.test_request_context("/"), force_locale(language):
        groups = questionnaire_headlines(questionnaire, summary, minimum=THRESHOLD)
        kicker = deck_findings._findings_kicker(questionnaire, THRESHOLD)
        room = deck_fit.findings_room(
            kicker,
            deck_content._("Key findings (continued)"),
            deck_findings._findings_foot(SNAPSHOT),
        )
        return len(deck_fit.share_out(deck_findings._finding_texts(groups), room))


@pytest.mark.parametrize("long_in", ["es", "fr", "en", None])
def test_every_language_has_the_same_slides(bare_app, long_in):
    summary = _summary(long_in)
    if long_in:
        # a dataset where the long language alone needs more slides than the others
        others = [_alone(bare_app, summary, x) for x in LANGUAGES if x != long_in]
        assert _alone(bare_app, summary, long_in) > max(others)
    decks = {language: _deck(bare_app, summary, language) for language in LANGUAGES}
    keys = {language: [s.key for s in slides] for language, (slides, _f) in decks.items()}
    assert keys["en"] == keys["fr"] == keys["es"]
    ids = {
        language: [[tuple(h.option_key for h in g) for g in s.groups] for s in slides]
        for language, (slides, _f) in decks.items()
    }
    assert ids["en"] == ids["fr"] == ids["es"], "the same findings on the same slide"
    for language, (_slides, fits) in decks.items():
        assert all(fits), f"a findings slide overflows in {language}"
