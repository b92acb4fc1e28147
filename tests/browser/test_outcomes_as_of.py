"""The staff summary's "as of" notice in a browser: figures older than the data are labelled
while the refresh runs (production mode), readable on a desktop and a phone, in French."""

from __future__ import annotations

import threading

from consult.outcomes import page_refresh, workbench_views
from tests.browser.conftest import PHONE, screenshot, serious_accessibility_violations
from tests.browser.test_outcomes_deck import sign_in
from tests.outcomes.conftest import fill_demo


def test_older_figures_are_labelled_while_they_are_brought_up_to_date(
    app, staff, serve, new_context, monkeypatch
):
    app.config["OUTCOMES_PAGE_WAITS"] = False  # the production default
    fill_demo(app, 10, seed=3)
    email = staff("analyst", "analyst-as-of@cisdp.test")
    server = serve(app)
    desktop = new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(desktop, server.url, email)
    desktop.goto(f"{server.url}/staff/outcomes/?lang=es")  # its figures, stored
    desktop.goto(f"{server.url}/staff/outcomes/?lang=fr")
    assert desktop.locator("p.as-of").inner_text().startswith("Chiffres arrêtés au")

    go = threading.Event()
    real = workbench_views._store_figures

    def held(key, filters):
        assert go.wait(60)
        return real(key, filters)

    monkeypatch.setattr(workbench_views, "_store_figures", held)
    fill_demo(app, 3, seed=4)
    try:
        desktop.goto(f"{server.url}/staff/outcomes/")
        notice = desktop.locator("p.notice.as-of[role=status]")
        assert "le nombre de réponses envoyées a augmenté de 3" in notice.inner_text()
        assert serious_accessibility_violations(desktop) == []
        screenshot(desktop, "outcomes-as-of-desktop-fr", full_page=False)
        phone = new_context(
            viewport=PHONE,
            is_mobile=True,
            has_touch=True,
            storage_state=desktop.context.storage_state(),
        ).new_page()
        phone.goto(f"{server.url}/staff/outcomes/?lang=es")
        notice = phone.locator("p.notice.as-of[role=status]")
        assert "ha aumentado en 3" in notice.inner_text()
        assert notice.bounding_box()["width"] <= PHONE["width"]
        assert notice.bounding_box()["y"] < PHONE["height"]  # under the title, not the filters
        screenshot(phone, "outcomes-as-of-phone-es", full_page=False)
    finally:
        go.set()
        page_refresh.wait_for_refreshes()
    desktop.goto(f"{server.url}/staff/outcomes/")
    assert desktop.locator("p.notice.as-of").count() == 0
