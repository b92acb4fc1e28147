"""How questionnaire respondents rated an article: the `article_relevance` matrix. No Flask.

Both questionnaires ask it with the same rows (art01..art12) and the same scale, so the article
page can show one view per article across channels. Only submitted responses count, and a
group with fewer respondents than the small-cell threshold is suppressed, never shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Connection

from consult.analysis.data import ResponseFilter
from consult.questionnaires.definition import Questionnaire
from consult.questionnaires.models import Answer, Response

RELEVANCE_QUESTION = "article_relevance"


@dataclass(frozen=True)
class RatingRow:
    """The ratings of one article by one group of respondents (a questionnaire, or all)."""

    key: str
    respondents: int
    #: scale key -> number of respondents who chose it; empty when suppressed.
    counts: Mapping[str, int] = field(default_factory=dict)
    suppressed: bool = False


@dataclass(frozen=True)
class ArticleRatings:
    """An article's ratings: the scale (key -> label), one row per questionnaire, and all."""

    article: str
    scale: tuple[tuple[str, Mapping[str, str]], ...]
    rows: tuple[RatingRow, ...]
    threshold: int

    @property
    def respondents(self) -> int:
        """Respondents who rated the article, all questionnaires together."""
        return sum(row.respondents for row in self.rows if row.key != "all")


def load_relevance_answers(
    connection: Connection, selection: ResponseFilter = ResponseFilter()
) -> pd.DataFrame:
    """Return the article_relevance answers: response_id, questionnaire, article, value.

    The same rows as consult.analysis.data.load_answers, narrowed to one question in SQL so a
    page view does not read every answer; ``selection`` keeps drafts out by default.
    """
    query = (
        select(
            Answer.response_id,
            Response.questionnaire_key.label("questionnaire"),
            Answer.part_key.label("article"),
            Answer.value,
        )
        .join(Response, Response.id == Answer.response_id)
        .where(Answer.question_key == RELEVANCE_QUESTION)
    )
    query = selection.apply(query).order_by(Answer.response_id, Answer.id)
    rows = connection.execute(query).all()
    return pd.DataFrame(rows, columns=["response_id", "questionnaire", "article", "value"])


def _scale(questionnaires: Mapping[str, Questionnaire]) -> tuple[tuple[str, Mapping], ...]:
    """The union of the matrix's scale points, in the order the definitions give them."""
    seen: dict[str, Mapping[str, str]] = {}
    for questionnaire in questionnaires.values():
        try:
            question = questionnaire.question(RELEVANCE_QUESTION)
        except KeyError:
            continue
        for point in question.scale:
            seen.setdefault(point.key, point.label)
    return tuple(seen.items())


def summarise_article(
    answers: pd.DataFrame,
    article: str,
    questionnaires: Mapping[str, Questionnaire],
    threshold: int,
) -> ArticleRatings:
    """Count, per questionnaire and overall, how respondents rated ``article``."""
    scale = _scale(questionnaires)
    scale_keys = [key for key, _label in scale]
    mine = answers[answers["article"] == article]
    rows = []
    groups = [(key, mine[mine["questionnaire"] == key]) for key in questionnaires]
    groups.append(("all", mine))
    for key, group in groups:
        respondents = int(group["response_id"].nunique())
        if respondents < threshold:
            rows.append(RatingRow(key=key, respondents=respondents, suppressed=True))
            continue
        counted = group["value"].value_counts()
        counts = {point: int(counted.get(point, 0)) for point in scale_keys}
        rows.append(RatingRow(key=key, respondents=respondents, counts=counts))
    return ArticleRatings(article=article, scale=scale, rows=tuple(rows), threshold=threshold)


def article_ratings(
    connection: Connection,
    article: str,
    questionnaires: Mapping[str, Questionnaire],
    threshold: int,
) -> ArticleRatings:
    """Read the submitted relevance ratings and summarise them for one article."""
    answers = load_relevance_answers(connection)
    answers = answers[answers["questionnaire"].isin(list(questionnaires))]
    return summarise_article(answers, article, questionnaires, threshold)
