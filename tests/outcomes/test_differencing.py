"""Two publications never single out a few responses by subtraction (issue 13: no public figure
rests on fewer than the threshold, including figures recovered by comparing two pages).

Each public page hides small cells; but the page published yesterday and the page published
today, subtracted, show the answers of whoever arrived, left or changed in between. Publishing
is refused while that group is smaller than the threshold (operations.differencing).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from consult.db import db, utcnow, writing
from consult.outcomes import operations
from consult.outcomes.models import OutcomePublication, OutcomeSnapshot
from consult.questionnaires.models import Response
from tests.outcomes.conftest import fill_demo
from tests.outcomes.test_pages import freeze, publish


def _latest_snapshot(app) -> int:
    with app.app_context():
        return db.session.scalar(select(OutcomeSnapshot.id).order_by(OutcomeSnapshot.id.desc()))


def _shown(app) -> int | None:
    with app.app_context():
        publication = operations.current_publication(db.session)
        return publication.snapshot_id if publication else None


def _change(app, withdraw: int = 0, edit: int = 0) -> None:
    """Withdraw and edit some submitted responses (a moment after the last freeze)."""
    later = utcnow()
    with app.app_context(), writing():
        ids = db.session.scalars(
            select(Response.id).where(Response.status == "submitted").order_by(Response.id)
        ).all()
        for response_id in ids[:withdraw]:
            db.session.execute(
                update(Response).where(Response.id == response_id).values(status="withdrawn")
            )
        for response_id in ids[withdraw : withdraw + edit]:
            db.session.execute(
                update(Response).where(Response.id == response_id).values(updated_at=later)
            )
        db.commit()


def _freeze_later(client) -> None:
    assert freeze(client, label="Later").status_code in (200, 302, 303)


@pytest.mark.parametrize(
    ("withdraw", "edit", "published"),
    [
        (0, 0, True),  # nothing differs: the same figures again
        (1, 0, False),  # one response left: its answers are the difference
        (0, 2, False),  # two responses edited between the freezes
        (2, 2, False),  # four in all, still fewer than 5
        (3, 2, True),  # five: a group as large as the threshold
        (0, 7, True),
    ],
)
def test_publishing_beside_an_earlier_publication(app, login, withdraw, edit, published):
    fill_demo(app, 40)
    admin = login(app.test_client(), "admin")
    _freeze_later(admin)
    first = _latest_snapshot(app)
    assert publish(admin, first).status_code in (302, 303)
    assert _shown(app) == first
    _change(app, withdraw=withdraw, edit=edit)
    _freeze_later(admin)
    second = _latest_snapshot(app)
    reply = admin.get(publish(admin, second).location)
    page = reply.get_data(as_text=True)
    if published:
        assert _shown(app) == second
        assert "Not published" not in page
    else:
        assert _shown(app) == first  # the earlier page stays, unchanged
        assert "Not published" in page and f"by {withdraw + edit} response" in page


def test_an_earlier_withdrawn_publication_still_counts(app, login):
    """A page once public may have been saved by anyone: withdrawing it changes nothing."""
    fill_demo(app, 40)
    admin = login(app.test_client(), "admin")
    _freeze_later(admin)
    first = _latest_snapshot(app)
    publish(admin, first)
    with app.app_context(), writing():
        db.session.execute(update(OutcomePublication).values(withdrawn_at=utcnow()))
        db.commit()
    _change(app, withdraw=1)
    _freeze_later(admin)
    second = _latest_snapshot(app)
    publish(admin, second)
    assert _shown(app) is None
    # Publishing the first one again is always allowed: the same figures as before.
    publish(admin, first)
    assert _shown(app) == first


def test_an_edit_after_the_new_freeze_counts_as_a_possible_difference(app, login):
    fill_demo(app, 40)
    admin = login(app.test_client(), "admin")
    _freeze_later(admin)
    first = _latest_snapshot(app)
    publish(admin, first)
    _freeze_later(admin)
    second = _latest_snapshot(app)
    _change(app, edit=1)  # edited after both freezes: before or after the second, unknown
    with app.app_context():
        close = operations.differencing(
            db.session, db.session.get(OutcomeSnapshot, second), threshold=5
        )
    assert close is not None and (close.differing, close.unknown) == (0, 1)
