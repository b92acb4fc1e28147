"""The country -> UCLG region mapping: defaults from questionnaires/regions.yaml, staff corrections.

Corrections live in the region_overrides table; consult.geography asks for them through the
source registered at app start, so the questionnaires pre-fill regions with them.
"""

from __future__ import annotations

from flask import current_app, has_app_context
from sqlalchemy import bindparam, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from consult.db import db, utcnow
from consult.geography import REGION_KEYS, country_codes, default_region_map
from consult.staff import audit
from consult.staff.models import RegionOverride, User


class RegionError(ValueError):
    """A region correction cannot be made as asked."""


_OVERRIDES = select(RegionOverride.country, RegionOverride.region)
_OVERRIDE_OF = _OVERRIDES.where(RegionOverride.country == bindparam("country"))


def overrides(session: Session) -> dict[str, str]:
    """Return the staff's corrections, country -> region."""
    return dict(session.execute(_OVERRIDES).all())


def region_overrides_for_current_app(country: str | None = None) -> dict[str, str]:
    """The override source for consult.geography: the current app's corrections, if any.

    With a country, only its correction is read: a page save asks for one country, by key.
    """
    if not has_app_context() or "consult.db" not in current_app.extensions:
        return {}
    if country is not None:
        # Asked while a response is saved: the schema is there, no savepoint is needed.
        return dict(db.session.connection().execute(_OVERRIDE_OF, {"country": country}).all())
    try:
        # Read in the request's own transaction (a second connection would wait for the lock
        # a writing request holds on SQLite), inside a savepoint so that a failure here
        # leaves the request's unit of work intact.
        with db.session.begin_nested():
            return overrides(db.session)
    except SQLAlchemyError:
        # A database not yet migrated (first `consult init`) has no corrections to give.
        return {}


def set_region(
    session: Session, questionnaires_path: str, country: str, region: str, actor: User, ip: str
) -> bool:
    """Set a country's region (a correction, or back to the default); audited. True if changed."""
    if country not in country_codes():
        raise RegionError(f"unknown country {country!r}")
    if region not in REGION_KEYS:
        raise RegionError(f"unknown region {region!r}")
    default = default_region_map(questionnaires_path).get(country)
    existing = session.get(RegionOverride, country)
    before = existing.region if existing is not None else default
    if before == region:
        return False
    if region == default:
        if existing is not None:
            session.delete(existing)
    elif existing is None:
        session.add(RegionOverride(country=country, region=region, updated_by_id=actor.id))
    else:
        existing.region = region
        existing.updated_by_id = actor.id
        existing.updated_at = utcnow()
    audit.record(
        session,
        actor,
        "region.changed",
        target=country,
        details={"from": before, "to": region, "default": default},
        ip=ip,
    )
    session.flush()
    return True


def reset_region(
    session: Session, questionnaires_path: str, country: str, actor: User, ip: str
) -> bool:
    """Drop a country's correction so that the default applies again; audited."""
    existing = session.get(RegionOverride, country)
    if existing is None:
        return False
    default = default_region_map(questionnaires_path).get(country)
    audit.record(
        session,
        actor,
        "region.reset",
        target=country,
        details={"from": existing.region, "to": default},
        ip=ip,
    )
    session.delete(existing)
    session.flush()
    return True
