"""The dashboard (every staff role): participation per day, region and type, at a glance."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l

from consult import geography
from consult.db import db, utcnow
from consult.i18n import translate_text
from consult.questionnaires.registry import current_questionnaires
from consult.staff import dashboard, invitations
from consult.staff.access import role_required
from consult.staff.views import ALL_ROLES, WORKSPACE_LINKS, bp

WORKSPACE_LINKS.insert(0, ("staff.dashboard_page", _l("Dashboard"), ALL_ROLES))


def type_labels(questionnaire) -> dict[str, str]:
    """Return respondent type key -> label in the current language."""
    key = questionnaire.profile_fields.get("respondent_type")
    if not key:
        return {}
    return {o.key: translate_text(o.label) for o in questionnaire.question(key).options}


@bp.get("/dashboard")
@role_required(*ALL_ROLES)
def dashboard_page():
    """Responses and drafts per questionnaire per day, by region and type; contributions."""
    path = current_app.config["QUESTIONNAIRES_PATH"]
    region_labels = {k: translate_text(v) for k, v in geography.region_labels(path).items()}
    today = utcnow().date()
    sections = []
    totals = dashboard.totals(db.session)
    for key, questionnaire in current_questionnaires().items():
        series = dashboard.daily(db.session, key, today)
        sections.append(
            {
                "questionnaire": questionnaire,
                "totals": totals.get(key, {"submitted": 0, "draft": 0}),
                "series": series,
                "chart": dashboard.chart(series),
                "regions": dashboard.breakdown(db.session, key, "region"),
                "types": dashboard.breakdown(db.session, key, "respondent_type"),
                "type_labels": type_labels(questionnaire),
            }
        )
    statuses = invitations.statuses(
        db.session, invitations.INVITATION_QUESTIONNAIRE, geography.region_map(path)
    )
    coverage_total, _regions, _countries = invitations.coverage(statuses)
    return render_template(
        "staff/dashboard.html",
        sections=sections,
        region_labels=region_labels,
        contributions=dashboard.contribution_counts(db.session),
        coverage=coverage_total,
        chart_days=dashboard.CHART_DAYS,
        now=utcnow(),
    )
