"""Every page that refuses a respondent something gives a way forward: a link or a form, never
a dead end (an invitation already used elsewhere, a lost-link message gone stale, a closed
questionnaire, a page not found, too many requests, a replaced personal link; a withdrawn or
refused contribution; a pledge not accepted or not verified, or a link to it never issued; a
staff password link already used). tests/core/test_ways_forward_walk.py walks the URL map with
unknown tokens."""

from __future__ import annotations

import re

import pytest
from flask import abort
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import Respondent, csrf_token
from tests.questionnaires.test_nothing_lost import _closed_copy
from tests.staff.test_invitation_privacy import _invitation_path, _start

CONTACT = "https://cisdp.example/contact"
LOST_LINK = re.compile(r'href="/questionnaires/(local-governments|partners)/lost-link"')


def _main(reply) -> str:
    return reply.get_data(as_text=True).split("<main", 1)[1].split("</main>", 1)[0]


def invitation_started_elsewhere(app, make_app, login, tmp_path):
    path = _invitation_path(app, login(app.test_client(), "analyst"))
    _start(app.test_client(), path)
    return app.test_client().get(path), True


def invitation_questionnaire_closed(app, make_app, login, tmp_path):
    path = _invitation_path(app, login(app.test_client(), "analyst"))
    closed = make_app(
        instance=app.instance_path,
        QUESTIONNAIRES_PATH=str(_closed_copy(tmp_path / "defs")),
        PRIVACY_CONTACT_URL=CONTACT,
    )
    return closed.test_client().get(path), False


def lost_link_message_stale(app, make_app, login, tmp_path):
    return app.test_client().get("/questionnaires/partners/lost-link/not-a-ticket"), True


def personal_link_after_closing(app, make_app, login, tmp_path):
    respondent = Respondent(app.test_client())
    token = respondent.start()
    closed = make_app(
        instance=app.instance_path,
        QUESTIONNAIRES_PATH=str(_closed_copy(tmp_path / "defs")),
        PRIVACY_CONTACT_URL=CONTACT,
    )
    return closed.test_client().get(f"/r/{token}/s/profile"), False


def unknown_personal_link(app, make_app, login, tmp_path):
    return app.test_client().get("/r/never-issued/s/profile"), False


def rate_limited(app, make_app, login, tmp_path):
    app.add_url_rule("/test-too-many", "test_too_many", lambda: abort(429))
    return app.test_client().get("/test-too-many"), False


def personal_link_replaced(app, make_app, login, tmp_path):
    from sqlalchemy import select

    from consult.db import db
    from consult.questionnaires.models import Response
    from consult.staff import invitations

    token = Respondent(app.test_client(), "partners").start()
    with app.app_context():
        response = db.session.scalar(select(Response))
        invitations.reissue_personal_link(db.session, response, invitations.LOST_LINK_ACTOR)
        db.session.commit()
    return app.test_client().get(f"/r/{token}/review"), True


def _replace_link(app) -> None:
    from sqlalchemy import select

    from consult.db import db
    from consult.questionnaires.models import Response
    from consult.staff import invitations

    with app.app_context():
        response = db.session.scalar(select(Response))
        invitations.reissue_personal_link(db.session, response, invitations.LOST_LINK_ACTOR)
        db.session.commit()


def invitation_link_replaced_in_this_browser(app, make_app, login, tmp_path):
    path = _invitation_path(app, login(app.test_client(), "analyst"))
    browser = app.test_client()
    _start(browser, path)
    _replace_link(app)
    reply = browser.get(path)
    page = _main(reply)
    assert "the personal link it kept was replaced" in page
    assert "in the browser that started it" not in page
    return reply, True


def campaign_join_from_a_replaced_link(app, make_app, login, tmp_path):
    from tests.campaign.test_from_questionnaire import _respond

    respondent = Respondent(app.test_client())
    _respond(respondent, "wish_to_join")
    _replace_link(app)
    return app.test_client().get(f"/campaign/join/from/{respondent.token}"), True


def _contribution(app, status: str) -> tuple[int, str]:
    from consult.contributions import operations
    from consult.db import db, writing

    with app.app_context(), writing():
        contribution, token = operations.create_contribution(
            db.session,
            text="Housing first.",
            kind="comment",
            language="en",
            organisation_type="academia",
        )
        if status == "withdrawn":
            operations.publish(db.session, contribution)
            operations.withdraw(db.session, contribution)
        else:
            operations.reject(db.session, contribution, "off_topic")
        db.commit()
        return contribution.id, token


def contribution_withdrawn_its_link(app, make_app, login, tmp_path):
    _id, token = _contribution(app, "withdrawn")
    return app.test_client().get(f"/contributions/status/{token}"), False


def contribution_withdrawn_withdraw_again(app, make_app, login, tmp_path):
    _id, token = _contribution(app, "withdrawn")
    client = app.test_client()
    csrf = csrf_token(client.get("/contributions/new").get_data(as_text=True))
    reply = client.post(f"/contributions/status/{token}/withdraw", data={"csrf_token": csrf})
    assert reply.status_code == 303
    return client.get(reply.location), False


def contribution_not_accepted_its_link(app, make_app, login, tmp_path):
    _id, token = _contribution(app, "rejected")
    return app.test_client().get(f"/contributions/status/{token}"), False


def contribution_withdrawn_public_page(app, make_app, login, tmp_path):
    contribution_id, _token = _contribution(app, "withdrawn")
    return app.test_client().get(f"/contributions/{contribution_id}"), False


def contribution_withdrawn_reply(app, make_app, login, tmp_path):
    contribution_id, _token = _contribution(app, "withdrawn")
    client = app.test_client()
    csrf = csrf_token(client.get("/contributions/new").get_data(as_text=True))
    reply = client.post(
        f"/contributions/{contribution_id}/replies",
        data={"csrf_token": csrf, "text": "I agree.", "language": "en"},
    )
    return reply, False


def _pledge(app, status: str) -> tuple[FlaskClient, str]:
    from consult.campaign import operations
    from consult.db import db, writing
    from consult.staff.models import User
    from tests.campaign.conftest import Institution

    client = app.test_client()
    token = Institution(client).join()
    with app.app_context(), writing():
        pledge = operations.find_pledge(db.session, token)
        actor = db.session.scalar(select(User))
        operations.decide(db.session, pledge, status, "Not a local government.", actor, "")
        db.commit()
    return client, token


def pledge_not_accepted_its_link(app, make_app, login, tmp_path):
    login(app.test_client(), "admin")
    client, token = _pledge(app, "reject")
    return client.get(f"/campaign/pledge/{token}"), False


def pledge_not_accepted_changes_sent(app, make_app, login, tmp_path):
    from tests.campaign.conftest import FIELDS

    login(app.test_client(), "admin")
    client, token = _pledge(app, "reject")
    csrf = csrf_token(client.get("/campaign/join").get_data(as_text=True))
    data = {"csrf_token": csrf, "revision": "1", "action": "save", **FIELDS}
    data["own_commitment"] = "A council of inhabitants, typed while CISDP decided."
    reply = client.post(f"/campaign/pledge/{token}/edit", data=data)
    assert "A council of inhabitants, typed while CISDP decided." in _main(reply)
    return reply, False


def pledge_not_verified_progress_sent(app, make_app, login, tmp_path):
    login(app.test_client(), "admin")
    client, token = _pledge(app, "reject")
    csrf = csrf_token(client.get("/campaign/join").get_data(as_text=True))
    reply = client.post(
        f"/campaign/pledge/{token}/progress",
        data={"csrf_token": csrf, "progress.local_charter.text": "Adopted in March."},
    )
    assert "Adopted in March." in _main(reply)
    return reply, False


def pledge_unknown_link(app, make_app, login, tmp_path):
    return app.test_client().get("/campaign/pledge/Zk3cQ0xW1vR8tY5uI2oP7aS4dF6gH9jK"), False


def staff_password_link_used(app, make_app, login, tmp_path):
    from consult.db import db, writing
    from consult.mail import staff_accounts
    from consult.staff import operations

    with app.test_request_context(), writing():
        user = staff_accounts.invite_staff(db.session, "new@cisdp.test", "analyst", "en")
        token = staff_accounts.password_token(user, "invite")
        operations.change_password(db.session, user, "a long enough passphrase 42")
        db.commit()
    return app.test_client().get(f"/staff/password/set/{token}"), False


#: (how to reach the refusal, its status, whether it also offers the lost-link page)
REFUSALS = [
    (invitation_started_elsewhere, 200),
    (invitation_questionnaire_closed, 200),
    (lost_link_message_stale, 410),
    (personal_link_after_closing, 200),
    (unknown_personal_link, 404),
    (rate_limited, 429),
    (personal_link_replaced, 410),
    (invitation_link_replaced_in_this_browser, 200),
    (campaign_join_from_a_replaced_link, 410),
    (contribution_withdrawn_its_link, 200),
    (contribution_withdrawn_withdraw_again, 200),
    (contribution_not_accepted_its_link, 200),
    (contribution_withdrawn_public_page, 410),
    (contribution_withdrawn_reply, 410),
    (pledge_not_accepted_its_link, 200),
    (pledge_not_accepted_changes_sent, 409),
    (pledge_not_verified_progress_sent, 409),
    (pledge_unknown_link, 404),
    (staff_password_link_used, 200),
]


@pytest.mark.parametrize(("reach", "status"), REFUSALS, ids=[r.__name__ for r, _s in REFUSALS])
def test_every_refusal_offers_a_way_forward(app, make_app, login, tmp_path, reach, status):
    app.config["PRIVACY_CONTACT_URL"] = CONTACT
    reply, offers_lost_link = reach(app, make_app, login, tmp_path)
    assert reply.status_code == status
    main = _main(reply)
    assert f'href="{CONTACT}"' in main, "no way to reach UCLG CISDP"
    if offers_lost_link:
        assert LOST_LINK.search(main), "no way to ask for the link again"
