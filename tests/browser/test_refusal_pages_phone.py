"""Pages that refuse or ask again, on a 390x844 phone in French and Spanish and on a desktop
in English: a staff page refused as stale (consult/staff/concurrency.py), the confirmation a
removal asks for (consult/staff/removals.py), and a pledge's "Lost your link?" (the request,
the answer, and the 410 of a link it replaced). Each passes axe-core, scrolls no sideways,
keeps every button on screen, and shows no English on a French or Spanish page."""

from __future__ import annotations

import pytest

from consult.campaign.links import LOST_LINK_ACTOR, reissue
from consult.campaign.models import Pledge
from consult.contributions import operations
from consult.db import db, writing
from tests.browser.conftest import accessibility_violations, screenshot
from tests.campaign.conftest import Institution
from tests.conftest import STAFF_PASSWORD

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
DEVICES = [("phone", "fr"), ("phone", "es"), ("desktop", "en")]
#: The moderator's note, typed in the page's language.
NOTES = {
    "fr": "Hors sujet : elle ne porte pas sur la Charte-Agenda.",
    "es": "Fuera de tema: no trata de la Carta-Agenda.",
    "en": "Off topic: not about the Charter-Agenda.",
}
#: English that must not be left on a French or Spanish page (each page's own words).
ENGLISH = {
    "stale": ("changed since you opened it", "Apply my change anyway", "What changed"),
    "removal": ("Take it off the public site?",),
    "lost-link": ("Lost your link?", "Send me the link"),
    "lost-link-sent": ("is on its way",),
    "replaced": ("This link was replaced",),
}


#: Words of a table cell split across two lines (a hyphen's own break excepted): "Publicad/a"
#: in a column squeezed by a user text that may break anywhere.
BROKEN_WORDS = """() => {
  const broken = [];
  for (const cell of document.querySelectorAll('main td, main th')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const word of node.data.matchAll(/[^\\s-]+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (tops.size > 1) broken.push(word[0]);
      }
    }
  }
  return broken;
}"""


def _checked(page, name: str, kind: str, language: str) -> None:
    """axe-clean, no sideways scrolling, every button within the screen, no English left."""
    page.wait_for_load_state()
    screenshot(page, name)
    assert accessibility_violations(page) == [], name
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), name
    off_screen = page.evaluate(
        """() => [...document.querySelectorAll('main button, main .button')]
        .filter(b => b.offsetParent !== null)
        .filter(b => { const r = b.getBoundingClientRect();
                       return r.left < 0 || r.right > window.innerWidth + 1; })
        .map(b => b.textContent.trim())"""
    )
    assert off_screen == [], (name, off_screen)
    assert page.evaluate(BROKEN_WORDS) == [], name
    if language != "en":
        text = page.inner_text("main")
        assert [words for words in ENGLISH[kind] if words in text] == [], name


def _sign_in(page, base: str, email: str, language: str) -> None:
    page.goto(f"{base}/staff/login?lang={language}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.parametrize(("device", "language"), DEVICES)
def test_a_stale_staff_page_and_the_removal_it_leads_to(
    app, live_server, new_context, staff, device, language
):
    with app.test_request_context(), writing():
        contribution, _token = operations.create_contribution(
            db.session,
            kind="comment",
            text="La Carta debería decir más sobre la vivienda asequible en las ciudades.",
            language="es",
            organisation_type="civil_society",
        )
        db.commit()
        path = f"/staff/moderation/{contribution.id}"
    base = live_server.url
    options = PHONE if device == "phone" else DESKTOP
    admin = new_context(locale=language, **options).new_page()
    moderator = new_context().new_page()
    _sign_in(admin, base, staff("admin"), language)
    _sign_in(moderator, base, staff("moderator"), "en")
    admin.goto(f"{base}{path}?lang={language}")
    moderator.goto(base + path)
    moderator.click(f"button[value='{contribution.id}:approve']")
    moderator.wait_for_load_state()
    admin.select_option(f"#reason-{contribution.id}", "off_topic")
    admin.fill(f"#note-{contribution.id}", NOTES[language])
    admin.click(f"button[value='{contribution.id}:reject']")
    _checked(admin, f"staff-stale-{device}-{language}", "stale", language)
    assert "moderator@cisdp.test" in admin.inner_text("main")
    admin.click(".apply-anyway button")
    _checked(admin, f"staff-removal-{device}-{language}", "removal", language)


@pytest.mark.parametrize(("device", "language"), DEVICES)
def test_a_pledges_lost_link_pages(app, live_server, new_context, device, language):
    institution = Institution(app.test_client())
    old = institution.join()
    with app.app_context(), writing():
        pledge = db.session.query(Pledge).one()
        contact = pledge.contact_email
        reissue(db.session, pledge, LOST_LINK_ACTOR)
        db.session.commit()
    base = live_server.url
    options = PHONE if device == "phone" else DESKTOP
    page = new_context(locale=language, **options).new_page()
    page.goto(f"{base}/campaign/pledge/{old}?lang={language}")
    _checked(page, f"campaign-replaced-link-{device}-{language}", "replaced", language)
    page.goto(f"{base}/campaign/lost-link?lang={language}")
    _checked(page, f"campaign-lost-link-{device}-{language}", "lost-link", language)
    page.fill("#lost-link-address", contact)
    page.click("#lost-link-form button[type=submit]")
    _checked(page, f"campaign-lost-link-sent-{device}-{language}", "lost-link-sent", language)
