"""What a review page was shown with, and what changed since it was: pressing Submit (or Save
changes) sends exactly what the respondent saw, or shows what changed first.

The review form carries two bases, as the section pages do (merging.py):

- the answers' base: the response's revision and a digest of every answer unit shown. If a
  colleague changed answers since, nothing is submitted: the review is shown again, as it is
  now, with the questions that changed listed at the top; the next press submits;
- the contact details' base: a fingerprint of the stored contact details (never their text).
  Typed contact details are written only over the details the page was based on; details
  given in another browser (not shown here) are replaced only by an explicit choice, so that
  typing an e-mail address never erases someone else's name and job title.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _

from consult.questionnaires import merging
from consult.questionnaires.answers import Answers
from consult.questionnaires.definition import Question, Questionnaire
from consult.questionnaires.models import ContactDetails, Response

#: Hidden fields of the review form: the answers' base, the contact details' base.
ANSWERS_BASE_FIELD = "base"
CONTACT_BASE_FIELD = "contact.base"
#: The box that replaces contact details given in another browser.
REPLACE_FIELD = "contact.replace"
_NO_CONTACT = "none"
_CONTACT_DIGEST = re.compile(r"[0-9a-f]{10}\Z")


def contact_base(contact: ContactDetails | None) -> str:
    """Return the fingerprint of the stored contact details: when they were given, hashed."""
    if contact is None:
        return _NO_CONTACT
    return merging.digest({"id": str(contact.id), "at": contact.consented_at.isoformat()})


def parse_contact_base(text: str | None) -> str:
    """Read a posted contact details' base; empty when absent or not one this application
    wrote (contact_base)."""
    if text == _NO_CONTACT or (text and _CONTACT_DIGEST.match(text)):
        return text
    return ""


def page_fields(
    questionnaire: Questionnaire,
    response: Response,
    answers: Answers,
    contact: ContactDetails | None,
) -> dict[str, str]:
    """Return the review form's bases, for the template (review_base, review_contact_base)."""
    base = merging.base_of(response.revision, questionnaire.questions, answers)
    return {"review_base": merging.encode_base(base), "review_contact_base": contact_base(contact)}


@dataclass
class Staleness:
    """What changed since the review page was shown; empty when it may be submitted."""

    #: Questions whose answers changed since, in the questionnaire's order.
    questions: list[Question] = field(default_factory=list)
    #: Errors of the contact fields (field -> message).
    contact_errors: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.questions or self.contact_errors)

    @property
    def is_conflict(self) -> bool:
        """Tell whether something changed since the page was shown (not a choice missing)."""
        return bool(self.questions or "base" in self.contact_errors)


def check(
    form: Mapping[str, str],
    questionnaire: Questionnaire,
    response: Response,
    answers: Answers,
    contact: ContactDetails | None,
    typed: Mapping[str, str],
    *,
    elsewhere: bool,
) -> Staleness:
    """Compare a posted review form with the stored response (see the module).

    ``typed`` is the contact details typed; ``elsewhere`` whether the stored ones were given
    in another browser (this page did not show them). A form without bases (a client that
    sends none) is checked for the explicit replacement only.
    """
    result = Staleness()
    base = merging.parse_base(form.get(ANSWERS_BASE_FIELD))
    if base is not None and base.revision != response.revision:
        now = merging.base_of(response.revision, questionnaire.questions, answers).digests
        changed = {unit.split(".", 1)[0] for unit, d in now.items() if base.digests.get(unit) != d}
        changed |= {unit.split(".", 1)[0] for unit in base.digests if unit not in now}
        result.questions = [q for q in questionnaire.questions if q.key in changed]
    shown_contact = form.get(CONTACT_BASE_FIELD)
    writes = any(typed.values()) or not elsewhere  # else the stored details are kept
    if (
        shown_contact
        and shown_contact != contact_base(contact)
        and writes
        and _changes(contact, typed)
    ):
        result.contact_errors["base"] = _(
            "The contact details were changed in another browser or tab since this page was "
            "shown. Nothing was sent: check the fields below, then press the button again."
        )
    elif elsewhere and any(typed.values()) and form.get(REPLACE_FIELD) != "yes":
        result.contact_errors["replace"] = _(
            "Contact details were already given in another browser. To replace all of them "
            "with the ones you typed, tick the box; to keep them, leave the fields empty."
        )
    return result


def _changes(contact: ContactDetails | None, typed: Mapping[str, str]) -> bool:
    """Tell whether saving ``typed`` would change the stored contact details."""
    stored = {
        "name": (contact.name if contact else None) or "",
        "email": (contact.email if contact else None) or "",
        "job_title": (contact.job_title if contact else None) or "",
    }
    return any(typed.get(name, "") != value for name, value in stored.items())
