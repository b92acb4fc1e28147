"""Every refusal of the review page says so first: an error summary at the top of the page,
focused by consult.js, that lists every error the page shows, each linked to its field.

A refusal whose error the summary left out (the contact details changed in another browser,
the box to replace details given elsewhere) showed a page titled "Error:" whose first thing
was the green "Submitted on … Receipt number" box, the message below every answer. The table
below produces each error the review form can show (navigation.CONTACT_LABELS names them) and
reads the page as a person would.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest

from consult.questionnaires.navigation import CONTACT_LABELS, CONTACT_TARGETS
from tests.conftest import Respondent
from tests.questionnaires.test_respond import fill_required
from tests.questionnaires.test_review_stale import review_form

GIVEN = {"name": "Ana Example", "email": "ana@grigny.example", "job_title": "Head"}


class ReviewPage(HTMLParser):
    """What a refused review page shows: its first element in <main>, the summary's links and
    texts, every error message of the page (by id), and the ids of the page's elements."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.first_in_main: dict[str, str] | None = None
        self.summary_links: list[str] = []
        self.summary_text = ""
        self.errors: list[str] = []
        self.ids: set[str] = set()
        self._main = self._summary = False
        self._depth = 0
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "main":
            self._main = True
            return
        if self._main and self.first_in_main is None:
            self.first_in_main = a
        if a.get("id") == "error-summary":
            self._summary, self._depth = True, 0
        if self._summary:
            self._depth += tag != "br"
            if tag == "a":
                self.summary_links.append(a["href"])
        if "error" in a.get("class", "").split() and a.get("id"):
            self.errors.append(a["id"])

    def handle_endtag(self, tag):
        if self._summary:
            self._depth -= 1
            if self._depth == 0:
                self._summary = False

    def handle_data(self, data):
        if self._summary:
            self.summary_text += data


def _draft(app):
    respondent = Respondent(app.test_client())
    respondent.start()
    return respondent


def _complete(app):
    respondent = _draft(app)
    fill_required(respondent)
    return respondent


def _post(respondent, **typed):
    form = review_form(respondent.client, respondent.token)
    return respondent.client.post(f"/r/{respondent.token}/review", data={**form, **typed})


def missing(app):
    return _post(_draft(app))


def name(app):
    return _post(_complete(app), **{"contact.name": "N" * 201, "contact.consent": "yes"})


def email(app):
    return _post(_complete(app), **{"contact.email": "not an address", "contact.consent": "yes"})


def job_title(app):
    return _post(_complete(app), **{"contact.job_title": "J" * 201, "contact.consent": "yes"})


def consent(app):
    return _post(_complete(app), **{"contact.name": "Ana Example"})


def receipt_email(app):
    return _post(_complete(app), **{"mail.receipt_email": "not an address"})


def base(app):
    """Two tabs of one draft: the first submits with contact details, the second (shown
    before) types others and presses Submit."""
    first = _complete(app)
    second = Respondent(first.client)
    second.token = first.token
    shown = review_form(first.client, first.token)
    typed = {"contact.consent": "yes"}
    assert _post(first, **typed, **{f"contact.{k}": v for k, v in GIVEN.items()}).status_code == 303
    other = {"contact.name": "Bea", "contact.email": "bea@grigny.example", **typed}
    return first.client.post(f"/r/{first.token}/review", data={**shown, **other})


def replace(app):
    """Details given in another browser; this one types others and does not tick the box."""
    first = _complete(app)
    assert first.submit(**GIVEN, consent="yes").status_code == 303
    colleague = Respondent(app.test_client())
    colleague.token = first.token
    return _post(colleague, **{"contact.email": "bea@grigny.example", "contact.consent": "yes"})


REFUSALS = {
    "missing": (missing, "This question needs an answer"),
    "name": (name, "At most 200 characters"),
    "email": (email, "Enter an e-mail address such as name@example.org"),
    "job_title": (job_title, "At most 200 characters"),
    "consent": (consent, "we need your consent to the privacy notice"),
    "receipt_email": (receipt_email, "Enter an e-mail address such as name@example.org"),
    "base": (base, "The contact details were changed in another browser"),
    "replace": (replace, "Contact details were already given in another browser"),
}


#: Error messages of the page whose id does not name their key.
ERROR_IDS = {"receipt-email-error": "receipt_email"}


def test_the_table_holds_every_error_of_the_review_form():
    assert set(REFUSALS) == {"missing", *CONTACT_LABELS}


@pytest.mark.parametrize("refusal", list(REFUSALS))
def test_every_refusal_of_the_review_page_is_said_first_and_whole(app, refusal):
    make, message = REFUSALS[refusal]
    reply = make(app)
    assert reply.status_code in (409, 422), reply.status_code
    body = reply.get_data(as_text=True)
    page = ReviewPage(body)
    assert re.search(r"<title>Error: ", body), refusal
    # The summary is the first thing in the page's main part (consult.js focuses it): the
    # receipt box of a submitted response comes after it.
    assert page.first_in_main is not None and page.first_in_main.get("id") == "error-summary"
    summary = html.unescape(page.summary_text)
    assert message in summary, (refusal, summary)
    # Every error the page shows is in the summary, and every link leads to a field here (or
    # to the page of a missing answer).
    assert page.summary_links, refusal
    for error_id in page.errors:
        key = ERROR_IDS.get(error_id, error_id.removeprefix("contact-error-"))
        assert f"#{CONTACT_TARGETS[key]}" in page.summary_links, (refusal, error_id)
    for link in page.summary_links:
        assert not link.startswith("#") or link[1:] in page.ids, (refusal, link)
    assert ".: " not in summary and ". : " not in summary  # no colon after a full stop


@pytest.mark.parametrize(
    ("label", "joined"),
    [
        ("Name", "Name: At most"),
        ("I agree, as described above.", "I agree, as described above. At most"),
        ("Do you agree?", "Do you agree? At most"),
    ],
)
def test_the_summary_joins_a_label_and_its_message(app, label, joined):
    with app.test_request_context("/"):
        template = app.jinja_env.get_template("_error_summary.html")
        item = {"target": "x", "label": label, "message": "At most 200 characters."}
        out = template.module.error_summary("Check", [item])
    text = re.sub(r"<[^>]+>", "", str(out))
    assert joined in html.unescape(text)
