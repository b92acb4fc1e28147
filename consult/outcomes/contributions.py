"""Open contributions in the outcomes: counts per article and part, kind, region; most supported.

Pure functions over the frame `consult.contributions.data.load_published_contributions` returns
(one row per published contribution): only published contributions ever reach the outcomes.
No Flask here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import select as sql_select
from sqlalchemy.engine import Connection

from consult.contributions.data import CONTRIBUTION_COLUMNS, load_published_contributions
from consult.contributions.models import KINDS, Contribution
from consult.outcomes import reading
from consult.outcomes import text as text_tools
from consult.outcomes.filters import SummaryFilter

__all__ = ["CONTRIBUTION_COLUMNS", "load", "select", "summarise_contributions"]

ARTICLE_KEYS = tuple(f"art{n:02d}" for n in range(1, 13))
PARTS = ("rights", "obligations", "duties", "action_plan")
MOST_SUPPORTED = 5
#: How long the list may grow to keep contributions tied with the fifth (then it says how many
#: more have as many supports instead).
MOST_SUPPORTED_ROOM = 10
EXAMPLE_QUOTES = 3


def load(connection: Connection, as_of: datetime | None = None) -> pd.DataFrame:
    """Return the published contributions; with ``as_of``, only those public by that moment.

    A contribution counts from its publication (a moderator's approval), not from its writing:
    at a past data time, one still waiting for moderation was not part of the consultation's
    public record yet.
    """
    frame = load_published_contributions(connection)
    if as_of is None or frame.empty:
        return frame
    published_at = dict(
        connection.execute(
            sql_select(Contribution.id, Contribution.published_at).where(
                Contribution.status == "published"
            )
        ).all()
    )
    moments = pd.to_datetime(frame["contribution_id"].map(published_at), utc=True)
    moments = moments.fillna(frame["created_at"])
    return frame[moments <= pd.Timestamp(as_of)].reset_index(drop=True)


def _share(count: int, base: int) -> float | None:
    return count / base if base else None


def _breakdown(series: pd.Series, order: Sequence[str] = ()) -> list[dict[str, Any]]:
    counts = series.fillna("").astype(str).value_counts()
    total = int(counts.sum())
    keys = [k for k in order if k in counts.index] + sorted(
        (k for k in counts.index if k not in order), key=lambda k: (-counts[k], k)
    )
    return [
        {"key": key or None, "count": int(counts[key]), "share": _share(int(counts[key]), total)}
        for key in keys
    ]


def select(frame: pd.DataFrame, filters: SummaryFilter) -> pd.DataFrame:
    """Keep the contributions a summary filter allows (region, country, language, organisation
    type, dates)."""
    mask = pd.Series(True, index=frame.index)
    if filters.region:
        mask &= frame["region"] == filters.region
    if filters.respondent_type:
        mask &= frame["organisation_type"] == filters.respondent_type
    if filters.country:
        mask &= frame["country"] == filters.country
    if filters.language:
        mask &= frame["language"] == filters.language
    if filters.submitted_from or filters.submitted_to:
        days = pd.to_datetime(frame["created_at"], utc=True).dt.date
        if filters.submitted_from:
            mask &= days >= filters.submitted_from
        if filters.submitted_to:
            mask &= days <= filters.submitted_to
    return frame[mask.fillna(False).astype(bool)]


def summarise_contributions(
    frame: pd.DataFrame, themes: Sequence[text_tools.Theme], filters: SummaryFilter | None = None
) -> dict[str, Any]:
    """Summarise published contributions: per article and part, kind, region, language, themes."""
    missing = set(CONTRIBUTION_COLUMNS) - set(frame.columns)
    if missing:
        raise ValueError(f"contributions frame lacks {sorted(missing)}")
    if filters is not None:
        frame = select(frame, filters)
    frame = frame.reset_index(drop=True)
    total = int(len(frame))
    supports = pd.to_numeric(frame["supports"], errors="coerce").fillna(0).astype(int)
    frame = frame.assign(supports=supports)

    by_article_part: dict[str, dict[str, int]] = {}
    if total:
        table = frame.fillna({"article": "", "part": ""}).groupby(["article", "part"]).size()
        for (article, part), n in table.items():
            by_article_part.setdefault(str(article) or "general", {})[str(part) or "whole"] = int(n)

    # Only contributions someone supported are "most supported"; the earliest first among
    # equals, and never a tie split at the end of the list (reading.top_cut).
    supported = frame[frame["supports"] > 0].sort_values("created_at", kind="stable")
    cut = reading.top_cut(
        supported.itertuples(index=False),
        MOST_SUPPORTED,
        lambda row: int(row.supports),
        room=MOST_SUPPORTED_ROOM,
    )
    most_supported = [
        {
            "contribution_id": int(row.contribution_id),
            "article": row.article if isinstance(row.article, str) else None,
            "part": row.part if isinstance(row.part, str) else None,
            "kind": row.kind,
            "region": row.region if isinstance(row.region, str) else None,
            "language": row.language,
            "text": str(row.text),
            "supports": int(row.supports),
        }
        for row in cut.items
    ]

    theme_list = []
    if total:
        matches = text_tools.theme_matches(frame["text"], themes)
        for theme in themes:
            hits = matches.index[matches[theme.key]]
            if len(hits) == 0:
                continue
            chosen = frame.loc[hits].sort_values("supports", ascending=False).head(EXAMPLE_QUOTES)
            theme_list.append(
                {
                    "key": theme.key,
                    "label": dict(theme.label),
                    "count": int(len(hits)),
                    "share": _share(int(len(hits)), total),
                    "quotes": [
                        {"contribution_id": int(c), "text": str(t)}
                        for c, t in zip(chosen["contribution_id"], chosen["text"], strict=True)
                    ],
                }
            )
    return {
        "total": total,
        # The exact set covered, so a frozen snapshot says which contributions it counted.
        "contribution_ids": sorted(int(i) for i in frame["contribution_id"]),
        "supports": int(supports.sum()),
        "by_article": _breakdown(frame["article"], ARTICLE_KEYS),
        "by_article_part": by_article_part,
        "by_kind": _breakdown(frame["kind"], KINDS),
        "by_region": _breakdown(frame["region"]),
        "by_language": _breakdown(frame["language"]),
        "by_organisation_type": _breakdown(frame["organisation_type"]),
        "most_supported": most_supported,
        #: Contributions with as many supports as the last one listed, left out for room.
        "most_supported_more_tied": cut.more_tied,
        "themes": sorted(theme_list, key=lambda t: (-t["count"], t["key"])),
    }
