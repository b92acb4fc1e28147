"""The campaign's model: the migration matches it, and the milestones are dated by joining."""

from __future__ import annotations

import hashlib
from datetime import date

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from consult.campaign import figures
from consult.campaign.models import SUBMITTED, VERIFIED, CommitmentOption, Pledge, PledgeCommitment
from consult.campaign.names import normalise_name
from consult.db import db
from consult.models import Base


def test_migration_0800_creates_exactly_the_campaign_models(app):
    """Autogenerate finds nothing to change on a campaign table after `consult init`."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    campaign = [d for d in diff if "campaign_" in repr(d)]
    assert campaign == []


def _pledge(name: str, status: str, joined_on: date | None = None, **values) -> Pledge:
    return Pledge(
        token_hash=hashlib.sha256(name.encode()).hexdigest(),
        status=status,
        institution_name=name,
        normalised_name=normalise_name(name),
        level="municipality",
        country="ES",
        region="europe",
        language="en",
        signatory_name="Mayor",
        signatory_office="Mayor",
        contact_name="Contact",
        contact_email="contact@example.org",
        joined_on=joined_on,
        **values,
    )


def test_milestones_are_dated_by_the_nth_verified_pledge(app):
    """The 10th verification dates milestone 10; submitted pledges never count."""
    with app.app_context():
        option = CommitmentOption(key="charter", label_en="A", label_fr="A", label_es="A")
        db.session.add(option)
        for day in range(1, 13):
            pledge = _pledge(f"City {day}", VERIFIED, date(2022, 3, day))
            pledge.commitments.append(PledgeCommitment(option=option))
            db.session.add(pledge)
        db.session.add(_pledge("Waiting", SUBMITTED))
        db.session.commit()
        assert figures.verified_count(db.session) == 12
        pledges = figures.verified_pledges(db.session)
        assert [p.joined_on.day for p in pledges] == list(range(1, 13))
        assert pledges[0].commitments[0].option.key == "charter"
        reached = figures.milestones(db.session)
        assert [(m.target, m.reached_on) for m in reached] == [
            (10, date(2022, 3, 10)),
            (100, None),
            (1000, None),
        ]


def test_a_stale_update_is_refused_by_the_revision(app):
    """Two sessions change the same pledge: the second flush fails instead of overwriting."""
    import pytest
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.exc import StaleDataError

    with app.app_context():
        db.session.add(_pledge("Grigny", SUBMITTED))
        db.session.commit()
        with Session(db.engine) as first, Session(db.engine, expire_on_commit=False) as second:
            b = second.scalars(select(Pledge)).one()
            second.commit()  # b keeps the revision it was read at
            a = first.scalars(select(Pledge)).one()
            a.contact_phone = "1"
            first.commit()
            b.contact_phone = "2"
            with pytest.raises(StaleDataError):
                second.commit()
