"""How later data differs from a snapshot: responses added and removed, the figures that moved
most, and what changed since the freeze among what the snapshot covers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.outcomes import data
from consult.outcomes.filters import SummaryFilter
from consult.outcomes.models import OutcomeSnapshot
from consult.questionnaires.models import Response


@dataclass(frozen=True)
class Comparison:
    """How a later state differs from a snapshot."""

    added: int
    removed: int
    before: int
    after: int
    per_questionnaire: list[dict[str, Any]]
    per_region: list[dict[str, Any]]
    changed_questions: list[dict[str, Any]]
    #: Changes left out of the ranking: a share of fewer than ``minimum`` respondents on
    #: either side (one partner more moves such a share by tens of points).
    unranked_changes: int = 0


def compare(
    before: Mapping[str, Any],
    before_ids: list[int],
    after: Mapping[str, Any],
    after_ids: list[int],
    minimum: int = 5,
) -> Comparison:
    """Compare two summaries: responses added and removed, and the figures that moved most.

    Each change carries the number of respondents its share is of, on both sides; a change
    whose share rests on fewer than ``minimum`` respondents on either side is not ranked
    (it is only counted in ``unranked_changes``): "100.0% → 25.0%" of one and then four
    partners would otherwise lead the list."""
    old, new = set(before_ids), set(after_ids)
    per_questionnaire = []
    changed = []
    regions: dict[str, list[int]] = {}
    after_by_key = {q["key"]: q for q in after["questionnaires"]}
    for questionnaire in before["questionnaires"]:
        later = after_by_key.get(questionnaire["key"])
        if later is None:
            continue
        per_questionnaire.append(
            {
                "key": questionnaire["key"],
                "title": questionnaire["title"],
                "before": questionnaire["responses"],
                "after": later["responses"],
                "difference": later["responses"] - questionnaire["responses"],
            }
        )
        for side, summary in ((0, questionnaire), (1, later)):
            for entry in summary["participation"]["by_region"]:
                counts = regions.setdefault(entry["key"] or "", [0, 0])
                counts[side] += entry["count"] or 0
        later_questions = {q["key"]: q for q in later["questions"]}
        for question in questionnaire["questions"]:
            newer = later_questions.get(question["key"])
            if newer is None or question["type"] not in (
                "single_choice",
                "yes_no",
                "multiple_choice",
            ):
                continue
            old_top = _top_option(question)
            new_shares = {o["key"]: o["share"] for o in newer["options"]}
            if old_top is None or new_shares.get(old_top["key"]) is None:
                continue
            change = new_shares[old_top["key"]] - (old_top["share"] or 0)
            new_option = next(o for o in newer["options"] if o["key"] == old_top["key"])
            changed.append(
                {
                    "questionnaire": questionnaire["key"],
                    "question": question["key"],
                    "label": question["label"],
                    "option": old_top["label"] or {"en": old_top["key"]},
                    "before": old_top["share"],
                    "after": new_shares[old_top["key"]],
                    "change": change,
                    "before_n": _share_base(old_top, question),
                    "after_n": _share_base(new_option, newer),
                }
            )
    changed = [c for c in changed if abs(c["change"]) > 1e-9]
    ranked = [c for c in changed if min(c["before_n"] or 0, c["after_n"] or 0) >= minimum]
    ranked.sort(key=lambda c: -abs(c["change"]))
    return Comparison(
        added=len(new - old),
        removed=len(old - new),
        before=len(old),
        after=len(new),
        per_questionnaire=per_questionnaire,
        per_region=[
            {"key": k or None, "before": b, "after": a, "difference": a - b}
            for k, (b, a) in sorted(regions.items(), key=lambda kv: -kv[1][1])
        ],
        changed_questions=ranked[:8],
        unranked_changes=len(changed) - len(ranked),
    )


@dataclass(frozen=True)
class Freshness:
    """What changed since a freeze among what the snapshot covers (with its own filters)."""

    new_responses: int
    edited_responses: int
    withdrawn_responses: int
    contributions_published: int
    contributions_removed: int

    @property
    def unchanged(self) -> bool:
        """True only when nothing the snapshot covers changed."""
        return not any(
            (
                self.new_responses,
                self.edited_responses,
                self.withdrawn_responses,
                self.contributions_published,
                self.contributions_removed,
            )
        )


def freshness(
    session: Session, snapshot: OutcomeSnapshot, summary: Mapping[str, Any], ids: list[int]
) -> Freshness:
    """Count responses submitted, edited or withdrawn, and contributions published, hidden or
    withdrawn, since ``snapshot`` was frozen (within the snapshot's filters)."""
    connection = session.connection()
    filters = SummaryFilter.from_dict(summary.get("filters"))
    ids = set(ids)
    live = set(data.covered_ids(connection, filters))
    edited = {
        int(i)
        for i in session.scalars(
            select(Response.id).where(
                Response.status == "submitted", Response.updated_at > snapshot.frozen_at
            )
        )
    }
    covered = (summary.get("contributions") or {}).get("contribution_ids")
    public = set(data.covered_contribution_ids(connection, filters))
    counted = set(covered) if covered is not None else public
    return Freshness(
        new_responses=len(live - ids),
        edited_responses=len(edited & ids & live),
        withdrawn_responses=len(ids - live),
        contributions_published=len(public - counted),
        contributions_removed=len(counted - public),
    )


def _share_base(option: Mapping[str, Any], question: Mapping[str, Any]) -> int | None:
    """How many respondents an option's share is of (its own base, if only some versions
    offered it: distribution.rebase_options)."""
    base = option.get("base")
    return base if base is not None else question.get("base")


def _top_option(question: Mapping[str, Any]) -> Mapping[str, Any] | None:
    options = [o for o in question.get("options", []) if o.get("count")]
    return max(options, key=lambda o: o["count"]) if options else None
