"""Realistic synthetic contributions for showing the outcomes without real data: made through
the contributions operations and moderated like a real queue, each marked ``is_demo`` (removed
with the demo responses by consult.outcomes.demo.remove_demo). Flask-free.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator, Mapping, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult.contributions import operations as contribution_operations
from consult.contributions import reactions
from consult.contributions.models import Contribution
from consult.outcomes.demo import (
    LANGUAGE_WEIGHTS,
    REGION_WEIGHTS,
    DemoPlan,
    countries_by_region,
    demo_texts,
    moment_between,
)

#: How demo contributions end up: most published, some still waiting, a few moderated away.
CONTRIBUTION_OUTCOMES = {
    "published": 74,
    "pending": 14,
    "rejected": 7,
    "hidden": 3,
    "withdrawn": 2,
}
#: Articles demo contributors write about more (or less): a lean, as for the questionnaires.
CONTRIBUTION_ARTICLE_WEIGHTS = {
    "art01": 9,
    "art02": 11,
    "art03": 5,
    "art04": 8,
    "art05": 4,
    "art06": 7,
    "art07": 4,
    "art08": 3,
    "art09": 4,
    "art10": 15,
    "art11": 6,
    "art12": 12,
    "general": 8,
    "new_right": 6,
}
#: Who contributes, with weights (keys of consult.contributions.models.ORGANISATION_TYPES).
CONTRIBUTOR_WEIGHTS = {
    "civil_society": 38,
    "individual": 22,
    "academia": 12,
    "local_government": 16,
    "un_international": 4,
    "national_government": 3,
    "other": 5,
}
#: Openings of a proposed wording, in every language: such texts are of the "wording" kind.
WORDING_MARKERS = ("Proposed wording", "Proposition", "Propuesta")
REJECTION_REASONS = ("off_topic", "spam", "duplicate")
PARTS = ("rights", "obligations", "duties", "action_plan")
#: Time a moderator takes to decide, in hours (at least, at most).
MODERATION_DELAY_HOURS = (2, 96)


def _contribution_text(
    rng: random.Random, texts: Mapping[str, Any], language: str, topic: str
) -> str:
    """One contributor's text on a topic: a stock text with, sometimes, their own framing."""
    body = rng.choice(texts[language][topic])
    opener = rng.choice(texts["openers"][language])
    if opener and body[:1].isupper() and not opener.endswith(": "):
        body = body[0].lower() + body[1:]
    return f"{opener}{body}{rng.choice(texts['closers'][language])}"


def _kind_of(rng: random.Random, topic: str, text: str) -> str:
    if topic == "new_right":
        return "new_right"
    if any(marker in text for marker in WORDING_MARKERS):
        return "wording"
    if topic == "general":
        return "reflection"
    return "comment" if rng.random() < 0.8 else "reflection"


def generate_contributions(
    session: Session,
    region_map: Mapping[str, str],
    plan: DemoPlan,
    made: list[int] | None = None,
) -> Iterator[int]:
    """Create demo contributions through the contributions operations, and moderate them.

    Three languages, every region, every kind; most are published (with supports), some wait
    for moderation, a few are rejected, hidden or withdrawn: like a real queue. Yields how many
    were made after every hundred; appends the id of each to ``made``.
    """
    if not plan.contributions:
        return
    rng = random.Random(plan.seed + 1)
    countries = countries_by_region(region_map)
    texts = demo_texts()["contributions"]
    regions = list(REGION_WEIGHTS)
    topics = list(CONTRIBUTION_ARTICLE_WEIGHTS)
    contributor_types = list(CONTRIBUTOR_WEIGHTS)
    outcomes = list(CONTRIBUTION_OUTCOMES)
    # Demo decisions are nobody's: the moderation log must not credit a real staff account.
    moderator = None
    for number in range(plan.contributions):
        region = rng.choices(regions, weights=list(REGION_WEIGHTS.values()))[0]
        language = rng.choices(("en", "fr", "es"), weights=LANGUAGE_WEIGHTS[region])[0]
        topic = rng.choices(topics, weights=list(CONTRIBUTION_ARTICLE_WEIGHTS.values()))[0]
        text = _contribution_text(rng, texts, language, topic)
        article = topic if topic.startswith("art") else None
        created = moment_between(rng, plan.period_start, plan.period_end)
        contribution, _token = contribution_operations.create_contribution(
            session,
            kind=_kind_of(rng, topic, text),
            text=text,
            language=language,
            interface_language=language,
            organisation_type=rng.choices(
                contributor_types, weights=list(CONTRIBUTOR_WEIGHTS.values())
            )[0],
            article=article,
            part=rng.choice(PARTS) if article and rng.random() < 0.55 else None,
            country=rng.choice(countries[region] or ["FR"]),
            region=region,
            created_at=created,
            region_map=region_map,
            is_demo=True,
        )
        if made is not None:
            made.append(contribution.id)
        decided = min(
            created + timedelta(hours=rng.uniform(*MODERATION_DELAY_HOURS)), plan.period_end
        )
        outcome = rng.choices(outcomes, weights=list(CONTRIBUTION_OUTCOMES.values()))[0]
        if outcome in ("published", "hidden", "withdrawn"):
            contribution_operations.publish(session, contribution, moderator, at=decided)
            # A few contributions gather most of the supports, as on any public platform.
            for supporter in range(int(rng.paretovariate(1.3)) - 1):
                reactions.add_support(
                    session,
                    contribution,
                    supporter_hash=hashlib.sha256(
                        f"demo|{number}|{supporter}".encode()
                    ).hexdigest(),
                    address_hash=hashlib.sha256(f"demo-address|{supporter}".encode()).hexdigest(),
                )
        if outcome == "hidden":
            contribution_operations.moderate(
                session, contribution, "hide", moderator, reason="offensive", at=decided
            )
        elif outcome == "withdrawn":
            contribution_operations.withdraw(session, contribution)
        elif outcome == "rejected":
            contribution_operations.reject(
                session, contribution, rng.choice(REJECTION_REASONS), moderator, at=decided
            )
        if number % 100 == 99:
            session.flush()
            yield number + 1
    session.flush()
    yield plan.contributions


def contribution_statuses(session: Session, ids: Sequence[int]) -> dict[str, int]:
    """How many of the demo contributions ``ids`` (one run's) are in each status, most first."""
    counts: dict[str, int] = {}
    for start in range(0, len(ids), 1000):
        rows = session.execute(
            select(Contribution.status, func.count(Contribution.id))
            .where(Contribution.is_demo.is_(True), Contribution.id.in_(ids[start : start + 1000]))
            .group_by(Contribution.status)
        ).all()
        for status, n in rows:
            counts[status] = counts.get(status, 0) + int(n)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
