"""Cost control on questionnaires: limits per address on starting and saving, a cap on the
number of fields of a posted page, and the clean-up of abandoned empty drafts."""

from __future__ import annotations

import re
import time
from datetime import timedelta

from sqlalchemy import select, update

from consult.db import db, utcnow, writing
from consult.questionnaires import operations
from consult.questionnaires.housekeeping import is_empty_document, purge_empty_drafts
from consult.questionnaires.models import Response
from consult.questionnaires.registry import current_questionnaires
from tests.conftest import Respondent, csrf_token


def test_starting_is_limited_per_address(make_app):
    app = make_app(RATELIMIT_ENABLED=True, QUESTIONNAIRE_START_RATE_LIMIT="3 per minute")
    client = app.test_client()
    for _ in range(3):
        Respondent(client).start()
    respondent = Respondent(client)
    page = client.get("/questionnaires/local-governments").get_data(as_text=True)
    assert "start_token" in page
    reply = client.post(
        "/questionnaires/local-governments/start",
        data={
            "csrf_token": csrf_token(page),
            "start_token": re.search(r'name="start_token" value="([^"]+)"', page).group(1),
        },
    )
    assert reply.status_code == 429 and reply.headers["Content-Security-Policy"]
    assert "Too many requests" in reply.get_data(as_text=True)
    assert respondent.token is None
    with app.app_context():
        assert len(db.session.scalars(select(Response)).all()) == 3
    # Another address is not affected.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    Respondent(other).start()


def test_page_saves_and_autosaves_share_one_limit_per_address(make_app):
    app = make_app(RATELIMIT_ENABLED=True, QUESTIONNAIRE_SAVE_RATE_LIMIT="4 per minute")
    respondent = Respondent(app.test_client())
    respondent.start()
    respondent.page("profile")
    statuses = [respondent.save("profile", {}, action="save").status_code for _ in range(2)]
    autosave = f"/r/{respondent.token}/s/profile/autosave"
    data = {"csrf_token": respondent.csrf}
    statuses += [respondent.client.post(autosave, data=data).status_code for _ in range(3)]
    assert all(status < 400 for status in statuses[:4]), statuses
    assert statuses[4] == 429
    assert respondent.client.get(f"/r/{respondent.token}/s/profile").status_code == 200


def test_a_page_with_too_many_fields_is_refused_at_once(app):
    respondent = Respondent(app.test_client())
    respondent.start()
    respondent.page("profile")
    body = "&".join(f"unknown{n}=x" for n in range(300_000))
    started = time.perf_counter()
    reply = respondent.client.post(
        f"/r/{respondent.token}/s/profile",
        data=f"csrf_token={respondent.csrf}&{body}",
        content_type="application/x-www-form-urlencoded",
    )
    elapsed = time.perf_counter() - started
    assert reply.status_code == 413 and "too large" in reply.get_data(as_text=True)
    assert elapsed < 1.0, elapsed
    # Up to the cap, the page is read as usual (unknown fields are ignored).
    fields = {f"unknown{n}": "x" for n in range(app.config["MAX_FORM_PARTS"] - 10)}
    assert respondent.save("profile", fields, action="save").status_code < 400


def test_is_empty_document():
    assert is_empty_document(None) and is_empty_document("{}") and is_empty_document("")
    assert is_empty_document("\x1elocal-governments/1\x1f\x1f\x1f")
    assert not is_empty_document("\x1elocal-governments/1\x1f\x1fyes\x1f")
    assert not is_empty_document('{"q": {"": "x"}}')


def test_purge_deletes_only_old_empty_uninvited_drafts(app, runner):
    questionnaire = current_questionnaires_of(app)["local-governments"]
    with app.app_context(), writing():
        made = {}
        for name in ("old_empty", "new_empty", "old_answered", "old_invited", "old_submitted"):
            made[name] = operations.start_response(
                db.session,
                questionnaire,
                operations.new_resume_token(),
                "en",
                invitation_id=7 if name == "old_invited" else None,
            )
        operations.save_answers(
            db.session,
            questionnaire,
            made["old_answered"],
            {"institution_name": {"": "Ville de Grigny"}},
        )
        operations.save_answers(
            db.session, questionnaire, made["old_submitted"], {"institution_name": {"": "Gwangju"}}
        )
        operations.submit_response(db.session, questionnaire, made["old_submitted"], "en")
        db.session.flush()
        ids = {name: response.id for name, response in made.items()}
        old = [ids[n] for n in ids if n.startswith("old")]
        db.session.execute(
            update(Response)
            .where(Response.id.in_(old))
            .values(updated_at=utcnow() - timedelta(days=30))
            .execution_options(synchronize_session=False)
        )
        db.commit()
    result = runner.invoke(args=["questionnaires", "purge-drafts", "--older-than", "7"])
    assert result.exit_code == 0, result.output
    assert "deleted 1 empty drafts" in result.output
    with app.app_context():
        left = set(db.session.scalars(select(Response.id)))
        assert left == {ids[n] for n in ids if n != "old_empty"}
        with writing():
            assert purge_empty_drafts(db.session, 0, now=utcnow() + timedelta(days=1)) == 1
            db.commit()
        assert ids["new_empty"] not in set(db.session.scalars(select(Response.id)))
    assert runner.invoke(args=["questionnaires", "purge-drafts", "--older-than", "-1"]).exit_code


def current_questionnaires_of(app):
    with app.app_context():
        return current_questionnaires()
