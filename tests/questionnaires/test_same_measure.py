"""Questions that measure the same thing everywhere: scales equal across questionnaires and
languages, "None of these" exclusive, "Other" outside the limit of choices, rankings filtered by
what was ticked, numbered questions, dates in each language's format, time-bound texts."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from consult.i18n import format_moment
from consult.questionnaires.answers import prune_hidden, read_page
from consult.questionnaires.definition import LANGUAGES, DefinitionError
from consult.questionnaires.parsing import definition_files, load_all, parse_definition
from tests.conftest import Respondent

ROOT = Path(__file__).resolve().parents[2]
QUESTIONNAIRES = ROOT / "questionnaires"


def shipped(key: str) -> dict:
    return yaml.safe_load((QUESTIONNAIRES / f"{key}.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def definitions():
    return load_all(definition_files(QUESTIONNAIRES))


def texts(raw: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Yield every translatable text of a definition (a mapping holding a language key)."""
    if isinstance(raw, Mapping):
        if set(raw) & set(LANGUAGES):
            yield path, raw
            return
        for key, value in raw.items():
            yield from texts(value, f"{path}.{key}")
    elif isinstance(raw, list):
        for index, value in enumerate(raw):
            yield from texts(value, f"{path}[{index}]")


# -- scales: the same points, in the same order, meaning the same ---------------------------------


def test_every_label_exists_in_the_three_languages():
    for name in ("local-governments", "partners", "charter"):
        found = list(texts(shipped(name)))
        assert len(found) > 100
        for path, text in found:
            assert set(text) == set(LANGUAGES), f"{name}{path}"
            assert all(isinstance(v, str) and v.strip() for v in text.values()), f"{name}{path}"


def test_a_matrix_asked_in_both_questionnaires_has_the_same_scale_and_rows(definitions):
    matrices: dict[str, list] = {}
    for questionnaire in definitions.values():
        for question in questionnaire.questions:
            if question.type == "matrix":
                matrices.setdefault(question.key, []).append(question)
    shared = {key: found for key, found in matrices.items() if len(found) > 1}
    assert "article_relevance" in shared
    for key, (first, *others) in shared.items():
        for other in others:
            assert [(p.key, p.score, dict(p.label)) for p in other.scale] == [
                (p.key, p.score, dict(p.label)) for p in first.scale
            ], key
            assert [(r.key, dict(r.label)) for r in other.rows] == [
                (r.key, dict(r.label)) for r in first.rows
            ], key


def test_the_relevance_scale_reads_the_same_way_in_every_language(definitions):
    """The read-back found the second-lowest point positive in English ("Somewhat relevant")
    and negative in French and Spanish ("Peu pertinent", "Poco pertinente")."""
    scale = definitions["partners"].question("article_relevance").scale
    assert [p.key for p in scale] == [
        "very_relevant",
        "relevant",
        "somewhat_relevant",
        "not_relevant",
        "dont_know",
    ]
    assert [p.score for p in scale] == [4, 3, 2, 1, None]
    assert [p.label["en"] for p in scale] == [
        "Very relevant",
        "Relevant",
        "Not very relevant",
        "Not relevant at all",
        "Don't know",
    ]
    assert [p.label["fr"] for p in scale][2:4] == ["Peu pertinent", "Pas du tout pertinent"]
    assert [p.label["es"] for p in scale][2:4] == ["Poco pertinente", "Nada pertinente"]


def test_options_shared_by_the_two_questionnaires_keep_their_order(definitions):
    local, partners = definitions["local-governments"], definitions["partners"]
    for key in ("new_themes",):
        mine = [o.key for o in local.question(key).options]
        theirs = [o.key for o in partners.question(key).options if o.key in mine]
        assert theirs == [k for k in mine if k in theirs]


# -- definition features, checked by the loader --------------------------------------------------


def problems_of(raw: dict) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(raw, "test.yaml")
    return [f"{p.path}: {p.reason}" for p in caught.value.problems]


def question_path(raw: dict, key: str) -> tuple[int, int]:
    for s, section in enumerate(raw["sections"]):
        for q, question in enumerate(section["questions"]):
            if question["key"] == key:
                return s, q
    raise KeyError(key)


def test_the_loader_refuses_a_filter_on_a_question_that_does_not_offer_the_options():
    raw = shipped("partners")
    s, q = question_path(raw, "top_themes")
    ranking = raw["sections"][s]["questions"][q]
    ranking["options_from"] = "thematic_areas"  # an earlier multiple choice, other options
    found = problems_of(raw)
    assert any("is not a choice of 'thematic_areas'" in p for p in found)
    ranking["options_from"] = "country"
    assert any("not an earlier multiple_choice" in p for p in problems_of(raw))
    ranking["options_from"] = "new_rights_comments"  # later, and a text
    assert any("not an earlier multiple_choice" in p for p in problems_of(raw))


def test_the_loader_refuses_to_rank_none_of_these_or_an_other_that_does_not_exist():
    raw = shipped("local-governments")
    s, q = question_path(raw, "new_themes")
    raw["sections"][s]["questions"][q]["other"] = False
    assert any("'other' is not a choice of 'new_themes'" in p for p in problems_of(raw))
    raw = shipped("local-governments")
    s, q = question_path(raw, "new_themes")
    raw["sections"][s]["questions"][q]["options"][0]["exclusive"] = True
    assert any("'climate_justice' is not a choice" in p for p in problems_of(raw))


def test_exclusive_is_a_multiple_choice_option_flag_only():
    raw = shipped("local-governments")
    s, q = question_path(raw, "institution_type")
    raw["sections"][s]["questions"][q]["options"][0]["exclusive"] = True
    assert any(p.endswith("exclusive: unknown key") for p in problems_of(raw))
    raw = shipped("local-governments")
    s, q = question_path(raw, "other_charters")
    raw["sections"][s]["questions"][q]["options"][-1]["exclusive"] = "yes"
    assert any(p.endswith("exclusive: must be true or false") for p in problems_of(raw))


def test_the_shipped_none_of_these_options_are_exclusive(definitions):
    exclusive = {
        (q.key, o.key)
        for questionnaire in definitions.values()
        for q in questionnaire.questions
        for o in q.options
        if o.exclusive
    }
    assert exclusive == {
        ("hr_elements", "none_yet"),
        ("other_charters", "none"),
        ("other_frameworks", "none"),
        ("charter_uses", "not_used_yet"),
    }
    for questionnaire in definitions.values():  # every "none" option is one of them
        for question in questionnaire.questions:
            for option in question.options:
                if option.key.startswith("none") or option.label["en"].startswith("None"):
                    assert option.exclusive, (question.key, option.key)


# -- the one answer validator ---------------------------------------------------------------------

CASES = [
    # (questionnaire, section, posted, error code or None, stored parts of the question)
    (
        "local-governments",
        "commitments",
        {"q.hr_elements": ["none_yet"]},
        None,
        {"hr_elements": {"none_yet": "1"}},
    ),
    (
        "local-governments",
        "commitments",
        {"q.hr_elements": ["none_yet", "ombudsperson"]},
        "exclusive_option",
        {},
    ),
    (
        "local-governments",
        "commitments",
        {"q.hr_elements": ["none_yet"], "q.hr_elements.other": "A youth council"},
        "exclusive_option",
        {},
    ),
    (
        "local-governments",
        "commitments",
        {"q.other_charters": ["none", "gwangju_principles"]},
        "exclusive_option",
        {},
    ),
    (
        "partners",
        "profile",
        {
            "q.thematic_areas": [
                "housing",
                "culture",
                "gender_equality",
                "water_food",
                "digital_rights",
            ],
            "q.thematic_areas.other": "Memory",
        },
        None,
        {
            "thematic_areas": {
                "housing": "1",
                "culture": "1",
                "gender_equality": "1",
                "water_food": "1",
                "digital_rights": "1",
                "other": "Memory",
            }
        },
    ),
    (
        "partners",
        "profile",
        {
            "q.thematic_areas": [
                "housing",
                "culture",
                "gender_equality",
                "water_food",
                "digital_rights",
                "disability",
            ]
        },
        "too_many_choices",
        {},
    ),
    (
        "local-governments",
        "revision",
        {"q.new_themes": ["care", "health"], "q.new_themes_top3.rank1": "health"},
        None,
        {"new_themes_top3": {"health": "1"}},
    ),
    (
        "local-governments",
        "revision",
        {"q.new_themes": ["care"], "q.new_themes_top3.rank1": "health"},
        None,
        {"new_themes_top3": {}},
    ),
    (
        "local-governments",
        "revision",
        {"q.new_themes": ["care"], "q.new_themes_top3.rank1": "other"},
        None,
        {"new_themes_top3": {}},
    ),
    (
        # An option unticked while the ranking still names it (no JavaScript): it leaves the
        # ranking and the later choices move up, never an error the person did not cause.
        "local-governments",
        "revision",
        {
            "q.new_themes": ["care", "migration_refugees"],
            "q.new_themes_top3.rank1": "climate_justice",
            "q.new_themes_top3.rank2": "care",
            "q.new_themes_top3.rank3": "migration_refugees",
        },
        None,
        {"new_themes_top3": {"care": "1", "migration_refugees": "2"}},
    ),
    (
        "local-governments",
        "revision",
        {
            "q.new_themes": ["care"],
            "q.new_themes.other": "Night-time economy",
            "q.new_themes_top3.rank1": "other",
            "q.new_themes_top3.rank2": "care",
        },
        None,
        {"new_themes_top3": {"other": "1", "care": "2"}},
    ),
    (
        "partners",
        "gaps",
        {"q.new_themes": ["health"], "q.top_themes.rank1": "care"},
        None,
        {"top_themes": {}},
    ),
]


@pytest.mark.parametrize(("key", "section_key", "posted", "code", "parts"), CASES)
def test_the_answer_validator(definitions, key, section_key, posted, code, parts):
    questionnaire = definitions[key]
    section = questionnaire.section(section_key)
    result = read_page(
        questionnaire,
        section,
        {k: list(v) if isinstance(v, list) else [v] for k, v in posted.items()},
        {},
    )
    codes = {message.code for message in result.errors.values()}
    assert codes == ({code} if code else set())
    for question_key, expected in parts.items():
        assert result.answers[question_key] == expected


def test_a_rank_of_an_option_unticked_later_is_dropped_and_the_ranks_close_up(definitions):
    questionnaire = definitions["local-governments"]
    answers = {
        "new_themes": {"care": "1", "health": "1"},
        "new_themes_top3": {"climate_justice": "1", "care": "2", "health": "3"},
    }
    assert prune_hidden(questionnaire, answers)["new_themes_top3"] == {"care": "1", "health": "2"}
    assert "new_themes_top3" not in prune_hidden(questionnaire, {"new_themes_top3": {"care": "1"}})


def test_the_server_refuses_none_with_another_answer_in_words(app, client):
    respondent = Respondent(client)
    respondent.start()
    reply = respondent.save(
        "commitments", {"q.hr_elements": ["none_yet", "ombudsperson"]}, action="save"
    )
    assert reply.status_code == 422
    text = reply.get_data(as_text=True)
    assert "“None of these yet” cannot be combined with other answers" in text
    assert 'value="ombudsperson" checked' in text  # what was ticked stays ticked


def test_a_ranking_offers_only_what_was_ticked_and_names_the_other_in_the_respondents_words(
    app, client
):
    respondent = Respondent(client)
    respondent.start()
    respondent.save(
        "revision",
        {"q.new_themes": ["care", "health"], "q.new_themes.other": "Night-time economy"},
        action="save",
    )
    page = respondent.page("revision").get_data(as_text=True)
    ranking = page[page.index('id="q.new_themes_top3.rank1"') :]
    ranking = ranking[: ranking.index("</select>")]
    assert re.findall(r'<option value="(\w*)"', ranking) == ["", "care", "health", "other"]
    assert ">Night-time economy</option>" in ranking
    assert "Only what you ticked in question" in page


# -- partners who did not know the Charter, article summaries -----------------------------------


def test_partners_who_did_not_know_the_charter_can_submit_without_rating_articles(app, client):
    partner = Respondent(client, "partners")
    partner.start()
    partner.save(
        "profile",
        {
            "q.organisation_type": "civil_society",
            "q.scope_of_work": "local",
            "q.country": "SN",
            "q.region": "africa",
        },
    )
    partner.save("charter_knowledge", {"q.knows_charter": "no"})
    reply = partner.submit()
    assert reply.status_code == 303, reply.get_data(as_text=True)[:2000]


def test_each_article_row_carries_its_summary_and_the_charter_links_the_official_text(app, client):
    respondent = Respondent(client)
    respondent.start()
    page = respondent.page("articles").get_data(as_text=True)
    assert page.count('<details class="row-summary">') == 24  # two matrices of 12 articles
    assert "What this article says" in page
    for path in ("/charter", "/charter/art01"):
        text = client.get(path).get_data(as_text=True)
        assert 'href="https://www.uclg-cisdp.org/en/right-to-the-city/world-charter-agenda"' in text


# -- numbers, dates, time-bound texts, data use -------------------------------------------------


def test_questions_are_numbered_in_file_order_on_pages_and_review(app, client, definitions):
    questionnaire = definitions["local-governments"]
    assert [questionnaire.number(q.key) for q in questionnaire.questions] == list(
        range(1, len(questionnaire.questions) + 1)
    )
    respondent = Respondent(client)
    respondent.start()
    articles = respondent.page("articles").get_data(as_text=True)
    number = questionnaire.number("article_relevance")
    assert f'<span class="question-number">{number}.</span>' in articles
    review = client.get(f"/r/{respondent.token}/review").get_data(as_text=True)
    assert f'<span class="question-number">{number}.</span>' in review


MOMENTS = [
    ("en", "30 June 2027, 23:59 UTC", "30 June 2027"),
    ("fr", "30 juin 2027, 23:59 UTC", "30 juin 2027"),
    ("es", "30 de junio de 2027, 23:59 UTC", "30 de junio de 2027"),
]


@pytest.mark.parametrize(("language", "with_time", "day"), MOMENTS)
def test_dates_are_written_in_each_languages_format_with_time_and_zone(
    app, language, with_time, day
):
    moment = datetime(2027, 6, 30, 23, 59, 59, tzinfo=UTC)
    with app.test_request_context(f"/?lang={language}"):
        assert format_moment(moment) == with_time
        assert format_moment(moment, time=False) == day
    client = app.test_client()
    for path in ("/", "/questionnaires/local-governments"):
        assert with_time in client.get(f"{path}?lang={language}").get_data(as_text=True)


#: Words that date a text to 2021-2022: the consultation stays open until 2027.
DATED = re.compile(
    r"Daejeon|ten years|dix ans|diez años|World Congress|Congrès mondial|Congreso Mundial",
    re.IGNORECASE,
)
RESPONDENT_TEMPLATES = ("core", "questionnaires", "charter", "contributions")


def test_no_respondent_text_is_tied_to_the_2022_congress():
    files = [QUESTIONNAIRES / f"{n}.yaml" for n in ("local-governments", "partners", "charter")]
    for folder in RESPONDENT_TEMPLATES:
        files += sorted((ROOT / "templates" / folder).glob("*.html"))
    for path in files:
        for line_number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert not DATED.search(line), f"{path.name}:{line_number}: {line.strip()}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_intro_says_how_answers_are_used_and_every_footer_links_the_privacy_page(
    app, client, language
):
    for key in ("local-governments", "partners"):
        intro = client.get(f"/questionnaires/{key}?lang={language}").get_data(as_text=True)
        assert 'id="data-use-title"' in intro
        assert {"en": "UCLG CISDP", "fr": "CISDP de CGLU", "es": "CISDP de CGLU"}[language] in intro
    privacy = client.get(f"/privacy?lang={language}")
    assert privacy.status_code == 200
    assert privacy.headers["Content-Type"].startswith("text/html")
    respondent = Respondent(client)
    respondent.start()
    for path in (
        "/",
        "/privacy",
        "/charter",
        "/contributions",
        "/questionnaires/partners",
        f"/r/{respondent.token}/s/profile",
        f"/r/{respondent.token}/review",
        "/no-such-page",
    ):
        body = client.get(path).get_data(as_text=True)
        # On a page whose form saves before leaving, the footer's way out is a button of it.
        assert 'href="/privacy"' in body or 'value="leave:core.privacy"' in body, path


def test_the_landing_pages_words_match_its_cards(client):
    page = client.get("/").get_data(as_text=True)
    cards = page.count('<article class="card">')
    assert cards == 3  # two questionnaires and the open contributions
    assert "Two ways to take part" not in page
    assert "How to take part" in page
    assert "Ten years" not in page and "World Congress" not in page
