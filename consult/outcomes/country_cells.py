"""Countries on a public page: small ones pooled into one "other countries" line, and no
region's count less the countries named in it a small figure. No Flask here.

A reader sees each region's respondents (``by_region``, exclusive cells protected by
consult.outcomes.cells) beside the countries shown, and knows which region each country is in.
A shown region's count less its named countries is the number of that region's respondents
in the pooled line (North America 16, United States 7, Canada 5: 4 from elsewhere in North
America): it must be 0 or at least the threshold. A hidden region is at least its named
countries: that lower bound must not pin it (or another hidden region) with the region table's
total. When either fails, the region's smallest named country joins the pooled line, and again
until it holds (pooling a whole region's countries always does: its count is then the rest).
Pooling costs one country's figure; hiding the region would cost its count and a partner's.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

from consult.outcomes import disclosure
from consult.outcomes.cells import hidden_bounds, is_small, sum_fact, suppress_cells

OTHER_COUNTRIES = "_other"


def protect_countries(
    participation: MutableMapping[str, Any],
    threshold: int,
    *,
    region_total: int,
    regions: Mapping[str, str] | None = None,
) -> bool:
    """Replace ``by_country`` by its public list, in place; True when countries of the
    threshold or more were pooled too (the pooled line is then not "fewer than N each").

    ``by_region`` is already protected; ``region_total`` is its total before cells were hidden.
    ``regions`` (country -> region) completes the ``country_regions`` a summary records (a
    summary frozen before it did has none).
    """
    countries = participation.get("by_country") or []
    mapping = {**(regions or {}), **(participation.get("country_regions") or {})}
    region_table = participation.get("by_region") or []
    pooled_keys: set[str] = set()
    while True:
        kept = public_countries(countries, threshold, pooled_keys)
        region = exposed_region(region_table, kept, mapping, threshold, region_total)
        if region is None:
            break
        named = [c for c in kept if c["count"] is not None and _region(c, mapping) == region]
        if not named:  # nothing left to pool: cannot happen with a consistent map
            break
        pooled_keys.add(min(named, key=lambda c: (c["count"], str(c["key"])))["key"])
    participation["by_country"] = kept
    return bool(pooled_keys)


def public_countries(
    countries: Sequence[Mapping[str, Any]], threshold: int, pooled_keys: set[str]
) -> list[dict[str, Any]]:
    """The countries shown: the small ones and ``pooled_keys`` in one "other countries" line,
    protected like any other exclusive cell (the countries add up to the responses shown)."""
    kept = [
        dict(c)
        for c in countries
        if not is_small(c["count"], threshold) and c["key"] not in pooled_keys
    ]
    pooled = sum(c["count"] for c in countries) - sum(c["count"] for c in kept)
    if pooled:
        total = sum(c["count"] for c in countries) or 1
        kept.append({"key": OTHER_COUNTRIES, "count": pooled, "share": pooled / total})
        suppress_cells(kept, threshold, exclusive=True)
    return kept


def _region(country: Mapping[str, Any], mapping: Mapping[str, str]) -> str | None:
    key = country.get("key")
    if key in (None, OTHER_COUNTRIES):
        return None
    return mapping.get(key)


def exposed_region(
    region_table: Sequence[Mapping[str, Any]],
    countries: Sequence[Mapping[str, Any]],
    mapping: Mapping[str, str],
    threshold: int,
    region_total: int,
) -> str | None:
    """A region whose count, with the countries shown, gives a small figure away (or None):
    a shown region less its named countries is 1 to threshold - 1, or a hidden region's lower
    bound (its named countries) pins a hidden region of the table."""
    named: dict[str, int] = {}
    for country in countries:
        region = _region(country, mapping)
        if region is not None and country["count"] is not None:
            named[region] = named.get(region, 0) + country["count"]
    for entry in region_table:
        if entry["count"] is not None and is_small(
            entry["count"] - named.get(entry["key"], 0), threshold
        ):
            return entry["key"]
    bounds = hidden_bounds(region_table, threshold, region_total)
    raised = {
        i: (max(low, named.get(region_table[i]["key"], 0)), high)
        for i, (low, high) in bounds.items()
    }
    if raised == bounds:
        return None  # no hidden region has a named country: the table's own protection holds
    if disclosure.determined(raised, [sum_fact(region_table, region_total)]):
        # Pool a named country of a hidden region whose bound was raised.
        for i in sorted(raised, key=lambda i: -raised[i][0] + bounds[i][0]):
            if raised[i] != bounds[i]:
                return region_table[i]["key"]
    return None


__all__ = ["OTHER_COUNTRIES", "exposed_region", "protect_countries", "public_countries"]


def _size_pinned(total: int, parts: int, largest: int) -> bool:
    """Whether the sizes of ``parts`` pooled countries (each 1 to ``largest`` respondents,
    ``total`` in all), taken largest first, leave any one of them a single possible size.

    The i-th largest is at most min(largest, (total - (parts - i)) // i) (the i largest equal,
    the rest one each) and at least ceil((total - (i - 1) * largest) / (parts - i + 1)) (the
    larger ones full, the rest equal): pinned where the two meet. The same answer as the
    disclosure search on these facts (tests/outcomes/test_country_count.py), without its cost:
    the search is exponential in the number of countries and hung a deck of 400 responses."""
    if total < parts or total > parts * largest:
        return True  # an impossible split: say nothing of it
    for i in range(1, parts + 1):
        high = min(largest, (total - (parts - i)) // i)
        low = max(1, -(-(total - (i - 1) * largest) // (parts - i + 1)))
        if low >= high:
            return True
    return False


def protect_country_count(participation: MutableMapping[str, Any], threshold: int) -> None:
    """Withhold the number of countries (``countries``) when, with the pooled line, it tells
    how many respondents each pooled country has: 5 responses from 5 countries are one each.

    The countries pooled in "other countries" are as many as the count less the named ones,
    each of 1 to threshold - 1 respondents (any number when larger ones were pooled too), and
    together the pooled line's count; the count is printed only when that pins none of them
    (_size_pinned, the disclosure search's answer in closed form). Call after protect_countries."""
    count = participation.get("countries")
    if count is None:
        return
    kept = participation.get("by_country") or []
    named = [c for c in kept if c["key"] not in (OTHER_COUNTRIES, None)]
    pooled = count - len(named)
    if pooled <= 0:
        return  # every country is a line of the table: the count says nothing more
    other = next((c for c in kept if c["key"] == OTHER_COUNTRIES), None)
    total = None if other is None else other.get("count")
    if total is None:
        participation["countries"] = None  # the pooled line's own count is not shown
        return
    largest = threshold - 1 if not participation.get("larger_pooled") else total
    if _size_pinned(total, pooled, max(1, min(largest, total))):
        participation["countries"] = None
