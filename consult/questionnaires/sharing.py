"""Several people, one personal link: what a section page carries and how a posted page is
merged (the rules are in merging.py; this module reads them from a request and feeds the page).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from babel import Locale
from flask import request
from flask_babel import format_timedelta
from flask_babel import gettext as _

from consult.db import utcnow
from consult.i18n import current_language, format_moment
from consult.questionnaires import merging, review_check
from consult.questionnaires.answers import Answers
from consult.questionnaires.definition import Question, Questionnaire, Section
from consult.questionnaires.models import Response
from consult.questionnaires.operations import ResponseRow


def merge_posted(
    form: Mapping[str, str],
    section: Section,
    saved: ResponseRow,
    stored: Answers,
    posted: Answers,
    questionnaire: Questionnaire,
) -> merging.Merge:
    """Merge a posted page (its valid answers ``posted``, its hidden fields in ``form``) with
    what was saved since it was shown (questions linked in ``questionnaire`` as one unit)."""
    asked_with = merging.parse_asked_with(form.get(merging.PENDING_FIELD))
    pending = frozenset(asked_with)
    return merging.merge(
        section.questions,
        merging.parse_base(form.get(merging.BASE_FIELD)),
        saved.revision,
        stored,
        posted,
        pending=pending,
        choices={unit: form.get(merging.CHOICE_PREFIX + unit, "") for unit in pending},
        questionnaire=questionnaire,
        own=merging.own_units(
            merging.parse_editor(form.get(merging.EDITOR_FIELD)), saved.unit_editors
        ),
        asked_with=asked_with,
    )


def bases_as_posted(form: Mapping[str, str]) -> dict[str, str]:
    """Return what a page's copy was based on, as posted (hidden field -> text), to draw it
    again after a refusal.

    A page drawn again because its press was refused (an expired session, an outage) is the
    person's copy, not a new drawing: it must carry the bases it was posted with, never fresh
    ones, so that the next press still compares with what the person was first shown and a
    colleague's change made meanwhile is merged or listed, not saved over. Section pages and
    the review read the fields they carry (the answers' base, the pending conflicts with their
    explanation, the contact details' base). A field absent, or not one this application
    wrote, is empty: the next press then compares nothing, as for a client that sends none.
    """
    base = merging.parse_base(form.get(merging.BASE_FIELD))
    asked_with = merging.parse_asked_with(form.get(merging.PENDING_FIELD))
    pending = merging.encode_asked_with({u: sorted(k) for u, k in sorted(asked_with.items())})
    return {
        merging.BASE_FIELD: merging.encode_base(base) if base is not None else "",
        merging.PENDING_FIELD: pending,
        review_check.CONTACT_BASE_FIELD: review_check.parse_contact_base(
            form.get(review_check.CONTACT_BASE_FIELD)
        ),
    }


def page_versioning(
    questionnaire: Questionnaire,
    response: Response | ResponseRow,
    questions: list[Question],
    answers: Answers,
    base: merging.Base | None,
    conflicts: list[merging.Conflict] | None,
    theirs_saved_by: str | None,
    pending: str,
    as_posted: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Return what a section page needs: its base (hidden field, computed from ``answers``
    unless given), its editor id, the conflicts it shows by question, the pending units, and
    who saved the other answers and when (see saved_by). A page drawn again after a refusal
    gives ``as_posted`` (bases_as_posted): its base and pending units are those."""
    if as_posted is not None:
        encoded, pending = as_posted[merging.BASE_FIELD], as_posted[merging.PENDING_FIELD]
    else:
        if base is None:
            linked = merging.with_linked(questionnaire, questions)
            base = merging.base_of(response.revision, linked, answers)
        encoded = merging.encode_base(base)
    by_question: dict[str, list[merging.Conflict]] = {}
    for conflict in conflicts or ():
        by_question.setdefault(conflict.question.key, []).append(conflict)
    # A page shown again after a press (refused, conflicts) is the same page: same editor.
    posted = request.form.get(merging.EDITOR_FIELD) if request.method == "POST" else None
    editor = merging.parse_editor(posted)
    return {
        "base": encoded,
        "editor": editor or merging.new_editor(),
        "conflicts": by_question,
        "pending": merging.encode_pending(conflicts) if conflicts else pending,
        "theirs_saved_by": theirs_saved_by,
    }


def saved_by(
    last_save: Any, this_browser: str, contact: Any, tags: frozenset[str] = frozenset()
) -> str:
    """Say who made the save a conflict is with, and exactly when, for the conflict page.

    ``last_save`` holds updated_at and the last_saved_* columns (origin.py); ``contact`` is
    the response's contact details or None. The name (and job title) typed as contact is
    shown when the browser that typed them made the save: the personal link is shared among
    colleagues of one institution. Else the browser and system families and the language of
    the save; never an e-mail address, a network address or the full User-Agent.

    ``tags`` are the browser tags of the answers in conflict (merging.browser_tags): when the
    response's last save was made by another browser than theirs (this one's background save
    of other answers, say), its time and device say nothing about them, and only what the tags
    tell is said: this browser's other tab, the contact's browser, or another one.
    """
    if tags and merging.browser_tag(last_save.last_saved_browser) not in tags:
        if tags == {merging.browser_tag(this_browser)}:
            return _("saved in another tab of this browser")
        if (
            contact is not None
            and contact.name
            and merging.browser_tag(contact.browser_hash) in tags
        ):
            name = f"{contact.name}, {contact.job_title}" if contact.job_title else contact.name
            return _("saved by %(name)s", name=name)
        return _("saved from another browser or tab")
    moment = format_moment(last_save.updated_at)
    ago = format_timedelta(last_save.updated_at - utcnow(), add_direction=True)
    if last_save.last_saved_browser and last_save.last_saved_browser == this_browser:
        return _(
            "saved in another tab of this browser, %(moment)s (%(ago)s)", moment=moment, ago=ago
        )
    if (
        contact is not None
        and contact.name
        and contact.browser_hash
        and contact.browser_hash == last_save.last_saved_browser
    ):
        name = f"{contact.name}, {contact.job_title}" if contact.job_title else contact.name
        return _("saved by %(name)s, %(moment)s (%(ago)s)", name=name, moment=moment, ago=ago)
    device = _device_words(last_save.last_saved_device)
    language = _language_words(last_save.last_saved_language)
    if device and language:
        device = _("%(device)s, in %(language)s", device=device, language=language)
    elif language:
        device = _("in %(language)s", language=language)
    if device:
        return _(
            "saved from another browser (%(device)s), %(moment)s (%(ago)s)",
            device=device,
            moment=moment,
            ago=ago,
        )
    return _("saved from another browser or tab, %(moment)s (%(ago)s)", moment=moment, ago=ago)


def _device_words(device: str | None) -> str | None:
    browser, _sep, system = (device or "").partition("/")
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or system or None


def _language_words(code: str | None) -> str | None:
    if not code:
        return None
    try:
        return Locale.parse(code).get_display_name(current_language())
    except (ValueError, TypeError):
        return None
