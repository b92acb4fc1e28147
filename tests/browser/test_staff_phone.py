"""Every staff page on a 390 x 844 phone, in English, French and Spanish, as each staff role that
may open it (admin, moderator, analyst), with demo data whose tables are wide (long institution
names): no page is wider than the screen, the navigation is folded into a menu so that the
page's own heading is on the first screen, the menu names the page shown and links only to pages
the role may open, and axe-core finds no violation of any impact: in the three languages for an
admin (who opens every page) and signed out, in one language each, in turn, for the other roles
(their pages are the admin's with fewer links; axe takes most of the walk's time).
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from consult.campaign import demo as campaign_demo
from consult.campaign.models import Pledge
from consult.contributions.models import Contribution
from consult.db import db, writing
from consult.geography import region_map
from consult.outcomes.models import OutcomeSnapshot
from consult.staff.access import ROLES
from consult.staff.models import ExportJob, User
from tests.browser.conftest import PHONE, accessibility_violations, screenshot
from tests.browser.test_outcomes_deck import published_demo, sign_in
from tests.conftest import STAFF_PASSWORD, csrf_token

#: What reaches past the screen's right edge outside a scrolling box (for the failure message).
WIDE = (
    "(width) => Array.from(document.querySelectorAll('body *'))"
    ".filter(e => e.getBoundingClientRect().right > width + 1 && !e.closest('.table-scroll'))"
    ".slice(0, 3)"
    ".map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').slice(0, 30))"
)

#: Every GET route under /staff: the page walked for it (ids filled in from the demo data), or
#: None when it is not a page to read on a phone.
ROUTES = {
    "staff.home": "/staff/",
    "staff.change_password": "/staff/account/password",
    "staff.audit_log": "/staff/audit",
    "staff.coverage": "/staff/coverage",
    "staff.dashboard_page": "/staff/dashboard",
    "staff.exports": "/staff/exports",
    "staff.export_job": "/staff/exports/{job}",
    "staff.invitations_page": "/staff/invitations",
    "staff.regions_page": "/staff/regions",
    "staff.users": "/staff/users",
    "staff.user_detail": "/staff/users/{user}",
    "campaign_staff.queue": "/staff/campaign",
    "campaign_staff.due": "/staff/campaign/due",
    "campaign_staff.options": "/staff/campaign/options",
    "campaign_staff.paper": "/staff/campaign/paper",
    "campaign_staff.pledge": "/staff/campaign/pledges/{pledge}",
    "mail.outbox": "/staff/mail",
    "mail.digest_settings": "/staff/mail/digest",
    "mail.invitations_page": "/staff/mail/invitations",
    "mail.invite_staff": "/staff/mail/invite-staff",
    "mail.template": "/staff/mail/templates/invitation/fr",
    "moderation.queue": "/staff/moderation/",
    "moderation.contribution": "/staff/moderation/{contribution}",
    "moderation.log": "/staff/moderation/log",
    "outcomes.summary": "/staff/outcomes/",
    "outcomes.crosstab_page": (
        "/staff/outcomes/crosstab?rows=charter_2011_adopted&columns=local-governments:barriers"
    ),
    "outcomes.dashboard": "/staff/outcomes/dashboard",
    "outcomes.quotes": "/staff/outcomes/quotes",
    "outcomes.rows": "/staff/outcomes/rows?questionnaire=local-governments&question=barriers",
    "outcomes.snapshots": "/staff/outcomes/snapshots",
    "outcomes.snapshot": "/staff/outcomes/snapshots/{snapshot}",
    "outcomes_deck.settings": "/staff/outcomes/{snapshot}/deck/closing",
    # Before signing in (each language's walk starts there).
    "staff.login": "/staff/login",
    "mail.forgot_password": "/staff/password/forgot",
    "mail.set_password": "/staff/password/set/not-a-token",
    # Not pages: files (CSV, PDF, PPTX, SVG, JSON, .eml and the messages' own parts).
    "staff.invitation_links": None,
    "staff.export_download": None,
    "campaign_staff.letter": None,
    "mail.message_file": None,
    "mail.message_html": None,
    "mail.message_raw": None,
    "outcomes.figure": None,
    "outcomes.snapshot_json": None,
    "outcomes_deck.pdf": None,
    "outcomes_deck.pptx": None,
    # A form kept after a session ended, shown once after signing in again (without one it
    # leads to the workspace): walked on a phone by test_staff_session_end_keeps_form.py.
    "staff.kept_form": None,
    # Slides of a fixed 16:9 frame, for a projector (their legibility has its own tests).
    "outcomes.deck": None,
    "outcomes_deck.presenter": None,
}
SIGNED_OUT = ("staff.login", "mail.forgot_password", "mail.set_password")

#: Invited local governments with the long names real ones have, so that tables are wide.
INVITED = (
    "name;country;email;region\n"
    "Communauté d'agglomération Grand Paris Sud Seine-Essonne-Sénart;FR;"
    "direction.relations-internationales@grandparissud.example;\n"
    "Ayuntamiento de San Cristóbal de La Laguna, Concejalía de Derechos Humanos;ES;"
    "derechoshumanos.participacion@lalaguna.example;\n"
    "Gwangju Metropolitan City Human Rights and Peace Cooperation Office;KR;;\n"
    "Municipalidad Metropolitana de Lima;PE;relaciones.internacionales@munlima.example;\n"
    "Stadt Wien, Magistratsabteilung 17, Integration und Diversität;AT;;\n"
)


def test_every_staff_route_is_walked_or_is_not_a_page(app):
    rules = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/staff") and "GET" in rule.methods
    }
    assert rules == set(ROUTES)


@pytest.fixture
def staff_app(app, staff):
    """Demo responses, contributions (moderated: the log has entries), a published snapshot,
    the demo campaign, long-named invitations with their invitation e-mails queued, and an
    export that failed."""
    published_demo(app, staff, 120)
    client = app.test_client()
    form = client.get("/staff/login").get_data(as_text=True)
    client.post(
        "/staff/login",
        data={
            "csrf_token": csrf_token(form),
            "email": app.config["OUTCOMES_ADMIN"],
            "password": STAFF_PASSWORD,
        },
    )
    form = client.get("/staff/invitations").get_data(as_text=True)
    client.post(
        "/staff/invitations",
        data={"csrf_token": csrf_token(form), "file": (io.BytesIO(INVITED.encode()), "l.csv")},
        content_type="multipart/form-data",
    )
    form = client.get("/staff/mail/invitations").get_data(as_text=True)
    client.post(
        "/staff/mail/invitations", data={"csrf_token": csrf_token(form), "action": "invite"}
    )
    accounts = {"admin": app.config["OUTCOMES_ADMIN"]}
    accounts.update({role: staff(role) for role in ROLES if role != "admin"})
    with app.app_context(), writing():
        campaign_demo.generate_campaign(db.session, region_map(app.config["QUESTIONNAIRES_PATH"]))
        users = {
            role: db.session.scalar(select(User).where(User.email == email))
            for role, email in accounts.items()
        }
        jobs = {}
        for role in ("admin", "analyst"):  # an export is shown to the one who asked for it
            jobs[role] = ExportJob(
                requested_by_id=users[role].id,
                kind="responses",
                format="xlsx",
                options={},
                status="failed",
                error="The disk was full.",
            )
            db.session.add(jobs[role])
        db.commit()
        shared = {
            "user": users["admin"].id,
            "pledge": db.session.scalar(select(Pledge.id).order_by(Pledge.id)),
            "snapshot": db.session.scalar(select(OutcomeSnapshot.id)),
            "contribution": db.session.scalar(
                select(Contribution.id).where(Contribution.status == "published")
            ),
        }
        app.config["WALK_ACCOUNTS"] = accounts
        app.config["WALK_IDS"] = {
            role: {**shared, "job": jobs[role].id if role in jobs else None} for role in ROLES
        }
    return app


def may_open(app, endpoint: str, role: str | None) -> bool:
    """Tell whether ``role`` (None: signed out) may open the page of ``endpoint``."""
    roles = getattr(app.view_functions[endpoint], "required_roles", None)
    if roles is None:
        return True
    return role is not None and (role == "admin" or role in roles)


#: Pages whose phone screenshots are looked at (French and Spanish are the longest).
SHOWN = ("/staff/coverage", "/staff/moderation/log", "/staff/campaign", "/staff/campaign/due")
#: The most the header (brand, languages and the folded navigation) may take of the phone's
#: screen above the page's own content: a quarter of it.
HEADER_MOST = PHONE["height"] // 4

#: What the walk reads of a page, in one round trip (positions from the top of the document).
MEASURES = """() => {
  const nav = document.querySelector('nav.site-nav');
  const summary = nav && nav.querySelector('summary');
  const h1 = document.querySelector('main h1');
  const focusable = document.querySelector(
    'a[href], button:not([hidden]), input:not([type=hidden]), select, textarea, summary');
  return {
    width: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
    main: document.querySelector('main').getBoundingClientRect().top + window.scrollY,
    h1: h1 ? h1.getBoundingClientRect().bottom + window.scrollY : null,
    links: nav ? Array.from(nav.querySelectorAll('a[href]'), a => a.getAttribute('href')) : [],
    current: nav
      ? Array.from(nav.querySelectorAll('[aria-current]'), e => e.textContent.trim()) : [],
    summary: summary && summary.getBoundingClientRect().height > 0
      ? summary.textContent.trim() : null,
    folded: !!(summary && !summary.parentElement.open),
    first: focusable ? focusable.className + ' ' + focusable.getAttribute('href') : null,
  };
}"""


def phone_problems(page, measures: dict, may_open_path) -> list[str]:
    """What is wrong with a page on the phone, as read by MEASURES (empty when nothing is)."""
    problems = []
    if measures["width"] > PHONE["width"]:
        problems.append(f"{measures['width']} px wide: {page.evaluate(WIDE, PHONE['width'])}")
    if measures["main"] > HEADER_MOST:
        problems.append(f"the content starts {measures['main']:.0f} px down")
    if measures["h1"] is None or measures["h1"] > PHONE["height"]:
        problems.append(f"the h1 ends at {measures['h1']} px")
    if not measures["folded"] or not measures["summary"]:
        problems.append("the navigation is not a folded menu")
    if len(measures["current"]) > 1:
        problems.append(f"several links marked current: {measures['current']}")
    if measures["current"] and measures["current"][0] not in (measures["summary"] or ""):
        problems.append(f"the menu {measures['summary']!r} does not name {measures['current']}")
    if measures["first"] != "skip-link #main":
        problems.append(f"the first thing to focus is {measures['first']}, not the skip link")
    refused = [href for href in measures["links"] if not may_open_path(href)]
    if refused:
        problems.append(f"the navigation links to pages refused: {refused}")
    return problems


def test_every_staff_page_on_a_phone_for_every_role_and_language(staff_app, serve, new_context):
    server = serve(staff_app)
    adapter = staff_app.url_map.bind("localhost")
    accounts = staff_app.config["WALK_ACCOUNTS"]
    walks: dict[str | None, list[str]] = {None: [ROUTES[endpoint] for endpoint in SIGNED_OUT]}
    for role in ROLES:
        walks[role] = [
            path.format(**staff_app.config["WALK_IDS"][role])
            for endpoint, path in ROUTES.items()
            if path and endpoint not in SIGNED_OUT and may_open(staff_app, endpoint, role)
        ]
    others = [role for role in ROLES if role != "admin"]
    axe_in = {
        None: {"en", "fr", "es"},
        "admin": {"en", "fr", "es"},
        **{role: {("fr", "es", "en")[n % 3]} for n, role in enumerate(others)},
    }
    problems: dict[str, list[str]] = {}
    for language in ("en", "fr", "es"):
        for role, paths in walks.items():
            # One context per role and language (its own cookies), in the one browser.
            page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
            page.set_default_timeout(90_000)  # the first summary of the demo, on a busy machine
            page.goto(f"{server.url}/?lang={language}")
            if role is not None:
                sign_in(page, server.url, accounts[role])

            def may_open_path(href: str, role=role) -> bool:
                endpoint, _args = adapter.match(href.split("?")[0], method="GET")
                return may_open(staff_app, endpoint, role)

            for path in paths:
                page.goto(server.url + path)
                where = f"{language} {role} {path}"
                assert page.url.startswith(server.url + path.split("?")[0]), where  # not sent away
                found = phone_problems(page, page.evaluate(MEASURES), may_open_path)
                if language in axe_in[role]:
                    found += accessibility_violations(page)
                if found:
                    problems[where] = found
                if path in SHOWN and language != "en" and role == "admin":
                    if path == SHOWN[0]:
                        screenshot(page, f"phone-{language}-staff-top", full_page=False)
                    page.locator("main table").first.scroll_into_view_if_needed()
                    screenshot(page, f"phone-{language}{path.replace('/', '-')}", full_page=False)
            page.context.close()
    assert problems == {}
