"""Questionnaire definitions: load the YAML files, validate them, and model them as plain data.

Nothing here imports Flask, so the CLI check, the app and the analysis code share it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

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
COMMON_QUESTION_KEYS = {"key", "type", "label", "help", "required", "when"}
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


# -- validation -----------------------------------------------------------------------------------


class _Checker:
    """Collects problems while walking one definition."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, path: str, reason: str) -> None:
        self.problems.append(Problem(self.file, path, reason))

    def text(self, value: Any, path: str, *, required: bool = True) -> Text | None:
        if value is None:
            if required:
                self.add(path, "missing text (give en, fr and es)")
            return None
        if not isinstance(value, Mapping):
            self.add(path, "must be a mapping of en, fr and es")
            return None
        for lang in LANGUAGES:
            if not isinstance(value.get(lang), str) or not value[lang].strip():
                self.add(f"{path}.{lang}", "missing translation")
        for extra in sorted(set(value) - set(LANGUAGES)):
            self.add(f"{path}.{extra}", "unknown language (only en, fr and es)")
        return {lang: str(value.get(lang, "")) for lang in LANGUAGES}

    def unknown_keys(self, data: Mapping[str, Any], allowed: set[str], path: str) -> None:
        for extra in sorted(set(data) - allowed, key=str):
            self.add(f"{path}.{extra}" if path else str(extra), "unknown key")

    def key(self, value: Any, path: str, pattern: re.Pattern[str] = KEY_PATTERN) -> str:
        if not isinstance(value, str) or not pattern.match(value):
            self.add(path, f"key must match {pattern.pattern}")
            return str(value)
        return value

    def options(
        self, value: Any, path: str, *, scored: bool = False, exclusive: bool = False
    ) -> tuple[Option, ...]:
        if not isinstance(value, list) or not value:
            self.add(path, "must be a non-empty list")
            return ()
        seen: set[str] = set()
        options = []
        for index, item in enumerate(value):
            item_path = f"{path}[{index}]"
            if not isinstance(item, Mapping):
                self.add(item_path, "must be a mapping with key and label")
                continue
            allowed = {"key", "label"} | ({"score"} if scored else set())
            self.unknown_keys(item, allowed | ({"exclusive"} if exclusive else set()), item_path)
            key = self.key(item.get("key"), f"{item_path}.key")
            if key in seen:
                self.add(f"{item_path}.key", f"duplicate key {key!r}")
            seen.add(key)
            label = self.text(item.get("label"), f"{item_path}.label") or {}
            score = item.get("score")
            if score is not None and (
                not isinstance(score, int | float) or isinstance(score, bool)
            ):
                self.add(f"{item_path}.score", "must be a number")
                score = None
            is_exclusive = item.get("exclusive", False)
            if not isinstance(is_exclusive, bool):
                self.add(f"{item_path}.exclusive", "must be true or false")
                is_exclusive = False
            options.append(Option(key, label, score, is_exclusive))
        return tuple(options)

    def number(self, value: Any, path: str) -> float | None:
        if value is None:
            return None
        if not isinstance(value, int | float) or isinstance(value, bool):
            self.add(path, "must be a number")
            return None
        return value

    def positive_int(self, value: Any, path: str) -> int | None:
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            self.add(path, "must be a whole number of at least 1")
            return None
        return value

    def moment(self, value: Any, path: str) -> datetime:
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, date):
            moment = datetime(value.year, value.month, value.day)
        elif isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                self.add(path, "must be an ISO 8601 date and time")
                return datetime.min.replace(tzinfo=UTC)
        else:
            self.add(path, "must be an ISO 8601 date and time")
            return datetime.min.replace(tzinfo=UTC)
        if moment.tzinfo is None:
            self.add(path, "give a time zone offset (e.g. +00:00)")
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)


def _condition(
    checker: _Checker, value: Any, path: str, earlier: Mapping[str, Question]
) -> Condition | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or "question" not in value:
        checker.add(
            path, "must be {question: KEY, equals: VALUE} or {question: KEY, contains: VALUE}"
        )
        return None
    checker.unknown_keys(value, {"question", "equals", "contains"}, path)
    operators = [op for op in ("equals", "contains") if op in value]
    if len(operators) != 1:
        checker.add(path, "give exactly one of equals or contains")
        return None
    operator = operators[0]
    source_key = value["question"]
    wanted = value[operator]
    source = earlier.get(source_key)
    if source is None:
        checker.add(f"{path}.question", f"{source_key!r} is not an earlier question")
        return None
    if operator == "contains" and source.type != "multiple_choice":
        checker.add(f"{path}.contains", "contains needs a multiple_choice question")
    elif operator == "equals" and source.type not in (
        "single_choice",
        "yes_no",
        "region",
        "country",
    ):
        checker.add(f"{path}.equals", "equals needs a single choice, yes_no, region or country")
    elif str(wanted) not in source.option_keys:
        checker.add(f"{path}.{operator}", f"{wanted!r} is not an option of {source_key!r}")
    return Condition(source_key, operator, str(wanted))


def _options_from(
    checker: _Checker,
    value: Any,
    path: str,
    options: tuple[Option, ...],
    earlier: Mapping[str, Question],
) -> str | None:
    """Check a ranking's array filter: an earlier multiple choice offering every ranked option.

    The ranking may offer ``other`` only when that question has "Other, please specify", and
    never one of its exclusive options ("None of these" cannot be ranked).
    """
    if value is None:
        return None
    source = earlier.get(value) if isinstance(value, str) else None
    if source is None or source.type != "multiple_choice":
        checker.add(path, f"{value!r} is not an earlier multiple_choice question")
        return None
    offered = set(source.option_keys) - source.exclusive_keys
    if source.other:
        offered.add(OTHER_PART)
    for index, option in enumerate(options):
        if option.key not in offered:
            checker.add(
                f"{path.rsplit('.', 1)[0]}.options[{index}].key",
                f"{option.key!r} is not a choice of {value!r} that can be ranked",
            )
    return value


def _question(
    checker: _Checker, data: Any, path: str, section_key: str, earlier: Mapping[str, Question]
) -> Question | None:
    if not isinstance(data, Mapping):
        checker.add(path, "must be a mapping")
        return None
    qtype = data.get("type")
    if qtype not in QUESTION_TYPES:
        checker.add(f"{path}.type", f"unknown type {qtype!r} (one of {', '.join(QUESTION_TYPES)})")
        return None
    checker.unknown_keys(data, COMMON_QUESTION_KEYS | QUESTION_TYPES[qtype], path)
    key = checker.key(data.get("key"), f"{path}.key")
    label = checker.text(data.get("label"), f"{path}.label") or {}
    help_text = checker.text(data.get("help"), f"{path}.help", required=False)
    required = data.get("required", False)
    if not isinstance(required, bool):
        checker.add(f"{path}.required", "must be true or false")
        required = False
    when = _condition(checker, data.get("when"), f"{path}.when", earlier)
    extra: dict[str, Any] = {}
    if "options" in QUESTION_TYPES[qtype]:
        extra["options"] = checker.options(
            data.get("options"), f"{path}.options", exclusive=qtype == "multiple_choice"
        )
    if qtype == "multiple_choice":
        extra["max_choices"] = checker.positive_int(data.get("max_choices"), f"{path}.max_choices")
        other = data.get("other", False)
        if not isinstance(other, bool):
            checker.add(f"{path}.other", "must be true or false")
            other = False
        extra["other"] = other
        if other and any(o.key == OTHER_PART for o in extra["options"]):
            checker.add(f"{path}.options", "the key 'other' is reserved when other: true")
        if extra["options"] and all(o.exclusive for o in extra["options"]):
            checker.add(f"{path}.options", "at least one option must not be exclusive")
    if qtype == "matrix":
        extra["rows"] = checker.options(data.get("rows"), f"{path}.rows")
        extra["scale"] = checker.options(data.get("scale"), f"{path}.scale", scored=True)
    if qtype == "ranking":
        rank = checker.positive_int(data.get("rank"), f"{path}.rank")
        if rank is None:
            checker.add(f"{path}.rank", "give how many options to rank")
        elif rank > len(extra["options"]):
            checker.add(f"{path}.rank", "cannot exceed the number of options")
        extra["rank"] = rank
        extra["options_from"] = _options_from(
            checker, data.get("options_from"), f"{path}.options_from", extra["options"], earlier
        )
    if qtype in ("short_text", "long_text"):
        max_length = checker.positive_int(data.get("max_length"), f"{path}.max_length")
        extra["max_length"] = max_length or DEFAULT_MAX_LENGTH[qtype]
    if qtype == "number":
        extra["min"] = checker.number(data.get("min"), f"{path}.min")
        extra["max"] = checker.number(data.get("max"), f"{path}.max")
        if extra["min"] is not None and extra["max"] is not None and extra["min"] > extra["max"]:
            checker.add(f"{path}.max", "must not be below min")
        integer = data.get("integer", True)
        if not isinstance(integer, bool):
            checker.add(f"{path}.integer", "must be true or false")
            integer = True
        extra["integer"] = integer
    return Question(
        key=key,
        type=qtype,
        label=label,
        section_key=section_key,
        help=help_text,
        required=required,
        when=when,
        **extra,
    )


def _structure(raw: Any) -> Any:
    """Strip translatable texts so that the checksum covers only what storage depends on."""
    if isinstance(raw, Mapping):
        if set(raw) and set(raw) <= set(LANGUAGES):
            return None
        return {k: _structure(v) for k, v in sorted(raw.items(), key=lambda kv: str(kv[0]))}
    if isinstance(raw, list):
        return [_structure(v) for v in raw]
    if isinstance(raw, datetime | date):
        return raw.isoformat()
    return raw


def _jsonable(raw: Any) -> Any:
    if isinstance(raw, Mapping):
        return {str(k): _jsonable(v) for k, v in raw.items()}
    if isinstance(raw, list):
        return [_jsonable(v) for v in raw]
    if isinstance(raw, datetime | date):
        return raw.isoformat()
    return raw


#: The schedule is not structure: staff may extend or bring forward a deadline of a version
#: that already has responses without publishing a new version.
SCHEDULE_KEYS = ("opens_at", "closes_at")


def structure_checksum(raw: Mapping[str, Any]) -> str:
    """Return the hash of a definition's structure (labels, texts and dates left out)."""
    structure = {k: v for k, v in raw.items() if k not in SCHEDULE_KEYS}
    payload = json.dumps(_structure(structure), sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def parse_definition(raw: Any, file: str = "<definition>") -> Questionnaire:
    """Validate one definition given as data and return it; raise DefinitionError otherwise."""
    checker = _Checker(file)
    if not isinstance(raw, Mapping):
        raise DefinitionError([Problem(file, "", "a questionnaire must be a mapping")])
    checker.unknown_keys(raw, QUESTIONNAIRE_KEYS, "")
    for missing in sorted(REQUIRED_QUESTIONNAIRE_KEYS - set(raw)):
        checker.add(missing, "missing")
    key = checker.key(raw.get("key"), "key", QUESTIONNAIRE_KEY_PATTERN)
    version = checker.positive_int(raw.get("version"), "version") or 0
    audience = raw.get("audience")
    if audience not in AUDIENCES:
        checker.add("audience", f"must be one of {', '.join(AUDIENCES)}")
    opens_at = checker.moment(raw.get("opens_at"), "opens_at")
    closes_at = checker.moment(raw.get("closes_at"), "closes_at")
    if opens_at >= closes_at:
        checker.add("closes_at", "must come after opens_at")
    title = checker.text(raw.get("title"), "title") or {}
    introduction = checker.text(raw.get("introduction"), "introduction") or {}
    privacy_notice = checker.text(raw.get("privacy_notice"), "privacy_notice", required=False)

    earlier: dict[str, Question] = {}
    section_keys: set[str] = set()
    sections: list[Section] = []
    raw_sections = raw.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        checker.add("sections", "must be a non-empty list")
        raw_sections = []
    for s_index, s_data in enumerate(raw_sections):
        s_path = f"sections[{s_index}]"
        if not isinstance(s_data, Mapping):
            checker.add(s_path, "must be a mapping")
            continue
        checker.unknown_keys(s_data, SECTION_KEYS, s_path)
        s_key = checker.key(s_data.get("key"), f"{s_path}.key")
        if s_key in section_keys:
            checker.add(f"{s_path}.key", f"duplicate section key {s_key!r}")
        section_keys.add(s_key)
        s_when = _condition(checker, s_data.get("when"), f"{s_path}.when", earlier)
        questions: list[Question] = []
        raw_questions = s_data.get("questions")
        if not isinstance(raw_questions, list) or not raw_questions:
            checker.add(f"{s_path}.questions", "must be a non-empty list")
            raw_questions = []
        for q_index, q_data in enumerate(raw_questions):
            q_path = f"{s_path}.questions[{q_index}]"
            question = _question(checker, q_data, q_path, s_key, earlier)
            if question is None:
                continue
            if question.key in earlier:
                checker.add(f"{q_path}.key", f"duplicate question key {question.key!r}")
                continue
            earlier[question.key] = question
            questions.append(question)
        sections.append(
            Section(
                key=s_key,
                title=checker.text(s_data.get("title"), f"{s_path}.title") or {},
                description=checker.text(
                    s_data.get("description"), f"{s_path}.description", required=False
                ),
                when=s_when,
                questions=tuple(questions),
            )
        )

    profile = raw.get("profile_fields")
    profile_fields: dict[str, str] = {}
    if not isinstance(profile, Mapping):
        checker.add("profile_fields", "must map country, region and respondent_type to questions")
    else:
        checker.unknown_keys(profile, set(PROFILE_FIELDS), "profile_fields")
        for name, wanted_type in PROFILE_FIELDS.items():
            question_key = profile.get(name)
            question = earlier.get(question_key) if isinstance(question_key, str) else None
            if question is None:
                checker.add(f"profile_fields.{name}", f"{question_key!r} is not a question")
            elif question.type != wanted_type:
                checker.add(f"profile_fields.{name}", f"{question_key!r} must be a {wanted_type}")
            else:
                profile_fields[name] = question_key

    if checker.problems:
        raise DefinitionError(checker.problems)
    raw_json = _jsonable(raw)
    return Questionnaire(
        key=key,
        version=version,
        audience=str(audience),
        opens_at=opens_at,
        closes_at=closes_at,
        title=title,
        introduction=introduction,
        privacy_notice=privacy_notice,
        sections=tuple(sections),
        profile_fields=profile_fields,
        checksum=structure_checksum(raw_json),
        raw=raw_json,
    )


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a mapping with the same key twice."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_file(path: Path) -> Questionnaire:
    """Read and validate one definition file."""
    try:
        with open(path, encoding="utf-8") as handle:
            raw = yaml.load(handle, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise DefinitionError([Problem(str(path), "", f"not valid YAML: {exc}")]) from exc
    except OSError as exc:
        raise DefinitionError([Problem(str(path), "", f"cannot be read: {exc}")]) from exc
    return parse_definition(raw, str(path))


#: Data files that live beside the questionnaires but are not questionnaires.
DATA_FILES = frozenset({"charter.yaml", "themes.yaml", "regions.yaml"})


def definition_files(folder: Path) -> list[Path]:
    """Return the questionnaire files of a folder: every *.yaml but the known data files."""
    return [p for p in sorted(Path(folder).glob("*.yaml")) if p.name not in DATA_FILES]


def load_all(paths: Iterable[Path]) -> dict[str, Questionnaire]:
    """Validate every file and return the questionnaires by key; raise all problems at once."""
    problems: list[Problem] = []
    questionnaires: dict[str, Questionnaire] = {}
    for path in paths:
        try:
            questionnaire = load_file(path)
        except DefinitionError as exc:
            problems.extend(exc.problems)
            continue
        if questionnaire.key in questionnaires:
            problems.append(
                Problem(str(path), "key", f"duplicate questionnaire {questionnaire.key!r}")
            )
            continue
        questionnaires[questionnaire.key] = questionnaire
    if problems:
        raise DefinitionError(problems)
    return questionnaires
