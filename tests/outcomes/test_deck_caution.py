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
from sqlalchemy import event, update

from consult.db import db, utcnow, writing
from consult.outcomes.models import OutcomePublication
from tests.outcomes.conftest import fill_demo
from tests.outcomes.test_differencing import _freeze_later, _latest_snapshot
from tests.outcomes.test_pages import freeze, publish

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


def _pages_of(app, snapshot: int) -> list[str]:
    """Every staff GET page of a snapshot in the URL map that answers HTML (downloads aside),
    and the snapshots list."""
    urls = ["/staff/outcomes/snapshots"]
    for rule in app.url_map.iter_rules():
        if (
            rule.arguments == {"snapshot_id"}
            and "GET" in rule.methods
            and rule.rule.startswith("/staff/")
            and not rule.rule.endswith((".pptx", ".pdf", ".json", ".csv", ".xlsx"))
        ):
            urls.append(rule.rule.replace("<int:snapshot_id>", str(snapshot)))
    return urls


def test_every_page_linking_a_close_deck_cautions_before_the_click(app, two_snapshots):
    """A walk over every page of each snapshot (and the list): where a page links the close
    snapshot's deck, it carries the caution and links no PowerPoint or PDF (it says why);
    the published snapshot's pages link its downloads with no caution. Then deck_offer's
    table of cases."""
    from consult.outcomes.deck_guard import deck_offer

    admin, published, close = two_snapshots
    linking = 0
    for url in _pages_of(app, close):
        page = admin.get(url).get_data(as_text=True)
        if f'href="/staff/outcomes/{close}/deck' not in page:
            continue
        linking += 1
        assert TITLES["en"] in page, url
        assert f"/staff/outcomes/{close}/deck.pptx" not in page, url
        assert f"/staff/outcomes/{close}/deck.pdf" not in page, url
        if url.endswith(("/deck", "/deck/closing", f"/{close}")):
            assert "No PowerPoint or PDF of this deck" in page, url
    assert linking >= 4, linking  # list, snapshot, deck, closing slide form (and presenter)
    page = admin.get(f"/staff/outcomes/snapshots/{published}").get_data(as_text=True)
    assert TITLES["en"] not in page and f"/staff/outcomes/{published}/deck.pptx" in page
    with app.test_request_context("/?lang=fr"):
        from flask_babel import refresh

        from consult.outcomes.models import OutcomeSnapshot

        refresh()
        for snapshot, cautioned in ((close, True), (published, False)):
            offer = deck_offer(db.session.get(OutcomeSnapshot, snapshot), "fr")
            assert (offer.caution is not None) is cautioned
            assert offer.caution is None or offer.caution.title == TITLES["fr"]
            assert [link.url is None for link in offer.downloads] == [cautioned] * 3
            assert bool(offer.refused_note) is cautioned
            assert offer.deck.url.endswith("lang=fr") and "presenter" in offer.presenter.url


def _list_statements(admin, engine) -> tuple[str, int]:
    """Load the snapshots list; return its page and the number of statements it sent."""
    sent: list[str] = []

    def note(*_args) -> None:
        sent.append("")

    event.listen(engine, "before_cursor_execute", note)
    try:
        page = admin.get("/staff/outcomes/snapshots?lang=en").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return page, len(sent)


def test_the_snapshots_list_works_out_its_cautions_once_per_data_version(app, two_snapshots):
    """Listing more snapshots costs no more statements (each one's differencing is kept for
    the data version, and the list reads them in one query), and a change that makes a
    snapshot close to a publication shows at the next load."""
    admin, _published, _close = two_snapshots
    with app.app_context():
        engine = db.engine
    _list_statements(admin, engine)  # works out and keeps each snapshot's differencing
    page, before = _list_statements(admin, engine)
    assert page.count('class="deck-flag"') == 1  # the close snapshot
    # Three more snapshots, one of them far enough from the published one to need no caution.
    _freeze_later(admin)
    _freeze_later(admin)
    fill_demo(app, 8, seed=41)
    assert freeze(admin, label="Eight more").status_code in (302, 303)
    eight_more = _latest_snapshot(app)
    _list_statements(admin, engine)
    page, after = _list_statements(admin, engine)
    assert after == before, (before, after)
    assert page.count('class="deck-flag"') == 3
    # Two responses more, frozen: "Eight more" and "Two more" now sit 2 responses apart, none
    # of them published (either deck may be shown or handed out); publishing "Two more" is
    # refused for the same reason. A new snapshot changes the data version: the list says so
    # at once.
    fill_demo(app, 2, seed=43)
    assert freeze(admin, label="Two more").status_code in (302, 303)
    two_more = _latest_snapshot(app)
    assert publish(admin, two_more).status_code in (302, 303)
    page, _count = _list_statements(admin, engine)
    assert page.count('class="deck-flag"') == 5
    deck = admin.get(f"/staff/outcomes/{eight_more}/deck?lang=en").get_data(as_text=True)
    assert TITLES["en"] in deck and "differs by 2 responses" in deck
    assert "“Two more” (frozen on" in deck and "not published" in deck
