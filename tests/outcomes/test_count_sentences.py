"""Sentences built around a count read naturally with 0, 1, 2, 5 and 1,000 in English, French
and Spanish: each goes through ngettext (French takes the singular for 0 and 1) and prints its
count the CLDR way ("1,000", "1 000", "1.000")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

from consult import outcomes
from tests.outcomes import frames

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = Path(outcomes.__file__).parent / "translations"


@pytest.fixture(scope="module")
def app():
    """A bare app with the outcomes catalogs: the sentences need no database."""
    return frames.catalog_app()


def _plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


def _summary(total: int) -> dict:
    return {
        "questionnaires": [
            {"responses": total, "participation": {"by_language": [{"key": "fr", "count": total}]}}
        ]
    }


LANGUAGES = [
    (1, "en", "1 response, by language: French 100%"),
    (2, "en", "2 responses, by language: French 100%"),
    (1000, "en", "1,000 responses, by language: French 100%"),
    (1, "fr", "1 réponse, par langue : français 100 %"),
    (5, "fr", "5 réponses, par langue : français 100 %"),
    (1000, "fr", "1 000 réponses, par langue : français 100 %"),
    (1, "es", "1 respuesta, por idioma: francés 100 %"),
    (5, "es", "5 respuestas, por idioma: francés 100 %"),
    (1000, "es", "1.000 respuestas, por idioma: francés 100 %"),
    (12000, "es", "12.000 respuestas, por idioma: francés 100 %"),
]


@pytest.mark.parametrize(("total", "language", "expected"), LANGUAGES)
def test_the_deck_names_the_languages_of_any_number_of_responses(app, total, language, expected):
    from consult.outcomes.deck_content import languages_sentence

    with app.test_request_context("/"), force_locale(language):
        assert _plain(languages_sentence(_summary(total))) == expected


BASES = [
    (0, "en", "n = 0 respondents who answered"),
    (1, "en", "n = 1 respondent who answered"),
    (2, "en", "n = 2 respondents who answered"),
    (1000, "en", "n = 1,000 respondents who answered"),
    (0, "fr", "n = 0 répondant"),
    (1, "fr", "n = 1 répondant"),
    (5, "fr", "n = 5 répondants"),
    (1000, "fr", "n = 1 000 répondants"),
    (0, "es", "n = 0 personas que respondieron"),
    (1, "es", "n = 1 persona que respondió"),
    (5, "es", "n = 5 personas que respondieron"),
]


@pytest.mark.parametrize(("count", "language", "expected"), BASES)
def test_a_finding_states_its_base_in_the_right_number(app, count, language, expected):
    from consult.outcomes.headlines import answered_base as _n

    with app.test_request_context("/"), force_locale(language):
        assert _plain(_n(count)) == expected


THEMES = [
    (1, "en", "Based on 1 published contribution, which may raise several themes."),
    (0, "fr", "Sur 0 contribution publiée (une contribution peut aborder plusieurs thèmes)."),
    (1, "es", "Sobre 1 contribución publicada (una contribución puede tratar varios temas)."),
    (
        1000,
        "fr",
        "Part des 1 000 contributions publiées qui abordent chaque thème ; une contribution "
        "peut en aborder plusieurs.",
    ),
]


@pytest.mark.parametrize(("total", "language", "expected"), THEMES)
def test_the_themes_note_reads_with_one_contribution(app, total, language, expected):
    from consult.outcomes.formatting import themes_note

    with app.test_request_context("/"), force_locale(language):
        assert _plain(themes_note(total)) == expected


CAMPAIGN = [
    (
        "en",
        1,
        1,
        "1 city or territory had joined the campaign by 1 March 2022, in 1 country; only "
        "institutions whose letter UCLG CISDP verified are counted.",
    ),
    (
        "en",
        1000,
        12,
        "1,000 cities and territories had joined the campaign by 1 March 2022, in 12 "
        "countries; only institutions whose letter UCLG CISDP verified are counted.",
    ),
    (
        "fr",
        1000,
        1,
        "1 000 villes et territoires avaient adhéré à la campagne au 1 March 2022, dans 1 pays ; "
        "seules sont comptées les institutions dont la lettre d'engagement a été vérifiée par la "
        "CISDP de CGLU.",
    ),
    (
        "es",
        1,
        2,
        "1 ciudad o territorio se había adherido a la campaña al 1 March 2022, en 2 países; solo "
        "se cuentan las instituciones cuya carta de compromiso ha verificado la CISDP de CGLU.",
    ),
]


@pytest.mark.parametrize(("language", "total", "countries", "expected"), CAMPAIGN)
def test_the_campaign_notes_count_cities_and_countries_apart(
    app, language, total, countries, expected
):
    from consult.outcomes.deck_campaign import campaign_notes

    view = {
        "total": total,
        "countries": countries,
        "as_of": "1 March 2022",
        "milestones": [],
        "next_milestone": None,
        "commitments": [],
    }
    with app.test_request_context("/"), force_locale(language):
        assert _plain(campaign_notes(view)[0]) == expected


# A number that is a bound (a threshold, a limit, an average) is never 1: no plural needed.
BOUND = re.compile(
    r"(fewer than|at least|at most|up to|over|on average|by|quote) %\(\w+\)s", re.IGNORECASE
)
COUNTED = re.compile(
    r"%\((\w+)\)[sd] (\w+ )?(respondents?|responses?|contributions?|countries|supports?|"
    r"signator\w+|answers?|points?|people|quotes?|options?|published|cities|who)\b"
)
# The French and Spanish put a noun after a count the English leaves implicit ("the %(base)s
# who answered": "les %(base)s personnes", "las %(base)s personas"): walked too.
COUNTED_TRANSLATED = re.compile(
    r"%\((\w+)\)[sd] (de )?(\w+ )?(personnes?|répondant\w*|réponses?|contributions?|"
    r"personas?|respuestas?|contribuci\w+|encuestad\w+)\b"
)
# A label printed right after a count the page shows beside it ("<strong>3</strong>
# contributions on this article"): a message that opens with a counted plural noun.
COUNT_LABEL = re.compile(r"(respondents|responses|contributions|supports|signatories) \w")


def _catalog(language: str):
    with open(CATALOGS / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale=language)


def test_every_counted_sentence_of_the_outcomes_goes_through_ngettext():
    """A message that puts a count before a noun has a plural form, unless the count is a
    bound (threshold, limit), which is never 1."""
    singular_only = [
        message.id
        for message in _catalog("fr")
        if isinstance(message.id, str)
        and COUNTED.search(message.id)
        and not BOUND.search(message.id)
    ]
    assert singular_only == []


@pytest.mark.parametrize("language", ["fr", "es"])
def test_every_count_the_translation_puts_a_noun_after_goes_through_ngettext(language):
    """ "Percentages are of the %(base)s who answered" has no noun in English, but "las
    %(base)s personas" has one in Spanish: the walk over English alone missed it."""
    singular_only = [
        message.id
        for message in _catalog(language)
        if isinstance(message.id, str)
        and isinstance(message.string, str)
        and COUNTED_TRANSLATED.search(message.string)
        and not BOUND.search(message.id)
    ]
    assert singular_only == []


def test_every_label_printed_after_a_count_goes_through_ngettext():
    """A label the page prints after a count ("1 contributions on this article", "1 responses
    to the questionnaire") is a plural entry too: the count is outside the message, so the
    walk over "%(n)s <noun>" never saw it."""
    singular_only = [
        message.id
        for message in _catalog("fr")
        if isinstance(message.id, str) and COUNT_LABEL.match(message.id)
    ]
    assert singular_only == []


def test_no_outcomes_count_is_printed_unformatted():
    """%(num)d prints 1000 where French reads "1 000": every count goes through p.number."""
    sources = [*(ROOT / "consult" / "outcomes").glob("*.py")]
    sources += [*(ROOT / "templates" / "outcomes").glob("*.html")]
    assert [path.name for path in sources if "%(num)d" in path.read_text()] == []


INVARIABLE = (" pays", "Il en faut encore")


@pytest.mark.parametrize("language", ["fr", "es"])
def test_every_plural_entry_has_a_singular_of_its_own(language):
    """The singular form is not the plural copied (French "1 réponses", "la 1 réponse"), save
    for words that do not change (pays, "il en faut encore 3")."""
    same = [
        message.id[0]
        for message in _catalog(language)
        if isinstance(message.id, tuple)
        and message.string[0] == message.string[2]
        and message.id[0] != message.id[1]
        and not any(word in message.string[0] for word in INVARIABLE)
    ]
    assert same == []
