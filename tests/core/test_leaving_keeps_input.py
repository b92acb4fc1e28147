"""Without JavaScript, leaving a page never drops what was typed on it.

The chokepoint: on every page with a form of typed input, base.html makes the language
switcher buttons of that form (``page_form``), and ``consult.i18n.switched_language`` makes the
reply speak the language chosen; the questionnaire pages save first, the review page keeps its
typed fields for this browser, the other forms come back filled. The walk below visits every
public page of the URL map: a page with typed input must route its ways out through the form.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask import Flask, g

from consult.db import db, writing
from consult.i18n import switched_language
from tests.conftest import Respondent, answers_in_store, csrf_token
from tests.questionnaires.test_respond import PROFILE, fill_required

# -- the chokepoint ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "data", "expected"),
    [
        ("POST", {"goto": "lang:fr"}, "fr"),
        ("POST", {"goto": "lang:es", "q.x": "typed"}, "es"),
        ("POST", {"goto": "lang:de"}, None),
        ("POST", {"goto": "lang:"}, None),
        ("POST", {"goto": "section:profile"}, None),
        ("POST", {"goto": "review"}, None),
        ("POST", {"lang": "fr"}, None),
        ("POST", {}, None),
        ("GET", {"goto": "lang:fr"}, None),
    ],
)
def test_the_language_button_of_a_form(app: Flask, method, data, expected):
    with app.test_request_context("/", method=method, data=data if method == "POST" else None):
        if method == "POST":
            from flask import request

            request.form  # noqa: B018 (read first, as the CSRF check does)
        assert switched_language() == expected


def test_a_json_post_is_never_a_language_switch(app: Flask):
    with app.test_request_context("/", method="POST", json={"goto": "lang:fr"}):
        assert switched_language() is None


# -- the walk over the URL map --------------------------------------------------------------


class Forms(HTMLParser):
    """The forms of a page, their typed fields, and the language switcher's controls."""

    TYPED = {"text", "email", "search", "number", "tel", "url", "checkbox", "radio", ""}

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: dict[str, dict] = {}
        self.switcher: list[tuple[str, dict[str, str]]] = []
        self._form: str | None = None
        self._in_switch = False
        self._anonymous = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "nav" and "lang-switch" in a.get("class", ""):
            self._in_switch = True
        if self._in_switch and tag in ("a", "button"):
            self.switcher.append((tag, a))
        if tag == "form":
            self._anonymous += 1
            self._form = a.get("id") or f"(form {self._anonymous} without id)"
            self.forms[self._form] = {"method": a.get("method", "get").lower(), "typed": []}
        elif (self._form or a.get("form")) and (
            (tag == "input" and a.get("type", "") in self.TYPED and a.get("name") != "website")
            or tag in ("textarea", "select")
        ):
            # A field with form= belongs to that form wherever it stands in the page.
            owner = a.get("form") or self._form
            self.forms.setdefault(owner, {"method": "post", "typed": []})["typed"].append(
                a.get("name")
            )

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        if tag == "nav":
            self._in_switch = False

    def typed_forms(self) -> list[str]:
        return [name for name, form in self.forms.items() if form["typed"]]


#: Public pages that are not pages with a form, or cannot hold typed input; each says why.
NOT_A_FORM_PAGE = {
    "static": "files",
    "core.healthz": "a probe for the load balancer",
    "printing.blank_pdf": "a PDF",
    "printing.response_pdf": "a PDF",
    "questionnaires.resume": "a redirect to the response's page",
    "invitations.open_invitation": "a redirect to the response's first page",
    "mail.unsubscribe": "one button, nothing typed (checked below with a real token)",
    "mail.open_lost_link": "one button, nothing typed (tests/mail/test_respondents.py)",
    "campaign.open_lost_link": "one button, nothing typed (tests/campaign/)",
    "campaign.pledge_letter": "a PDF",
    "charter.outcomes_table": "a CSV or XLSX download",
    "outcomes_public.figure": "a chart or table download",
    "campaign.pledge_held_letter": "a PDF",
    "questionnaires.link_state": "JSON for the link box (does the link still work?)",
}

#: A second form with typed input on a page whose switcher sends the main one: none. Every
#: typed field of a page belongs to its one page form (form= where it stands apart), so the
#: language switcher, the site links and every other button of the page send all of it.
SECOND_FORMS: dict[tuple[str, str], str] = {}


@pytest.fixture
def samples(app: Flask, client) -> dict[str, str]:
    """A real address for every public page of the URL map that takes arguments."""
    from consult.contributions import operations

    respondent = Respondent(client)
    respondent.start()
    submitted = Respondent(app.test_client())
    submitted.start()
    fill_required(submitted)
    assert submitted.submit().status_code == 303
    with app.app_context(), writing():
        contribution, token = operations.create_contribution(
            db.session,
            text="Housing first.",
            kind="comment",
            language="en",
            organisation_type="academia",
        )
        operations.publish(db.session, contribution)
        db.commit()
        contribution_id = contribution.id
    # A pledge, verified so that its progress report and its public page exist.
    from datetime import date

    from consult.campaign.models import VERIFIED
    from consult.campaign.operations import find_pledge
    from tests.campaign.conftest import Institution

    pledge_token = Institution(app.test_client()).join()
    with app.app_context(), writing():
        pledge = find_pledge(db.session, pledge_token)
        pledge.status, pledge.joined_on = VERIFIED, date.today()
        db.commit()
        pledge_id = pledge.id
    return {
        "campaign.join": "/campaign/join",
        "campaign.join_from_response": f"/campaign/join/from/{submitted.token}",
        "campaign.pledge": f"/campaign/pledge/{pledge_token}",
        "campaign.pledge_edit": f"/campaign/pledge/{pledge_token}/edit",
        "campaign.pledge_progress": f"/campaign/pledge/{pledge_token}/progress",
        "campaign_public.index": "/campaign",
        "campaign_public.signatory": f"/campaign/signatories/{pledge_id}",
        "core.landing": "/",
        "core.privacy": "/privacy",
        "charter.index": "/charter",
        "charter.article": "/charter/art01",
        "contributions.index": "/contributions",
        "contributions.new": "/contributions/new",
        "contributions.detail": f"/contributions/{contribution_id}",
        "contributions.status": f"/contributions/status/{token}",
        "outcomes_public.index": "/outcomes",
        "questionnaires.intro": "/questionnaires/local-governments",
        "mail.lost_link": "/questionnaires/local-governments/lost-link",
        "campaign.lost_link": "/campaign/lost-link",
        "printing.blank_page": "/questionnaires/local-governments/print",
        "questionnaires.page": f"/r/{respondent.token}/s/profile",
        "questionnaires.review": f"/r/{respondent.token}/review",
        "questionnaires.receipt": f"/r/{submitted.token}/receipt",
    }


def public_get_endpoints(app: Flask) -> list[str]:
    return sorted(
        {
            rule.endpoint
            for rule in app.url_map.iter_rules()
            if "GET" in (rule.methods or ()) and not rule.rule.startswith("/staff")
        }
    )


def test_every_page_with_typed_input_leaves_through_its_form(app: Flask, client, samples):
    typed_pages = []
    for endpoint in public_get_endpoints(app):
        if endpoint in NOT_A_FORM_PAGE:
            continue
        assert endpoint in samples, f"{endpoint}: a new public page; add a sample address"
        reply = client.get(samples[endpoint])
        assert reply.status_code == 200, endpoint
        page = Forms(reply.get_data(as_text=True))
        typed = page.typed_forms()
        if not typed:
            # Nothing to lose: the switcher may be plain links.
            continue
        typed_pages.append(endpoint)
        tags = {tag for tag, _a in page.switcher}
        assert tags == {"button"}, f"{endpoint}: the language switcher must send the form"
        targets = {a.get("form") for _t, a in page.switcher}
        assert len(targets) == 1, endpoint
        (main,) = targets
        assert main in typed, f"{endpoint}: the switcher sends {main}, not a form with input"
        for other in typed:
            if other != main:
                assert (endpoint, other) in SECOND_FORMS, f"{endpoint}: {other} is left out"
    assert {
        "questionnaires.page",
        "questionnaires.review",
        "contributions.new",
        "contributions.detail",
        "contributions.index",
        "mail.lost_link",
        "campaign.lost_link",
        "questionnaires.receipt",
        "campaign.join",
        "campaign.join_from_response",
        "campaign.pledge_edit",
        "campaign.pledge_progress",
        "campaign_public.index",
    } <= set(typed_pages)


class Links(HTMLParser):
    """The <a href> of a page outside <main>: its header, navigation and footer."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.outside_main: list[str] = []
        self.way_outs: list[dict[str, str]] = []
        self._in_main = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "main":
            self._in_main = True
        elif tag == "a" and not self._in_main and not a.get("href", "").startswith("#"):
            self.outside_main.append(a.get("href", ""))
        elif tag == "button" and "way-out" in a.get("class", ""):
            self.way_outs.append(a)

    def handle_endtag(self, tag):
        if tag == "main":
            self._in_main = False


@pytest.mark.parametrize("endpoint", ["questionnaires.page", "questionnaires.review"])
def test_the_site_links_of_a_page_that_saves_are_buttons_of_its_form(client, samples, endpoint):
    links = Links(client.get(samples[endpoint]).get_data(as_text=True))
    assert links.outside_main == []  # header, navigation, footer: nothing leaves unsaved
    values = {a["value"] for a in links.way_outs}
    assert {"leave:core.landing", "leave:charter.index", "leave:core.privacy"} <= values
    assert "leave:questionnaires.intro:partners" in values
    form = "questionnaire-form" if endpoint == "questionnaires.page" else "review-form"
    assert {a["form"] for a in links.way_outs} == {form}


@pytest.mark.parametrize(
    ("goto", "location"),
    [
        ("leave:core.landing", "/"),
        ("leave:charter.index", "/charter"),
        ("leave:core.privacy", "/privacy"),
        ("leave:questionnaires.intro:partners", "/questionnaires/partners"),
        ("leave:questionnaires.intro:nope", "/s/profile?saved=1"),
        ("leave:staff.dashboard", "/s/profile?saved=1"),
        ("leave:core.landing:x", "/s/profile?saved=1"),
        ("leave:https://evil.example/", "/s/profile?saved=1"),
    ],
)
def test_leaving_the_questionnaire_by_a_site_link_saves_first(app, respondent, goto, location):
    respondent.start()
    reply = respondent.save("profile", {"q.institution_name": "Dakar", "goto": goto})
    assert reply.status_code == 303 and reply.location.endswith(location), reply.location
    (answers,) = answers_in_store(app).values()
    assert answers["institution_name"] == {"": "Dakar"}


def test_leaving_the_review_by_a_site_link_keeps_what_was_typed(respondent):
    respondent.start()
    client = respondent.client
    review = client.get(f"/r/{respondent.token}/review").get_data(as_text=True)
    reply = client.post(
        f"/r/{respondent.token}/review",
        data={
            "csrf_token": csrf_token(review),
            "goto": "leave:charter.index",
            "contact.name": "Li",
        },
    )
    assert reply.status_code == 303 and reply.location == "/charter"
    body = client.get(f"/r/{respondent.token}/review").get_data(as_text=True)
    assert 'value="Li"' in body


def test_the_unsubscribe_page_has_nothing_to_type(app: Flask):
    template = app.jinja_env.loader.get_source(app.jinja_env, "mail/unsubscribe.html")[0]
    assert "<textarea" not in template
    assert not re.search(r'<input(?![^>]*type="hidden")', template)


# -- each way out keeps what was typed ------------------------------------------------------


def french(body: str) -> bool:
    return '<html lang="fr">' in body


def test_the_review_page_keeps_contact_details_through_the_language_switcher(app, respondent):
    respondent.start()
    fill_required(respondent)
    client = respondent.client
    review = client.get(f"/r/{respondent.token}/review").get_data(as_text=True)
    assert 'form="review-form" name="goto" value="lang:fr"' in review
    typed = {
        "contact.name": "Aïcha Diop",
        "contact.email": "a.diop@example.org",
        "contact.job_title": "Cheffe de service",
        "mail.receipt_email": "service@example.org",
    }
    reply = client.post(
        f"/r/{respondent.token}/review",
        data={"csrf_token": csrf_token(review), "goto": "lang:fr", **typed},
    )
    assert reply.status_code == 303
    assert reply.location == f"/r/{respondent.token}/review?lang=fr"
    body = client.get(reply.location, follow_redirects=True).get_data(as_text=True)
    assert french(body)
    for value in typed.values():
        assert f'value="{value}"' in body
    assert 'id="contact.consent" name="contact.consent" value="yes">' in body  # still unticked
    # Without consent nothing reached the server's storage, and nothing was submitted.
    with app.app_context():
        from consult.questionnaires.models import ContactDetails, Response

        assert db.session.query(ContactDetails).count() == 0
        assert db.session.query(Response).one().status != "submitted"
    # Another browser with the same link does not see them.
    other = app.test_client().get(f"/r/{respondent.token}/review").get_data(as_text=True)
    assert "Aïcha Diop" not in other


def test_change_and_the_error_links_keep_the_review_fields(app, respondent):
    respondent.start()
    respondent.save("profile", PROFILE)  # required answers on later pages are missing
    client = respondent.client
    review = client.get(f"/r/{respondent.token}/review").get_data(as_text=True)
    typed = {"contact.name": "Ji-woo Park", "contact.consent": "yes"}
    # "Change": the page, then back to the review, the name still typed and the box ticked.
    reply = client.post(
        f"/r/{respondent.token}/review",
        data={"csrf_token": csrf_token(review), "goto": "section:profile", **typed},
    )
    assert reply.location == f"/r/{respondent.token}/s/profile?next=review"
    body = client.get(f"/r/{respondent.token}/review").get_data(as_text=True)
    assert 'value="Ji-woo Park"' in body
    assert 'name="contact.consent" value="yes" checked' in body
    # A refused submission: following an error-summary link and coming back keeps them too.
    reply = client.post(
        f"/r/{respondent.token}/review",
        data={"csrf_token": csrf_token(body), **typed, "contact.name": "Ji-woo Park Kim"},
    )
    assert reply.status_code == 422
    link = re.search(r'<a href="(/r/[^"#]+)#', reply.get_data(as_text=True)).group(1)
    client.get(link)
    body = client.get(f"/r/{respondent.token}/review").get_data(as_text=True)
    assert 'value="Ji-woo Park Kim"' in body
    # Once sent, the browser forgets them (the stored details are shown from then on).
    fill_required(respondent)
    body = client.get(f"/r/{respondent.token}/review").get_data(as_text=True)
    reply = client.post(
        f"/r/{respondent.token}/review",
        data={"csrf_token": csrf_token(body), **typed, "contact.name": "Ji-woo Park Kim"},
    )
    assert reply.status_code == 303
    with client.session_transaction() as session:
        assert "review_typed" not in session


def test_an_unknown_way_out_of_the_review_stays_there(respondent):
    respondent.start()
    review = respondent.client.get(f"/r/{respondent.token}/review").get_data(as_text=True)
    for goto in ("section:charter_experience", "section:nope", "lang:de", "elsewhere"):
        reply = respondent.client.post(
            f"/r/{respondent.token}/review", data={"csrf_token": csrf_token(review), "goto": goto}
        )
        assert reply.status_code == 303
        assert reply.location == f"/r/{respondent.token}/review", goto


def test_a_question_page_saves_before_switching_language(app, respondent):
    respondent.start()
    reply = respondent.save("profile", {"q.institution_name": "Dakar", "goto": "lang:es"})
    assert reply.location.endswith("/s/profile?lang=es")
    (answers,) = answers_in_store(app).values()
    assert answers["institution_name"] == {"": "Dakar"}


def test_the_contribution_form_comes_back_filled_in_the_language_chosen(client):
    page = client.get("/contributions/new").get_data(as_text=True)
    started = re.search(r'name="started"[^>]*value="([^"]+)"', page).group(1)
    reply = client.post(
        "/contributions/new",
        data={
            "csrf_token": csrf_token(page),
            "started": started,
            "goto": "lang:fr",
            "kind": "new_right",
            "text": "Le droit à la ville pour les personnes âgées.",
            "name": "Marie",
        },
    )
    assert reply.status_code == 200  # shown again, not sent
    body = reply.get_data(as_text=True)
    assert french(body)
    assert "Le droit à la ville pour les personnes âgées." in body
    assert 'value="Marie"' in body and 'value="new_right" checked' in body
    assert 'class="error' not in body  # nothing was refused: it was not sent
    from consult.contributions.models import Contribution

    with client.application.app_context():
        assert db.session.query(Contribution).count() == 0


def test_a_reply_being_written_comes_back_in_the_language_chosen(app, client, samples):
    detail = samples["contributions.detail"]
    page = client.get(detail).get_data(as_text=True)
    reply = client.post(
        f"{detail}/replies",
        data={"csrf_token": csrf_token(page), "goto": "lang:es", "text": "Muy de acuerdo."},
    )
    assert reply.status_code == 200
    body = reply.get_data(as_text=True)
    assert '<html lang="es">' in body and "Muy de acuerdo." in body


def test_the_lost_link_form_keeps_the_address(client):
    page = client.get("/questionnaires/partners/lost-link").get_data(as_text=True)
    reply = client.post(
        "/questionnaires/partners/lost-link",
        data={"csrf_token": csrf_token(page), "goto": "lang:fr", "email": "a@example.org"},
    )
    body = reply.get_data(as_text=True)
    assert reply.status_code == 200 and french(body) and 'value="a@example.org"' in body
    with client.application.app_context():
        from consult.mail.models import OutboxMessage

        assert db.session.query(OutboxMessage).count() == 0


def test_the_e_mail_me_my_link_form_keeps_the_address(app, respondent):
    respondent.start()
    fill_required(respondent)
    assert respondent.submit().status_code == 303
    client = respondent.client
    receipt = client.get(f"/r/{respondent.token}/receipt").get_data(as_text=True)
    assert 'form="email-link-form" name="goto" value="lang:es"' in receipt

    def queued() -> int:
        with app.app_context():
            from consult.mail.models import OutboxMessage

            return db.session.query(OutboxMessage).filter(OutboxMessage.state != "refused").count()

    before = queued()
    reply = client.post(
        f"/r/{respondent.token}/email-link",
        data={"csrf_token": csrf_token(receipt), "goto": "lang:es", "email": "b@example.org"},
    )
    body = reply.get_data(as_text=True)
    assert reply.status_code == 200 and '<html lang="es">' in body
    assert 'value="b@example.org"' in body
    assert queued() == before  # shown again, not sent


def test_the_search_being_typed_survives_the_language_switcher(client):
    page = Forms(client.get("/contributions").get_data(as_text=True))
    assert {a.get("name") for _t, a in page.switcher} == {"lang"}  # a GET form: ?lang=
    body = client.get("/contributions?q=logement&lang=fr").get_data(as_text=True)
    assert french(body) and 'value="logement"' in body


def test_g_is_untouched_by_a_plain_request(app):
    with app.test_request_context("/"):
        assert switched_language() is None and g.get("new_language") is None


# -- the site links of every page with typed input: leave at once, or keep and warn ---------


class PageForm(HTMLParser):
    """A page's form as a browser would send it (fields with form= included) and its links."""

    def __init__(self, html: str, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.action = ""
        self.fields: list[dict[str, str]] = []
        self.site_links: list[str] = []
        self.leave_values: set[str] = set()
        self._in_form = self._in_main = False
        self._select: dict[str, str] | None = None
        self._textarea: dict[str, str] | None = None
        self.feed(html)

    def _mine(self, a: dict[str, str]) -> bool:
        return a.get("form") == self.form_id or (self._in_form and not a.get("form"))

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "main":
            self._in_main = True
        elif tag == "a" and not self._in_main and not a.get("href", "").startswith("#"):
            self.site_links.append(a["href"])
        elif tag == "form" and a.get("id") == self.form_id:
            self._in_form, self.action = True, a.get("action", "").split("#")[0]
        elif tag == "button" and a.get("value", "").startswith("leave:"):
            self.leave_values.add(a["value"])
        elif tag == "input" and self._mine(a) and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox") and "checked" not in a:
                return
            if kind not in ("submit", "file"):
                self.fields.append({"name": a["name"], "type": kind, "value": a.get("value", "")})
        elif tag == "textarea" and self._mine(a):
            self._textarea = {"name": a["name"], "type": "textarea", "value": ""}
            self.fields.append(self._textarea)
        elif tag == "select" and self._mine(a):
            self._select = {"name": a["name"], "type": "select", "value": "", "first": ""}
            self.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            if not self._select["first"]:
                self._select["first"] = self._select["value"] = a.get("value", "")
            if "selected" in a:
                self._select["value"] = a.get("value", "")

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] += data

    def handle_endtag(self, tag):
        if tag == "main":
            self._in_main = False
        elif tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def data(self) -> dict[str, str]:
        return {f["name"]: f["value"] for f in self.fields}

    def first_text_field(self) -> str:
        return next(
            f["name"]
            for f in self.fields
            if f["type"] in ("textarea", "text", "email") and f["name"] != "website"
        )


def _post_form_pages(app: Flask, client, samples) -> list[tuple[str, str]]:
    """(endpoint, form id) of every public page whose language switcher posts its form."""
    pages = []
    for endpoint in public_get_endpoints(app):
        if endpoint in NOT_A_FORM_PAGE:
            continue
        page = Forms(client.get(samples[endpoint]).get_data(as_text=True))
        targets = {a.get("form") for _t, a in page.switcher if a.get("name") == "goto"}
        if targets:
            pages.append((endpoint, targets.pop()))
    return pages


def test_every_site_link_of_a_page_with_typed_input_keeps_it(app: Flask, client, samples):
    pages = _post_form_pages(app, client, samples)
    saving = {"questionnaires.page", "questionnaires.review"}
    assert {
        "contributions.new",
        "contributions.detail",
        "mail.lost_link",
        "campaign.lost_link",
        "questionnaires.receipt",
        "campaign.join",
        "campaign.pledge_edit",
        "campaign.pledge_progress",
        *saving,
    } <= {endpoint for endpoint, _form in pages}
    for endpoint, form_id in pages:
        page = PageForm(client.get(samples[endpoint]).get_data(as_text=True), form_id)
        # Header, navigation and footer: no plain link, every way out a button of the form.
        assert page.site_links == [], f"{endpoint}: {page.site_links}"
        assert {"leave:core.landing", "leave:charter.index", "leave:core.privacy"} <= (
            page.leave_values
        ), endpoint
        # Nothing typed: the visitor goes at once (the questionnaire pages save, then go).
        untouched = client.post(page.action, data={**page.data(), "goto": "leave:charter.index"})
        assert untouched.status_code in (302, 303), endpoint
        assert untouched.location.endswith("/charter"), endpoint
        if endpoint in saving:
            continue  # they save what was typed, then go (tested above)
        # Something typed: the page comes back with it, a warning and a way to leave anyway.
        page = PageForm(client.get(samples[endpoint]).get_data(as_text=True), form_id)
        field = page.first_text_field()
        typed = {**page.data(), field: "Texte tapé, pas envoyé", "goto": "leave:charter.index"}
        kept = client.post(page.action, data=typed)
        body = kept.get_data(as_text=True)
        assert kept.status_code == 200, (endpoint, kept.status_code)
        assert "Texte tapé, pas envoyé" in body, endpoint
        assert 'id="leaving-notice"' in body and 'href="/charter"' in body, endpoint
        # Shown again, the page still counts it as typed: leaving again warns again.
        again = PageForm(body, form_id)
        kept = client.post(again.action, data={**again.data(), "goto": "leave:core.landing"})
        assert kept.status_code == 200, endpoint
        assert "Texte tapé, pas envoyé" in kept.get_data(as_text=True), endpoint


# -- one form per page: every button of the page keeps what was typed anywhere on it --------


def _queued(app: Flask) -> int:
    with app.app_context():
        from consult.mail.models import OutboxMessage

        return db.session.query(OutboxMessage).filter(OutboxMessage.state != "refused").count()


def test_the_link_box_of_a_question_page_saves_the_page_then_sends(app, respondent):
    respondent.start()
    page = respondent.page("profile").get_data(as_text=True)
    assert 'form="questionnaire-form" id="email-link-address" name="link_email"' in page
    assert 'form="questionnaire-form" name="goto" value="email-link"' in page
    before = _queued(app)
    reply = respondent.save(
        "profile",
        {"q.institution_name": "Dakar", "link_email": "x@example.org"},
        action="",
        goto="email-link",
    )
    assert reply.status_code == 303
    assert reply.location == f"/r/{respondent.token}/s/profile?link_sent=1"
    (answers,) = answers_in_store(app).values()
    assert answers["institution_name"] == {"": "Dakar"}  # saved first
    assert _queued(app) == before + 1


def test_the_link_box_keeps_the_address_through_the_language_switch_and_a_refusal(app, respondent):
    respondent.start()
    token = respondent.token
    respondent.page("profile")
    reply = respondent.save("profile", {"link_email": "typo@"}, action="", goto="lang:fr")
    assert reply.location.endswith("/s/profile?lang=fr")
    body = respondent.client.get(reply.location, follow_redirects=True).get_data(as_text=True)
    assert french(body) and 'name="link_email" type="email"' in body
    assert 'value="typo@"' in body
    # Sent as typed: refused, the address kept with its error, the page saved all the same.
    respondent.csrf = csrf_token(body)
    before = _queued(app)
    reply = respondent.save(
        "profile",
        {"q.institution_name": "Lyon", "link_email": "typo@"},
        action="",
        goto="email-link",
    )
    assert reply.location == f"/r/{token}/s/profile#email-link"
    body = respondent.client.get(f"/r/{token}/s/profile").get_data(as_text=True)
    assert 'value="typo@"' in body and 'id="email-link-error"' in body
    assert _queued(app) == before
    (answers,) = answers_in_store(app).values()
    assert answers["institution_name"] == {"": "Lyon"}
    # The review page's box is part of its form too, and shows the address kept.
    review = respondent.client.get(f"/r/{token}/review").get_data(as_text=True)
    assert 'form="review-form" id="email-link-address"' in review and 'value="typo@"' in review


def test_the_link_box_of_the_review_keeps_the_contact_fields(app, respondent):
    respondent.start()
    client = respondent.client
    review = client.get(f"/r/{respondent.token}/review").get_data(as_text=True)
    reply = client.post(
        f"/r/{respondent.token}/review",
        data={
            "csrf_token": csrf_token(review),
            "goto": "email-link",
            "contact.name": "Amina",
            "link_email": "amina@example.org",
        },
    )
    assert reply.location == f"/r/{respondent.token}/review?link_sent=1"
    body = client.get(reply.location, follow_redirects=True).get_data(as_text=True)
    assert 'value="Amina"' in body and "on its way" in body


def test_every_button_of_a_contribution_page_keeps_the_reply_being_written(app, client, samples):
    detail = samples["contributions.detail"]
    page = client.get(detail).get_data(as_text=True)
    writing = {"csrf_token": csrf_token(page), "text": "Une réponse en cours.", "language": "fr"}
    # "I agree": counted, and the reply being written is still there.
    reply = client.post(f"{detail}/support", data=writing)
    body = reply.get_data(as_text=True)
    assert reply.status_code == 200 and "Une réponse en cours." in body
    assert "your support is counted" in body
    # The report: sent, and the reply is still there; the report's fields are emptied.
    reply = client.post(
        f"{detail}/report", data={**writing, "reason": "spam", "comment": "Publicité."}
    )
    body = reply.get_data(as_text=True)
    assert reply.status_code == 200 and "Une réponse en cours." in body
    assert "Publicité." not in body
    # The language switcher keeps a report reason ticked and its comment.
    reply = client.post(
        f"{detail}/replies",
        data={**writing, "goto": "lang:es", "reason": "spam", "comment": "Publicidad."},
    )
    body = reply.get_data(as_text=True)
    assert '<html lang="es">' in body and "Publicidad." in body
    assert 'name="reason" value="spam" checked' in body
    # Nothing being written: the buttons lead back to the page, as before.
    reply = client.post(
        f"{detail}/report", data={"csrf_token": writing["csrf_token"], "reason": "spam"}
    )
    assert reply.status_code == 303
