"""Who a quote is attributed to: never a group smaller than the small-cell threshold.

A quote on the deck (HTML, presenter view, notes, PPTX, PDF) names where it comes from: a region
and a type of respondent ("Latin America · Municipality or local council"). When the snapshot
holds one or two respondents of that kind, the line points at them, and their answer is then
theirs for all to read. So every printed attribution goes through ``attribute``:

- the group it names (region × type, region, type) must hold at least the threshold of
  respondents in the snapshot's own base: the responses of the quote's questionnaire it covers
  (for a contribution, the published contributions it covers);
- otherwise the attribution is coarsened: the type is dropped, then the region (keeping the
  type when that group is large enough), down to "A local government" or "A partner";
- an answer from a questionnaire whose whole count is withheld (fewer than the threshold) is
  not quoted at all in public output; the quotes bank and the freeze check say why.

The rule runs at freeze time (the sizes are counted on the covered responses and kept with each
quote) and again whenever a deck renders (``protect``), so a snapshot frozen before this rule
(without stored sizes) is counted from its stored response ids. No Flask here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult.contributions.models import Contribution
from consult.questionnaires.models import Response

#: What a quote record says when its questionnaire's whole count is below the threshold.
WITHHELD_SMALL_BASE = "small_base"
#: What a quote record says when its questionnaire cannot be known any more (answer deleted).
WITHHELD_UNKNOWN_BASE = "unknown_base"


@dataclass(frozen=True)
class GroupSizes:
    """How many respondents of the quote's base fall in each group its attribution could name."""

    base: int
    region: int
    respondent_type: int
    region_and_type: int

    def as_dict(self) -> dict[str, int]:
        """The sizes as stored with a frozen quote."""
        return {
            "base": self.base,
            "region": self.region,
            "respondent_type": self.respondent_type,
            "region_and_type": self.region_and_type,
        }

    @classmethod
    def from_dict(cls, stored: Mapping[str, Any]) -> GroupSizes:
        """The sizes stored with a frozen quote."""
        return cls(
            int(stored.get("base") or 0),
            int(stored.get("region") or 0),
            int(stored.get("respondent_type") or 0),
            int(stored.get("region_and_type") or 0),
        )


@dataclass(frozen=True)
class Attribution:
    """What a quote's source line may name."""

    region: str | None
    respondent_type: str | None
    #: None: the quote may be shown; else why it is not (WITHHELD_*).
    withheld: str | None = None
    #: Whether something the quote carried (region or type) was left out.
    coarsened: bool = False


def attribute(
    region: str | None,
    respondent_type: str | None,
    sizes: GroupSizes,
    threshold: int,
    *,
    is_answer: bool = True,
) -> Attribution:
    """The attribution a quote may carry, given the sizes of the groups it could name.

    The first of (region and type, region, type, neither) whose group holds at least
    ``threshold``; an answer whose base is below ``threshold`` is withheld. A published
    contribution is public already: it is never withheld, only its line is coarsened.
    """
    if is_answer and sizes.base < threshold:
        return Attribution(None, None, WITHHELD_SMALL_BASE, bool(region or respondent_type))
    candidates: list[tuple[str | None, str | None, int]] = []
    if region and respondent_type:
        candidates.append((region, respondent_type, sizes.region_and_type))
    if region:
        candidates.append((region, None, sizes.region))
    if respondent_type:
        candidates.append((None, respondent_type, sizes.respondent_type))
    for named_region, named_type, size in candidates:
        if size >= threshold:
            coarsened = (named_region, named_type) != (region or None, respondent_type or None)
            return Attribution(named_region, named_type, None, coarsened)
    return Attribution(None, None, None, bool(region or respondent_type))


#: How many respondents of a base have each (region, type): ((region, type), count) pairs.
Groups = Iterable[tuple[tuple[str | None, str | None], int]]


def _sizes(groups: Groups, region: str | None, kind: str | None) -> GroupSizes:
    base = in_region = of_type = both = 0
    for (row_region, row_type), count in groups:
        base += count
        same_region = bool(region) and row_region == region
        same_type = bool(kind) and row_type == kind
        in_region += count * same_region
        of_type += count * same_type
        both += count * (same_region and same_type)
    return GroupSizes(base, in_region, of_type, both)


def _groups_of_responses(
    session: Session, wanted: list[str], response_ids: Iterable[int] | None
) -> dict[str, Counter]:
    """Each questionnaire's (region, type) counts in the base: the responses ``response_ids``,
    or (None) every submitted response, counted by the database rather than read one by one."""
    groups: dict[str, Counter] = {key: Counter() for key in wanted}
    if not wanted:
        return groups
    kinds = (Response.questionnaire_key, Response.region, Response.respondent_type)
    if response_ids is None:
        counted = session.execute(
            select(*kinds, func.count())
            .where(Response.status == "submitted", Response.questionnaire_key.in_(wanted))
            .group_by(*kinds)
        )
        for key, region, kind, count in counted:
            groups[key][(region, kind)] += count
        return groups
    covered = {int(i) for i in response_ids}
    for row_id, key, region, kind in session.execute(
        select(Response.id, *kinds).where(Response.questionnaire_key.in_(wanted))
    ):
        if row_id in covered:
            groups[key][(region, kind)] += 1
    return groups


def group_sizes(
    session: Session,
    quotes: Sequence[Mapping[str, Any]],
    response_ids: Iterable[int] | None,
    contribution_ids: Iterable[int] | None,
) -> list[tuple[str | None, GroupSizes | None]]:
    """For each quote record, its questionnaire key and the sizes of its groups in the base
    (``response_ids``, ``contribution_ids``: what the snapshot covers; None: every submitted
    response, every published contribution). (None, None) when the quote's questionnaire cannot
    be known."""
    answer_quotes = [q for q in quotes if q.get("source") != "contribution"]
    keys = {
        int(q["response_id"]): q.get("questionnaire_key")
        for q in answer_quotes
        if q.get("response_id") is not None
    }
    missing = [rid for rid, key in keys.items() if not key]
    if missing:
        keys.update(
            session.execute(
                select(Response.id, Response.questionnaire_key).where(Response.id.in_(missing))
            ).all()
        )
    by_questionnaire = _groups_of_responses(
        session, sorted({key for key in keys.values() if key}), response_ids
    )
    contributions: Counter = Counter()
    if any(q.get("source") == "contribution" for q in quotes):
        query = select(Contribution.id, Contribution.region, Contribution.organisation_type)
        if contribution_ids is None:
            query = query.where(Contribution.status == "published")
        allowed = None if contribution_ids is None else {int(i) for i in contribution_ids}
        contributions.update(
            (region, kind)
            for cid, region, kind in session.execute(query)
            if allowed is None or cid in allowed
        )
    result: list[tuple[str | None, GroupSizes | None]] = []
    for quote in quotes:
        region, kind = quote.get("region"), quote.get("respondent_type")
        if quote.get("source") == "contribution":
            result.append((None, _sizes(contributions.items(), region, kind)))
            continue
        key = keys.get(int(quote["response_id"])) if quote.get("response_id") else None
        if not key:
            result.append((None, None))
            continue
        result.append((key, _sizes(by_questionnaire[key].items(), region, kind)))
    return result


def record_of(quote: Any) -> dict[str, Any]:
    """A quote (a bank entry or a frozen record) as a record ``protect`` reads."""
    if isinstance(quote, Mapping):
        return dict(quote)
    return {
        "quote_id": quote.id,
        "source": quote.source,
        "response_id": quote.response_id,
        "question_key": quote.question_key,
        "questionnaire_key": quote.questionnaire_key,
        "contribution_id": quote.contribution_id,
        "text": quote.text,
        "language": quote.language,
        "region": quote.region,
        "respondent_type": quote.respondent_type,
        "deck_position": quote.deck_position,
    }


def checked(
    session: Session,
    quotes: Sequence[Any],
    response_ids: Iterable[int] | None,
    contribution_ids: Iterable[int] | None,
    threshold: int,
) -> list[dict[str, Any]]:
    """Every quote as a record with the attribution it may carry: ``questionnaire_key``,
    ``group_sizes`` (as counted in the base, unless stored at the freeze) and ``attribution``
    (``region``, ``respondent_type``, ``withheld``, ``coarsened``). Nothing is left out: the
    quotes bank and the freeze check list them all, saying why one is not shown."""
    records = [record_of(q) for q in quotes]
    unsized = [r for r in records if not r.get("group_sizes")]
    counted = (
        iter(group_sizes(session, unsized, response_ids, contribution_ids)) if unsized else None
    )
    for record in records:
        if record.get("group_sizes"):
            sizes: GroupSizes | None = GroupSizes.from_dict(record["group_sizes"])
        else:
            assert counted is not None
            key, sizes = next(counted)
            if key:
                record["questionnaire_key"] = key
            record["group_sizes"] = sizes.as_dict() if sizes is not None else None
        is_answer = record.get("source") != "contribution"
        if sizes is None:
            shown = Attribution(None, None, WITHHELD_UNKNOWN_BASE, True)
        else:
            shown = attribute(
                record.get("region"),
                record.get("respondent_type"),
                sizes,
                threshold,
                is_answer=is_answer,
            )
        record["attribution"] = {
            "region": shown.region,
            "respondent_type": shown.respondent_type,
            "withheld": shown.withheld,
            "coarsened": shown.coarsened,
        }
    return records


def protect(
    session: Session,
    quotes: Sequence[Any],
    response_ids: Iterable[int],
    contribution_ids: Iterable[int] | None,
    threshold: int,
) -> list[dict[str, Any]]:
    """The quotes public output may show, in order, each with only the region and type its
    attribution may name (``region``/``respondent_type`` replaced); withheld ones left out."""
    shown = []
    for record in checked(session, quotes, response_ids, contribution_ids, threshold):
        safe = record["attribution"]
        if safe["withheld"]:
            continue
        shown.append(
            {**record, "region": safe["region"], "respondent_type": safe["respondent_type"]}
        )
    return shown
