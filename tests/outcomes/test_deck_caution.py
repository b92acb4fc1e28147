"""A deck that publishing would refuse is not presented unwarned nor handed out (issue 13: no
public figure rests on fewer than the threshold, including figures recovered by comparing two
decks).

Snapshot A is published; B differs from it by 2 responses, so publishing B is refused
(operations.differencing). B's deck set beside A's would show those 2 responses' region,
country and answers: every deck route of B warns (HTML deck, presenter view) or refuses
(PowerPoint, PDF, PDF with notes), through consult.outcomes.deck_guard.
"""

from __future__ import annotations

import pytest
from sqlalchemy import update

from consult.db import db, utcnow, writing
from consult.outcomes.models import OutcomePublication
from tests.outcomes.conftest import fill_demo
from tests.outcomes.test_differencing import _freeze_later, _latest_snapshot
from tests.outcomes.test_pages import publish

TITLES = {
    "en": "Do not show this deck in public.",
    "fr": "Ne montrez pas cette présentation en public.",
    "es": "No muestre esta presentación en público.",
}


@pytest.fixture
def two_snapshots(app, login):
    fill_demo(app, 40)
    admin = login(app.test_client(), "admin")
    _freeze_later(admin)
    published = _latest_snapshot(app)
    assert publish(admin, published).status_code in (302, 303)
    fill_demo(app, 2, seed=99)
    _freeze_later(admin)
    close = _latest_snapshot(app)
    publish(admin, close)  # refused: 2 responses differ
    return admin, published, close


def _deck_routes(app) -> list[str]:
    """Every GET route of a snapshot's deck in the URL map (its closing-slide form aside)."""
    rules = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if "/deck" in rule.rule
        and "snapshot_id" in rule.arguments
        and "GET" in rule.methods
        and not rule.rule.endswith("/closing")
    ]
    assert len(rules) == 4, rules  # deck, presenter, pptx, pdf (notes: ?notes=1)
    return rules


def test_every_deck_route_of_a_close_snapshot_warns_or_refuses(app, two_snapshots):
    """Each route in the URL map, then the deck in French and Spanish, then after withdrawal."""
    admin, published, close = two_snapshots
    urls = [r.replace("<int:snapshot_id>", str(close)) for r in _deck_routes(app)]
    urls.append(f"/staff/outcomes/{close}/deck.pdf?notes=1")
    for url in urls:
        reply = admin.get(url + ("&" if "?" in url else "?") + "lang=en")
        page = reply.get_data(as_text=True)
        if url.endswith(("/deck", "/presenter")):
            assert reply.status_code == 200, url
            assert TITLES["en"] in page and "differs by 2 responses" in page, url
        else:
            assert reply.status_code == 409, url
            assert reply.mimetype == "text/html" and TITLES["en"] in page, url
            assert "freeze again later" in page, url
    # The published snapshot's deck is the published page's figures: shown and handed out.
    assert TITLES["en"] not in admin.get(f"/staff/outcomes/{published}/deck").get_data(True)
    reply = admin.get(f"/staff/outcomes/{published}/deck.pptx?lang=en")
    assert reply.status_code == 200 and reply.mimetype.endswith("presentation")
    # In the deck's language.
    for language in ("fr", "es"):
        page = admin.get(f"/staff/outcomes/{close}/deck?lang={language}").get_data(True)
        assert TITLES[language] in page
    # A page once public may have been saved by anyone: withdrawn, it still counts.
    with app.app_context(), writing():
        db.session.execute(update(OutcomePublication).values(withdrawn_at=utcnow()))
        db.commit()
    assert admin.get(f"/staff/outcomes/{close}/deck.pptx").status_code == 409
