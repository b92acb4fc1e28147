"""The staff concurrency chokepoint (consult.staff.concurrency) and the removal tick
(consult.staff.removals): a table of versions, and a walk over every staff post."""

from __future__ import annotations

import pytest

from consult.staff import concurrency
from consult.staff.concurrency import Change, changes, shown_values, version_of

SECRET = "test-secret"
FIELDS = {"status": ("Status", "Published"), "note": ("Note", "")}
LONG = "x" * (concurrency.KEPT_LENGTH + 1)
LONG_CRLF = "line\r\n" * 40
LONG_LF = LONG_CRLF.replace("\r\n", "\n")


@pytest.mark.parametrize(
    ("token", "now", "expected"),
    [
        # the form was drawn from the thing as it is: current
        (version_of(FIELDS, SECRET), FIELDS, []),
        # one field changed since: refused, with what it was and what it is
        (
            version_of({**FIELDS, "status": ("Status", "Awaiting moderation")}, SECRET),
            FIELDS,
            [Change("Status", "Awaiting moderation", "Published")],
        ),
        # labels are translated, keys are not: another language is still the same version
        (version_of({"status": ("Statut", "Published"), "note": ("Note", "")}, SECRET), FIELDS, []),
        # a long value is kept as a digest: equal is current, changed is shown without "was"
        (version_of({"text": ("Text", LONG)}, SECRET), {"text": ("Text", LONG)}, []),
        (
            version_of({"text": ("Text", LONG)}, SECRET),
            {"text": ("Text", "short")},
            [Change("Text", None, "short")],
        ),
        # drawn before migration 1020 cleaned the stored text (CR LF breaks, a bidirectional
        # control): the same text, current; a real change still shows
        (
            version_of({"note": ("Note", "a\r\nb \u202egnp.exe")}, SECRET),
            {"note": ("Note", "a\nb gnp.exe")},
            [],
        ),
        (version_of({"text": ("Text", LONG_CRLF)}, SECRET), {"text": ("Text", LONG_LF)}, []),
        (
            version_of({"note": ("Note", "a\r\nb")}, SECRET),
            {"note": ("Note", "a\nc")},
            [Change("Note", "a\r\nb", "a\nc")],
        ),
        (
            version_of({"text": ("Text", LONG_CRLF)}, SECRET),
            {"text": ("Text", LONG_LF + "!")},
            [Change("Text", None, LONG_LF + "!")],
        ),
        # no version, a forged one, one signed with another key: unknown, never current
        (None, FIELDS, None),
        ("", FIELDS, None),
        ("forged", FIELDS, None),
        (version_of(FIELDS, "another secret"), FIELDS, None),
        # a version of another shape (a field gone): not current
        (
            version_of({**FIELDS, "extra": ("Extra", "")}, SECRET),
            FIELDS,
            [Change("", None, "")],
        ),
    ],
)
def test_a_version_is_current_only_when_nothing_changed(token, now, expected):
    assert changes(shown_values(token, SECRET), now) == expected


#: Every staff post: does it change a shared thing (then its form carries a version), and does
#: it take something off the public site (then it asks for the tick)? A new route must be
#: classified here, with the reason when it needs no version.
STAFF_POSTS = {
    "staff.login": (False, False, "signs in: no shared thing"),
    "staff.logout": (False, False, "ends one's own session"),
    "staff.change_password": (False, False, "one's own password, checked by the current one"),
    "staff.users": (False, False, "creates a new account (a taken address is refused)"),
    "staff.user_unlock": (False, False, "idempotent: clears failures"),
    "staff.user_sign_out": (False, False, "idempotent: ends sessions"),
    "staff.user_role": (True, False, ""),
    "staff.user_status": (True, False, ""),
    "staff.user_reset_password": (False, False, "a new random password, shown once"),
    "staff.regions_page": (False, False, "an explicit country and region, not a shown value"),
    "staff.region_reset": (False, False, "idempotent: back to the default"),
    "staff.exports": (False, False, "starts an export job: changes nothing shared"),
    "staff.export_contributions": (False, False, "makes a file"),
    "staff.invitations_page": (False, False, "imports new invitations"),
    "staff.invitation_new_link": (False, False, "a new link for one invitee, shown once"),
    "moderation.act": (True, True, ""),
    "moderation.act_on_reply": (True, True, ""),
    "moderation.respond": (True, False, ""),
    "outcomes.freeze": (False, False, "makes a new snapshot, reviewed first"),
    "outcomes.publish": (True, False, ""),
    "outcomes.withdraw": (True, True, ""),
    "outcomes.publishers": (False, False, "grant or take back: explicit, idempotent"),
    "outcomes.star": (False, False, "adds a quote to the bank (not public until a freeze)"),
    "outcomes.unstar": (False, False, "the bank only; the public page shows frozen quotes"),
    "outcomes.deck_position": (False, False, "a quote's place in the bank's deck order"),
    "outcomes_deck.settings": (False, False, "a frozen snapshot's deck text"),
    "mail.invitations_page": (False, False, "queues invitations to send"),
    "mail.template": (True, False, ""),
    "mail.forgot_password": (False, False, "public: sends a reset link"),
    "mail.set_password": (False, False, "public: one-time link"),
    "mail.invite_staff": (False, False, "creates a new invitation"),
    "mail.digest_settings": (False, False, "one's own digest subscription"),
    "campaign_staff.decide": (True, False, ""),
    "campaign_staff.pioneer": (True, False, ""),
    "campaign_staff.new_link": (False, False, "issues a new link; nothing shown is overwritten"),
    "campaign_staff.paper_post": (False, False, "creates a new pledge"),
    "campaign_staff.option_add": (False, False, "creates a new option (a taken key is refused)"),
    "campaign_staff.option_edit": (True, False, ""),
}


def test_every_staff_post_is_classified_and_goes_through_the_chokepoints(app):
    posts = {
        rule.endpoint: app.view_functions[rule.endpoint]
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and rule.rule.startswith("/staff")
    }
    assert set(posts) == set(STAFF_POSTS), "classify every staff post in STAFF_POSTS"
    for endpoint, view in posts.items():
        versioned, removes, reason = STAFF_POSTS[endpoint]
        assert getattr(view, "checks_version", False) == versioned, endpoint
        assert getattr(view, "confirms_removal", False) == removes, endpoint
        assert versioned or reason, endpoint


def test_versioned_staff_posts_refuse_a_forged_or_missing_version(app, login):
    from sqlalchemy import select

    from consult.campaign.models import CommitmentOption
    from consult.db import db
    from consult.mail.models import MailTemplate
    from consult.staff.models import User
    from tests.conftest import csrf_token

    admin = login(app.test_client(), "admin")
    token = csrf_token(admin.get("/staff/account/password").get_data(as_text=True))
    with app.app_context():
        me = db.session.scalar(select(User.id).where(User.email.like("admin-%")))
        option = db.session.scalars(select(CommitmentOption)).first()
        labels = {"label_en": option.label_en, "label_fr": "Changé", "label_es": option.label_es}
        option_id = option.id
    samples = [
        (f"/staff/users/{me}/role", {"role": "analyst"}),
        (f"/staff/users/{me}/status", {}),
        (f"/staff/campaign/options/{option_id}", {"position": "3", **labels}),
        ("/staff/outcomes/publication/withdraw", {"confirm_removal": "yes"}),
        (
            "/staff/mail/templates/invitation/fr",
            {"action": "save", "subject": "S", "body": "{link}"},
        ),
    ]
    for path, data in samples:
        for version in ({}, {"version": "forged"}):
            reply = admin.post(path, data={"csrf_token": token, **data, **version})
            assert reply.status_code == 409, (path, version)
            assert "Apply my change anyway" in reply.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, me).role == "admin" and db.session.get(User, me).is_enabled
        assert db.session.get(CommitmentOption, option_id).label_fr != "Changé"
        assert db.session.scalar(select(MailTemplate)) is None


def test_the_stale_page_shows_every_text_typed_even_one_the_view_did_not_name(app):
    """The chokepoint shows what the view named (with its label) and any other text typed."""
    from dataclasses import replace

    from consult.staff.concurrency import Shared, refusal

    shared = Shared("option:1", "Commitment", {"label": ("Label", "Now")}, back="/staff/")
    form = {
        "version": "forged",
        "label_en": "Named by the view ✓",
        "label_fr": "Pas nommé par la vue ✓",
        "position": "3",
    }
    with app.test_request_context("/staff/campaign/options/1", method="POST", data=form):
        named = replace(shared, typed={"label_en": ("English label", "Named by the view ✓")})
        page, status = refusal(named, None)
    assert status == 409
    assert page.count("Named by the view ✓") == 2  # shown once, re-posted once
    assert "Pas nommé par la vue ✓</dd>" in page
    assert "English label" in page and "Also typed" in page
    assert "forged</dd>" not in page and ">3</dd>" not in page  # no version, no number
