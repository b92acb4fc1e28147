"""The rows behind a figure of the summary: the submitted responses it counts, with the value
that put each there (an answer, a part of one, a theme of a text, a breakdown of the response).

Analysis code: a session and the figure's arguments in, a data frame out, the same from a view,
the CLI or a test.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.outcomes import data
from consult.outcomes.filters import SummaryFilter
from consult.outcomes.text import Corpus, load_codebook
from consult.questionnaires.models import Answer, Response


def matching_rows(
    session: Session,
    args: Mapping[str, str],
    filters: SummaryFilter,
    ids: list[int] | None,
    codebook_path: Path,
) -> pd.DataFrame:
    """Return the submitted responses behind one figure, with the value that put them there.

    ``args`` names the figure (questionnaire, question, part, value, theme or breakdown), as
    its link on the summary page does; ``ids`` limits the rows to a snapshot's responses.
    """
    questionnaire = args.get("questionnaire") or filters.questionnaire
    question_key = args.get("question") or ""
    query = select(
        Response.id.label("response_id"),
        Response.questionnaire_key.label("questionnaire"),
        Response.submitted_at,
        Response.language,
        Response.country,
        Response.region,
        Response.respondent_type,
    ).where(Response.status == "submitted")
    if questionnaire:
        query = query.where(Response.questionnaire_key == questionnaire)
    if filters.region:
        query = query.where(Response.region == filters.region)
    if filters.respondent_type:
        query = query.where(Response.respondent_type == filters.respondent_type)
    if filters.country:
        query = query.where(Response.country == filters.country)
    if filters.language:
        query = query.where(Response.language == filters.language)
    if ids is not None:
        query = query.where(Response.id.in_(ids))
    responses = pd.DataFrame(session.execute(query).mappings().all())
    if responses.empty:
        return responses
    responses["submitted_at"] = pd.to_datetime(responses["submitted_at"], utc=True)
    if filters.answers:
        kept = data.covered_ids(session.connection(), filters)
        responses = responses[responses["response_id"].isin(kept)]
    days = responses["submitted_at"].dt.date
    if filters.submitted_from:
        responses = responses[days >= filters.submitted_from]
    if filters.submitted_to:
        responses = responses[days <= filters.submitted_to]
    # Participation figures: a breakdown value of the response itself.
    breakdown = args.get("breakdown")
    if breakdown in ("region", "country", "respondent_type", "language"):
        wanted = args.get("value") or None
        column = responses[breakdown]
        responses = responses[column.isna()] if wanted is None else responses[column == wanted]
        return responses.assign(value=responses[breakdown])
    if not question_key:
        return responses.assign(value="")
    answers = session.execute(
        select(Answer.response_id, Answer.part_key, Answer.value).where(
            Answer.question_key == question_key,
            Answer.response_id.in_(select(Response.id).where(Response.status == "submitted")),
        )
    ).all()
    frame = pd.DataFrame(answers, columns=["response_id", "part_key", "value"])
    frame = frame[frame["response_id"].isin(responses["response_id"])]
    part, value, theme = args.get("part"), args.get("value"), args.get("theme")
    if theme:
        texts = frame[frame["part_key"] == ""].reset_index(drop=True)
        codebook = {th.key: th for th in load_codebook(codebook_path)}
        if theme not in codebook or texts.empty:
            frame = frame.iloc[0:0]
        else:
            hits = Corpus(texts["value"]).themes([codebook[theme]])[theme].to_numpy()
            frame = texts[hits]
    else:
        if part is not None:
            frame = frame[frame["part_key"] == part]
        if value is not None:
            frame = frame[frame["value"] == value]
    merged = responses.merge(frame[["response_id", "part_key", "value"]], on="response_id")
    if args.get("question") and not theme and part is None and value is None:
        # "Everyone who answered": one line per response, parts joined.
        merged = (
            merged.groupby([c for c in responses.columns], dropna=False)
            .agg(value=("value", lambda v: "; ".join(map(str, v))))
            .reset_index()
        )
    return merged.sort_values("response_id")
