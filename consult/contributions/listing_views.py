"""The public list of contributions: published ones only, newest first, with filters, search
and pages (no JavaScript needed).
"""

from __future__ import annotations

import math

from flask import (
    current_app,
    render_template,
    request,
)
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from consult import geography
from consult.contributions import labels, operations
from consult.contributions.blueprint import (
    bp,
)
from consult.contributions.choices import article_choices, language_choices, region_choices
from consult.contributions.models import KINDS, ORGANISATION_TYPES, Contribution
from consult.contributions.registry import current_charter
from consult.core.inputs import query_page
from consult.db import db

#: Value of the article filter for contributions on the Charter as a whole.
WHOLE_CHARTER = "charter"


#: The longest search of the contributions (the field's maxlength; a longer one from a link is
#: cut: a search stores nothing, and a cut search still finds what its start names).
SEARCH_MAX = 200


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@bp.get("/contributions")
def index():
    """Published contributions, newest first, with filters, search and pages (no JS needed)."""
    args = request.args
    filters = {
        "article": args.get("article", ""),
        "part": args.get("part", ""),
        "kind": args.get("kind", ""),
        "region": args.get("region", ""),
        "type": args.get("type", ""),
        "language": args.get("language", ""),
        "q": args.get("q", "").strip()[:SEARCH_MAX],
    }
    query = operations.published_query()
    charter = current_charter()
    if filters["article"] == WHOLE_CHARTER:
        query = query.where(Contribution.article.is_(None))
    elif charter.article(filters["article"]):
        query = query.where(Contribution.article == filters["article"])
    else:
        filters["article"] = ""
    if filters["article"] and filters["part"] in {p.key for p in charter.parts}:
        query = query.where(Contribution.part == filters["part"])
    else:
        filters["part"] = ""
    if filters["kind"] in KINDS:
        query = query.where(Contribution.kind == filters["kind"])
    else:
        filters["kind"] = ""
    if filters["region"] in geography.REGION_KEYS:
        query = query.where(Contribution.region == filters["region"])
    else:
        filters["region"] = ""
    if filters["type"] in ORGANISATION_TYPES:
        query = query.where(Contribution.organisation_type == filters["type"])
    else:
        filters["type"] = ""
    if filters["language"] in {*labels.TEXT_LANGUAGES, labels.OTHER_LANGUAGE}:
        query = query.where(Contribution.language == filters["language"])
    else:
        filters["language"] = ""
    if filters["q"]:
        pattern = f"%{_escape_like(filters['q'].lower())}%"
        query = query.where(
            or_(
                func.lower(Contribution.text).like(pattern, escape="\\"),
                func.lower(Contribution.organisation_name).like(pattern, escape="\\"),
            )
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    per_page = current_app.config["CONTRIBUTIONS_PER_PAGE"]
    pages = max(1, math.ceil(total / per_page))
    page = min(query_page(), pages)
    contributions = db.session.scalars(
        query.order_by(Contribution.published_at.desc(), Contribution.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    active = {k: v for k, v in filters.items() if v}
    return render_template(
        "contributions/index.html",
        contributions=contributions,
        search_max=SEARCH_MAX,
        reply_counts=_published_reply_counts([c.id for c in contributions]),
        filters=filters,
        active=active,
        total=total,
        page=page,
        pages=pages,
        charter=charter,
        article_choices=[("", _("All")), (WHOLE_CHARTER, _("The Charter as a whole"))]
        + article_choices("")[1:],
        region_choices=region_choices(_("All")),
        language_choices=[("", _("All"))] + language_choices(),
    )


def _published_reply_counts(ids: list[int]) -> dict[int, int]:
    from consult.contributions.models import ContributionReply

    if not ids:
        return {}
    rows = db.session.execute(
        select(ContributionReply.contribution_id, func.count(ContributionReply.id))
        .where(
            ContributionReply.contribution_id.in_(ids),
            ContributionReply.status == "published",
        )
        .group_by(ContributionReply.contribution_id)
    )
    return dict(rows.all())
