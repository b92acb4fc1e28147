"""Every page that shows a private link to keep, copy or have e-mailed shows it in the one link
box (templates/core/_link_box.html): a link that stops working while its page is open is then
replaced, in every such box, by what to do to get the new one (consult.js; the browser side is
tests/browser/test_replaced_link.py). The box's help says only what the link still allows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import Respondent
from tests.core.test_ways_forward import _contribution, _main, _pledge

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
BOX = re.compile(r"<aside[^>]*data-link-box[^>]*>.*?</aside>", re.S)


def questionnaire_page(app, login):
    respondent = Respondent(app.test_client(), "partners")
    token = respondent.start()
    return respondent.client.get(f"/r/{token}/s/profile"), f"/r/{token}", "can see and change"


def review_page(app, login):
    respondent = Respondent(app.test_client(), "partners")
    token = respondent.start()
    return respondent.client.get(f"/r/{token}/review"), f"/r/{token}", "can see and change"


def receipt_page(app, login):
    from tests.questionnaires.test_respond import fill_required

    respondent = Respondent(app.test_client())
    token = respondent.start()
    fill_required(respondent)
    assert respondent.submit().status_code == 303
    return respondent.client.get(f"/r/{token}/receipt"), f"/r/{token}", "can see and change"


def contribution_pending(app, login):
    from consult.contributions import operations
    from consult.db import db, writing

    with app.app_context(), writing():
        _c, token = operations.create_contribution(
            db.session, text="Housing.", kind="comment", language="en", organisation_type="academia"
        )
        db.commit()
    reply = app.test_client().get(f"/contributions/status/{token}")
    return reply, f"/contributions/status/{token}", "and withdraw it"


def contribution_withdrawn(app, login):
    _id, token = _contribution(app, "withdrawn")
    reply = app.test_client().get(f"/contributions/status/{token}")
    return reply, f"/contributions/status/{token}", "can see the status of this contribution,"


def pledge_sent(app, login):
    from tests.campaign.conftest import Institution

    client = app.test_client()
    token = Institution(client).join()
    return client.get(f"/campaign/pledge/{token}"), f"/campaign/pledge/{token}", "see and change"


def pledge_not_accepted(app, login):
    login(app.test_client(), "admin")
    client, token = _pledge(app, "reject")
    return client.get(f"/campaign/pledge/{token}"), f"/campaign/pledge/{token}", "can see this"


#: (how to reach a page showing a private link)
PAGES = [
    questionnaire_page,
    review_page,
    receipt_page,
    contribution_pending,
    contribution_withdrawn,
    pledge_sent,
    pledge_not_accepted,
]
#: What the help of a box must not promise on these pages (the link no longer allows it).
NOT_PROMISED = {
    contribution_withdrawn: "withdraw it",
    pledge_not_accepted: "change",
}


@pytest.mark.parametrize("reach", PAGES, ids=[p.__name__ for p in PAGES])
def test_a_private_link_is_shown_in_the_one_box_that_can_say_it_stopped(app, login, reach):
    reply, path, promised = reach(app, login)
    assert reply.status_code == 200
    main = _main(reply)
    boxes = BOX.findall(main)
    assert len(boxes) == 1, "a private link shown outside the link box"
    box = boxes[0]
    assert path in box
    assert 'class="link-box-gone notice warning" hidden' in box
    assert "This link was replaced by a newer one and no longer works." in box
    assert "data-copy" not in BOX.sub("", main), "a copy button outside the link box"
    live = box.split('class="link-box-gone', 1)[0]
    assert promised in live
    if reach in NOT_PROMISED:
        assert NOT_PROMISED[reach] not in live
    if path.startswith("/r/"):
        # Pages without autosave learn a replacement when shown again (consult.js asks this).
        assert f'data-link-check="{path}/link"' in box


def test_the_box_s_check_says_whether_the_link_still_works(app):
    """What consult.js asks when a response's page is shown again: live, replaced or unknown,
    in JSON, never an answer."""
    from sqlalchemy import select

    from consult.db import db, writing
    from consult.questionnaires.models import Response
    from consult.staff import invitations

    respondent = Respondent(app.test_client(), "partners")
    token = respondent.start()
    respondent.save("profile", {"q.organisation_name": "Red secreta"})
    ask = {"Accept": "application/json"}
    live = app.test_client().get(f"/r/{token}/link", headers=ask)
    assert (live.status_code, live.get_json()) == (200, {"live": True})
    assert live.headers["Cache-Control"] == "no-store"
    with app.app_context(), writing():
        response = db.session.scalar(select(Response))
        invitations.reissue_personal_link(db.session, response, invitations.LOST_LINK_ACTOR)
        db.commit()
    replaced = app.test_client().get(f"/r/{token}/link", headers=ask)
    assert replaced.status_code == 410
    assert replaced.get_json()["replaced"] is True
    assert "Red secreta" not in replaced.get_data(as_text=True)
    unknown = app.test_client().get("/r/" + "Q" * 32 + "/link", headers=ask)
    assert unknown.status_code == 404


def test_no_template_offers_to_copy_a_link_outside_the_box():
    """A new page offering a link to copy goes through the box, or this walk fails."""
    copying = sorted(
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if "data-copy=" in path.read_text(encoding="utf-8")
    )
    assert copying == ["core/_link_box.html"]
