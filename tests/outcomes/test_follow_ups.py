"""A follow-up question is asked to exactly the respondents who gave its parent answer: when the
public table of the parent hides that answer's count (to protect a smaller one beside it), the
follow-up's own figures would print it back, and the small one with it by subtraction. The
public summary withholds such follow-ups (suppression._follow_ups), in turn for follow-ups of
follow-ups, and says why on the page."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import inspect as orm_inspect

from consult.db import db, writing
from consult.outcomes import operations
from consult.outcomes.models import OutcomeSnapshot
from consult.outcomes.summary import find_question
from consult.outcomes.suppression import public_summary
from tests.conftest import csrf_token
from tests.outcomes import frames
from tests.outcomes.conftest import fill_demo

T = 5


def _published(knows: dict[str, int], uses_monitoring: int = 0) -> dict:
    """The public partners summary of respondents who did (not) know the Charter; those who
    did say how they use it (the follow-up section), some for monitoring (its follow-up)."""
    people = []
    for answer, count in knows.items():
        for i in range(count):
            given = {"knows_charter": {"": answer}}
            if answer == "yes":
                uses = {"monitoring": "1"} if i < uses_monitoring else {"advocacy": "1"}
                given["charter_uses"] = uses
                if i < uses_monitoring:
                    given["charter_monitoring_details"] = {"": "Local indicators."}
            people.append((1, given))
    responses, answers = frames.frames(people)
    return public_summary(frames.partners_summary(responses, answers), T)


def _printed_counts(question: dict) -> set[int]:
    """Every count a page prints about a question: asked, answered, each option's."""
    counts = {question.get(f) for f in ("asked", "answered")}
    counts |= {o.get("count") for o in question.get("options") or ()}
    return {c for c in counts if c is not None}


@pytest.mark.parametrize(
    ("knows", "withheld"),
    [
        # nothing hidden in the parent: its follow-ups are shown
        ({"yes": 12, "no": 8}, set()),
        # "no" (3) is small; "yes" (7) is hidden beside it, and the follow-ups were asked to 7
        ({"yes": 7, "no": 3}, {"charter_uses", "charter_monitoring_details"}),
        # "yes" itself is small: the follow-ups are small too, withheld as such
        ({"yes": 3, "no": 12}, {"charter_uses", "charter_monitoring_details"}),
    ],
)
def test_a_follow_up_never_prints_a_count_its_parent_hides(knows, withheld):
    shown = _published(knows, uses_monitoring=min(knows["yes"], 6))
    parent = find_question(shown, "partners", "knows_charter")
    hidden_parent = {o["key"] for o in parent["options"] if o.get("suppressed")}
    for key in ("charter_uses", "charter_monitoring_details"):
        follow_up = find_question(shown, "partners", key)
        assert bool(follow_up.get("suppressed")) is (key in withheld), key
        if "yes" in hidden_parent:
            # nothing printed about the follow-up can be the hidden "yes" count
            assert knows["yes"] not in _printed_counts(follow_up), key
    if knows["yes"] >= T and "yes" in hidden_parent:
        # withheld because of its parent, not because few answered: the page says which
        uses = find_question(shown, "partners", "charter_uses")
        assert uses["follows_hidden"] == "knows_charter"
        details = find_question(shown, "partners", "charter_monitoring_details")
        assert details["follows_hidden"] in ("knows_charter", "charter_uses")


def test_a_snapshot_frozen_before_the_conditions_were_kept_gets_them(app, login):
    """A snapshot frozen before summaries named each follow-up's conditions reads them from the
    stored questionnaire versions (operations.snapshot_summary, the one road from a stored
    snapshot to a page): the same as a fresh freeze names, so its follow-ups are withheld too."""
    fill_demo(app, 30)
    client = login(app.test_client(), "analyst")
    token = csrf_token(client.get("/staff/outcomes/snapshots").get_data(as_text=True))
    form = {"csrf_token": token, "label": "Now", "cutoff": "now", "timezone": "UTC"}
    done = client.post("/staff/outcomes/snapshots", data={**form, "step": "confirm"})
    assert done.status_code == 302
    with app.app_context(), writing():
        fresh = db.session.get(OutcomeSnapshot, 1)
        summary = operations.snapshot_summary(fresh)
        conditions = {q["key"]: q["asked_if"] for q in summary["questionnaires"]}
        assert any(conditions.values()), "the questionnaires have follow-ups"
        for questionnaire in summary["questionnaires"]:
            del questionnaire["asked_if"]
        older = json.dumps(summary)
        columns = {
            c.key: getattr(fresh, c.key)
            for c in orm_inspect(OutcomeSnapshot).column_attrs
            if c.key != "id"
        }
        columns.update(
            summary_json=older, summary_sha256=hashlib.sha256(older.encode()).hexdigest()
        )
        old = OutcomeSnapshot(**columns)
        db.session.add(old)
        db.session.flush()
        read = operations.snapshot_summary(old)
        assert {q["key"]: q["asked_if"] for q in read["questionnaires"]} == conditions
        assert json.loads(old.summary_json) == summary, "the stored summary is unchanged"
        db.session.rollback()
