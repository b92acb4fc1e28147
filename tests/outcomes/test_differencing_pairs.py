"""No two snapshots' outputs single out a few responses, published or not (the differencing rule
of operations.differencing, applied to decks by consult.outcomes.deck_guard).

Snapshot C frozen, one partner response added, snapshot D frozen, neither published: C's deck
and D's deck side by side read "Latin America: 60 → 61" and give every article the newcomer
ticked. Each deck can be shown on stage and handed out, so the rule sets a snapshot beside
every other snapshot, not only the published ones: a pair 1 to threshold - 1 responses apart
(new, withdrawn, outside a filter, edited between the freezes) cautions both decks (the
published one of a pair excepted: its figures are public), refuses their PowerPoint and PDF,
and refuses publishing either.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from consult.db import db, utcnow, writing
from consult.outcomes import operations
from consult.outcomes.models import OutcomeSnapshot
from consult.questionnaires.models import Response
from tests.outcomes.conftest import fill_demo
from tests.outcomes.test_differencing import _latest_snapshot, _shown
from tests.outcomes.test_pages import freeze, publish

CAUTION = "Do not show this deck in public."
THRESHOLD = 5


def _busiest_region(app) -> str:
    with app.app_context():
        regions = db.session.scalars(
            select(Response.region).where(Response.status == "submitted")
        ).all()
    return max(sorted({r for r in regions if r}), key=regions.count)


def _change(app, region: str | None, withdraw: int, edit: int, outside: int) -> None:
    """Withdraw and edit responses of ``region`` (any, if None), and withdraw ``outside``
    responses of other regions."""
    later = utcnow()
    with app.app_context(), writing():
        submitted = select(Response.id, Response.region).where(Response.status == "submitted")
        rows = db.session.execute(submitted.order_by(Response.id)).all()
        inside = [i for i, r in rows if region is None or r == region]
        others = [i for i, r in rows if region is not None and r != region]
        for response_id in inside[:withdraw] + others[:outside]:
            db.session.execute(
                update(Response).where(Response.id == response_id).values(status="withdrawn")
            )
        for response_id in inside[withdraw : withdraw + edit]:
            db.session.execute(
                update(Response).where(Response.id == response_id).values(updated_at=later)
            )
        db.commit()


def _cautioned(admin, snapshot: int) -> bool:
    """Whether the snapshot's deck is cautioned; its PowerPoint is refused exactly then."""
    deck = admin.get(f"/staff/outcomes/{snapshot}/deck?lang=en").get_data(as_text=True)
    cautioned = CAUTION in deck
    if cautioned:
        assert admin.get(f"/staff/outcomes/{snapshot}/deck.pptx").status_code == 409
        assert admin.get(f"/staff/outcomes/{snapshot}/deck.pdf?notes=1").status_code == 409
    return cautioned


@pytest.mark.parametrize(
    ("first_published", "first_filter", "second_filter", "new", "change", "close"),
    [
        # new responses between two unfiltered freezes
        (False, False, False, 1, (0, 0, 0), True),  # the reviewer's case: one partner response
        (False, False, False, 4, (0, 0, 0), True),
        (False, False, False, 5, (0, 0, 0), False),  # as many as the threshold
        (True, False, False, 1, (0, 0, 0), True),  # beside a published snapshot, as before
        (True, False, False, 5, (0, 0, 0), False),
        (False, False, False, 0, (0, 0, 0), False),  # the same responses: the same figures
        # withdrawals and edits between the freezes (withdrawn, edited, withdrawn outside)
        (False, False, False, 0, (1, 1, 0), True),
        (False, False, False, 0, (2, 2, 0), True),
        (False, False, False, 0, (3, 2, 0), False),
        # two views of one region: changes outside it do not count, changes inside do
        (False, True, True, 0, (1, 0, 6), True),
        (False, True, True, 0, (0, 4, 9), True),
        (True, True, True, 0, (2, 1, 0), True),
        (False, True, True, 0, (0, 0, 7), False),
        (False, True, True, 0, (5, 0, 0), False),
        # a region's view beside the whole: every other region's responses differ
        (False, False, True, 0, (0, 0, 0), False),
        (False, True, False, 1, (0, 0, 0), False),
    ],
)
def test_every_pair_of_snapshots_is_compared(
    app, login, first_published, first_filter, second_filter, new, change, close
):
    fill_demo(app, 60)
    admin = login(app.test_client(), "admin")
    region = _busiest_region(app)
    filtered = {"region": region} if first_filter else {}
    assert freeze(admin, label="Snap C", **filtered).status_code in (302, 303)
    first = _latest_snapshot(app)
    if first_published:
        publish(admin, first)
        assert _shown(app) == first
    if new:
        fill_demo(app, new, seed=99)
    withdraw, edit, outside = change
    _change(app, region if first_filter and second_filter else None, withdraw, edit, outside)
    filtered = {"region": region} if second_filter else {}
    assert freeze(admin, label="Snap D", **filtered).status_code in (302, 303)
    second = _latest_snapshot(app)
    assert second != first
    with app.app_context():
        found = operations.differencing(
            db.session, db.session.get(OutcomeSnapshot, second), THRESHOLD
        )
        assert (found is not None) is close
        assert found is None or found.earlier.id == first
    assert _cautioned(admin, second) is close
    # The rule is symmetric: the earlier deck too, unless its figures are public already.
    assert _cautioned(admin, first) is (close and not first_published)
    page = admin.get(publish(admin, second).location).get_data(as_text=True)
    assert (_shown(app) == second) is not close
    assert ("Not published" in page) is close


def test_every_output_route_of_a_snapshot_goes_through_the_rule(app, login):
    """A walk over every GET route of the URL map that takes a snapshot, for two unpublished
    snapshots one response apart: each route shows the caution (a page), is refused (409, a
    deck file), or is one of the analysts' working outputs (small cells exact: never for an
    audience, so differencing adds nothing) named here with why. A new route fails the walk
    until it is sorted."""
    fill_demo(app, 40)
    admin = login(app.test_client(), "admin")
    assert freeze(admin, label="Snap C").status_code in (302, 303)
    first = _latest_snapshot(app)
    fill_demo(app, 1, seed=99)
    assert freeze(admin, label="Snap D").status_code in (302, 303)
    second = _latest_snapshot(app)
    working = {
        # the frozen summary as stored: staff figures, small cells included
        "/staff/outcomes/snapshots/<int:snapshot_id>/summary.json",
    }
    walked = 0
    for rule in app.url_map.iter_rules():
        if "snapshot_id" not in rule.arguments or "GET" not in rule.methods:
            continue
        if rule.rule in working:
            continue
        for snapshot in (first, second):
            url = rule.rule.replace("<int:snapshot_id>", str(snapshot))
            for query in ("", "?notes=1") if url.endswith(".pdf") else ("",):
                reply = admin.get(url + query)
                walked += 1
                page = reply.get_data(as_text=True)
                if url.endswith((".pptx", ".pdf")):
                    assert reply.status_code == 409 and CAUTION in page, url
                else:
                    assert reply.status_code == 200 and CAUTION in page, url
                    assert f"/staff/outcomes/{snapshot}/deck.pptx" not in page, url
    assert walked == 2 * 7, walked  # snapshot, deck, presenter, closing, pptx, pdf, notes
    # The snapshots list flags both.
    page = admin.get("/staff/outcomes/snapshots?lang=en").get_data(as_text=True)
    assert page.count('class="deck-flag"') == 2
