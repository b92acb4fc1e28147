"""The campaign in public: the movement's page (counter, map, signatories) and each
institution's page. Only verified pledges are counted or shown; nothing here needs an account.

The join form, personal links and staff verification live in the campaign's other views; this
module links to the join form when it is there.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from sqlalchemy import select as sql_select
from sqlalchemy.orm import selectinload

from consult.campaign import movement, worldmap
from consult.campaign.figures import MILESTONES, verified_pledges
from consult.campaign.models import VERIFIED, CommitmentOption, Pledge, PledgeCommitment
from consult.campaign.vocabulary import band_labels, level_labels, progress_labels, region_names
from consult.db import db
from consult.geography import collation_key, countries_by_name, country_name, country_names
from consult.i18n import current_language

bp = Blueprint("campaign_public", __name__)

#: The join form's endpoint (the campaign's joining views); the call to action links to it.
JOIN_ENDPOINT = "campaign.join"


@bp.app_template_filter("campaign_number")
def campaign_number(value: int) -> str:
    """Write a count in the page's language (1,000 / 1 000 / 1.000)."""
    return format_number(value)


@bp.app_template_filter("campaign_date")
def campaign_date(value: str | date) -> date:
    """Read a date frozen as ISO text (figures are JSON-ready) back into a date."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def commitment_labels(language: str) -> dict[str, str]:
    """Return commitment option key -> label in ``language``, in the staff's order."""
    options = db.session.scalars(
        sql_select(CommitmentOption).order_by(CommitmentOption.position, CommitmentOption.id)
    )
    return {option.key: option.label(language) for option in options}


def offered_commitments(language: str) -> list[str]:
    """Return the labels of the commitments the join form offers now, in the staff's order."""
    options = db.session.scalars(
        sql_select(CommitmentOption)
        .where(CommitmentOption.is_active.is_(True))
        .order_by(CommitmentOption.position, CommitmentOption.id)
    )
    return [option.label(language) for option in options]


def _filter_arg(name: str, allowed) -> str | None:
    """Return a filter's value from the query string: "" means all, an unknown value is a 400."""
    value = request.args.get(name, "")
    if not value:
        return None
    if value not in allowed:
        abort(400)
    return value


def join_url() -> str | None:
    """Return the join form's address, or None while that part of the campaign is absent."""
    if JOIN_ENDPOINT in current_app.view_functions:
        return url_for(JOIN_ENDPOINT)
    return None


@bp.get("/campaign")
def index():
    """The campaign: what it is, the counter towards 10, 100 and 1,000, the map and the list."""
    language = current_language()
    regions = region_names(language)
    levels = level_labels(language)
    filters = movement.Filters(
        region=_filter_arg("region", regions),
        level=_filter_arg("level", levels),
        country=_filter_arg("country", country_names(language)),
    )
    labels = commitment_labels(language)
    records = [movement.signatory(pledge) for pledge in verified_pledges(db.session)]
    overall = movement.figures(records, list(labels))
    shown = movement.select(records, filters)
    shown_figures = movement.figures(shown, list(labels))
    map_filters = movement.Filters(region=filters.region, level=filters.level)
    on_map = movement.figures(movement.select(records, map_filters))["by_country"]

    def link_for(code: str) -> str:
        args = {"region": filters.region, "level": filters.level, "country": code}
        return url_for(".index", **{k: v for k, v in args.items() if v}) + "#signatories"

    world_map = worldmap.render(
        on_map,
        language,
        title=_("Map of the verified signatories by country"),
        description=_(
            "Countries with verified signatories are hatched and marked with their number; "
            "each one links to its signatories. The same figures are in the table below the map."
        ),
        describe=lambda name, count: (
            ngettext(
                "%(country)s: %(num)d signatory",
                "%(country)s: %(num)d signatories",
                count,
                country=name,
            )
            if count
            else _("%(country)s: no signatory yet", country=name)
        ),
        link_for=link_for,
        current=filters.country,
    )
    return render_template(
        "campaign/public_index.html",
        overall=overall,
        figures=shown_figures,
        signatories=shown,
        filters=filters,
        # Most signatories first, then by name in the page's language (not by code).
        on_map=dict(
            sorted(
                on_map.items(),
                key=lambda i: (-i[1], collation_key(country_name(i[0], language), language)),
            )
        ),
        world_map=world_map,
        next_milestone=movement.next_milestone(overall),
        milestones=MILESTONES,
        regions=regions,
        levels=levels,
        country_choices=[
            (code, country_name(code, language))
            for code in countries_by_name(overall["by_country"], language)
        ],
        country_label=lambda code: country_name(code, language),
        offered=offered_commitments(language),
        commitment_labels=labels,
        join_url=join_url(),
    )


@bp.get("/campaign/signatories/<int:pledge_id>")
def signatory(pledge_id: int):
    """One verified institution: its commitments, the day it joined, its latest progress."""
    pledge = db.session.scalar(
        sql_select(Pledge)
        .where(Pledge.id == pledge_id, Pledge.status == VERIFIED)
        .options(
            selectinload(Pledge.commitments).joinedload(PledgeCommitment.option),
            selectinload(Pledge.reports),
        )
    )
    if pledge is None:
        abort(404)
    language = current_language()
    record = movement.signatory(pledge)
    return render_template(
        "campaign/public_signatory.html",
        record=record,
        pledge_language=pledge.language,
        country=country_name(record.country, language),
        region=region_names(language).get(record.region, record.region),
        level=level_labels(language).get(record.level, record.level),
        band=band_labels(language).get(record.population_band or "", ""),
        commitment_labels=commitment_labels(language),
        progress_labels=progress_labels(),
        join_url=join_url(),
    )
