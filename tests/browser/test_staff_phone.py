"""Every staff page on a 390 x 844 phone, in English, French and Spanish, as an administrator
(who may open every one of them), with demo data whose tables are wide (long institution names):
no page is wider than the screen, and axe-core finds no violation of any impact (in English
and in one of French and Spanish, in turn: axe is slow on the shared machine)."""

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
from consult.staff.models import ExportJob, User
from tests.browser.conftest import PHONE, accessibility_violations, screenshot
from tests.browser.test_outcomes_deck import published_demo, sign_in
from tests.conftest import STAFF_PASSWORD, csrf_token

WIDTH = "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
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
    with app.app_context(), writing():
        campaign_demo.generate_campaign(db.session, region_map(app.config["QUESTIONNAIRES_PATH"]))
        admin = db.session.scalar(select(User).where(User.email == app.config["OUTCOMES_ADMIN"]))
        job = ExportJob(
            requested_by_id=admin.id,
            kind="responses",
            format="xlsx",
            options={},
            status="failed",
            error="The disk was full.",
        )
        db.session.add(job)
        db.commit()
        app.config["WALK_IDS"] = {
            "user": admin.id,
            "job": job.id,
            "pledge": db.session.scalar(select(Pledge.id).order_by(Pledge.id)),
            "snapshot": db.session.scalar(select(OutcomeSnapshot.id)),
            "contribution": db.session.scalar(
                select(Contribution.id).where(Contribution.status == "published")
            ),
        }
    return app


#: Pages whose phone screenshots are looked at (French and Spanish are the longest).
SHOWN = ("/staff/coverage", "/staff/moderation/log", "/staff/campaign", "/staff/campaign/due")


def test_no_staff_page_is_wider_than_a_phone_nor_fails_axe(staff_app, serve, new_context):
    server = serve(staff_app)
    ids = staff_app.config["WALK_IDS"]
    signed_out = [ROUTES[endpoint] for endpoint in SIGNED_OUT]
    signed_in = [
        path.format(**ids)
        for endpoint, path in ROUTES.items()
        if path and endpoint not in SIGNED_OUT
    ]
    too_wide: dict[str, tuple] = {}
    violations: dict[str, list[str]] = {}
    for language in ("en", "fr", "es"):
        page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
        page.set_default_timeout(90_000)  # the first summary of the demo, on a busy machine
        page.goto(f"{server.url}/?lang={language}")
        for number, path in enumerate(signed_out + signed_in):
            if number == len(signed_out):
                sign_in(page, server.url, staff_app.config["OUTCOMES_ADMIN"])
            page.goto(server.url + path)
            where = f"{language} {path}"
            assert page.url.startswith(server.url + path.split("?")[0]), where  # not sent away
            width = page.evaluate(WIDTH)
            if width > PHONE["width"]:
                too_wide[where] = (width, page.evaluate(WIDE, PHONE["width"]))
            # axe is slow on this machine: every page in English, and in French or Spanish
            # in turn (each page in two languages; the widths in all three).
            if language == "en" or ("fr", "es")[number % 2] == language:
                found = accessibility_violations(page)
                if found:
                    violations[where] = found
            if path in SHOWN and language != "en":
                if path == SHOWN[0]:
                    screenshot(page, f"phone-{language}-staff-top", full_page=False)
                page.locator("main table").first.scroll_into_view_if_needed()
                screenshot(page, f"phone-{language}{path.replace('/', '-')}", full_page=False)
        page.context.close()
    assert (too_wide, violations) == ({}, {})
