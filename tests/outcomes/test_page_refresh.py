"""The staff summary page in production mode: figures shown at once, labelled when they are
older than the data, and one refresh at a time bringing them up to date."""

from __future__ import annotations

import html
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import update

from consult.db import db, utcnow, writing
from consult.outcomes import page_refresh, workbench_views
from consult.outcomes.models import OutcomeSummaryCache
from tests.outcomes.conftest import fill_demo
from tests.outcomes.test_pages import submitted


def _counted(page: str) -> int:
    """Responses the figures count: the table of contents gives each questionnaire's."""
    toc = page.split('<nav class="toc"', 1)[1].split("</nav>", 1)[0]
    return sum(int(n.replace(",", "")) for n in re.findall(r"\(([\d,]+)\)</li>", toc))


def test_a_view_during_a_refresh_shows_the_previous_figures_labelled_at_once(
    app, login, monkeypatch
):
    app.config["OUTCOMES_PAGE_WAITS"] = False  # the production default
    fill_demo(app, 12, seed=3)
    analyst = login(app.test_client(), "analyst")
    first = analyst.get("/staff/outcomes/").get_data(as_text=True)
    assert "Figures as of" in first and 'role="status"' not in first
    assert _counted(first) == submitted(app)
    assert "Chiffres arrêtés au" in analyst.get("/staff/outcomes/?lang=fr").get_data(as_text=True)

    # The refresh waits until the test lets it go: the views below run while it is under way.
    go, started = threading.Event(), []
    real = workbench_views._store_figures

    def held(key, filters):
        started.append(key)
        assert go.wait(30)
        return real(key, filters)

    monkeypatch.setattr(workbench_views, "_store_figures", held)
    fill_demo(app, 2, seed=4)
    during = analyst.get("/staff/outcomes/?lang=en").get_data(as_text=True)
    assert "the number of submitted responses has grown by 2" in during
    assert "reload the page in a moment" in during
    assert _counted(during) == _counted(first) < submitted(app)
    again = analyst.get("/staff/outcomes/").get_data(as_text=True)
    assert _counted(again) == _counted(first)
    assert len(started) == 1  # one refresh per page, however many views
    french = analyst.get("/staff/outcomes/?lang=fr").get_data(as_text=True)
    assert "le nombre de réponses envoyées a augmenté de 2" in html.unescape(french)
    go.set()
    page_refresh.wait_for_refreshes()

    after = analyst.get("/staff/outcomes/?lang=en").get_data(as_text=True)
    assert 'role="status"' not in after and "Figures as of" in after
    assert _counted(after) == submitted(app)
    assert len(started) == 2  # the French page had its own refresh


def test_a_failed_refresh_gives_its_claim_back(app, login, monkeypatch):
    app.config["OUTCOMES_PAGE_WAITS"] = False
    fill_demo(app, 5, seed=3)
    analyst = login(app.test_client(), "analyst")
    analyst.get("/staff/outcomes/")

    def broken(key, filters):
        raise RuntimeError("the summary failed")

    monkeypatch.setattr(workbench_views, "_store_figures", broken)
    fill_demo(app, 1, seed=5)
    assert "has grown by 1" in analyst.get("/staff/outcomes/").get_data(as_text=True)
    page_refresh.wait_for_refreshes()
    monkeypatch.undo()
    analyst.get("/staff/outcomes/")  # the claim was given back: this view starts a refresh
    page_refresh.wait_for_refreshes()
    after = analyst.get("/staff/outcomes/").get_data(as_text=True)
    assert 'role="status"' not in after and _counted(after) == submitted(app)


@pytest.mark.parametrize(
    ("held_for", "taken"),
    [
        (None, True),
        (0, False),
        (page_refresh.CLAIM_SECONDS - 60, False),
        (page_refresh.CLAIM_SECONDS + 1, True),
    ],
)
def test_a_claim_is_single_until_released_or_lapsed(app, held_for, taken):
    with app.app_context():
        engine = db.engine
        if held_for is not None:
            assert page_refresh.claim(engine, "k" * 64, "v:1")
            with writing(), engine.begin() as connection:
                connection.execute(
                    update(OutcomeSummaryCache)
                    .where(OutcomeSummaryCache.kind == "claim")
                    .values(computed_at=utcnow() - timedelta(seconds=held_for))
                )
        assert page_refresh.claim(engine, "k" * 64, "v:2") is taken
        page_refresh.release(engine, "k" * 64)
        assert page_refresh.claim(engine, "k" * 64, "v:3")


@pytest.mark.parametrize(("version", "count"), [("abc:12", 12), ("abc:0", 0), ("abc", 0)])
def test_the_submitted_count_of_a_data_version(version, count):
    assert page_refresh.submitted_in(version) == count
