"""The landing page and the health check."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from sqlalchemy import text

from consult.core import emails
from consult.core.field_limits import field_limits, limits_of
from consult.core.key_labels import key_label
from consult.core.navigation import current_marks
from consult.db import db, utcnow
from consult.questionnaires.registry import current_questionnaires

bp = Blueprint("core", __name__)


@bp.get("/")
def landing():
    """Explain the consultation and link its channels."""
    questionnaires = sorted(
        current_questionnaires().values(), key=lambda q: q.audience != "local-governments"
    )
    return render_template(
        "core/landing.html",
        questionnaires=questionnaires,
        now=utcnow(),
        has_contributions="contributions.index" in current_app.view_functions,
        has_charter="charter.index" in current_app.view_functions,
    )


@bp.get("/privacy")
def privacy():
    """Say who keeps what about respondents and contributors, for how long, and their rights."""
    questionnaires = sorted(
        current_questionnaires().values(), key=lambda q: q.audience != "local-governments"
    )
    return render_template(
        "core/privacy.html",
        contacts_kept_until=[(q, years_after(q.closes_at, CONTACT_YEARS)) for q in questionnaires],
        contact_url=contact_url(),
    )


#: Contact details are deleted at the latest this many years after a questionnaire closes.
CONTACT_YEARS = 2


def years_after(moment: datetime, years: int) -> datetime:
    """Return the same day ``years`` later (28 February for a 29 February)."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


#: Where to write about one's data unless PRIVACY_CONTACT_URL says otherwise.
DEFAULT_PRIVACY_CONTACT = "https://www.uclg-cisdp.org"


@bp.app_template_global("cisdp_contact_url")
def contact_url() -> str:
    """Where respondents and contributors write to UCLG CISDP (PRIVACY_CONTACT_URL): every
    page that refuses something links it, so that no refusal is a dead end."""
    return current_app.config.get("PRIVACY_CONTACT_URL") or DEFAULT_PRIVACY_CONTACT


@bp.get("/healthz")
def healthz():
    """Answer 200 when the database answers and holds the schema, 503 otherwise.

    It reads the schema revision (a real table, not just ``SELECT 1``, which SQLite answers
    without touching the file), so a missing, unreadable or uninitialised database fails it.
    """
    try:
        revision = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        current_app.logger.error("health check failed: %s", type(exc).__name__)
        return _health({"status": "unavailable", "database": "unreachable"}, 503)
    if revision is None:
        return _health({"status": "unavailable", "database": "not initialised"}, 503)
    return _health({"status": "ok", "database": "ok", "schema": revision}, 200)


def _health(body: dict[str, str], status: int):
    reply = jsonify(body)
    reply.status_code = status
    # A proxy or load balancer must ask every time.
    reply.headers["Cache-Control"] = "no-store"
    return reply


@bp.app_context_processor
def navigation_helpers():
    """Let every template build the navigation from what the app actually serves."""
    return {
        "nav_questionnaires": lambda: sorted(
            current_questionnaires().values(), key=lambda q: q.audience != "local-governments"
        ),
        "has_endpoint": lambda endpoint: endpoint in current_app.view_functions,
        # A key as a person reads it (region, type, question, option, role...): key_labels.
        "key_label": key_label,
        "nav_marks": nav_marks,
        # A field's limits, from the validators the server runs (core/field_limits.py).
        "limits": field_limits,
        "limits_of": limits_of,
        "email_max": emails.MAX_LENGTH,
    }


def nav_marks(
    entries: list[tuple[str, str, str | None]],
) -> list[tuple[str, str, str | None, str | None]]:
    """Give each (label, endpoint, key) of the public navigation its aria-current, if any."""
    paths = [url_for(endpoint, key=key) for _label, endpoint, key in entries]  # None: no key
    marks = current_marks(paths, request.path)
    return [(*entry, mark) for entry, mark in zip(entries, marks, strict=True)]
