"""Mail in a real browser: the respondents' forms (phone, French and Spanish), and the HTML
parts of the messages as Chromium renders them (desktop and phone, no sideways scrolling)."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from urllib.parse import urlsplit

import pytest

from consult.mail.sender import run
from tests.browser.conftest import screenshot, serious_accessibility_violations
from tests.conftest import Respondent, csrf_token
from tests.mail.conftest import invite, sign_in
from tests.questionnaires.test_respond import fill_required

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_email_me_my_link_on_a_phone_in_french(app, live_server, new_context) -> None:
    page = new_context(locale="fr-FR", **PHONE).new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/questionnaires/local-governments?lang=fr")
    page.get_by_role("button", name="Commencer").click()
    page.get_by_label("M'envoyer mon lien personnel par courriel").fill("maire@ville.example.fr")
    page.get_by_role("button", name="M'envoyer le lien").click()
    page.get_by_text("Votre lien personnel est en route").wait_for()
    assert serious_accessibility_violations(page) == []
    page.get_by_text("Votre lien personnel est en route").scroll_into_view_if_needed()
    screenshot(page, "mail-link-sent-phone-fr", full_page=False)
    assert errors == []


def test_lost_link_in_spanish(app, live_server, page) -> None:
    page.goto(f"{live_server.url}/questionnaires/local-governments?lang=es")
    page.get_by_role("link", name="¿Perdió su enlace?").click()
    page.get_by_label("Correo electrónico").fill("alcaldia@cdmx.example.mx")
    page.get_by_role("button", name="Enviarme el enlace").click()
    page.get_by_text("un mensaje con un enlace a las respuestas está en camino").wait_for()
    assert serious_accessibility_violations(page) == []
    screenshot(page, "mail-lost-link-es")


def _html_parts(folder) -> dict[str, str]:
    parts = {}
    for path in sorted(folder.glob("*.eml")):
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        key = f"{path.stem.rsplit('-', 1)[1]}-{message['Content-Language']}"
        parts[key] = message.get_body(("html",)).get_content()
    return parts


@pytest.fixture
def written(make_app, tmp_path):
    """An invitation in French and a receipt in Spanish, written as .eml files."""
    folder = tmp_path / "mail"
    app = make_app(MAIL_FOLDER=str(folder), SERVER_NAME="consult.example.org")
    staff_client = app.test_client()
    sign_in(app, staff_client, "admin")
    invite(app, [("Ville de Grigny", "FR", "mairie@grigny.example.fr", "fr")])
    page = staff_client.get("/staff/mail/invitations").get_data(as_text=True)
    staff_client.post(
        "/staff/mail/invitations", data={"csrf_token": csrf_token(page), "action": "invite"}
    )
    client = app.test_client()
    client.get("/questionnaires/local-governments?lang=es")
    respondent = Respondent(client)
    respondent.start()
    fill_required(respondent)
    review = client.get(f"/r/{respondent.token}/review").get_data(as_text=True)
    client.post(
        f"/r/{respondent.token}/review",
        data={"csrf_token": csrf_token(review), "mail.receipt_email": "cdmx@cdmx.example.mx"},
    )
    # A contribution not published, in Spanish, with the moderator's note (user text: escaped).
    from consult.contributions import operations
    from consult.db import db
    from tests.mail.test_contributors import act, make_contribution

    rejected = make_contribution(
        app,
        language="es",
        text="El derecho a la vivienda debe cubrir la financiarización <b>ya</b>.",
    )
    act(
        app,
        rejected,
        lambda c: operations.reject(
            db.session, c, "off_topic", note="Envíela de nuevo sobre el artículo X <i>Vivienda</i>."
        ),
    )
    # A staff member's password reset, in English.
    forgot = client.get("/staff/password/forgot?lang=en").get_data(as_text=True)
    staff_email = sign_in(app, app.test_client(), "moderator")
    client.post(
        "/staff/password/forgot",
        data={"csrf_token": csrf_token(forgot), "email": staff_email},
    )
    with app.app_context():
        run(app, loop=False)
    return _html_parts(folder)


@pytest.mark.parametrize(
    "kind", ["invitation-fr", "receipt-es", "contribution_rejected-es", "staff_reset-en"]
)
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_html_parts_read_well_on_desktop_and_phone(written, new_context, kind, device) -> None:
    options = PHONE if device == "phone" else {"viewport": {"width": 1100, "height": 900}}
    page = new_context(java_script_enabled=False, **options).new_page()
    page.set_content(written[kind])
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{kind} scrolls sideways on {device}"
    # A contribution not published has no page to link to; every other message has its button.
    assert page.locator("a.button").count() >= (0 if "rejected" in kind else 1)
    screenshot(page, f"mail-{kind}-{device}")


#: The staff's mail pages (and the public ones staff send people to), walked by axe-core.
STAFF_MAIL_PAGES = [
    ("/staff/mail", "outbox and written .eml files"),
    ("{eml}", "one written message"),
    ("/staff/mail/invitations", "invitations and reminders"),
    ("/staff/mail/templates/invitation/fr", "an invitation's text, in French"),
    ("/staff/mail/templates/reminder/es", "a reminder's text, in Spanish"),
    ("/staff/mail/invite-staff", "invite a staff member"),
    ("/staff/mail/digest", "the daily digest"),
    ("/staff/password/forgot", "forgot password"),
    ("{unsubscribe}?lang=fr", "unsubscribe from reminders, in French"),
]


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_staff_mail_pages_pass_axe_on_desktop_and_phone(
    app, live_server, new_context, staff, device
) -> None:
    from tests.browser.test_staff_pages import sign_in as sign_in_page

    email = staff("admin")
    [invitation_id] = invite(app, [("Ville de Grigny", "FR", "mairie@grigny.example.fr", "fr")])
    with app.test_request_context():
        from consult.mail.invitees import unsubscribe_url

        unsubscribe = urlsplit(unsubscribe_url(invitation_id)).path
    client = app.test_client()
    sign_in(app, client, "admin")
    page_html = client.get("/staff/mail/invitations").get_data(as_text=True)
    client.post(
        "/staff/mail/invitations", data={"csrf_token": csrf_token(page_html), "action": "invite"}
    )
    with app.app_context():
        run(app, loop=False)  # no SMTP server: written as .eml files, listed on /staff/mail
    options = PHONE if device == "phone" else {"viewport": {"width": 1200, "height": 900}}
    page = new_context(**options).new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in_page(page, live_server, email)
    page.goto(live_server.url + "/staff/mail")
    eml = page.locator("a[href^='/staff/mail/files/']").first.get_attribute("href")
    for path, what in STAFF_MAIL_PAGES:
        page.goto(live_server.url + path.format(eml=eml, unsubscribe=unsubscribe))
        assert page.locator("h1").first.is_visible(), what
        assert serious_accessibility_violations(page) == [], what
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], f"{what} scrolls sideways on {device}"
    # The preview of an edited text, as staff see it before sending.
    page.goto(live_server.url + "/staff/mail/templates/invitation/fr?lang=en")
    page.get_by_role("button", name="Preview").click()
    page.locator("#preview-title").wait_for()
    assert serious_accessibility_violations(page) == []
    screenshot(page, f"mail-staff-template-preview-{device}")
    assert errors == [], errors
