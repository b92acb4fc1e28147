"""The layout of a responses export and its codebook, derived from the questionnaire definitions.

One column per question key, or per part (`question.part`) for questions with parts. When the
export spans several versions of a questionnaire, the columns are the union of theirs, newest
version first, so that a question keeps one column whatever version a response answered.

A column never holds two different questions, and no header is repeated:

- an export spanning several questionnaires prefixes every question column with its
  questionnaire's key (`partners.article_relevance.I`): two questionnaires may ask a question
  under the same key with different wording, options or scale;
- the questions that give a response its profile (country, region, type of respondent) are the
  fixed columns `country`, `region` and `respondent_type`, never a second column; the codebook
  gives their wording in every questionnaire that asks them.

The columns themselves, and their codes, are in ``columns``; their shape in ``codebook``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from consult.exports.codebook import CodebookEntry, Column, Label, score_text
from consult.exports.columns import PERSONAL_COLUMNS, fixed_columns, question_columns
from consult.questionnaires.definition import OTHER_PART, Questionnaire


@dataclass
class Layout:
    """The columns of an export and, per stored definition, where each answer goes."""

    columns: list[Column]
    #: Index of the first question column (after the fixed and personal ones).
    first_question: int
    #: Question columns carry their questionnaire's key as a prefix (several questionnaires).
    is_prefixed: bool = False

    def codebook(self) -> list[CodebookEntry]:
        """Return the codebook: every column, the wording of each question it comes from in
        each questionnaire, then every code it may hold (with its score, if any), labelled."""
        entries = []
        for column in self.columns:
            entries.append(
                CodebookEntry(
                    column.name,
                    column.type,
                    "",
                    column.label,
                    questionnaire=column.questionnaire_key,
                    question=column.question_key or "",
                )
            )
            for questionnaire, question, wording in column.wordings:
                entries.append(
                    CodebookEntry(
                        column.name,
                        "question wording",
                        "",
                        wording,
                        questionnaire=questionnaire,
                        question=question,
                    )
                )
            for code, label in column.values.items():
                entries.append(
                    CodebookEntry(
                        column.name,
                        column.type,
                        code,
                        label,
                        questionnaire=column.questionnaire_key,
                        question=column.question_key or "",
                        score=score_text(column.scores.get(code)),
                    )
                )
        return entries


def build_layout(
    questionnaires: Iterable[Questionnaire],
    region_labels: Mapping[str, Label],
    *,
    with_personal_data: bool = False,
) -> Layout:
    """Lay out the wide form for definitions given newest first (the union of their columns)."""
    questionnaires = list(questionnaires)
    columns = fixed_columns(questionnaires, region_labels)
    fixed = {column.name: column for column in columns}
    if with_personal_data:
        columns += PERSONAL_COLUMNS
    first_question = len(columns)
    is_prefixed = len({questionnaire.key for questionnaire in questionnaires}) > 1
    seen: dict[str, int] = {}
    worded: set[tuple[str, str]] = set()
    for questionnaire in questionnaires:
        profile = {key: name for name, key in questionnaire.profile_fields.items()}
        prefix = f"{questionnaire.key}." if is_prefixed else ""
        for question in questionnaire.questions:
            if question.key in profile:
                # Its answer is the fixed column; the codebook keeps its wording here.
                if (questionnaire.key, question.key) not in worded:
                    worded.add((questionnaire.key, question.key))
                    fixed[profile[question.key]].wordings.append(
                        (questionnaire.key, question.key, dict(question.label))
                    )
                continue
            for column in question_columns(
                question, region_labels, questionnaire_key=questionnaire.key, prefix=prefix
            ):
                if column.name in seen:
                    # An older version may offer more codes.
                    known = columns[seen[column.name]]
                    for code, label in column.values.items():
                        known.values.setdefault(code, label)
                    for code, score in column.scores.items():
                        known.scores.setdefault(code, score)
                    continue
                seen[column.name] = len(columns)
                columns.append(column)
    return Layout(columns, first_question, is_prefixed)


@dataclass(frozen=True)
class Placement:
    """Where the answers of responses to one stored definition go in a layout's rows."""

    #: (question key, part key) -> column index.
    index: dict[tuple[str, str], int]
    #: Multiple choice question -> the column indices of its options (1/0 once answered).
    option_columns: dict[str, list[int]]
    #: (profile question key, "") -> index of the fixed column its answer fills.
    profile: dict[tuple[str, str], int] = field(default_factory=dict)


def placement(layout: Layout, questionnaire: Questionnaire) -> Placement:
    """Return where the answers to ``questionnaire`` (one stored version) go in ``layout``.

    The profile questions have no question column (their answers are the fixed columns): they
    are in ``profile``, which only the long form uses to name a value's column.
    """
    by_name = {column.name: i for i, column in enumerate(layout.columns)}
    prefix = f"{questionnaire.key}." if layout.is_prefixed else ""
    index: dict[tuple[str, str], int] = {}
    option_columns: dict[str, list[int]] = {}
    profile: dict[tuple[str, str], int] = {}
    for name, question_key in questionnaire.profile_fields.items():
        profile[(question_key, "")] = by_name[name]
    for question in questionnaire.questions:
        if (question.key, "") in profile:
            continue
        if question.parts == ("",):
            index[(question.key, "")] = by_name[prefix + question.key]
            continue
        for part in question.parts:
            position = by_name[f"{prefix}{question.key}.{part}"]
            index[(question.key, part)] = position
            if question.type == "multiple_choice" and part != OTHER_PART:
                option_columns.setdefault(question.key, []).append(position)
    return Placement(index, option_columns, profile)
