"""Participation: responses by region, country, respondent type, language, population band and
day, and the drafts not submitted. No Flask here."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from consult.outcomes.distribution import ordered_distribution, share

#: The responses' columns broken down in participation (drafts: only by region).
BROKEN_DOWN = ("region", "country", "respondent_type", "language")


def _values(series: pd.Series) -> np.ndarray:
    """A column as plain Python objects, a missing value as None."""
    values = series.to_numpy(dtype=object)
    return np.where(pd.isna(values), None, values) if len(values) else values


@dataclass
class ParticipationCounts:
    """What participation is computed from: counts that a response adds to or takes away.

    The full summary counts them over the frames at once (``of``); the live summary
    (consult.outcomes.live) keeps them and applies only the responses that changed (``add``
    with sign -1 for their old rows, then +1 for the new), so both give the same figures.
    """

    submitted: int = 0
    drafts: int = 0
    #: column -> value (None when missing) -> submitted responses.
    columns: dict[str, Counter] = field(
        default_factory=lambda: {column: Counter() for column in BROKEN_DOWN}
    )
    drafts_by_region: Counter = field(default_factory=Counter)
    #: UTC day (numpy datetime64[D]) -> submitted responses.
    days: Counter = field(default_factory=Counter)
    #: (country, region), both given -> submitted responses.
    pairs: Counter = field(default_factory=Counter)

    @classmethod
    def of(cls, submitted: pd.DataFrame, drafts: pd.DataFrame) -> ParticipationCounts:
        """Count the submitted responses and drafts of one questionnaire."""
        counts = cls()
        counts.add(submitted, drafts)
        return counts

    def add(self, submitted: pd.DataFrame, drafts: pd.DataFrame, sign: int = 1) -> None:
        """Add (sign 1) or take away (sign -1) these responses' counts."""
        self.submitted += sign * len(submitted)
        self.drafts += sign * len(drafts)
        for column in BROKEN_DOWN:
            _apply(self.columns[column], Counter(_values(submitted[column]).tolist()), sign)
        _apply(self.drafts_by_region, Counter(_values(drafts["region"]).tolist()), sign)
        moments = submitted["submitted_at"].dt.tz_convert("UTC").dt.tz_localize(None)
        days = moments.to_numpy().astype("datetime64[D]")
        given, n = np.unique(days[~np.isnat(days)], return_counts=True)
        _apply(self.days, dict(zip(given.tolist(), n.tolist(), strict=True)), sign)
        pairs = Counter(
            (c, r)
            for c, r in zip(
                _values(submitted["country"]).tolist(),
                _values(submitted["region"]).tolist(),
                strict=True,
            )
            if c and r
        )
        _apply(self.pairs, pairs, sign)


def _apply(kept: Counter, change: Mapping, sign: int) -> None:
    for key, n in change.items():
        left = kept[key] + sign * n
        if left:
            kept[key] = left
        else:
            del kept[key]


def _breakdown(counts: Counter) -> list[dict[str, Any]]:
    merged: Counter = Counter()
    for value, n in counts.items():
        merged["" if value is None else value if isinstance(value, str) else str(value)] += n
    total = int(sum(merged.values()))
    return [
        {"key": key or None, "count": int(n), "share": share(int(n), total)}
        for key, n in sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def _country_regions(pairs: Counter) -> dict[str, str]:
    regions: dict[str, str] = {}
    for (country, region), _n in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0])):
        regions.setdefault(str(country), str(region))
    return regions


def _timeline(days: Counter) -> list[dict[str, Any]]:
    if not days:
        return []
    first, last = np.datetime64(min(days), "D"), np.datetime64(max(days), "D")
    full = np.arange(first, last + 1, dtype="datetime64[D]")
    per_day = np.asarray([days.get(day, 0) for day in full.tolist()], dtype=np.int64)
    return [
        {"date": d.isoformat(), "count": int(n), "cumulative": int(c)}
        for d, n, c in zip(full.tolist(), per_day, np.cumsum(per_day), strict=True)
    ]


def participation(
    submitted: pd.DataFrame,
    drafts: pd.DataFrame,
    band_counts: pd.DataFrame | None,
    band_options: Sequence[Mapping] | None,
    counts: ParticipationCounts | None = None,
) -> dict[str, Any]:
    """Responses by region, country, respondent type, language, population band, and day.

    ``band_counts``: the population band's answers counted (part_key, value, n);
    ``counts``: the frames' ParticipationCounts, when the caller keeps them (the live summary).
    """
    if counts is None:
        counts = ParticipationCounts.of(submitted, drafts)
    timeline = _timeline(counts.days)
    n_submitted, n_drafts = counts.submitted, counts.drafts
    result: dict[str, Any] = {
        "submitted": int(n_submitted),
        "drafts": int(n_drafts),
        "started": int(n_submitted + n_drafts),
        "completion": share(n_submitted, n_submitted + n_drafts),
        "by_region": _breakdown(counts.columns["region"]),
        "by_country": _breakdown(counts.columns["country"]),
        #: Distinct countries and regions given (not rows of a breakdown, which the public
        #: page pools when small).
        "countries": sum(1 for value in counts.columns["country"] if value is not None),
        "regions": sum(1 for value in counts.columns["region"] if value is not None),
        #: The region each country's respondents gave (most of them): what a reader of the
        #: public page knows of the map, used to protect a region less its named countries.
        "country_regions": _country_regions(counts.pairs),
        "by_respondent_type": _breakdown(counts.columns["respondent_type"]),
        "by_language": _breakdown(counts.columns["language"]),
        "drafts_by_region": _breakdown(counts.drafts_by_region),
        "per_day": timeline,
        "first_submitted": timeline[0]["date"] if timeline else None,
        "last_submitted": timeline[-1]["date"] if timeline else None,
    }
    if band_counts is not None and band_options is not None:
        values = band_counts.loc[band_counts["part_key"] == ""]
        band: dict[str, int] = {}
        for value, n in zip(values["value"], values["n"], strict=True):
            band[str(value)] = band.get(str(value), 0) + int(n)
        unanswered = int(n_submitted - int(values["n"].sum()))
        entries = ordered_distribution(band_options, band, int(n_submitted))
        if unanswered:
            entries.append(
                {
                    "key": None,
                    "label": None,
                    "count": unanswered,
                    "share": share(unanswered, n_submitted),
                }
            )
        result["by_population_band"] = entries
    else:
        result["by_population_band"] = None
    return result
