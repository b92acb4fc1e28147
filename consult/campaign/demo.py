"""Demo campaign data for `consult demo`: pledges in every state, across the UCLG regions.

Ten pioneers joined on the day the campaign was launched (23 February 2022); others followed
over the years; some wait for verification, were asked for more, were rejected, or are still
drafts. Every pledge is marked ``is_demo``, so `consult demo --remove` deletes exactly them
(their letters' files included).
"""

from __future__ import annotations

import io
import random
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult.campaign import letters
from consult.campaign.defaults import ensure_default_options
from consult.campaign.models import (
    DRAFT,
    NEEDS_MORE,
    OWN_COMMITMENT_KEY,
    REJECTED,
    SOURCE_ONLINE,
    SOURCE_PAPER,
    SUBMITTED,
    VERIFIED,
    CommitmentOption,
    Pledge,
    PledgeCommitment,
    ProgressReport,
)
from consult.campaign.names import normalise_name
from consult.questionnaires.operations import hash_token, new_resume_token

#: The day the campaign was launched, at the working session on the way to Daejeon.
LAUNCH_DAY = date(2022, 2, 23)

#: (institution, country, level, population band, language, status, is_pioneer, source).
#: Real places, invented pledges: no statement here is attributed to a real government.
INSTITUTIONS: tuple[tuple[str, str, str, str, str, str, bool, str], ...] = (
    # The pioneers, verified on launch day.
    ("Barcelona City Council", "ES", "metropolis", "from_1m_to_5m", "es", VERIFIED, True, "paper"),
    ("Ville de Grigny", "FR", "municipality", "under_50k", "fr", VERIFIED, True, "paper"),
    (
        "Gwangju Metropolitan City",
        "KR",
        "metropolis",
        "from_1m_to_5m",
        "en",
        VERIFIED,
        True,
        "paper",
    ),
    ("Mexico City Government", "MX", "metropolis", "over_5m", "es", VERIFIED, True, "paper"),
    ("Gemeente Utrecht", "NL", "municipality", "from_250k_to_1m", "en", VERIFIED, True, "paper"),
    ("City of Vienna", "AT", "metropolis", "from_1m_to_5m", "en", VERIFIED, True, "paper"),
    ("Ville de Montréal", "CA", "metropolis", "from_1m_to_5m", "fr", VERIFIED, True, "paper"),
    ("Ville de Dakar", "SN", "municipality", "from_1m_to_5m", "fr", VERIFIED, True, "paper"),
    (
        "Municipalidad de Rosario",
        "AR",
        "municipality",
        "from_1m_to_5m",
        "es",
        VERIFIED,
        True,
        "paper",
    ),
    ("Alcaldía Mayor de Bogotá", "CO", "metropolis", "over_5m", "es", VERIFIED, True, "paper"),
    # Joined later.
    ("City of Rabat", "MA", "municipality", "from_250k_to_1m", "fr", VERIFIED, False, "online"),
    ("Chefchaouen", "MA", "intermediary_city", "under_50k", "fr", VERIFIED, False, "online"),
    ("Kisumu County", "KE", "region_province", "from_1m_to_5m", "en", VERIFIED, False, "online"),
    (
        "eThekwini Municipality",
        "ZA",
        "metropolis",
        "from_1m_to_5m",
        "en",
        VERIFIED,
        False,
        "online",
    ),
    (
        "Seoul Metropolitan Government",
        "KR",
        "metropolis",
        "over_5m",
        "en",
        VERIFIED,
        False,
        "online",
    ),
    (
        "Wonosobo Regency",
        "ID",
        "region_province",
        "from_250k_to_1m",
        "en",
        VERIFIED,
        False,
        "online",
    ),
    ("Quezon City", "PH", "metropolis", "from_1m_to_5m", "en", VERIFIED, False, "online"),
    (
        "Kathmandu Metropolitan City",
        "NP",
        "metropolis",
        "from_1m_to_5m",
        "en",
        VERIFIED,
        False,
        "online",
    ),
    ("Tbilisi City Hall", "GE", "metropolis", "from_1m_to_5m", "en", VERIFIED, False, "online"),
    ("Almaty", "KZ", "metropolis", "from_1m_to_5m", "en", VERIFIED, False, "online"),
    ("Ville de Nantes", "FR", "municipality", "from_250k_to_1m", "fr", VERIFIED, False, "online"),
    ("Stadt Graz", "AT", "municipality", "from_250k_to_1m", "en", VERIFIED, False, "online"),
    ("Comune di Bologna", "IT", "municipality", "from_250k_to_1m", "en", VERIFIED, False, "online"),
    (
        "Lund Municipality",
        "SE",
        "intermediary_city",
        "from_50k_to_250k",
        "en",
        VERIFIED,
        False,
        "online",
    ),
    ("Diputació de Barcelona", "ES", "region_province", "over_5m", "es", VERIFIED, False, "paper"),
    (
        "Intendencia de Montevideo",
        "UY",
        "region_province",
        "from_1m_to_5m",
        "es",
        VERIFIED,
        False,
        "online",
    ),
    ("Prefeitura de São Paulo", "BR", "metropolis", "over_5m", "es", VERIFIED, False, "online"),
    (
        "Municipio del Distrito Metropolitano de Quito",
        "EC",
        "metropolis",
        "from_1m_to_5m",
        "es",
        VERIFIED,
        False,
        "online",
    ),
    (
        "Municipalidad de Valparaíso",
        "CL",
        "intermediary_city",
        "from_250k_to_1m",
        "es",
        VERIFIED,
        False,
        "online",
    ),
    ("Greater Amman Municipality", "JO", "metropolis", "over_5m", "en", VERIFIED, False, "online"),
    (
        "Gaziantep Metropolitan Municipality",
        "TR",
        "metropolis",
        "from_1m_to_5m",
        "en",
        VERIFIED,
        False,
        "online",
    ),
    ("City of Edmonton", "CA", "metropolis", "from_1m_to_5m", "en", VERIFIED, False, "online"),
    (
        "City of Eugene",
        "US",
        "intermediary_city",
        "from_50k_to_250k",
        "en",
        VERIFIED,
        False,
        "online",
    ),
    (
        "Federation of Canadian Municipalities",
        "CA",
        "association",
        "not_applicable",
        "en",
        VERIFIED,
        False,
        "online",
    ),
    # Waiting for staff.
    (
        "Ajuntament de Barcelona",
        "ES",
        "metropolis",
        "from_1m_to_5m",
        "es",
        SUBMITTED,
        False,
        "online",
    ),
    ("Commune de Sfax", "TN", "municipality", "from_250k_to_1m", "fr", SUBMITTED, False, "online"),
    ("Canelones", "UY", "region_province", "from_250k_to_1m", "es", SUBMITTED, False, "online"),
    ("Irbid Municipality", "JO", "municipality", "from_1m_to_5m", "en", SUBMITTED, False, "online"),
    ("Bishkek City Hall", "KG", "metropolis", "from_1m_to_5m", "en", SUBMITTED, False, "online"),
    (
        "City of Pittsburgh",
        "US",
        "municipality",
        "from_250k_to_1m",
        "en",
        SUBMITTED,
        False,
        "paper",
    ),
    # Asked for more.
    (
        "Commune urbaine de Yaoundé",
        "CM",
        "metropolis",
        "from_1m_to_5m",
        "fr",
        NEEDS_MORE,
        False,
        "online",
    ),
    (
        "Ciudad de Cochabamba",
        "BO",
        "municipality",
        "from_250k_to_1m",
        "es",
        NEEDS_MORE,
        False,
        "online",
    ),
    (
        "Middelburg",
        "NL",
        "intermediary_city",
        "from_50k_to_250k",
        "en",
        NEEDS_MORE,
        False,
        "online",
    ),
    # Rejected.
    (
        "Human Rights Friends Club",
        "GB",
        "association",
        "not_applicable",
        "en",
        REJECTED,
        False,
        "online",
    ),
    ("Test Test", "FR", "municipality", "under_50k", "fr", REJECTED, False, "online"),
    # Drafts, not yet sent.
    ("Banjul City Council", "GM", "municipality", "from_250k_to_1m", "en", DRAFT, False, "online"),
    (
        "Provincia de Santa Fe",
        "AR",
        "region_province",
        "from_1m_to_5m",
        "es",
        DRAFT,
        False,
        "online",
    ),
    ("Ville de Lomé", "TG", "metropolis", "from_1m_to_5m", "fr", DRAFT, False, "online"),
)

_SIGNATORIES = {
    "en": ("Mayor", "Governor", "President of the Council"),
    "fr": ("Maire", "Présidente du conseil", "Maire adjoint aux droits humains"),
    "es": ("Alcaldesa", "Intendente", "Presidente de la Diputación"),
}
_PEOPLE = ("A. Diallo", "M. Costa", "J. Kim", "L. Moreau", "S. Haddad", "R. Pérez", "E. Novak")
_OWN_WORDS = {
    "en": "We will open a yearly public hearing on human rights with neighbourhood councils.",
    "fr": "Nous tiendrons chaque année une audition publique sur les droits humains avec les "
    "conseils de quartier.",
    "es": "Celebraremos cada año una audiencia pública sobre derechos humanos con los consejos "
    "de barrio.",
}
_REASONS = {
    NEEDS_MORE: {
        "en": "Your letter is not signed. Please send the signed letter.",
        "fr": "Votre lettre n'est pas signée. Merci d'envoyer la lettre signée.",
        "es": "Su carta no está firmada. Envíe por favor la carta firmada.",
    },
    REJECTED: {
        "en": "This is not a local or regional government nor an association of them.",
        "fr": "Il ne s'agit ni d'une collectivité locale ou régionale ni d'une association de "
        "collectivités.",
        "es": "No se trata de un gobierno local o regional ni de una asociación de gobiernos "
        "locales.",
    },
}
_PROGRESS_TEXTS = {
    "en": "A first draft was discussed with civil society this year.",
    "fr": "Un premier projet a été discuté avec la société civile cette année.",
    "es": "Este año se debatió un primer borrador con la sociedad civil.",
}


def _moment(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=UTC) + timedelta(minutes=rng.randint(0, 480))


def _slug(name: str) -> str:
    return normalise_name(name).replace(" ", "-")[:40] or "institution"


def generate_campaign(
    session: Session, region_map: Mapping[str, str], seed: int = 2022, today: date | None = None
) -> dict[str, int]:
    """Insert the demo pledges (once: a second run adds nothing); return how many by status."""
    if session.scalar(select(func.count()).where(Pledge.is_demo.is_(True))):
        return {}
    ensure_default_options(session)
    rng = random.Random(seed)
    today = today or date.today()
    options = list(
        session.scalars(select(CommitmentOption).where(CommitmentOption.is_active.is_(True)))
    )
    later_days = max((today - LAUNCH_DAY).days - 30, 60)
    counts: dict[str, int] = {}
    for number, row in enumerate(INSTITUTIONS):
        name, country, level, band, language, status, pioneer, source = row
        if status == VERIFIED:
            joined = (
                LAUNCH_DAY if pioneer else LAUNCH_DAY + timedelta(days=rng.randint(20, later_days))
            )
            created = _moment(joined - timedelta(days=rng.randint(3, 40)), rng)
        else:
            joined = None
            created = _moment(today - timedelta(days=rng.randint(2, 60)), rng)
        slug = _slug(name)
        pledge = Pledge(
            token_hash=hash_token(new_resume_token()),
            status=status,
            source=SOURCE_PAPER if source == "paper" else SOURCE_ONLINE,
            institution_name=name,
            normalised_name=normalise_name(name),
            level=level,
            country=country,
            region=region_map.get(country, "europe"),
            population_band=band,
            own_commitment=_OWN_WORDS[language] if number % 3 == 0 else "",
            language=language,
            signatory_name=rng.choice(_PEOPLE),
            signatory_office=rng.choice(_SIGNATORIES[language]),
            contact_name=rng.choice(_PEOPLE),
            contact_email=f"campaign@{slug}.example.org",
            contact_phone=f"+00 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
            is_pioneer=pioneer,
            decision_reason=_REASONS.get(status, {}).get(language, ""),
            joined_on=joined,
            created_at=created,
            updated_at=created,
            submitted_at=None if status == DRAFT else created + timedelta(minutes=12),
            decided_at=(
                _moment(joined, rng)
                if joined
                else created + timedelta(days=3)
                if status in (NEEDS_MORE, REJECTED)
                else None
            ),
            is_demo=True,
        )
        for option in sorted(
            rng.sample(options, rng.randint(2, min(5, len(options)))), key=lambda o: o.position
        ):
            pledge.commitments.append(PledgeCommitment(option=option))
        session.add(pledge)
        session.flush()
        if status != DRAFT or number % 2 == 0:
            letter = letters.minimal_pdf(
                ["Letter of commitment", name, "10, 100, 1000 human rights cities by 2030"]
            )
            checked = letters.check_upload(io.BytesIO(letter), limit=len(letter))
            letters.store(session, checked, f"{slug}-letter.pdf", pledge=pledge)
        if status == VERIFIED and joined is not None and joined.year < today.year:
            keys = [c.option.key for c in pledge.commitments]
            if pledge.own_commitment:
                keys.append(OWN_COMMITMENT_KEY)
            for year in range(joined.year, today.year):
                if rng.random() < 0.6:
                    for key in keys:
                        session.add(
                            ProgressReport(
                                pledge=pledge,
                                commitment_key=key,
                                year=year,
                                status=rng.choice(("in_progress", "in_progress", "achieved")),
                                text=_PROGRESS_TEXTS[language],
                                language=language,
                                submitted_at=_moment(date(year, 12, 1), rng),
                            )
                        )
        counts[status] = counts.get(status, 0) + 1
    session.flush()
    return counts


def remove_demo_campaign(session: Session) -> int:
    """Delete every demo pledge with its letters (files too); return how many pledges."""
    demo = list(session.scalars(select(Pledge).where(Pledge.is_demo.is_(True))))
    for pledge in demo:
        for letter in list(pledge.letters):
            letters.delete_letter(session, letter)
        session.delete(pledge)
    session.flush()
    return len(demo)


def demo_pledge_count(session: Session) -> int:
    """How many demo pledges the database holds (made by `consult demo`, once)."""
    return session.scalar(select(func.count(Pledge.id)).where(Pledge.is_demo.is_(True))) or 0
