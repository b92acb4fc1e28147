"""A stored snapshot read back: its summary and the responses it covers, both checked against
what the freeze stored. The one road from a snapshot to a page, a deck or an export."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import object_session

from consult.core.typed_text import clean_strings
from consult.outcomes.actors import OutcomesError
from consult.outcomes.asked import asked_conditions
from consult.outcomes.models import OutcomeSnapshot
from consult.outcomes.response_ids import decode_ids, ids_checksum
from consult.outcomes.sources import stored_definitions
from consult.questionnaires.definition import Questionnaire


def snapshot_summary(snapshot: OutcomeSnapshot) -> dict[str, Any]:
    """Return a snapshot's summary, checking it is the one stored at the freeze, its texts
    cleaned as typed texts are. The one road from a stored snapshot to a page, a deck or an
    export."""
    if hashlib.sha256(snapshot.summary_json.encode()).hexdigest() != snapshot.summary_sha256:
        raise OutcomesError(f"snapshot {snapshot.id} does not match its checksum")
    # A snapshot frozen before typed texts were cleaned (migration 1020) keeps its stored
    # record and checksum; what it shows is read through the same rule as everything typed.
    summary = clean_strings(json.loads(snapshot.summary_json))
    if any("asked_if" not in q for q in summary.get("questionnaires") or ()):
        session = object_session(snapshot)
        if session is not None:
            with_follow_up_conditions(summary, stored_definitions(session.connection()))
    return summary


def with_follow_up_conditions(
    summary: dict[str, Any], definitions: Mapping[int, Questionnaire]
) -> None:
    """Give a summary frozen before it named each follow-up's conditions (``asked_if``) those of
    the stored versions it covers (all of its questionnaire's when it names none), so that the
    public page withholds its follow-ups as it does a newer snapshot's (suppression._follow_ups).
    The conditions are the definitions', never the figures: the stored summary is unchanged."""
    for questionnaire in summary.get("questionnaires") or ():
        if "asked_if" in questionnaire:
            continue
        own = [d for d in definitions.values() if d.key == questionnaire.get("key")]
        covered = set(questionnaire.get("versions") or ())
        versions = [d for d in own if d.version in covered] or own
        questionnaire["asked_if"] = asked_conditions(versions)


def snapshot_ids(snapshot: OutcomeSnapshot) -> list[int]:
    """Return the ids of the responses a snapshot covers, checking them."""
    ids = decode_ids(snapshot.response_ids)
    if ids_checksum(ids) != snapshot.response_ids_sha256:
        raise OutcomesError(f"snapshot {snapshot.id}: stored response ids do not match")
    return ids
