"""Never stuck, without JavaScript: refused submissions say so, error summaries lead to the field
itself, "Change" comes back to the review, a submitted response stays complete, the step list
and the language switcher save before leaving, and the page count is honest."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest

from consult.questionnaires.definition import Questionnaire
from tests.conftest import Respondent, answers_in_store, csrf_token
from tests.questionnaires.conditions import questionnaires, sample_fields
from tests.questionnaires.test_respond import ARTICLES, PROFILE, fill_required


class Page(HTMLParser):
    """What these tests read of a page: elements in order, ids, the error summary's links."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.order: list[tuple[str, dict[str, str]]] = []
        self.ids: dict[str, str] = {}
        self.summary_links: list[str] = []
        self._in_summary = 0
        self._title = False
        self.title = ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = {k: v or "" for k, v in attrs}
        self.order.append((tag, attributes))
        if "id" in attributes:
            self.ids[attributes["id"]] = tag
        if attributes.get("id") == "error-summary":
            self._in_summary = 1
        elif self._in_summary and tag == "div":
            self._in_summary += 1
        if self._in_summary and tag == "a":
            self.summary_links.append(attributes["href"])
        self._title = tag == "title"

    def handle_endtag(self, tag):
        if self._in_summary and tag == "div":
            self._in_summary -= 1
        if tag == "title":
            self._title = False

    def handle_data(self, data):
        if self._title:
            self.title += data

    def first_in_main(self) -> tuple[str, dict[str, str]]:
        """The first element inside <main>."""
        index = next(i for i, (tag, _a) in enumerate(self.order) if tag == "main")
        return self.order[index + 1]


def text(reply) -> str:
    return reply.get_data(as_text=True)


def assert_links_to_fields(client, page: Page, base_path: str) -> None:
    """Every link of the error summary leads to a form control (on this page or another)."""
    assert page.summary_links, "no link in the error summary"
    for href in page.summary_links:
        path, _sep, target = href.partition("#")
        target_page = page if not path else Page(text(client.get(path)))
        assert target_page.ids.get(target) in ("input", "select", "textarea"), (href, base_path)


# -- the review page refuses a submission ---------------------------------------------------


@pytest.mark.parametrize(
    ("language", "prefix"), [("en", "Error: "), ("fr", "Erreur\u00a0: "), ("es", "Error: ")]
)
def test_a_refused_submission_shows_a_focusable_error_summary_first(
    client, respondent, language, prefix
):
    respondent.start()
    client.get(f"/?lang={language}")
    respondent.save("profile", {"q.institution_name": "Dakar"}, action="save")
    respondent.save("articles", {"q.article_relevance.art01": "relevant"}, action="save")
    reply = respondent.submit(email="not an address", name="Awa")
    assert reply.status_code == 422
    page = Page(text(reply))
    assert page.title.startswith(prefix), page.title
    tag, attributes = page.first_in_main()
    assert attributes.get("id") == "error-summary" and attributes.get("tabindex") == "-1"
    assert_links_to_fields(client, page, "review")
    links = page.summary_links
    assert f"/r/{respondent.token}/s/profile?next=review#q.country" in links
    assert f"/r/{respondent.token}/s/profile?next=review#q.region-africa" in links
    # The matrix: its first unanswered row.
    assert (
        f"/r/{respondent.token}/s/articles?next=review#q.article_relevance.art02-very_relevant"
        in links
    )
    assert "#contact.email" in links and "#contact.consent" in links
    body = text(reply)
    assert "receipt-number" not in body and "Receipt" not in body and "Reçu" not in body
    assert 'class="submit-form"' in body  # the form is there to try again


def row_label(key: str) -> str:
    """The English label of a row of the local governments' article matrix."""
    (questionnaire,) = [q for q in questionnaires() if q.key == "local-governments"]
    (row,) = [r for r in questionnaire.question("article_relevance").rows if r.key == key]
    return row.label["en"]


def test_a_refused_submission_names_the_missing_matrix_rows(client, respondent):
    respondent.start()
    respondent.save("profile", PROFILE)
    respondent.save("commitments", {"q.charter_2011_adopted": "no"})
    rows = {k: v for k, v in ARTICLES.items() if not k.endswith(("art03", "art11"))}
    respondent.save("articles", rows, action="save")
    body = text(respondent.submit())
    labels = [row_label(key) for key in ("art03", "art11")]
    assert html.escape(f"Not answered yet: {labels[0]}; {labels[1]}.") in body


def test_a_missing_matrix_row_is_marked_in_text_on_its_row(client, respondent):
    respondent.start()
    rows = {k: v for k, v in ARTICLES.items() if not k.endswith("art03")}
    reply = respondent.save("articles", rows)
    assert reply.status_code == 422
    body = text(reply)
    marked = re.findall(
        r"<legend>([^<]*) <strong class=\"row-missing\">Answer this row</strong>", body
    )
    assert [html.unescape(label) for label in marked] == [row_label("art03")]
    assert Page(body).summary_links == ["#q.article_relevance.art03-very_relevant"]


# -- error summaries lead to the field ----------------------------------------------------------


def invalid_fields(questionnaire: Questionnaire, section) -> dict[str, list[str]]:
    """Values every question of a page refuses (or none, for the required ones)."""
    fields: dict[str, list[str]] = {}
    for question in section.questions:
        name = f"q.{question.key}"
        if question.type in ("short_text", "long_text"):
            fields[name] = ["x" * ((question.max_length or 300) + 1)]
        elif question.type == "number":
            fields[name] = ["douze"]
        elif question.type in ("single_choice", "yes_no", "region", "country", "multiple_choice"):
            fields[name] = ["no-such-option"]
        elif question.type == "matrix":
            fields[f"{name}.{question.rows[0].key}"] = ["no-such-point"]
        elif question.type == "ranking":
            fields[f"{name}.rank1"] = ["no-such-option"]
    return fields


@pytest.mark.parametrize("questionnaire", questionnaires(), ids=lambda q: q.key)
def test_every_error_summary_link_of_every_page_focuses_a_field(client, questionnaire):
    respondent = Respondent(client, questionnaire.key)
    respondent.start()
    for section in questionnaire.sections:
        for fields in ({}, invalid_fields(questionnaire, section)):
            respondent.page(section.key)
            reply = respondent.save(section.key, fields)
            if reply.status_code == 303:
                continue  # nothing required and nothing to refuse on this page
            assert reply.status_code == 422
            page = Page(text(reply))
            assert page.title.startswith("Error: ")
            assert_links_to_fields(client, page, section.key)


def test_the_contribution_form_summary_links_to_the_fields(client):
    page = text(client.get("/contributions/new"))
    reply = client.post("/contributions/new", data={"csrf_token": csrf_token(page)})
    parsed = Page(text(reply))
    assert_links_to_fields(client, parsed, "contributions")
    assert "#kind-0" in parsed.summary_links  # a radio group: its first radio


# -- "Change" comes back to the review ----------------------------------------------------------


def test_change_on_the_review_returns_to_the_review_after_saving(client, respondent):
    respondent.start()
    fill_required(respondent)
    review = text(client.get(f"/r/{respondent.token}/review"))
    # "Change" is a button of the review's form (what was typed there is kept meanwhile).
    assert 'form="review-form" name="goto" value="section:profile"' in review
    reply = client.post(
        f"/r/{respondent.token}/review",
        data={"csrf_token": csrf_token(review), "goto": "section:profile"},
    )
    assert reply.status_code == 303
    assert reply.location == f"/r/{respondent.token}/s/profile?next=review"
    page = text(client.get(f"/r/{respondent.token}/s/profile?next=review"))
    assert f'action="/r/{respondent.token}/s/profile?next=review"' in page
    assert "Save and return to review" in page
    reply = client.post(
        f"/r/{respondent.token}/s/profile?next=review",
        data={"csrf_token": csrf_token(page), "action": "next", **PROFILE},
    )
    assert reply.status_code == 303 and reply.location == f"/r/{respondent.token}/review"
    for button, location in [
        (("action", "save"), "/s/profile?next=review&saved=1"),
        (("goto", "lang:fr"), "/s/profile?next=review&lang=fr"),
        (("action", "previous"), "/s/profile"),
    ]:
        reply = client.post(
            f"/r/{respondent.token}/s/profile?next=review",
            data={"csrf_token": csrf_token(page), button[0]: button[1], **PROFILE},
        )
        assert reply.location == f"/r/{respondent.token}{location}", button


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/r/x/review",
        "/r/another-token/review",
        "review/../../staff",
        "Review",
        "",
    ],
)
def test_the_return_to_review_parameter_leads_nowhere_else(client, respondent, target):
    respondent.start()
    page = text(client.get(f"/r/{respondent.token}/s/profile"))
    reply = client.post(
        f"/r/{respondent.token}/s/profile",
        query_string={"next": target},
        data={"csrf_token": csrf_token(page), "action": "next", **PROFILE},
    )
    assert reply.status_code == 303 and reply.location == f"/r/{respondent.token}/s/commitments"


# -- a submitted response stays complete --------------------------------------------------------


def submitted(respondent: Respondent) -> None:
    respondent.start()
    fill_required(respondent)
    assert respondent.submit().status_code == 303


@pytest.mark.parametrize(
    "button", [("action", "save"), ("action", "previous"), ("goto", "review"), ("goto", "lang:fr")]
)
def test_a_save_of_a_submitted_response_keeps_its_required_answers(app, respondent, button):
    submitted(respondent)
    page = text(respondent.page("profile"))
    assert "Save changes" in page and "Save draft" not in page
    fields = {**PROFILE, "q.institution_name": "", "q.population_band": "under_50k"}
    reply = respondent.save("profile", {button[0]: button[1], **fields}, action="save")
    assert reply.status_code == 422
    body = text(reply)
    assert 'id="error-institution_name"' in body  # the message next to the field
    assert 'value="under_50k" checked' in body  # what was typed is kept
    assert re.search(r'<input id="q\.institution_name"[^>]* value=""', body)
    (answers,) = answers_in_store(app).values()
    assert answers["institution_name"] == {"": "Ciudad de México"}


def test_the_background_save_of_a_submitted_response_keeps_its_required_answers(app, respondent):
    submitted(respondent)
    respondent.page("profile")
    reply = respondent.client.post(
        f"/r/{respondent.token}/s/profile/autosave",
        data={"csrf_token": respondent.csrf, **PROFILE, "q.institution_name": ""},
    )
    assert reply.status_code == 200 and "institution_name" in reply.json["errors"]
    (answers,) = answers_in_store(app).values()
    assert answers["institution_name"] == {"": "Ciudad de México"}


def test_a_draft_says_save_draft(respondent):
    respondent.start()
    page = text(respondent.page("profile"))
    assert "Save draft" in page and "Save changes" not in page


# -- the step list and the language switcher save first -----------------------------------------


def test_the_step_list_and_the_language_switcher_are_buttons_of_the_page_form(respondent):
    respondent.start()
    page = Page(text(respondent.page("commitments")))
    goto = [a for tag, a in page.order if tag == "button" and a.get("name") == "goto"]
    values = [a["value"] for a in goto if not a["value"].startswith("leave:")]
    assert values[:3] == ["lang:en", "lang:fr", "lang:es"]
    assert "section:profile" in values and "review" in values
    # The personal link box's button, after the page's own (it saves first too).
    assert values[-1] == "email-link" and values[-2] == "review"
    # The site's own links (brand, navigation, footer) save first too (see _way_out.html).
    leaving = [a["value"] for a in goto if a["value"].startswith("leave:")]
    assert "leave:core.landing" in leaving and "leave:core.privacy" in leaving
    assert all(a.get("form") == "questionnaire-form" for a in goto)
    assert page.ids["questionnaire-form"] == "form"
    # Enter in a field presses the page's first submit button: Save and continue, not English.
    first = next(a for tag, a in page.order if tag == "button" and a.get("type") == "submit")
    assert (first.get("name"), first.get("value")) == ("action", "default")
    assert "hidden" in first


@pytest.mark.parametrize(
    ("goto", "location"),
    [
        ("section:articles", "/s/articles"),
        ("review", "/review"),
        ("lang:es", "/s/profile?lang=es"),
        ("section:no_such_page", "/s/profile?saved=1"),
        ("lang:xx", "/s/profile?saved=1"),
    ],
)
def test_leaving_by_the_step_list_or_the_language_switcher_keeps_what_was_typed(
    app, respondent, goto, location
):
    respondent.start()
    reply = respondent.save("profile", {"q.institution_name": "Dakar", "goto": goto})
    assert reply.status_code == 303 and reply.location.endswith(location), reply.location
    (answers,) = answers_in_store(app).values()
    assert answers["institution_name"] == {"": "Dakar"}


def test_a_hidden_page_is_not_a_step_to_go_to(respondent):
    respondent.start()
    reply = respondent.save("profile", {"goto": "section:charter_experience"})
    assert reply.location.endswith("/s/profile?saved=1")


def test_condition_notes_come_before_the_input_they_govern(respondent):
    respondent.start()
    body = text(respondent.page("commitments"))
    note = body.index('class="condition-note')
    assert (
        body.index('id="question-local_charter_name"')
        < note
        < body.index('id="q.local_charter_name"')
    )


# -- the page count -----------------------------------------------------------------------------


def test_the_page_count_says_up_to_while_a_condition_skips_pages(respondent):
    respondent.start()
    assert "Page 2 of up to 8" in text(respondent.page("commitments"))
    respondent.save("commitments", {"q.charter_2011_adopted": "yes"})
    assert "Page 2 of 8" in text(respondent.page("commitments"))
    respondent.client.get("/?lang=fr")
    respondent.save("commitments", {"q.charter_2011_adopted": "no"})
    assert "Page 2 sur 8 au plus" in text(respondent.page("commitments"))


def test_the_introduction_gives_the_largest_number_of_pages(client):
    assert "up to 8 pages" in text(client.get("/questionnaires/local-governments"))


def test_generated_answers_are_valid(respondent_factory, client):
    """The generator the other tests use gives an answer every question accepts."""
    for questionnaire in questionnaires():
        respondent = respondent_factory(client, questionnaire.key)
        respondent.start()
        for section in questionnaire.sections:
            fields = {}
            for question in section.questions:
                fields.update(sample_fields(question))
            reply = respondent.save(section.key, fields, action="save")
            assert reply.status_code == 303, (section.key, text(reply)[:1000])
