"""Participation: responses by region, country, respondent type, language, population band and
day, and the drafts not submitted. No Flask here."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from consult.outcomes.distribution import ordered_distribution, share


def _breakdown(series: pd.Series) -> list[dict[str, Any]]:
    # Counted over plain Python objects: pandas' string columns make fillna and value_counts
    # cost tens of milliseconds each at 100,000 responses, and the live summary pays them often.
    values = series.to_numpy(dtype=object, na_value="")
    counts = Counter(v if isinstance(v, str) else str(v) for v in values)
    total = int(sum(counts.values()))
    return [
        {"key": key or None, "count": int(n), "share": share(int(n), total)}
        for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def _country_regions(submitted: pd.DataFrame) -> dict[str, str]:
    pairs = Counter(
        (c, r)
        for c, r in zip(
            submitted["country"].to_numpy(dtype=object, na_value=""),
            submitted["region"].to_numpy(dtype=object, na_value=""),
            strict=True,
        )
        if c and r
    )
    regions: dict[str, str] = {}
    for (country, region), _n in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0])):
        regions.setdefault(str(country), str(region))
    return regions


def participation(
    submitted: pd.DataFrame,
    drafts: pd.DataFrame,
    band_counts: pd.DataFrame | None,
    band_options: Sequence[Mapping] | None,
) -> dict[str, Any]:
    """Responses by region, country, respondent type, language, population band, and day.

    ``band_counts``: the population band's answers counted (part_key, value, n).
    """
    days = submitted["submitted_at"].dt.tz_convert("UTC").dt.date
    per_day = days.value_counts().sort_index()
    timeline = []
    if len(per_day):
        full = pd.date_range(per_day.index.min(), per_day.index.max(), freq="D").date
        per_day = per_day.reindex(full, fill_value=0)
        cumulative = per_day.cumsum()
        timeline = [
            {"date": d.isoformat(), "count": int(n), "cumulative": int(c)}
            for d, n, c in zip(per_day.index, per_day.values, cumulative.values, strict=True)
        ]
    result: dict[str, Any] = {
        "submitted": int(len(submitted)),
        "drafts": int(len(drafts)),
        "started": int(len(submitted) + len(drafts)),
        "completion": share(len(submitted), len(submitted) + len(drafts)),
        "by_region": _breakdown(submitted["region"]),
        "by_country": _breakdown(submitted["country"]),
        #: Distinct countries and regions given (not rows of a breakdown, which the public
        #: page pools when small).
        "countries": int(submitted["country"].dropna().nunique()),
        "regions": int(submitted["region"].dropna().nunique()),
        #: The region each country's respondents gave (most of them): what a reader of the
        #: public page knows of the map, used to protect a region less its named countries.
        "country_regions": _country_regions(submitted),
        "by_respondent_type": _breakdown(submitted["respondent_type"]),
        "by_language": _breakdown(submitted["language"]),
        "drafts_by_region": _breakdown(drafts["region"]),
        "per_day": timeline,
        "first_submitted": timeline[0]["date"] if timeline else None,
        "last_submitted": timeline[-1]["date"] if timeline else None,
    }
    if band_counts is not None and band_options is not None:
        values = band_counts.loc[band_counts["part_key"] == ""]
        counts: dict[str, int] = {}
        for value, n in zip(values["value"], values["n"], strict=True):
            counts[str(value)] = counts.get(str(value), 0) + int(n)
        unanswered = int(len(submitted) - int(values["n"].sum()))
        entries = ordered_distribution(band_options, counts, int(len(submitted)))
        if unanswered:
            entries.append(
                {
                    "key": None,
                    "label": None,
                    "count": unanswered,
                    "share": share(unanswered, len(submitted)),
                }
            )
        result["by_population_band"] = entries
    else:
        result["by_population_band"] = None
    return result
