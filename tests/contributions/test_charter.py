"""The Charter: its structure file validated at start, its pages, and the article ratings."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from consult.contributions.charter import load_charter, parse_charter
from consult.db import db, utcnow, writing
from consult.questionnaires.definition import DefinitionError
from consult.questionnaires.models import Answer, QuestionnaireVersion, Response
from tests.conftest import csrf_token, publication_version

SHIPPED = Path(__file__).resolve().parents[2] / "questionnaires"


@pytest.fixture(scope="module")
def raw_charter() -> dict:
    return yaml.safe_load((SHIPPED / "charter.yaml").read_text(encoding="utf-8"))


def test_the_shipped_charter_is_valid():
    charter = load_charter(SHIPPED)
    assert charter.article_keys == tuple(f"art{n:02d}" for n in range(1, 13))
    for article in charter.articles:
        assert [p.key for p in article.parts] == ["rights", "obligations", "duties", "action_plan"]
        for text in (article.title, article.summary, *(p.summary for p in article.parts)):
            assert set(text) == {"en", "fr", "es"} and all(text.values())


def test_a_missing_translation_is_reported_with_its_path(raw_charter):
    broken = copy.deepcopy(raw_charter)
    del broken["articles"][4]["parts"][2]["summary"]["fr"]
    broken["sections"][0]["title"]["es"] = " "
    with pytest.raises(DefinitionError) as error:
        parse_charter(broken, "charter.yaml")
    paths = {p.path for p in error.value.problems}
    assert "articles[4].parts[2].summary.fr" in paths
    assert "sections[0].title.es" in paths


def test_articles_must_keep_their_order_and_parts(raw_charter):
    broken = copy.deepcopy(raw_charter)
    broken["articles"][0], broken["articles"][1] = broken["articles"][1], broken["articles"][0]
    broken["articles"][2]["parts"].pop()
    with pytest.raises(DefinitionError) as error:
        parse_charter(broken)
    reasons = " ".join(str(p) for p in error.value.problems)
    assert "must be 'art01'" in reasons and "articles[2].parts" in reasons


@pytest.mark.parametrize(
    ("short_title", "problem"),
    [
        (None, "articles[3].short_title: missing"),
        ({"en": "Equality", "fr": "Égalité"}, "articles[3].short_title.es: missing or empty"),
        ({"en": "Equality", "fr": "Égalité", "es": " "}, "articles[3].short_title.es: missing"),
        (
            {"en": "Equality", "fr": "Égalité", "es": "Derecho de mujeres y hombres a la igualdad"},
            "articles[3].short_title.es: 42 characters, at most 30",
        ),
        ("Equality", "articles[3].short_title: must be a mapping of en, fr and es"),
    ],
)
def test_every_article_has_a_short_title_that_fits(raw_charter, short_title, problem):
    broken = copy.deepcopy(raw_charter)
    if short_title is None:
        del broken["articles"][3]["short_title"]
    else:
        broken["articles"][3]["short_title"] = short_title
    with pytest.raises(DefinitionError) as error:
        parse_charter(broken, "charter.yaml")
    assert any(str(p).startswith(f"charter.yaml: {problem}") for p in error.value.problems), [
        str(p) for p in error.value.problems
    ]


def test_the_shipped_short_titles_fit_and_use_the_titles_words():
    for article in load_charter(SHIPPED).articles:
        for language in ("en", "fr", "es"):
            short = article.short_title[language]
            assert 0 < len(short) <= 30, (article.key, language)
            # (a few words of the article's name, never new ones: each word's stem is in it)
            title = article.title[language].lower()
            for word in re.findall(r"\w{4,}", short.lower()):
                assert word[:5] in title, (article.key, language, word)


def test_an_invalid_charter_stops_the_app(make_app, tmp_path, raw_charter):
    broken = copy.deepcopy(raw_charter)
    broken["title"] = {"en": "Only English"}
    (tmp_path / "charter").mkdir()
    (tmp_path / "charter" / "charter.yaml").write_text(yaml.safe_dump(broken), encoding="utf-8")
    with pytest.raises(DefinitionError, match="title.fr"):
        make_app(CHARTER_PATH=str(tmp_path / "charter"))


def test_roman_numerals_and_numbers_resolve():
    charter = load_charter(SHIPPED)
    assert charter.resolve_article("IX") == "art09"
    assert charter.resolve_article("ix") == "art09"
    assert charter.resolve_article("9") == "art09"
    assert charter.resolve_article("art09") == "art09"
    assert charter.resolve_article("XIII") is None
    assert charter.resolve_article("0") is None


def test_the_charter_page_lists_sections_articles_and_parts(client):
    page = client.get("/charter").get_data(as_text=True)
    for text in ("Preamble", "General provisions", "Final provisions", "Right to the city"):
        assert text in page
    assert page.count('class="article-item"') == 12
    assert page.count("Suggested action plan") == 12
    assert 'href="/contributions/new?article=art05"' in page


@pytest.mark.parametrize("language, title", [("fr", "Droit au logement"), ("es", "Derecho a la")])
def test_the_charter_is_trilingual(client, language, title):
    page = client.get(f"/charter/art10?lang={language}").get_data(as_text=True)
    assert title in page
    assert f'<html lang="{language}">' in page


@pytest.mark.parametrize("reference", ["X", "x", "10"])
def test_other_references_redirect_to_the_article(client, reference):
    reply = client.get(f"/charter/{reference}")
    assert reply.status_code == 301
    assert reply.location.endswith("/charter/art10")


@pytest.mark.parametrize("reference", ["art13", "XIII", "preamble", "0"])
def test_unknown_articles_are_not_found(client, reference):
    assert client.get(f"/charter/{reference}").status_code == 404


def test_the_article_page_links_to_contribute_on_it_and_each_part(client):
    page = client.get("/charter/art04").get_data(as_text=True)
    assert 'href="/contributions/new?article=art04"' in page
    for part in ("rights", "obligations", "duties", "action_plan"):
        assert f'href="/contributions/new?article=art04&amp;part={part}"' in page


def test_published_contributions_appear_under_their_part(client, contribute):
    contribute("On the duties of inhabitants.", publish=True, article="art04", part="duties")
    contribute("On the whole article.", publish=True, article="art04")
    page = client.get("/charter/art04").get_data(as_text=True)
    duties = page.index('id="part-duties"')
    action_plan = page.index('id="part-action_plan"')
    assert duties < page.index("On the duties of inhabitants.") < action_plan
    assert page.index("On the whole article.") > page.index('id="whole-article"')


def _rate(app, questionnaire: str, ratings: list[str], status: str = "submitted") -> None:
    """Store responses whose article_relevance row art02 holds each rating."""
    with app.app_context(), writing():
        version = db.session.scalar(
            select(QuestionnaireVersion).where(QuestionnaireVersion.key == questionnaire)
        )
        for number, rating in enumerate(ratings):
            response = Response(
                questionnaire_key=questionnaire,
                questionnaire_version=version.version,
                version_id=version.id,
                resume_token_hash=f"{questionnaire}-{status}-{number}-{rating}".ljust(64, "x"),
                status=status,
                language="en",
                submitted_at=utcnow() if status == "submitted" else None,
            )
            db.session.add(response)
            db.session.flush()
            db.session.add(
                Answer(
                    response_id=response.id,
                    question_key="article_relevance",
                    part_key="art02",
                    value=rating,
                )
            )
            db.session.add(
                Answer(
                    response_id=response.id,
                    question_key="article_relevance",
                    part_key="art03",
                    value="relevant",
                )
            )
        db.commit()


def _ratings_region(page: str) -> str:
    start = page.index('class="ratings"')
    return page[start : page.index("</section>", start)]


def _publish(app, login) -> None:
    """Freeze the outcomes now and publish them: the article pages show published figures."""
    admin = login(app.test_client(), "admin")
    page = admin.get("/staff/outcomes/snapshots").get_data(as_text=True)
    form = {"csrf_token": csrf_token(page), "label": "Published", "timezone": "UTC"}
    assert (
        admin.post("/staff/outcomes/snapshots", data={**form, "step": "confirm"}).status_code == 302
    )
    publish = {"csrf_token": csrf_token(page), "confirm": "yes", **publication_version(app)}
    assert admin.post("/staff/outcomes/snapshots/1/publish", data=publish).status_code == 302


def _rows(region: str) -> dict[str, list[str]]:
    rows = {}
    for row in region.split("<tr")[2:]:
        name = re.sub(r"<[^>]+>", "", row.split("</th>")[0].split(">", 1)[1]).strip()
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        rows[name] = cells
    return rows


def test_ratings_come_from_the_published_snapshot_never_live(app, client, login):
    _rate(app, "local-governments", ["very_relevant"] * 6 + ["relevant"] * 5)
    region = _ratings_region(client.get("/charter/art02").get_data(as_text=True))
    assert "once UCLG CISDP publishes the first outcomes" in region and "<td" not in region
    _publish(app, login)
    _rate(app, "local-governments", ["not_relevant"] * 7)  # after the freeze: never shown
    rows = _rows(_ratings_region(client.get("/charter/art02").get_data(as_text=True)))
    local = next(k for k in rows if "local" in k.lower())
    assert rows[local] == ["6", "5", "0", "0", "0", "11"]


def test_ratings_count_submitted_responses_of_both_questionnaires(app, client, login):
    _rate(app, "local-governments", ["very_relevant"] * 4 + ["relevant"] * 2)
    _rate(app, "partners", ["very_relevant", "not_relevant", "dont_know", "relevant", "relevant"])
    _rate(app, "partners", ["not_relevant"] * 9, status="draft")  # drafts never count
    _publish(app, login)
    rows = _rows(_ratings_region(client.get("/charter/art02").get_data(as_text=True)))
    scale = ["very_relevant", "relevant", "somewhat_relevant", "not_relevant", "dont_know"]
    hidden = "not shown"
    # Every non-zero cell is below 5: none is shown. The local governments are a group of 6
    # (under 2 x 5) with 2 outside its largest answer: its row is withheld whole, zeros too,
    # and so is the total, which would give it back (group disclosure).
    local = next(k for k in rows if "local" in k.lower())
    assert rows[local] == [hidden] * len(scale) + ["6"]
    assert rows["All respondents"] == [
        "Fewer than 5 respondents, or a total from which they could be worked out: not shown"
    ]


def test_ratings_below_the_threshold_are_suppressed(app, make_app, client, login):
    _rate(app, "local-governments", ["very_relevant"] * 6)
    _rate(app, "partners", ["relevant"] * 2)
    _publish(app, login)
    region = _ratings_region(client.get("/charter/art02").get_data(as_text=True))
    assert "Fewer than 5 respondents, or a total from which they could be worked out" in region
    # Local governments only: the total would give the partners' 2 away by subtraction.
    assert region.count('<td role="cell" class="num"') == 6

    strict = make_app(instance=app.instance_path, init=False, SMALL_CELL_THRESHOLD=10)
    region = _ratings_region(strict.test_client().get("/charter/art02").get_data(as_text=True))
    assert "Not enough respondents have rated this article yet" in region
    assert '<td role="cell"' not in region


def test_the_ratings_helper_needs_no_flask(app):
    from consult.contributions.ratings import article_ratings
    from consult.questionnaires.registry import current_questionnaires

    _rate(app, "partners", ["relevant"] * 5)
    with app.app_context():
        questionnaires = current_questionnaires()
        engine = db.engine
    with engine.connect() as connection:
        ratings = article_ratings(connection, "art02", questionnaires, threshold=5)
    partners = next(row for row in ratings.rows if row.key == "partners")
    assert partners.counts["relevant"] == 5 and partners.respondents == 5
    assert ratings.respondents == 5


def _outcomes_region(page: str) -> str:
    start = page.index('id="outcomes-title"')
    return page[start : page.index("</section>", start)]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "1 contribution on this article has been published since then"),
        ("fr", "1 contribution sur cet article a été publiée depuis"),
        ("es", "Desde entonces se ha publicado 1 contribución sobre este artículo"),
    ],
)
def test_the_frozen_count_says_how_many_were_published_since(
    app, client, login, contribute, language, words
):
    """Found by a review: the page read "Read its 1 contribution" above a snapshot box with
    "Open contributions 0": the box says its figures are frozen, and how many came since."""
    _rate(app, "local-governments", ["very_relevant"] * 6)
    _publish(app, login)
    region = _outcomes_region(client.get("/charter/art08").get_data(as_text=True))
    assert "since then" not in region  # live and frozen agree: nothing to say
    contribute("On meetings.", publish=True, article="art08")
    page = client.get(f"/charter/art08?lang={language}").get_data(as_text=True)
    region = _outcomes_region(page)
    assert words in region.replace("\u00a0", " ")


@pytest.mark.parametrize(
    ("frozen", "live", "since"),
    [(0, 1, 1), (3, 3, None), (3, 1, -2), (None, 4, None)],
)
def test_published_since_cases(frozen, live, since):
    from consult.contributions.charter_views import published_since

    figures = [{"count": None}, {"count": frozen}]
    assert published_since({"figures": figures}, live) == since
    assert published_since(None, live) is None
