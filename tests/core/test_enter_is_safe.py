"""Enter in a field never sends, submits, withdraws or deletes anything, on any page.

A browser's implicit submission (Enter in a field, "Go" on a phone keyboard) presses the
first submit button of the field's form in tree order, a button standing elsewhere with
form="id" included, and sends its name and value. The walk below reads every form of every
GET page of the URL map (public, respondent, contributor, campaign, staff), finds the button
Enter would press, and checks it against one allowlist of safe actions, each with why. A new
form whose Enter does something else fails here. The chokepoint for pages with a form of
typed input is base.html's hidden first button (``page_form_enter``, consult/core/leaving.py
``entered``); the other forms put a safe button first, or hold nothing Enter can press.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.exceptions import MethodNotAllowed, NotFound

from consult.db import db, writing
from tests.browser.test_staff_phone import ROUTES as STAFF_ROUTES
from tests.core.test_leaving_keeps_input import (
    NOT_A_FORM_PAGE,
    public_get_endpoints,
    samples,  # noqa: F401 (a fixture)
)
from tests.core.test_refused_forms_keep_text import (
    PostedForm,
    world,  # noqa: F401 (a fixture)
)


@pytest.fixture
def app(make_app) -> Flask:
    return make_app(CONTRIBUTION_MIN_FILL_SECONDS=0)


#: Fields in which Enter submits the field's form (Chromium: text-like inputs and ticks).
IMPLICIT = {
    "text", "search", "email", "url", "tel", "password", "number", "date", "month", "week",
    "time", "datetime-local", "checkbox", "radio",
}  # fmt: skip


@dataclass
class Form:
    """A form of a page: where it posts, whether Enter can press it, and the button it would."""

    method: str = "get"
    action: str = ""
    enterable: list[str] = field(default_factory=list)
    #: The first submit button in tree order: its name, value, formaction, disabled.
    default: dict[str, str] | None = None


class PageForms(HTMLParser):
    """Every form of a page, with the button that Enter presses in each."""

    def __init__(self, html: str, page: str) -> None:
        super().__init__()
        self.page = page
        self.forms: dict[str, Form] = {}
        self._current: str | None = None
        self._anonymous = 0
        self.feed(html)

    def _owner(self, a: dict[str, str]) -> Form | None:
        name = a.get("form") or self._current
        if name is None:
            return None
        return self.forms.setdefault(name, Form())

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._anonymous += 1
            self._current = a.get("id") or f"(form {self._anonymous})"
            form = self.forms.setdefault(self._current, Form())
            form.method = a.get("method", "get").lower()
            form.action = urlsplit(unescape(a.get("action", ""))).path or urlsplit(self.page).path
            return
        kind = a.get("type", "submit" if tag == "button" else "text").lower()
        owner = self._owner(a)
        if owner is None:
            return
        if tag == "input" and kind in IMPLICIT and "disabled" not in a:
            owner.enterable.append(a.get("name", ""))
        elif owner.default is None and (
            (tag == "button" and kind == "submit")
            or (tag == "input" and kind in ("submit", "image"))
        ):
            owner.default = a

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


#: What Enter may press: (endpoint it posts to, name, value) -> why it is safe. A GET form (a
#: search, filters) is always safe: it changes nothing.
SAFE: dict[tuple[str, str, str], str] = {
    ("questionnaires.page", "action", "default"): (
        "save the page and continue (an address typed in the link box: saved, the page stays "
        "and says the link was not sent)"
    ),
    # goto=enter (base.html's hidden first button, templates/_enter_sends_nothing.html) sends
    # nothing anywhere: checked below by pressing it on every form that has it.
    ("*", "goto", "enter"): "nothing sent: the form comes back filled, or the resend page",
    ("mail.email_link", "action", "send"): "e-mails the personal link to the address typed",
    ("mail.lost_link", "action", "send"): "e-mails a way back to the address typed",
    ("campaign.lost_link", "action", "send"): "e-mails a way back to the address typed",
    ("staff.login", "", ""): "signs in",
    ("mail.forgot_password", "", ""): "e-mails a password link to the address typed",
    ("mail.set_password", "", ""): "sets the password typed twice",
    ("staff.change_password", "", ""): "changes one's own password, typed",
    # Staff forms whose one button does what can be changed again or is only looked at.
    ("staff.exports", "", ""): "prepares an export file",
    ("staff.export_contributions", "", ""): "prepares an export file",
    ("staff.users", "", ""): "adds the staff account typed (it can be disabled)",
    ("mail.invite_staff", "", ""): "e-mails a staff invitation to the address typed",
    ("mail.template", "action", "preview"): "previews the message typed",
    ("campaign_staff.option_add", "", ""): "adds the option typed (it can be edited)",
    ("campaign_staff.option_edit", "", ""): "saves the option's labels (they can be edited)",
    ("outcomes.freeze", "", ""): "asks to confirm the snapshot (step one of two)",
    ("outcomes_deck.settings", "", ""): "saves the deck's closing text (it can be edited)",
}


def _page_paths(app: Flask, client, world, samples) -> list[tuple[object, str, str]]:  # noqa: F811
    """(client, endpoint, path) of every GET page of the URL map that is a page."""
    from consult.staff.models import ExportJob, User

    with app.app_context(), writing():
        admin = db.session.query(User).filter(User.role == "admin").first()
        job = ExportJob(
            requested_by_id=admin.id, kind="responses", format="xlsx", options={},
            status="failed", error="The disk was full.",
        )  # fmt: skip
        db.session.add(job)
        db.commit()
        ids = {
            "user": admin.id,
            "job": job.id,
            "pledge": world.pages["pending_pledge"],
            "snapshot": world.pages["snapshot"],
            "contribution": world.pages["pending"],
        }
    paths = []
    for endpoint in public_get_endpoints(app):
        if endpoint not in NOT_A_FORM_PAGE:
            paths.append((client, endpoint, samples[endpoint]))
    for endpoint, path in STAFF_ROUTES.items():
        if path is not None:
            paths.append((world.admin, endpoint, path.format(**ids)))
    return paths


def _posts_to(app: Flask, path: str) -> str:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _args = adapter.match(path, method="POST")
    except (NotFound, MethodNotAllowed):
        return f"(no POST route: {path})"
    return endpoint


def _stored(app: Flask) -> dict[str, object]:
    """What a press could change: every table's rows counted (a publication is a row), and
    the status of every response, contribution and pledge."""
    from sqlalchemy import func, select

    from consult.campaign.models import Pledge
    from consult.contributions.models import Contribution
    from consult.db import Base
    from consult.questionnaires.models import Response

    with app.app_context():
        state: dict[str, object] = {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
        }
        for model in (Response, Contribution, Pledge):
            state[model.__name__] = sorted(db.session.scalars(select(model.status)))
    return state


def _press_enter(visitor, path: str, action: str) -> tuple[int, str]:
    """Fill every text field of the form posting to ``action`` on ``path``; press Enter."""
    form = PostedForm(visitor.get(path).get_data(as_text=True), action, path)
    sent = form.data()
    for name in form.free_text_fields():
        if name != "website":
            sent[name] = ["name@example.org" if "email" in name else "Typed, not sent ✓"]
    sent["goto"] = ["enter"]
    reply = visitor.post(action, data=sent)
    return reply.status_code, reply.location or unescape(reply.get_data(as_text=True))


def test_enter_presses_a_safe_button_in_every_form_of_every_page(app, client, world, samples):  # noqa: F811
    unsafe, walked, entered = [], set(), []
    for visitor, endpoint, path in _page_paths(app, client, world, samples):
        reply = visitor.get(path)
        assert reply.status_code == 200, (endpoint, path, reply.status_code)
        walked.add(endpoint)
        for name, form in PageForms(reply.get_data(as_text=True), path).forms.items():
            if not form.enterable or form.method == "get":
                continue  # nothing Enter can press, or a search
            button = form.default
            if button is None or "disabled" in button:
                continue  # Enter does nothing (several fields, no button) or nothing at all
            target = urlsplit(unescape(button.get("formaction", ""))).path or form.action
            if button.get("formmethod", "").lower() == "get":
                continue
            pressed = (_posts_to(app, target), button.get("name", ""), button.get("value", ""))
            if pressed not in SAFE and ("*", *pressed[1:]) not in SAFE:
                unsafe.append((endpoint, name, pressed))
            if pressed[1:] == ("goto", "enter"):
                entered.append((visitor, endpoint, path, target))
    assert unsafe == [], "\n".join(map(str, unsafe))
    # Enter pressed in each of these forms, every text typed: nothing is stored or sent, and
    # the answer says so (the questionnaire pages: the page comes back, saying so).
    before = _stored(app)
    said = {}
    for visitor, endpoint, path, target in entered:
        status, answer = _press_enter(visitor, path, target)
        if status == 303:
            answer = visitor.get(answer, follow_redirects=True).get_data(as_text=True)
        said[endpoint] = status in (200, 303) and "Nothing was sent" in answer
    assert said == dict.fromkeys(said, True)
    assert {"questionnaires.review", "contributions.new", "moderation.queue"} <= set(said)
    assert _stored(app) == before
    # The walk reached the pages of the report: the review, a question page, the contribution,
    # the pledge forms, and the staff pages.
    assert {
        "questionnaires.review",
        "questionnaires.page",
        "contributions.new",
        "contributions.detail",
        "campaign.join",
        "campaign.pledge_edit",
        "moderation.queue",
        "staff.users",
    } <= walked


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        # The first submit button in tree order, one outside the form with form= included.
        (
            '<button form="f" name="goto" value="enter" hidden></button>'
            '<form id="f" method="post"><input name="x"><button name="a" value="send">S</button>'
            "</form>",
            ("goto", "enter"),
        ),
        ('<form id="f" method="post"><input name="x"><button>Send</button></form>', ("", "")),
        (
            '<form id="f" method="post"><input name="x"><button type="button">No</button>'
            '<input type="submit" name="b" value="2"></form>',
            ("b", "2"),
        ),
        # A button of another form does not count.
        (
            '<form id="f" method="post"><input name="x"><button form="g" name="no">N</button>'
            '<button name="yes">Y</button></form>',
            ("yes", ""),
        ),
    ],
)
def test_the_walk_reads_the_button_enter_presses(html, expected):
    form = PageForms(html, "/p").forms["f"]
    assert (form.default.get("name", ""), form.default.get("value", "")) == expected


# -- the respondent's pages: Enter never submits, and the link box says what it did ----------


def _outbox(app: Flask) -> int:
    from consult.mail.models import OutboxMessage

    with app.app_context():
        return db.session.query(OutboxMessage).count()


def _status(app: Flask) -> str:
    from consult.questionnaires.models import Response

    with app.app_context():
        return db.session.query(Response).one().status


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ({"contact.name": "Aïcha Diop"}, "1"),
        ({"link_email": "aicha@example.org"}, "link"),
        ({"contact.name": "Aïcha", "contact.consent": "yes", "link_email": "a@x.org"}, "link"),
    ],
)
def test_enter_on_the_review_page_never_submits(app, respondent, typed, said):
    from tests.conftest import csrf_token
    from tests.questionnaires.test_respond import fill_required

    respondent.start()
    fill_required(respondent)  # complete: the Submit button would send it
    client, token = respondent.client, respondent.token
    review = client.get(f"/r/{token}/review").get_data(as_text=True)
    assert PageForms(review, "/r/x/review").forms["review-form"].default["value"] == "enter"
    before = _outbox(app)
    reply = client.post(
        f"/r/{token}/review", data={"csrf_token": csrf_token(review), "goto": "enter", **typed}
    )
    assert reply.status_code == 303
    assert reply.location == f"/r/{token}/review?entered={said}"
    body = unescape(client.get(reply.location, follow_redirects=True).get_data(as_text=True))
    assert _status(app) != "submitted" and _outbox(app) == before
    assert 'id="entered-notice"' in body and "Submit my response" in body
    for value in typed.values():
        if value != "yes":
            assert f'value="{value}"' in body  # kept, in this browser
    assert ('id="email-link-not-sent"' in body) == (said == "link")


def test_enter_with_an_address_typed_in_a_question_page_link_box_saves_and_stays(app, respondent):
    from tests.conftest import answers_in_store

    respondent.start()
    respondent.page("profile")
    before = _outbox(app)
    reply = respondent.save(
        "profile", {"q.institution_name": "Dakar", "link_email": "x@example.org"}, "default"
    )
    assert reply.status_code == 303
    assert reply.location == f"/r/{respondent.token}/s/profile?saved=1&entered=link#email-link"
    (answers,) = answers_in_store(app).values()
    assert answers["institution_name"] == {"": "Dakar"} and _outbox(app) == before
    body = respondent.client.get(reply.location, follow_redirects=True).get_data(as_text=True)
    assert 'id="email-link-not-sent"' in body and 'value="x@example.org"' in body
    # The address now shown (kept, not typed here): Enter saves and continues again.
    from tests.questionnaires.test_respond import PROFILE

    again = {**PROFILE, "link_email": "x@example.org"}
    reply = respondent.save("profile", again, "default")
    assert reply.status_code == 303 and "/s/profile" not in reply.location


def test_enter_without_an_address_in_the_link_box_saves_and_continues(respondent):
    from tests.questionnaires.test_respond import PROFILE

    respondent.start()
    respondent.page("profile")
    reply = respondent.save("profile", {**PROFILE, "link_email": ""}, "default")
    assert reply.status_code == 303 and "/s/profile" not in reply.location
