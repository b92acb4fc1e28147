"""Several people, one personal link: what a section page carries and how a posted page is
merged (the rules are in merging.py; this module reads them from a request and feeds the page).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_babel import format_timedelta

from consult.db import utcnow
from consult.questionnaires import merging
from consult.questionnaires.answers import Answers
from consult.questionnaires.definition import Question, Section
from consult.questionnaires.models import Response
from consult.questionnaires.operations import ResponseRow


def merge_posted(
    form: Mapping[str, str],
    section: Section,
    saved: ResponseRow,
    stored: Answers,
    posted: Answers,
) -> merging.Merge:
    """Merge a posted page (its valid answers ``posted``, its hidden fields in ``form``) with
    what was saved since it was shown."""
    pending = merging.parse_pending(form.get(merging.PENDING_FIELD))
    return merging.merge(
        section.questions,
        merging.parse_base(form.get(merging.BASE_FIELD)),
        saved.revision,
        stored,
        posted,
        pending=pending,
        choices={unit: form.get(merging.CHOICE_PREFIX + unit, "") for unit in pending},
    )


def page_versioning(
    response: Response | ResponseRow,
    questions: list[Question],
    answers: Answers,
    base: merging.Base | None,
    conflicts: list[merging.Conflict] | None,
    theirs_saved_at: datetime | None,
    pending: str,
) -> dict[str, Any]:
    """Return what a section page needs: its base (hidden field, computed from ``answers``
    unless given), the conflicts it shows by question, the pending units, and when the other
    browser saved ("3 minutes ago")."""
    if base is None:
        base = merging.base_of(response.revision, questions, answers)
    by_question: dict[str, list[merging.Conflict]] = {}
    for conflict in conflicts or ():
        by_question.setdefault(conflict.question.key, []).append(conflict)
    return {
        "base": merging.encode_base(base),
        "conflicts": by_question,
        "pending": ",".join(c.unit for c in conflicts) if conflicts else pending,
        "theirs_saved_ago": (
            format_timedelta(theirs_saved_at - utcnow(), add_direction=True)
            if theirs_saved_at is not None
            else None
        ),
    }
