"""Every limit a page's form states is enforced by the server, with nothing typed lost.

The walk renders every GET page of the URL map that draws a form, reads each field's limits
from the HTML as a browser would (maxlength, minlength, required, min, max, pattern, the
types email, url, number and date, a select's options), and posts, with no JavaScript and so
no browser check, the form filled in with one value just past one limit: the server must refuse
it (the form drawn again with a message, or a page saying why), keep every other text typed,
and store nothing of the refused value. A value exactly at a length or number limit is
accepted, and stored whole (a database column shorter than the form's limit would refuse or
cut it: the walk runs on PostgreSQL too). A new page with a form, or a new form posting to a
route without a case, fails the walk until it is listed.
"""

from __future__ import annotations

import itertools
import os
import re
from dataclasses import dataclass
from datetime import date, timedelta
from html import unescape
from pathlib import Path

from sqlalchemy import select
from werkzeug.exceptions import MethodNotAllowed, NotFound

from consult.db import Base, db
from tests.core.html_fields import Field, Form, PageForms
from tests.core.test_leaving_keeps_input import NOT_A_FORM_PAGE
from tests.core.test_refused_forms_keep_text import (
    CASES,
    LETTER,
    Case,
    World,
    _typed_value,
)
from tests.core.test_refused_forms_keep_text import app as refused_forms_app
from tests.core.test_refused_forms_keep_text import world as refused_forms_world

#: The refused-forms walk's app and world (a contribution is sent at once; real things to act on).
app = refused_forms_app
world = refused_forms_world

#: What a long text at a limit is made of (varied: a password of it is not refused as weak).
ALPHABET = "abcdefghijklmnopqrstuvwxyz"
#: Field types a person types free text into.
FREE = {"text", "textarea", "search", "email", "tel", "url"}

#: Every section page of both questionnaires, for a draft of each.
SECTIONS = "(every section)"
#: Every GET page that draws a form with fields, by endpoint ({names} from World.pages and
#: the ids below); None: no form of typed or chosen values, or not a page (and why).
PAGES: dict[str, str | None] = {
    "contributions.new": "/contributions/new",
    "contributions.detail": "{contribution}",
    "contributions.index": None,  # a search form that GETs: nothing stored
    "campaign.join": "/campaign/join",
    "campaign.join_from_response": "/campaign/join/from/{submitted}",
    "campaign.pledge": "{pledge}",
    "campaign.pledge_edit": "{pledge}/edit",
    "campaign.pledge_progress": "{verified}/progress",
    "campaign.lost_link": "/campaign/lost-link",
    "mail.lost_link": "/questionnaires/local-governments/lost-link",
    "questionnaires.page": SECTIONS,
    "questionnaires.review": "/r/{respondent}/review",
    "questionnaires.receipt": "/r/{submitted}/receipt",
    "staff.login": "/staff/login",
    "mail.forgot_password": "/staff/password/forgot",
    "staff.users": "/staff/users",
    "staff.user_detail": "/staff/users/{user}",
    "staff.regions_page": "/staff/regions",
    "staff.exports": "/staff/exports",
    "mail.invite_staff": "/staff/mail/invite-staff",
    "mail.template": "/staff/mail/templates/invitation/fr",
    "mail.invitations_page": "/staff/mail/invitations",
    "mail.digest_settings": "/staff/mail/digest",
    "moderation.queue": "/staff/moderation/",
    "moderation.contribution": "/staff/moderation/{pending}",
    "outcomes.snapshots": "/staff/outcomes/snapshots",
    "outcomes.snapshot": "/staff/outcomes/snapshots/{snapshot}",
    "outcomes_deck.settings": "/staff/outcomes/{snapshot}/deck/closing",
    "campaign_staff.pledge": "/staff/campaign/pledges/{pending_pledge}",
    "campaign_staff.paper": "/staff/campaign/paper",
    "campaign_staff.options": "/staff/campaign/options",
}
#: Staff pages not walked, and why: no form of typed or chosen values, or one walked elsewhere.
STAFF_PAGES_WITHOUT_FORM_OF_VALUES = {
    **dict.fromkeys(
        (
            "staff.home",
            "staff.audit_log",
            "staff.coverage",
            "staff.dashboard_page",
            "staff.export_job",
            "campaign_staff.queue",
            "campaign_staff.due",
            "mail.outbox",
            "moderation.log",
            "outcomes.summary",
            "outcomes.crosstab_page",
            "outcomes.dashboard",
            "outcomes.quotes",
            "outcomes.rows",
            "outcomes.deck",
            "outcomes_deck.presenter",
        ),
        "no POST form of typed or chosen values (filters are GET forms: nothing stored)",
    ),  # fmt: skip
    "staff.invitations_page": "a file uploaded (tests/staff/test_invitations.py)",
    "staff.kept_form": "a kept form, sent again as it was (tests/staff/test_kept_forms.py)",
    "staff.change_password": "passwords only, checked by the password rule "
    "(tests/staff/test_accounts.py); a change at the limit would end the walk's session",
    "mail.set_password": "needs a live link; its minlength is MIN_PASSWORD_LENGTH, the rule's",
}


@dataclass
class Probe:
    """One limit of one field of one form, and the value just past it (and at it)."""

    page: str
    who: str
    form: Form
    field: Field
    limit: str
    over: str | list[str]
    at: str | list[str] | None = None


def _over_and_at(each: Field, limit: str, value: str, number: int) -> tuple[str, str | None]:
    """The value just past ``limit`` (marked, so the database can be searched for it) and the
    value exactly at it (None when a limit has no "at")."""
    mark = f"Q{number:04d}"  # searched for in the database (lower case at the limit)
    if limit == "maxlength":
        size = int(value)
        if each.kind == "email":  # an address of exactly ``size`` characters
            local = (mark.lower() + "a" * 64)[: min(64, size - 10)]
            labels = ("d" * 59 + ".") * 5
            domain = labels[: size - len(local) - 1 - 4].rstrip(".") + ".org"
            at = f"{local}@{domain}"
            at = local[: size - len(at)] + at[len(local) :] if len(at) < size else at
            at = (local + "b" * (size - len(at)) + at[len(local) :]) if len(at) < size else at
            assert len(at) == size, (len(at), size)
            return "x" + at, at
        if each.kind == "tel":
            at = "+" + "1" * (size - 1)
            return at + "1", at
        at = (mark.lower() + ALPHABET * (size // len(ALPHABET) + 1))[:size]
        return at + "z", at
    if limit == "minlength":
        size = int(value)
        return (mark + "m" * size)[: size - 1], None
    if limit == "required":
        return "", None
    if limit in ("min", "max"):
        if each.kind == "date":
            day = date.fromisoformat(value)
            step = timedelta(days=1 if limit == "max" else -1)
            return (day + step).isoformat(), None
        step = 1 if limit == "max" else -1
        return str(int(value) + step), value
    if limit == "pattern":
        return f"{mark} ✓ not the pattern", None
    if limit == "type":
        return {"email": f"{mark} not an address", "url": f"{mark} not an address",
                "number": f"{mark}", "date": f"31/02/{mark}"}[value], None  # fmt: skip
    if limit == "options":
        return f"{mark}-not-an-option", None
    if limit == "max-choices":  # ticks: N + 1 of the group's options, then N
        return "", ""
    raise AssertionError(limit)


def _sample(w: World) -> dict[str, str]:
    from consult.staff.models import User

    with w.app.app_context():
        user = db.session.scalar(select(User.id).order_by(User.id))
    return {**w.pages, "user": str(user)}


def _endpoint(w: World, path: str) -> str | None:
    adapter = w.app.url_map.bind("localhost")
    try:
        return adapter.match(path, method="POST")[0]
    except (NotFound, MethodNotAllowed):
        return None


def _case(w: World, action: str) -> Case | None:
    endpoint = _endpoint(w, action)
    return CASES.get(endpoint) if endpoint else None


def _section_pages(w: World) -> list[str]:
    from consult.questionnaires.registry import current_questionnaires
    from tests.conftest import Respondent

    partners = Respondent(w.app.test_client(), "partners")
    partners.start()
    w.pages["partners"] = partners.token
    _CLIENTS[partners.token] = partners.client
    with w.app.app_context():
        questionnaires = current_questionnaires()
        return [
            f"/r/{token}/s/{section.key}"
            for token, key in (
                (w.pages["respondent"], "local-governments"),
                (partners.token, "partners"),
            )  # fmt: skip
            for section in questionnaires[key].sections
        ]


#: Clients of the pages a private link opens (by the link's token), besides World's.
_CLIENTS: dict[str, object] = {}


def _client(w: World, page: str, who: str):
    if who == "admin":
        return w.admin
    return next((c for token, c in _CLIENTS.items() if token in page), w.public)


def _probes(w: World) -> list[Probe]:
    values = _sample(w)
    found: list[Probe] = []
    seen: set[tuple[str, str, str, str]] = set()
    for endpoint, page in PAGES.items():
        if page is None:
            continue
        pages = _section_pages(w) if page == SECTIONS else [page.format(**values)]
        for page in pages:
            who = "admin" if page.startswith("/staff") and endpoint not in (
                "staff.login", "mail.forgot_password") else "public"  # fmt: skip
            reply = _client(w, page, who).get(page)
            assert reply.status_code == 200, (endpoint, page, reply.status_code)
            for form in PageForms(reply.get_data(as_text=True), page).posting():
                for each in form.fields:
                    if each.kind == "hidden" or each.name in ("website", "goto"):
                        continue
                    for limit, value in each.limits().items():
                        if (page, form.action, each.name, limit) in seen:
                            continue  # a group of checkboxes: one probe
                        seen.add((page, form.action, each.name, limit))
                        over, at = _over_and_at(each, limit, value, len(found))
                        if limit == "max-choices":
                            over, at = _ticks(form, each.name, int(value))
                        found.append(Probe(page, who, form, each, limit, over, at))
    return found


def _ticks(form: Form, name: str, most: int) -> tuple[list[str], list[str]]:
    """One more of a group's options than its limit allows, and exactly the limit (never an
    option that excludes the others)."""
    offered = [
        f.value
        for f in form.fields
        if f.name == name and f.kind == "checkbox" and "data-exclusive" not in f.attributes
    ]
    assert len(offered) > most, (name, offered, most)
    return offered[: most + 1], offered[:most]


def _button(form: Form) -> dict[str, list[str]]:
    """The form's first own button (not the language switcher or a way out)."""
    for each in form.fields:
        if each.kind == "submit" and each.name != "goto" and not each.value.startswith("lang:"):
            return {each.name: [each.value]}
    return {}


_SENT = itertools.count()
_BULK = {"ids": "{pending}", "action": "reject", "reason": "off_topic"}
#: Fields that only one way of sending their form uses: (the end of the form's address, the
#: field) -> the address's last part for that button (its formaction) or None, what that way
#: sends, and what it does not send.
SENT_BY_ITS_OWN_BUTTON: dict[tuple[str, str], tuple[str | None, dict[str, str], tuple]] = {
    ("/replies", "comment"): ("/report", {"reason": "spam"}, ()),
    # "E-mail me my link" of a response's pages: saves the page, then sends (or says why not).
    ("/s/", "link_email"): (None, {"goto": "email-link"}, ()),
    ("/review", "link_email"): (None, {"goto": "email-link"}, ()),
    # The queue's fields for every ticked contribution (no per-item button pressed).
    **{("/moderation/act", name): (None, _BULK, ("one",)) for name in ("note", "action", "reason")},
}
#: What a person fills in besides the typed text for a form to be accepted.
ALSO_SENT = {"/contributions/new": {"consent": "y"}}
#: A password typed where one is chosen (strong enough to be accepted).
PASSWORD = "Kept-password ✓ of the walk 2026"


def _send(w: World, probe: Probe, value: str) -> tuple[object, dict[str, str]]:
    """Post the probe's form as drawn again, typed text everywhere, ``value`` in its field."""
    from tests.campaign.conftest import letter

    client = _client(w, probe.page, probe.who)
    html = client.get(probe.page).get_data(as_text=True)
    (form,) = [
        f
        for f in PageForms(html, probe.page).posting()
        if f.action == probe.form.action and any(x.name == probe.field.name for x in f.fields)
    ][:1] or [None]
    if form is None:
        return None, {}
    case = _case(w, form.action) or Case(probe.page, form.action)
    fill = lambda text: text.format(**w.pages)  # noqa: E731
    sent = {**form.data(), **_button(form)}
    kinds = {f.name: f for f in form.fields}
    for control in form.fields:  # a radio group not answered yet: its first choice
        if control.kind == "radio" and control.name not in sent:
            sent[control.name] = [control.value]
    action, extra = form.action, {**case.extra, **ALSO_SENT.get(form.action, {})}
    if "/s/" in form.action:
        extra["action"] = "save"  # a draft's page is saved without its required answers
    own = [
        way
        for (ending, name), way in SENT_BY_ITS_OWN_BUTTON.items()
        if ending in form.action and probe.field.name == name
    ]
    button, sends, dropped = own[0] if own else (None, {}, ())
    extra.update(sends)
    if button:
        action = action.rsplit("/", 1)[0] + button
    typed: dict[str, str] = {}
    for name, control in kinds.items():
        if control.attributes.get("inputmode") in ("numeric", "decimal"):
            continue  # a number asked for: a text typed there is refused for being one
        if control.kind in FREE and name not in ("website",) and not sent.get(name, [""])[0]:
            text = _typed_value(name, control.kind, case)
            if name == "key":  # a new option's key: one per form sent
                text = f"{text}_{next(_SENT)}"
            size = int(control.attributes.get("maxlength") or 10_000)
            typed[name] = text[:size]
    sent.update({name: [text] for name, text in typed.items()})
    sent.update({fill(k): [fill(v)] for k, v in extra.items()})
    for name in dropped:
        sent.pop(name, None)
    sent.update({f.name: [PASSWORD] for f in form.fields if f.kind == "password"})
    if probe.field.attributes.get("data-when"):
        _make_it_apply(w, client, form, sent, probe.field.attributes["data-when"])
    sent[probe.field.name] = value if isinstance(value, list) else [value]
    typed.pop(probe.field.name, None)
    data: dict = dict(sent)
    if data.pop(LETTER, None):
        data["letter"] = letter()
    reply = client.post(
        action,
        data=data,
        headers={"Sec-Fetch-Site": "same-origin"},
        content_type="multipart/form-data" if case.multipart else None,
    )
    if reply.status_code in (302, 303) and "#" in reply.location:
        # Saved, then refused what one button asked (the page's own anchor): the page says why.
        reply = client.get(reply.location.split("#")[0])
    return reply, typed


def _make_it_apply(w: World, client, form: Form, sent: dict, when: str) -> None:
    """Answer the question a conditional field depends on so that it applies: on this page,
    or saved first on the page that asks it (a question that does not apply is dropped)."""
    from consult.questionnaires.registry import current_questionnaires
    from tests.conftest import csrf_token

    question, value = when.split("=", 1)
    if any(f.name == f"q.{question}" for f in form.fields):
        sent[f"q.{question}"] = [value]
        return
    with w.app.app_context():
        section = next(
            s.key
            for q in current_questionnaires().values()
            for s in q.sections
            if any(each.key == question for each in s.questions)
        )
    page = form.action.rsplit("/", 1)[0] + f"/{section}"
    token = csrf_token(client.get(page).get_data(as_text=True))
    data = {"csrf_token": token, f"q.{question}": value, "action": "save"}
    assert client.post(page, data=data).status_code == 303, (page, question, value)


def _stored(w: World, mark: str) -> list[str]:
    found = []
    with w.app.app_context():
        for table in Base.metadata.sorted_tables:
            for row in db.session.execute(select(table)):
                if any(isinstance(v, str) and mark in v for v in row):
                    found.append(table.name)
    return found


def _stored_texts(w: World, mark: str) -> list[str]:
    with w.app.app_context():
        return [
            value
            for table in Base.metadata.sorted_tables
            for row in db.session.execute(select(table))
            for value in row
            if isinstance(value, str) and mark in value
        ]


def _refused(reply) -> bool:
    body = reply.get_data(as_text=True)
    return reply.status_code >= 400 or (
        reply.status_code == 200 and ('aria-invalid="true"' in body or 'role="alert"' in body)
    )


#: Files, and public pages without a POST form of values (a GET search, one button).
_NOT_PAGES = {
    "staff.invitation_links", "staff.export_download", "campaign_staff.letter",
    "mail.message_file", "mail.message_html", "mail.message_raw", "outcomes.figure",
    "outcomes.snapshot_json", "outcomes_deck.pdf", "outcomes_deck.pptx",
    "core.landing", "core.privacy", "charter.index", "charter.article",
    "contributions.status", "outcomes_public.index", "questionnaires.intro",
    "printing.blank_page", "campaign_public.index", "campaign_public.signatory",
}  # fmt: skip


#: Fields whose server checks a stricter rule than the length, said on the page.
OTHER_RULES_AT_THE_LIMIT = {
    # The closing slide's points must fit the slide at a legible size (deck_fit): 900
    # characters is the most any language may hold, not what always fits.
    (action, name, "maxlength")
    for action in ("/staff/outcomes/{snapshot}/deck/closing",)
    for name in ("text_en", "text_fr", "text_es")
}


def test_every_page_with_a_form_is_walked(app):
    gets = {r.endpoint for r in app.url_map.iter_rules() if "GET" in r.methods}
    listed = set(PAGES) | set(NOT_A_FORM_PAGE) | set(STAFF_PAGES_WITHOUT_FORM_OF_VALUES)
    assert gets - listed - _NOT_PAGES == set(), "a new page: list it in PAGES"


def test_every_limit_of_every_form_is_enforced_by_the_server(world):
    problems = []
    probes = _probes(world)
    for probe in probes:
        where = (probe.page, probe.form.action, probe.field.name, probe.limit)
        reply, typed = _send(world, probe, probe.over)
        if reply is None:
            problems.append((*where, "form gone"))
            continue
        body = unescape(reply.get_data(as_text=True))
        mark = isinstance(probe.over, str) and re.search(r"Q\d{4}", probe.over, re.I)
        if mark and (stored := _stored(world, mark.group())):
            problems.append((*where, "stored", stored))
        if not _refused(reply):
            problems.append((*where, "accepted", reply.status_code))
            continue
        if reply.status_code >= 500 or reply.status_code == 413:
            # 413 is the columns' last guard (core/limits.py), never a form's answer: it says
            # "too large", not which field and by how much.
            problems.append((*where, "not the form's refusal", reply.status_code))
        lost = [name for name, text in typed.items() if text and text not in body]
        if lost:
            problems.append((*where, "lost", lost))
    # At the limit: accepted (the forms that change things last, once every refusal was seen).
    other_rules = {(a.format(**world.pages), *rest) for a, *rest in OTHER_RULES_AT_THE_LIMIT}
    for probe in probes:
        where = (probe.page, probe.form.action, probe.field.name, probe.limit)
        if probe.at is None or where[1:] in other_rules:
            continue
        reply, _typed = _send(world, probe, probe.at)
        if reply is None:
            continue  # the form is gone: the thing it acted on was decided at another limit
        body = reply.get_data(as_text=True)
        if reply.status_code >= 400 or 'aria-invalid="true"' in body:
            said = [
                re.sub(r"<[^>]+>", "", text).strip()[:120]
                for text in re.findall(r'<p class="error[^"]*"[^>]*>(.*?)</p>', body, re.S)
            ]
            problems.append((*where, "refused at the limit", reply.status_code, said[:3]))
            continue
        mark = isinstance(probe.at, str) and re.search(r"q\d{4}", probe.at)
        stored = _stored_texts(world, mark.group()) if mark else []
        if stored and not any(probe.at in text for text in stored):
            problems.append((*where, "stored cut", [len(text) for text in stored]))
    if os.environ.get("LIMITS_DUMP"):
        Path(os.environ["LIMITS_DUMP"]).write_text("\n".join(map(str, problems)))
    assert problems == [], "\n".join(map(str, problems))
