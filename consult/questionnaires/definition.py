"""Questionnaire definitions modelled as plain data: questionnaires, sections, questions,
options and conditions. Loading and validating the YAML files that define them lives in
consult.questionnaires.parsing.

Nothing here imports Flask, so the CLI check, the app and the analysis code share it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from consult.geography import REGION_KEYS, country_codes

LANGUAGES = ("en", "fr", "es")
KEY_PATTERN = re.compile(r"^[a-z0-9_]+$")
QUESTIONNAIRE_KEY_PATTERN = re.compile(r"^[a-z0-9-]+$")
YES_NO_KEYS = ("yes", "no", "dont_know")
AUDIENCES = ("local-governments", "partners")
DEFAULT_MAX_LENGTH = {"short_text": 300, "long_text": 5000}
#: The text of an "Other, please specify" answer is stored in this part of a multiple choice.
OTHER_PART = "other"

QUESTION_TYPES = {
    "single_choice": {"options"},
    "multiple_choice": {"options", "max_choices", "other"},
    "matrix": {"rows", "scale"},
    "ranking": {"options", "rank", "options_from"},
    "short_text": {"max_length"},
    "long_text": {"max_length"},
    "number": {"min", "max", "integer"},
    "yes_no": set(),
    "country": set(),
    "region": set(),
}
COMMON_QUESTION_KEYS = {"key", "type", "label", "help", "required", "when", "identifying"}
#: Keys that say how answers may be shown, not how they are stored: left out of the structure
#: checksum (flagging a question of a version that has responses needs no new version).
DISCLOSURE_KEYS = frozenset({"identifying"})
QUESTIONNAIRE_KEYS = {
    "key",
    "version",
    "audience",
    "opens_at",
    "closes_at",
    "title",
    "introduction",
    "privacy_notice",
    "profile_fields",
    "sections",
}
REQUIRED_QUESTIONNAIRE_KEYS = QUESTIONNAIRE_KEYS - {"privacy_notice"}
SECTION_KEYS = {"key", "title", "description", "when", "questions"}
PROFILE_FIELDS = {"country": "country", "region": "region", "respondent_type": "single_choice"}

Text = Mapping[str, str]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a definition file, located by a path such as sections[2].key."""

    file: str
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.reason}"


class DefinitionError(Exception):
    """A definition (or several) is invalid; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Option:
    """A choice offered by a question (also a matrix row, or a matrix scale point)."""

    key: str
    label: Text
    score: float | None = None
    #: A multiple choice's "None of these": it cannot be chosen together with anything else.
    exclusive: bool = False


@dataclass(frozen=True)
class Condition:
    """Show a question or section only when an earlier answer equals or contains a value."""

    question: str
    operator: str  # "equals" or "contains"
    value: str


@dataclass(frozen=True)
class Question:
    """One question of a questionnaire."""

    key: str
    type: str
    label: Text
    section_key: str
    help: Text | None = None
    required: bool = False
    when: Condition | None = None
    options: tuple[Option, ...] = ()
    rows: tuple[Option, ...] = ()
    scale: tuple[Option, ...] = ()
    max_choices: int | None = None
    other: bool = False
    rank: int | None = None
    #: A ranking offers only the options ticked in this earlier multiple choice (array filter).
    options_from: str | None = None
    min: float | None = None
    max: float | None = None
    integer: bool = True
    max_length: int | None = None
    #: Its answers name or point at who answered (a name, a title, a link): counted, never
    #: quoted, offered in the quotes bank, nor mined for words (``identifying: true``).
    identifying: bool = False

    @property
    def is_year(self) -> bool:
        """Tell whether this number question asks for a calendar year (its bounds are years,
        e.g. 2011 to 2027): its figures are then written as years are, 2021, never 2,021."""
        return (
            self.type == "number"
            and self.integer
            and self.min is not None
            and self.max is not None
            and 1000 <= self.min <= self.max <= 2999
        )

    # Computed once per question (a definition never changes once loaded): a page save checks
    # every posted value against them. cached_property writes to the instance's __dict__,
    # which a frozen dataclass allows.
    @cached_property
    def option_keys(self) -> tuple[str, ...]:
        """Return the keys a choice answer may take, in the definition's order."""
        if self.type == "yes_no":
            return YES_NO_KEYS
        if self.type == "region":
            return REGION_KEYS
        if self.type == "country":
            return country_codes()
        return tuple(o.key for o in self.options)

    @cached_property
    def accepted_keys(self) -> frozenset[str]:
        """Return option_keys as a set, to check a posted value."""
        return frozenset(self.option_keys)

    @cached_property
    def scale_keys(self) -> frozenset[str]:
        """Return the keys of a matrix's scale."""
        return frozenset(point.key for point in self.scale)

    @property
    def parts(self) -> tuple[str, ...]:
        """Return the part keys this question stores ('' for a single value)."""
        if self.type == "multiple_choice":
            return tuple(o.key for o in self.options) + ((OTHER_PART,) if self.other else ())
        if self.type == "matrix":
            return tuple(r.key for r in self.rows)
        if self.type == "ranking":
            return tuple(o.key for o in self.options)
        return ("",)

    @cached_property
    def exclusive_keys(self) -> frozenset[str]:
        """Return the keys of the options that exclude every other answer ("None of these")."""
        return frozenset(o.key for o in self.options if o.exclusive)

    @property
    def is_ordinal(self) -> bool:
        """Tell whether a matrix scale has scores, so that a mean makes sense."""
        return any(point.score is not None for point in self.scale)


@dataclass(frozen=True)
class Section:
    """A page of a questionnaire."""

    key: str
    title: Text
    questions: tuple[Question, ...]
    description: Text | None = None
    when: Condition | None = None


@dataclass(frozen=True)
class Questionnaire:
    """A validated questionnaire definition of one version."""

    key: str
    version: int
    audience: str
    opens_at: datetime
    closes_at: datetime
    title: Text
    introduction: Text
    sections: tuple[Section, ...]
    profile_fields: Mapping[str, str]
    privacy_notice: Text | None = None
    #: Hash of the structure (keys, types, options, conditions); labels may be corrected freely.
    checksum: str = ""
    #: The definition as data, stored with every version so old responses stay readable.
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def questions(self) -> tuple[Question, ...]:
        """Return every question in order."""
        return tuple(q for s in self.sections for q in s.questions)

    def question(self, key: str) -> Question:
        """Return the question with ``key`` (KeyError if there is none)."""
        return self._by_key[key]

    @property
    def _by_key(self) -> dict[str, Question]:
        cached = self.__dict__.get("_question_index")
        if cached is None:
            cached = {q.key: q for q in self.questions}
            object.__setattr__(self, "_question_index", cached)
        return cached

    def number(self, key: str) -> int:
        """Return a question's number, 1 to N in the order of the file (stable in a version)."""
        numbers = self.__dict__.get("_question_numbers")
        if numbers is None:
            numbers = {q.key: n for n, q in enumerate(self.questions, start=1)}
            object.__setattr__(self, "_question_numbers", numbers)
        return numbers[key]

    def section(self, key: str) -> Section:
        """Return the section with ``key`` (KeyError if there is none)."""
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)

    def is_open(self, now: datetime) -> bool:
        """Tell whether the questionnaire accepts answers at ``now``."""
        return self.opens_at <= now <= self.closes_at


def is_shown(
    item: Question | Section, answers: Mapping[str, Mapping[str, str]], questionnaire: Questionnaire
) -> bool:
    """Tell whether a question or section is asked, given the answers so far.

    A question is asked when its section's condition and its own are met; a condition on a
    question that is itself not asked is not met.
    """
    if isinstance(item, Question):
        section = questionnaire.section(item.section_key)
        if not is_shown(section, answers, questionnaire):
            return False
    condition = item.when
    if condition is None:
        return True
    source = questionnaire.question(condition.question)
    if not is_shown(source, answers, questionnaire):
        return False
    given = answers.get(condition.question, {})
    if condition.operator == "equals":
        return given.get("") == condition.value
    return given.get(condition.value) == "1"
