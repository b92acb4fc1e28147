"""An article's questionnaire ratings for its Charter page, from the published snapshot.

The Charter pages are public: they show the frozen, published figures (never live ones), with
the public page's small-cell rules applied cell by cell. The "all respondents" row adds the
questionnaires' rows; a cell of it is shown only when every cell it adds is shown, so that no
hidden cell can be recovered by subtraction, and it gets its own secondary suppression.
No Flask here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from consult.contributions.ratings import RELEVANCE_QUESTION, ArticleRatings, RatingRow
from consult.outcomes.group_disclosure import dominated, limit_in_force
from consult.outcomes.suppression import protect_total


def _question(summary: Mapping[str, Any], questionnaire: str) -> Mapping[str, Any] | None:
    for entry in summary["questionnaires"]:
        if entry["key"] == questionnaire:
            for question in entry["questions"]:
                if question["key"] == RELEVANCE_QUESTION and question["type"] == "matrix":
                    return question
    return None


def _row(question: Mapping[str, Any] | None, article: str) -> Mapping[str, Any] | None:
    if question is None:
        return None
    return next((r for r in question.get("rows") or [] if r["key"] == article), None)


def published_article_ratings(
    summary: Mapping[str, Any],
    public: Mapping[str, Any],
    article: str,
    threshold: int,
    limit: int | None = None,
) -> ArticleRatings:
    """Return one article's ratings per questionnaire and overall, as the public may see them.

    ``summary`` is the published snapshot's summary, ``public`` the same after public_summary
    (with the group limit ``limit``: a row of a small group that all, or all but a few, rated
    alike is withheld there, and the "all respondents" row is a group too: group_disclosure).
    """
    limit = limit_in_force(limit, threshold)
    scale: dict[str, Mapping[str, str]] = {}
    for entry in summary["questionnaires"]:
        question = _question(summary, entry["key"])
        for point in (question or {}).get("scale") or []:
            scale.setdefault(point["key"], point["label"])
    keys = list(scale)
    rows = []
    all_counts = dict.fromkeys(keys, 0)
    all_shown = dict.fromkeys(keys, True)
    all_respondents = 0
    for entry in summary["questionnaires"]:
        staff_row = _row(_question(summary, entry["key"]), article)
        public_question = _question(public, entry["key"])
        public_row = _row(public_question, article)
        respondents = int(staff_row["answered"]) if staff_row else 0
        all_respondents += respondents
        for key in keys:
            all_counts[key] += int((staff_row or {}).get("counts", {}).get(key, 0))
        hidden = (
            public_row is None
            or public_question.get("suppressed")
            or public_row.get("suppressed")
            or public_row.get("answered") is None
        )
        if hidden:
            if respondents:
                all_shown = dict.fromkeys(keys, False)
            rows.append(RatingRow(key=entry["key"], respondents=respondents, suppressed=True))
            continue
        cells = {e["key"]: e["count"] for e in public_row["distribution"]}
        counts = {key: (cells.get(key, 0) if key in cells else 0) for key in keys}
        for key in keys:
            if counts[key] is None:
                all_shown[key] = False
        rows.append(RatingRow(key=entry["key"], respondents=respondents, counts=counts))
    if (
        all_respondents < threshold
        or not any(all_shown.values())
        or dominated(all_counts.values(), all_respondents, threshold, limit)
    ):
        rows.append(RatingRow(key="all", respondents=all_respondents, suppressed=True))
    else:
        entries = [
            {"key": key, "count": all_counts[key] if all_shown[key] else None} for key in keys
        ]
        # A cell hidden because a questionnaire's cell is hidden is not small itself: the page
        # says "not shown", which bounds it by nothing but the row's total.
        for entry in entries:
            if entry["count"] is None:
                entry.update(suppressed=True, withheld=True)
            elif 0 < entry["count"] < threshold:
                entry.update(suppressed=True, count=None)
        protect_total(entries, threshold, all_respondents)
        if entries and all(e["count"] is None for e in entries):
            rows.append(RatingRow(key="all", respondents=all_respondents, suppressed=True))
            return ArticleRatings(
                article=article, scale=tuple(scale.items()), rows=tuple(rows), threshold=threshold
            )
        rows.append(
            RatingRow(
                key="all",
                respondents=all_respondents,
                counts={e["key"]: e["count"] for e in entries},
            )
        )
    return ArticleRatings(
        article=article, scale=tuple(scale.items()), rows=tuple(rows), threshold=threshold
    )
