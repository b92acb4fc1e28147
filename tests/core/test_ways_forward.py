"""Every page that refuses a respondent something gives a way forward: a link or a form, never
a dead end (an invitation already used elsewhere, a lost-link message gone stale, a closed
questionnaire, a page not found, too many requests, a replaced personal link)."""

from __future__ import annotations

import re

import pytest
from flask import abort

from tests.conftest import Respondent
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


#: (how to reach the refusal, its status, whether it also offers the lost-link page)
REFUSALS = [
    (invitation_started_elsewhere, 200),
    (invitation_questionnaire_closed, 200),
    (lost_link_message_stale, 410),
    (personal_link_after_closing, 200),
    (unknown_personal_link, 404),
    (rate_limited, 429),
    (personal_link_replaced, 410),
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
