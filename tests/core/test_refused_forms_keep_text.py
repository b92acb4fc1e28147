"""A refused form keeps every text typed in it, on every POST route of the URL map.

Each route with typed text has a case: the page that draws its form, the refusals it can
answer (a required choice missing, a text too long, a bad value in another field, a stale
version, an expired CSRF token, a rate limit), and the walk checks that the page that answers
the refusal (the form drawn again, the 409 of ``staff/concurrency.py``, the resend page of
``core/errors.py``) still holds every text typed, in its field or shown to copy. A route that
takes no typed text is listed in ``NO_TYPED_TEXT`` with the reason; a new route without
either fails the walk.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from flask import Flask, abort, request

SAME = {"Sec-Fetch-Site": "same-origin"}
#: Field types a person types free text into.
FREE = {"text", "textarea", "search", "email", "tel", "url"}


class PostedForm(HTMLParser):
    """The first form of a page posting to ``action``, as a browser would send it."""

    def __init__(self, html: str, action: str, page: str = "") -> None:
        super().__init__()
        self.target = action
        self.page = urlsplit(page).path
        self.found = False
        self.form_id: str | None = None
        self.fields: list[dict[str, str]] = []
        self._in = False
        self._done = False
        self._select: dict[str, str] | None = None
        self._textarea: dict[str, str] | None = None
        self.feed(html)

    def _mine(self, a: dict[str, str]) -> bool:
        if a.get("form"):
            return a["form"] == self.form_id and self.form_id is not None
        return self._in

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and not self._done:
            posts_to = urlsplit(unescape(a.get("action", ""))).path or self.page
            if posts_to == self.target:
                self._in = self.found = True
                self.form_id = a.get("id")
            return
        if tag == "input" and self._mine(a) and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox") and "checked" not in a:
                return
            if kind not in ("submit", "file", "button"):
                self.fields.append({"name": a["name"], "type": kind, "value": a.get("value", "")})
        elif tag == "textarea" and self._mine(a):
            self._textarea = {"name": a["name"], "type": "textarea", "value": ""}
            self.fields.append(self._textarea)
        elif tag == "select" and self._mine(a):
            self._select = {"name": a["name"], "type": "select", "value": "", "options": ""}
            self.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            if not self._select["options"]:  # the first option, unless one is selected
                self._select["options"] = "seen"
                self._select["value"] = a.get("value", "")
            if "selected" in a:
                self._select["value"] = a.get("value", "")

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] += data

    def handle_endtag(self, tag):
        if tag == "form" and self._in:
            self._in, self._done = False, True
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def free_text_fields(self) -> list[str]:
        return [f["name"] for f in self.fields if f["type"] in FREE]

    def data(self) -> dict[str, list[str]]:
        sent: dict[str, list[str]] = {}
        for each in self.fields:
            sent.setdefault(each["name"], []).append(unescape(each["value"]))
        return sent


# -- the world the walk runs in ------------------------------------------------------------


@dataclass
class World:
    """Clients and addresses of real things, for the pages that draw each form."""

    app: Flask
    public: object
    admin: object
    pages: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def app(make_app) -> Flask:
    return make_app(CONTRIBUTION_MIN_FILL_SECONDS=0)


@pytest.fixture
def world(app, login) -> World:
    """A draft and a submitted response, a published and a pending contribution, a pledge
    waiting for a decision and a verified one, a snapshot; a visitor and an admin."""
    from datetime import date

    from sqlalchemy import select

    from consult.campaign.models import VERIFIED, CommitmentOption
    from consult.campaign.operations import find_pledge
    from consult.contributions import operations
    from consult.db import db, writing
    from tests.campaign.conftest import Institution
    from tests.conftest import Respondent, csrf_token
    from tests.questionnaires.test_respond import fill_required

    @app.before_request
    def refuse():  # a forced refusal (after the CSRF check): the rate limit's 429
        if request.method == "POST" and request.headers.get("X-Refuse"):
            abort(int(request.headers["X-Refuse"]))

    public = app.test_client()
    admin = login(app.test_client(), "admin")
    respondent = Respondent(public)
    respondent.start()
    submitted = Respondent(app.test_client())
    submitted.start()
    fill_required(submitted)
    assert submitted.submit().status_code == 303
    with app.app_context(), writing():
        shown, _token = operations.create_contribution(
            db.session, text="Housing first.", kind="comment", language="en",
            organisation_type="academia",
        )  # fmt: skip
        operations.publish(db.session, shown)
        pending, _token = operations.create_contribution(
            db.session, text="Water for all.", kind="comment", language="en",
            organisation_type="academia",
        )  # fmt: skip
        db.commit()
        shown_id, pending_id = shown.id, pending.id
    joined = Institution(app.test_client())
    pledge_token = joined.join()
    verified = Institution(app.test_client())
    verified_token = verified.join(institution_name="Ville de Gwangju")
    with app.app_context(), writing():
        pledge = find_pledge(db.session, verified_token)
        pledge.status, pledge.joined_on = VERIFIED, date.today()
        pending_pledge = find_pledge(db.session, pledge_token)
        db.commit()
        pending_pledge_id = pending_pledge.id
    with app.app_context():
        option_id = db.session.scalars(select(CommitmentOption.id)).first()
    page = admin.get("/staff/outcomes/snapshots").get_data(as_text=True)
    frozen = admin.post(
        "/staff/outcomes/snapshots",
        data={"csrf_token": csrf_token(page), "label": "First", "step": "confirm", "empty": "yes"},
    )
    assert frozen.status_code in (302, 303), frozen.get_data(as_text=True)[:3000]
    snapshot = frozen.location.rstrip("/").rsplit("/", 1)[1]
    pages = {
        "respondent": respondent.token,
        "submitted": submitted.token,
        "contribution": f"/contributions/{shown_id}",
        "pending": str(pending_id),
        "pledge": f"/campaign/pledge/{pledge_token}",
        "verified": f"/campaign/pledge/{verified_token}",
        "pending_pledge": str(pending_pledge_id),
        "snapshot": snapshot,
        "option": str(option_id),
    }
    return World(app, public, admin, pages)


def _longer(limit: int) -> Callable[[str], str]:
    """A refusal: the typed text, made five times as long as ``limit`` (a paste): all of it
    comes back, never a cut."""
    return lambda typed: typed + "x" * (5 * limit - len(typed)) + "END"


@dataclass(frozen=True)
class Case:
    """A POST route with typed text: where its form is drawn, and how it can be refused."""

    #: The page that draws the form, and the address it posts to ({names} from World.pages).
    page: str
    post: str
    #: Refusals of the route's own: name -> fields changed (None: not sent; a function: of
    #: the typed value) and the status expected.
    refusals: dict[str, tuple[dict, int]] = field(default_factory=dict)
    who: str = "public"
    #: Values for typed fields that must keep a shape (an address, a key, a phone number).
    typed: dict[str, str] = field(default_factory=dict)
    #: The button pressed, and fields the form sends besides the page's.
    extra: dict[str, str] = field(default_factory=dict)
    #: The form on the page posts elsewhere (a button's formaction sends it here).
    form_action: str | None = None
    #: The refusals every form has: an expired CSRF token, a rate limit (and a stale version
    #: when the form carries one). Not for a form holding a password: a password is typed
    #: again, never written into a page (core.errors.may_resend_after_expiry).
    generic: bool = True
    multipart: bool = False


LETTER = "__letter__"

CASES: dict[str, Case] = {
    "contributions.new": Case(
        "/contributions/new",
        "/contributions/new",
        {
            "a kind not chosen": ({"kind": None}, 422),
            "a text too long": ({"text": _longer(5000)}, 422),
            "an unknown organisation type": ({"organisation_type": "bogus"}, 422),
            "an unknown country": ({"country": "ZZ"}, 422),
        },
        extra={"kind": "comment", "organisation_type": "civil_society", "language": "en"},
    ),
    "contributions.reply": Case(
        "{contribution}",
        "{contribution}/replies",
        {
            "a reply too long": ({"text": _longer(5000)}, 422),
            "no reply (the signature typed)": ({"text": ""}, 422),
        },
    ),
    "contributions.report": Case(
        "{contribution}",
        "{contribution}/report",
        {
            "a reason not chosen": ({"reason": None}, 422),
            "a comment too long": ({"reason": "spam", "comment": _longer(1000)}, 422),
        },
        form_action="{contribution}/replies",
    ),
    "campaign.join_post": Case(
        "/campaign/join",
        "/campaign/join",
        {
            "a level not chosen": ({"level": None}, 422),
            "no letter": ({LETTER: None}, 422),
            "an address that is not one": ({"contact_email": "not an address ✓"}, 422),
            "an unknown country": ({"country": "ZZ"}, 422),
        },
        typed={"contact_email": "kept.join@example.org", "contact_phone": "+33 1 69 02 53 53"},
        extra={
            "action": "submit",
            "level": "municipality",
            "country": "FR",
            "population_band": "under_50k",
            "commitments": "local_charter",
            "authorised": "y",
            LETTER: "yes",
        },  # fmt: skip
        multipart=True,
    ),
    "campaign.pledge_edit_post": Case(
        "{pledge}/edit",
        "{pledge}/edit",
        {
            "a level not chosen": ({"level": None}, 422),
            "a page drawn before another change": ({"revision": "0"}, 409),
        },
        typed={"contact_email": "kept.edit@example.org", "contact_phone": "+33 1 69 02 53 54"},
        extra={"action": "save"},
        multipart=True,
    ),
    "campaign.pledge_progress_post": Case(
        "{verified}/progress",
        "{verified}/progress",
        {"a text too long": ({"text-local_charter": _longer(5000)}, 422)},
    ),
    "campaign.lost_link": Case(
        "/campaign/lost-link",
        "/campaign/lost-link",
        {"an address that is not one": ({"email": "not an address ✓"}, 422)},
        typed={"email": "kept.lost@example.org"},
    ),
    "mail.lost_link": Case(
        "/questionnaires/local-governments/lost-link",
        "/questionnaires/local-governments/lost-link",
        {"an address that is not one": ({"email": "not an address ✓"}, 422)},
        typed={"email": "kept.lost@example.org"},
    ),
    "mail.email_link": Case(
        "/r/{submitted}/receipt",
        "/r/{submitted}/email-link",
        {"an address that is not one": ({"email": "not an address ✓"}, 422)},
        typed={"email": "kept.link@example.org"},
    ),
    "questionnaires.page": Case(
        "/r/{respondent}/s/profile",
        "/r/{respondent}/s/profile",
        {"an answer too long": ({"q.institution_name": _longer(1000)}, 422)},
        extra={"action": "next"},
    ),
    "questionnaires.review": Case(
        "/r/{respondent}/review",
        "/r/{respondent}/review",
        {
            "an address that is not one": ({"contact.email": "not an address ✓"}, 422),
            "no consent to keep the details": ({"contact.consent": None}, 422),
        },
        typed={"contact.email": "kept.review@example.org"},
        extra={"contact.consent": "yes"},
    ),
    "staff.login": Case(
        "/staff/login",
        "/staff/login",
        {"a wrong password": ({"password": "wrong"}, 200)},
        who="public",
        typed={"email": "kept.login@example.org"},
        generic=False,
    ),
    "staff.users": Case(
        "/staff/users",
        "/staff/users",
        {
            "a role not chosen": ({"role": None}, 200),
            "an address that is not one": ({"email": "not an address ✓"}, 200),
        },
        who="admin",
        typed={"email": "kept.new@example.org"},
        extra={"role": "analyst"},
        generic=False,  # it sets the new account's first password
    ),
    "mail.invite_staff": Case(
        "/staff/mail/invite-staff",
        "/staff/mail/invite-staff",
        {"an address that is not one": ({"email": "not an address ✓"}, 422)},
        who="admin",
        typed={"email": "kept.invite@example.org"},
    ),
    "mail.forgot_password": Case(
        "/staff/password/forgot",
        "/staff/password/forgot",
        who="public",
        typed={"email": "kept.forgot@example.org"},
    ),
    "mail.template": Case(
        "/staff/mail/templates/invitation/fr",
        "/staff/mail/templates/invitation/fr",
        {"a body without the link": ({"body": "Kept body without the link ✓"}, 422)},
        who="admin",
        typed={"body": "Kept body ✓ {link}"},
        extra={"action": "save"},
    ),
    "moderation.act": Case(
        "/staff/moderation/",
        "/staff/moderation/act",
        {
            "a reason not chosen": ({"reason-{pending}": ""}, 422),
            # A changed item is said first, with the note: never "choose a reason" instead.
            "a stale item and no reason": (
                {"reason-{pending}": "", "version-{pending}": "forged"},
                409,
            ),
            "an action not chosen (ticked)": ({"one": None, "ids": "{pending}", "action": ""}, 422),
            "nothing ticked": ({"one": None, "action": "reject", "reason": "off_topic"}, 422),
        },
        who="admin",
        extra={"one": "{pending}:reject", "reason-{pending}": "off_topic"},
    ),
    "moderation.respond": Case(
        "/staff/moderation/{pending}",
        "/staff/moderation/{pending}/response",
        {
            "a response too long": ({"text": _longer(5000)}, 422),
            "an unknown language": ({"language": "xx"}, 422),
        },
        who="admin",
        extra={"language": "en"},
    ),
    "outcomes.freeze": Case(
        "/staff/outcomes/snapshots",
        "/staff/outcomes/snapshots",
        {
            "a date that is not one": ({"cutoff": "earlier", "cutoff_date": "31/02"}, 400),
        },
        who="admin",
        extra={"step": "confirm"},
    ),
    "outcomes_deck.settings": Case(
        "/staff/outcomes/{snapshot}/deck/closing",
        "/staff/outcomes/{snapshot}/deck/closing",
        {"too many lines": ({"text_en": lambda typed: "\n".join([typed] * 9)}, 400)},
        who="admin",
    ),
    "campaign_staff.decide": Case(
        "/staff/campaign/pledges/{pending_pledge}",
        "/staff/campaign/pledges/{pending_pledge}/decide",
        {"a decision not chosen": ({"decision": None}, 422)},
        who="admin",
        extra={"decision": "ask_more"},
    ),
    "campaign_staff.paper_post": Case(
        "/staff/campaign/paper",
        "/staff/campaign/paper",
        {
            "a level not chosen": ({"level": None}, 422),
            "no letter": ({LETTER: None}, 422),
        },
        who="admin",
        typed={"contact_email": "kept.paper@example.org", "contact_phone": "+33 1 69 02 53 55"},
        extra={
            "level": "municipality",
            "country": "FR",
            "population_band": "under_50k",
            "commitments": "local_charter",
            LETTER: "yes",
        },  # fmt: skip
        multipart=True,
    ),
    "campaign_staff.option_add": Case(
        "/staff/campaign/options",
        "/staff/campaign/options",
        {
            "a key that is not one": ({"key": "Not a key ✓"}, 422),
            "an English label missing": ({"label_en": ""}, 422),
        },
        who="admin",
        typed={"key": "kept_key"},
    ),
    "campaign_staff.option_edit": Case(
        "/staff/campaign/options",
        "/staff/campaign/options/{option}",
        {"an English label missing": ({"label_en": ""}, 422)},
        who="admin",
    ),
}

#: POST routes that take no typed text (only buttons, ticks, choices, files or passwords).
NO_TYPED_TEXT = {
    "staff.logout": "one button",
    "staff.change_password": "passwords only: typed again, never written into a page",
    "mail.set_password": "passwords only: typed again, never written into a page",
    "staff.user_unlock": "one button",
    "staff.user_sign_out": "one button",
    "staff.user_role": "a role chosen from a list",
    "staff.user_status": "one button",
    "staff.user_reset_password": "one button",
    "staff.regions_page": "a country and a region chosen from lists",
    "staff.region_reset": "one button",
    "staff.exports": "choices of questionnaire and format",
    "staff.export_contributions": "choices of format",
    "staff.invitations_page": "a file uploaded (the page says it cannot be carried over)",
    "staff.invitation_new_link": "one button",
    "mail.invitations_page": "a region chosen and a target ticked",
    "mail.digest_settings": "ticks",
    "mail.unsubscribe": "one button",
    "mail.open_lost_link": "one button",
    "campaign.open_lost_link": "one button",
    "campaign_staff.new_link": "one button",
    "campaign_staff.pioneer": "a tick",
    "contributions.support": "one button (a button of the reply form: tested with it)",
    "contributions.withdraw": "one button",
    "questionnaires.forget_here": "one button",
    "moderation.act_on_reply": "a reason chosen from a list",
    "outcomes.publish": "ticks",
    "outcomes.withdraw": "a tick",
    "outcomes.publishers": "an account chosen from a list",
    "outcomes.star": "a button per answer",
    "outcomes.unstar": "one button",
    "outcomes.deck_position": "a position number (a refused one is said; nothing else typed)",
    "questionnaires.start": "one button",
    "questionnaires.autosave": "JSON from the page's script: the text stays in the page "
    "(tests/browser/test_autosave_refusals.py)",
    "invitations.start_invitation": "one button",
}


def _typed_value(name: str, kind: str, case: Case) -> str:
    if name in case.typed:
        return case.typed[name]
    if kind == "email" or "email" in name:
        return f"kept.{re.sub(r'[^a-z]', '', name)}@example.org"
    return f"Kept {name} ✓ «typed»"


def _refused(w: World, endpoint: str, case: Case, refusal: str, change: dict, headers: dict,
             statuses: set[int]):  # fmt: skip
    """Post the form with a text in every typed field and ``change``; return the problems."""
    fill = lambda text: text.format(**w.pages)  # noqa: E731
    client = w.admin if case.who == "admin" else w.public
    page = fill(case.page)
    html = client.get(page).get_data(as_text=True)
    form = PostedForm(html, fill(case.form_action or case.post), page)
    assert form.found, (endpoint, "no form on", page)
    sent = form.data()
    kinds = {f["name"]: f["type"] for f in form.fields}
    typed = {
        name: _typed_value(name, kinds[name], case)
        for name in form.free_text_fields()
        if name != "website"  # the honeypot: never typed by a person
    }
    sent.update({name: [value] for name, value in typed.items()})
    sent.update({fill(k): [fill(v)] for k, v in case.extra.items()})
    for name, value in change.items():
        name = fill(name)
        if value is None:
            sent.pop(name, None)
        elif callable(value):
            sent[name] = [value(sent[name][0])]
            typed[name] = sent[name][0]
        else:
            sent[name] = [fill(value)]
            if name in typed:
                typed[name] = sent[name][0]
    typed = {name: text for name, text in typed.items() if text}
    data: dict = dict(sent)
    if data.pop(LETTER, None):
        from tests.campaign.conftest import letter

        data["letter"] = letter()
    reply = client.post(
        fill(case.post),
        data=data,
        headers=headers,
        content_type="multipart/form-data" if case.multipart else None,
    )
    body = unescape(reply.get_data(as_text=True))
    lost = [name for name, text in typed.items() if text not in body]
    if lost or reply.status_code not in statuses:
        return [(endpoint, refusal, reply.status_code, lost)]
    return []


def _versions(w: World, endpoint: str, case: Case) -> list[str]:
    client = w.admin if case.who == "admin" else w.public
    page = case.page.format(**w.pages)
    form = PostedForm(
        client.get(page).get_data(as_text=True),
        (case.form_action or case.post).format(**w.pages),
        page,
    )
    return [f["name"] for f in form.fields if re.fullmatch(r"version(-\d+)?", f["name"])]


def test_every_post_route_with_typed_text_has_a_case(app):
    posts = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert not set(CASES) & set(NO_TYPED_TEXT)
    assert posts == set(CASES) | set(NO_TYPED_TEXT), "a new POST route: add a case or a reason"


def test_every_refusal_of_every_form_keeps_what_was_typed(world):
    problems = []
    for endpoint, case in CASES.items():
        refusals = {
            name: (change, SAME, {status}) for name, (change, status) in case.refusals.items()
        }
        if case.generic:
            # An expired form comes back as its own page filled in, or as the resend page.
            refusals["an expired form"] = ({"csrf_token": "expired"}, SAME, {200, 400, 422})
            refusals["a rate limit"] = ({}, {**SAME, "X-Refuse": "429"}, {429})
            for name in _versions(world, endpoint, case):
                refusals[f"a stale {name}"] = ({name: "forged"}, SAME, {409})
        for refusal, (change, headers, statuses) in refusals.items():
            problems += _refused(world, endpoint, case, refusal, change, headers, statuses)
    assert problems == [], "\n".join(map(str, problems))


def test_a_pledge_changed_during_the_decision_keeps_the_reason_typed(world, monkeypatch):
    """The race after the version check (the row's own version) is refused like it: 409."""
    from consult.campaign import operations
    from tests.conftest import csrf_token

    def changed_meanwhile(_session, pledge, *_args, **_kwargs):
        raise operations.StalePledge(pledge)

    monkeypatch.setattr(operations, "decide", changed_meanwhile)
    page_path = f"/staff/campaign/pledges/{world.pages['pending_pledge']}"
    page = world.admin.get(page_path).get_data(as_text=True)
    form = PostedForm(page, f"{page_path}/decide", page_path)
    data = {**form.data(), "csrf_token": csrf_token(page), "decision": "ask_more"}
    data["reason"] = "Kept reason: please send the signed letter ✓"
    reply = world.admin.post(f"{page_path}/decide", data=data)
    body = unescape(reply.get_data(as_text=True))
    assert reply.status_code == 409
    assert "Kept reason: please send the signed letter ✓" in body
    assert "changed while you were deciding" in body


def test_a_second_report_from_the_same_browser_keeps_its_comment(world):
    """Counted once, but a comment typed again joins the earlier report, and the page says so."""
    from sqlalchemy import select

    from consult.contributions.models import ContributionReport
    from consult.db import db
    from tests.conftest import csrf_token

    path = world.pages["contribution"]
    comments = ["First look: an advert ✓", "And the link in it is a scam ✓"]
    said = []
    for comment in [*comments, comments[1]]:
        page = world.public.get(path).get_data(as_text=True)
        data = {"csrf_token": csrf_token(page), "reason": "spam", "comment": comment}
        reply = world.public.post(f"{path}/report", data=data, follow_redirects=True)
        assert reply.status_code == 200
        said.append("your comment was added to your report" in reply.get_data(as_text=True))
    assert said == [False, True, False]  # the same comment again adds nothing
    with world.app.app_context():
        (report,) = db.session.scalars(select(ContributionReport)).all()
        assert report.comment == "\n\n".join(comments)  # once each, in the order typed
