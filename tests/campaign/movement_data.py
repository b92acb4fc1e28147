"""Pledges in every state across regions, for the tests of the public movement."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

from sqlalchemy import select

from consult.campaign.defaults import DEFAULT_OPTIONS
from consult.campaign.models import (
    DRAFT,
    NEEDS_MORE,
    REJECTED,
    SUBMITTED,
    VERIFIED,
    CommitmentOption,
    Pledge,
    PledgeCommitment,
    ProgressReport,
)
from consult.campaign.names import normalise_name

#: The commitments the pledges below choose: four of the options `consult init` seeds.
OPTIONS = {
    key: DEFAULT_OPTIONS[key]
    for key in ("local_charter", "human_rights_office", "biennial_report", "peer_exchange")
}

#: (name, country, region, level, status, joined day in 2022, pioneer, commitments, own words)
PLEDGES = [
    (
        "Barcelona",
        "ES",
        "europe",
        "metropolis",
        VERIFIED,
        date(2022, 2, 23),
        True,
        ("local_charter", "biennial_report"),
        "",
    ),
    (
        "Grigny",
        "FR",
        "europe",
        "municipality",
        VERIFIED,
        date(2022, 2, 23),
        True,
        ("local_charter", "peer_exchange"),
        "Ouvrir une maison des droits",
    ),
    (
        "Gwangju",
        "KR",
        "asia_pacific",
        "metropolis",
        VERIFIED,
        date(2022, 2, 24),
        True,
        ("human_rights_office", "biennial_report", "local_charter"),
        "",
    ),
    (
        "Mexico City",
        "MX",
        "latin_america",
        "metropolis",
        VERIFIED,
        date(2022, 3, 1),
        True,
        ("local_charter",),
        "",
    ),
    (
        "Utrecht",
        "NL",
        "europe",
        "municipality",
        VERIFIED,
        date(2022, 3, 2),
        True,
        ("peer_exchange",),
        "",
    ),
    (
        "Vienna",
        "AT",
        "europe",
        "metropolis",
        VERIFIED,
        date(2022, 3, 3),
        True,
        ("biennial_report",),
        "",
    ),
    (
        "Saint-Denis de La Réunion",
        "RE",
        "africa",
        "municipality",
        VERIFIED,
        date(2022, 4, 5),
        False,
        ("local_charter",),
        "",
    ),
    (
        "Ville de Dakar",
        "SN",
        "africa",
        "metropolis",
        SUBMITTED,
        None,
        False,
        ("biennial_report",),
        "",
    ),
    ("Montréal", "CA", "north_america", "metropolis", NEEDS_MORE, None, False, (), ""),
    ("Nowhere Council", "US", "north_america", "municipality", REJECTED, None, False, (), ""),
    ("Draft Town", "BR", "latin_america", "municipality", DRAFT, None, False, (), ""),
]


def add_movement(session) -> dict[str, Pledge]:
    """Add the commitment options and the pledges above; return the pledges by name."""
    options = {}
    for position, (key, (en, fr, es)) in enumerate(OPTIONS.items()):
        found = session.scalar(select(CommitmentOption).where(CommitmentOption.key == key))
        if found is None:  # a database `consult init` did not seed
            found = CommitmentOption(
                key=key, label_en=en, label_fr=fr, label_es=es, position=position
            )
            session.add(found)
        options[key] = found
    pledges = {}
    for name, country, region, level, status, joined_on, pioneer, chosen, own in PLEDGES:
        pledge = Pledge(
            token_hash=hashlib.sha256(name.encode()).hexdigest(),
            status=status,
            institution_name=name,
            normalised_name=normalise_name(name),
            level=level,
            country=country,
            region=region,
            population_band="from_1m_to_5m",
            own_commitment=own,
            language="fr" if country in ("FR", "RE", "SN") else "en",
            signatory_name=f"Mayor of {name}",
            signatory_office="Mayor",
            contact_name=f"Contact {name}",
            contact_email=f"contact@{normalise_name(name).replace(' ', '-')}.example.org",
            contact_phone="+00 123",
            is_pioneer=pioneer,
            joined_on=joined_on,
            decided_at=datetime(2022, 3, 1, tzinfo=UTC) if joined_on else None,
        )
        for key in chosen:
            pledge.commitments.append(PledgeCommitment(option=options[key]))
        session.add(pledge)
        pledges[name] = pledge
    session.flush()
    session.add(
        ProgressReport(
            pledge_id=pledges["Grigny"].id,
            commitment_key="local_charter",
            year=2023,
            status="in_progress",
            text="Charte votée en conseil municipal",
            language="fr",
        )
    )
    session.add(
        ProgressReport(
            pledge_id=pledges["Grigny"].id,
            commitment_key="local_charter",
            year=2022,
            status="not_started",
            text="Ancien rapport",
            language="fr",
        )
    )
    session.flush()
    return pledges
