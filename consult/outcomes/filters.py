"""Which responses a summary covers: the filter every summary, snapshot and contribution
count shares (kept here, below both, so that neither imports the other)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

#: Answer conditions a filter may hold at most (each one is a link on the page, and an AND).
MAX_ANSWER_CONDITIONS = 6


@dataclass(frozen=True, order=True)
class AnswerCondition:
    """Keep respondents who gave ``option`` to the closed question ``question``.

    For a single choice or yes/no question the answer equals the option; for a multiple choice
    question the option is ticked; for one row ``part`` of a matrix, the row's answer is the
    scale point ``option``. With ``questionnaire``, only that questionnaire's responses
    count (two questionnaires can ask a question under one key with other wording and
    options); without it (older filters, kept in older snapshots), any questionnaire's.
    """

    question: str
    option: str
    questionnaire: str = ""
    #: The matrix row the condition is on ("" for a question answered as a whole).
    part: str = ""

    def as_text(self) -> str:
        """The condition as it travels in a query string: "questionnaire:question:option"
        ("question:option" without a questionnaire; "question.row" for a matrix row)."""
        return f"{self.question_id}:{self.option}"

    @property
    def question_id(self) -> str:
        """The question (or matrix row) as the closed dimensions name it
        ("questionnaire:question", "questionnaire:question.row")."""
        question = f"{self.question}.{self.part}" if self.part else self.question
        return f"{self.questionnaire}:{question}" if self.questionnaire else question

    def stored_as(self) -> tuple[tuple[str, str], ...]:
        """The (part_key, value) pairs of a stored answer that meet this condition: the one
        rule the frame filter and the database queries follow."""
        if self.part:
            return ((self.part, self.option),)
        return (("", self.option), (self.option, "1"))

    @classmethod
    def parse(cls, value: str) -> AnswerCondition | None:
        """Read "questionnaire:question:option" or "question:option" (the question may be
        "matrix.row"); None when it is not of either shape."""
        parts = (value or "").strip().split(":")
        if len(parts) == 2:
            parts.insert(0, "")
        if len(parts) != 3 or not all(parts[1:]) or any(len(part) > 64 for part in parts):
            return None
        questionnaire, question, option = parts
        question, _dot, part = question.partition(".")
        if not question or (_dot and not part):
            return None
        return cls(question, option, questionnaire, part)


@dataclass(frozen=True)
class SummaryFilter:
    """Which submitted responses a summary covers."""

    questionnaire: str | None = None
    region: str | None = None
    respondent_type: str | None = None
    #: Submission dates (UTC), both ends included.
    submitted_from: date | None = None
    submitted_to: date | None = None
    #: Answers to closed questions the respondents must have given (all of them).
    answers: tuple[AnswerCondition, ...] = field(default=())
    #: The respondent's country (ISO code) and the language they answered in.
    country: str | None = None
    language: str | None = None

    @property
    def is_empty(self) -> bool:
        """Tell whether the filter lets everything through."""
        return not any(self.as_dict().values())

    def as_dict(self) -> dict[str, Any]:
        """Return the filter as JSON-ready data."""
        return {
            "questionnaire": self.questionnaire,
            "region": self.region,
            "respondent_type": self.respondent_type,
            "submitted_from": self.submitted_from.isoformat() if self.submitted_from else None,
            "submitted_to": self.submitted_to.isoformat() if self.submitted_to else None,
            "answers": [c.as_text() for c in self.answers],
            # Only when set: the cache keys and records of filters without them stay as they were.
            **{k: v for k, v in (("country", self.country), ("language", self.language)) if v},
        }

    @classmethod
    def from_dict(cls, values: Mapping[str, Any] | None) -> SummaryFilter:
        """Rebuild a filter from as_dict's data (a snapshot's record of what it covers)."""
        values = values or {}

        def day(name: str) -> date | None:
            raw = values.get(name)
            return date.fromisoformat(raw) if raw else None

        conditions = (AnswerCondition.parse(v) for v in values.get("answers") or [])
        return cls(
            questionnaire=values.get("questionnaire"),
            region=values.get("region"),
            respondent_type=values.get("respondent_type"),
            submitted_from=day("submitted_from"),
            submitted_to=day("submitted_to"),
            answers=tuple(sorted({c for c in conditions if c is not None})),
            country=values.get("country"),
            language=values.get("language"),
        )

    def select(
        self,
        responses: pd.DataFrame,
        moment_column: str = "submitted_at",
        answers: pd.DataFrame | None = None,
    ) -> pd.Series:
        """Return a boolean mask of the responses this filter keeps.

        Answer conditions need the long answers frame (``answers``); without it, a filter with
        conditions keeps nothing rather than everything.
        """
        mask = pd.Series(True, index=responses.index)
        if self.questionnaire:
            mask &= responses["questionnaire"] == self.questionnaire
        if self.region:
            mask &= responses["region"] == self.region
        if self.respondent_type:
            mask &= responses["respondent_type"] == self.respondent_type
        if self.country:
            mask &= responses["country"] == self.country
        if self.language:
            mask &= responses["language"] == self.language
        if self.submitted_from or self.submitted_to:
            days = responses[moment_column].dt.date
            if self.submitted_from:
                mask &= days >= self.submitted_from
            if self.submitted_to:
                mask &= days <= self.submitted_to
        if self.answers:
            if answers is None:
                return pd.Series(False, index=responses.index)
            mask &= responses["response_id"].isin(answering(answers, self.answers))
            for condition in self.answers:
                if condition.questionnaire:
                    mask &= responses["questionnaire"] == condition.questionnaire
        return mask.fillna(False).astype(bool)


def answering(answers: pd.DataFrame, conditions: tuple[AnswerCondition, ...]) -> np.ndarray:
    """Return the ids of the responses whose answers meet every condition."""
    kept: np.ndarray | None = None
    for condition in conditions:
        of_question = answers[answers["question_key"] == condition.question]
        hit = pd.Series(False, index=of_question.index)
        for part, value in condition.stored_as():
            hit |= (of_question["part_key"] == part) & (of_question["value"] == value)
        ids = np.unique(of_question.loc[hit, "response_id"].to_numpy(dtype=np.int64))
        kept = ids if kept is None else np.intersect1d(kept, ids)
    return kept if kept is not None else np.empty(0, dtype=np.int64)
