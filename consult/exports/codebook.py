"""A column of an export and the lines of its codebook: the shapes every export with a codebook
shares (responses, contributions, commitments, the statistical files).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

LANGUAGES = ("en", "fr", "es")


Label = Mapping[str, str]


@dataclass(frozen=True)
class Column:
    """One column of an export."""

    name: str
    label: Label
    #: What the column holds, in words a codebook reader understands (e.g. "multiple_choice").
    type: str
    #: Written as a number in XLSX (ids, versions, 1/0, ranks, number answers).
    is_numeric: bool = False
    question_key: str | None = None
    part_key: str = ""
    #: Code -> label, for columns holding stable keys.
    values: dict[str, Label] = field(default_factory=dict, compare=False)
    #: The questionnaire a question column belongs to ("" for the fixed columns).
    questionnaire_key: str = ""
    #: Code -> score, for a matrix scale's points that carry one.
    scores: dict[str, float] = field(default_factory=dict, compare=False)
    #: (questionnaire, question key, wording) of each question a fixed column is filled from.
    wordings: list[tuple[str, str, Label]] = field(default_factory=list, compare=False)


@dataclass(frozen=True)
class CodebookEntry:
    """One line of the codebook: a column (value "") or one of the values it may hold."""

    column: str
    type: str
    value: str
    label: Label
    #: The questionnaire and question the entry is about ("" when it is not a question's).
    questionnaire: str = ""
    question: str = ""
    #: The score of a matrix scale point ("" for codes without one).
    score: str = ""

    def as_row(self) -> list[str]:
        """Return the entry as the codebook's row (in the order of CODEBOOK_HEADER)."""
        return [
            self.column,
            self.questionnaire,
            self.question,
            self.type,
            self.value,
            self.score,
            *(self.label.get(lang, "") for lang in LANGUAGES),
        ]


CODEBOOK_HEADER = [
    "column",
    "questionnaire",
    "question",
    "type",
    "value",
    "score",
    "label_en",
    "label_fr",
    "label_es",
]


def score_text(score: float | None) -> str:
    """Return a scale point's score as the codebook writes it (4, not 4.0; "" for none)."""
    if score is None:
        return ""
    return str(int(score)) if float(score).is_integer() else str(score)
