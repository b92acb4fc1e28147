"""The landing page and the health check."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from sqlalchemy import text

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


@bp.get("/healthz")
def healthz():
    """Answer 200 when the database answers, 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        current_app.logger.error("health check failed: %s", exc)
        return jsonify({"status": "unavailable"}), 503
    return jsonify({"status": "ok"})


@bp.app_context_processor
def navigation_helpers():
    """Let every template build the navigation from what the app actually serves."""
    return {
        "nav_questionnaires": lambda: sorted(
            current_questionnaires().values(), key=lambda q: q.audience != "local-governments"
        ),
        "has_endpoint": lambda endpoint: endpoint in current_app.view_functions,
    }
