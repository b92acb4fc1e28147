"""The campaign "10, 100, 1000" in the first outcomes: its deck slide and public section.

Both read the campaign figures frozen in the snapshot (``summary["campaign"]``, written by
consult/campaign/movement.py at the freeze), never live ones. A snapshot frozen before the
campaign existed has none, and then neither the slide nor the section is shown; the slide is
also left out while no institution has joined (a slide of zeros in a five-minute slot), the
section then says where the campaign starts from.

The small-cell rule does not apply here: every verified signatory is named on the public
campaign page, so a count of them reveals nothing (see consult/campaign/movement.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from consult.campaign.movement import TOP_COMMITMENTS, next_milestone
from consult.geography import REGION_KEYS
from consult.i18n import current_language
from consult.outcomes import presenting as p
from consult.outcomes import reading


def campaign_view(
    summary: Mapping[str, Any], region_names: Mapping[str, str], data_time: str | None = None
) -> dict[str, Any] | None:
    """Return what the slide and the section show, in the request's language (None if absent).

    ``data_time``: the snapshot's data time as its deck writes it (formatting.data_time). The
    campaign was counted at that moment (operations.freeze), so the slide says that moment, in
    the deck's zone: its UTC day alone ("4 December") contradicted a deck dated "5 December
    2026, 07:45 JST"."""
    frozen = summary.get("campaign")
    if not frozen:
        return None
    language = current_language()
    total = frozen["total"]
    by_region = frozen["by_region"]
    regions = sorted(
        ({"key": key, "label": region_names.get(key, key), "count": by_region.get(key, 0)}
         for key in REGION_KEYS),
        key=lambda row: (-row["count"], row["label"]),
    )  # fmt: skip
    widest = max((row["count"] for row in regions), default=0) or 1
    labels = frozen.get("labels", {})
    commitments = [
        {
            "key": key,
            "label": (labels.get(key) or {}).get(language)
            or (labels.get(key) or {}).get("en", key),
            "count": count,
            "share": count / total if total else None,
        }
        for key, count in frozen["commitments"].items()
        if count
    ]
    # The most chosen, never splitting a tie with the last one kept.
    commitments = reading.top_with_ties(commitments, TOP_COMMITMENTS, "count")
    target = next_milestone(frozen)
    return {
        "total": total,
        "countries": frozen["countries"],
        "pioneers": frozen["pioneers"],
        "as_of": data_time or p.day(frozen["as_of"], "long"),
        "regions": regions,
        "widest": widest,
        "milestones": [
            {
                "target": m["target"],
                "reached_on": p.day(m["reached_on"], "long") if m["reached_on"] else None,
                "to_go": max(m["target"] - total, 0),
            }
            for m in frozen["milestones"]
        ],
        "next_milestone": target,
        "commitments": commitments,
    }


def campaign_notes(view: Mapping[str, Any] | None) -> list[str]:
    """Return the campaign slide's speaker notes, from the same frozen figures it shows."""
    if view is None:
        return []
    notes = [
        _(
            "%(joined)s by %(day)s, %(countries)s; only institutions whose letter UCLG CISDP "
            "verified are counted.",
            joined=ngettext(
                "%(n)s city or territory had joined the campaign",
                "%(n)s cities and territories had joined the campaign",
                view["total"],
                n=p.number(view["total"]),
            ),
            day=view["as_of"],
            countries=ngettext(
                "in %(n)s country",
                "in %(n)s countries",
                view["countries"],
                n=p.number(view["countries"]),
            ),
        )
    ]
    for milestone in view["milestones"]:
        if milestone["reached_on"]:
            notes.append(
                _(
                    "The milestone of %(target)s was reached on %(day)s.",
                    target=p.number(milestone["target"]),
                    day=milestone["reached_on"],
                )
            )
    if view["next_milestone"]:
        notes.append(
            ngettext(
                "%(missing)s more is needed to reach %(target)s.",
                "%(missing)s more are needed to reach %(target)s.",
                view["next_milestone"] - view["total"],
                missing=p.number(view["next_milestone"] - view["total"]),
                target=p.number(view["next_milestone"]),
            )
        )
    if view["commitments"]:
        leaders = reading.top_with_ties(view["commitments"], 1, "count")
        notes.append(
            ngettext(
                "The commitment chosen most: %(label)s, by %(count)s of the %(total)s city or "
                "territory that joined.",
                "The commitment chosen most: %(label)s, by %(count)s of the %(total)s cities "
                "and territories that joined.",
                view["total"],
                label=leaders[0]["label"],
                count=p.number(leaders[0]["count"]),
                total=p.number(view["total"]),
            )
            if len(leaders) == 1
            else ngettext(
                "The commitments chosen most, level: %(labels)s, each by %(count)s of the "
                "%(total)s city or territory that joined.",
                "The commitments chosen most, level: %(labels)s, each by %(count)s of the "
                "%(total)s cities and territories that joined.",
                view["total"],
                labels=p.word_list([item["label"] for item in leaders]),
                count=p.number(leaders[0]["count"]),
                total=p.number(view["total"]),
            )
        )
    return notes
