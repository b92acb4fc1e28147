"""Nothing lost, whatever happens: bad values, huge bodies, old pages, repeated posts, closing,
personal data, and text in any script."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import yaml
from itsdangerous import TimestampSigner
from sqlalchemy import func, select

from consult.analysis.data import ResponseFilter, load_answers, load_responses
from consult.config import Defaults
from consult.db import db
from consult.questionnaires.models import ContactDetails, Response
from tests.conftest import Respondent, csrf_token
from tests.questionnaires.test_respond import (
    ARTICLES,
    PROFILE,
    fill_required,
    responses,
    stored,
)

PARTNER_PROFILE = {
    "q.organisation_type": "civil_society",
    "q.scope_of_work": "national",
    "q.country": "SN",
}


def stored_parts(app, question_key: str) -> int:
    """How many values are stored for one question, across the responses."""
    return sum(1 for question, _part in stored(app) if question == question_key)


def page_text(reply) -> str:
    return reply.get_data(as_text=True).replace("&#39;", "'")


# -- values the definition does not allow -----------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("100001", "Enter a number of at most 100000."),
        ("-1", "Enter a number of at least 0."),
        ("abc", "Enter a number, for example 12."),
        ("12 staff", "Enter a number, for example 12."),
        ("NaN", "Enter a number, for example 12."),
        ("Infinity", "Enter a number, for example 12."),
        ("1e999999", "Enter a number, for example 12."),
        ("12.5", "Enter a whole number."),
    ],
)
def test_numbers_out_of_range_or_not_numbers_are_refused(app, respondent, typed, message):
    respondent.start()
    respondent.save("profile", PROFILE)
    reply = respondent.save(
        "commitments", {"q.hr_staff_number": typed, "q.charter_2011_adopted": "in_process"}
    )
    assert reply.status_code == 422
    page = page_text(reply)
    assert message in page
    assert f'value="{typed}"' in page  # shown back exactly as typed
    answers = stored(app)
    assert ("hr_staff_number", "") not in answers
    assert answers[("charter_2011_adopted", "")] == "in_process"


@pytest.mark.parametrize(("typed", "kept"), [("12", "12"), ("1 200", "1200"), ("100000", "100000")])
def test_numbers_in_range_are_stored_normalised(app, respondent, typed, kept):
    respondent.start()
    respondent.save("profile", PROFILE)
    reply = respondent.save(
        "commitments", {"q.hr_staff_number": typed, "q.charter_2011_adopted": "no"}
    )
    assert reply.status_code == 303
    assert stored(app)[("hr_staff_number", "")] == kept


def test_more_choices_than_allowed_are_refused_and_the_page_kept(app, client):
    partner = Respondent(client, "partners")
    partner.start()
    six = [
        "housing",
        "culture",
        "gender_equality",
        "water_food",
        "digital_rights",
        "children_youth",
    ]
    reply = partner.save("profile", {**PARTNER_PROFILE, "q.thematic_areas": six})
    assert reply.status_code == 422
    page = page_text(reply)
    assert "Choose at most 5 options." in page
    for key in six:  # every box still ticked as the respondent left it
        assert re.search(rf'value="{key}" checked', page), key
    answers = stored(app)
    assert not any(q == "thematic_areas" for q, _ in answers)
    assert answers[("organisation_type", "")] == "civil_society"
    assert answers[("country", "")] == "SN"


def test_the_other_text_does_not_count_against_the_allowed_choices(app, client):
    partner = Respondent(client, "partners")
    partner.start()
    five = ["housing", "culture", "gender_equality", "water_food", "digital_rights"]
    accepted = partner.save(
        "profile",
        {**PARTNER_PROFILE, "q.thematic_areas": five, "q.thematic_areas.other": "Urban memory"},
    )
    assert accepted.status_code == 303
    assert stored(app)[("thematic_areas", "other")] == "Urban memory"
    assert stored(app)[("thematic_areas", "digital_rights")] == "1"
    refused = partner.save(
        "profile",
        {
            **PARTNER_PROFILE,
            "q.thematic_areas": [*five, "disability"],
            "q.thematic_areas.other": "Urban memory",
        },
    )
    assert refused.status_code == 422
    assert "Choose at most 5 options." in page_text(refused)
    assert stored(app)[("thematic_areas", "other")] == "Urban memory"  # the earlier answer stays


def test_matrix_with_an_unknown_scale_key_is_refused_and_the_other_rows_shown_back(app, respondent):
    respondent.start()
    rows = {**ARTICLES, "q.article_relevance.art05": "extremely_relevant"}
    reply = respondent.save("articles", {**rows, "q.article_comments": "Keep article V."})
    assert reply.status_code == 422
    page = page_text(reply)
    assert "Choose one of the options offered." in page
    assert re.search(r'id="q.article_relevance.art04-very_relevant"[^>]*checked', page)
    answers = stored(app)
    assert not any(q == "article_relevance" for q, _ in answers)  # nothing invalid stored
    assert answers[("article_comments", "")] == "Keep article V."


def test_matrix_with_an_unknown_row_is_ignored_with_a_message(app, respondent):
    respondent.start()
    reply = respondent.save("articles", {**ARTICLES, "q.article_relevance.art13": "relevant"})
    assert reply.status_code == 422
    assert "does not belong to this page" in page_text(reply)
    answers = stored(app)
    assert ("article_relevance", "art13") not in answers
    assert answers[("article_relevance", "art12")] == "very_relevant"
    assert stored_parts(app, "article_relevance") == 12


def test_several_megabytes_in_one_field_keep_every_other_answer_of_the_page(app, respondent):
    respondent.start()
    huge = "ن" * (1536 * 1024)  # 3 MB of UTF-8, 9 MB once form-encoded
    reply = respondent.save("profile", {**PROFILE, "q.respondent_department": huge})
    assert reply.status_code == 422
    page = page_text(reply)
    assert "the limit is 200" in page
    assert 'value="Ciudad de México"' in page
    assert '<option value="MX" selected>' in page
    assert re.search(r'value="metropolis" checked', page)
    assert len(page) < 200_000  # the huge text is not echoed back in full
    answers = stored(app)
    assert answers[("institution_name", "")] == "Ciudad de México"
    assert answers[("population_band", "")] == "over_5m"
    assert ("respondent_department", "") not in answers


def test_a_body_over_the_request_limit_is_refused_with_a_message_and_stores_nothing(
    make_app, respondent_factory
):
    app = make_app(MAX_CONTENT_LENGTH=2 * 1024 * 1024, MAX_FORM_MEMORY_SIZE=2 * 1024 * 1024)
    respondent = respondent_factory(app.test_client())
    respondent.start()
    respondent.save("profile", PROFILE)
    reply = respondent.save("final", {"q.final_priority": "x" * (3 * 1024 * 1024)})
    assert reply.status_code == 413
    assert "too large" in page_text(reply)
    assert ("final_priority", "") not in stored(app)
    assert stored(app)[("institution_name", "")] == "Ciudad de México"


def test_nul_characters_are_dropped_rather_than_failing_the_page(app, respondent):
    respondent.start()
    reply = respondent.save("profile", {**PROFILE, "q.institution_name": "Dak\x00ar"})
    assert reply.status_code == 303
    assert stored(app)[("institution_name", "")] == "Dakar"


# -- time, sessions and repeated requests ------------------------------------------------------


def _later(monkeypatch: pytest.MonkeyPatch, seconds: int) -> None:
    """Move the clock that signs CSRF tokens and session cookies forward."""
    real = time.time
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(real()) + seconds)


def test_a_page_left_open_for_hours_still_saves(app, respondent, monkeypatch):
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None
    respondent.start()
    respondent.page("profile")  # the CSRF token in the page is signed now
    _later(monkeypatch, 9 * 3600)
    reply = respondent.save("profile", PROFILE)
    assert reply.status_code == 303
    assert stored(app)[("institution_name", "")] == "Ciudad de México"


def test_with_a_csrf_time_limit_the_same_page_would_have_expired(make_app, monkeypatch):
    """The control of the test above: the clock moved, and a time limit would have bitten."""
    app = make_app(WTF_CSRF_TIME_LIMIT=3600)
    respondent = Respondent(app.test_client())
    respondent.start()
    respondent.page("profile")
    _later(monkeypatch, 9 * 3600)
    reply = respondent.save("profile", PROFILE)
    assert reply.status_code == 200 and "Your session had expired" in page_text(reply)
    assert 'value="Ciudad de México"' in page_text(reply)  # even then, nothing typed is lost


def test_back_button_resubmission_of_a_page_stores_it_once(app, respondent):
    respondent.start()
    first = respondent.save("profile", PROFILE)
    respondent.save("commitments", {"q.charter_2011_adopted": "no"})
    # The browser's back button, then the same form sent again with its old token.
    again = respondent.save("profile", PROFILE)
    assert first.status_code == again.status_code == 303
    assert first.location == again.location
    assert responses(app) == 1
    assert stored_parts(app, "institution_name") == 1
    assert stored_parts(app, "country") == 1 and stored_parts(app, "region") == 1
    assert stored(app)[("charter_2011_adopted", "")] == "no"  # later pages untouched


def test_back_button_resubmission_of_the_start_form_reopens_the_same_response(app, client):
    page = client.get("/questionnaires/local-governments").get_data(as_text=True)
    start = {
        "csrf_token": csrf_token(page),
        "start_token": re.search(r'name="start_token" value="([^"]+)"', page).group(1),
    }
    first = client.post("/questionnaires/local-governments/start", data=start)
    respondent = Respondent(client)
    respondent.token = first.location.rsplit("/r/", 1)[1]
    fill_required(respondent)
    assert client.post("/questionnaires/local-governments/start", data=start).location.endswith(
        f"/r/{respondent.token}"
    )
    assert client.get(f"/r/{respondent.token}").location.endswith("/s/challenges")
    respondent.submit()
    again = client.post("/questionnaires/local-governments/start", data=start)
    assert again.location.endswith(f"/r/{respondent.token}")
    assert client.get(again.location).location.endswith("/review")
    assert responses(app) == 1 and responses(app, "submitted") == 1


# -- after submitting, until and after closing ------------------------------------------------


def _closed_copy(folder: Path, key: str = "local-governments") -> Path:
    """Copy the definitions with ``key`` closed yesterday (same version, same questions)."""
    folder.mkdir()
    for path in Path(Defaults.QUESTIONNAIRES_PATH).glob("*.yaml"):
        source = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(source, dict) and source.get("key") == key:
            source["closes_at"] = "2022-02-22T23:59:59+00:00"
        (folder / path.name).write_text(
            yaml.safe_dump(source, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    return folder


def test_edit_after_submit_until_closing_then_refused_after_closing(
    app, make_app, respondent, tmp_path
):
    respondent.start()
    fill_required(respondent)
    respondent.submit()
    with app.app_context():
        receipt = db.session.scalar(select(Response.receipt_number))
    edited = respondent.save("profile", {**PROFILE, "q.institution_name": "CDMX"})
    assert edited.status_code == 303
    assert stored(app)[("institution_name", "")] == "CDMX"

    # The deadline passes: same database, same version, closing date now in the past.
    # (make_app runs `consult init` on it: moving a deadline is not a change of questions.)
    closed_app = make_app(
        instance=app.instance_path, QUESTIONNAIRES_PATH=str(_closed_copy(tmp_path / "closed"))
    )
    later = closed_app.test_client()
    for path in ("s/profile", "review"):
        shown = later.get(f"/r/{respondent.token}/{path}")
        assert shown.status_code == 200
        assert "no longer accepts answers" in page_text(shown)
        assert receipt in page_text(shown) and 'name="q.' not in page_text(shown)
    token = csrf_token(later.get("/questionnaires/partners").get_data(as_text=True))
    refused = later.post(
        f"/r/{respondent.token}/s/profile",
        data={"csrf_token": token, "action": "next", **PROFILE, "q.institution_name": "Typé"},
    )
    assert refused.status_code == 403 and "no longer accepts answers" in page_text(refused)
    # What was typed while the deadline passed is shown back, to be copied, never dropped.
    assert "was not saved" in page_text(refused) and "Typé" in page_text(refused)
    refused = later.post(
        f"/r/{respondent.token}/review", data={"csrf_token": token, "contact.name": "Ana Ruiz"}
    )
    assert refused.status_code == 403 and "Ana Ruiz" in page_text(refused)
    autosave = later.post(
        f"/r/{respondent.token}/s/profile/autosave",
        data={"csrf_token": token, "q.institution_name": "Late"},
        headers={"Accept": "application/json"},
    )
    assert autosave.status_code == 403 and autosave.get_json()["closed"] is True
    # An expired session on a closed questionnaire says it is closed, not "press again".
    stale = later.post(f"/r/{respondent.token}/s/profile", data={"csrf_token": "stale", **PROFILE})
    assert "no longer accepts answers" in page_text(stale) and 'name="q.' not in page_text(stale)
    assert stored(app)[("institution_name", "")] == "CDMX"
    receipt_page = later.get(f"/r/{respondent.token}/receipt")
    assert receipt in page_text(receipt_page) and "See or change my answers" not in page_text(
        receipt_page
    )


def test_moving_a_deadline_does_not_need_a_new_version(app, make_app, respondent, tmp_path):
    respondent.start()
    fill_required(respondent)
    respondent.submit()
    folder = _closed_copy(tmp_path / "closed")
    closed_app = make_app(instance=app.instance_path, init=False, QUESTIONNAIRES_PATH=str(folder))
    result = closed_app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    with closed_app.app_context():
        assert db.session.scalar(select(func.count(Response.id))) == 1


# -- personal data ------------------------------------------------------------------------------


def test_personal_data_are_optional(app, respondent):
    respondent.start()
    fill_required(respondent)
    assert respondent.submit().status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count(ContactDetails.id))) == 0


def test_consent_is_asked_in_the_respondents_language_and_recorded(app, respondent):
    respondent.start()
    fill_required(respondent)
    review = respondent.client.get(f"/r/{respondent.token}/review?lang=fr")
    notice = yaml.safe_load(
        (Path(Defaults.QUESTIONNAIRES_PATH) / "local-governments.yaml").read_text("utf-8")
    )["privacy_notice"]["fr"]
    assert notice[:60] in page_text(review)
    reply = respondent.submit(name="Aïcha Diop", email="a.diop@example.sn", consent="yes")
    assert reply.status_code == 303
    with app.app_context():
        contact = db.session.scalar(select(ContactDetails))
        assert (contact.name, contact.consent_language) == ("Aïcha Diop", "fr")
        assert contact.consented_at is not None


def test_personal_data_are_kept_apart_from_the_answers_and_can_be_withdrawn(app, respondent):
    respondent.start()
    fill_required(respondent)
    respondent.submit(name="Ana", email="ana@example.org", job_title="Advisor", consent="yes")
    with app.app_context(), db.engine.connect() as connection:
        frames = [load_responses(connection), load_answers(connection, ResponseFilter())]
    for frame in frames:
        text = frame.astype(str).to_csv()
        assert "ana@example.org" not in text and "Advisor" not in text
    assert "ana@example.org" not in stored(app).values()
    # Editing through the resume link and emptying the fields removes them.
    assert respondent.submit().status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count(ContactDetails.id))) == 0
    assert responses(app, "submitted") == 1


def test_consent_without_contact_details_stores_nothing(app, respondent):
    respondent.start()
    fill_required(respondent)
    assert respondent.submit(consent="yes").status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count(ContactDetails.id))) == 0


# -- any script ---------------------------------------------------------------------------------

SCRIPTS = {
    "q.institution_name": "بلدية الرباط",
    "q.respondent_department": "인권담당관실 🏳️‍🌈👩🏽‍⚖️",
}
LONG_TEXT = "حقوق الإنسان في المدينة\r\n\r\n서울 인권 헌장 — «droits» \u202bRTL\u202c end 🌍"
#: Stored verbatim but for the line breaks, one LF each as the browser counts them, and the
#: direction-reversing embedding, taken out (consult/core/inputs.py).
LONG_TEXT_STORED = "حقوق الإنسان في المدينة\n\n서울 인권 헌장 — «droits» RTL end 🌍"


def test_arabic_korean_emoji_and_rtl_text_round_trip_through_the_resume_link(app, respondent):
    respondent.start()
    respondent.save("profile", {**PROFILE, **SCRIPTS})
    respondent.save(
        "commitments",
        {
            "q.charter_2011_adopted": "no",
            "q.hr_elements": ["ombudsperson"],
            "q.hr_elements.other": "مرصد محلي 🕊️",
        },
    )
    respondent.save("articles", {**ARTICLES, "q.article_comments": LONG_TEXT})
    answers = stored(app)
    assert answers[("institution_name", "")] == SCRIPTS["q.institution_name"]
    assert answers[("respondent_department", "")] == SCRIPTS["q.respondent_department"]
    assert answers[("hr_elements", "other")] == "مرصد محلي 🕊️"
    # Verbatim but for the line breaks, one LF each as the browser counts them, and the
    # direction-reversing embeddings, taken out (consult/core/inputs.py).
    assert answers[("article_comments", "")] == LONG_TEXT_STORED

    elsewhere = app.test_client()
    profile = page_text(elsewhere.get(f"/r/{respondent.token}/s/profile"))
    for value in SCRIPTS.values():
        assert f'value="{value}"' in profile
    assert re.search(r'<input id="q.institution_name"[^>]*dir="auto"', profile)
    articles = page_text(elsewhere.get(f"/r/{respondent.token}/s/articles"))
    assert LONG_TEXT_STORED in articles.replace("\r\n", "\n")
    assert re.search(r'<textarea id="q.article_comments"[^>]*dir="auto"', articles)
    review = page_text(elsewhere.get(f"/r/{respondent.token}/review"))
    assert SCRIPTS["q.respondent_department"] in review
    assert '<span class="answer-line" dir="auto">بلدية الرباط</span>' in review
