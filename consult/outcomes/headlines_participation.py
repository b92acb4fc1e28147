"""Sentences on who took part: responses per questionnaire with their countries, and the
regions reached."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext, pgettext

from consult.outcomes.formatting import breakdown_label, number, short_questionnaire
from consult.outcomes.reading import responses_total


def participation_sentences(summary: Mapping[str, Any]) -> list[str]:
    """Who took part, in sentences: responses per questionnaire with their countries, and the
    regions reached, counting distinct countries and regions (never breakdown rows)."""
    sentences = []
    for questionnaire in summary["questionnaires"]:
        part = questionnaire["participation"]
        if questionnaire["responses"] is None:
            # A public summary: fewer than the threshold responded (neither their number nor
            # their countries are printed).
            sentences.append(
                _(
                    "Fewer than %(n)s responses to the questionnaire for %(who)s.",
                    n=number(summary.get("suppressed_below") or 5),
                    who=short_questionnaire(questionnaire["key"]).lower(),
                )
            )
            continue
        countries = part.get("countries")
        if countries is None and "countries" in part:
            # Withheld on a public summary: the count would tell how many each pooled
            # country has (country_cells.protect_country_count).
            sentences.append(
                _(
                    "%(responses)s, from several countries.",
                    responses=ngettext(
                        "%(n)s response to the questionnaire for %(who)s",
                        "%(n)s responses to the questionnaire for %(who)s",
                        questionnaire["responses"],
                        n=number(questionnaire["responses"]),
                        who=short_questionnaire(questionnaire["key"]).lower(),
                    ),
                )
            )
            continue
        if countries is None:  # a summary frozen before countries were counted
            countries = len([e for e in part["by_country"] if e["key"] not in (None, "_other")])
        # "1 responses" or "from 1 countries" would read as a mistake on stage: each plural
        # follows its own count.
        sentences.append(
            _(
                "%(responses)s, %(countries)s.",
                responses=ngettext(
                    "%(n)s response to the questionnaire for %(who)s",
                    "%(n)s responses to the questionnaire for %(who)s",
                    questionnaire["responses"],
                    n=number(questionnaire["responses"]),
                    who=short_questionnaire(questionnaire["key"]).lower(),
                ),
                countries=ngettext(
                    "from %(countries)s country",
                    "from %(countries)s countries",
                    countries,
                    countries=number(countries),
                ),
            )
        )
    return sentences


def participation_figure(summary: Mapping[str, Any]) -> tuple[str, str]:
    """The "Who took part" slide's big figure and the caption under it.

    The figure is the number of responses; on a public summary that withholds it (it would
    give a small questionnaire's count back) a withheld figure is never the headline: the
    regions reached are ("5 of 7"), and the caption says the total is not shown, never
    "not shown responses". Every sentence is written for its own case."""
    total = responses_total(summary)
    if total is not None:
        return number(total), regions_sentence(summary)
    region = (summary.get("filters") or {}).get("region")
    if region:
        return "", _(
            "Responses from %(region)s, the one region these outcomes cover: too few to show "
            "their number.",
            region=breakdown_label("region", region, summary),
        )
    regions, total_regions = _regions_reached(summary)
    if not total_regions:
        return "", _("Too few responses to show their number.")
    return (
        pgettext(
            "regions reached", "%(n)s of %(total)s", n=number(regions), total=number(total_regions)
        ),
        _("UCLG regions with responses; too few responses to show their number."),
    )


def _regions_reached(summary: Mapping[str, Any]) -> tuple[int, int]:
    """How many UCLG regions the responses come from, and how many there are."""
    total = len(summary.get("region_labels") or {})
    regions = summary.get("regions")
    if regions is None:
        regions = len(
            {
                e["key"]
                for q in summary["questionnaires"]
                for e in q["participation"]["by_region"]
                if e["key"] and (e.get("count") or e.get("suppressed"))
            }
        )
    return regions, total


def regions_sentence(summary: Mapping[str, Any]) -> str:
    """How many of the UCLG regions the responses come from (not "every region" unless so); of
    a view filtered on one region, that region as the filter, never "from 1 of the 7 regions"
    as if it were a finding (headlines.filtered_on)."""
    regions, total = _regions_reached(summary)
    # The sentence follows the number of responses printed large above it: "1 response".
    responses = sum(q["responses"] or 0 for q in summary["questionnaires"])
    region = (summary.get("filters") or {}).get("region")
    if region:
        return ngettext(
            "response from %(region)s, the one region these outcomes cover",
            "responses from %(region)s, the one region these outcomes cover",
            responses,
            region=breakdown_label("region", region, summary),
        )
    if total and regions == total:
        return ngettext(
            "response from all %(total)s UCLG regions",
            "responses from all %(total)s UCLG regions",
            responses,
            total=number(total),
        )
    return ngettext(
        "response from %(n)s of the %(total)s UCLG regions",
        "responses from %(n)s of the %(total)s UCLG regions",
        responses,
        n=number(regions),
        total=number(total),
    )
