"""The Charter, browsable: its structure, and one page per article across all channels.

An article page gathers what every channel says about that article: its summary and four parts,
the published contributions on it (by part), how questionnaire respondents rated it, and its
figures in the published first outcomes. Every questionnaire figure on it comes from the
published snapshot, never from live data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask import Response as HttpResponse
from flask_babel import gettext as _
from sqlalchemy import func, select

from consult.contributions import operations
from consult.contributions.models import Contribution
from consult.contributions.registry import current_charter
from consult.db import db
from consult.exports import naming
from consult.i18n import current_language
from consult.outcomes import downloads, presenting
from consult.outcomes import operations as outcome_operations
from consult.outcomes.charter_figures import published_article_ratings
from consult.outcomes.filter_words import coverage_note
from consult.outcomes.group_disclosure import limit_in_force
from consult.outcomes.models import OutcomeSnapshot
from consult.outcomes.suppression import public_summary
from consult.questionnaires.registry import current_questionnaires
from consult.staff.access import has_role

bp = Blueprint("charter", __name__)

#: Contributions on the Charter as a whole shown on the Charter page (the rest are listed).
LATEST_ON_CHARTER = 5


@bp.get("/charter")
def index():
    """The Charter's structure, its twelve articles with their parts, and where to contribute."""
    counts = dict(
        db.session.execute(
            select(Contribution.article, func.count(Contribution.id))
            .where(Contribution.status == "published")
            .group_by(Contribution.article)
        ).all()
    )
    on_charter = db.session.scalars(
        operations.published_query()
        .where(Contribution.article.is_(None))
        .order_by(Contribution.published_at.desc(), Contribution.id.desc())
        .limit(LATEST_ON_CHARTER)
    ).all()
    return render_template(
        "charter/index.html",
        charter=current_charter(),
        counts=counts,
        on_charter=on_charter,
        on_charter_total=counts.get(None, 0),
    )


@bp.get("/charter/<reference>")
def article(reference: str):
    """One article: summary, parts, published contributions by part, questionnaire ratings."""
    charter = current_charter()
    key = charter.resolve_article(reference)
    if key is None:
        abort(404)
    if key != reference:
        return redirect(url_for("charter.article", reference=key), 301)
    found = charter.article(key)
    contributions = db.session.scalars(
        operations.published_query()
        .where(Contribution.article == key)
        .order_by(Contribution.published_at.desc(), Contribution.id.desc())
    ).all()
    by_part: dict[str | None, list[Contribution]] = {}
    for contribution in contributions:
        by_part.setdefault(contribution.part, []).append(contribution)
    questionnaires = current_questionnaires()
    outcomes = published_outcomes(key)
    position = charter.article_keys.index(key)
    return render_template(
        "charter/article.html",
        charter=charter,
        article=found,
        by_part=by_part,
        total=len(contributions),
        ratings=outcomes["ratings"] if outcomes else None,
        questionnaires=questionnaires,
        previous=charter.articles[position - 1] if position > 0 else None,
        following=charter.articles[position + 1] if position + 1 < len(charter.articles) else None,
        outcomes=outcomes,
        since=published_since(outcomes, len(contributions)),
        staff_outcomes=has_role("analyst"),
    )


def published_since(outcomes: Mapping[str, Any] | None, live: int) -> int | None:
    """How many more contributions on the article are published now than in the snapshot's
    figures (negative when some were withdrawn since); None when they agree or it has none.
    The page's live count and the frozen figure would otherwise contradict each other."""
    figures = (outcomes or {}).get("figures") or ()
    frozen = [f["count"] for f in figures if f.get("count") is not None]
    if not frozen or frozen[0] == live:
        return None
    return live - frozen[0]


def published_outcomes(article: str) -> dict | None:
    """The article's figures in the published first outcomes (small cells suppressed), if any:
    its heat map figures and its questionnaire ratings, frozen at the snapshot's data time."""
    publication = outcome_operations.current_publication(db.session)
    if publication is None:
        return None
    snapshot = db.session.get(OutcomeSnapshot, publication.snapshot_id)
    threshold = current_app.config["SMALL_CELL_THRESHOLD"]
    limit = limit_in_force(current_app.config.get("GROUP_DISCLOSURE_LIMIT"), threshold)
    figures, ratings, coverage = _published_articles(snapshot, threshold, limit)
    return {
        "data_time": presenting.data_time(snapshot.data_as_of, snapshot.timezone),
        "snapshot": snapshot.id,
        "data_as_of": snapshot.data_as_of,
        "coverage": coverage,
        "figures": figures.get(article, []),
        "ratings": ratings.get(article),
    }


#: Figures of every article per published summary, threshold and language: a frozen summary
#: never changes, so each is worked out once per process, not on every article page.
_ARTICLE_FIGURES: dict[tuple[str, int, int, str], tuple[dict[str, list], dict[str, Any], str]] = {}


def _published_articles(
    snapshot: OutcomeSnapshot, threshold: int, limit: int
) -> tuple[dict[str, list], dict[str, Any], str]:
    """Every article's figures and ratings in a published snapshot, and what part of the
    consultation it covers when it was frozen from a filtered view ("" otherwise)."""
    key = (snapshot.summary_sha256, threshold, limit, current_language())
    cached = _ARTICLE_FIGURES.get(key)
    if cached is None:
        summary = outcome_operations.snapshot_summary(snapshot)
        public = public_summary(summary, threshold, group_limit=limit)
        articles = public["articles"]["articles"]
        cached = (
            {a: presenting.article_figures(public, a) for a in articles},
            {a: published_article_ratings(summary, public, a, threshold, limit) for a in articles},
            coverage_note(summary.get("filters")),
        )
        if len(_ARTICLE_FIGURES) >= 32:
            _ARTICLE_FIGURES.clear()
        _ARTICLE_FIGURES[key] = cached
    return cached


#: The tables of an article page that can be downloaded, and their formats.
TABLE_FORMATS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.get("/charter/<reference>/<any(ratings, figures):table>.<fmt>")
def outcomes_table(reference: str, table: str, fmt: str):
    """Download an article's published ratings or figures exactly as its page shows them
    (suppressed cells in words, never a number, and the part of the consultation a filtered
    snapshot covers); 404 when nothing is published."""
    key = current_charter().resolve_article(reference)
    outcomes = published_outcomes(key) if key else None
    if fmt not in TABLE_FORMATS or outcomes is None or outcomes["ratings"] is None:
        abort(404)
    if table == "ratings":
        header, rows = _ratings_rows(outcomes["ratings"])
        title = _("Respondents by rating")
    else:
        header = [_("Figure"), _("Value"), _("Base, or why not shown")]
        rows = [
            # The figure as a number (the page's words when withheld) and its note.
            [
                item["label"],
                item["figure"] if item["value"] is None else item["value"],
                item["base"],
            ]
            for item in outcomes["figures"]
        ]
        title = _("In the first outcomes")
    if outcomes["coverage"]:  # a filtered snapshot says so under its table, as on the page
        rows += [[None] * len(header), [outcomes["coverage"], *([None] * (len(header) - 1))]]
    body = downloads.table_file(fmt, header, rows, title)
    return HttpResponse(
        body,
        mimetype=TABLE_FORMATS[fmt],
        headers={
            "Content-Disposition": naming.content_disposition(
                naming.download_name(
                    "charter",
                    key,
                    table,
                    fmt=fmt,
                    snapshot=outcomes["snapshot"],
                    language=current_language(),
                    day=outcomes["data_as_of"],
                )
            )
        },
    )


def _ratings_rows(ratings) -> tuple[list[str], list[list[Any]]]:
    """The ratings table as the article page prints it: a hidden row or cell in words."""
    questionnaires = current_questionnaires()
    header = [_("Questionnaire"), *(presenting.t(label) for _k, label in ratings.scale)]
    header.append(_("Respondents"))
    rows: list[list[Any]] = []
    for row in ratings.rows:
        if row.key == "all":
            name = _("All respondents")
        elif row.key in questionnaires:
            name = presenting.t(questionnaires[row.key].title)
        else:
            name = row.key
        if row.suppressed:
            message = _(
                "Fewer than %(num)d respondents, or a total from which they could be worked "
                "out: not shown",
                num=ratings.threshold,
            )
            rows.append([name, message, *([None] * len(ratings.scale))])
            continue
        cells = [
            _("not shown") if row.counts[key] is None else row.counts[key]
            for key, _label in ratings.scale
        ]
        rows.append([name, *cells, row.respondents])
    return header, rows
