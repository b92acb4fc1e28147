"""`consult demo` fills the campaign with pledges in every state, and --remove takes them away."""

from __future__ import annotations

from sqlalchemy import func, select

from consult.campaign import figures
from consult.campaign.letters import letter_store
from consult.campaign.models import STATUSES, CommitmentLetter, Pledge
from consult.db import db
from consult.geography import REGION_KEYS


def test_demo_makes_pledges_in_every_state_and_region_then_removes_them(app, runner):
    result = runner.invoke(args=["demo", "--responses", "4", "--contributions", "0"])
    assert result.exit_code == 0, result.output
    assert "this run made 48 demo campaign pledges" in result.output
    with app.app_context():
        statuses = dict(
            db.session.execute(select(Pledge.status, func.count()).group_by(Pledge.status)).all()
        )
        assert set(statuses) == set(STATUSES)
        regions = set(db.session.scalars(select(Pledge.region).where(Pledge.status == "verified")))
        assert regions == set(REGION_KEYS)
        assert figures.milestones(db.session)[0].is_reached
        stored = db.session.scalars(select(CommitmentLetter.stored_name)).all()
        assert stored and all(letter_store().size(name) for name in stored)
    again = runner.invoke(args=["demo", "--responses", "0", "--contributions", "0"])
    assert "made 48 demo campaign pledges" not in again.output  # made once
    assert "this run made no demo campaign pledges" in again.output
    assert "48 campaign pledges" in again.output  # what the database holds
    removed = runner.invoke(args=["demo", "--remove"])
    assert "removed 48 demo campaign pledges" in removed.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Pledge)) == 0
        assert all(letter_store().size(name) is None for name in stored)
