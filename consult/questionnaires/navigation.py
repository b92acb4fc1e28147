"""Where a questionnaire page's buttons lead, what its page count says, and where the links of
an error summary point: the ways out of a page, so that a respondent is never stuck.

The step list and the language switcher are buttons of the page's form (name="goto"): leaving
by them saves the page first, with or without JavaScript. "Change" on the review page opens a
page with ?next=review, which leads back to the review once saved.

The review page works the same way: its language switcher and its "Change" buttons belong to
the submission form. What was typed there (contact details, the receipt address) cannot be
stored before the consent and the submission, so it is kept in this browser's session until
the review page is shown again, then forgotten once the response is sent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import timedelta

from flask import request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from consult.core.leaving import leave_url
from consult.core.sealed import seal, unseal
from consult.i18n import LANGUAGE_NAMES, translate_text
from consult.questionnaires.answers import Answers
from consult.questionnaires.definition import Question, Questionnaire, Section, is_shown


def shown_sections(questionnaire: Questionnaire, answers: Answers) -> list[Section]:
    """Return the pages asked, given the answers so far."""
    return [s for s in questionnaire.sections if is_shown(s, answers, questionnaire)]


def page_of(position: int, sections: list[Section], questionnaire: Questionnaire) -> str:
    """Say which page this is, honestly: "of up to N" while a condition skips pages.

    N is always the questionnaire's number of pages, so the count never jumps; "up to" says
    that some are skipped given the answers so far.
    """
    total = len(questionnaire.sections)
    if len(sections) < total:
        return _("Page %(current)s of up to %(total)s", current=position + 1, total=total)
    return _("Page %(current)s of %(total)s", current=position + 1, total=total)


def error_target(question: Question, answered: Mapping[str, object] | None = None) -> str:
    """Return the id of the control an error-summary link focuses: the field itself.

    A group's first radio or checkbox; a matrix's first unanswered row (``answered``: the
    posted fields or the stored parts); a ranking's first choice.
    """
    name = f"q.{question.key}"
    if question.type == "matrix":
        answered = answered or {}
        rows = [
            row
            for row in question.rows
            if not answered.get(f"{name}.{row.key}") and row.key not in answered
        ] or list(question.rows)
        return f"{name}.{rows[0].key}-{question.scale[0].key}"
    if question.type == "ranking":
        return f"{name}.rank1"
    if question.type in ("single_choice", "multiple_choice", "yes_no", "region"):
        return f"{name}-{question.option_keys[0]}"
    return name


#: What the "e-mail me my personal link" button of a response's page sends (mail/link_box.py).
EMAIL_LINK = "email-link"
#: What a page's buttons may ask besides moving on: go back, stay, or go elsewhere (goto).
PAGE_ACTIONS = ("next", "previous", "save", "review")


def posted_action(questionnaire: Questionnaire, answers: Answers) -> tuple[str, str | None]:
    """Read which button saved the page: (action, goto target).

    The step list and the language switcher are buttons of the page's form (name="goto"), so
    that leaving the page by them saves it first. A goto names a shown page ("section:KEY"),
    the review page ("review") or a language ("lang:CODE"); anything else stays on the page.
    """
    goto = request.form.get("goto")
    if goto is not None:
        shown = {s.key for s in shown_sections(questionnaire, answers)}
        kind, _sep, value = goto.partition(":")
        if goto == "review" or (kind == "section" and value in shown):
            return "goto", goto
        if kind == "lang" and value in LANGUAGE_NAMES:
            return "goto", goto
        if goto == EMAIL_LINK:
            # The "e-mail me my link" box's button: save here, then send (page_views.page).
            return "save", goto
        if leave_url(goto) is not None:
            return "goto", goto
        return "save", None
    # Anything else (the hidden default button that Enter presses, no button) is "next".
    action = request.form.get("action", "next")
    return (action if action in PAGE_ACTIONS else "next"), None


def returns_to_review() -> bool:
    """Tell whether the page was opened by a "Change" link of the review page (?next=review).

    Only this one literal value is honoured and it always leads to this response's review
    page, built here: the parameter can never send the respondent anywhere else.
    """
    return request.args.get("next") == "review"


def page_target(
    token: str,
    section: Section,
    destination: Section | None,
    action: str,
    goto: str | None,
    link_left: bool = False,
) -> str:
    """Return where a saved page leads (staying on it keeps the way back to the review).

    ``link_left``: Enter was pressed with an address typed in the link box, not sent (the
    page stays and says so).
    """
    back = "review" if returns_to_review() else None
    left = leave_url(goto) if goto is not None else None
    if left is not None:
        return left
    if goto is not None and goto.startswith("lang:"):
        return url_for(
            "questionnaires.page", token=token, section_key=section.key, next=back, lang=goto[5:]
        )
    if (action == "next" and back) or destination is None:
        return url_for("questionnaires.review", token=token)
    if action == "save":
        return url_for(
            "questionnaires.page",
            token=token,
            section_key=section.key,
            next=back,
            saved=1,
            entered="link" if link_left else None,
            _anchor="email-link" if link_left else None,
        )
    return url_for("questionnaires.page", token=token, section_key=destination.key)


def destination(
    questionnaire: Questionnaire,
    section: Section,
    answers: Answers,
    action: str,
    goto: str | None = None,
) -> Section | None:
    """Return the page an action leads to once this one is saved (None: the review page)."""
    sections = shown_sections(questionnaire, answers)
    if section in sections:
        position = sections.index(section)
    else:
        # A page no longer asked (a tab left open): between the shown pages around it.
        order = questionnaire.sections.index(section)
        before = [s for s in sections if questionnaire.sections.index(s) < order]
        if action == "previous" and goto is None:
            return before[-1] if before else sections[0]
        position = len(before) - 1
    if goto is not None:
        if goto == "review":
            return None
        if goto.startswith("section:"):
            return questionnaire.section(goto[8:])
        return section
    if action == "save":
        return section
    if action == "previous":
        return sections[max(position - 1, 0)]
    if action == "review" or position + 1 >= len(sections):
        return None
    return sections[position + 1]


#: Every error the review form's contact part can show (review_views._read_contact, the
#: receipt's address, review_check: "base" changed elsewhere, "replace" not ticked), in the
#: page's order, with the id of the control its summary entry leads to. A refusal the summary
#: does not list would leave the page looking received (tests/questionnaires/
#: test_review_refusals.py checks every one).
CONTACT_LABELS = {
    "base": _l("Contact details"),
    "name": _l("Name"),
    "email": _l("E-mail"),
    "job_title": _l("Job title"),
    "replace": _l("Replace the contact details given in another browser"),
    "consent": _l("Consent to the privacy notice"),
    "receipt_email": _l("E-mail for the receipt"),
}
CONTACT_TARGETS = {
    "base": "contact.name",
    "name": "contact.name",
    "email": "contact.email",
    "job_title": "contact.job_title",
    "replace": "contact.replace",
    "consent": "contact.consent",
    "receipt_email": "mail.receipt_email",
}


def review_error_items(
    questionnaire: Questionnaire,
    token: str,
    answers: Answers,
    missing: Mapping[str, str],
    contact_errors: Mapping[str, str],
) -> list[dict[str, str]]:
    """List the error summary of the review page: each entry links to the field itself.

    A missing answer links to its page (which returns here once saved) at its first control;
    a contact detail to its input on this page.
    """
    items = []
    for question in questionnaire.questions:
        if question.key in missing:
            page = url_for(
                "questionnaires.page", token=token, section_key=question.section_key, next="review"
            )
            target = error_target(question, answers.get(question.key, {}))
            items.append(
                {
                    "target": f"{page}#{target}",
                    "label": translate_text(question.label),
                    "message": missing[question.key],
                }
            )
    for name, message in sorted(contact_errors.items(), key=lambda e: _contact_order(e[0])):
        items.append(
            {
                "target": CONTACT_TARGETS.get(name, "contact.name"),
                "label": str(CONTACT_LABELS.get(name, CONTACT_LABELS["base"])),
                "message": message,
            }
        )
    return items


def _contact_order(name: str) -> int:
    # An error key not in the table (a new refusal) is still listed, last, never dropped.
    return list(CONTACT_LABELS).index(name) if name in CONTACT_LABELS else len(CONTACT_LABELS)


#: The review page's typed fields kept while the respondent is away (see review_way_out).
REVIEW_TYPED_KEY = "review_typed"
#: How long what was typed on a review page and not sent is offered again.
REVIEW_TYPED_KEPT = timedelta(days=30)
REVIEW_TYPED_FIELDS = {
    "contact.name": 200,
    "contact.email": 254,
    "contact.job_title": 200,
    "contact.consent": 3,
    "mail.receipt_email": 254,
}


def review_way_out(questionnaire: Questionnaire, token: str, answers: Answers) -> str | None:
    """Return where a review-page button other than Submit leads (None: it submits).

    A language button reopens the review in that language; "Change" opens its page, which
    leads back here once saved. Anything else unknown stays on the review page.
    """
    goto = request.form.get("goto")
    if goto is None:
        return None
    left = leave_url(goto)
    if left is not None:
        return left
    kind, _sep, value = goto.partition(":")
    if kind == "lang" and value in LANGUAGE_NAMES:
        return url_for("questionnaires.review", token=token, lang=value)
    if kind == "section" and value in {s.key for s in shown_sections(questionnaire, answers)}:
        return url_for("questionnaires.page", token=token, section_key=value, next="review")
    return url_for("questionnaires.review", token=token)


def _response_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def keep_review_typed(token: str, form: Mapping[str, str]) -> None:
    """Keep what was typed on the review page, in this browser's session only.

    Nothing reaches the server's storage without the consent and the submission; one response
    at a time, each value cut at its limit plus one (so a too-long value is still refused).
    Sealed: names, addresses and telephone numbers are not readable from the cookie.
    """
    # Every field, empty ones too: an emptied field comes back empty, as it was left.
    typed = {name: form.get(name, "")[: limit + 1] for name, limit in REVIEW_TYPED_FIELDS.items()}
    session[REVIEW_TYPED_KEY] = {
        "response": _response_digest(token),
        "fields": seal(json.dumps(typed, ensure_ascii=False)),
    }


def review_typed(token: str) -> dict[str, str] | None:
    """Return what this browser typed on this response's review page and has not sent."""
    kept = session.get(REVIEW_TYPED_KEY)
    if not isinstance(kept, dict) or kept.get("response") != _response_digest(token):
        return None
    opened = unseal(kept.get("fields"), REVIEW_TYPED_KEPT)
    fields = json.loads(opened) if opened is not None else None
    return {str(k): str(v) for k, v in fields.items()} if isinstance(fields, dict) else None


def forget_review_typed() -> None:
    """Forget the typed review fields (the response was sent with them)."""
    session.pop(REVIEW_TYPED_KEY, None)
