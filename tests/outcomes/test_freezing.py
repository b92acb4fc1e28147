"""Freezing cannot mislead: the cut-off is the click, counts are shown before and after,
an earlier cut-off is an explicit choice, a refused freeze keeps the form, quotes are
re-read, and "no change since the freeze" means nothing the snapshot covers changed."""

from __future__ import annotations

import re

from sqlalchemy import func, select, update

from consult.contributions import operations as contribution_operations
from consult.contributions.models import Contribution
from consult.db import db, utcnow, writing
from consult.outcomes import operations
from consult.outcomes.models import OutcomeQuote, OutcomeSnapshot
from consult.questionnaires.models import Answer, Response
from consult.questionnaires.registry import current_questionnaires
from tests.conftest import csrf_token
from tests.outcomes.conftest import fill_demo
from tests.outcomes.test_contributions_in_outcomes import make_contributions

SNAPSHOTS = "/staff/outcomes/snapshots"


def _post(client, **fields):
    page = client.get(SNAPSHOTS).get_data(as_text=True)
    form = {"csrf_token": csrf_token(page), "timezone": "Europe/Paris", **fields}
    return client.post(SNAPSHOTS, data=form)


def _submitted(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(Response.id)).where(Response.status == "submitted")
        )


def _text(reply) -> str:
    return re.sub(r"\s+", " ", reply.get_data(as_text=True))


def test_the_cut_off_is_the_click_not_the_page_load(app, login):
    fill_demo(app, 20)
    client = login(app.test_client(), "analyst")
    page = client.get(SNAPSHOTS).get_data(as_text=True)
    # No moment is typed in advance: the default is "until I confirm".
    assert re.search(r'id="as_of"[^>]*value=""', page)
    assert re.search(r'id="cutoff-now"[^>]*checked', page)
    token = csrf_token(page)
    fill_demo(app, 6, seed=11)  # responses arriving while the page is open
    form = {"csrf_token": token, "label": "Session", "cutoff": "now", "timezone": "Asia/Seoul"}
    review = client.post(SNAPSHOTS, data=form)
    total = _submitted(app)
    assert review.status_code == 200
    assert f"The snapshot will hold {total} submitted responses out of {total}." in _text(review)
    assert "the moment you press “Freeze now”" in _text(review)
    fill_demo(app, 4, seed=12)  # and while the review is read
    done = client.post(SNAPSHOTS, data={**form, "step": "confirm"})
    assert done.status_code == 302
    total = _submitted(app)
    with app.app_context():
        snapshot = db.session.get(OutcomeSnapshot, 1)
        assert snapshot.response_count == total
        assert len(operations.snapshot_ids(snapshot)) == total
    message = _text(client.get(done.location))
    assert (
        f"Snapshot frozen: {total} submitted responses out of {total} and 0 published "
        "contributions out of 0." in message
    )


def test_the_time_zone_only_changes_how_the_time_is_shown(app, login):
    fill_demo(app, 15)
    client = login(app.test_client(), "analyst")
    for zone in ("Pacific/Kiritimati", "America/Los_Angeles", "UTC"):
        reply = _post(client, label=zone, cutoff="now", timezone=zone, step="confirm")
        assert reply.status_code == 302
    with app.app_context():
        snapshots = db.session.scalars(select(OutcomeSnapshot).order_by(OutcomeSnapshot.id)).all()
        assert {s.response_count for s in snapshots} == {_submitted(app)}
        assert len({tuple(operations.snapshot_ids(s)) for s in snapshots}) == 1
        assert [s.timezone for s in snapshots] == [
            "Pacific/Kiritimati",
            "America/Los_Angeles",
            "UTC",
        ]


def test_an_earlier_cut_off_is_an_explicit_choice(app, login):
    fill_demo(app, 30)
    client = login(app.test_client(), "analyst")
    # A typed moment without choosing "earlier" does not narrow the snapshot.
    reply = _post(client, label="Typed", as_of="2022-01-15T18:00", step="confirm")
    assert reply.status_code == 302
    chosen = _post(
        client, label="Chosen", cutoff="earlier", as_of="2022-01-15T18:00", step="confirm"
    )
    assert chosen.status_code == 302
    with app.app_context():
        typed, earlier = db.session.scalars(select(OutcomeSnapshot).order_by(OutcomeSnapshot.id))
        assert typed.response_count == _submitted(app)
        assert earlier.response_count < typed.response_count
        assert earlier.data_as_of.isoformat().startswith("2022-01-15T17:00")
    review = _post(client, label="Chosen", cutoff="earlier", as_of="2022-01-15T18:00")
    assert "15 January 2022, 18:00 CET (an earlier moment you chose)" in _text(review)


def test_a_refused_freeze_keeps_what_was_typed(app, login):
    fill_demo(app, 5)
    client = login(app.test_client(), "analyst")
    cases = [
        ({"label": "Séance du 23", "cutoff": "earlier", "as_of": "2099-01-01T00:00"}, "future"),
        ({"label": "Séance du 23", "cutoff": "earlier", "as_of": ""}, "earlier date and time"),
        ({"label": "", "cutoff": "earlier", "as_of": "2022-02-22T18:00"}, "label"),
        ({"label": "Séance du 23", "cutoff": "now", "timezone": "Mars/Olympus"}, "time zone"),
    ]
    for fields, reason in cases:
        reply = _post(client, step="confirm", **fields)
        html = reply.get_data(as_text=True)
        assert reply.status_code == 400, fields
        assert "Nothing was frozen" in html and reason in html
        assert f'value="{fields["label"]}"' in html
        if fields.get("as_of"):
            assert f'value="{fields["as_of"]}"' in html
        if fields["cutoff"] == "earlier":
            assert re.search(r'id="cutoff-earlier"[^>]*checked', html)
    with app.app_context():
        assert db.session.scalar(select(func.count(OutcomeSnapshot.id))) == 0


def _text_questions(app) -> list[str]:
    with app.app_context():
        return sorted(
            {
                q.key
                for questionnaire in current_questionnaires().values()
                for q in operations.quotable_questions(questionnaire)
            }
        )


def test_quotes_are_re_read_at_the_freeze_and_nothing_is_replaced_silently(app, login):
    fill_demo(app, 60)
    with app.app_context():
        candidates = db.session.execute(
            select(Answer.response_id, Answer.question_key)
            .join(Response, Response.id == Answer.response_id)
            .where(
                Response.status == "submitted",
                Answer.part_key == "",
                Answer.question_key.in_(_text_questions(app)),
                func.length(Answer.value) > 20,
            )
            .order_by(Answer.response_id)
        ).all()
    firsts = {}
    for rid, question in candidates:
        firsts.setdefault(rid, question)
    candidates = list(firsts.items())[:3]
    assert len(candidates) == 3, "the demo data has text answers to star"
    client = login(app.test_client(), "analyst")
    page = client.get("/staff/outcomes/quotes").get_data(as_text=True)
    for rid, question in candidates:
        client.post(
            "/staff/outcomes/quotes",
            data={"csrf_token": csrf_token(page), "response_id": rid, "question": question},
        )
    (edited_id, edited_q), (gone_id, gone_q), (kept_id, _kept_q) = candidates
    with app.app_context(), writing():
        assert db.session.scalar(select(func.count(OutcomeQuote.id))) == 3
        db.session.execute(
            update(Answer)
            .where(Answer.response_id == edited_id, Answer.question_key == edited_q)
            .values(value="A corrected wording of this answer.")
        )
        db.session.execute(update(Response).where(Response.id == gone_id).values(status="draft"))
        db.commit()
    review = _text(_post(client, label="Quotes", cutoff="now"))
    assert "Edited since it was starred; now reads: <blockquote" in review
    assert "A corrected wording of this answer." in review
    assert "No longer exists or is no longer public." in review
    assert _post(client, label="Quotes", cutoff="now", step="confirm").status_code == 302
    with app.app_context():
        frozen = operations.snapshot_summary(db.session.get(OutcomeSnapshot, 1))
    statuses = {q["response_id"]: q["status"] for q in frozen["quotes"]}
    assert statuses == {edited_id: "changed", gone_id: "gone", kept_id: "unchanged"}
    snapshot_page = _text(client.get(f"{SNAPSHOTS}/1"))
    assert "quoted as it read at the freeze" in snapshot_page
    deck = _text(client.get("/staff/outcomes/1/deck"))
    assert "A corrected wording of this answer." in deck
    with app.app_context():
        gone_text = db.session.scalar(
            select(OutcomeQuote.text).where(OutcomeQuote.response_id == gone_id)
        )
    assert gone_text[:40] not in deck


def test_no_change_is_said_only_when_nothing_covered_changed(app, login):
    fill_demo(app, 40)
    make_contributions(app, 12)
    client = login(app.test_client(), "admin")
    assert _post(client, label="Fresh", cutoff="now", step="confirm").status_code == 302
    assert "No change since the freeze." in _text(client.get(f"{SNAPSHOTS}/1"))
    with app.app_context(), writing():
        first, second = db.session.scalars(
            select(Response.id).where(Response.status == "submitted").order_by(Response.id).limit(2)
        ).all()
        edited = db.session.get(Response, first)
        edited.updated_at = utcnow()
        db.session.execute(update(Response).where(Response.id == second).values(status="draft"))
        db.commit()
    page = _text(client.get(f"{SNAPSHOTS}/1"))
    assert "No change since the freeze." not in page
    assert "1 response in the snapshot edited since" in page
    assert "1 response in the snapshot no longer submitted" in page
    with app.app_context(), writing():
        contribution = db.session.scalar(
            select(Contribution).where(Contribution.status == "published").limit(1)
        )
        contribution_operations.moderate(db.session, contribution, "hide", None, reason="spam")
        db.commit()
    page = _text(client.get(f"{SNAPSHOTS}/1"))
    assert "1 contribution in the snapshot hidden or withdrawn since" in page
    make_contributions(app, 6, seed=8)
    with app.app_context():
        published = db.session.scalar(
            select(func.count(Contribution.id)).where(
                Contribution.status == "published", Contribution.id > contribution.id
            )
        )
    page = _text(client.get(f"{SNAPSHOTS}/1"))
    assert "published since" in page or published == 0
