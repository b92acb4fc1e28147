"""A walk over every slide of the deck, in en/fr/es, for several snapshot shapes: the deck never
says on stage a zero or an absence that is really "not in this view", never shows a staff
instruction, prints beside a mean the range of the means' own bases, and writes its dates as
French and Spanish write them.

The shapes: unfiltered (quotes starred), unfiltered before any quote was starred, unfiltered
before any contribution was published, filtered to a region (contributions covered), and
filtered to a questionnaire, a region and a type of local government (contributions not covered,
every starred quote outside the view). Each deck is read as its HTML slides (the PDF prints
them) and as its PPTX (slides and speaker notes).
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import lxml.html
import pytest
from pptx import Presentation
from sqlalchemy import select

from consult import create_app
from consult.cli import init_database
from consult.db import db, writing
from consult.geography import region_map
from consult.outcomes import data, deck_read, demo_contributions, operations, quotes
from consult.outcomes.demo import DemoPlan
from consult.outcomes.filters import SummaryFilter
from consult.questionnaires.models import Answer, Response
from consult.questionnaires.registry import current_questionnaires
from consult.staff.models import User
from consult.staff.operations import create_user
from tests.conftest import PG_URL, STAFF_PASSWORD, _reset_postgres, base_config, csrf_token
from tests.outcomes.conftest import fill_demo

LANGUAGES = ("en", "fr", "es")
REGIONS = {
    "en": ["Africa", "Asia-Pacific", "Eurasia", "Europe", "Middle East", "North America"],
    "fr": ["Afrique", "Asie-Pacifique", "Eurasie", "Europe", "Moyen-Orient", "Amérique du Nord"],
    "es": ["África", "Asia-Pacífico", "Eurasia", "Europa", "Oriente Medio", "América del Norte"],
}
#: Words of the staff's workspace, never said to an audience (en, fr, es).
STAFF_WORDS = re.compile(
    r"\bstar(?:red|s|ring)?\b|quotes? bank|\bstaff\b|workspace|/staff"
    r"|étoile|\bmarquez\b|banque de citations|espace de travail"
    r"|estrella|\bmarque respuestas|banco de citas|espacio de trabajo",
    re.IGNORECASE,
)
#: What a slide of a view that leaves contributions out must never say of them.
FALSE_ZERO = {
    "en": re.compile(r"\b0 published|No published contribution|\bn = 0\b|^0 contribution"),
    "fr": re.compile(r"\b0 publiée|Aucune contribution publiée|\bn = 0\b|^0 contribution"),
    "es": re.compile(r"\b0 publicada|Ninguna contribución publicada|\bn = 0\b|^0 contribuci"),
}
NOT_COVERED = {
    "en": "Open contributions are not covered by this view",
    "fr": "Les contributions libres ne sont pas couvertes par cette vue",
    "es": "Las contribuciones abiertas no están incluidas en esta vista",
}


def _freeze(app, label: str, filters: SummaryFilter = SummaryFilter()) -> int:
    with app.app_context(), writing():
        admin = db.session.scalar(select(User).where(User.email == "walk@cisdp.test"))
        sources = data.SummarySources(
            current_questionnaires(), Path(app.config["QUESTIONNAIRES_PATH"])
        )
        snapshot = operations.freeze(
            db.session, sources, label=label, timezone="Europe/Paris", actor=admin,
            filters=filters,
        )  # fmt: skip
        db.commit()
        return snapshot.id


def add_contributions(app) -> None:
    """Eighty demo contributions, the same for every test of the deck on stage."""
    with app.app_context(), writing():
        for _made in demo_contributions.generate_contributions(
            db.session,
            region_map(app.config["QUESTIONNAIRES_PATH"]),
            DemoPlan(responses=0, contributions=80, seed=11),
        ):
            pass
        db.commit()


def _star_six(app) -> None:
    """Star six text answers, none from Latin America."""
    with app.app_context(), writing():
        admin = db.session.scalar(select(User).where(User.email == "walk@cisdp.test"))
        questionnaires = current_questionnaires()
        keys = {
            key: {q.key for q in quotes.quotable_questions(found)}
            for key, found in questionnaires.items()
        }
        rows = db.session.execute(
            select(Answer.response_id, Answer.question_key, Response.questionnaire_key)
            .join(Response, Response.id == Answer.response_id)
            .where(
                Response.status == "submitted",
                Response.region.in_(["europe", "africa"]),
                Answer.part_key == "",
                Answer.value != "",
            )
            .order_by(Answer.response_id)
        ).all()
        starred = 0
        for response_id, question_key, questionnaire in rows:
            if question_key in keys[questionnaire] and starred < 6:
                quotes.star_answer(db.session, questionnaires, response_id, question_key, admin)
                starred += 1
        assert starred == 6
        db.commit()


@pytest.fixture(scope="module")
def walk(template_instance, tmp_path_factory):
    """The five snapshots, frozen in turn as the data grows, and an admin's client (one app
    for the module: the demo data and the freezes are made once)."""
    folder = tmp_path_factory.mktemp("on-stage")
    if not PG_URL:
        shutil.copy(template_instance / "consult.sqlite3", folder / "consult.sqlite3")
    app = create_app(base_config(folder, INSTANCE_PATH=str(folder)))
    if PG_URL:
        _reset_postgres(app)
    with app.app_context():
        init_database(app)
    with app.app_context(), writing():
        create_user(db.session, "walk@cisdp.test", "admin", STAFF_PASSWORD, one_time=False)
        db.commit()
    fill_demo(app, 160, seed=11)
    snapshots = {"no contributions": _freeze(app, "No contributions")}
    add_contributions(app)
    snapshots["no quotes"] = _freeze(app, "No quotes")
    _star_six(app)
    snapshots["unfiltered"] = _freeze(app, "Everything")
    snapshots["region"] = _freeze(app, "Latin America", SummaryFilter(region="latin_america"))
    snapshots["not covered"] = _freeze(
        app,
        "Latin American associations",
        SummaryFilter(
            questionnaire="local-governments",
            region="latin_america",
            respondent_type="association",
        ),
    )
    client = app.test_client()
    page = client.get("/staff/login").get_data(as_text=True)
    reply = client.post(
        "/staff/login",
        data={
            "csrf_token": csrf_token(page),
            "email": "walk@cisdp.test",
            "password": STAFF_PASSWORD,
        },
    )
    assert reply.status_code == 302
    yield client, snapshots
    app.extensions["consult.db"].engine.dispose()


#: Each deck read once: (snapshot, language, format) -> what it says.
_READ: dict = {}


def _slides(client, snapshot: int, language: str) -> list[deck_read.DeckSlide]:
    if (snapshot, language, "html") not in _READ:
        _READ[snapshot, language, "html"] = _read_slides(client, snapshot, language)
    return _READ[snapshot, language, "html"]


def _read_slides(client, snapshot: int, language: str) -> list[deck_read.DeckSlide]:
    response = client.get(f"/staff/outcomes/{snapshot}/deck?lang={language}")
    assert response.status_code == 200
    return deck_read.read_slides(response.get_data(as_text=True))


def _slide_texts(slide: deck_read.DeckSlide) -> list[str]:
    texts = [slide.title, slide.kicker, slide.foot, *(p.text for p in slide.body)]
    texts += [q.text for q in slide.quotes] + [q.source for q in slide.quotes]
    for finding in slide.findings:
        texts += [f"{figure} {sentence}" for figure, sentence in finding.statements]
        texts += [finding.question, *finding.bases]
    for chart in slide.charts:
        svg = lxml.html.fromstring(chart)
        texts += [" ".join(e.text_content().split()) for e in svg.iter("text", "title", "desc")]
    return [t for t in texts if t]


def _pptx_texts(client, snapshot: int, language: str) -> list[tuple[int, str]]:
    """Every text of the PPTX, slide by slide, its speaker notes included."""
    if (snapshot, language, "pptx") not in _READ:
        _READ[snapshot, language, "pptx"] = _read_pptx(client, snapshot, language)
    return _READ[snapshot, language, "pptx"]


def _read_pptx(client, snapshot: int, language: str) -> list[tuple[int, str]]:
    response = client.get(f"/staff/outcomes/{snapshot}/deck.pptx?lang={language}")
    assert response.status_code == 200
    found = []
    for number, slide in enumerate(Presentation(io.BytesIO(response.data)).slides, start=1):
        for shape in slide.shapes:
            if shape.has_text_frame:
                found += [(number, p.text) for p in shape.text_frame.paragraphs if p.text]
            if shape.has_table:
                found += [(number, c.text) for r in shape.table.rows for c in r.cells]
        notes = slide.notes_slide.notes_text_frame.text
        found += [(number, line) for line in notes.splitlines() if line]
    return found


def test_no_slide_says_a_false_zero_of_what_the_view_does_not_cover(walk):
    client, snapshots = walk
    problems = []
    for language in LANGUAGES:
        slides = {s.key: s for s in _slides(client, snapshots["not covered"], language)}
        said = " | ".join(_slide_texts(slides["contributions"]))
        if NOT_COVERED[language] not in said:
            problems.append(f"{language}: contributions slide: {said}")
        for slide in slides.values():
            for text in _slide_texts(slide):
                if FALSE_ZERO[language].search(text):
                    problems.append(f"{language} {slide.key}: {text}")
        for number, text in _pptx_texts(client, snapshots["not covered"], language):
            if FALSE_ZERO[language].search(text) or re.search(r"(^| )0 (open|contrib)", text):
                problems.append(f"{language} pptx {number}: {text}")
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("shape", ["region", "not covered"])
def test_regions_left_out_by_the_filter_are_not_listed(walk, shape):
    client, snapshots = walk
    problems = []
    for language in LANGUAGES:
        slides = {s.key: s for s in _slides(client, snapshots[shape], language)}
        said = " | ".join(_slide_texts(slides["participation"]))
        for region in REGIONS[language]:
            if region in said:
                problems.append(f"{language}: {region} in {said}")
    assert problems == [], "\n".join(problems)


def test_the_quotes_slide_says_the_quotes_chosen_fall_outside_the_view(walk):
    client, snapshots = walk
    outside = {
        "en": "6 quotes chosen",
        "fr": "6 citations choisies",
        "es": "6 citas elegidas",
    }
    for language in LANGUAGES:
        slides = {s.key: s for s in _slides(client, snapshots["not covered"], language)}
        said = " | ".join(_slide_texts(slides["quotes"]))
        assert outside[language] in said, said
        assert "outside" in said or "hors" in said or "fuera" in said, said


def test_nothing_to_quote_leaves_the_quotes_slide_out(walk):
    client, snapshots = walk
    for language in LANGUAGES:
        keys = [s.key for s in _slides(client, snapshots["no quotes"], language)]
        assert not any(k.startswith("quotes") for k in keys), keys
        pptx = _pptx_texts(client, snapshots["no quotes"], language)
        assert len({n for n, _t in pptx}) == len(keys)
        keys = [s.key for s in _slides(client, snapshots["unfiltered"], language)]
        assert "quotes" in keys, keys


def test_no_deck_text_holds_a_staff_instruction(walk):
    client, snapshots = walk
    problems = []
    for shape, snapshot in snapshots.items():
        for language in LANGUAGES:
            for slide in _slides(client, snapshot, language):
                for text in _slide_texts(slide):
                    if STAFF_WORDS.search(text):
                        problems.append(f"{shape} {language} {slide.key}: {text}")
            for number, text in _pptx_texts(client, snapshot, language):
                if STAFF_WORDS.search(text):
                    problems.append(f"{shape} {language} pptx {number}: {text}")
    assert problems == [], "\n".join(problems)


#: A date phrase as French and Spanish write it: "au 5 décembre", "al 5 de diciembre".
WRONG_DATES = {
    "fr": re.compile(r"\b(?:Données|données) (?:à|a|du|le) \d|\bau le\b"),
    "es": re.compile(r"\b(?:Datos|datos) (?:a|el|de) \d|\ba \d{1,2} de [a-z]+ de \d{4}"),
}
RIGHT_DATES = {"fr": "Données au ", "es": "Datos al "}


def test_every_date_phrase_reads_as_french_and_spanish_write_it(walk):
    client, snapshots = walk
    problems = []
    for language in ("fr", "es"):
        for shape, snapshot in snapshots.items():
            texts = [
                (slide.key, text)
                for slide in _slides(client, snapshot, language)
                for text in _slide_texts(slide)
            ]
            texts += [(f"pptx {n}", t) for n, t in _pptx_texts(client, snapshot, language)]
            if not any(RIGHT_DATES[language] in t for _k, t in texts):
                problems.append(f"{shape} {language}: no {RIGHT_DATES[language]!r}")
            for key, text in texts:
                if WRONG_DATES[language].search(text):
                    problems.append(f"{shape} {language} {key}: {text}")
    assert problems == [], "\n".join(problems)


#: "Yet" says that more is to come: of a filtered view, what it lacks is outside it.
YET = {"en": r"\byet\b", "fr": r"\bencore\b|pour l'instant", "es": r"\btodavía\b"}


@pytest.mark.parametrize("shape", ["region", "not covered"])
def test_a_filtered_deck_never_says_yet_of_what_it_lacks(walk, shape):
    client, snapshots = walk
    problems = []
    for language in LANGUAGES:
        for slide in _slides(client, snapshots[shape], language):
            if slide.key == "campaign":  # the whole campaign: no filter applies to it
                continue
            for text in _slide_texts(slide):
                if re.search(YET[language], text, re.IGNORECASE):
                    problems.append(f"{language} {slide.key}: {text}")
    assert problems == [], "\n".join(problems)
